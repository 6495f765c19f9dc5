"""Rebuilding counterexample traces by replaying the model.

The search keeps one parent link per state and nothing else about paths. A trace is rebuilt by walking
the parent links back to an initial state and then replaying forward: from each state, the model's
steps are computed again and the one that leads to the next recorded state is taken. This recovers the
labels without storing them, turns symmetry representatives back into concrete states, and checks that
the model is deterministic: when no step leads to the recorded state, the model computed different
steps the second time, and `NondeterminismError` says so. (Stateright rebuilds its paths the same way.)
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, NamedTuple

from modelcheck.errors import NondeterminismError
from modelcheck.engine.result import Trace, TraceStep

NONDETERMINISM_HINT = (
    "the model's steps must depend on the state alone: look for iteration over a set or dict of "
    "strings (its order changes with PYTHONHASHSEED), random numbers, the clock, or state kept outside "
    "the state value")


class RecordedPath(list):
    """States from an initial state, with `labels[i]` the label of the step into state i + 1 (None where
    any step between the two states will do)."""

    def __init__(self, states, labels):
        super().__init__(states)
        self.labels = list(labels)


class Beyond(NamedTuple):
    """A reference to one step from a recorded state: the step that broke an `always_step` property, or
    one into a state outside the model's constraint (which is not recorded) that broke an invariant."""

    before: Any
    label: Any
    after: Any


def path_to(parents: dict, state) -> list:
    """The recorded states from an initial state to `state`, following parent links; for a `Beyond`,
    those to its `before` and then its step."""
    if type(state) is Beyond:
        if state.before is None:                # an initial state outside the constraint
            return [state.after]
        path = path_to(parents, state.before)
        return RecordedPath(path + [state.after], [None] * (len(path) - 1) + [state.label])
    path = [state]
    parent = parents[state]
    while parent is not None:
        path.append(parent)
        parent = parents[parent]
    path.reverse()
    return path


def follow_positions(model, initial: int, positions: list[int], expected, canonical: Callable | None = None) -> list:
    """The states from the model's initial state number `initial`, taking at each step the successor at
    the next of `positions` (actions in their order, each action's successors in the order it lists
    them), as the searches that keep positions instead of states record a path (`fingerprint_bfs`,
    `partitioned_bfs`). The last state must be `expected` (as the search recorded it): otherwise the
    model is nondeterministic, and `NondeterminismError` says so."""
    state = list(model.get_initial_states())[initial]
    if canonical is not None:
        state = canonical(state)
    path = [state]
    actions = model.get_actions()
    for position in positions:
        successors = [successor for action in actions for _label, successor in action.step(state)]
        if position >= len(successors):
            state = None
            break
        state = successors[position]
        if canonical is not None:
            state = canonical(state)
        path.append(state)
    if state != expected:
        raise NondeterminismError(
            f"model {model.name!r} is nondeterministic: replaying the recorded successors from the initial "
            f"state did not reach the state the search recorded; {NONDETERMINISM_HINT}")
    return path


def replay(model, recorded: list, canonical: Callable | None = None, loop_start: int | None = None,
           labels: list | None = None) -> Trace:
    """Replay `recorded` (states as the search stored them) through `model` into a concrete trace.

    Where several steps lead to the same next state, the first is taken, unless `labels` (or
    `recorded.labels`, which `liveness` gives) names the label of the step wanted (None: any step).
    """
    if labels is None:
        labels = getattr(recorded, "labels", None)
    same = canonical or (lambda s: s)
    first = recorded[0]
    for init in model.get_initial_states():
        if same(init) == first:
            initial = current = init
            break
    else:
        raise NondeterminismError(
            f"model {model.name!r} is nondeterministic: replaying a trace, no initial state matches the "
            f"one the search recorded; {NONDETERMINISM_HINT}")
    steps = []
    actions = model.get_actions()
    for index, target in enumerate(recorded[1:], start=1):
        wanted = labels[index - 1] if labels is not None else None
        step = _find_step(actions, current, target, same, wanted)
        if step is None:
            raise NondeterminismError(
                f"model {model.name!r} is nondeterministic: replaying a trace diverged at step {index}, "
                f"where no step from the recorded state leads to the next recorded one (the search "
                f"computed different steps from the same state); {NONDETERMINISM_HINT}")
        steps.append(step)
        current = step.state
    return Trace(initial, tuple(steps), loop_start)


def _find_step(actions: Iterable, current, target, same, wanted=None) -> TraceStep | None:
    first = None
    for action in actions:
        for label, nxt in action.step(current):
            if same(nxt) == target:
                if wanted is None or label == wanted:
                    return TraceStep(action.name, label, nxt)
                if first is None:
                    first = TraceStep(action.name, label, nxt)
    return first


def check_replays(model, trace: Trace) -> bool:
    """True when every step of `trace` is a step the model enables (the replay test's oracle)."""
    actions = {a.name: a for a in model.get_actions()}
    if trace.initial not in list(model.get_initial_states()):
        return False
    current = trace.initial
    for step in trace.steps:
        action = actions.get(step.action)
        if action is None or (step.label, step.state) not in list(action.step(current)):
            return False
        current = step.state
    return True
