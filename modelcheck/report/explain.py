"""What each step of a trace did, in words: the shared vocabulary of every renderer.

A trace is a path of states joined by labelled steps. For people a step is "who did what, and what
changed": the actor and the action come from the label (a `StepLabel` names its actor, the peer it talked
to and whether it was a fault; a model with a `step_label` hook turns its own structured labels into
one; any other label is printed with the model's `format_label`, by default `str`); what changed
comes from the model's own `explain_step(before, label, after)` when it has one,
and otherwise from a generic diff of the two states that names only the fields that changed
(`rm_state: (0, 0) -> (1, 0)`), recursing into NamedTuples, dataclasses and tuples of them.

Which step made a violation inevitable needs a search of its own (`modelcheck.engine.inevitable`),
so it is asked here once per trace. The command line asks it right after the searches, with
`analyse(outcomes)`: each analysis is bounded by `INEVITABLE_MAX_STATES` states and by what its
search left of the run's `--max-states` and `--time-limit` (so limits bound the whole command), Ctrl-C
ends it, and the answer is kept on the `PropertyResult` (`inevitable`), status "limit" or "interrupted"
when it was cut short. It never changes a verdict. Otherwise `inevitable_from(prop, model)` runs the
search when first asked, bounded by `INEVITABLE_MAX_STATES` states alone (never by time, so a report is
the same on every run), and remembers the answer for the (model, trace) pair, so the text, Mermaid,
SVG, HTML and JSON renderings of one trace share one search. The memo is only a cache: the answer is a
function of the model and the trace, and renderers stay pure functions of their arguments. Without a
model there is nothing to search and no step is marked.

Left out: any judgement of which change matters most; every change is listed in the order of the
state's fields.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass

import time

from modelcheck.engine.inevitable import (FOUND, INTERRUPTED, LIMIT, NOT_APPLICABLE, Inevitability,
                                          inevitability)
from modelcheck.engine.label import StepLabel
from modelcheck.engine.model import ALWAYS, AT_END, SOMETIMES
from modelcheck.engine.result import HOLDS, VIOLATED, PropertyResult, Trace

SYSTEM_ACTOR = "system"        # the one lane of a sequence diagram when labels name no actor
_MAX_DIFF_DEPTH = 4            # how deep the generic diff looks into nested records
INEVITABLE_MARK = "⚑"
INEVITABLE_NOTE = f"{INEVITABLE_MARK} from here on the violation is inevitable"   # diagrams
INEVITABLE_MAX_STATES = 100_000   # states the search for the inevitable step may expand, per trace
_INEVITABLE_MEMO_SIZE = 256
_inevitable_memo: OrderedDict = OrderedDict()


@dataclass(frozen=True)
class ExplainedStep:
    """One step of a trace, ready to print."""

    number: int                     # 1 for the first step after the initial state
    actor: str                      # StepLabel.actor, or "" for a label that names no actor
    action: str                     # StepLabel.text, or the whole label as the model formats it
    peer: str | None                # the actor a message went to, for sequence diagrams
    fault: bool                     # a crash, a lost message, a pause
    changes: tuple[str, ...]        # "what: before -> after" lines, or the model's own sentences
    loop_start: bool = False        # the cycle of a temporal counterexample starts with this step
    action_name: str = ""           # the engine Action that fired (TraceStep.action)

    @property
    def sentence(self) -> str:
        """The step as one line: "consumer[0] commits offset 2"."""
        return f"{self.actor} {self.action}" if self.actor else self.action


def label_parts(label, model=None) -> tuple[str, str, str | None, bool]:
    """(actor, action, peer, fault) of a step label."""
    hook = getattr(model, "step_label", None)
    if hook is not None and not isinstance(label, StepLabel):
        label = hook(label)
    if isinstance(label, StepLabel):
        return label.actor, label.text, label.peer, bool(label.fault)
    formatter = getattr(model, "format_label", None) or str
    return "", formatter(label), None, False


def explain_trace(trace: Trace, model=None) -> list[ExplainedStep]:
    """Every step of `trace` explained, with the model's `explain_step` hook when it has one."""
    hook = getattr(model, "explain_step", None) if model is not None else None
    explained = []
    before = trace.initial
    for number, step in enumerate(trace.steps, start=1):
        actor, action, peer, fault = label_parts(step.label, model)
        if hook is not None:
            changes = tuple(str(line) for line in hook(before, step.label, step.state))
        else:
            changes = tuple(state_diff(before, step.state))
        starts_loop = trace.loop_start is not None and number == trace.loop_start + 1
        explained.append(ExplainedStep(number, actor, action, peer, fault, changes, starts_loop,
                                       step.action))
        before = step.state
    return explained


def state_diff(before, after, path: str = "") -> list[str]:
    """Lines "field: before -> after" for every part of the state that differs.

    NamedTuples and dataclasses are compared field by field (nested names joined with dots), a plain
    tuple at the top of the state position by position (`[0]`), and a tuple holding records (several
    brokers, say) element by element; any other value that changed is shown whole.
    """
    if before == after:
        return []
    return _diff(before, after, path, 0)


def _diff(before, after, path: str, depth: int) -> list[str]:
    if before == after:
        return []
    if depth < _MAX_DIFF_DEPTH:
        fields = _record_fields(before, after)
        if fields is not None:
            lines = []
            for name, old, new in fields:
                lines.extend(_diff(old, new, f"{path}.{name}" if path else name, depth + 1))
            return lines
        if _positional(before, after, top=depth == 0):
            lines = []
            for index, (old, new) in enumerate(zip(before, after)):
                lines.extend(_diff(old, new, f"{path or 'state'}[{index}]", depth + 1))
            return lines
    return [f"{path or 'state'}: {show_value(before)} -> {show_value(after)}"]


def _record_fields(before, after):
    """[(name, old, new)] when both values are records of the same type, else None."""
    if type(before) is not type(after):
        return None
    if isinstance(before, tuple) and hasattr(before, "_fields"):
        return [(name, getattr(before, name), getattr(after, name)) for name in before._fields]
    if dataclasses.is_dataclass(before) and not isinstance(before, type):
        return [(f.name, getattr(before, f.name), getattr(after, f.name)) for f in dataclasses.fields(before)]
    return None


def _is_record(value) -> bool:
    return (isinstance(value, tuple) and hasattr(value, "_fields")) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type))


def _positional(before, after, top: bool) -> bool:
    """Compare two plain tuples position by position? At the top of a state, or when they hold records."""
    if type(before) is not tuple or type(after) is not tuple or len(before) != len(after):
        return False
    return top or any(_is_record(item) for item in before + after)


def show_value(value) -> str:
    """A short, stable rendering of a state component (sets sorted, records by field)."""
    if isinstance(value, (frozenset, set)):
        items = sorted((show_value(item) for item in value))
        return "{" + ", ".join(items) + "}" if items else "{}"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        inner = ", ".join(f"{name}={show_value(getattr(value, name))}" for name in value._fields)
        return f"{type(value).__name__}({inner})"
    if isinstance(value, tuple):
        inner = ", ".join(show_value(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def changes_as_dict(lines) -> dict[str, str]:
    """Lines "what: change" as a mapping; a line without ": " is kept under its position ("1", "2")."""
    out: dict[str, str] = {}
    for position, line in enumerate(lines, start=1):
        key, separator, value = line.partition(": ")
        if separator and key:
            if key in out:
                out[key] = f"{out[key]}; {value}"
            else:
                out[key] = value
        else:
            out[str(position)] = line
    return out


def describe_state(model, state) -> str:
    """The state in the model's words (`describe_state`), or its repr."""
    describe = getattr(model, "describe_state", None) if model is not None else None
    return str(describe(state)) if describe is not None else show_value(state)


@dataclass(frozen=True)
class StatePart:
    """One named part of a state shown whole ("p0": "leader broker[0] ..."), and whether the step that
    led to it changed it."""

    name: str
    text: str
    changed: bool


def state_parts(model, state) -> list[tuple[str, str]]:
    """The state as (name, text) parts: the model's `state_parts` hook, or else the fields of a record,
    the positions of a plain tuple, or the whole value."""
    hook = getattr(model, "state_parts", None) if model is not None else None
    if hook is not None:
        return [(str(name), str(text)) for name, text in hook(state)]
    fields = _record_fields(state, state)
    if fields is not None:
        return [(name, show_value(value)) for name, value, _same in fields]
    if type(state) is tuple:
        return [(f"[{index}]", show_value(value)) for index, value in enumerate(state)]
    return [("state", show_value(state))]


def states_shown(trace: Trace, model=None) -> list[list[StatePart]]:
    """The whole state before the first step and after each step, as parts; a part is marked changed
    when the state before had no part of that name or a different text (never in the initial state)."""
    shown = []
    before: dict[str, str] | None = None
    for state in trace.states:
        parts = state_parts(model, state)
        shown.append([StatePart(name, text, before is not None and before.get(name) != text)
                      for name, text in parts])
        before = dict(parts)
    return shown


def evidence(model, prop: PropertyResult) -> str | None:
    """The model's own account of a violation (`explain_violation(name, trace)`), if it gives one."""
    hook = getattr(model, "explain_violation", None) if model is not None else None
    if hook is None or prop.trace is None or prop.verdict != VIOLATED:
        return None
    text = hook(prop.name, prop.trace)
    return str(text) if text else None


def trace_role(prop: PropertyResult) -> str:
    """What the property's trace shows: "counterexample", "witness" or "" when there is none."""
    if prop.trace is None:
        return ""
    if prop.verdict == HOLDS and prop.kind == SOMETIMES:
        return "witness"
    return "counterexample"


def trace_length(prop: PropertyResult) -> int | None:
    """Steps in a violation's trace (None when the verdict has no counterexample)."""
    if prop.verdict != VIOLATED or prop.trace is None:
        return None
    return len(prop.trace.steps)


def actors_of(steps: list[ExplainedStep]) -> list[str]:
    """The actors and peers of `steps` in order of first appearance; "system" for unnamed actors."""
    seen: dict[str, None] = {}
    for step in steps:
        seen.setdefault(step.actor or SYSTEM_ACTOR, None)
        if step.peer:
            seen.setdefault(step.peer, None)
    return list(seen)


def inevitable_from(prop: PropertyResult, model) -> Inevitability | None:
    """When the violation of `prop` became inevitable (`engine.inevitable.inevitability`), or None.

    None when the question does not arise: no model, no violation with a trace, a kind other than
    `always` and `at_end`, or a model without the property (a hand-made result). Otherwise the
    answer's `step` is an index into the trace's states (0: the initial state; n: the step numbered
    n), or None with the status "bounded" when `INEVITABLE_MAX_STATES` did not suffice to decide.
    """
    trace = prop.trace
    if (model is None or trace is None or prop.verdict != VIOLATED or prop.kind not in (ALWAYS, AT_END)
            or not hasattr(model, "get_actions") or not hasattr(model, "get_properties")):
        return None
    if prop.inevitable is not None:             # asked by `analyse`, within the run's limits
        return None if prop.inevitable.status == NOT_APPLICABLE else prop.inevitable
    key = (id(model), id(trace), prop.name)
    memo = _inevitable_memo.get(key)
    if memo is not None and memo[0] is model and memo[1] is trace:
        _inevitable_memo.move_to_end(key)
        return memo[2]
    try:
        answer = inevitability(model, trace, prop.name, max_states=INEVITABLE_MAX_STATES)
    except ValueError:                  # the model has no such property, or the trace does not break it
        answer = None
    if answer is not None and answer.status == NOT_APPLICABLE:
        answer = None
    _inevitable_memo[key] = (model, trace, answer)     # the references keep the ids from being reused
    while len(_inevitable_memo) > _INEVITABLE_MEMO_SIZE:
        _inevitable_memo.popitem(last=False)
    return answer


def analyse(outcomes) -> bool:
    """Ask every violated `always` and `at_end` property of `outcomes` for its inevitable step now, each
    within what its search left of the run's limits (`Result.limits`: `max_states` less the states
    found, shared by the properties of one search in turn; `time_limit` less the search's seconds;
    `max_memory` as it is), and
    keep the answers on the properties. Ctrl-C ends the analysis: the properties not answered yet are
    marked "interrupted" and True is returned. Verdicts are not touched."""
    pending = []
    for outcome in outcomes:
        model = getattr(outcome, "model", None)
        if model is None or not hasattr(model, "get_actions") or not hasattr(model, "get_properties"):
            continue
        asked = [prop for prop in outcome.result.properties.values()
                 if prop.verdict == VIOLATED and prop.trace is not None and prop.kind in (ALWAYS, AT_END)]
        if asked:
            pending.append((outcome.result, model, asked))
    try:
        for result, model, asked in pending:
            limits, stats = getattr(result, "limits", None), result.stats
            time_limit = getattr(limits, "time_limit", None)
            max_states = getattr(limits, "max_states", None)
            max_memory = getattr(limits, "max_memory", None)
            deadline = time.monotonic() + max(0.0, time_limit - stats.seconds) if time_limit else None
            left = max(0, max_states - stats.distinct) if max_states else None
            for prop in asked:
                try:
                    answer = inevitability(model, prop.trace, prop.name, max_states=INEVITABLE_MAX_STATES,
                                           run_states=left, deadline=deadline, max_memory=max_memory)
                except ValueError:      # the model has no such property, or the trace does not break it
                    answer = Inevitability(None, NOT_APPLICABLE, 0)
                prop.inevitable = answer
                if left is not None:
                    left = max(0, left - answer.expanded)
    except KeyboardInterrupt:
        for _result, _model, asked in pending:
            for prop in asked:
                if prop.inevitable is None:
                    prop.inevitable = Inevitability(None, INTERRUPTED, 0)
        return True
    return False


def analysis_interrupted(outcomes) -> bool:
    """Whether Ctrl-C cut `analyse` short for some property of `outcomes`."""
    return any(getattr(prop.inevitable, "status", None) == INTERRUPTED
               for outcome in outcomes for prop in outcome.result.properties.values())


def inevitable_step(prop: PropertyResult, model) -> int | None:
    """The index of the state from which the violation was inevitable, when it was found."""
    answer = inevitable_from(prop, model)
    return answer.step if answer is not None and answer.status == FOUND else None


def inevitable_sentence(step: int) -> str:
    """The sentence that marks the step from which a violation is inevitable."""
    if step == 0:
        return f"{INEVITABLE_MARK} the violation is inevitable from the initial state: no run avoids it"
    return (f"{INEVITABLE_MARK} step {step} makes the violation inevitable: before it a run could still "
            f"avoid it, from it on none can")


def undecided_sentence() -> str:
    """Said when the search for the inevitable step ran out of states."""
    return (f"the step that made the violation inevitable was not decided within "
            f"{INEVITABLE_MAX_STATES:,} states")


NOT_COMPUTED = {LIMIT: "limit reached", INTERRUPTED: "interrupted"}   # why an analysis was cut short


def not_computed_sentence(answer: Inevitability | None) -> str | None:
    """"⚑ not computed: limit reached" (or "interrupted") when the run's limits or Ctrl-C cut the search
    for the inevitable step short; None otherwise."""
    why = NOT_COMPUTED.get(getattr(answer, "status", None))
    return f"{INEVITABLE_MARK} not computed: {why}" if why else None


def closing_note(prop: PropertyResult, model, *, violated_mark: str, witness_mark: str) -> tuple[str, str] | None:
    """The note that ends a drawn trace: ("bad", text) for a violation with its evidence, ("good", text)
    for a sometimes-witness, or None. Sequence diagrams in Mermaid and SVG both end with it."""
    if prop.verdict == VIOLATED:
        text = f"{violated_mark} {prop.name} violated"
        if prop.description:
            text += f": {prop.description}"
        said = evidence(model, prop)
        if said:
            text += f". Evidence: {said}"
        return ("bad", text)
    if trace_role(prop) == "witness":
        return ("good", f"{witness_mark} {prop.name}: {prop.description or 'reached'}")
    return None
