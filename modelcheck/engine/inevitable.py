"""The first step of a counterexample after which the violation can no longer be avoided.

A counterexample shows one way to break a property; the step worth reading first is the one after
which *every* way on breaks it (the crash between the write and the commit, not the harmless steps
before it). This module finds that step by a search of its own from the states of the trace.

Definitions. A *maximal behaviour* from a state is a path from it that either goes on for ever or ends
in a terminal state (one with no enabled step). A state is *doomed* for a property when:

- `always(pred)`: every maximal behaviour from it reaches a state that violates `pred`. So a behaviour
  escapes when all its states satisfy `pred` and it either ends in a terminal state or goes round a
  cycle for ever. A state that satisfies `pred` and whose every step leads to a violating state is no
  escape: it is doomed;
- `at_end(pred)` (and the `deadlock` property, which is `at_end(done)`): every maximal behaviour from
  it is finite and ends in a terminal state that violates `pred`. A cycle counts as an escape: a
  behaviour that never ends never reaches the end where `at_end` is judged, so it does not break the
  property (the same reading `at_end` has in the search, which judges terminal states only).

One refinement for both: a step that leads back to the same state (a stutter: a retry that changes
nothing, a message received again) is not taken as a way out while another step is enabled there;
otherwise a model could always "escape" by repeating a step that does nothing, and hardly any state
would be doomed. A state whose only steps are stutters is not terminal: it stays put for ever, and so
escapes. (This is weak fairness for stutters alone: a run does not stutter for ever when it could do
something else; cycles through different states remain escapes, with no fairness assumed.)

`first_inevitable_step(model, trace, prop)` is the smallest index `i` into `trace.states` such that
`states[i]` is doomed: 0 when the violation was inevitable from the initial state, `i` when the step
numbered `i` (the one leading to `states[i]`) sealed it. For `always`, a trace that violates `pred`
before its last state is cut at its first violating state, which is where the counterexample ends.

Doomedness is monotone along a trace: every maximal behaviour from `states[i + 1]`, prefixed with
`states[i]`, is a maximal behaviour from `states[i]`, so if `states[i]` is doomed (and satisfies an
`always` predicate) then `states[i + 1]` is doomed too. The states on a trace are therefore "free" up
to some index and doomed from it on. The search scans backwards from the violation: from `states[i]`
a depth-first search looks for an escape (a good terminal state, or a cycle: a step back to a state
on the search's stack); when it finds none, every state it finished is doomed and is remembered, so
the search from `states[i - 1]` does not expand them again. The first index whose state escapes ends
the scan. Each state is expanded at most once over the whole scan.

Steps are the model's actions (`model.get_actions()`), without its `canonical` form: a symmetry
reduction is sound only for properties that cannot tell interchangeable actors apart, and computing
concrete successors keeps this search independent of that promise.

Left out: `eventually` (a lasso's violation is a cycle, where "inevitable" would need fairness) and
`sometimes` (a violated `sometimes` has no trace); both answer None with the status "not_applicable".
The search is bounded by `max_states` states expanded: beyond it the answer is None with the status
"bounded" (the question was not decided, which says nothing either way). That bound alone gives the
same answer on every run. A run with limits of its own (`--max-states`, `--time-limit`) also passes what
its search left of them, `run_states` and `deadline` (a `time.monotonic()` value, looked at after every
expansion), and `max_memory` (megabytes, looked at every 256 expansions); when one of those ends the
search, the answer is None with the status "limit".
"""

from __future__ import annotations

import time
from typing import Any, Callable, NamedTuple

from modelcheck.engine.memory import resident_megabytes
from modelcheck.engine.model import ALWAYS, AT_END

DEFAULT_MAX_STATES = 100_000

FOUND = "found"
BOUNDED = "bounded"                 # not decided within its own max_states
LIMIT = "limit"                     # not decided within what the run's limits left (or not started)
INTERRUPTED = "interrupted"         # not computed: Ctrl-C (set by the caller that caught it)
NOT_APPLICABLE = "not_applicable"


class Inevitability(NamedTuple):
    """The answer with its reason: `step` is an index into the trace's states, or None."""

    step: int | None
    status: str          # FOUND | BOUNDED | LIMIT | INTERRUPTED | NOT_APPLICABLE
    expanded: int        # states whose steps the search computed


class _Budget:
    MEMORY_EVERY = 256                # expansions between two looks at the memory held

    def __init__(self, limit: int, deadline: float | None = None, max_memory: float | None = None):
        self.limit = limit
        self.deadline = deadline
        self.max_memory = max_memory
        self.used = 0
        self.late = False

    def spend(self) -> bool:
        """Count one expansion; False (and nothing counted) when the budget is exhausted."""
        if self.used >= self.limit:
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.late = True
            return False
        if self.max_memory is not None and self.used % self.MEMORY_EVERY == 0 \
                and resident_megabytes() >= self.max_memory:
            self.late = True
            return False
        self.used += 1
        return True


def first_inevitable_step(model, trace, prop, *, max_states: int = DEFAULT_MAX_STATES) -> int | None:
    """The smallest index `i` into `trace.states` from which the violation of `prop` is inevitable.

    None when the property's kind has no such step (`eventually`, `sometimes`) or when the answer was
    not decided within `max_states` expanded states; `inevitability` tells the two apart. `prop` is a
    `Property`, a `PropertyResult` or a property name of `model`. Raises ValueError when `trace` does
    not end in a violation of `prop`.
    """
    return inevitability(model, trace, prop, max_states=max_states).step


def inevitability(model, trace, prop, *, max_states: int = DEFAULT_MAX_STATES, run_states: int | None = None,
                  deadline: float | None = None, max_memory: float | None = None) -> Inevitability:
    """`first_inevitable_step` with its status (found, bounded, limit, not_applicable) and its cost.

    `run_states` (expansions) and `deadline` (`time.monotonic()`) are what the run's own limits left;
    when either ends the search first the status is "limit" (module docstring).
    """
    if max_states <= 0:
        raise ValueError(f"max_states must be positive, not {max_states}")
    kind, holds = _resolve(model, prop)
    if kind not in (ALWAYS, AT_END) or trace.loop_start is not None:
        return Inevitability(None, NOT_APPLICABLE, 0)
    states = trace.states
    actions = model.get_actions()

    def successors(state) -> list:
        following = [nxt for action in actions for _label, nxt in action.step(state)]
        moving = [nxt for nxt in following if nxt != state]
        return moving if moving else following     # stutters count only where nothing else can happen

    if kind == ALWAYS:
        end = next((index for index, state in enumerate(states) if not holds(state)), None)
        if end is None:
            raise ValueError(f"the trace does not violate the always property {_name(prop)!r}")

        def expand(state) -> tuple[bool, list]:
            following = successors(state)
            if not following:
                return True, []                   # a terminal state that satisfies the predicate
            return False, [nxt for nxt in following if holds(nxt)]
    else:
        end = len(states) - 1
        if successors(states[end]) or holds(states[end]):
            raise ValueError(f"the trace does not end in a terminal state that violates the at_end "
                             f"property {_name(prop)!r}")

        def expand(state) -> tuple[bool, list]:
            following = successors(state)
            if not following:
                return holds(state), []
            return False, following

    run_bound = run_states is not None and run_states < max_states
    budget = _Budget(max(0, run_states) if run_bound else max_states, deadline, max_memory)
    doomed: set = set()
    for index in range(end - 1, -1, -1):
        escapes = _escapes(states[index], expand, doomed, budget)
        if escapes is None:
            return Inevitability(None, LIMIT if budget.late or run_bound else BOUNDED, budget.used)
        if escapes:
            return Inevitability(index + 1, FOUND, budget.used)
    return Inevitability(0, FOUND, budget.used)


def _escapes(start, expand: Callable[[Any], tuple[bool, list]], doomed: set, budget: _Budget) -> bool | None:
    """Whether some maximal behaviour from `start` escapes; None when the budget runs out.

    Depth-first: `on_stack` holds the states of the current path (a step back to one of them closes
    a cycle, an escape). A state whose every continuation was searched without finding an escape is
    doomed, and joins `doomed` at once, whatever the final answer.
    """
    if start in doomed:
        return False
    if not budget.spend():
        return None
    escape, children = expand(start)
    if escape:
        return True
    on_stack = {start}
    stack = [(start, iter(children))]
    answer: bool | None = False
    while stack and answer is False:
        state, pending = stack[-1]
        for child in pending:
            if child in doomed:
                continue
            if child in on_stack:
                answer = True                      # a cycle that avoids the violation for ever
                break
            if not budget.spend():
                answer = None
                break
            escape, grandchildren = expand(child)
            if escape:
                answer = True
                break
            on_stack.add(child)
            stack.append((child, iter(grandchildren)))
            break
        else:
            stack.pop()
            on_stack.discard(state)
            doomed.add(state)
    return answer


def _resolve(model, prop) -> tuple[str, Callable[[Any], bool]]:
    """(kind, predicate) of `prop`, looked up among the model's properties unless it carries them."""
    if hasattr(prop, "predicate") and hasattr(prop, "kind"):
        return prop.kind, prop.predicate
    name = _name(prop)
    for candidate in model.get_properties():
        if candidate.name == name:
            return candidate.kind, candidate.predicate
    raise ValueError(f"model {getattr(model, 'name', '?')!r} has no property named {name!r}")


def _name(prop) -> str:
    return prop if isinstance(prop, str) else prop.name
