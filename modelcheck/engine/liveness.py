"""Checking `eventually(P)` under weak fairness on the explored state graph.

A behaviour violates `eventually(P)` when it never reaches a P-state. Within a finite graph such a
behaviour either stops in a terminal state that is not P, or runs forever inside one strongly connected
component (SCC) of not-P states. Weak fairness (WF) rules out the second kind when some step stays
enabled in every state of the component and is never taken: a step label that is enabled in every state
of the SCC must label some edge inside it. An SCC that passes that test can be toured so that every
edge inside it is taken infinitely often, which makes the behaviour fair. This is the usual
SCC-based check for weak fairness (as in the tableau constructions of LTL model checkers), applied per
step label; strongly connected components come from networkx.

The counterexample is a lasso: a shortest path through not-P states to the component, then a cycle in
it that is itself weakly fair. The cycle is grown from the entry state until every label enabled in all
the states it visits is taken on it: each round goes to the nearest step that either takes a missing
label or visits a state of the component where a missing label is not enabled. (A cycle
that merely takes the labels enabled everywhere in the component can still be unfair: a shorter loop
may keep a label enabled that the whole component does not.) Ties are broken by breadth-first order,
never by set order, so the trace is the same under every PYTHONHASHSEED. The path returned is a
`RecordedPath`: a list of states that also carries the label of each step on the cycle, so that the
replay shows the step the fair cycle takes when several steps lead to the same state.

What it leaves out: strong fairness, and fairness per action rather than per label.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from modelcheck.errors import InvalidModel


class RecordedPath(list):
    """States from an initial state, with `labels[i]` the label of the step into state i + 1 (None where
    any step between the two states will do)."""

    def __init__(self, states, labels):
        super().__init__(states)
        self.labels = list(labels)


def counterexample(model, predicate, parents: dict, edges: list, terminal_states: list):
    """A (path, loop_start) lasso of states violating eventually(predicate), or None when it holds."""
    bad = {state for state in parents if not predicate(state)}
    initial = [state for state, parent in parents.items() if parent is None and state in bad]
    if not initial:
        return None
    successors: dict = {}
    enabled_labels: dict = {}
    try:
        for source, target, label in edges:
            enabled_labels.setdefault(source, set()).add(label)
            if source in bad and target in bad:
                successors.setdefault(source, []).append((target, label))
    except TypeError as error:
        raise InvalidModel(f"model {getattr(model, 'name', 'model')!r}: a step label is not hashable "
                           f"({error}); `eventually` needs hashable labels (strings, tuples, StepLabel)"
                           ) from None

    # Breadth-first over not-P states from the initial ones: reachable region and shortest paths.
    came_from = {state: None for state in initial}
    queue = deque(initial)
    while queue:
        state = queue.popleft()
        for target, _label in successors.get(state, ()):
            if target not in came_from:
                came_from[target] = state
                queue.append(target)
    order = {state: index for index, state in enumerate(came_from)}     # breadth-first, so by distance

    def prefix(state):
        path = [state]
        while came_from[path[-1]] is not None:
            path.append(came_from[path[-1]])
        return path[::-1]

    candidates = []
    terminal = set(terminal_states)
    for state in came_from:
        if state in terminal:
            path = prefix(state)
            candidates.append((len(path), 0, path, None))
            break
    graph = nx.DiGraph()
    graph.add_nodes_from(came_from)
    for source in came_from:
        for target, _label in successors.get(source, ()):
            graph.add_edge(source, target)
    for component in nx.strongly_connected_components(graph):
        if len(component) == 1:
            (only,) = component
            if not graph.has_edge(only, only):
                continue
        members = sorted(component, key=order.__getitem__)
        inner_labels = {label for s in members for t, label in successors.get(s, ()) if t in component}
        always_enabled = set.intersection(*(enabled_labels.get(s, set()) for s in members))
        if not always_enabled <= inner_labels:
            continue                    # some step stays enabled but leaves: every cycle here is unfair
        entry = members[0]              # the first found, so the nearest to an initial state
        path = prefix(entry)
        cycle = _fair_cycle(entry, component, successors, enabled_labels)
        lasso = RecordedPath(path + [state for _label, state in cycle],
                             [None] * (len(path) - 1) + [label for label, _state in cycle])
        candidates.append((len(lasso), 1, lasso, len(path) - 1))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]))
    _length, _kind, path, loop_start = candidates[0]
    return path, loop_start


def _fair_cycle(entry, component, successors, enabled_labels) -> list:
    """The (label, state) steps after `entry` of a weakly fair cycle inside `component` back to `entry`.

    Labels enabled in every state visited so far and not yet taken are *missing*; each round walks to
    the nearest step that takes one or that enters a state where one is disabled. One exists for every
    missing label, because the component passed the check in `counterexample`.
    """
    cycle: list = []
    continuously = set(enabled_labels.get(entry, ()))
    taken: set = set()
    current = entry
    while continuously - taken:
        missing = continuously - taken
        walk = _walk(current, component, successors,
                     lambda s, t, l: l in missing or not missing <= enabled_labels.get(t, set()))
        for step_label, state in walk:
            taken.add(step_label)
            continuously &= enabled_labels.get(state, set())
            cycle.append((step_label, state))
        current = walk[-1][1]
    if current != entry or not cycle:
        # Going back to the entry only adds states and steps, so the cycle stays fair.
        cycle.extend(_walk(current, component, successors, lambda s, t, l: t == entry))
    return cycle


def _walk(start, component, successors, goal) -> list:
    """Shortest walk inside `component` from `start` whose last edge satisfies `goal`: its (label, state)
    steps after `start`."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for target, label in successors.get(state, ()):
            if target not in component:
                continue
            if goal(state, target, label):
                walk = [(label, target)]
                while state != start:
                    previous, step_label = came_from[state]
                    walk.append((step_label, state))
                    state = previous
                return walk[::-1]
            if target not in came_from:
                came_from[target] = (state, label)
                queue.append(target)
    raise RuntimeError("no walk inside a strongly connected component: the component check is wrong")
