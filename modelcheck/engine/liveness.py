"""Temporal properties under the model's fairness, checked on the explored state graph.

The behaviours of a model are its infinite paths in the state graph, where a behaviour may also stay
in a state for ever (a stuttering step, as in TLA+): that is how a run that stops is an infinite
behaviour. Fairness (`model.Action.fairness`) rules behaviours out. An action is split into
*instances* (one per key of `Action.per`); an instance is enabled in a state when one of its steps
leads to another state and is not a fault, and a step is *taken* the same way. A behaviour is fair
when, for every weakly fair instance, it is not enabled for ever from some point on without being
taken again and again, and for every strongly fair instance, it is not enabled again and again
without being taken again and again. These are TLA+'s WF_vars(A) and SF_vars(A), with A's steps
those that change the state (<<A>>_vars), as TLC checks them (Lamport, *Specifying Systems*, 8.4 and
14.3.5). An action without fairness constrains nothing, so nothing forces it to happen.

A property is violated when a fair behaviour breaks it. In a finite graph a behaviour ends, after a
prefix, going round a set of states C for ever; whether it is fair depends only on C and on the steps
it takes inside C. So each property becomes a search for a *fair component*, reached by a prefix:

- `eventually P` (<>P): prefix and cycle in not-P states, from an initial state;
- `always_eventually P` ([]<>P): any prefix, then a cycle in not-P states;
- `eventually_always P` (<>[]P): any prefix, then a cycle that visits a not-P state;
- `leads_to P Q` (P ~> Q): any prefix to a state with P and not Q, then not-Q states, cycle included.

The prefix is found by a breadth-first search of the product of the graph with that property's two
phases (before, and after the point from which the cycle's condition must hold), so it is a shortest
one. Fair components are found as Emerson and Lei do for fairness (and Streett's condition in
general): split the states where the cycle may run into strongly connected components (a single
state is one: it can stutter); drop a component in which some fair instance is enabled in every state
and taken on no step inside it (no cycle in it can be fair); where a strongly fair instance is enabled
in some of its states but taken inside it nowhere, remove those states and split again; keep the rest
(with `eventually_always`, those that hold a not-P state). A kept component can be toured so that the
tour is fair.

The counterexample is a lasso, the shortest over the kept components of a shortest prefix to the
component's nearest state and a fair cycle from there. The cycle is grown from that state: while some
instance is missing (a weakly fair one enabled in every state visited so far and not taken, a strongly
fair one enabled in one and not taken) or the cycle still needs its not-P state, it walks to the
nearest step that takes a missing instance, enters a state where a missing weak instance is disabled or
reaches the not-P state, then goes back. A cycle that needs no step at all is the behaviour staying in
that state for ever: the trace then ends there with no loop (`Trace.loop_start` None), in a terminal
state or in one where only unfair steps are enabled. Ties are broken by breadth-first order, never by
set order, so the trace is the same under every PYTHONHASHSEED. Strongly connected components come
from networkx.

What it leaves out: properties that nest temporal operators further (TLC's full tableau for arbitrary
formulas), and fairness of conditions other than an action's enabledness.
"""

from __future__ import annotations

import time
from collections import deque

import networkx as nx

from modelcheck.engine.model import ALWAYS_EVENTUALLY, EVENTUALLY, EVENTUALLY_ALWAYS, LEADS_TO, STRONG
from modelcheck.engine.lasso import fair_instance, fault_test
from modelcheck.engine.trace import RecordedPath
from modelcheck.engine.memory import resident_megabytes
from modelcheck.errors import InvalidModel

_EPSILON = object()          # the move from a state's first phase to its second: no step


class OutOfTime(Exception):
    """The temporal checks reached the search's time limit (`FairGraph.deadline`), or with `reason`
    "max_memory" its memory limit (`FairGraph.max_memory`)."""

    def __init__(self, reason: str = "time_limit"):
        super().__init__(reason)
        self.reason = reason


class FairGraph:
    """The explored graph as the temporal checks need it: for each state its steps inside the graph, as
    (target, label, fairness instance or None), and the fair instances enabled in it. `deadline` (a
    `time.perf_counter()` value) and `max_memory` (megabytes the process may hold) bound the checks:
    past either they raise `OutOfTime`."""

    def __init__(self, model, parents: dict, edges: list, deadline: float | None = None,
                 max_memory: float | None = None):
        self.deadline = deadline
        self.max_memory = max_memory
        self._ticks = 0
        actions = model.get_actions()
        is_fault = fault_test(model)
        self.initial = [state for state, parent in parents.items() if parent is None]
        self.successors: dict = {}
        self.enabled: dict = {}
        self.strong: set = set()
        try:
            for source, target, label, index in edges:
                self.tick()
                action = actions[index]
                instance = fair_instance(action, index, label, source, target, is_fault)
                if instance is not None:
                    self.enabled.setdefault(source, set()).add(instance)
                    if action.fairness == STRONG:
                        self.strong.add(instance)
                if target in parents:
                    self.successors.setdefault(source, []).append((target, label, instance))
        except TypeError as error:
            raise InvalidModel(f"model {getattr(model, 'name', 'model')!r}: a fairness key (`Action.per`) is "
                               f"not hashable ({error}); give keys such as ints, strings or tuples") from None
        self.enabled = {state: frozenset(instances) for state, instances in self.enabled.items()}
        self._empty = frozenset()

    def enabled_in(self, state) -> frozenset:
        return self.enabled.get(state, self._empty)

    def tick(self) -> None:
        """One unit of work done; the clock and the memory are looked at every 1,024."""
        self._ticks += 1
        if self._ticks & 1023:
            return
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            raise OutOfTime("time_limit")
        if self.max_memory is not None and resident_megabytes() >= self.max_memory:
            raise OutOfTime("max_memory")


def _phases(kind, p, q):
    """(prefix is free, enter(s), stay(s), accept(s) or None) of a temporal property (module docstring)."""
    if kind == EVENTUALLY:
        return False, (lambda s: not p(s)), (lambda s: not p(s)), None
    if kind == ALWAYS_EVENTUALLY:
        return True, (lambda s: not p(s)), (lambda s: not p(s)), None
    if kind == EVENTUALLY_ALWAYS:
        return True, (lambda s: True), (lambda s: True), (lambda s: not p(s))
    if kind == LEADS_TO:
        return True, (lambda s: p(s) and not q(s)), (lambda s: not q(s)), None
    raise ValueError(f"{kind!r} is not a temporal property")


def counterexample(graph: FairGraph, prop):
    """A (path, loop_start) lasso of a fair behaviour that violates `prop`, or None when it holds. For a
    property over `for_each` items, the shortest over the items (the first item among equals)."""
    if prop.for_each is None:
        return _counterexample(graph, _phases(prop.kind, prop.predicate, prop.then))
    best = None
    for item in prop.for_each:
        then = None if prop.then is None else (lambda s, item=item: prop.then(s, item))
        found = _counterexample(graph, _phases(prop.kind, lambda s, item=item: prop.predicate(s, item), then))
        if found is not None and (best is None or len(found[0]) < len(best[0])):
            best = found
    return best


def _counterexample(graph: FairGraph, phases):
    free, enter, stay, accept = phases
    came_from: dict = {}
    queue: deque = deque()

    def reach(node, previous):
        if node not in came_from:
            came_from[node] = previous
            queue.append(node)

    for state in graph.initial:
        if free:
            reach((state, 0), None)
        if enter(state):
            reach((state, 1), ((state, 0), _EPSILON) if free else None)
    successors = graph.successors
    while queue:
        graph.tick()
        node = queue.popleft()
        state, phase = node
        for target, _label, _instance in successors.get(state, ()):
            if phase == 0:
                if (target, 0) not in came_from:
                    reach((target, 0), (node, None))
                    if enter(target):
                        reach((target, 1), ((target, 0), _EPSILON))
            elif stay(target):
                reach((target, 1), (node, None))
    region = [state for state, phase in came_from if phase == 1]    # breadth-first, so by distance
    if not region:
        return None
    rank = {state: index for index, state in enumerate(region)}

    def prefix(state) -> list:
        path, node = [], (state, 1)
        while node is not None:
            previous = came_from[node]
            if previous is None or previous[1] is not _EPSILON:
                path.append(node[0])
            node = previous[0] if previous is not None else None
        return path[::-1]

    best = None
    for component in _fair_components(graph, region, rank, accept):
        entry = min(component, key=rank.__getitem__)
        path = prefix(entry)
        cycle = _fair_cycle(graph, entry, component, accept)
        length = len(path) + len(cycle)
        if best is None or (length, rank[entry]) < best[0]:
            best = ((length, rank[entry]), path, cycle)
    if best is None:
        return None
    _key, path, cycle = best
    lasso = RecordedPath(path + [state for _label, state in cycle],
                         [None] * (len(path) - 1) + [label for label, _state in cycle])
    return lasso, (len(path) - 1 if cycle else None)


def _fair_components(graph: FairGraph, region: list, rank: dict, accept) -> list:
    """The fair components among `region` (module docstring), each a set of states."""
    successors, enabled_in, strong = graph.successors, graph.enabled_in, graph.strong
    whole = nx.DiGraph()
    whole.add_nodes_from(region)
    inside = set(region)
    for source in region:
        for target, _label, _instance in successors.get(source, ()):
            if target in inside:
                whole.add_edge(source, target)
    kept = []
    work = [region]
    while work:
        states = work.pop()
        for component in nx.strongly_connected_components(whole.subgraph(states)):
            graph.tick()
            members = sorted(component, key=rank.__getitem__)
            enabled_everywhere = frozenset.intersection(*(enabled_in(s) for s in members))
            taken = {instance for s in members for target, _label, instance in successors.get(s, ())
                     if instance is not None and target in component}
            if enabled_everywhere - taken:
                continue                # enabled all along, never taken: no cycle here is fair
            unmet = {instance for s in members for instance in enabled_in(s)
                     if instance in strong and instance not in taken}
            if unmet:
                rest = [s for s in members if not enabled_in(s) & unmet]
                if rest:
                    work.append(rest)
                continue
            if accept is not None and not any(accept(s) for s in members):
                continue
            kept.append(component)
    return kept


def _fair_cycle(graph: FairGraph, entry, component, accept) -> list:
    """The (label, state) steps of a fair cycle from `entry` through `component` back to it; empty when
    staying in `entry` for ever is fair (see the module docstring)."""
    enabled_in, strong = graph.enabled_in, graph.strong
    everywhere = set(enabled_in(entry))          # enabled in every state visited so far
    somewhere = set(enabled_in(entry))           # enabled in some
    taken: set = set()
    accepted = accept is None or accept(entry)
    cycle: list = []
    current = entry
    while True:
        weak_missing = everywhere - taken - strong
        strong_missing = (somewhere & strong) - taken
        missing = weak_missing | strong_missing
        if not missing and accepted:
            if current == entry:
                return cycle
            goal = (lambda source, target, instance: target == entry)
        else:
            def goal(source, target, instance, missing=missing, weak_missing=weak_missing,
                     accepted=accepted):
                return (instance in missing or bool(weak_missing - enabled_in(target))
                        or (not accepted and accept(target)))
        for label, state, instance in _walk(graph, current, component, goal):
            if instance is not None:
                taken.add(instance)
            everywhere &= enabled_in(state)
            somewhere |= enabled_in(state)
            accepted = accepted or accept(state)
            cycle.append((label, state))
            current = state


def _walk(graph: FairGraph, start, component, goal) -> list:
    """Shortest walk inside `component` from `start` whose last step satisfies `goal`: its (label,
    state, instance) steps."""
    successors = graph.successors
    came_from = {start: None}
    queue = deque([start])
    while queue:
        graph.tick()
        state = queue.popleft()
        for target, label, instance in successors.get(state, ()):
            if target not in component:
                continue
            if goal(state, target, instance):
                walk = [(label, target, instance)]
                while state != start:
                    previous, step = came_from[state]
                    walk.append(step)
                    state = previous
                return walk[::-1]
            if target not in came_from:
                came_from[target] = (state, (label, target, instance))
                queue.append(target)
    raise RuntimeError("no walk inside a fair component: the component check is wrong")
