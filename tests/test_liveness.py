"""`eventually` under weak fairness per step label, against a brute-force oracle.

The oracle works from the definition rather than from strongly connected components: a behaviour that
never reaches the goal either stops in a terminal non-goal state, or from some point on visits a set S
of non-goal states infinitely often. Such an S must be strongly connected with at least one edge inside
it, and under weak fairness every label enabled in all of S must be taken infinitely often, hence label
an edge inside S. Conversely, for such an S, a tour of all of S's inner edges repeated for ever is a
weakly fair behaviour. The oracle tries every subset S of the non-goal states reachable through non-goal
states. Small hand-made graphs pin the cases that tell fair from unfair cycles.
"""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.engine import always, check_replays, eventually, explore
from modelcheck.errors import InvalidModel

from conftest import transition_system

LABELS = ("a", "b", "c")


def labels_from(edges, state) -> set:
    return {label for source, label, _target in edges if source == state}


def oracle_violated(initial, edges, goal) -> bool:
    """True when some weakly fair behaviour never reaches `goal` (by enumeration of subsets)."""
    bad_initial = [s for s in initial if s not in goal]
    inner_edges = [(s, label, t) for s, label, t in edges if s not in goal and t not in goal]
    region = set(bad_initial)
    frontier = list(bad_initial)
    while frontier:
        state = frontier.pop()
        for s, _label, t in inner_edges:
            if s == state and t not in region:
                region.add(t)
                frontier.append(t)
    if any(not labels_from(edges, s) for s in region):
        return True                                  # stops in a terminal non-goal state
    states = sorted(region)
    for size in range(1, len(states) + 1):
        for subset in combinations(states, size):
            members = set(subset)
            inside = [(s, label, t) for s, label, t in inner_edges if s in members and t in members]
            if not inside:
                continue
            graph = nx.DiGraph()
            graph.add_nodes_from(members)
            graph.add_edges_from((s, t) for s, _label, t in inside)
            if not nx.is_strongly_connected(graph):
                continue
            continuously_enabled = set.intersection(*(labels_from(edges, s) for s in members))
            if continuously_enabled <= {label for _s, label, _t in inside}:
                return True
    return False


def assert_fair_counterexample(model, trace, edges, goal):
    """The trace replays, never reaches the goal, and ends in a terminal state or a fair cycle."""
    assert check_replays(model, trace)
    states = trace.states
    assert not any(s in goal for s in states)
    if trace.loop_start is None:
        assert not labels_from(edges, states[-1]), "a counterexample without a loop must end in a terminal state"
        return
    assert 0 <= trace.loop_start < len(states) - 1
    assert states[-1] == states[trace.loop_start]
    cycle = states[trace.loop_start:]
    taken = {step.label for step in trace.steps[trace.loop_start:]}
    continuously_enabled = set.intersection(*(labels_from(edges, s) for s in cycle))
    for label in continuously_enabled:
        assert label in taken, (
            f"label {label!r} is enabled all along the cycle {cycle} and never taken: the loop is unfair")


@st.composite
def systems(draw, max_size: int = 6):
    size = draw(st.integers(1, max_size))
    node = st.integers(0, size - 1)
    edges = draw(st.lists(st.tuples(node, st.sampled_from(LABELS), node), max_size=4 * size))
    initial = draw(st.sets(node, min_size=1))
    goal = draw(st.sets(node))
    return tuple(sorted(initial)), tuple(edges), frozenset(goal)


@settings(max_examples=400)
@given(systems())
def test_eventually_agrees_with_the_brute_force_oracle(system):
    initial, edges, goal = system
    model = transition_system(initial, edges, labels=LABELS,
                              properties=[eventually("reaches-goal", lambda s: s in goal)])
    result = explore(model)
    verdict = result.properties["reaches-goal"]
    assert result.stopped_by is None
    expected = oracle_violated(initial, edges, goal)
    assert verdict.verdict == ("violated" if expected else "holds")
    if expected:
        assert_fair_counterexample(model, verdict.trace, edges, goal)


def check(initial, edges, goal):
    model = transition_system(initial, edges, properties=[eventually("reaches-goal", lambda s: s in goal)])
    return model, explore(model).properties["reaches-goal"]


def test_a_step_enabled_all_along_a_loop_must_be_taken():
    # 0 loops on b for ever while a (to the goal) stays enabled: weak fairness forbids it.
    _model, verdict = check([0], [(0, "b", 0), (0, "a", 1)], {1})
    assert verdict.verdict == "holds"


def test_a_step_enabled_only_now_and_then_need_not_be_taken():
    # a (to the goal) is enabled in 0 but not in 1: the loop 0, 1, 0, ... is weakly fair.
    edges = [(0, "b", 1), (1, "b", 0), (0, "a", 2)]
    model, verdict = check([0], edges, {2})
    assert verdict.verdict == "violated"
    assert_fair_counterexample(model, verdict.trace, edges, {2})


def test_the_loop_shown_is_itself_fair():
    # In the component {0, 1, 2}, the escape q is enabled in 0 and 1 only. A fair loop has to pass
    # through 2 (where q is disabled); the short loop 0, 1, 0 keeps q enabled for ever and is unfair.
    edges = [(0, "x", 1), (1, "y", 0), (0, "z", 2), (2, "w", 0), (0, "q", 3), (1, "q", 3)]
    model, verdict = check([0], edges, {3})
    assert verdict.verdict == "violated"
    assert_fair_counterexample(model, verdict.trace, edges, {3})
    assert 2 in verdict.trace.states[verdict.trace.loop_start:]


def test_a_self_loop_does_not_excuse_a_label_enabled_all_along_it():
    # Looping on a in 0 for ever keeps b enabled and never takes it: the fair loop must go through 1.
    edges = [(0, "a", 0), (0, "b", 1), (1, "a", 0)]
    model, verdict = check([0], edges, set())
    assert verdict.verdict == "violated"
    assert_fair_counterexample(model, verdict.trace, edges, set())
    assert 1 in verdict.trace.states


def test_the_trace_shows_the_label_the_fair_loop_takes():
    # a and b both lead from 0 to 1; b is enabled all along the loop 0, 1, 0, so the loop must take b,
    # and the trace must say so rather than show the first step that happens to reach the same state.
    edges = [(0, "a", 1), (0, "b", 1), (1, "a", 0), (1, "b", 2)]
    model, verdict = check([0], edges, {2})
    assert verdict.verdict == "violated"
    assert_fair_counterexample(model, verdict.trace, edges, {2})
    assert "b" in [step.label for step in verdict.trace.steps[verdict.trace.loop_start:]]


def test_a_terminal_state_short_of_the_goal_violates():
    edges = [(0, "a", 1), (0, "b", 2)]
    model, verdict = check([0], edges, {2})
    assert verdict.verdict == "violated"
    assert verdict.trace.loop_start is None
    assert verdict.trace.states == [0, 1]


def test_an_initial_goal_state_satisfies_eventually():
    _model, verdict = check([0], [(0, "a", 0)], {0})
    assert verdict.verdict == "holds"


def test_the_lasso_prefix_is_a_shortest_path_to_the_loop():
    # A long way round (0 -> 1 -> 2 -> 3) and a shortcut (0 -> 3) into the self-loop of 3.
    edges = [(0, "a", 1), (1, "a", 2), (2, "a", 3), (0, "b", 3), (3, "c", 3)]
    _model, verdict = check([0], edges, set())
    assert verdict.verdict == "violated"
    assert verdict.trace.states[: verdict.trace.loop_start + 1] == [0, 3]


def test_liveness_is_decided_even_when_a_safety_property_is_already_violated():
    model = transition_system([0], [(0, "a", 1), (1, "a", 1)],
                              properties=[always("never-one", lambda s: s != 1),
                                          eventually("reaches-two", lambda s: s == 2)])
    result = explore(model)
    assert result.properties["never-one"].verdict == "violated"
    assert result.properties["reaches-two"].verdict == "violated"


def test_an_unhashable_label_is_reported_as_a_model_error():
    model = transition_system([0], [(0, "a", 1)],
                              properties=[eventually("reaches-one", lambda s: s == 1)])
    bad = model.actions[0]
    model.actions = [type(bad)(bad.name, lambda s: [(["a", "list"], 1)] if s == 0 else [])]
    with pytest.raises(InvalidModel, match="hashable"):
        explore(model)
