"""Running specs: a spec file (YAML or Python) in, one `Outcome` per configuration out.

The glue between the spec layer (which reads and validates files), the Kafka layer (which builds a
model from a configuration) and the engine (which explores it). It never prints; progress goes through
the callback it is given.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping

from modelcheck.engine import Checkpoint, explore
from modelcheck.engine.checkpoint import DEFAULT_INTERVAL, identity_of
from modelcheck.engine.fingerprint_bfs import EXACT
from modelcheck.engine.limits import Limits
from modelcheck.spec import Spec, apply_command_line, expand, is_python_spec, load_python_spec, load_spec
from modelcheck.spec.nodes import Source
from modelcheck.spec.yaml_spec import parse_spec
from modelcheck.errors import InvalidSpec, ModelcheckError
from modelcheck.spec.expectations import VERDICTS
from modelcheck.spec.outcome import LIMITED, UNEXPECTED, Outcome


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices that apply to every spec of a run; None leaves the spec's own value."""

    sets: tuple[str, ...] = ()
    sweeps: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    max_states: int | None = None
    max_depth: int | None = None
    time_limit: float | None = None
    max_memory: int | None = None  # megabytes
    workers: int = 1
    symmetry: bool = True
    suggest: bool = False          # explore one-setting changes for every violated property
    checkpoint: str | None = None  # a directory for the searches' checkpoints (engine.checkpoint)
    resume: bool = False           # start each search from its checkpoint there, when it has one
    checkpoint_interval: float = DEFAULT_INTERVAL
    keep_going: bool = False       # --continue: the whole graph, whatever is found
    counterexamples: int = 1       # per violated property, at most this many traces
    shard: tuple[int, int] | None = None   # (K, N): only the K-th of N shares of the configurations
    reduction: str = "none"        # "por": partial-order reduction (engine.reduction)
    seen_set: str = EXACT          # what the search keeps of a state (engine.fingerprint_bfs.SEEN_SETS)


@dataclass
class Job:
    """One configuration to explore, with what the report needs to know of where it came from."""

    model: object
    name: str
    description: str
    limits: Limits
    values: dict = field(default_factory=dict)       # the sweep point's values ({} without a sweep)
    expected: dict = field(default_factory=dict)
    expected_lines: dict = field(default_factory=dict)   # property -> line of its expect: entry (YAML specs)
    settings: dict | None = None                      # explicit dotted settings (YAML specs only)
    properties: tuple[str, ...] | None = None         # the spec's `properties:` list, if it has one
    config: object = None                             # the KafkaConfig (YAML specs only)
    notes: tuple[str, ...] = ()                       # Kafka properties written that the model leaves out
    client_defaults: str | None = None                # the keys a spec's `client:` set, in words

    @property
    def scope(self):
        """What a check of this job explores (`kafka.scope`), with the client defaults it took; None for
        a Python spec."""
        if self.config is None:
            return None
        from modelcheck.kafka.scope import Scope, scope_of
        scope = scope_of(self.config)
        if self.client_defaults is None:
            return scope
        return Scope(scope.explored + (("client defaults", self.client_defaults),), scope.not_explored)


def limits_for(spec_limits: Limits, options: RunOptions) -> Limits:
    """The spec's limits, with those given on the command line taking precedence."""
    return Limits(
        max_states=options.max_states if options.max_states is not None else spec_limits.max_states,
        max_depth=options.max_depth if options.max_depth is not None else spec_limits.max_depth,
        time_limit=options.time_limit if options.time_limit is not None else spec_limits.time_limit,
        max_memory=options.max_memory if options.max_memory is not None else spec_limits.max_memory,
    )


def load_models(path: str | Path, options: RunOptions = RunOptions(), *, spec: Spec | None = None,
                text: str | None = None, module_as: str | None = None):
    """Yield a `Job` for each configuration of the spec file at `path` (or of `spec`, already read, or of
    the spec file's `text`, which `path` then only names; a Python spec's text is imported as the module
    `module_as`, see `load_python_spec`)."""
    if spec is None and is_python_spec(path):
        if options.sets or options.sweeps:
            raise InvalidSpec("--set and --sweep apply to YAML specs; a Python spec takes --param NAME=VALUE",
                              file=str(path))
        model = load_python_spec(path, dict(options.params), text=text, module_as=module_as)
        yield Job(model, model.name, model.description, Limits(), expected=_python_expectations(model, path))
        return
    if options.params:
        raise InvalidSpec("--param applies to Python specs; a YAML spec takes --set KEY=VALUE", file=str(path))
    from modelcheck.kafka.config import unmodelled
    from modelcheck.kafka.models import build_model
    if spec is None:
        spec = load_spec(path) if text is None else parse_spec(text, Source(str(path)), Path(path).stem)
    spec = apply_command_line(spec, options.sets, options.sweeps)
    for point in expand(spec):
        for key, why in unmodelled(point.config):
            origin = spec.origin_of(key)
            where = f" (in the sweep point {point.label})" if point.label else ""
            raise InvalidSpec(f"{why}{where}", file=getattr(origin, "file", str(path)),
                              line=getattr(origin, "line", None), key=key)
        model = build_model(point.config)
        if point.label:
            model = replace(model, name=f"{spec.name} [{point.label}]")
        else:
            model = replace(model, name=spec.name)
        settings = spec.settings_for(point.values)[0]
        yield Job(model, spec.name, spec.description, spec.limits, values=dict(point.values),
                  expected=point.expected, expected_lines=point.expected_lines,
                  settings=settings, config=point.config,
                  properties=spec.properties, notes=_may_matter(spec),
                  client_defaults=_client_defaults(spec, point.values, settings))


def _client_defaults(spec, values, settings) -> str | None:
    """"librdkafka 2.x (spec.yaml line 2): consumer.auto.offset.reset=latest, ...": what `client:` set
    (the keys of `settings`, the configuration's, that neither the spec nor its sweep point wrote)."""
    if spec.client is None:
        return None
    from modelcheck.spec.values import format_value
    written = {**spec.settings, **values}
    filled = {key: value for key, value in settings.items() if key not in written}
    said = ", ".join(f"{key}={format_value(value)}" for key, value in filled.items()) or "none left to set"
    return f"{spec.client.title} ({spec.client.origin}): {said}"


def _may_matter(spec) -> tuple[str, ...]:
    """The unmodelled Kafka properties of `spec` that may matter, each with where and why."""
    from modelcheck.kafka.client_properties import MAY_MATTER
    return tuple(f"{note.key} ({note.origin}): {note.why}" for note in spec.unmodelled if note.fate == MAY_MATTER)


def run_spec(path: str | Path, options: RunOptions = RunOptions(), *,
             progress: Callable | None = None,
             on_outcome: Callable[[Outcome], None] | None = None, spec: Spec | None = None,
             chosen: Shard | None = None) -> list[Outcome]:
    """Explore every configuration of one spec file (or of `spec`, already read), or those of them that
    the shard `chosen` takes; see the module docstring."""
    outcomes = []
    for job in load_models(path, options, spec=spec):
        if chosen is not None and not chosen.takes_next():
            continue
        outcome = check_job(job, path, options, progress)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if interrupted(outcome):
            break
    return outcomes


def check_job(job: Job, path, options: RunOptions, progress: Callable | None = None,
              search: Callable | None = None) -> Outcome:
    """Explore one configuration and build its `Outcome`: the search, then what the configuration costs
    and, with `options.suggest`, the changes that would fix its violations (each within what the search
    left of the limits). The unit of work a Ray task runs on a node (`ray_runner`). `search(job, limits,
    progress)` returns the configuration's `Result` in place of `engine.explore` (the distributed search
    of `ray_partitions`)."""
    limits = limits_for(job.limits, options)
    result = _explore(job, path, limits, options, progress, search)
    if job.properties is not None:
        result.properties = {name: prop for name, prop in result.properties.items()
                             if name in job.properties or prop.kind == "sometimes"}
    outcome = Outcome(spec_path=str(path), name=job.name, result=result, model=job.model,
                      description=job.description.strip(), config=job.values, expected=job.expected,
                      expected_lines=job.expected_lines, notes=list(job.notes), scope=job.scope)
    if job.config is not None and result.stopped_by != "interrupted":
        from modelcheck.kafka.cost import cost_of
        remaining = None if limits.time_limit is None else max(0.0, limits.time_limit - result.stats.seconds)
        outcome.cost, outcome.cost_incomplete = cost_of(job.config, time_limit=remaining,
                                                        max_memory=limits.max_memory)
    if options.suggest and job.settings is not None and result.violated and result.complete:
        from modelcheck.advice import suggest
        from modelcheck.kafka.models import build_model
        verdicts = {name: prop.verdict for name, prop in result.properties.items()}
        deadline = None
        if limits.time_limit is not None:
            deadline = time.perf_counter() + max(0.0, limits.time_limit - result.stats.seconds)
        outcome.suggestions, outcome.suggestions_incomplete = suggest(
            job.settings, job.config, verdicts, limits, build_model=build_model, workers=options.workers,
            deadline=deadline)
    return outcome


OUT_OF_MEMORY = ("the search ran out of memory: bound it with --max-memory or --max-states (or limits: "
                 "max-memory: / max-states:), or check a smaller configuration")


def _explore(job: Job, path, limits: Limits, options: RunOptions, progress, search: Callable | None = None):
    """Explore one job (with `search`, if given), its failures named by `model_errors_of`."""
    with model_errors_of(path):
        if search is not None:
            return search(job, limits, progress)
        return explore(job.model, max_states=limits.max_states, max_depth=limits.max_depth,
                       time_limit=limits.time_limit, workers=options.workers, symmetry=options.symmetry,
                       progress=progress, max_memory=limits.max_memory,
                       checkpoint=checkpoint_of(job, path, options), counterexamples=options.counterexamples,
                       keep_going=options.keep_going, reduction=options.reduction,
                       seen_set=options.seen_set)


def checkpoint_of(job: Job, path, options: RunOptions) -> Checkpoint | None:
    """Where the search of `job` writes its checkpoint: one file per spec file and configuration in the
    run's checkpoint directory, named so a person can tell them apart; what it was written for
    includes the spec's settings (a `--set` changes the model without changing its name)."""
    if options.checkpoint is None:
        return None
    name = re.sub(r"[^A-Za-z0-9._=-]+", "-", f"{Path(path).stem}--{job.model.name}").strip("-")[:150]
    settings = json.dumps(job.settings or {}, sort_keys=True, default=str)
    identity = identity_of(job.model, symmetry=options.symmetry,
                           extra=f"settings: {settings}\ncounterexamples: {options.counterexamples}")
    return Checkpoint(Path(options.checkpoint) / f"{name}.checkpoint", identity=identity,
                      interval=options.checkpoint_interval, resume=options.resume)


@contextmanager
def model_errors_of(path):
    """While a spec's model is searched: a model that breaks the engine's contract, a Python spec whose
    step or property calls sys.exit(), and a search that runs out of memory become an InvalidSpec
    naming the spec file, so the user knows which one (and, out of memory, what to do)."""
    try:
        yield
    except InvalidSpec:
        raise
    except ModelcheckError as error:
        if isinstance(error.__cause__, MemoryError):     # the search's own states, not the model's fault
            raise InvalidSpec(OUT_OF_MEMORY, file=str(path)) from error
        raise InvalidSpec(str(error), file=str(path)) from error
    except MemoryError:
        raise InvalidSpec(OUT_OF_MEMORY, file=str(path)) from None
    except SystemExit as error:
        from modelcheck.spec.python_spec import line_in, raised
        raise InvalidSpec(f"the model {raised(error)}, during the search", file=str(path),
                          line=line_in(path, error)) from None


def _python_expectations(model, path) -> dict[str, str]:
    """A Python spec's `model.expect` (property name -> holds | violated), checked as a YAML spec's is."""
    expect = getattr(model, "expect", None) or {}
    if not isinstance(expect, Mapping):
        raise InvalidSpec(f"must map property names to holds or violated, not {type(expect).__name__}",
                          file=str(path), key="model().expect")
    for name, verdict in expect.items():
        if verdict not in VERDICTS:
            raise InvalidSpec(f"{verdict!r} is not one of holds, violated", file=str(path),
                              key=f"model().expect[{name!r}]")
    return dict(expect)


def run_specs(paths: Iterable[str | Path], options: RunOptions = RunOptions(), *, chosen: Shard | None = None,
              **kwargs) -> list[Outcome]:
    """Every configuration of every spec in `paths`, in order; with `options.shard` (K, N), only the
    K-th of N shares of them, dealt round robin over the configurations of all the specs in order (so
    the N shards of one run together explore each configuration exactly once). `chosen`, a `Shard`,
    deals them instead, and keeps the counts."""
    outcomes = []
    if chosen is None and options.shard is not None:
        chosen = Shard(*options.shard)
    for path in paths:
        outcomes.extend(run_spec(path, options, chosen=chosen, **kwargs))
        if outcomes and interrupted(outcomes[-1]):
            break
    return outcomes


class Shard:
    """Deals configurations to N shards in turn and says which are shard K's (both from 1)."""

    def __init__(self, number: int, count: int):
        if not 1 <= number <= count:
            raise ValueError(f"shard {number}/{count}: K must be from 1 to N")
        self.number, self.count = number, count
        self.seen = 0          # configurations dealt so far
        self.taken = 0         # ... of them this shard's

    def takes_next(self) -> bool:
        mine = self.seen % self.count == self.number - 1
        self.seen += 1
        self.taken += mine
        return mine


def interrupted(outcome: Outcome) -> bool:
    """Whether Ctrl-C stopped the search of `outcome` or the work after it (suggestions, cost)."""
    return "interrupted" in (outcome.result.stopped_by, outcome.suggestions_incomplete, outcome.cost_incomplete)


def exit_code(outcomes: list[Outcome]) -> int:
    """0 all as expected; 1 a violation or a mismatch; 3 a limit left a verdict bounded (SPEC-FORMAT.md):
    the gate of the outcomes (`Outcome.gate`), the worst first."""
    gates = {outcome.gate for outcome in outcomes}
    if UNEXPECTED in gates:
        return 1
    if LIMITED in gates:
        return 3
    return 0
