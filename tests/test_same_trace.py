"""The same counterexample (and witness) whatever the number of workers, the run and the hash seed.

Oracle: the one-process search, which takes, per property, the first state in breadth-first order and
the path by which it was first reached. The parallel search must give exactly that trace: same states,
same actions, same labels. Checked on every bundled spec, in this process and in processes with other
`PYTHONHASHSEED`s (which deal the states out to the workers differently), and on random transition
systems whose states are strings, with random partition keys and random moves of buckets.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.engine import always, at_end, explore, sometimes
from modelcheck.report.explain import show_value
from modelcheck.runner import RunOptions, load_models

from conftest import transition_system

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted(path for path in (ROOT / "specs").iterdir() if path.suffix in (".yaml", ".py"))


def traces(result) -> dict:
    """Per property: the verdict and the trace as text (stable across processes and hash seeds)."""
    out = {}
    for name, prop in sorted(result.properties.items()):
        trace = prop.trace
        out[name] = [prop.verdict, None if trace is None else
                     [show_value(trace.initial)] + [[step.action, str(step.label), show_value(step.state)]
                                                    for step in trace.steps]]
    return out


def bundled_traces(*workers: int) -> list[dict]:
    """Per number of workers, the traces of every bundled configuration (each model loaded once)."""
    found = [{} for _ in workers]
    for path in SPECS:
        for job in load_models(path, RunOptions()):
            for count, traced in zip(workers, found):
                traced[f"{path.name} {job.model.name}"] = traces(explore(job.model, workers=count))
    return found


_SCRIPT = ("import json, sys; sys.path.insert(0, sys.argv[2]); from test_same_trace import bundled_traces; "
           "print(json.dumps(bundled_traces(int(sys.argv[1]))[0]))")


def test_every_bundled_spec_gives_the_same_traces_on_one_and_two_workers_whatever_the_hash_seed():
    """Two runs on two workers: here (the hash seed pytest got) and in a process with another seed."""
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    other = subprocess.Popen([sys.executable, "-c", _SCRIPT, "2", str(Path(__file__).parent)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed})
    one, two = bundled_traces(1, 2)
    assert sum(1 for spec in one.values() for verdict, _trace in spec.values() if verdict == "violated") > 20
    assert two == one
    out, _err = other.communicate(timeout=120)
    assert other.returncode == 0
    assert json.loads(out) == one, f"PYTHONHASHSEED={seed}"


@st.composite
def string_systems(draw):
    """A random transition system over states "s0".."sN" (strings, whose hash changes with the seed),
    with duplicate edges and initial states, and the properties to trace."""
    size = draw(st.integers(2, 40))
    node = st.integers(0, size - 1)
    edges = draw(st.lists(st.tuples(node, st.sampled_from("abc"), node), min_size=size, max_size=4 * size))
    initial = draw(st.lists(node, min_size=1, max_size=3))
    name = "s{}".format
    bad = {name(n) for n in draw(st.sets(node, max_size=size // 2))}
    goal = {name(n) for n in draw(st.sets(node, max_size=size // 2))}
    properties = [always("avoid", lambda s: s not in bad), at_end("ends well", lambda s: s in goal),
                  sometimes("reach", lambda s: s in goal)]
    return transition_system([name(n) for n in initial],
                             [(name(a), label, name(b)) for a, label, b in edges], properties=properties)


@settings(max_examples=30, deadline=None)
@given(string_systems(), st.integers(2, 3), st.integers(0, 2**32 - 1))
def test_random_systems_same_traces_with_any_partition_and_moves(system, workers, seed):
    from modelcheck.engine import parallel

    one = traces(explore(system, workers=1))
    assert traces(explore(system, workers=workers)) == one
    chooser = random.Random(seed)
    salt = chooser.random()
    keyed = replace(system, partition=lambda state: hash((salt, state)) % 5)

    def random_moves(reports):
        return [(bucket, giver, chooser.choice([w for w in range(len(reports)) if w != giver]))
                for giver, report in enumerate(reports) for bucket in report["buckets"]
                if chooser.random() < 0.5]

    rebalance = parallel._rebalance
    parallel._rebalance = random_moves
    try:
        assert traces(explore(keyed, workers=workers)) == one
    finally:
        parallel._rebalance = rebalance


def test_deep_violations_same_traces_with_the_buckets_really_moving(load_python_spec, monkeypatch):
    """TwoPhase (rms=6) with its partition key and its own moves of buckets between large levels, and
    two invariants broken late (19 steps) and early (5 steps)."""
    from modelcheck.engine import parallel

    two_phase = load_python_spec("two_phase_commit")
    moves = []
    rebalance = parallel._rebalance

    def recorded(reports):
        chosen = rebalance(reports)
        moves.extend(chosen)
        return chosen

    monkeypatch.setattr(parallel, "_rebalance", recorded)
    model = two_phase.model(6)
    model = replace(model, properties=list(model.properties) + [
        always("not all committed", lambda state: set(state[0]) != {two_phase.COMMITTED}),
        always("few messages", lambda state: bin(state[3]).count("1") < 5)])
    one = traces(explore(model, workers=1))
    assert [len(one[name][1]) - 1 for name in ("not all committed", "few messages")] == [19, 5]
    for workers in (2, 3):
        del moves[:]
        assert traces(explore(model, workers=workers)) == one
        assert moves
