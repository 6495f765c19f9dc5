"""Judging one lasso: is this infinite behaviour fair, and does it break this temporal property?

A temporal counterexample (`liveness`) is a lasso: a path of states whose last state is the state at
`loop_start`, so that the steps from there repeat for ever; with `loop_start` None the behaviour stays
in its last state for ever (stuttering). Given such a path, rebuilt step by step from the model (as
`modelcheck replay` does with a saved trace), `judge_lasso` says whether the model's fairness allows
it and whether it violates the property, by the definitions `liveness` searches with:

- the behaviour is fair when, on its cycle, no weakly fair instance is enabled in every state without
  being taken on a step of the cycle, and no strongly fair instance is enabled in some state without
  being taken (an instance is enabled in a state, and taken on a step, by a non-fault step that changes
  the state: `fair_instance`); a behaviour that stays in one state for ever takes no step, so no fair
  instance may be enabled there;
- `eventually P` is violated when P holds in no state of the behaviour; `always_eventually P` when P
  holds in no state of the cycle; `eventually_always P` when P fails in some state of the cycle;
  `leads_to P Q` when some state has P and not Q and Q holds neither there, nor after it, nor on the
  cycle.

Only the states of the path are looked at, and the steps enabled in the cycle's states (those that
stay inside the model's state constraint, as in the search), so the answer needs no search. It leaves
out whether the path is the shortest counterexample (that is the search's business).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from modelcheck.engine.model import ALWAYS_EVENTUALLY, EVENTUALLY, EVENTUALLY_ALWAYS, LEADS_TO, STRONG, UNFAIR


def fair_instance(action, index: int, label, source, target, is_fault: Callable[[Any], bool]):
    """The fairness instance a step counts for, `(action index, key)`, or None: a step of an unfair
    action, a fault, or a step that leaves the state as it was counts for none."""
    if action.fairness == UNFAIR or source == target or is_fault(label):
        return None
    return index, (action.per(label) if action.per is not None else None)


def fault_test(model) -> Callable[[Any], bool]:
    """Whether a step is a fault, by its label: the model's `is_fault()`, else the label's `fault` flag."""
    if hasattr(model, "is_fault"):
        return model.is_fault()
    return lambda label: bool(getattr(label, "fault", False))


@dataclass(frozen=True)
class Judgement:
    violates: bool
    reason: str


def judge_lasso(model, prop, states: Sequence, steps: Sequence[tuple[str, Any]],
                loop_start: int | None) -> Judgement:
    """Whether the lasso of `states` (the initial one first) and `steps` ((action name, label) between
    consecutive states) is a fair behaviour of `model` that violates the temporal property `prop`."""
    actions = model.get_actions()
    index_of = {action.name: index for index, action in reversed(list(enumerate(actions)))}
    is_fault = fault_test(model)
    if loop_start is not None and not 0 <= loop_start < len(states):
        return Judgement(False, f"the cycle would start at state {loop_start}, but the path has "
                                f"{len(states)} states")
    if loop_start is not None and states[-1] != states[loop_start]:
        return Judgement(False, f"the path does not come back to the state after step {loop_start}: "
                                f"there is no cycle")
    cycle = list(states[loop_start:-1]) if loop_start is not None else [states[-1]]
    taken = set()
    if loop_start is not None:
        for position in range(loop_start, len(states) - 1):
            name, label = steps[position]
            if name in index_of:
                index = index_of[name]
                instance = fair_instance(actions[index], index, label, states[position], states[position + 1],
                                         is_fault)
                if instance is not None:
                    taken.add(instance)
    enabled = [_enabled(model, actions, index_of, is_fault, state) for state in cycle]
    always_on = frozenset.intersection(*enabled) if enabled else frozenset()
    sometimes_on = frozenset().union(*enabled)
    for instance in sorted(sometimes_on - taken, key=repr):
        action = actions[instance[0]]
        if action.fairness == STRONG or instance in always_on:
            key = "" if instance[1] is None else f" ({instance[1]!r})"
            how = "strongly" if action.fairness == STRONG else "weakly"
            where = "its cycle" if loop_start is not None else "the state it stays in for ever"
            return Judgement(False, f"the behaviour is not fair: {action.name}{key} is {how} fair and "
                                    f"enabled on {where}, but never taken there")
    if prop.for_each is None:
        return Judgement(*_violated(prop.name, prop.kind, prop.predicate, prop.then, states, cycle))
    for item in prop.for_each:               # the conjunction over the items: one violated item is enough
        then = None if prop.then is None else (lambda s, item=item: prop.then(s, item))
        violated, why = _violated(f"{name}[{item!r}]", prop.kind, lambda s, item=item: prop.predicate(s, item),
                                  then, states, cycle)
        if violated:
            return Judgement(True, why)
    return Judgement(False, f"{name} is kept for every one of its items on this behaviour")


def _enabled(model, actions, index_of, is_fault, state) -> frozenset:
    """The fair instances enabled in `state`: by steps to states inside the model's state constraint
    (a step out of it is dropped by the search, so it is no behaviour's step)."""
    inside = getattr(model, "constraint", None)
    out = set()
    for name, label, target in model.successors(state):
        if inside is not None and not inside(target):
            continue
        index = index_of[name]
        instance = fair_instance(actions[index], index, label, state, target, is_fault)
        if instance is not None:
            out.add(instance)
    return frozenset(out)


def _violated(name: str, kind: str, p, q, states, cycle) -> tuple[bool, str]:
    if kind == EVENTUALLY:
        if any(p(state) for state in states):
            return False, f"{name} comes true on the path"
        return True, f"{name} is never true, for ever"
    if kind == ALWAYS_EVENTUALLY:
        if any(p(state) for state in cycle):
            return False, f"{name} comes true on the cycle, so again and again"
        return True, f"{name} is never true again once the cycle is reached"
    if kind == EVENTUALLY_ALWAYS:
        if all(p(state) for state in cycle):
            return False, f"{name} holds on the whole cycle, so for ever from some point on"
        return True, f"{name} is false again and again, on the cycle"
    if kind == LEADS_TO:
        cycle_clear = not any(q(state) for state in cycle)
        for position, state in enumerate(states):
            if p(state) and not q(state) and cycle_clear and not any(q(later) for later in states[position:]):
                return True, (f"{name}: after step {position} its condition holds and its goal never "
                              f"does afterwards")
        return False, f"{name}: every time its condition holds, its goal follows"
    raise ValueError(f"{kind!r} is not a temporal property")


__all__ = ["Judgement", "fair_instance", "fault_test", "judge_lasso"]
