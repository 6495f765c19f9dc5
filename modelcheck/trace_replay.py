"""Replaying a saved counterexample against the current code and spec (`modelcheck replay`).

A trace file (`modelcheck.report.trace_file`, which defines the format) names a spec, a configuration,
a violated property and the steps taken. The replay loads the spec again with the same options, takes
the configuration with the same sweep point values, and follows the steps from the initial state: each
step is the successor at the recorded index when its label is the recorded one, else the first
successor with the recorded label (the model's steps were reordered), else the run has diverged there.
At the end the property is checked as the search checks it: an `always` property on the last state,
an `at_end` property on the last state when no step is enabled there, an `always_step` property on
the last step, and a temporal property on the whole lasso (`engine.lasso`: the cycle comes back where
the file says, the behaviour is fair under the model's fairness, and it breaks the property).

The answer is one of: the counterexample reproduces; it diverged at a step (named with its label); the
steps replay but the end no longer violates the property; the spec no longer has the configuration or
the property. A trace file or spec that cannot be read is an `InvalidSpec` (exit code 2), as elsewhere.
What it leaves out: any check that the replayed states are the ones the search saw (the model may have
changed; only the verdict matters).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelcheck.engine.lasso import judge_lasso
from modelcheck.engine.model import ALWAYS, ALWAYS_STEP, AT_END, TEMPORAL
from modelcheck.report.json_report import _plain as plain
from modelcheck.report.trace_file import InvalidTraceFile, TraceFile, label_text, parse_trace_file
from modelcheck.runner import RunOptions, load_models, model_errors_of
from modelcheck.spec.values import format_value

SHOWN_ALTERNATIVES = 5       # steps the model offers instead, listed when a step diverged


@dataclass(frozen=True)
class ReplayResult:
    """Whether the trace still reproduces, in a sentence; `step` is the step that diverged (from 1), if any."""

    reproduces: bool
    message: str
    step: int | None = None


def read_trace_file(path: str | Path) -> TraceFile:
    """Read and check the trace file at `path` (`trace_file.parse_trace_file`); a file that cannot be
    read is an `InvalidTraceFile` naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidTraceFile(f"cannot read it: {error.strerror or error}", file=str(path)) from None
    except UnicodeDecodeError as error:
        raise InvalidTraceFile(f"not UTF-8 text: {error.reason}", file=str(path)) from None
    return parse_trace_file(text, path)


def replay_trace(trace: TraceFile, *, spec: str | Path | None = None, sets: tuple[str, ...] = (),
                 params: tuple[tuple[str, str], ...] = ()) -> ReplayResult:
    """Replay `trace` against `spec` (default: the trace file's spec), with `sets` and `params` added
    after the trace's own (so they take precedence)."""
    spec_path = Path(spec) if spec is not None else trace.spec
    if not spec_path.is_file():
        raise InvalidTraceFile(f"the spec {str(spec_path)!r} does not exist (give another with --spec)",
                               file=str(trace.path), key="spec")
    options = RunOptions(sets=trace.sets + tuple(sets), sweeps=trace.sweeps, params=trace.params + tuple(params))
    jobs = list(load_models(spec_path, options))
    job = next((job for job in jobs if plain(dict(job.values)) == trace.point), None)
    if job is None:
        return ReplayResult(False, f"the spec has no configuration {_point(trace.point)} any more")
    with model_errors_of(spec_path):
        return _replay(job.model, trace)


def _replay(model, trace: TraceFile) -> ReplayResult:
    properties = {prop.name: prop for prop in model.get_properties()}
    prop = properties.get(trace.property)
    if prop is None:
        return ReplayResult(False, f"the model has no property {trace.property!r} any more")
    if (prop.kind in TEMPORAL) != (trace.kind in TEMPORAL) or prop.kind not in (ALWAYS, AT_END, ALWAYS_STEP, *TEMPORAL):
        return ReplayResult(False, f"{trace.property} is now a {prop.kind} property, not {trace.kind}: "
                                   f"the saved counterexample cannot show its violation")
    initials = model.get_initial_states()
    if trace.initial >= len(initials):
        return ReplayResult(False, f"the model has {len(initials)} initial states, and the trace starts from "
                                   f"number {trace.initial + 1}", step=0)
    current, before, label = initials[trace.initial], None, None
    states, taken = [current], []
    for number, (index, text) in enumerate(trace.steps, start=1):
        successors = model.successors(current)
        texts = [label_text(step_label, model) for _action, step_label, _state in successors]
        if index < len(successors) and texts[index] == text:
            chosen = successors[index]
        elif text in texts:
            chosen = successors[texts.index(text)]
        else:
            return ReplayResult(False, f"diverged at step {number} ({text}): the model no longer offers this "
                                       f"step there; {_offered(texts)}", step=number)
        before, label, current = current, chosen[1], chosen[2]
        states.append(current)
        taken.append((chosen[0], chosen[1]))
    if prop.kind in TEMPORAL:
        judged = judge_lasso(model, prop, states, taken, trace.loop_start)
        if judged.violates:
            return ReplayResult(True, f"reproduces: {trace.property} ({prop.kind}) is violated: {judged.reason}")
        return ReplayResult(False, f"the {len(trace.steps)} steps replay, but {trace.property} ({prop.kind}) is "
                                   f"no longer violated by this behaviour: {judged.reason}")
    where = f"after step {len(trace.steps)} ({trace.steps[-1][1]})" if trace.steps else "in the initial state"
    if prop.kind == ALWAYS:
        violated = not prop.predicate(current)
    elif prop.kind == AT_END:
        if model.successors(current):
            return ReplayResult(False, f"the {len(trace.steps)} steps replay, but the run no longer ends "
                                       f"{where}, so {trace.property} (at_end) is not violated there")
        violated = not prop.predicate(current)
    else:
        violated = bool(trace.steps) and not prop.predicate(before, label, current)
    if violated:
        return ReplayResult(True, f"reproduces: {trace.property} ({prop.kind}) is violated {where}")
    return ReplayResult(False, f"the {len(trace.steps)} steps replay, but {trace.property} ({prop.kind}) is no "
                               f"longer violated {where}")


def _offered(texts: list[str]) -> str:
    if not texts:
        return "no step is enabled there any more"
    shown = "; ".join(texts[:SHOWN_ALTERNATIVES])
    more = f"; and {len(texts) - SHOWN_ALTERNATIVES} more" if len(texts) > SHOWN_ALTERNATIVES else ""
    return f"it offers: {shown}{more}"


def _point(point: dict) -> str:
    return ", ".join(f"{key}={format_value(value)}" for key, value in point.items()) or "without a sweep point"
