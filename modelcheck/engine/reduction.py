"""Partial-order reduction: expand, in a state, one owner's steps instead of every enabled step.

Two steps of different processes that touch different parts of a state can be taken in either order
and reach the same state; a breadth-first search that takes them in both orders builds every
interleaving. Partial-order reduction (ample sets, after Peled; persistent sets, after Godefroid;
stubborn sets, after Valmari) expands, in a state s, a subset ample(s) of its enabled steps, chosen so
that the states the properties can tell apart stay reachable. The conditions, in Peled's numbering:

- C0: ample(s) is empty only if no step is enabled in s;
- C1: along every path from s, no step that depends on a step of ample(s) is taken before some step of
  ample(s) is (ample(s) is *persistent*);
- C2: if ample(s) is not every enabled step, each of its steps is invisible: it cannot change what a
  property reads;
- C3, the cycle proviso: no step stays ignored for ever around a cycle of the reduced graph. For a
  breadth-first search it is enforced thus: an ample set is taken only if each of its successors is new
  or was first found while the same level was expanded (it lies on the next level); otherwise the state
  is expanded fully. Every step of the reduced graph taken from an ample set then goes one level down,
  so every cycle has a step from a fully expanded state (the family of open/closed-set provisos of
  Bošnački, Leue and Lluch Lafuente, "Partial-order reduction for general state exploring algorithms",
  SPIN 2006).

What the engine needs from a model is an `Independence` (the model's `independence` field): who owns a
step (its process; None for a step of no one, such as the network's, which is never in an ample set),
whether an owner's steps are persistent in a state (C1: the model vouches for it, since only the model
knows what its steps touch), and whether a step is visible (C2). The engine tries each owner with
enabled steps, fewest steps first, and takes the first whose steps are all invisible, persistent and
pass the proviso; when none qualifies, or the only owner holds every enabled step, the state is
expanded fully.

What is preserved: the verdicts of `always`, `sometimes` and `at_end` properties and of deadlocks
(with C0-C3 every reachable valuation of what the properties read is reached, and persistent sets keep
every terminal state). Not preserved, so the reduction is switched off with a warning: `always_step`
properties (a step left out is never checked), the temporal properties (fairness over a reduced graph
is another matter), a state constraint (a pruned successor may be the one the reduced graph needed),
and symmetry reduction (the two combine only with care we do not take).

Counterexamples: the search is breadth-first over the reduced graph, so a trace is a shortest one of
the reduced graph; it may be longer than the shortest of the full graph (a step of another owner is
taken later than it could have been). `shortest_counterexamples` restores the shortest: a final
breadth-first search of the full graph over the violating region (no deeper than the longest
counterexample found) replaces each trace with a shorter one where there is one.

Sources: D. Peled, "All from one, one for all: on model checking using representatives" (CAV 1993) and
Clarke, Grumberg, Peled, "Model Checking", ch. 10 (C0-C3); P. Godefroid, "Partial-Order Methods for the
Verification of Concurrent Systems" (LNCS 1032, 1996) for persistent sets and deadlocks; the BFS
proviso as above.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Hashable

from modelcheck.engine.model import ALWAYS_STEP, TEMPORAL
from modelcheck.errors import ModelcheckError

NONE = "none"
POR = "por"
REDUCTIONS = (NONE, POR)


@dataclass(frozen=True)
class Independence:
    """What a model declares so that partial-order reduction can apply (see the module docstring).

    `owner(label)`: the process that takes the step (None: the step may depend on any other, and is
    never in an ample set);
    `persistent(state, owner, owners)`: whether the steps of `owner` enabled in `state` are persistent
    (C1): no step of another owner, nor one of no owner, that depends on one of them can be taken before
    one of them is, whatever path is followed from `state`; `owners` are the owners with enabled steps
    in `state`;
    `visible(state, label, next_state)`: whether the step can change what a property reads (C2). It must
    answer the same for the step wherever it is taken after steps of other owners that are independent
    of it (a step that changes only its owner's part of the state, where properties read that part);
    `off`: why this model's steps are never independent after all (the reduction is then off, with
    that warning), or None.
    """

    owner: Callable[[Any], Hashable | None]
    persistent: Callable[[Any, Hashable, frozenset], bool]
    visible: Callable[[Any, Any, Any], bool]
    off: str | None = None


def refusal(model, properties, canonical, constraint) -> str | None:
    """Why partial-order reduction cannot apply to `model` (a warning), or None when it can."""
    if getattr(model, "independence", None) is None:
        return (f"partial-order reduction is off: model {model.name!r} declares no independence of its steps "
                f"(an actor system declares it when given `observes`, the actors its properties read)")
    if model.independence.off is not None:
        return f"partial-order reduction is off: {model.independence.off}"
    if any(p.kind in TEMPORAL for p in properties):
        return "partial-order reduction is off: the model has temporal properties, checked on the full state graph"
    if any(p.kind == ALWAYS_STEP for p in properties):
        return "partial-order reduction is off: the model has step properties (always_step), checked on every step"
    if constraint is not None:
        return "partial-order reduction is off: the model has a state constraint"
    if canonical is not None:
        return "partial-order reduction is off: it is not combined with symmetry reduction (try --no-symmetry)"
    return None


def reducer_for(reduction: str, model, steps: list, properties, canonical, constraint, warnings: list,
                *, checkpoint: bool = False) -> "Reducer | None":
    """The `Reducer` for a search asked for `reduction`, or None (with a warning in `warnings` when the
    reduction was asked for and cannot apply)."""
    if reduction not in REDUCTIONS:
        raise ModelcheckError(f"reduction {reduction!r} is not one of {', '.join(REDUCTIONS)}")
    if reduction == NONE:
        return None
    if checkpoint:
        raise ModelcheckError("partial-order reduction writes no checkpoints (a search resumed part way "
                              "through a level would not meet the same states): leave out one of the two")
    why = refusal(model, properties, canonical, constraint)
    if why is not None:
        warnings.append(why)
        return None
    return Reducer(model.independence, steps)


class _Fixed:
    """A step function that returns successors already worked out (the reduced expansion's)."""

    __slots__ = ("successors",)

    def __init__(self, successors):
        self.successors = successors

    def __call__(self, _state):
        return self.successors


class Reducer:
    """The reduced expansion of a state for the breadth-first search (`bfs`), with the proviso's memory:
    the states first found from an ample set on the level being expanded."""

    def __init__(self, independence: Independence, steps: list):
        self.independence = independence
        self.indexed_steps = list(enumerate(steps))
        self.depth = None
        self.next_level: set = set()

    def steps(self, state, depth: int, seen) -> list:
        """(action index, step function) pairs for `state` on level `depth`, as the search iterates
        them; `seen` holds every state found so far."""
        if depth != self.depth:
            self.depth = depth
            self.next_level = set()
        computed = []
        owner_of = self.independence.owner
        groups: dict = {}
        for index, step in self.indexed_steps:
            successors = step(state)
            if not successors:
                continue
            computed.append((index, successors))
            for label, successor in successors:
                owner = owner_of(label)
                group = groups.get(owner)
                if group is None:
                    groups[owner] = [(index, label, successor)]
                else:
                    group.append((index, label, successor))
        if len(groups) > 1:
            chosen = self._ample(state, groups, seen)
            if chosen is not None:
                by_index: dict = {}
                for index, label, successor in chosen:
                    by_index.setdefault(index, []).append((label, successor))
                return [(index, _Fixed(found)) for index, found in by_index.items()]
        return [(index, _Fixed(successors)) for index, successors in computed]

    def _ample(self, state, groups: dict, seen) -> list | None:
        visible = self.independence.visible
        persistent = self.independence.persistent
        candidates = [owner for owner in groups if owner is not None]     # in the order of the steps
        owners = frozenset(candidates)
        for owner in sorted(candidates, key=lambda o: len(groups[o])):
            steps = groups[owner]
            if any(visible(state, label, successor) for _index, label, successor in steps):
                continue
            if not persistent(state, owner, owners):
                continue
            if any(successor in seen and successor not in self.next_level for _i, _l, successor in steps):
                continue                    # C3: a step back to this level or an earlier one
            self.next_level.update(successor for _i, _l, successor in steps)
            return steps
        return None


__all__ = ["NONE", "POR", "REDUCTIONS", "Independence", "Reducer", "reducer_for", "refusal"]


def shortest_counterexamples(model, result, limits, *, symmetry: bool = True, progress=None):
    """`result` of a reduced search with each counterexample replaced by a shortest one of the full graph.

    A breadth-first search without the reduction, bounded to the depth of the longest counterexample of
    `result` (the violating region: a shorter counterexample, if any, lies within it), and within what
    is left of `limits`' time. A trace it finds shorter replaces the reduced search's; the verdicts and
    the counts are the reduced search's. Nothing is searched when nothing was violated."""
    from modelcheck.engine.bfs import bfs
    from modelcheck.engine.result import VIOLATED
    violated = {name: found for name, found in result.properties.items()
                if found.verdict == VIOLATED and found.trace is not None}
    if not violated:
        return result
    depth = max(len(found.trace) for found in violated.values()) + 1          # states on the longest path
    time_limit = limits.time_limit
    if time_limit is not None:
        time_limit -= result.stats.seconds
        if time_limit <= 0:
            result.warnings.append("the counterexamples are the reduced search's, which may be longer than the "
                                   "shortest: the time limit left none for the search that restores them")
            return result
    plain = bfs(model, replace(limits, max_depth=depth, time_limit=time_limit), symmetry=symmetry,
                progress=progress)
    for name, found in violated.items():
        again = plain.properties.get(name)
        if again is not None and again.verdict == VIOLATED and again.trace is not None \
                and len(again.trace) < len(found.trace):
            result.properties[name] = replace(found, trace=again.trace, more=())
    if plain.stopped_by is not None and plain.stopped_by != "max_depth":
        result.warnings.append(f"the search that makes the counterexamples shortest was stopped ({plain.stopped_by}) "
                               f"before depth {depth}: some may be longer than the shortest")
    return result
