"""Checkpoints: a search resumed from any snapshot it wrote ends as a search never stopped.

Every snapshot a run writes (at its intervals, and when a state limit, a depth bound, the clock or Ctrl-C
stops it) is resumed, and the result compared with an uninterrupted search: the same counts, coverage,
verdicts and traces, state by state. The command line is tested too: a run killed with SIGKILL midway
and resumed with `--resume` prints the JSON of a run never killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from modelcheck.engine import WEAK, Action, Checkpoint, CheckpointError, Limits, Model, always, eventually
from modelcheck.engine.bfs import bfs
from modelcheck.engine.checkpoint import identity_of

from conftest import ROOT


def signature(result):
    """Everything a resumed search must reproduce (not the seconds or the memory)."""
    stats = result.stats
    traces = {}
    for name, prop in result.properties.items():
        trace = prop.trace
        traces[name] = (prop.verdict, None if trace is None else
                        (trace.initial, tuple((step.action, step.label, step.state) for step in trace.steps),
                         trace.loop_start))
    return (result.stopped_by, stats.distinct, stats.generated, stats.depth, stats.terminal, stats.queue,
            dict(stats.coverage), traces,
            [w for w in result.warnings if not w.startswith(("resumed", "checkpoint written"))])


def two_phase(load_python_spec, rms=4, symmetry=True):
    model = load_python_spec("two_phase_commit").model(rms, symmetry=symmetry)
    model.properties = list(model.properties) + [always("nobody-commits", lambda s: 2 not in s[0])]
    return model


def countdown_model():
    """Two counters that count down; `eventually` properties need the recorded graph."""
    def tick(which):
        def step(state):
            if state[which] == 0:
                return []
            changed = list(state)
            changed[which] -= 1
            return [(f"tick {which}", tuple(changed))]
        return step

    return Model(name="countdown", initial_states=[(6, 7)],
                 actions=[Action("tick-0", tick(0), fairness=WEAK), Action("tick-1", tick(1), fairness=WEAK)],
                 properties=[eventually("both-zero", lambda s: s == (0, 0)),
                             eventually("first-below-one", lambda s: s[0] < 1),
                             always("never-three-three", lambda s: s != (3, 3))],
                 done=lambda s: s == (0, 0))


def run_capturing(model, tmp_path, limits=Limits(), symmetry=True):
    """Run with a snapshot at every look at the clock; return the result and every snapshot's bytes."""
    path = tmp_path / "search.checkpoint"
    checkpoint = Checkpoint(path, identity=identity_of(model, symmetry=symmetry), interval=0.0)
    written = []
    original = checkpoint.write

    def write(snapshot):
        original(snapshot)
        written.append(path.read_bytes())

    checkpoint.write = write
    result = bfs(model, limits, symmetry=symmetry, checkpoint=checkpoint)
    return result, written


def resumed(model, tmp_path, data, limits=Limits(), symmetry=True):
    path = tmp_path / "resume.checkpoint"
    path.write_bytes(data)
    checkpoint = Checkpoint(path, identity=identity_of(model, symmetry=symmetry), resume=True)
    return bfs(model, limits, symmetry=symmetry, checkpoint=checkpoint)


def sample(items, count=6):
    """At most `count` items spread over the list, the last one always among them."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count - 1)] + [items[-1]]


@pytest.mark.parametrize("symmetry", [True, False])
def test_every_snapshot_of_a_run_resumes_to_the_uninterrupted_result(load_python_spec, tmp_path, symmetry):
    model = two_phase(load_python_spec, symmetry=symmetry)
    direct = bfs(model, symmetry=symmetry)
    result, written = run_capturing(model, tmp_path, symmetry=symmetry)
    assert signature(result) == signature(direct)
    assert len(written) >= 4                         # several mid-search snapshots, and the final one
    for data in sample(written):
        assert signature(resumed(model, tmp_path, data, symmetry=symmetry)) == signature(direct)


@pytest.mark.parametrize("max_states", [1, 7, 60, 150])
def test_a_search_stopped_by_max_states_resumes_to_the_full_result(load_python_spec, tmp_path, max_states):
    model = two_phase(load_python_spec)
    direct = bfs(model)
    stopped, written = run_capturing(model, tmp_path, Limits(max_states=max_states))
    assert stopped.stopped_by == "max_states"
    assert signature(resumed(model, tmp_path, written[-1])) == signature(direct)
    # Resumed with a larger limit it stops there, as a run with that limit does from the start.
    larger = Limits(max_states=max_states * 2)
    assert signature(resumed(model, tmp_path, written[-1], larger)) == signature(bfs(model, larger))


@pytest.mark.parametrize("max_depth", [1, 4, 9])
def test_a_search_stopped_by_max_depth_resumes_with_a_deeper_bound(load_python_spec, tmp_path, max_depth):
    model = two_phase(load_python_spec)
    stopped, written = run_capturing(model, tmp_path, Limits(max_depth=max_depth))
    assert stopped.stopped_by == "max_depth"
    assert signature(resumed(model, tmp_path, written[-1])) == signature(bfs(model))
    deeper = Limits(max_depth=max_depth + 2)
    assert signature(resumed(model, tmp_path, written[-1], deeper)) == signature(bfs(model, deeper))


def test_eventually_properties_resume_with_their_recorded_graph(tmp_path):
    model = countdown_model()
    direct = bfs(model)
    assert direct.verdict("both-zero") == "holds"
    assert direct.verdict("never-three-three") == "violated"
    for limits in (Limits(), Limits(max_states=20), Limits(max_depth=5)):
        _result, written = run_capturing(model, tmp_path, limits)
        for data in sample(written):
            assert signature(resumed(model, tmp_path, data)) == signature(direct)


def slow_model(delay=0.01):
    def step(state):
        time.sleep(delay)
        return [] if state >= 60 else [("up", state + 1), ("jump", min(60, state + 7))]

    return Model(name="slow", initial_states=[0], actions=[Action("step", step)],
                 properties=[always("below-fifty-nine", lambda s: s < 59)])


def test_a_search_stopped_by_the_clock_resumes_where_it_stopped(tmp_path):
    model = slow_model()
    direct = bfs(model)
    stopped, written = run_capturing(model, tmp_path, Limits(time_limit=0.15))
    assert stopped.stopped_by == "time_limit"
    assert 0 < stopped.stats.distinct < direct.stats.distinct
    assert signature(resumed(model, tmp_path, written[-1])) == signature(direct)


@pytest.fixture
def python_sigint():
    """Python's own Ctrl-C handler for the test's duration: a job started in the background of a shell
    without job control inherits SIGINT ignored, and Python then installs no handler of its own."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_stops_at_a_consistent_point_and_the_snapshot_resumes(tmp_path, python_sigint):
    interrupted = []

    def step(state):
        if state == 25 and not interrupted:
            interrupted.append(True)
            os.kill(os.getpid(), signal.SIGINT)       # the handler only notes it; the search stops soon after
        return [] if state >= 60 else [("up", state + 1), ("jump", min(60, state + 7))]

    model = Model(name="interrupted", initial_states=[0], actions=[Action("step", step)],
                  properties=[always("below-fifty-nine", lambda s: s < 59)])
    stopped, written = run_capturing(model, tmp_path)
    assert stopped.stopped_by == "interrupted"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # the handler is put back
    interrupted.append(True)                         # no second interrupt when resumed
    assert signature(resumed(model, tmp_path, written[-1])) == signature(bfs(model))


def test_a_checkpoint_of_another_model_or_configuration_is_refused(load_python_spec, tmp_path):
    model = two_phase(load_python_spec)
    _result, written = run_capturing(model, tmp_path, Limits(max_states=100))
    other = load_python_spec("two_phase_commit").model(3)
    with pytest.raises(CheckpointError, match="another model or configuration.*rms"):
        resumed(other, tmp_path, written[-1])
    with pytest.raises(CheckpointError, match="symmetry"):
        resumed(model, tmp_path, written[-1], symmetry=False)


def test_a_damaged_checkpoint_is_refused_with_its_path(load_python_spec, tmp_path):
    model = two_phase(load_python_spec)
    _result, written = run_capturing(model, tmp_path, Limits(max_states=100))
    with pytest.raises(CheckpointError, match="cannot read the checkpoint .*resume.checkpoint"):
        resumed(model, tmp_path, written[-1][: len(written[-1]) // 2])


def test_without_a_checkpoint_file_the_search_starts_afresh(load_python_spec, tmp_path):
    model = two_phase(load_python_spec)
    checkpoint = Checkpoint(tmp_path / "none" / "x.checkpoint", identity=identity_of(model, symmetry=True),
                            resume=True)
    result = bfs(model, checkpoint=checkpoint)
    assert signature(result) == signature(bfs(model))
    assert (tmp_path / "none" / "x.checkpoint").exists()        # and writes one for next time


# --- the command line -------------------------------------------------------------------------------

def modelcheck(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "modelcheck.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def essentials(document):
    """What a resumed run must print as an uninterrupted one does: counts and verdicts with traces."""
    stats = {key: document["stats"][key] for key in ("distinct", "generated", "depth", "terminal")}
    properties = {name: (prop["verdict"], prop.get("trace")) for name, prop in document["properties"].items()}
    return stats, properties


def test_a_run_killed_with_sigkill_resumes_to_the_uninterrupted_result(tmp_path):
    spec = ["specs/two_phase_commit.py", "--param", "rms=7", "--no-symmetry", "--format", "json", "--quiet"]
    directory = tmp_path / "checkpoints"
    run = modelcheck("explore", *spec, "--checkpoint", str(directory), "--checkpoint-interval", "0.2")
    deadline = time.monotonic() + 60
    written = set()
    while time.monotonic() < deadline and len(written) < 3 and run.poll() is None:
        written |= {(path.name, path.stat().st_mtime_ns) for path in directory.glob("*.checkpoint")}
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before it could be killed: give it a larger model"
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert len(written) >= 3
    kept = tmp_path / "kept"
    shutil.copytree(directory, kept)

    resumed_run = modelcheck("explore", *spec, "--resume", str(directory))
    out, err = resumed_run.communicate(timeout=300)
    assert resumed_run.returncode == 0, err
    assert "resumed from the checkpoint" in out
    assert json.loads(out)["stats"]["distinct"] == 296_448    # TLC's count for TwoPhase with 7 managers
    direct = modelcheck("explore", *spec)
    direct_out, _ = direct.communicate(timeout=300)
    assert essentials(json.loads(out)) == essentials(json.loads(direct_out))

    # A resumed run refuses to mix in another configuration (here: symmetry on).
    other = modelcheck("explore", "specs/two_phase_commit.py", "--param", "rms=7", "--quiet", "--resume", str(kept))
    _out, err = other.communicate(timeout=120)
    assert other.returncode == 2
    assert "another model or configuration" in err


def test_ctrl_c_writes_a_checkpoint_that_resumes_to_the_uninterrupted_result(tmp_path):
    spec = ["specs/two_phase_commit.py", "--param", "rms=7", "--no-symmetry", "--format", "json", "--quiet"]
    directory = tmp_path / "checkpoints"
    run = modelcheck("explore", *spec, "--checkpoint", str(directory), "--checkpoint-interval", "0.2")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(directory.glob("*.checkpoint")) and run.poll() is None:
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 3, err
    stopped = json.loads(out)
    assert stopped["stats"]["stopped_by"] == "interrupted"
    assert any("checkpoint written" in warning for warning in stopped["warnings"])
    resumed_run = modelcheck("explore", *spec, "--resume", str(directory))
    out, err = resumed_run.communicate(timeout=300)
    assert resumed_run.returncode == 0, err
    direct, _ = modelcheck("explore", *spec).communicate(timeout=300)
    assert essentials(json.loads(out)) == essentials(json.loads(direct))


def configurations(document):
    return [essentials(config) for config in document["configs"]]


def test_every_configuration_of_a_sweep_has_its_checkpoint_and_a_changed_setting_is_refused(tmp_path):
    from click.testing import CliRunner
    from modelcheck.cli import main

    spec = "specs/broker-acks-1-failover.yaml"
    directory = str(tmp_path / "checkpoints")
    runner = CliRunner()
    stopped = runner.invoke(main, ["explore", spec, "-q", "--checkpoint", directory, "--max-states", "300"])
    assert stopped.exit_code == 3, stopped.output
    assert len(list((tmp_path / "checkpoints").glob("*.checkpoint"))) == 2      # one per configuration
    resumed_run = runner.invoke(main, ["explore", spec, "-q", "--resume", directory, "--format", "json"])
    direct = runner.invoke(main, ["explore", spec, "-q", "--format", "json"])
    assert resumed_run.exit_code == direct.exit_code
    assert configurations(json.loads(resumed_run.output)) == configurations(json.loads(direct.output))

    changed = runner.invoke(main, ["explore", spec, "-q", "--resume", directory, "--set", "producer.retries=0"])
    assert changed.exit_code == 2
    assert "written for another model or configuration" in changed.output
    assert spec in changed.output


@pytest.mark.parametrize("arguments, message", [
    (["--checkpoint", "c", "--workers", "2"], "one process"),
    (["--checkpoint-interval", "5"], "applies with --checkpoint"),
    (["--checkpoint", "a", "--resume", "b"], "leave out --checkpoint"),
    (["--checkpoint", "c", "--checkpoint-interval", "nan"], "nan"),
])
def test_checkpoint_options_that_make_no_sense_are_refused(tmp_path, arguments, message):
    from click.testing import CliRunner
    from modelcheck.cli import main

    result = CliRunner().invoke(main, ["explore", "specs/two_phase_commit.py", "-q", *arguments])
    assert result.exit_code == 2
    assert message in result.output


def test_a_damaged_checkpoint_file_is_an_error_naming_it_not_a_traceback(tmp_path):
    from click.testing import CliRunner
    from modelcheck.cli import main

    directory = tmp_path / "checkpoints"
    runner = CliRunner()
    first = runner.invoke(main, ["explore", "specs/two_phase_commit.py", "-q", "--checkpoint", str(directory),
                                 "--max-states", "20"])
    assert first.exit_code == 3
    (written,) = directory.glob("*.checkpoint")
    written.write_bytes(b"not a checkpoint")
    again = runner.invoke(main, ["explore", "specs/two_phase_commit.py", "-q", "--resume", str(directory)])
    assert again.exit_code == 2
    assert f"cannot read the checkpoint {written}" in again.output
    assert "Traceback" not in again.output


def test_a_state_limit_reached_in_the_first_expansion_of_a_level_resumes_with_the_states_it_found(tmp_path):
    # The limit falls while the initial state is expanded (after 2 of its 3 successors). The snapshot's
    # part of the next level ([1, 2]) must survive the resume: it used to be dropped, losing 1 and 2.
    model = Model(name="fan", initial_states=[0],
                  actions=[Action("out", lambda n: [(f"to {n + k}", n + k) for k in (1, 2, 3)] if n < 6 else [])],
                  properties=[always("below-six", lambda n: n < 6)])
    direct = bfs(model)
    _stopped, written = run_capturing(model, tmp_path, Limits(max_states=3))
    assert signature(resumed(model, tmp_path, written[-1])) == signature(direct)
