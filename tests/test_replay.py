"""Trace files and `modelcheck replay`: a saved counterexample reproduces (exit 0), stops reproducing when
the spec changes (exit 1, naming the step), and a damaged file is invalid input (exit 2)."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.report.trace_file import FORMAT, VERSION

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
BEFORE_PROCESS = SPECS / "consumer-commit-before-process.yaml"   # no-loss (at_end) violated in 13 steps
PLAIN_INSERT = SPECS / "database-plain-insert.yaml"              # no-duplicate (always) violated in 10 steps


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def save(spec, directory, *options) -> list[Path]:
    result = run("explore", spec, "--quiet", "--save-traces", directory, *options)
    assert result.exit_code == 0, result.output
    return sorted(Path(directory).glob("*.json"))


def edited(path: Path, change) -> Path:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def test_yaml_counterexamples_are_saved_one_file_each_and_reproduce(tmp_path):
    files = save(BEFORE_PROCESS, tmp_path, "--counterexamples", "2")
    assert [f.name for f in files] == ["consumer-commit-before-process--no-loss--1.json",
                                       "consumer-commit-before-process--no-loss--2.json"]
    data = json.loads(files[0].read_text())
    assert (data["format"], data["version"]) == (FORMAT, VERSION)
    assert data["property"] == {"name": "no-loss", "kind": "at_end"}
    assert len(data["steps"]) == 13 and data["steps"][0] == {"successor": 0, "label": "app sends e1"}
    assert (tmp_path / data["spec"]).resolve() == BEFORE_PROCESS
    assert len(json.loads(files[1].read_text())["steps"]) > 13
    result = run("replay", *files)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("reproduces: no-loss (at_end) is violated after step") == 2


def test_a_set_that_fixes_the_spec_stops_the_replay_at_the_step_that_diverged(tmp_path):
    [first] = save(BEFORE_PROCESS, tmp_path)
    result = run("replay", first, "--set", "consumer.commit=after-process")
    assert result.exit_code == 1
    assert "does not reproduce: diverged at step 11 (consumer[0] commits offset 2 of p0)" in result.stdout
    assert "it offers: consumer[0] inserts row e1" in result.stdout


def test_an_edited_copy_of_the_spec_no_longer_reproduces(tmp_path):
    spec = tmp_path / "spec.yaml"
    shutil.copy(PLAIN_INSERT, spec)
    [trace] = save(spec, tmp_path / "traces")
    assert run("replay", trace).exit_code == 0
    text = spec.read_text()
    assert "consumer.crash: 1" in text
    spec.write_text(text.replace("consumer.crash: 1", "consumer.crash: 0"))
    result = run("replay", trace)
    assert result.exit_code == 1
    assert "diverged at step" in result.stdout and "crashes" in result.stdout


def test_replay_against_another_spec_file(tmp_path):
    [trace] = save(BEFORE_PROCESS, tmp_path / "traces")
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(BEFORE_PROCESS.read_text().replace("commit: before-process", "commit: after-process"))
    assert run("replay", trace, "--spec", fixed).exit_code == 1
    assert run("replay", trace, "--spec", BEFORE_PROCESS).exit_code == 0


def test_python_spec_with_a_parameter_reproduces_and_stops_when_the_parameter_fixes_it(tmp_path):
    [trace] = save(SPECS / "two_phase_actors.py", tmp_path, "--param", "log_decision=false")
    assert json.loads(trace.read_text())["configuration"]["params"] == [["log_decision", "false"]]
    result = run("replay", trace)
    assert result.exit_code == 0
    assert "reproduces: consistent (always) is violated after step 13" in result.stdout
    result = run("replay", trace, "--param", "log_decision=true")
    assert result.exit_code == 1
    assert "diverged at step 8 (TM recovers with no decision in its log and starts the vote again)" in result.stdout


def test_a_sweep_point_is_kept_and_named_in_kafka_spelling(tmp_path):
    files = save(SPECS / "producer-retry-duplicates.yaml", tmp_path)
    assert [f.name for f in files] == [
        "producer-retry-duplicates--no-duplicate--producer.enable.idempotence=false--1.json",
        "producer-retry-duplicates--no-log-duplicate--producer.enable.idempotence=false--1.json"]
    assert json.loads(files[0].read_text())["configuration"]["point"] == {"producer.enable.idempotence": False}
    assert run("replay", *files).exit_code == 0
    edited(files[0], lambda data: data["configuration"]["point"].update({"producer.acks": "1"}))
    result = run("replay", files[0])
    assert result.exit_code == 1
    assert "the spec has no configuration producer.enable.idempotence=false, producer.acks=1" in result.stdout


def test_a_reordered_step_is_found_by_its_label(tmp_path):
    [trace] = save(BEFORE_PROCESS, tmp_path)
    edited(trace, lambda data: data["steps"][0].update({"successor": 5}))
    assert run("replay", trace).exit_code == 0


def test_steps_that_replay_without_reaching_the_violation_do_not_reproduce(tmp_path):
    [always] = save(PLAIN_INSERT, tmp_path / "always")
    edited(always, lambda data: data["steps"].pop())
    result = run("replay", always)
    assert result.exit_code == 1
    assert "the 9 steps replay, but no-duplicate (always) is no longer violated after step 9" in result.stdout
    [at_end] = save(BEFORE_PROCESS, tmp_path / "at_end")
    edited(at_end, lambda data: data["steps"].pop())
    result = run("replay", at_end)
    assert result.exit_code == 1
    assert "the 12 steps replay, but the run no longer ends after step 12" in result.stdout


def test_a_damaged_trace_file_is_invalid_input_naming_file_and_key(tmp_path):
    [trace] = save(BEFORE_PROCESS, tmp_path)
    original = trace.read_text()
    cases = [
        (lambda data: data.pop("steps"), "steps: missing"),
        (lambda data: data.update(version=7), "version: version 7 is not one this modelcheck reads"),
        (lambda data: data.update(format="other"), "format: must be 'modelcheck-trace'"),
        (lambda data: data["steps"][2].update(successor="two"), "steps[2].successor: must be an integer, not str"),
        (lambda data: data["property"].update(kind="sometimes"), "property.kind: 'sometimes' is not one of"),
        (lambda data: data.update(loop_start=2), "loop_start: only a temporal counterexample has a cycle"),
        (lambda data: data["configuration"].update(params=[["x"]]), "configuration.params[0]: must be [name, value]"),
        (lambda data: data.update(spec="gone.yaml"), "spec: the spec"),
    ]
    for change, message in cases:
        trace.write_text(original)
        edited(trace, change)
        result = run("replay", trace)
        assert result.exit_code == 2, message
        assert message in result.stderr and str(trace) in result.stderr
    trace.write_text(original[:40])
    result = run("replay", trace)
    assert result.exit_code == 2
    assert "not a JSON document" in result.stderr and str(trace) in result.stderr and "line" in result.stderr
    trace.write_bytes(b"\xff\xfe")
    result = run("replay", trace)
    assert result.exit_code == 2
    assert "not UTF-8 text" in result.stderr and str(trace) in result.stderr


def test_temporal_counterexamples_are_saved_with_their_cycle_and_replayed_whole(tmp_path):
    """With weak allocation, simple_allocator's violations are temporal (leads_to, always_eventually),
    lassos: saved with where their cycle starts, they reproduce; under strong allocation (the spec's
    own fairness) the same behaviours are no longer fair, and the replay says so."""
    allocator = SPECS / "simple_allocator.py"
    result = run("explore", allocator, "--param", "allocate=weak", "--param", "clients=2",
                 "--quiet", "--save-traces", tmp_path)
    assert result.exit_code == 0
    assert "ClientsWillObtain  leads_to           violated" in result.stdout
    traces = sorted(tmp_path.glob("*.json"))
    assert [trace.name for trace in traces] == ["simple_allocator--ClientsWillObtain--1.json",
                                                "simple_allocator--InfOftenSatisfied--1.json"]
    for trace in traces:
        data = json.loads(trace.read_text())
        assert data["property"]["kind"] in ("leads_to", "always_eventually")
        assert data["loop_start"] is None or 0 <= data["loop_start"] < len(data["steps"])
    replayed = run("replay", *traces)
    assert replayed.exit_code == 0, replayed.output
    assert replayed.stdout.count(": reproduces: ") == 2
    fixed = run("replay", *traces, "--param", "allocate=strong")
    assert fixed.exit_code == 1
    assert fixed.stdout.count("is no longer violated by this behaviour: the behaviour is not fair") == 2
    assert "is strongly fair" in fixed.stdout


def test_a_cycle_that_does_not_come_back_does_not_reproduce(tmp_path):
    run("explore", SPECS / "simple_allocator.py", "--param", "allocate=weak", "--param", "clients=2",
        "--quiet", "--save-traces", tmp_path)
    trace = next(trace for trace in sorted(tmp_path.glob("*.json"))
                 if json.loads(trace.read_text())["loop_start"] is not None)
    data = json.loads(trace.read_text())
    data["steps"] = data["steps"][:-1]                        # the last step closed the cycle
    data["loop_start"] = min(data["loop_start"], len(data["steps"]) - 1)
    trace.write_text(json.dumps(data))
    result = run("replay", trace)
    assert result.exit_code == 1
    assert "there is no cycle" in result.stdout


def test_check_saves_the_traces_of_every_spec_it_runs(tmp_path):
    result = run("check", BEFORE_PROCESS, PLAIN_INSERT, "--quiet", "--save-traces", tmp_path / "traces")
    assert result.exit_code == 0
    assert sorted(f.name for f in (tmp_path / "traces").glob("*.json")) == [
        "consumer-commit-before-process--no-loss--1.json", "database-plain-insert--no-duplicate--1.json"]
    assert "wrote 2 trace files" in result.stderr


def test_a_step_the_model_does_not_compute_again_is_a_nondeterminism_error():
    from modelcheck.engine import Action, Model
    from modelcheck.engine.result import Trace, TraceStep
    from modelcheck.errors import NondeterminismError
    from modelcheck.report.trace_file import trace_document
    model = Model(name="counter", initial_states=[0], actions=[Action("up", lambda n: [(f"to {n + 1}", n + 1)])])
    recorded = Trace(0, (TraceStep("up", "to 1", 1), TraceStep("up", "to 5", 5)))
    with pytest.raises(NondeterminismError, match=r"step 2 \(to 5\)"):
        trace_document(recorded, model, spec="spec.py", directory=".", prop="small", kind="always")
