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
from modelcheck.report.markdown import escape
from modelcheck.report.matrix import (COST_HEADER, GUARDS_HEADER, LEGEND, build_matrices, config_value,
                                      cost_cell, guard_failures, has_cost, main_properties, shared_tables,
                                      single_configuration)
from modelcheck.report.mermaid import render_property
from modelcheck.report.scope import gate_counts
from modelcheck.report.text import render_outcome


def page_name(spec_path: str) -> str:
    return Path(spec_path).stem + ".md"


def render_bundle(outcomes: Iterable, *, title: str = "modelcheck: the bundled specs") -> dict[str, str]:
    outcomes = list(outcomes)
    files: dict[str, str] = {}
    by_spec: dict[str, list] = {}
    for outcome in outcomes:
        by_spec.setdefault(outcome.spec_path, []).append(outcome)
    index = [_overview(outcomes, title).rstrip(), "", "## Traces, spec by spec", ""]
    for spec_path, group in by_spec.items():
        name = page_name(spec_path)
        index.append(f"- [{group[0].name}]({name}) (`{Path(spec_path).name}`)")
        files[name] = _spec_page(spec_path, group)
    files["README.md"] = "\n".join(index) + "\n"
    files["index.html"] = render_html(outcomes, title=title, timings=False)
    return files


def _overview(outcomes: list, title: str) -> str:
    """Every configuration as a row: its states and depth, the verdict of each property (guards folded
    into one column), the specs explored under one configuration in tables of specs that share
    properties (`matrix.shared_tables`), and one table per sweep."""
    lines = [f"# {title}", "",
             f"{gate_counts(outcomes)} "
             f"(regenerate with `make reports`). Each spec's page opens with what was explored and "
             f"what was not.", "", LEGEND, "",
             "The guards column says whether every `sometimes` guard holds (a claim's ingredients can "
             "happen at all); states and depth are those of the exhaustive exploration; requests/event is "
             "what the guarantee costs: the requests per event of the shortest fault-free run that "
             "delivers every event (`modelcheck/kafka/cost.py`).", ""]
    matrices = build_matrices(outcomes)
    tables = shared_tables(matrices)
    if tables:
        lines += ["## Specs with one configuration", ""]
        for table in tables:
            lines += [_table(table, with_spec=True)]
    for matrix in matrices:
        if single_configuration(matrix):
            continue
        lines += [f"## {matrix.name}", "", f"`{matrix.spec_path}`", "", _table([matrix], with_spec=False)]
    return "\n".join(lines)


def _table(matrices: list, *, with_spec: bool) -> str:
    properties = main_properties(row for matrix in matrices for row in matrix.rows)
    keys: dict[str, None] = {}
    for matrix in matrices:
        for key in matrix.config_keys:
            keys.setdefault(key, None)
    costed = has_cost(row.outcome for matrix in matrices for row in matrix.rows)
    header = (["spec"] if with_spec else []) + [escape(k) for k in keys] + ["states", "depth"]
    header += [COST_HEADER] if costed else []
    header += [escape(name) for name in properties] + [GUARDS_HEADER]
    rows = []
    for matrix in matrices:
        for row in matrix.rows:
            stats = row.outcome.result.stats
            cells = [f"[{escape(matrix.name)}]({page_name(matrix.spec_path)})"] if with_spec else []
            cells += [escape(config_value(row.config[k])) if k in row.config else "" for k in keys]
            cells += [f"{stats.distinct:,}", str(stats.depth)] + ([cost_cell(row.outcome)] if costed else [])
            cells += [row.cells[name].text if name in row.cells else "" for name in properties]
            failing = guard_failures(row.outcome)
            cells.append("❌ " + ", ".join(failing) if failing else "✅")
            rows.append(cells)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


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
