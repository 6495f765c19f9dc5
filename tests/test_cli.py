"""The `modelcheck` command end to end: documents on standard output, exit codes as SPEC-FORMAT.md says."""

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from click.testing import CliRunner

from modelcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_explore_two_phase_json_reports_tlc_counts():
    result = run("explore", SPECS / "two_phase_commit.py", "--param", "rms=5", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["stats"]["distinct"] == 8832
    assert document["stats"]["generated"] == 58146
    assert document["properties"]["TCConsistent"]["verdict"] == "holds"


def test_explore_with_symmetry_parameter_counts_classes():
    result = run("explore", SPECS / "two_phase_commit.py", "--param", "rms=3", "--param", "symmetry=true",
                 "--format", "json")
    assert json.loads(result.stdout)["stats"]["distinct"] == 80


def test_expected_violation_exits_zero_and_shows_the_trace():
    result = run("explore", SPECS / "consumer-commit-after-process.yaml")
    assert result.exit_code == 0
    assert "no-duplicate" in result.stdout and "crashes" in result.stdout
    assert "e1 took effect in the sink 2 times" in result.stdout


def test_set_that_breaks_the_claim_exits_one():
    result = run("explore", SPECS / "consumer-commit-after-process.yaml", "--set", "sink.dedupe=processed-table")
    assert result.exit_code == 1
    assert "UNEXPECTED" in result.stdout


def test_limit_exits_three_and_says_bounded():
    result = run("explore", SPECS / "two_phase_commit.py", "--param", "rms=4", "--max-states", "100")
    assert result.exit_code == 3
    assert "bounded" in result.stdout and "NOT proofs" in result.stdout


def test_json_says_which_limit_stopped_the_search():
    result = run("explore", SPECS / "two_phase_commit.py", "--param", "rms=4", "--max-states", "100",
                 "--format", "json")
    stats = json.loads(result.stdout)["stats"]
    assert result.exit_code == 3
    assert (stats["complete"], stats["stopped_by"], stats["distinct"]) == (False, "max_states", 100)
    assert stats["queue"] > 0 and stats["depth"] > 1


def test_invalid_override_exits_two_with_key_and_no_traceback():
    result = run("explore", SPECS / "consumer-commit-after-process.yaml", "--set", "consumer.commit=afterr-process")
    assert result.exit_code == 2
    assert "consumer.commit" in result.stderr and "after-process" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_spec_file_names_file_line_and_key(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\nconsumer:\n  comit: after-process\n")
    result = run("check", spec)
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr and "line 3" in result.stderr and "consumer.commit" in result.stderr


def test_sweep_prints_a_matrix_row_per_configuration():
    result = run("explore", SPECS / "consumer-commit-after-process.yaml",
                 "--sweep", "consumer.commit=before-process,after-process", "--set", "sink.dedupe=none")
    lines = result.stdout.splitlines()
    assert lines[0].endswith("2 configurations")
    header = next(line for line in lines[:8] if line.startswith("consumer.commit")).split()
    rows = [line.split() for line in lines[:8] if line.startswith(("before-process", "after-process"))]
    assert len(rows) == 2
    assert header[1] == "requests/event" and float(rows[0][1]) > 0   # what the guarantee costs
    assert "VIOLATED" in rows[0][header.index("no-loss")]            # before-process: no-loss violated


def test_check_writes_junit_with_a_case_per_property(tmp_path):
    junit = tmp_path / "junit.xml"
    summary = tmp_path / "summary.md"
    result = run("check", SPECS / "producer-retry-duplicates.yaml", "--junit", junit, "--markdown", summary)
    assert result.exit_code == 0
    tree = ElementTree.parse(junit)
    cases = tree.getroot().iter("testcase")
    assert len(list(cases)) >= 2
    assert "producer-retry-duplicates" in summary.read_text()


def test_graph_of_a_small_model_and_refusal_of_a_large_one():
    result = run("graph", SPECS / "tcommit.py", "--param", "rms=2", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["nodes"]) == 12
    refused = run("graph", SPECS / "two_phase_commit.py", "--param", "rms=5", "--max-states", "100")
    assert refused.exit_code == 2 and "graphs are for small models" in refused.stderr


def test_suggest_backs_each_fix_with_an_exploration():
    result = run("explore", SPECS / "database-plain-insert.yaml", "--suggest", "--format", "json")
    document = json.loads(result.stdout)
    suggestions = document["properties"]["no-duplicate"]["suggestions"]
    assert any("sink.dedupe" in str(s) and "processed-table" in str(s) for s in suggestions)


class FakeTerminal:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_line_on_a_terminal_and_nothing_in_ci(monkeypatch):
    from modelcheck.cli import Progress
    from modelcheck.engine import explore
    from modelcheck.spec import load_python_spec
    model = load_python_spec(SPECS / "two_phase_commit.py", {"rms": "5"})
    for tty, expect_output in ((True, True), (False, False)):
        terminal = FakeTerminal(tty)
        monkeypatch.setattr("sys.stderr", terminal)
        progress = Progress(enabled=True)
        from modelcheck.engine.bfs import bfs
        from modelcheck.engine.limits import Limits
        bfs(model, Limits(), progress=progress, progress_interval=0)
        progress.clear()
        assert ("states/s" in terminal.text) is expect_output
    quiet = FakeTerminal(True)
    monkeypatch.setattr("sys.stderr", quiet)
    progress = Progress(enabled=False)          # --quiet
    explore(model, progress=progress)
    assert quiet.text == ""


def test_specs_lists_the_bundled_specs_with_their_claims():
    result = run("specs", SPECS)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for path in sorted(SPECS.glob("*.yaml")):
        line = next(line for line in lines if line.startswith(str(path)))
        assert "INVALID" not in line and f"{path.stem}: " in line   # its name, then its description
        assert "_8b59970d6a566428" not in line                       # articles by title, not file
    claims = "\n".join(lines)
    assert 'Claim (article 004 ("Pretending to know Kafka"): the producer\'s retry after a lost ack' in claims
    # a Python spec by its docstring's first paragraph, read without running the file
    two_phase = next(line for line in lines if "two_phase_commit.py" in line)
    assert "(Python model) " in two_phase and "two-phase commit" in two_phase.lower()


def test_specs_without_a_directory_lists_the_bundled_ones_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                 # no specs/ here: the bundled ones are found by the package
    result = run("specs")
    assert result.exit_code == 0
    listed = sorted(line.split("  ")[0] for line in result.stdout.splitlines())
    assert listed == sorted(str(path) for path in SPECS.iterdir() if path.suffix in (".yaml", ".py"))


def test_specs_path_prints_the_bundled_directory_for_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("specs", "--path")
    assert result.exit_code == 0 and result.stdout == f"{SPECS}\n"
    assert run("check", SPECS / "producer-acks-lost-request.yaml", "--quiet").exit_code == 0
    refused = run("specs", "--path", SPECS)
    assert refused.exit_code == 2 and "give it no DIRECTORY" in refused.stderr


def test_specs_says_so_when_the_bundled_specs_are_missing(tmp_path, monkeypatch):
    monkeypatch.setattr("modelcheck.spec.bundled.LINK", tmp_path / "specs")   # a checkout without symbolic links
    (tmp_path / "specs").write_text("../specs")
    for args in (["specs"], ["specs", "--path"]):
        result = run(*args)
        assert result.exit_code == 2 and "the bundled specs are missing" in result.stderr, args
        assert "Install modelcheck" in result.stderr


def test_specs_into_a_closed_pipe_ends_quietly():
    import subprocess
    import sys
    process = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "specs"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()                      # as `modelcheck specs | head -1` does once it has its line
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""


def test_a_setting_the_model_cannot_honour_yet_is_refused_with_its_line(tmp_path):
    spec = tmp_path / "zombie.yaml"
    spec.write_text("name: zombie\nproducer:\n  instances: 2\nfaults:\n  producer.pause: 1\n")
    result = run("explore", spec)
    assert result.exit_code == 2
    assert "faults.producer.pause" in result.stderr and "line 5" in result.stderr
    assert "not modelled yet" in result.stderr


def test_ctrl_c_keeps_what_was_found_and_exits_three():
    import signal
    import subprocess
    import sys
    import time
    # The child gets Python's own SIGINT handling back: started from a shell's background job, pytest
    # inherits SIGINT ignored, and so would the command.
    process = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "explore", str(SPECS / "two_phase_commit.py"),
                                "--param", "rms=8", "--format", "json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler))
    time.sleep(2.5)
    process.send_signal(signal.SIGINT)
    out, _err = process.communicate(timeout=120)
    assert process.returncode == 3
    document = json.loads(out)
    assert 0 < document["stats"]["distinct"] < 1_745_408          # stopped part way, what was found kept
    assert document["properties"]["TCConsistent"]["verdict"] == "bounded"
    assert (document["stats"]["complete"], document["stats"]["stopped_by"]) == (False, "interrupted")


def test_version_says_which_kafka_the_model_follows():
    result = run("--version")
    assert result.exit_code == 0
    assert "Kafka model: Apache Kafka 3.6 brokers" in result.output and "KAFKA-15583" in result.output



def test_max_memory_bounds_the_search_and_says_so():
    args = ("explore", SPECS / "transaction-coordinator-failover.yaml", "--max-memory", "1")
    result = run(*args)
    assert result.exit_code == 3 and "stopped by the memory limit (max_memory)" in result.stdout
    document = json.loads(run(*args, "--format", "json").stdout)
    assert document["stats"]["stopped_by"] == "max_memory"
    verdicts = {name: prop["verdict"] for name, prop in document["properties"].items()}
    assert {verdicts[name] for name in ("no-loss", "no-duplicate", "progress", "transaction-atomicity")} == {"bounded"}
    assert "cost" not in document          # the cost's own search is bounded by the same limit
    assert run("explore", SPECS / "consumer-commit-after-process.yaml", "--max-memory", "0").exit_code == 2


def test_shards_check_every_configuration_once_between_them():
    specs = [SPECS / "consumer-auto-commit.yaml", SPECS / "producer-retry-duplicates.yaml",
             SPECS / "broker-acks-1-failover.yaml"]               # 1 + 2 + 2 configurations
    def configurations(text: str) -> list:
        found = json.loads(text)
        found = found if isinstance(found, list) else [found]      # one outcome is printed as an object
        return [(item["spec"], json.dumps(each["config"], sort_keys=True))          # a sweep groups its own
                for item in found for each in item.get("configs", [item])]

    every = configurations(run("check", *specs, "--format", "json", "--quiet").stdout)
    assert len(every) == 5
    seen = []
    for number in (1, 2, 3):
        result = run("check", *specs, "--format", "json", "--quiet", "--shard", f"{number}/3")
        assert result.exit_code == 0, result.output
        shard = configurations(result.stdout)
        assert shard == every[number - 1::3]                     # dealt in turn, in order
        assert f"shard {number}/3: {len(shard)} of 5 configurations" in result.stderr
        seen.extend(shard)
    assert sorted(seen) == sorted(every)
    for bad in ("0/3", "4/3", "2", "a/b"):
        refused = run("check", specs[0], "--shard", bad)
        assert refused.exit_code == 2 and "give K/N with 1 <= K <= N" in refused.stderr, bad
