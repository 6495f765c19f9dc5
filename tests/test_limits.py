"""Limits bound the whole command: the search (however slow one expansion is) and the analysis after it.

The analysis (the step from which a violation is inevitable, `engine.inevitable`) gets what the search
left of `--max-states` and `--time-limit`; cut short by them or by Ctrl-C it says so, and the verdicts
and exit code stay those of the search (Ctrl-C: exit code 3, as in a search).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.engine import Action, Model, always, explore
from modelcheck.engine.inevitable import BOUNDED, FOUND, LIMIT, inevitability

ROOT = Path(__file__).resolve().parents[1]

# A search that ends at once (the property is violated by the first step) and an analysis that would
# take minutes: from every state a step slips into the violation and another grows the counter, for
# ever and without a cycle, so no escape is ever found and the analysis runs to its own bound of
# 100,000 expansions, each slowed down. The spec expects the violation, so its exit code is 0.
SLOW_ANALYSIS = '''
import sys, time
from modelcheck import Action, Model, always

def model(delay: float = 0.002):
    def step(n):
        if n < 0:
            return []
        if n == 50:
            print("analysis under way", file=sys.stderr, flush=True)
        time.sleep(delay)
        return [("slip", -1), ("grow", n + 1)]
    found = Model(name="slow-analysis", initial_states=[0], actions=[Action("step", step)],
                  properties=[always("never-slips", lambda n: n >= 0)])
    found.expect = {"never-slips": "violated"}
    return found
'''


@pytest.fixture
def slow_analysis(tmp_path):
    path = tmp_path / "slow_analysis.py"
    path.write_text(SLOW_ANALYSIS)
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_the_time_limit_bounds_the_analysis_and_it_says_so(slow_analysis):
    started = time.monotonic()
    result = run("explore", slow_analysis, "--time-limit", "1")
    assert time.monotonic() - started < 15
    assert result.exit_code == 0                 # the violation was expected; the analysis changes nothing
    assert "never-slips (always) violated" in result.stdout
    assert "⚑ not computed: limit reached" in result.stdout


def test_max_states_bounds_the_analysis_and_json_says_so(slow_analysis):
    result = run("explore", slow_analysis, "--max-states", "10", "--format", "json")
    assert result.exit_code == 0
    prop = json.loads(result.stdout)["properties"]["never-slips"]
    assert prop["verdict"] == "violated" and len(prop["trace"]) == 1
    assert prop["inevitable_from"] is None and prop["inevitable_not_computed"] == "limit reached"


def test_without_limits_the_analysis_answers_as_before():
    document = json.loads(run("explore", ROOT / "specs" / "consumer-commit-after-process.yaml",
                              "--format", "json").stdout)
    prop = document["properties"]["no-duplicate"]
    assert prop["inevitable_from"] == 7 and "inevitable_not_computed" not in prop
    generous = json.loads(run("explore", ROOT / "specs" / "consumer-commit-after-process.yaml",
                              "--max-states", "100000", "--time-limit", "60", "--format", "json").stdout)
    assert generous["properties"]["no-duplicate"] == prop


def test_ctrl_c_in_the_analysis_keeps_the_verdicts_and_exits_three(slow_analysis):
    process = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "explore", str(slow_analysis),
                                "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT)
    for line in process.stderr:                   # the analysis has started: the search is over
        if "analysis under way" in line:
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 3, err
    prop = json.loads(out)["properties"]["never-slips"]
    assert prop["verdict"] == "violated" and len(prop["trace"]) == 1
    assert prop["inevitable_from"] is None and prop["inevitable_not_computed"] == "interrupted"


@pytest.mark.parametrize("workers", [1, 2])
def test_the_search_stops_at_its_time_limit_however_slow_an_expansion(workers):
    def step(n):
        time.sleep(0.1)
        return [("left", 2 * n + 1), ("right", 2 * n + 2)]

    model = Model(name="slow-steps", initial_states=[0], actions=[Action("step", step)],
                  properties=[always("anything", lambda n: True)])
    started = time.monotonic()
    result = explore(model, time_limit=0.5, workers=workers)
    assert time.monotonic() - started < 5          # checking the clock every 2,048 expansions: 200 s
    assert result.stopped_by == "time_limit"
    assert result.properties["anything"].verdict == "bounded"


def test_the_analysis_statuses():
    model = Model(name="line", initial_states=[0],
                  actions=[Action("step", lambda n: [("slip", -1), ("grow", n + 1)] if 0 <= n < 50 else [])],
                  properties=[always("never-slips", lambda n: n >= 0)])
    trace = explore(model).properties["never-slips"].trace
    assert inevitability(model, trace, "never-slips").status == FOUND        # 50 is a good end
    assert inevitability(model, trace, "never-slips", max_states=10).status == BOUNDED
    assert inevitability(model, trace, "never-slips", run_states=10).status == LIMIT
    assert inevitability(model, trace, "never-slips", run_states=10**6).status == FOUND
    assert inevitability(model, trace, "never-slips", deadline=time.monotonic() - 1).status == LIMIT
    assert inevitability(model, trace, "never-slips", deadline=time.monotonic() + 60).status == FOUND
