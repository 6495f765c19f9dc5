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
it that takes every label the fairness condition demands.
"""

from __future__ import annotations

from collections import deque

import networkx as nx


def counterexample(model, predicate, parents: dict, edges: list, terminal_states: list):
    """A (path, loop_start) lasso of states violating eventually(predicate), or None when it holds."""
    bad = {state for state in parents if not predicate(state)}
    initial = [state for state, parent in parents.items() if parent is None and state in bad]
    if not initial:
        return None
    successors: dict = {}
    enabled_labels: dict = {}
    for source, target, label in edges:
        enabled_labels.setdefault(source, set()).add(label)
        if source in bad and target in bad:
            successors.setdefault(source, []).append((target, label))

    # Breadth-first over not-P states from the initial ones: reachable region and shortest paths.
    came_from = {state: None for state in initial}
    queue = deque(initial)
    while queue:
        state = queue.popleft()
        for target, _label in successors.get(state, ()):
            if target not in came_from:
                came_from[target] = state
                queue.append(target)

    def prefix(state):
        path = [state]
        while came_from[path[-1]] is not None:
            path.append(came_from[path[-1]])
        return path[::-1]

    candidates = []
    terminal = set(terminal_states)
    for state in came_from:
        if state in terminal:
            candidates.append((len(prefix(state)), 0, prefix(state), None))
            break
    graph = nx.DiGraph()
    graph.add_nodes_from(came_from)
    for source in came_from:
        for target, label in successors.get(source, ()):
            graph.add_edge(source, target)
    for component in nx.strongly_connected_components(graph):
        if len(component) == 1:
            (only,) = component
            if not graph.has_edge(only, only):
                continue
        inner = {(s, t, label) for s in component for t, label in successors.get(s, ()) if t in component}
        inner_labels = {label for _s, _t, label in inner}
        always_enabled = set.intersection(*(enabled_labels.get(s, set()) for s in component))
        if not always_enabled <= inner_labels:
            continue                    # some step stays enabled but leaves: the cycle is unfair
        entry = min(component, key=lambda s: len(prefix(s)))
        path = prefix(entry)
        cycle = _fair_cycle(entry, component, successors, always_enabled)
        candidates.append((len(path) + len(cycle), 1, path + cycle, len(path) - 1))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]))
    _length, _kind, path, loop_start = candidates[0]
    return path, loop_start


def _fair_cycle(entry, component, successors, required_labels) -> list:
    """States after `entry` on a cycle inside `component` back to `entry` taking every required label."""
    cycle = []
    current = entry
    for label in sorted(required_labels, key=repr):
        walk = _walk(current, component, successors, lambda s, t, l: l == label)
        cycle.extend(walk)
        current = walk[-1] if walk else current
    back = _walk(current, component, successors, lambda s, t, l: t == entry)
    cycle.extend(back)
    return cycle


def _walk(start, component, successors, goal) -> list:
    """Shortest walk inside `component` from `start` whose last edge satisfies `goal`; its states after start."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for target, label in successors.get(state, ()):
            if target not in component:
                continue
            if goal(state, target, label):
                walk = [target]
                while state != start:
                    walk.append(state)
                    state = came_from[state]
                return walk[::-1]
            if target not in came_from:
                came_from[target] = state
                queue.append(target)
    return []
