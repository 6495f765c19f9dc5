"""No traceback for any input: every user error exits 2 naming file, line and key; a bug of ours exits 4.

Each test feeds the command line one input that once escaped as a Python exception (or passed silently).
"""

from __future__ import annotations

import json
import operator
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
SPEC = SPECS / "consumer-commit-after-process.yaml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_refused(result, *words):
    """Exit code 2, every word in the message, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_yaml_tag_in_set_is_a_spec_error():
    assert_refused(run("explore", SPEC, "--set", "workload.messages=!!int x"),
                   "--set workload.messages", "cannot be read as !!int")


def test_a_yaml_tag_in_a_file_names_file_line_and_key(tmp_path):
    spec = tmp_path / "tagged.yaml"
    spec.write_text("name: t\ncluster:\n  brokers: !!int abc\n")
    assert_refused(run("check", spec), "tagged.yaml line 3", "cluster.brokers")


def test_a_refused_swept_value_names_the_line_of_the_sweep(tmp_path):
    spec = tmp_path / "swept.yaml"
    spec.write_text("name: t\nproducer:\n  source: outbox\nsweep:\n  faults.producer.pause: [0, 1]\n")
    assert_refused(run("check", spec), "swept.yaml line 5", "faults.producer.pause", "not modelled yet")


def test_a_huge_number_is_refused_before_a_model_is_built():
    assert_refused(run("explore", SPEC, "--set", "cluster.brokers=1000000000"),
                   "cluster.brokers", "must be at most 16")


@pytest.mark.parametrize("seconds, words", [
    ("nan", "finite number above 0, not nan"), ("inf", "finite number above 0, not inf"),
    ("-1", "must be above 0"), ("soon", "not a number of seconds"),
])
def test_a_time_limit_must_be_finite_and_positive(seconds, words):
    assert_refused(run("explore", SPEC, "--time-limit", seconds), "--time-limit", words)


def test_workers_have_an_upper_bound():
    assert_refused(run("explore", SPEC, "--workers", "1000000"), "--workers")


def test_a_whole_number_parameter_refuses_a_fraction():
    assert_refused(run("explore", SPECS / "two_phase_commit.py", "--param", "rms=2.5"),
                   "--param rms", "whole number", "two_phase_commit.py")


@pytest.mark.parametrize("option", ["--junit", "--markdown"])
def test_an_output_file_in_a_missing_directory_is_refused_before_the_search(tmp_path, option):
    target = tmp_path / "absent" / "out.txt"
    assert_refused(run("check", SPEC, option, target), option, "does not exist")


def test_an_output_file_that_cannot_be_written_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "absent" / "summary.md"))
    assert_refused(run("check", SPEC, "--quiet"), "cannot write GITHUB_STEP_SUMMARY")


# -- Python specs: an exit, a print or an exception never turns into a pass ---------------------------

def write_spec(tmp_path, text: str, name: str = "spec.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


PRINTING = """
    from modelcheck import Action, Model, always
    print("printed at import")

    def model(limit: int = 2):
        print("printed by model()")

        def step(n):
            print("printed by a step")
            return [(f"to {n + 1}", n + 1)] if n < limit else []

        return Model(name="printer", initial_states=[0], actions=[Action("step", step)],
                     properties=[always("small", lambda n: n <= limit)])
"""


def test_a_spec_that_prints_leaves_stdout_pure_json(tmp_path):
    result = run("explore", write_spec(tmp_path, PRINTING), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["properties"]["small"]["verdict"] == "holds"
    for words in ("printed at import", "printed by model()", "printed by a step"):
        assert words in result.stderr


@pytest.mark.parametrize("text, words", [
    ("import sys\nsys.exit(0)\n", "importing the spec exited with sys.exit(0)"),
    ("def model():\n    raise SystemExit(0)\n", "model() exited with sys.exit(0)"),
    ("raise RuntimeError('broken')\n", "importing the spec raised RuntimeError: broken"),
    ("import sys\nfrom modelcheck import Action, Model, always\n"
     "def model():\n    return Model(name='x', initial_states=[0], actions=[Action('a', lambda n: sys.exit(0))],\n"
     "                 properties=[always('p', lambda n: True)])\n", "the model exited with sys.exit(0)"),
])
def test_a_python_spec_that_exits_or_raises_is_an_invalid_spec(tmp_path, text, words):
    assert_refused(run("check", write_spec(tmp_path, text, "exits.py")), "exits.py", words)


# -- a bug of ours ------------------------------------------------------------------------------------

def test_an_unexpected_exception_is_an_internal_error_with_its_own_exit_code(monkeypatch):
    # A bug inside modelcheck: run_specs replaced by a function that refuses how it is called, so the
    # exception is raised in modelcheck/cli.py itself.
    monkeypatch.setattr("modelcheck.cli.run_specs", operator.truediv)
    result = run("explore", SPEC)
    assert result.exit_code == 4
    assert "internal error: TypeError" in result.stderr and "modelcheck/cli.py" in result.stderr
    assert "bug in modelcheck" in result.stderr and "spec file" in result.stderr
    assert "Traceback" not in result.output
    monkeypatch.setenv("MODELCHECK_DEBUG", "1")
    assert "Traceback" in run("explore", SPEC).stderr


REPR_RAISES = """
    from modelcheck import Action, Model, always

    class State:
        def __hash__(self):
            return 1

        def __eq__(self, other):
            return isinstance(other, State)

        def __repr__(self):
            raise ValueError("no repr")

    def model():
        return Model(name="x", initial_states=[State()], actions=[Action("stay", lambda s: [])],
                     properties=[always("never", lambda s: False)])
"""


def test_the_spec_s_own_code_failing_outside_the_search_is_a_spec_error(tmp_path):
    # The state's __repr__ raises only when the report describes the counterexample.
    assert_refused(run("explore", write_spec(tmp_path, REPR_RAISES, "repr.py")),
                   "the spec's code raised ValueError: no repr", "repr.py line 11")


def test_a_python_spec_whose_model_breaks_the_contract_names_the_file(tmp_path):
    text = "from modelcheck import Model\ndef model():\n    return Model(name='x', initial_states=[0], actions=[])\n"
    assert_refused(run("check", write_spec(tmp_path, text, "empty.py")), "has no actions", "empty.py")


@pytest.mark.parametrize("expect, words", [
    ("5", "model().expect: must map property names to holds or violated, not int"),
    ("{'p': 'maybe'}", "model().expect['p']: 'maybe' is not one of holds, violated"),
])
def test_a_python_spec_s_expectations_are_checked(tmp_path, expect, words):
    text = ("from modelcheck import Action, Model, always\ndef model():\n"
            "    built = Model(name='x', initial_states=[0], actions=[Action('a', lambda n: [])],\n"
            "                  properties=[always('p', lambda n: True)])\n"
            f"    built.expect = {expect}\n    return built\n")
    assert_refused(run("check", write_spec(tmp_path, text, "expects.py")), words, "expects.py")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_standard_output_is_an_error_not_a_bug():
    import subprocess
    import sys
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "modelcheck.cli", "explore", str(SPEC), "--format", "json"],
                              stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert "cannot write the document to standard output" in done.stderr and "Traceback" not in done.stderr


def test_a_search_out_of_memory_says_how_to_bound_it(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("modelcheck.runner.explore", exhausted)
    assert_refused(run("explore", SPEC), "ran out of memory", "--max-states", SPEC.name)


def test_graph_names_the_spec_of_a_broken_model_and_does_not_pass_on_an_exit(tmp_path):
    exits = ("import sys\nfrom modelcheck import Action, Model, always\n"
             "def model():\n    return Model(name='x', initial_states=[0], actions=[Action('a', lambda n: sys.exit(0))],\n"
             "                 properties=[always('p', lambda n: True)])\n")
    assert_refused(run("graph", write_spec(tmp_path, exits, "exits.py")), "exits.py", "sys.exit(0)")
    empty = "from modelcheck import Model\ndef model():\n    return Model(name='x', initial_states=[], actions=[])\n"
    assert_refused(run("graph", write_spec(tmp_path, empty, "empty.py")), "empty.py", "no initial state")


def test_every_bad_set_and_sweep_is_reported_in_one_run():
    result = run("explore", SPEC, "--set", "producer.acks=2", "--set", "consumer.foo=1",
                 "--sweep", "producer.retries=a,b", "--sweep", "producer.acks=1", "-q")
    assert_refused(result, "producer.acks: '2' is not one of", "(--set producer.acks)",
                   "consumer.foo: unknown key", "producer.retries: expected a whole number",
                   "(--sweep producer.retries)", "given to both --set and --sweep")
    assert result.output.count("error: ") == 4
