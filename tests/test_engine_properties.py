"""The search against networkx on random finite transition systems (hypothesis).

Each example is a random graph over states 0..n-1 with labelled edges, a random set of initial states,
a random set of marked states and a random set of done states. networkx, not the engine, says what is
reachable, how far, and which states are terminal; the engine's counts (as TLC defines them), verdicts
and shortest traces must agree with it. `eventually` is checked against a brute-force oracle in
test_liveness.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.engine import always, at_end, check_replays, explore, sometimes

from conftest import transition_system

LABELS = ("a", "b", "c")


@dataclass(frozen=True)
class System:
    size: int
    edges: tuple          # (source, label, target), duplicates allowed: each is one step
    initial: tuple        # sorted, distinct
    marked: frozenset
    done: frozenset

    def model(self, properties=(), done=None):
        return transition_system(self.initial, self.edges, properties=properties, done=done, labels=LABELS)

    def graph(self) -> nx.MultiDiGraph:
        graph = nx.MultiDiGraph()
        graph.add_nodes_from(range(self.size))
        for source, label, target in self.edges:
            graph.add_edge(source, target, label=label)
        return graph

    def distances(self) -> dict:
        """Shortest number of steps from the initial set to every reachable state."""
        return nx.multi_source_dijkstra_path_length(self.graph(), set(self.initial))

    def terminal(self, state) -> bool:
        return self.graph().out_degree(state) == 0


@st.composite
def systems(draw, max_size: int = 8) -> System:
    size = draw(st.integers(1, max_size))
    node = st.integers(0, size - 1)
    edges = draw(st.lists(st.tuples(node, st.sampled_from(LABELS), node), max_size=3 * size))
    initial = draw(st.sets(node, min_size=1))
    marked = draw(st.sets(node))
    done = draw(st.sets(node))
    return System(size, tuple(edges), tuple(sorted(initial)), frozenset(marked), frozenset(done))


def nearest(distances: dict, states) -> int | None:
    """The shortest distance to any of `states`, or None when none is reachable."""
    found = [distances[s] for s in states if s in distances]
    return min(found) if found else None


@settings(max_examples=300)
@given(systems())
def test_counts_agree_with_networkx(system):
    result = explore(system.model())
    distances = system.distances()
    graph = system.graph()
    assert result.stopped_by is None
    assert result.stats.distinct == len(distances)
    assert result.stats.depth == 1 + max(distances.values())
    assert result.stats.generated == len(system.initial) + sum(graph.out_degree(s) for s in distances)
    assert result.stats.terminal == sum(1 for s in distances if graph.out_degree(s) == 0)
    for label in LABELS:
        fired = sum(1 for s, lab, _t in system.edges if lab == label and s in distances)
        assert result.stats.coverage[f"do {label}"] == fired


@settings(max_examples=300)
@given(systems())
def test_always_is_violated_iff_a_marked_state_is_reachable(system):
    model = system.model([always("unmarked", lambda s: s not in system.marked)])
    result = explore(model)
    verdict = result.properties["unmarked"]
    shortest = nearest(system.distances(), system.marked)
    if shortest is None:
        assert verdict.verdict == "holds" and verdict.trace is None
    else:
        assert verdict.verdict == "violated"
        assert len(verdict.trace) == shortest
        assert verdict.trace.last in system.marked
        assert check_replays(model, verdict.trace)


@settings(max_examples=300)
@given(systems())
def test_deadlock_is_a_reachable_terminal_state_that_is_not_done(system):
    model = system.model(done=lambda s: s in system.done)
    result = explore(model)
    verdict = result.properties["deadlock"]
    distances = system.distances()
    stuck = [s for s in distances if system.terminal(s) and s not in system.done]
    if not stuck:
        assert verdict.verdict == "holds"
    else:
        assert verdict.verdict == "violated"
        assert len(verdict.trace) == nearest(distances, stuck)
        assert verdict.trace.last in stuck
        assert check_replays(model, verdict.trace)


@settings(max_examples=300)
@given(systems())
def test_sometimes_holds_iff_a_marked_state_is_reachable(system):
    model = system.model([sometimes("reaches-marked", lambda s: s in system.marked)])
    verdict = explore(model).properties["reaches-marked"]
    shortest = nearest(system.distances(), system.marked)
    if shortest is None:
        assert verdict.verdict == "violated"
    else:
        assert verdict.verdict == "holds"
        assert len(verdict.trace) == shortest            # the witness is a shortest one
        assert verdict.trace.last in system.marked
        assert check_replays(model, verdict.trace)


@settings(max_examples=300)
@given(systems())
def test_at_end_is_checked_on_terminal_states_only(system):
    model = system.model([at_end("ends-unmarked", lambda s: s not in system.marked)])
    verdict = explore(model).properties["ends-unmarked"]
    distances = system.distances()
    bad_ends = [s for s in distances if system.terminal(s) and s in system.marked]
    if not bad_ends:
        assert verdict.verdict == "holds"                # marked states that are not terminal do not count
    else:
        assert verdict.verdict == "violated"
        assert len(verdict.trace) == nearest(distances, bad_ends)
        assert verdict.trace.last in bad_ends
        assert check_replays(model, verdict.trace)


@settings(max_examples=300)
@given(systems(), st.integers(1, 6))
def test_max_depth_explores_exactly_the_states_within_the_depth(system, max_depth):
    model = system.model([always("unmarked", lambda s: s not in system.marked),
                          at_end("never-decided", lambda s: True)])
    result = explore(model, max_depth=max_depth)
    distances = system.distances()
    within = [s for s, d in distances.items() if d < max_depth]
    beyond = any(d >= max_depth for d in distances.values())
    assert result.stats.distinct == len(within)
    assert result.stopped_by == ("max_depth" if beyond else None)
    verdict = result.properties["unmarked"].verdict
    shortest = nearest(distances, system.marked)
    if shortest is not None and shortest < max_depth:
        assert verdict == "violated"
        assert len(result.properties["unmarked"].trace) == shortest
    else:
        assert verdict == ("bounded" if beyond else "holds")
    if beyond:
        assert result.properties["never-decided"].verdict == "bounded"


@settings(max_examples=300)
@given(systems(), st.integers(1, 8))
def test_max_states_never_gives_holds_and_keeps_violations_found_before_it(system, max_states):
    model = system.model([always("unmarked", lambda s: s not in system.marked),
                          sometimes("reaches-marked", lambda s: s in system.marked),
                          at_end("never-decided", lambda s: True)])
    distances = system.distances()
    result = explore(model, max_states=max_states)
    if len(distances) < max_states:
        assert result.stopped_by is None
        assert result.stats.distinct == len(distances)
        return
    assert result.stopped_by == "max_states"
    assert max_states <= result.stats.distinct <= len(distances)
    assert result.properties["never-decided"].verdict == "bounded"
    unmarked = result.properties["unmarked"]
    shortest = nearest(distances, system.marked)
    if shortest is None:
        assert unmarked.verdict == "bounded"
        assert result.properties["reaches-marked"].verdict == "bounded"
    else:
        assert unmarked.verdict in ("violated", "bounded")
        assert result.properties["reaches-marked"].verdict in ("holds", "bounded")
        # Every state up to the marked one's level comes before the limit: it must have been seen.
        if sum(1 for d in distances.values() if d <= shortest) < max_states:
            assert unmarked.verdict == "violated"
            assert len(unmarked.trace) == shortest
            assert result.properties["reaches-marked"].verdict == "holds"
