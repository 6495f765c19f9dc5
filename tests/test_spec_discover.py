"""Finding spec files: a directory stands for the YAML files that are specs (by their keys) and the Python
files that declare themselves specs; nothing else is imported or run, and what is skipped is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.errors import InvalidSpec
from modelcheck.spec import discover, find_specs

ROOT = Path(__file__).resolve().parents[1]
SPEC = "expect:\n  no-loss: holds\n"
PYTHON_SPEC = ("from modelcheck.engine import Action, Model, always\n\nMODELCHECK_SPEC = True\n\n\ndef model():\n"
               "    return Model(name='one', initial_states=[0], actions=[Action('stay', lambda n: [])],\n"
               "                 properties=[always('zero', lambda n: n == 0)])\n")
COMPOSE = "name: shop\nservices:\n  kafka:\n    image: apache/kafka:3.9.0\n"


def test_a_directory_expands_to_its_sorted_spec_files(tmp_path):
    for name in ("b.yaml", "c.yml", "z.yaml", "_helper.yaml"):
        (tmp_path / name).write_text(SPEC)
    for name in ("a.py", "_helper.py", "__init__.py"):
        (tmp_path / name).write_text(PYTHON_SPEC)
    (tmp_path / "notes.md").write_text(SPEC)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.yaml").write_text(SPEC)
    found = discover([tmp_path])
    assert [path.name for path in found] == ["a.py", "b.yaml", "c.yml", "z.yaml"]


def test_files_are_kept_in_order_once_each(tmp_path):
    (tmp_path / "a.yaml").write_text(SPEC)
    (tmp_path / "_private.yaml").write_text(SPEC)
    found = discover([tmp_path / "_private.yaml", tmp_path, tmp_path / "a.yaml"])
    assert [path.name for path in found] == ["_private.yaml", "a.yaml"]


def test_discovery_errors(tmp_path):
    with pytest.raises(InvalidSpec, match="no such file or directory"):
        discover([tmp_path / "absent"])
    with pytest.raises(InvalidSpec, match="no spec files"):
        discover([tmp_path])
    (tmp_path / "notes.md").write_text("")
    with pytest.raises(InvalidSpec, match="not a spec file"):
        discover([tmp_path / "notes.md"])


@pytest.mark.parametrize("text, spec", [
    (SPEC, True),
    ("faults:\n  consumer.crash: 1\n", True),
    ("producer.acks: 1\n", True),                  # a misplaced dotted key: loading it says where it goes
    ("name: x\nconsumr:\n  commit: auto\nexpect: {no-loss: holds}\n", True),   # a typo is loaded, refused
    ("name: [unclosed\n", True),                   # unreadable YAML might be a spec: loading it says where
    (COMPOSE, False),
    ("name: CI\non: [push]\njobs: {}\n", False),  # a GitHub workflow
    ("a: 1\n---\nb: 2\n", False),                  # several documents (Kubernetes manifests)
    ("- expect\n", False),
    ("", False),
    ("Resources: !Ref Bucket\n", False),           # CloudFormation's tags do not stop the reading
])
def test_a_yaml_file_is_a_spec_by_its_keys(tmp_path, text, spec):
    (tmp_path / "a.yaml").write_text(SPEC)
    (tmp_path / "b.yaml").write_text(text)
    found = find_specs([tmp_path])
    assert (tmp_path / "b.yaml" in found.specs) is spec
    assert [skipped.path.name for skipped in found.skipped] == ([] if spec else ["b.yaml"])


@pytest.mark.parametrize("text, spec", [
    (PYTHON_SPEC, True),
    ("MODELCHECK_SPEC: bool = True\ndef model(): ...\n", True),
    ("MODELCHECK_SPEC = True\ndef model(:\n", True),      # a broken spec still counts: loading it says why
    ("def model(): ...\n", False),                        # a model() alone does not make a spec
    ("MODELCHECK_SPEC = False\n", False),
    ("def f():\n    MODELCHECK_SPEC = True\n", False),    # module level only
    ('"""\nMODELCHECK_SPEC = True\n"""\n', False),        # in a string, not an assignment
    ("print('hello'\n", False),                           # a broken script is skipped, not reported
])
def test_a_python_file_is_a_spec_when_it_says_so(tmp_path, text, spec):
    (tmp_path / "a.yaml").write_text(SPEC)
    (tmp_path / "b.py").write_text(text)
    assert (tmp_path / "b.py" in discover([tmp_path])) is spec


def test_a_file_named_on_the_command_line_is_taken_as_it_is(tmp_path):
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / "script.py").write_text("print('hi')\n")
    named = [tmp_path / "docker-compose.yml", tmp_path / "script.py"]
    assert discover(named) == named


def test_a_directory_of_no_spec_names_what_it_skipped(tmp_path):
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    with pytest.raises(InvalidSpec, match=r"no spec files .*skipped, not specs: docker-compose.yml"):
        discover([tmp_path])


def test_every_bundled_spec_is_found():
    found = find_specs([ROOT / "specs"])
    assert found.skipped == []
    assert sorted(path.name for path in found.specs) == sorted(
        path.name for path in (ROOT / "specs").iterdir() if path.suffix in (".yaml", ".py"))


def test_check_runs_the_specs_of_a_directory_and_nothing_else(tmp_path):
    ran = tmp_path / "the-script-ran"
    (tmp_path / "gate.yaml").write_text("workload:\n  messages: 1\nexpect:\n  no-loss: holds\n")
    (tmp_path / "one.py").write_text(PYTHON_SPEC)
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / "seed.py").write_text(f"open({str(ran)!r}, 'w').write('ran')\nraise SystemExit(0)\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not ran.exists()
    assert "2 of 2 configurations as expected" in result.stdout
    assert f"note: skipped {tmp_path / 'docker-compose.yml'}: no top-level key of a spec" in result.stderr
    assert f"note: skipped {tmp_path / 'seed.py'}: a Python file without MODELCHECK_SPEC = True" in result.stderr
