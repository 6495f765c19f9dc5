"""Whole-graph runs (`keep_going`, `--continue`) and several counterexamples per property
(`counterexamples=N`, `--counterexamples N`), in the one-process search, the parallel one, checkpoints,
the CLI and the reports.

The model is a grid walk: (x, y) from (0, 0), one step right or up, to (3, 3). Its figures are counted
by hand: 16 states, 1 + 2 * 9 + 6 = 25 generated (the inner 3 x 3 states have two steps, the six on the
far edges one, the corner none), depth 7.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modelcheck.engine import (Action, Checkpoint, Limits, Model, always, always_step, at_end, check_replays,
                               explore, sometimes)
from modelcheck.engine.bfs import bfs
from modelcheck.engine.checkpoint import identity_of

ROOT = Path(__file__).resolve().parents[1]


def grid(**extra) -> Model:
    def step(state):
        x, y = state
        return ([("right", (x + 1, y))] if x < 3 else []) + ([("up", (x, y + 1))] if y < 3 else [])
    defaults = dict(name="grid", initial_states=[(0, 0)], actions=[Action("Step", step)],
                    properties=[always("sum-below-three", lambda s: s[0] + s[1] < 3),
                                always_step("never-up-from-the-middle",
                                            lambda b, label, a: not (label == "up" and b[0] == 1)),
                                sometimes("reaches-the-corner", lambda s: s == (3, 3))])
    defaults.update(extra)
    return Model(**defaults)


def test_by_default_one_counterexample():
    result = explore(grid())
    assert result.properties["sum-below-three"].more == ()
    assert result.properties["sum-below-three"].trace.last == (3, 0)


def test_several_counterexamples_one_per_violating_state_each_shortest():
    model = grid()
    result = explore(model, counterexamples=3)
    prop = result.properties["sum-below-three"]
    traces = [prop.trace, *prop.more]
    assert [trace.last for trace in traces] == [(3, 0), (2, 1), (1, 2)]            # breadth-first order
    assert all(sum(trace.last) == 3 and len(trace) == 3 for trace in traces)   # each shortest to its state
    assert all(check_replays(model, trace) for trace in traces)
    steps = result.properties["never-up-from-the-middle"]
    assert [trace.steps[-1].label for trace in (steps.trace, *steps.more)] == ["up"] * 3
    assert [trace.states[-2] for trace in (steps.trace, *steps.more)] == [(1, 0), (1, 1), (1, 2)]


def test_a_property_with_fewer_violations_than_asked_gets_them_all():
    result = explore(grid(), counterexamples=50)
    assert 1 + len(result.properties["sum-below-three"].more) == 16 - 6         # the states with x + y >= 3
    assert result.stats.distinct == 16


def test_at_end_counterexamples_in_the_order_found():
    # The walk stops on the diagonal x + y = 3: four terminal states.
    def step(state):
        x, y = state
        return [] if x + y == 3 else [("right", (x + 1, y)), ("up", (x, y + 1))]
    model = Model(name="diagonal", initial_states=[(0, 0)], actions=[Action("Step", step)],
                  properties=[at_end("never-ends", lambda s: False)])
    prop = explore(model, counterexamples=2).properties["never-ends"]
    assert [trace.last for trace in (prop.trace, *prop.more)] == [(3, 0), (2, 1)]


def test_continue_explores_the_whole_graph_with_the_same_verdicts_and_traces():
    model = grid(properties=[always("sum-below-two", lambda s: s[0] + s[1] < 2)])
    early, whole = explore(model), explore(model, keep_going=True)
    assert early.stats.distinct < 16
    assert (whole.stats.distinct, whole.stats.generated, whole.stats.depth) == (16, 25, 7)
    assert whole.complete and whole.stats.queue == 0
    assert whole.properties["sum-below-two"].trace == early.properties["sum-below-two"].trace
    parallel = explore(model, keep_going=True, workers=2)
    assert (parallel.stats.distinct, parallel.stats.generated, parallel.stats.workers) == (16, 25, 2)


def test_the_parallel_search_hands_several_counterexamples_to_one_process():
    result = explore(grid(), counterexamples=2, workers=2)
    assert len(result.properties["sum-below-three"].more) == 1
    assert any("one process" in warning for warning in result.warnings)


def test_states_outside_the_constraint_count_once():
    # (x, 0) for every x: the constraint keeps x < 2; the state (2, 0) is generated from (1, 0) only once,
    # but a fan of steps into the same outside state must not give two counterexamples of it.
    def fan(x):
        return [("a", x + 1), ("b", x + 1)] if x < 3 else []
    model = Model(name="fan", initial_states=[0], actions=[Action("Step", fan)], constraint=lambda x: x < 2,
                  properties=[always("below-two", lambda x: x < 2)])
    prop = explore(model, counterexamples=5).properties["below-two"]
    assert [trace.last for trace in (prop.trace, *prop.more)] == [2]


def test_a_checkpointed_search_keeps_its_further_counterexamples(tmp_path):
    model = grid()
    direct = bfs(model, counterexamples=3, keep_going=True)
    path = tmp_path / "c.checkpoint"
    checkpoint = Checkpoint(path, identity=identity_of(model, symmetry=True), interval=0.0)
    stopped = bfs(model, Limits(max_states=12), checkpoint=checkpoint, counterexamples=3, keep_going=True)
    assert stopped.stopped_by == "max_states"
    resumed = bfs(model, checkpoint=Checkpoint(path, identity=identity_of(model, symmetry=True), resume=True),
                  counterexamples=3, keep_going=True)
    for name in ("sum-below-three", "never-up-from-the-middle"):
        assert [t.states for t in resumed.properties[name].more] == [t.states for t in direct.properties[name].more]
    assert resumed.stats.distinct == direct.stats.distinct == 16


def test_the_command_line_prints_and_writes_every_counterexample(tmp_path):
    spec = tmp_path / "grid.py"
    spec.write_text("import sys\nsys.path.insert(0, %r)\nfrom test_counterexamples import grid\n\n"
                    "def model():\n    return grid()\n" % str(ROOT / "tests"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "modelcheck.cli", "explore", str(spec), "--continue", "--counterexamples", "2"]
    text = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert text.returncode == 1, text.stderr
    assert "counterexample 2 of 2" in text.stdout and "16 distinct states" in text.stdout
    data = subprocess.run(command + ["--format", "json"], env=env, capture_output=True, text=True, timeout=60)
    entry = json.loads(data.stdout)["properties"]["sum-below-three"]
    assert len(entry["more_traces"]) == 1 and len(entry["more_traces"][0]) == 3
