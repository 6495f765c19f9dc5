"""Running specs: a spec file (YAML or Python) in, one `Outcome` per configuration out.

The glue between the spec layer (which reads and validates files), the Kafka layer (which builds a
model from a configuration) and the engine (which explores it). It never prints; progress goes through
the callback it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from modelcheck.engine import explore
from modelcheck.engine.limits import Limits
from modelcheck.spec import apply_command_line, expand, is_python_spec, load_python_spec, load_spec
from modelcheck.spec.outcome import Outcome


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices that apply to every spec of a run; None leaves the spec's own value."""

    sets: tuple[str, ...] = ()
    sweeps: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    max_states: int | None = None
    max_depth: int | None = None
    time_limit: float | None = None
    workers: int = 1
    symmetry: bool = True


def limits_for(spec_limits: Limits, options: RunOptions) -> Limits:
    """The spec's limits, with those given on the command line taking precedence."""
    return Limits(
        max_states=options.max_states if options.max_states is not None else spec_limits.max_states,
        max_depth=options.max_depth if options.max_depth is not None else spec_limits.max_depth,
        time_limit=options.time_limit if options.time_limit is not None else spec_limits.time_limit,
    )


def load_models(path: str | Path, options: RunOptions = RunOptions()):
    """Yield (model, point values, expectations, description, name, limits) for each configuration."""
    if is_python_spec(path):
        if options.sets or options.sweeps:
            from modelcheck.errors import InvalidSpec
            raise InvalidSpec("--set and --sweep apply to YAML specs; a Python spec takes --param NAME=VALUE",
                              file=str(path))
        model = load_python_spec(path, dict(options.params))
        expected = dict(getattr(model, "expect", None) or {})
        yield model, {}, expected, model.description, model.name, Limits()
        return
    if options.params:
        from modelcheck.errors import InvalidSpec
        raise InvalidSpec("--param applies to Python specs; a YAML spec takes --set KEY=VALUE", file=str(path))
    from modelcheck.kafka.model import build_model
    spec = apply_command_line(load_spec(path), options.sets, options.sweeps)
    for point in expand(spec):
        model = build_model(point.config)
        if point.label:
            model = replace(model, name=f"{spec.name} [{point.label}]")
        else:
            model = replace(model, name=spec.name)
        yield model, dict(point.values), point.expected, spec.description, spec.name, spec.limits


def run_spec(path: str | Path, options: RunOptions = RunOptions(), *,
             progress: Callable | None = None,
             on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Explore every configuration of one spec file; see the module docstring."""
    outcomes = []
    for model, values, expected, description, name, spec_limits in load_models(path, options):
        limits = limits_for(spec_limits, options)
        result = explore(model, max_states=limits.max_states, max_depth=limits.max_depth,
                         time_limit=limits.time_limit, workers=options.workers,
                         symmetry=options.symmetry, progress=progress)
        outcome = Outcome(spec_path=str(path), name=name, result=result, model=model,
                          description=description.strip(), config=values, expected=expected)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if result.stopped_by == "interrupted":
            break
    return outcomes


def run_specs(paths: Iterable[str | Path], options: RunOptions = RunOptions(), **kwargs) -> list[Outcome]:
    outcomes = []
    for path in paths:
        outcomes.extend(run_spec(path, options, **kwargs))
        if outcomes and outcomes[-1].result.stopped_by == "interrupted":
            break
    return outcomes


def exit_code(outcomes: list[Outcome]) -> int:
    """0 all as expected; 1 a violation or a mismatch; 3 a limit left a verdict bounded (SPEC-FORMAT.md)."""
    real_mismatch = any(found != "bounded" for outcome in outcomes for _name, _exp, found in outcome.mismatches)
    unexpected_violation = any(not outcome.expected and outcome.result.violated for outcome in outcomes)
    if real_mismatch or unexpected_violation:
        return 1
    if any(outcome.bounded for outcome in outcomes):
        return 3
    return 0
