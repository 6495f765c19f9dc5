"""The fuzzer: generated spec files and command lines never make modelcheck crash, hang or lie.

For every generated case (`fuzz_specs`): the exit code is 0, 1, 2 or 3, never the internal error's 4;
no Python traceback is printed; a JSON document parses; an error names the spec file or the option at
fault; and
the command ends within its `--time-limit` plus a margin for building the model. The test suite runs a
few hundred cases per run (FUZZ_EXAMPLES); `make fuzz` runs ten thousand (docs/reliability.md records the
last result).
"""

from __future__ import annotations

import json
import os
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings

from fuzz_specs import command_lines, spec_texts
from modelcheck.cli import main

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500"))
MARGIN = 8.0                    # seconds beyond --time-limit: the model's build and the reports


def _check(tmp_path_factory, text: str, args: list[str]):
    directory = tmp_path_factory.mktemp("fuzz")
    spec = directory / "spec.yaml"
    spec.write_text(text, encoding="utf-8", errors="surrogateescape")
    args = [str(directory / "checkpoints") if arg == "CHECKPOINT" else arg for arg in args]
    _check_run(text, spec, args)
    if "--checkpoint" in args:          # and go on from what the first run wrote
        _check_run(text, spec, ["--resume" if arg == "--checkpoint" else arg for arg in args])


def _check_run(text: str, spec, args: list[str]):
    runner = CliRunner()
    started = time.monotonic()
    result = runner.invoke(main, ["explore", str(spec), *args], catch_exceptions=True)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    where = f"\n--- spec ---\n{text[:500]!r}\n--- args ---\n{args}\n--- output ---\n{output[-1500:]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"exception {result.exception!r}{where}"
    assert result.exit_code in (0, 1, 2, 3), f"exit code {result.exit_code}{where}"
    event(f"exit code {result.exit_code}")
    assert "Traceback" not in output, f"traceback{where}"
    assert seconds < 2 + MARGIN, f"{seconds:.1f} s{where}"
    if result.exit_code == 2:           # a bad spec names its file; a bad command line its option
        named = "spec.yaml" in result.stderr or "--" in result.stderr
        assert ("Usage:" in result.stderr or "error:" in result.stderr) and named, f"no clear error{where}"
    elif "--format" in args and args[args.index("--format") + 1] == "json":
        json.loads(result.stdout)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(text=spec_texts(), args=command_lines())
def test_generated_specs_and_command_lines_never_crash(tmp_path_factory, text, args):
    _check(tmp_path_factory, text, args)
