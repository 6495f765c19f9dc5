"""Markdown for CI job summaries and README files: a verdict table and, for sweeps, the matrix.

GitHub-flavoured Markdown tables. The summary table has one row per property of every outcome (spec,
configuration, property, expected, found, ✅/❌ for met or missed expectation, trace length); the matrix
(see `matrix`) has one row per configuration of a spec with its configuration values as columns and
one column per property. Cell text is escaped so that a `|`, a backtick or an HTML tag in a name
cannot break the table. Traces are left to the text, Mermaid and HTML reports.
"""

from __future__ import annotations

from typing import Iterable

from modelcheck.engine.result import BOUNDED, VIOLATED
from modelcheck.report.matrix import (COST_HEADER, LEGEND, Matrix, build_matrices, cells_of, config_value, cost_cell,
                                      has_cost)

PASS, FAIL, BOUNDED_MARK = "✅", "❌", "⏳"
UNJUDGED = "·"        # the spec expects nothing of this property: shown, not judged
_SPECIAL = set("\\`*_[]<>|~#")


def escape(text) -> str:
    """`text` as literal Markdown inside a table cell."""
    flat = " ".join(str(text).split())
    return "".join("\\" + char if char in _SPECIAL else char for char in flat)


def _table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def _config_text(config: dict) -> str:
    return ", ".join(f"{key}={config_value(value)}" for key, value in config.items())


def render_summary_table(outcomes: Iterable) -> str:
    """| spec | property | expected | found | result | trace |: one row per property of every outcome.

    The result column is ✅ when the verdict meets the expectation (with no expectation at all: when it
    is not violated), ❌ when it does not (`Outcome.mismatches`, which also counts a failing guard),
    ⏳ when the verdict is bounded, and · for a property the spec's expectations do not mention.
    """
    rows = []
    for outcome in outcomes:
        spec = escape(outcome.name)
        if outcome.config:
            spec += f" ({escape(_config_text(outcome.config))})"
        missed = {name for name, _expected, _found in outcome.mismatches}
        for name, cell in cells_of(outcome).items():
            if cell.verdict == BOUNDED:
                mark = BOUNDED_MARK
            elif name in missed:
                mark = FAIL
            elif cell.expected is not None or not outcome.expected:
                mark = FAIL if not outcome.expected and cell.verdict in (VIOLATED, "missing") else PASS
            else:
                mark = UNJUDGED
            rows.append([spec, escape(name), escape(cell.expected or "-"), escape(cell.verdict), mark,
                         "" if cell.trace_length is None else str(cell.trace_length)])
    return _table(["spec", "property", "expected", "found", "result", "trace"], rows,
                  ["---", "---", "---", "---", ":---:", "---:"])


def render_matrix(matrix: Matrix) -> str:
    """One spec's matrix: configuration values as columns, then one column per property."""
    costed = has_cost(row.outcome for row in matrix.rows)
    header = [escape(key) for key in matrix.config_keys] + ([COST_HEADER] if costed else []) \
        + [escape(name) for name in matrix.properties]
    rows = []
    for row in matrix.rows:
        values = [escape(config_value(row.config[key])) if key in row.config else "" for key in
                  matrix.config_keys]
        values += [cost_cell(row.outcome)] if costed else []
        cells = [row.cells[name].text if name in row.cells else "" for name in matrix.properties]
        rows.append(values + cells)
    align = ["---"] * len(matrix.config_keys) + (["---:"] if costed else []) + [":---:"] * len(matrix.properties)
    return _table(header, rows, align)


def render_markdown(outcomes: Iterable, *, title: str = "modelcheck results") -> str:
    """A whole job summary: a heading, the count of passes, the summary table, and the matrix of
    every spec that was explored under more than one configuration."""
    outcomes = list(outcomes)
    failed = sum(not outcome.passed for outcome in outcomes)
    bounded = sum(outcome.bounded for outcome in outcomes)
    head = (f"{len(outcomes) - failed} of {len(outcomes)} configuration{'s' if len(outcomes) != 1 else ''}"
            f" passed")
    if bounded:
        head += f", {bounded} with bounded verdicts (not proofs)"
    parts = [f"## {escape(title)}\n", f"{head}\n", render_summary_table(outcomes)]
    for matrix in build_matrices(outcomes):
        if len(matrix.rows) > 1 or matrix.config_keys:
            parts.append(f"### {escape(matrix.name)} (`{matrix.spec_path.replace('`', '')}`)\n")
            parts.append(render_matrix(matrix))
            parts.append(f"{LEGEND}\n")
    return "\n".join(parts)
