"""Results as JSON, in the format of SPEC-FORMAT.md ("Results"), for machines.

One object per spec:

    {"spec", "name", "scope", "gate", "config",
     "stats": {distinct, generated, depth, seconds, terminal, coverage, complete, stopped_by, queue},
     "properties": {name: {"verdict", "expected", "trace": [{step, actor, action, changes}]}}}

A spec explored under several configurations (a sweep: several outcomes with the same spec path)
becomes {"spec", "name", "configs": [one such object per configuration]}. One spec gives one object,
several give a list.

Choices the format leaves open, made here:
- `scope` is what was explored (`report.scope`): {"explored": {what: said}, "not_explored": [sentences]},
  e.g. {"explored": {"topology": "1 broker, ...", "workload": "2 events, ...", "faults": "none"},
  "not_explored": ["no broker crash was allowed; acks=1 loses only when the leader fails"]};
- `gate` is what the CI gate makes of the verdicts (`spec.outcome`): "as expected", "unexpected" or
  "bounded", the vocabulary apart from the verdicts' (holds / violated / bounded); `modelcheck check`
  exits 0, 1 or 3 accordingly;
- `expected` is always present, null when the spec states no expectation for the property;
- `trace` is present only for a violated property: the steps of the shortest counterexample, numbered
  from 1 (the initial state is not a step); a temporal counterexample that ends in a cycle also
  has `loop_start`, the number of the step the cycle begins with;
- a violated `always` or `at_end` property of an outcome with its model also has `inevitable_from`:
  the number of the step from which the violation could no longer be avoided (0: from the initial
  state; see `modelcheck.engine.inevitable`), or null when the bounded search did not decide it;
  when the run's limits or Ctrl-C cut that search short, `inevitable_not_computed` says why ("limit
  reached" or "interrupted");
- a step's `actor` is the `StepLabel` actor ("" for a label that names none), its `action` the label's
  text (the whole label otherwise), its `changes` the model's `explain_step` lines or the generic
  state diff as {"what": "before -> after"} (see `explain.changes_as_dict`);
- with `--suggest`, a violated property lists the one-setting changes under which it holds
  (`suggestions`: [{key, value, distinct, breaks, text}], see `modelcheck.advice`); when the time
  limit or Ctrl-C stopped that search before every change was explored, the configuration's
  `suggestions_incomplete` says which ("time_limit" or "interrupted");
- a Kafka configuration has a `cost` (`modelcheck.kafka.cost`): {requests_per_event, requests, events,
  steps, by_kind} of the shortest fault-free run that delivers every event; when that search was cut
  short, `cost_incomplete` says why;
- `stats.seconds` is null with `timings=False`, so a stored report can be compared with a new run;
- how the search ended, beyond SPEC-FORMAT's keys (added, so a reader of the documented ones is
  unaffected): `stats.complete` (true: every reachable state was explored), `stats.stopped_by` (null
  when complete, else the limit that stopped it: "max_states", "max_depth", "time_limit", "max_memory" or
  "interrupted", as `Result.stopped_by`), `stats.queue` (states found but not explored when it
  ended; 0 when complete) and `stats.depth` (the depth reached);
- `fingerprints`, when the search kept fingerprints instead of states (`--seen-set fingerprint`):
  {"width": bits, "collision_probability": TLC's "calculated (optimistic)" estimate, "note": what a
  collision does (it can only hide states)};
- `warnings`, when the search has any (the text report prints them under the statistics): actions
  that never fired, symmetry turned off, a search resumed from a checkpoint.
Values of a configuration that JSON cannot hold are given as strings.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from modelcheck.engine.result import VIOLATED
from modelcheck.report.scope import scope_of
from modelcheck.report.text import COLLISION_NOTE
from modelcheck.report.explain import NOT_COMPUTED, changes_as_dict, explain_trace, inevitable_from

STATS_KEYS = ("distinct", "generated", "depth", "seconds", "terminal", "coverage", "complete", "stopped_by",
              "queue")


def _plain(value):
    """A JSON-able copy of a configuration value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def _suggestion(item) -> dict[str, Any]:
    """A `modelcheck.advice.Suggestion` as {key, value, distinct, breaks, text}."""
    return {"key": getattr(item, "key", None), "value": _plain(getattr(item, "value", None)),
            "distinct": getattr(item, "distinct", None),
            "breaks": list(getattr(item, "breaks", ()) or ()), "text": str(item)}


def trace_to_list(trace, model=None) -> list[dict[str, Any]]:
    """[{step, actor, action, changes}] for every step of `trace`."""
    return [{"step": step.number, "actor": step.actor, "action": step.action,
             "changes": changes_as_dict(step.changes)} for step in explain_trace(trace, model)]


def outcome_to_dict(outcome, *, timings: bool = True) -> dict[str, Any]:
    """One configuration's result as the SPEC-FORMAT object."""
    result = outcome.result
    stats = result.stats
    properties: dict[str, Any] = {}
    names = list(result.properties) + [n for n in outcome.expected if n not in result.properties]
    for name in names:
        prop = result.properties.get(name)
        entry: dict[str, Any] = {"verdict": prop.verdict if prop else "missing",
                                 "expected": outcome.expected.get(name)}
        if prop is not None and prop.verdict == VIOLATED and prop.trace is not None:
            entry["trace"] = trace_to_list(prop.trace, outcome.model)
            if prop.trace.loop_start is not None:
                entry["loop_start"] = prop.trace.loop_start + 1
            if prop.more:
                entry["more_traces"] = [trace_to_list(trace, outcome.model) for trace in prop.more]
            inevitable = inevitable_from(prop, outcome.model)
            if inevitable is not None:
                entry["inevitable_from"] = inevitable.step
                if inevitable.status in NOT_COMPUTED:
                    entry["inevitable_not_computed"] = NOT_COMPUTED[inevitable.status]
        advice = (getattr(outcome, "suggestions", None) or {}).get(name)
        if advice:
            entry["suggestions"] = [_suggestion(item) for item in advice]
        properties[name] = entry
    scope = scope_of(outcome)
    return {
        "spec": outcome.spec_path,
        "name": outcome.name,
        "scope": {"explored": dict(scope.explored), "not_explored": list(scope.not_explored)},
        "gate": outcome.gate,
        "config": _plain(dict(outcome.config)),
        "stats": {"distinct": stats.distinct, "generated": stats.generated, "depth": stats.depth,
                  "seconds": round(stats.seconds, 3) if timings else None, "terminal": stats.terminal,
                  "coverage": dict(stats.coverage), "complete": result.complete,
                  "stopped_by": result.stopped_by, "queue": stats.queue},
        "properties": properties,
        **({"fingerprints": {"width": stats.fingerprints.width,
                             "collision_probability": stats.fingerprints.probability, "note": COLLISION_NOTE}}
           if stats.fingerprints is not None else {}),
        **({"warnings": list(result.warnings)} if result.warnings else {}),
        **({"suggestions_incomplete": outcome.suggestions_incomplete}
           if getattr(outcome, "suggestions_incomplete", None) else {}),
        **({"cost": _cost(outcome.cost)} if getattr(outcome, "cost", None) is not None else {}),
        **({"cost_incomplete": outcome.cost_incomplete} if getattr(outcome, "cost_incomplete", None) else {}),
    }


def _cost(cost) -> dict[str, Any]:
    """A `modelcheck.kafka.cost.Cost` as {requests_per_event, requests, events, steps, by_kind}."""
    return {"requests_per_event": round(cost.requests_per_event, 3), "requests": cost.requests,
            "events": cost.events, "steps": cost.steps, "by_kind": dict(cost.by_kind)}


def to_json_data(outcomes: Iterable, *, timings: bool = True):
    """The JSON document as Python data: an object for one spec, a list for several."""
    groups: dict[str, list] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.spec_path, []).append(outcome)
    documents = []
    for spec_path, members in groups.items():
        if len(members) == 1:
            documents.append(outcome_to_dict(members[0], timings=timings))
        else:
            documents.append({"spec": spec_path, "name": members[0].name,
                              "configs": [outcome_to_dict(o, timings=timings) for o in members]})
    return documents[0] if len(documents) == 1 else documents


def render_json(outcomes: Iterable, *, timings: bool = True, indent: int | None = 2) -> str:
    """The JSON document as text (one object for one spec, a list for several), newline-terminated."""
    return json.dumps(to_json_data(outcomes, timings=timings), indent=indent, ensure_ascii=False) + "\n"
