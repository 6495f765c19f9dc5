"""`check --ray` and `explore --ray` against a Ray cluster of two nodes that this module starts on this
machine and stops: the same outcomes as a local run, in the same order (a sweep, a shard); Ctrl-C; the
errors (a spec failing on a node, Ray missing, no cluster at the address, a node with other code). With
`--ray-partitions`, one search over actors on both nodes: the one-process fingerprint search's counts,
verdicts and traces, a limit, the fallback for temporal properties and the refusals."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.errors import ModelcheckError
from modelcheck.ray_runner import Task, check_configuration, code_digest
from modelcheck.runner import RunOptions, load_models
from modelcheck.spec.python_spec import module_name
from test_cli import FakeTerminal

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
TIMING = {"seconds", "states_per_second", "peak_memory_bytes"}    # what differs from one run to the next


@pytest.fixture(scope="module")
def cluster():
    """A head node and a second node, one CPU each (the Ray processes end with the fixture)."""
    from ray.cluster_utils import Cluster
    small = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
    nodes = Cluster(initialize_head=True, connect=False, head_node_args={**small, "include_dashboard": False})
    try:
        nodes.add_node(**small)
        nodes.wait_for_nodes()
        yield nodes.address
    finally:
        nodes.shutdown()


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def modelcheck(*args, **popen):
    """The command in a process of its own (a Ray driver is a process: it joins and leaves the cluster)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "modelcheck.cli", *map(str, args)], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def without_timing(document):
    if isinstance(document, dict):
        return {key: without_timing(value) for key, value in document.items() if key not in TIMING}
    if isinstance(document, list):
        return [without_timing(value) for value in document]
    return document


def test_check_on_ray_gives_the_local_outcomes_in_order(cluster):
    specs = [SPECS / "producer-retry-duplicates.yaml",    # a sweep (two configurations), a violation's trace
             SPECS / "two_phase_actors.py",               # a Python spec: its states' classes travel back
             SPECS / "consumer-commit-after-process.yaml"]
    local = run("check", *specs, "--format", "json", "--quiet")
    process = modelcheck("check", *specs, "--format", "json", "--ray", cluster)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == local.exit_code == 0, stderr
    assert f"joined the cluster at {cluster} (2 CPUs)" in stderr
    on_ray, here = json.loads(stdout), json.loads(local.stdout)
    assert without_timing(on_ray) == without_timing(here)        # verdicts, counts, traces, order
    assert [item["spec"] for item in on_ray] == [str(spec) for spec in specs]
    traces = [prop["trace"] for item in on_ray for each in item.get("configs", [item])
              for prop in each["properties"].values() if prop.get("trace")]
    assert traces                                                # the comparison covers traces


def test_explore_on_ray_runs_a_command_line_sweep(cluster):
    arguments = ("explore", SPECS / "broker-acks-1-failover.yaml", "--sweep", "producer.acks=1,all",
                 "--format", "json")
    local = run(*arguments)
    process = modelcheck(*arguments, "--ray", cluster, "--quiet")
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == local.exit_code, stderr
    assert without_timing(json.loads(stdout)) == without_timing(json.loads(local.stdout))
    assert len(json.loads(stdout)["configs"]) == 2


def test_a_shard_on_ray_is_the_same_shard_as_a_local_run(cluster):
    specs = [SPECS / "producer-retry-duplicates.yaml", SPECS / "broker-acks-1-failover.yaml"]   # 2 + 2
    local = run("check", *specs, "--shard", "2/3", "--format", "json", "--quiet")
    process = modelcheck("check", *specs, "--shard", "2/3", "--format", "json", "--ray", cluster)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == local.exit_code == 0, stderr
    assert "shard 2/3: 1 of 4 configurations" in stderr
    assert without_timing(json.loads(stdout)) == without_timing(json.loads(local.stdout))


BROKEN = """
from modelcheck.engine import Model, Action, always

MODELCHECK_SPEC = True


def step(n):
    if n == 2:
        raise ValueError("two is too many")
    return [(f"to {n + 1}", n + 1)]


def model():
    return Model(name="broken", initial_states=[0], actions=[Action("inc", step)],
                 properties=[always("small", lambda n: n < 5)])
"""


def test_a_spec_failing_on_a_node_is_the_error_of_a_local_run(cluster, tmp_path):
    spec = tmp_path / "broken.py"
    spec.write_text(BROKEN)
    local = run("check", spec)
    process = modelcheck("check", spec, "--ray", cluster)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == local.exit_code == 2
    message = f"raised ValueError: two is too many at {spec} line 9, on the state 2"   # the file's own line
    assert message in local.stderr and message in stderr and "Traceback" not in stderr


def test_ctrl_c_keeps_what_came_back_and_reports_the_rest_interrupted(cluster):
    # tcommit is done in a second; two_phase_commit at rms=9 would take minutes.
    process = modelcheck("check", SPECS / "tcommit.py", SPECS / "two_phase_commit.py", "--param", "rms=9",
                         "--format", "json", "--ray", cluster,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _finished_one(process):
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 3, stderr
    assert "1 of 2 configurations reported as interrupted" in stderr
    done, cut = json.loads(stdout)
    assert done["stats"]["stopped_by"] is None and done["stats"]["distinct"] == 20194
    assert cut["stats"]["stopped_by"] == "interrupted" and cut["stats"]["distinct"] == 0
    assert {prop["verdict"] for prop in cut["properties"].values()} == {"bounded"}


def _finished_one(process) -> bool:
    """Whether the run has joined the cluster and given tcommit time to finish (its progress line is shown
    only on a terminal, so time stands in for it)."""
    if not hasattr(process, "joined"):
        line = process.stderr.readline()
        if "joined the cluster" not in line:
            return False
        process.joined = time.monotonic()
    return time.monotonic() - process.joined > 10


def test_without_ray_installed_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)                # `import ray` raises ImportError
    result = run("check", SPECS / "tcommit.py", "--ray", "auto")
    assert result.exit_code == 2
    assert "pip install 'modelcheck[ray]'" in result.stderr and "Traceback" not in result.output


def test_bad_addresses_and_options_are_refused(tmp_path):
    for address, message in (("127.0.0.1:1", "no Ray cluster answers there"), ("nowhere", "give HOST:PORT")):
        result = run("check", SPECS / "tcommit.py", "--ray", address)
        assert result.exit_code == 2 and message in result.stderr, result.output
    result = run("check", SPECS / "tcommit.py", "--ray", "auto", "--checkpoint", tmp_path)
    assert result.exit_code == 2 and "leave them out with --ray" in result.output
    result = run("check", SPECS / "tcommit.py", "--ray", "auto", "--workers", "0")
    assert result.exit_code == 2 and "--workers 0" in result.output


def test_a_task_needs_the_spec_text_not_the_file():
    path = SPECS / "two_phase_actors.py"
    task = Task("elsewhere/two_phase_actors.py", path.read_text(), module_name(path), 0, RunOptions(),
                code_digest())
    outcome = check_configuration(task)
    assert outcome.model is None and outcome.spec_path == "elsewhere/two_phase_actors.py"
    assert outcome.result.stats.distinct == 5802 and outcome.name == next(load_models(path)).name
    witness = outcome.result.properties["commits"].trace      # its states hold the spec's own classes
    assert type(witness.last.actors[0].durable).__module__ == module_name(path)


def test_a_node_with_other_code_refuses_the_task():
    path = SPECS / "tcommit.py"
    task = Task(str(path), path.read_text(), module_name(path), 0, RunOptions(), "another digest")
    with pytest.raises(ModelcheckError, match="runs another modelcheck"):
        check_configuration(task)


def test_progress_counts_the_configurations_back_on_a_terminal_only(monkeypatch):
    from modelcheck.cli import Progress
    for tty, quiet, shown in ((True, False, True), (False, False, False), (True, True, False)):
        terminal = FakeTerminal(tty)
        monkeypatch.setattr("sys.stderr", terminal)
        progress = Progress(not quiet)
        progress.tasks(3, 75)
        assert ("ray: 3/75 configurations checked" in terminal.text) is shown
        progress.clear()
        assert terminal.text.endswith("\r") or not shown


# --- one configuration's search over Ray actors (--ray-partitions, ray_partitions) ---------------------

PARTITIONED = [SPECS / "producer-retry-duplicates.yaml",    # a sweep; violations, with their traces
               SPECS / "broker-acks-1-failover.yaml",
               SPECS / "two_phase_actors.py"]               # a Python spec: its states' classes travel


def test_a_search_over_two_actors_gives_the_one_process_counts_verdicts_and_traces(cluster, tmp_path):
    local = run("check", *PARTITIONED, "--seen-set", "fingerprint", "--format", "json", "--quiet")
    process = modelcheck("check", *PARTITIONED, "--format", "json", "--ray", cluster, "--ray-partitions", 2,
                         "--save-traces", tmp_path)
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == local.exit_code == 0, stderr
    on_ray, here = json.loads(stdout), json.loads(local.stdout)
    assert without_timing(on_ray) == without_timing(here)        # counts, verdicts, the very traces, order
    violated = [prop for item in on_ray for each in item.get("configs", [item])
                for prop in each["properties"].values() if prop["verdict"] == "violated"]
    assert len(violated) >= 3 and all(prop["trace"] for prop in violated)
    saved = sorted(tmp_path.glob("*.json"))
    assert len(saved) == len(violated)
    replayed = run("replay", *saved)                              # each reproduces its violation
    assert replayed.exit_code == 0, replayed.output
    assert replayed.output.count("reproduces") == len(saved)


def test_a_limit_stops_the_search_over_actors_as_bounded(cluster):
    process = modelcheck("explore", SPECS / "two_phase_commit.py", "--param", "rms=6", "--max-states", 3000,
                         "--format", "json", "--ray", cluster, "--ray-partitions", 2, "--quiet")
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 3, stderr
    found = json.loads(stdout)
    assert found["stats"]["stopped_by"] == "max_states" and 3000 <= found["stats"]["distinct"] < 50816
    assert found["properties"]["TCConsistent"]["verdict"] == "bounded"          # never "holds"
    process = modelcheck("explore", SPECS / "two_phase_commit.py", "--param", "rms=9", "--time-limit", 3,
                         "--format", "json", "--ray", cluster, "--ray-partitions", 2, "--quiet")
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 3, stderr
    found = json.loads(stdout)                     # seconds_left reached the actors on the other node
    assert found["stats"]["stopped_by"] == "time_limit" and 0 < found["stats"]["distinct"] < 10_340_352
    assert found["stats"]["seconds"] < 15


def test_ctrl_c_ends_a_search_over_actors_with_what_the_levels_before_found(cluster):
    process = modelcheck("explore", SPECS / "two_phase_commit.py", "--param", "rms=9", "--format", "json",
                         "--ray", cluster, "--ray-partitions", 2, "--quiet",
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert "joined the cluster" in process.stderr.readline()
    time.sleep(6)                                  # the actors started, a few levels searched of 10 million states
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 3, stderr
    found = json.loads(stdout)
    assert found["stats"]["stopped_by"] == "interrupted" and 0 < found["stats"]["distinct"] < 10_340_352
    assert found["properties"]["TCConsistent"]["verdict"] == "bounded"


def test_temporal_properties_are_searched_on_this_machine_and_say_so(cluster):
    process = modelcheck("explore", SPECS / "simple_allocator.py", "--format", "json", "--ray", cluster,
                         "--ray-partitions", 2, "--quiet")
    stdout, stderr = process.communicate(timeout=120)
    local = run("explore", SPECS / "simple_allocator.py", "--format", "json", "--quiet")
    assert process.returncode == local.exit_code, stderr
    found = json.loads(stdout)
    assert found["warnings"][0].startswith("searched on this machine by one process, not over 2 Ray partitions")
    assert found["stats"]["distinct"] == json.loads(local.stdout)["stats"]["distinct"]


def test_more_partitions_than_the_cluster_has_cpus_is_refused(cluster):
    process = modelcheck("explore", SPECS / "tcommit.py", "--ray", cluster, "--ray-partitions", 3, "--quiet")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "--ray-partitions 3: the cluster has 2 CPUs" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("options, message", [
    ((), "give the cluster too, with --ray auto"),
    (("--ray", "auto", "--workers", "2"), "--ray-partitions searches without --workers"),
    (("--ray", "auto", "--counterexamples", "2"), "--ray-partitions searches without --counterexamples"),
    (("--ray", "auto", "--reduction", "por"), "--ray-partitions searches without --reduction por")])
def test_what_partitions_leave_out_is_refused_on_the_command_line(options, message):
    result = run("explore", SPECS / "tcommit.py", "--ray-partitions", 2, *options)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_partition_rebuilds_its_model_from_the_text_and_refuses_other_code():
    from modelcheck.ray_partitions import PartitionOnNode
    path = SPECS / "two_phase_actors.py"
    task = Task("elsewhere/two_phase_actors.py", path.read_text(), module_name(path), 0, RunOptions(), code_digest())
    partition = PartitionOnNode(task, 1, 2)
    assert partition.model.name == next(load_models(path)).name and (partition.index, partition.count) == (1, 2)
    elsewhere = PartitionOnNode(Task(str(path), path.read_text(), module_name(path), 0, RunOptions(), "another digest"),
                                0, 2)
    with pytest.raises(ModelcheckError, match="runs another modelcheck"):
        elsewhere.node()                           # the first call: the error itself, not "the actor died"
