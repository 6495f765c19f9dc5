"""No traceback for any input: every user error exits 2 naming file, line and key; a bug of ours exits 4.

Each test feeds the command line one input that once escaped as a Python exception (or passed silently).
"""

from __future__ import annotations

from pathlib import Path

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
    spec.write_text("name: t\nsweep:\n  faults.transaction.abort: [0, 1]\n")
    assert_refused(run("check", spec), "swept.yaml line 3", "faults.transaction.abort", "not modelled yet")


def test_a_huge_number_is_refused_before_a_model_is_built():
    assert_refused(run("explore", SPEC, "--set", "cluster.brokers=1000000000"),
                   "cluster.brokers", "must be at most 16")
