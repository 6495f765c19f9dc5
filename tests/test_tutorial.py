"""docs/tutorial.md stays true: its commands are run in order, as a reader would, and what it shows them
print is what they print."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from modelcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text()

# The exit code each command of the tutorial ends with (1: the explored spec expects nothing and a
# property is violated; 0: nothing violated, or every verdict as expected).
EXIT_CODES = {
    "modelcheck specs": 0,
    "modelcheck init docs/examples/producer.properties docs/examples/consumer.properties -o myspec.yaml": 0,
    "modelcheck explore myspec.yaml": 1,
    "modelcheck explore myspec.yaml --format html --out out/": 1,
    "modelcheck explore specs/consumer-commit-after-process.yaml --suggest": 0,
    "modelcheck explore myspec.yaml --set sink.dedupe=processed-table": 0,
    "modelcheck explore myspec.yaml --sweep consumer.commit=before-process,after-process,auto "
    "--sweep sink.dedupe=none,processed-table": 1,
    "modelcheck check myspec.yaml --junit junit.xml": 0,
    "modelcheck explore specs/consumer-commit-after-process.yaml": 0,
}


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", TUTORIAL, re.MULTILINE | re.DOTALL)


def commands() -> list[str]:
    out = []
    for block in blocks("sh"):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command.startswith("modelcheck "):
                out.append(command)
    return out


def shown_after(words: str) -> list[str]:
    """The lines of the first plain ``` block after `words` in the tutorial."""
    rest = TUTORIAL[TUTORIAL.index(words):]
    block = re.search(r"^```\n(.*?)^```", rest, re.MULTILINE | re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip()]


def squeezed(text: str) -> str:
    return " ".join(text.split())


def unwrapped(text: str) -> str:
    """YAML with its comments' lines joined, squeezed: how a comment is wrapped does not matter."""
    return squeezed(re.sub(r"(^|\n) *# *", " ", text))


def test_the_tutorial_lists_the_commands_this_test_runs():
    assert commands() == list(EXIT_CODES)


def test_the_tutorial_commands_run_and_print_what_it_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    outputs = {}
    for command in commands():
        if command.startswith("modelcheck check myspec.yaml"):
            _edit_as_step_7_says(tmp_path / "myspec.yaml")
        result = CliRunner().invoke(main, shlex.split(command)[1:] + (["--quiet"] if " explore " in f" {command}"
                                                                      else []))
        assert result.exit_code == EXIT_CODES[command], (command, result.output)
        outputs[command] = squeezed(result.output)

    explored = outputs["modelcheck explore myspec.yaml"]
    assert "7,993 distinct states" in explored
    for line in shown_after("opens with what was explored") + shown_after("twelve steps"):
        assert squeezed(line) in explored, line
    for line in shown_after("lists those under which the violated property holds"):
        assert squeezed(line) in outputs["modelcheck explore specs/consumer-commit-after-process.yaml --suggest"], line
    matrix = outputs[[c for c in EXIT_CODES if "--sweep" in c][0]]
    for line in shown_after("one row per\nconfiguration")[1:]:
        assert squeezed(line.split("...")[0]) in matrix, line
    assert (tmp_path / "out" / "index.html").exists() and (tmp_path / "junit.xml").exists()


def test_the_spec_excerpt_is_what_init_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    command = commands()[1]
    assert CliRunner().invoke(main, shlex.split(command)[1:]).exit_code == 0
    written = unwrapped((tmp_path / "myspec.yaml").read_text())
    # Each key of the excerpt with the comment above it (the tutorial elides a part as "(...)").
    for chunk in re.findall(r"(?:^ *#.*\n)*^ *[a-z.]+:.*$", blocks("yaml")[0], re.MULTILINE):
        for part in chunk.split("(...)"):
            assert unwrapped(part) in written, part


def _edit_as_step_7_says(spec: Path):
    text = spec.read_text()
    assert "  dedupe: none\n" in text
    expect = blocks("yaml")[1]
    assert expect.startswith("expect:")
    spec.write_text(text.replace("  dedupe: none\n", "  dedupe: processed-table\n") + expect)
