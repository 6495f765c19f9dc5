"""The reports directory: every rendering of a set of outcomes, as files.

`render_bundle(outcomes)` returns {relative path: text}: `README.md` (the verdict summary and the
matrices), one Markdown page per spec file (the explained text trace and the Mermaid sequence diagram
of each counterexample) and `index.html` (the self-contained page). Timings are left out, so the same
code and specs always give the same files, and a test can fail when the committed reports drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from modelcheck.report.html import render_html
from modelcheck.report.markdown import render_markdown
from modelcheck.report.mermaid import render_property
from modelcheck.report.text import render_outcome


def page_name(spec_path: str) -> str:
    return Path(spec_path).stem + ".md"


def render_bundle(outcomes: Iterable, *, title: str = "modelcheck: the bundled specs") -> dict[str, str]:
    outcomes = list(outcomes)
    files: dict[str, str] = {}
    by_spec: dict[str, list] = {}
    for outcome in outcomes:
        by_spec.setdefault(outcome.spec_path, []).append(outcome)
    index = [render_markdown(outcomes, title=title).rstrip(), "", "## Traces, spec by spec", ""]
    for spec_path, group in by_spec.items():
        name = page_name(spec_path)
        index.append(f"- [{group[0].name}]({name}) (`{Path(spec_path).name}`)")
        files[name] = _spec_page(spec_path, group)
    files["README.md"] = "\n".join(index) + "\n"
    files["index.html"] = render_html(outcomes, title=title, timings=False)
    return files


def _spec_page(spec_path: str, outcomes: list) -> str:
    lines = [f"# {outcomes[0].name}", "", f"Spec: `{Path(spec_path).name}`", ""]
    for outcome in outcomes:
        lines += ["```text", render_outcome(outcome, timings=False).rstrip(), "```", ""]
        for prop in outcome.result.properties.values():
            if prop.verdict == "violated" and prop.trace is not None:
                lines += [f"### {prop.name}: sequence diagram", "", "```mermaid",
                          render_property(prop, outcome.model).rstrip(), "```", ""]
    return "\n".join(lines)


def write_bundle(files: dict[str, str], directory: str | Path) -> list[Path]:
    """Write the bundle into `directory`, removing stale pages of earlier runs; the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.md"):
        if old.name not in files:
            old.unlink()
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
