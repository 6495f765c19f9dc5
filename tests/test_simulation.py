"""Random simulation (`engine.simulation`, `modelcheck simulate`): what it checks, that a seed replays,
and that it never proves a safety property."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modelcheck.engine import (Action, Model, always, always_step, at_end, check_replays, eventually,
                               sometimes)
from modelcheck.engine.simulation import SIMULATION, simulate

ROOT = Path(__file__).resolve().parents[1]


def walk(**extra) -> Model:
    """From 0, +1 or +2 up to 10 (a terminal state), never below."""
    def step(n):
        return [(f"+{k}", n + k) for k in (1, 2) if n + k <= 10]
    defaults = dict(name="walk", initial_states=[0], actions=[Action("Step", step)],
                    properties=[always("below-seven", lambda n: n < 7),
                                always_step("small-steps", lambda b, label, a: a - b < 2),
                                at_end("ends-at-eleven", lambda n: n == 11),
                                sometimes("reaches-five", lambda n: n == 5),
                                always("never-negative", lambda n: n >= 0),
                                eventually("reaches-ten", lambda n: n == 10)])
    defaults.update(extra)
    return Model(**defaults)


def test_a_simulation_finds_violations_with_traces_that_replay():
    model = walk()
    result = simulate(model, runs=50, depth=20, seed=3)
    verdicts = {name: prop.verdict for name, prop in result.properties.items()}
    assert verdicts == {"below-seven": "violated", "small-steps": "violated", "ends-at-eleven": "violated",
                        "reaches-five": "holds", "never-negative": "bounded", "reaches-ten": "bounded"}
    for name in ("below-seven", "small-steps", "ends-at-eleven", "reaches-five"):
        assert check_replays(model, result.properties[name].trace)
    assert result.properties["below-seven"].trace.last >= 7
    assert result.properties["small-steps"].trace.steps[-1].label == "+2"
    assert result.properties["ends-at-eleven"].trace.last == 10
    assert result.stopped_by == SIMULATION and not result.complete
    assert any("seed 3" in warning for warning in result.warnings)


def test_the_same_seed_gives_the_same_runs_and_another_seed_other_runs():
    model = walk()
    first, again = simulate(model, runs=5, depth=20, seed=11), simulate(model, runs=5, depth=20, seed=11)
    assert {n: p.trace for n, p in first.properties.items()} == {n: p.trace for n, p in again.properties.items()}
    others = [simulate(model, runs=5, depth=20, seed=seed) for seed in range(5)]
    assert len({tuple(step.label for step in r.properties["below-seven"].trace.steps) for r in others}) > 1


def test_a_run_stops_at_the_depth_and_outside_the_constraint():
    deep = simulate(walk(), runs=10, depth=3, seed=0)
    assert deep.stats.depth == 4                              # 3 steps: 4 states
    assert deep.properties["ends-at-eleven"].verdict == "bounded"   # no run got to the end
    bounded = simulate(walk(constraint=lambda n: n < 4), runs=20, depth=20, seed=0)
    assert bounded.properties["below-seven"].verdict == "bounded"
    assert bounded.stats.depth <= 1 + 5                      # at most 0 -> 1 -> 2 -> 3 -> out


def test_the_command_line_never_says_holds_and_says_which_run(tmp_path):
    spec = tmp_path / "walk.py"
    spec.write_text("import sys\nsys.path.insert(0, %r)\nfrom test_simulation import walk\n"
                    "from modelcheck.engine import always\n\n"
                    "def model(strict: bool = False):\n"
                    "    built = walk(properties=[always('never-negative', lambda n: n >= 0)])\n"
                    "    if strict:\n"
                    "        built.properties.append(always('below-seven', lambda n: n < 7))\n"
                    "    return built\n" % str(ROOT / "tests"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    base = [sys.executable, "-m", "modelcheck.cli", "simulate", str(spec), "--runs", "30", "--seed", "5"]
    quiet = subprocess.run(base, env=env, capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 3, quiet.stderr
    assert "NOT proofs" in quiet.stdout and " holds " not in quiet.stdout
    found = subprocess.run(base + ["--param", "strict=true", "--format", "json"], env=env, capture_output=True,
                           text=True, timeout=60, )
    assert found.returncode == 1, found.stderr
    data = json.loads(found.stdout)
    assert data["properties"]["below-seven"]["verdict"] == "violated"
    assert any("below-seven: found in run" in warning for warning in data["warnings"])
    again = subprocess.run(base + ["--param", "strict=true", "--format", "json"], env=dict(env, PYTHONHASHSEED="7"),
                           capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout)["properties"] == data["properties"]
