"""From what a search found to a `Result`: verdicts, traces, coverage and warnings.

Every search strategy (one process in `bfs`, several in `parallel`) gathers the same facts: for each
property the first state found violating it (or, for `sometimes`, satisfying it), how often each action
fired, and whether a limit stopped the search. This module turns those facts into verdicts the same
way for all of them, so the strategies cannot drift apart. A state is named by a *reference* that the
strategy can turn into the recorded path from an initial state (`path_of`): the state itself in `bfs`,
a global number in `parallel`.

It leaves out the search itself and the temporal checks (`liveness`), which only `bfs` runs. A
reference may also be a `trace.Beyond`: one step from a recorded state (an `always_step` violation,
or an invariant broken by a state outside the model's constraint).
"""

from __future__ import annotations

from typing import Callable

from modelcheck.engine.model import SOMETIMES, TEMPORAL
from modelcheck.engine.result import BOUNDED, HOLDS, VIOLATED, PropertyResult
from modelcheck.engine.trace import Beyond, replay

UNDECIDED = object()        # what `liveness(prop)` returns when a limit stopped the check: bounded


class Violations:
    """The violating references a search has found per property: the first of each (`first`, in the
    order found, so a shortest one in a breadth-first search), and with `wanted` above 1 up to
    `wanted - 1` more (`more`). Shared by the searches (`bfs`, `fingerprint_bfs`)."""

    def __init__(self, wanted: int):
        self.wanted = wanted
        self.first: dict[str, object] = {}
        self.more: dict[str, list] = {}

    def record(self, name: str, reference, outside: bool = False) -> bool:
        """Note a violation of `name`; True when it has all the counterexamples wanted. A state outside
        the constraint (a `trace.Beyond`, `outside`) may be generated again: it counts once."""
        if name not in self.first:
            self.first[name] = reference
            return self.wanted <= 1
        further = self.more.setdefault(name, [])
        if outside and any(type(known) is Beyond and known.after == reference.after
                           for known in [self.first[name]] + further):
            return False
        further.append(reference)
        return len(further) + 1 >= self.wanted

    def complete(self) -> dict:
        """The violated properties that have all the counterexamples wanted."""
        if self.wanted <= 1:
            return self.first
        return {name: ref for name, ref in self.first.items() if len(self.more.get(name, ())) + 1 >= self.wanted}


def all_decided(properties, violations, witnesses) -> bool:
    """True when no further exploration can change any verdict (or add a counterexample wanted:
    `violations` then holds only the properties that have all theirs)."""
    for prop in properties:
        if prop.kind == SOMETIMES:
            if prop.name not in witnesses:
                return False
        elif prop.name not in violations:
            return False
    return bool(properties)


def coverage_of(actions, fired) -> dict[str, int]:
    """Successors computed per action name (two actions of one name add up)."""
    coverage: dict[str, int] = {}
    for action, count in zip(actions, fired):
        coverage[action.name] = coverage.get(action.name, 0) + count
    return coverage


def never_fired_warning(coverage: dict[str, int], actions=()) -> str | None:
    """The warning for the expected actions that never fired in a complete search, or None."""
    quiet = {action.name for action in actions if not action.expected}
    never = sorted(name for name, count in coverage.items() if count == 0 and name not in quiet)
    return f"never fired: {', '.join(never)}" if never else None


def decide(model, properties, *, violations: dict, witnesses: dict, path_of: Callable[[object], list],
           canonical, stopped_by: str | None, early: bool,
           liveness: Callable | None = None, more: dict | None = None) -> dict[str, PropertyResult]:
    """A `PropertyResult` per property.

    `violations` and `witnesses` map property names to references of the first states found;
    `liveness(prop)` returns the recorded lasso `(path, loop_start)` of a temporal property, None when it
    holds, or `UNDECIDED` when a limit stopped the check (only asked for a complete search); `more` maps property names to the
    references of further violating states, each given its own trace.
    """
    results = {}
    for prop in properties:
        verdict, trace = HOLDS, None
        if prop.name in violations:
            verdict = VIOLATED
            trace = replay(model, path_of(violations[prop.name]), canonical)
        elif prop.kind == SOMETIMES:
            if prop.name in witnesses:
                trace = replay(model, path_of(witnesses[prop.name]), canonical)
            else:
                verdict = BOUNDED if stopped_by else VIOLATED
        elif prop.kind in TEMPORAL:
            if stopped_by or early or liveness is None:
                verdict = BOUNDED
            else:
                recorded = liveness(prop)
                if recorded is UNDECIDED:
                    verdict = BOUNDED
                elif recorded is not None:
                    verdict = VIOLATED
                    path, loop_start = recorded
                    trace = replay(model, path, None, loop_start)
        elif stopped_by:
            verdict = BOUNDED
        further = tuple(replay(model, path_of(reference), canonical) for reference in (more or {}).get(prop.name, ()))
        results[prop.name] = PropertyResult(prop.name, prop.kind, verdict, prop.description, trace, further)
    return results
