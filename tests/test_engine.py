"""The engine's contract on hand-made and classic models.

Limits (a search stopped by max_states, max_depth, time_limit or Ctrl-C says `bounded` for what it could
not decide and keeps the violations it found), nondeterministic models (caught on replay), determinism
across hash seeds (a subprocess per PYTHONHASHSEED), models that break the contract (clear
`InvalidModel` errors, not raw TypeErrors), and the state-graph export.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap

import networkx as nx
import pytest

from modelcheck.engine import Action, Limits, Model, always, check_replays, explore
from modelcheck.engine.bfs import bfs
from modelcheck.engine.graph import GraphTooLarge, state_graph, to_dot, to_graphml, to_json
from modelcheck.engine.result import Trace, TraceStep
from modelcheck.errors import InvalidModel, ModelcheckError, NondeterminismError

from conftest import ROOT, transition_system

COMMITTED = 2


def two_phase(load_python_spec, rms):
    """TwoPhase with two more invariants: one violated at once, one only deep in the search."""
    model = load_python_spec("two_phase_commit").model(rms)
    model.properties = list(model.properties) + [
        always("nobody-prepares", lambda s: 1 not in s[0]),
        always("nobody-commits", lambda s: COMMITTED not in s[0]),
    ]
    return model


# --- limits ---------------------------------------------------------------------------------------

def test_max_states_stops_with_bounded_verdicts_and_keeps_early_violations(load_python_spec):
    result = explore(two_phase(load_python_spec, 5), max_states=1_000)
    assert result.stopped_by == "max_states"
    assert 1_000 <= result.stats.distinct < 8_832
    verdicts = {name: p.verdict for name, p in result.properties.items()}
    assert verdicts["nobody-prepares"] == "violated"
    assert len(result.properties["nobody-prepares"].trace) == 1
    assert verdicts["TCConsistent"] == "bounded"
    assert verdicts["nobody-commits"] == "bounded"         # a commit lies deeper than 1,000 states
    assert verdicts["some-commit"] == "bounded"
    assert verdicts["some-abort"] == "holds"               # its witness was found before the limit


@pytest.mark.parametrize("max_depth, stopped_by, verdict", [(10, "max_depth", "bounded"), (11, None, "holds")])
def test_max_depth_is_counted_as_tlc_counts_depth(load_python_spec, max_depth, stopped_by, verdict):
    # TwoPhase(rms=3) has depth 11: a bound of 11 states per path loses nothing, a bound of 10 does.
    result = explore(two_phase(load_python_spec, 3), max_depth=max_depth)
    assert result.stopped_by == stopped_by
    assert result.stats.depth == max_depth
    assert result.properties["TCConsistent"].verdict == verdict
    assert result.properties["nobody-commits"].verdict == "violated"   # found at depth 9
    if stopped_by:
        assert result.stats.distinct < 288


def test_time_limit_stops_with_bounded_verdicts(load_python_spec):
    result = explore(two_phase(load_python_spec, 7), time_limit=0.05)
    assert result.stopped_by == "time_limit"
    assert result.stats.distinct < 296_448
    assert result.properties["TCConsistent"].verdict == "bounded"
    assert result.properties["nobody-prepares"].verdict == "violated"
    assert result.properties["some-commit"].verdict in ("bounded", "holds")   # never violated when stopped


def test_ctrl_c_from_the_progress_callback_returns_what_was_found(load_python_spec):
    snapshots = []

    def progress(snapshot):
        snapshots.append(snapshot)
        raise KeyboardInterrupt

    model = two_phase(load_python_spec, 5)
    result = bfs(model, Limits(), progress=progress, progress_interval=0)
    assert len(snapshots) == 1
    assert result.stopped_by == "interrupted"
    assert snapshots[0].distinct <= result.stats.distinct < 8_832
    assert 0 < snapshots[0].generated
    assert result.properties["nobody-prepares"].verdict == "violated"
    assert check_replays(model, result.properties["nobody-prepares"].trace)
    assert result.properties["TCConsistent"].verdict == "bounded"


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="max_states"):
        Limits(max_states=0)


# --- nondeterminism and determinism ---------------------------------------------------------------

def test_a_model_that_keeps_state_outside_its_states_is_caught_on_replay():
    calls = 0

    def step(n):
        nonlocal calls
        calls += 1                       # the successor depends on how often the step was called
        return [(f"add {calls}", n + calls)] if n < 20 else []

    model = Model(name="counter-with-a-global", initial_states=[0], actions=[Action("add", step)],
                  properties=[always("small", lambda n: n < 5)])
    with pytest.raises(NondeterminismError, match="nondeterministic") as raised:
        explore(model)
    assert "counter-with-a-global" in str(raised.value)
    assert "diverged at step 1" in str(raised.value)


def test_check_replays_rejects_a_step_the_model_does_not_enable(load_python_spec):
    model = load_python_spec("tcommit").model(2)
    trace = explore(model, symmetry=False).properties["all-committed"].trace
    assert check_replays(model, trace)
    forged = Trace(trace.initial, trace.steps[:-1] + (TraceStep(trace.steps[-1].action, "rm9 commits",
                                                                 trace.steps[-1].state),))
    assert not check_replays(model, forged)


_SEEDED_RUN = textwrap.dedent("""
    import json
    from modelcheck.engine import Action, Model, always, eventually, explore

    workers = ("alice", "bob", "carol")

    def advance(state):
        steps = []
        for name, stage in sorted(state):            # sorted: a set of strings has no stable order
            if stage < 2:
                steps.append((f"{name} advances to {stage + 1}", state - {(name, stage)} | {(name, stage + 1)}))
            if stage == 0:
                steps.append((f"{name} skips to 2", state - {(name, 0)} | {(name, 2)}))
        return steps

    def restart(state):
        return [(f"{name} restarts", state - {(name, 2)} | {(name, 1)})
                for name, stage in sorted(state) if stage == 2]

    model = Model(name="workers", initial_states=[frozenset((name, 0) for name in workers)],
                  actions=[Action("advance", advance, fairness="weak", per=str), Action("restart", restart, fairness="weak")],
                  properties=[always("not-all-done", lambda s: {st for _n, st in s} != {2}),
                              eventually("impossible", lambda s: False)])
    result = explore(model)
    print(json.dumps({
        "counts": [result.stats.distinct, result.stats.generated, result.stats.depth],
        "traces": {name: [str(step.label) for step in p.trace.steps] + [p.trace.loop_start]
                   for name, p in result.properties.items()},
    }))
""")


def test_results_do_not_depend_on_the_hash_seed():
    outputs = []
    for seed in ("0", "1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        done = subprocess.run([sys.executable, "-c", _SEEDED_RUN], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    # 3 workers in 3 stages; a worker has 2 steps in stage 0, 1 in stages 1 and 2: 1 + 9 x 3 x 4 generated.
    assert outputs[0]["counts"] == [27, 109, 4]
    assert outputs[0]["traces"]["not-all-done"] == ["alice skips to 2", "bob skips to 2", "carol skips to 2", None]
    # The lasso of `eventually` enters a strongly connected component that several states at the same
    # distance lead into: which one is chosen must not depend on the order of a set.
    assert outputs[0]["traces"]["impossible"][-1] is not None
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


# --- models that break the contract ---------------------------------------------------------------

def test_a_model_without_initial_states_is_an_invalid_model():
    model = Model(name="empty", initial_states=[], actions=[Action("noop", lambda s: [])])
    with pytest.raises(InvalidModel, match="'empty' has no initial state"):
        explore(model)


def test_a_model_without_actions_is_an_invalid_model():
    with pytest.raises(InvalidModel, match="no actions"):
        explore(Model(name="still", initial_states=[0]))


def test_an_unhashable_initial_state_is_an_invalid_model():
    model = Model(name="lists", initial_states=[[0, 1]], actions=[Action("noop", lambda s: [])])
    with pytest.raises(InvalidModel, match="initial state is not hashable"):
        explore(model)


@pytest.mark.parametrize("successors", [
    [("grows", [1, 2])],                 # a list is not hashable
    [("grows", {1: 2})],
    [7],                                 # not a (label, state) pair
])
def test_a_bad_step_result_is_an_invalid_model(successors):
    model = Model(name="bad-step", initial_states=[0],
                  actions=[Action("grow", lambda s: successors if s == 0 else [])])
    with pytest.raises(InvalidModel, match="'bad-step'"):
        explore(model)


def test_invalid_models_are_modelcheck_errors():
    assert issubclass(InvalidModel, ModelcheckError) and issubclass(NondeterminismError, InvalidModel)


# --- the state graph ------------------------------------------------------------------------------

def test_state_graph_of_tcommit_has_every_state_and_step(load_python_spec):
    model = load_python_spec("tcommit").model(2)
    graph = state_graph(model)
    result = explore(model, symmetry=False)
    assert graph.number_of_nodes() == result.stats.distinct == 12
    assert graph.number_of_edges() == result.stats.generated - 1 == 22
    assert [n for n, d in graph.nodes(data=True) if d["initial"]] == [0]
    assert sum(d["terminal"] for _n, d in graph.nodes(data=True)) == result.stats.terminal
    assert graph.nodes[0]["label"] == "rm0=working, rm1=working"
    assert {d["action"] for _s, _t, d in graph.edges(data=True)} == {"Prepare", "Decide"}
    assert graph.edges[0, 1]["label"] == "rm0 prepares"
    # Node ids are breadth-first numbers: the distance from the initial state never decreases.
    distances = nx.single_source_shortest_path_length(graph, 0)
    assert [distances[n] for n in sorted(graph)] == sorted(distances.values())


def test_graph_renderings_of_tcommit(load_python_spec):
    graph = state_graph(load_python_spec("tcommit").model(2))
    dot = to_dot(graph)
    assert dot.startswith('digraph "TCommit(rms=2)" {') and dot.rstrip().endswith("}")
    assert sum(" -> " in line for line in dot.splitlines()) == 22
    assert sum(line.lstrip().split(" ")[0].isdigit() and " -> " not in line for line in dot.splitlines()) == 12
    assert dot.count("peripheries=2") == 1
    assert '0 -> 1 [label="rm0 prepares", tooltip="Prepare"];' in dot

    graphml = nx.read_graphml(io.StringIO(to_graphml(graph)))
    assert (graphml.number_of_nodes(), graphml.number_of_edges()) == (12, 22)
    assert graphml.nodes["0"]["label"] == "rm0=working, rm1=working"

    data = json.loads(to_json(graph))
    assert (len(data["nodes"]), len(data["edges"])) == (12, 22)
    assert data["nodes"][0] == {"id": 0, "label": "rm0=working, rm1=working", "initial": True, "terminal": False}
    assert to_json(state_graph(load_python_spec("tcommit").model(2))) == to_json(graph)


def test_state_graph_refuses_a_graph_above_the_limit(load_python_spec):
    model = load_python_spec("tcommit").model(3)                    # 34 states
    assert state_graph(model, max_states=34).number_of_nodes() == 34
    with pytest.raises(GraphTooLarge, match=r"more than 33 states; graphs are for small models: "
                                            r"use --max-states or a smaller model"):
        state_graph(model, max_states=33)
    assert issubclass(GraphTooLarge, ModelcheckError)


def test_state_graph_merges_steps_between_the_same_states_and_escapes_dot():
    model = transition_system([0], [(0, "a", 1), (0, "b", 1), (0, "a", 1), (1, "c", 0)])
    model.describe_state = lambda s: f'state "{s}"\nline two\\'
    graph = state_graph(model)
    assert graph.number_of_edges() == 2
    assert graph.edges[0, 1] == {"label": "a | b", "action": "do a | do b"}
    assert r'label="state \"0\"\nline two\\"' in to_dot(graph)


def test_state_graph_reports_model_errors():
    with pytest.raises(InvalidModel, match="no initial state"):
        state_graph(Model(name="empty", initial_states=[], actions=[Action("noop", lambda s: [])]))
    with pytest.raises(InvalidModel, match="not hashable"):
        state_graph(Model(name="lists", initial_states=[[0]], actions=[Action("noop", lambda s: [])]))


@pytest.mark.parametrize("workers", [1, 2])
def test_only_expected_actions_that_never_fire_are_warned_about(workers):
    model = Model(name="counter", initial_states=[0],
                  actions=[Action("inc", lambda n: [("inc", n + 1)] if n < 2 else []),
                           Action("idle", lambda n: []),
                           Action("idle-by-design", lambda n: [], expected=False)])
    result = explore(model, workers=workers)
    assert result.stats.coverage["idle-by-design"] == 0
    assert result.warnings == ["never fired: idle"]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_memory_limit_stops_with_bounded_verdicts(load_python_spec, workers):
    """A megabyte is less than any Python process holds: the search stops at its first look, says why,
    and decides nothing it had not decided by then."""
    result = explore(two_phase(load_python_spec, 7), max_memory=1, workers=workers)
    assert result.stopped_by == "max_memory" and not result.complete
    assert result.stats.distinct < 296_448
    assert result.properties["TCConsistent"].verdict == "bounded"
    assert result.properties["some-commit"].verdict in ("bounded", "holds")
