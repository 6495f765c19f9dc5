"""Trace files: a counterexample saved as JSON, to be replayed later (`modelcheck replay`).

`modelcheck explore|check --save-traces DIR` writes one file per counterexample (with
`--counterexamples N`, one per trace found, up to N per property). The format, version 1:

    {"format": "modelcheck-trace", "version": 1,
     "spec": "../specs/consumer-commit-before-process.yaml",
     "configuration": {"sets": ["consumer.max.poll.records=2"], "sweeps": [], "params": [],
                       "point": {"producer.enable.idempotence": false}},
     "property": {"name": "no-loss", "kind": "at_end"},
     "initial": 0,
     "steps": [{"successor": 3, "label": "consumer[0] commits offset 2"}, ...]}

- `spec`: the spec file, relative to the trace file's folder (so the two can move together), or
  absolute when they are on different drives;
- `configuration`: the command line's `--set` and `--sweep` (YAML specs) and `--param` (Python specs,
  as [name, value] pairs), and `point`, the values of the sweep point the counterexample belongs to
  ({} without a sweep): rebuilding the model means loading the spec with the same options and taking
  the configuration with those values;
- `property`: the violated property's name and kind (`always`, `at_end`, `always_step`, or a temporal
  kind: `eventually`, `always_eventually`, `eventually_always`, `leads_to`);
- `steps`: from the initial state, the step taken each time as its `successor`, the index of the step
  among the model's steps from that state in the engine's fixed order (`Model.successors`), and its
  `label`, the text a trace shows; replay takes the step at that index when its label matches, else
  the step with that label (the model's steps were reordered), else it reports the step as diverged;
- `initial`: the index of the trace's first state among the model's initial states;
- `loop_start` (temporal counterexamples only; absent or null otherwise): the number of steps before the
  cycle, whose last step comes back to the state after step `loop_start`; null for a behaviour that
  stays in its last state for ever. A replay judges the lasso whole (`engine.lasso`): that it is fair
  under the model's fairness and that it breaks the property.

A `sometimes` witness is not a violation and is never written. What the format leaves out: the states themselves (they are rebuilt by the replay, and would tie the file to the
model's internal representation) and the timings of the run.

Parsing (`parse_trace_file`, given the text) checks every key and gives an `InvalidTraceFile` naming
the file and the key; reading the file and the replay itself are `modelcheck.trace_replay`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from modelcheck.engine.model import ALWAYS, ALWAYS_STEP, AT_END, TEMPORAL
from modelcheck.engine.result import VIOLATED
from modelcheck.errors import InvalidSpec, NondeterminismError
from modelcheck.report.explain import label_parts
from modelcheck.report.json_report import _plain as plain
from modelcheck.spec.values import format_value

FORMAT = "modelcheck-trace"
VERSION = 1
REPLAYABLE_KINDS = (ALWAYS, AT_END, ALWAYS_STEP, *TEMPORAL)


class InvalidTraceFile(InvalidSpec):
    """A trace file that cannot be read: not JSON, another format or version, or a key missing or of
    the wrong type (exit code 2, like any invalid input)."""


@dataclass(frozen=True)
class TraceFile:
    """A trace file as read: see the module docstring for what each field means."""

    path: Path
    spec: Path                                 # resolved against the trace file's folder
    sets: tuple[str, ...]
    sweeps: tuple[str, ...]
    params: tuple[tuple[str, str], ...]
    point: dict
    property: str
    kind: str
    initial: int
    steps: tuple[tuple[int, str], ...]         # (successor index, label text)
    loop_start: int | None = None              # temporal counterexamples: where the cycle starts


def label_text(label, model) -> str:
    """The text a trace shows for a step's label ("consumer[0] commits offset 2")."""
    actor, action, _peer, _fault = label_parts(label, model)
    return f"{actor} {action}" if actor else action


def trace_document(trace, model, *, spec: str, directory: str | Path, sets=(), sweeps=(), params=(),
                   point=None, prop: str, kind: str) -> dict[str, Any]:
    """The trace file of one counterexample `trace` of `model` (the JSON object of the module docstring)."""
    initials = list(model.get_initial_states())
    steps = []
    current = trace.initial
    for step in trace.steps:
        successors = model.successors(current)
        index = next((i for i, (action, label, state) in enumerate(successors)
                      if action == step.action and label == step.label and state == step.state), None)
        if index is None:
            raise NondeterminismError(
                f"model {model.name!r} is nondeterministic: writing a trace file, step {len(steps) + 1} "
                f"({label_text(step.label, model)}) is not among the steps the model computes again from "
                f"the same state; the model's steps must depend on the state alone")
        steps.append({"successor": index, "label": label_text(step.label, model)})
        current = step.state
    return {
        "format": FORMAT, "version": VERSION,
        "spec": _relative(spec, directory),
        "configuration": {"sets": list(sets), "sweeps": list(sweeps), "params": [list(pair) for pair in params],
                          "point": plain(dict(point or {}))},
        "property": {"name": prop, "kind": kind},
        "initial": initials.index(trace.initial),
        "steps": steps,
        **({"loop_start": trace.loop_start} if kind in TEMPORAL else {}),
    }


def _relative(spec: str, directory: str | Path) -> str:
    try:
        return Path(os.path.relpath(Path(spec).resolve(), Path(directory).resolve())).as_posix()
    except ValueError:                       # another drive (Windows)
        return str(Path(spec).resolve())


def trace_files(outcomes: Iterable, directory: str | Path, *, sets=(), sweeps=(), params=()) -> dict[str, str]:
    """{file name: JSON text} of every counterexample of `outcomes`, named
    `<spec>--<property>[--<sweep point>]--<n>.json` (n from 1, in the order the search found them)."""
    files: dict[str, str] = {}
    for outcome in outcomes:
        point_label = ",".join(f"{key}={format_value(value)}" for key, value in dict(outcome.config).items())
        for name, prop in outcome.result.properties.items():
            if prop.verdict != VIOLATED or prop.trace is None or prop.kind not in REPLAYABLE_KINDS:
                continue
            for number, trace in enumerate((prop.trace, *prop.more), start=1):
                document = trace_document(trace, outcome.model, spec=outcome.spec_path, directory=directory,
                                          sets=sets, sweeps=sweeps, params=params, point=outcome.config,
                                          prop=name, kind=prop.kind)
                parts = [Path(outcome.spec_path).stem, name] + ([point_label] if point_label else []) + [str(number)]
                file_name = re.sub(r"[^A-Za-z0-9._=,-]+", "-", "--".join(parts)).strip("-")[:200] + ".json"
                files[file_name] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return files


def parse_trace_file(text: str, path: str | Path) -> TraceFile:
    """Check the text of the trace file at `path` (read by the caller); an `InvalidTraceFile` names the
    file and the key at fault."""
    path = Path(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidTraceFile(f"not a JSON document ({error.msg})", file=str(path), line=error.lineno) from None

    def fail(key: str, message: str):
        raise InvalidTraceFile(message, file=str(path), key=key)

    def get(container: dict, key: str, kind, where: str = ""):
        name = f"{where}{key}"
        if key not in container:
            fail(name, "missing")
        value = container[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            fail(name, f"must be {_kind_name(kind)}, not {type(value).__name__}")
        return value

    if not isinstance(data, dict):
        fail("format", f"a trace file is a JSON object, not {type(data).__name__}")
    if data.get("format") != FORMAT:
        fail("format", f"must be {FORMAT!r}: this is not a modelcheck trace file")
    if get(data, "version", int) != VERSION:
        fail("version", f"version {data['version']} is not one this modelcheck reads ({VERSION})")
    spec = get(data, "spec", str)
    configuration = get(data, "configuration", dict)
    sets = _strings(get(configuration, "sets", list, "configuration."), "configuration.sets", fail)
    sweeps = _strings(get(configuration, "sweeps", list, "configuration."), "configuration.sweeps", fail)
    params = []
    for index, pair in enumerate(get(configuration, "params", list, "configuration.")):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(item, str) for item in pair)):
            fail(f"configuration.params[{index}]", "must be [name, value], two strings")
        params.append((pair[0], pair[1]))
    point = get(configuration, "point", dict, "configuration.")
    prop = get(data, "property", dict)
    name = get(prop, "name", str, "property.")
    kind = get(prop, "kind", str, "property.")
    if kind not in REPLAYABLE_KINDS:
        fail("property.kind", f"{kind!r} is not one of {', '.join(REPLAYABLE_KINDS)}")
    initial = get(data, "initial", int)
    if initial < 0:
        fail("initial", "must be 0 or more")
    steps = []
    for index, step in enumerate(get(data, "steps", list)):
        where = f"steps[{index}]."
        if not isinstance(step, dict):
            fail(f"steps[{index}]", f"must be an object, not {type(step).__name__}")
        successor = get(step, "successor", int, where)
        if successor < 0:
            fail(f"{where}successor", "must be 0 or more")
        steps.append((successor, get(step, "label", str, where)))
    loop_start = data.get("loop_start")
    if loop_start is not None:
        if kind not in TEMPORAL:
            fail("loop_start", f"only a temporal counterexample has a cycle, not an {kind} one")
        if not isinstance(loop_start, int) or isinstance(loop_start, bool) or not 0 <= loop_start < len(steps):
            fail("loop_start", f"must be a step number from 0 to {len(steps) - 1}, or null")
    return TraceFile(path=path, spec=path.parent / spec, sets=sets, sweeps=sweeps, params=tuple(params),
                     point=point, property=name, kind=kind, initial=initial, steps=tuple(steps),
                     loop_start=loop_start)


def _strings(values: list, key: str, fail) -> tuple[str, ...]:
    for index, value in enumerate(values):
        if not isinstance(value, str):
            fail(f"{key}[{index}]", f"must be a string, not {type(value).__name__}")
    return tuple(values)


def _kind_name(kind) -> str:
    return {str: "a string", int: "an integer", list: "a list", dict: "an object"}[kind]
