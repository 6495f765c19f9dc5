"""The GitHub Action (action.yml) and the pre-commit hook (.pre-commit-hooks.yaml): their definitions are
what GitHub and pre-commit read, and the commands they run gate as `modelcheck check` does."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GOOD = "workload:\n  messages: 1\nexpect:\n  no-loss: holds\n"
BAD = "workload:\n  messages: 1\nconsumer:\n  commit: before-process\nfaults:\n  consumer.crash: 1\n" \
      "expect:\n  no-loss: holds\n"


def action():
    return yaml.safe_load((ROOT / "action.yml").read_text())


def check_step():
    return next(step for step in action()["runs"]["steps"] if step.get("name") == "modelcheck check")


def test_the_action_is_composite_with_paths_and_args():
    definition = action()
    assert definition["runs"]["using"] == "composite"
    assert set(definition["inputs"]) == {"paths", "args", "python-version"}
    assert definition["inputs"]["paths"]["default"] == "specs/"
    install = next(step for step in definition["runs"]["steps"] if step.get("name") == "Install modelcheck")
    assert 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in install["run"]
    for step in definition["runs"]["steps"]:
        assert "${{ inputs." not in step.get("run", ""), "inputs must reach scripts as environment variables"
    assert check_step()["env"] == {"MODELCHECK_PATHS": "${{ inputs.paths }}", "MODELCHECK_ARGS": "${{ inputs.args }}"}


def run_check_step(tmp_path, paths: str, args: str = ""):
    """Run the action's `modelcheck check` script as the runner would, with this checkout's modelcheck
    standing in for the one the install step puts in $RUNNER_TEMP."""
    bin_dir = tmp_path / "runner" / "modelcheck-venv" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    stand_in = bin_dir / "modelcheck"
    stand_in.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m modelcheck.cli \"$@\"\n")
    stand_in.chmod(0o755)
    summary = tmp_path / "step-summary.md"
    summary.unlink(missing_ok=True)
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_STEP_SUMMARY": str(summary),
           "MODELCHECK_PATHS": paths, "MODELCHECK_ARGS": args,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(["bash", "-e", "-c", check_step()["run"]], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    return done, summary.read_text() if summary.exists() else ""


def test_the_actions_check_step_gates_and_writes_the_step_summary(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "good.yaml").write_text(GOOD)
    (tmp_path / "specs" / "docker-compose.yml").write_text("services: {}\n")
    done, summary = run_check_step(tmp_path, "specs/", "--junit junit.xml")
    assert done.returncode == 0, done.stderr
    assert "1 of 1 configuration as expected" in summary
    assert (tmp_path / "junit.xml").is_file()
    (tmp_path / "bad.yaml").write_text(BAD)
    done, summary = run_check_step(tmp_path, "specs/\nbad.yaml")
    assert done.returncode == 1
    assert "<details><summary>❌ bad: no-loss violated, expected holds" in summary


def test_the_pre_commit_hook_runs_the_gate(tmp_path):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["modelcheck"]
    hook = hooks[0]
    assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    assert hook["entry"].split()[:2] == ["modelcheck", "check"]
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "good.yaml").write_text(GOOD)
    command = [sys.executable, "-m", "modelcheck.cli", *hook["entry"].split()[1:], *hook["args"]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    assert subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=120).returncode == 0
    (tmp_path / "specs" / "bad.yaml").write_text(BAD)
    assert subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=120).returncode == 1
