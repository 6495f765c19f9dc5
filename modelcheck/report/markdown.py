"""Markdown for CI job summaries and README files: one row per configuration, and, for sweeps, the matrix.

GitHub-flavoured Markdown. The summary table (`render_summary_table`) has one row per checked
configuration, those whose verdicts are not what the spec expects first, then those a limit left
bounded, then those as expected; each row says which properties went wrong and the size of the search.
Each configuration that went wrong is followed by a collapsed `<details>` block holding the shortest
counterexample among its failures, explained as the text report explains it (`render_failure`). The
matrix of a sweep (see `matrix`: configuration values as columns, one column per property) is collapsed
too. Cell text is escaped so that a `|`, a backtick or an HTML tag in a name cannot break the table;
the text inside `<details>` is HTML-escaped and fenced.
"""

from __future__ import annotations

import html
from typing import Iterable

from modelcheck.engine.result import BOUNDED, HOLDS, VIOLATED
from modelcheck.report.matrix import COST_HEADER, LEGEND, Matrix, build_matrices, config_value, cost_cell, has_cost
from modelcheck.report.scope import gate_counts, scope_lines, scope_summary
from modelcheck.report.text import render_trace
from modelcheck.spec.outcome import AS_EXPECTED as GATE_AS_EXPECTED, LIMITED as GATE_LIMITED
from modelcheck.spec.outcome import UNEXPECTED as GATE_UNEXPECTED

PASS, FAIL, BOUNDED_MARK = "✅", "❌", "⏳"
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


UNEXPECTED, LIMITED, AS_EXPECTED = 0, 1, 2       # the order of the rows


def failures(outcome) -> list[tuple[str, str | None, str]]:
    """(property, expected or None, found) for each verdict that fails the gate (`Outcome.failures`),
    and each expectation a limit left bounded."""
    bounded = [(name, expected, found) for name, expected, found in outcome.mismatches if found == BOUNDED]
    return outcome.failures + bounded


_ORDER = {GATE_UNEXPECTED: UNEXPECTED, GATE_LIMITED: LIMITED, GATE_AS_EXPECTED: AS_EXPECTED}


def standing(outcome) -> int:
    """The row order of the outcome's gate (`Outcome.gate`): unexpected, bounded, as expected."""
    return _ORDER[outcome.gate]


MARKS = {UNEXPECTED: FAIL, LIMITED: BOUNDED_MARK, AS_EXPECTED: PASS}


def title_of(outcome) -> str:
    """"shop (crash_budget=1, loss_budget=0)": the spec's name and, in a sweep, the configuration."""
    return f"{outcome.name} ({_config_text(outcome.config)})" if outcome.config else outcome.name


def _said(name: str, expected: str | None, found: str) -> str:
    return f"{name} {found}" + (f", expected {expected}" if expected else "")


def _verdicts_cell(outcome) -> str:
    wrong = failures(outcome)
    said = [f"**{escape(_said(name, expected, found))}**" for name, expected, found in wrong]
    judged = list(outcome.expected) if outcome.expected else list(outcome.result.properties)
    rest = [name for name in judged if name not in {name for name, _e, _f in wrong}]
    if rest:
        text = f"{len(rest)} other{'s' if len(rest) != 1 else ''} as expected" if said else f"{len(rest)} as expected"
        properties = outcome.result.properties
        violated = [name for name in rest if name in properties and properties[name].verdict == VIOLATED]
        if violated:                       # a pass is not "safe": say which violations were the claim
            text += f" (violated: {', '.join(violated)})"
        said.append(escape(text))
    return "; ".join(said) if said else "nothing to judge"


def ordered(outcomes: Iterable) -> list:
    """The outcomes, those that fail the gate first, then the bounded ones, each group in the order given."""
    return sorted(outcomes, key=standing)


def render_summary_table(outcomes: Iterable) -> str:
    """| | configuration | file | verdicts | states | scope |: one row per configuration, failures first.

    The first column is ❌ when a verdict is not what the spec expects (with no expectation at all:
    when one is violated), ⏳ when a limit left a verdict bounded, ✅ otherwise. The verdicts column
    names each property that went wrong, in bold, and counts the others, naming those violated as
    the spec expects (a configuration as expected is not one where nothing is violated). The scope
    column says what was explored and, in italics, what was not.
    """
    rows = []
    for outcome in ordered(outcomes):
        result = outcome.result
        states = f"{result.stats.distinct:,}" + ("" if result.complete else " (bounded)")
        rows.append([MARKS[standing(outcome)], escape(title_of(outcome)), f"`{escape(outcome.spec_path)}`",
                     _verdicts_cell(outcome), states, _scope_cell(outcome)])
    return _table(["", "configuration", "file", "verdicts", "states", "scope"], rows,
                  [":---:", "---", "---", "---", "---:", "---"])


def _scope_cell(outcome) -> str:
    """The explored scope on one line, then each "not explored" sentence in italics."""
    first, *hints = scope_summary(outcome)
    return escape(first.removeprefix("scope: ")) + "".join(f" · *{escape(hint)}*" for hint in hints)


def _fenced(text: str) -> str:
    """`text` in a fenced code block whose fence no run of backticks in it can close."""
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _longest_backticks(text: str) -> int:
    longest = current = 0
    for char in text:
        current = current + 1 if char == "`" else 0
        longest = max(longest, current)
    return longest


def render_failure(outcome) -> str | None:
    """The collapsed block of a configuration that fails the gate: its shortest counterexample among the
    failing properties (or, when no failure has one, why), None for any other configuration."""
    if standing(outcome) != UNEXPECTED:
        return None
    result = outcome.result
    wrong = [(name, expected, found) for name, expected, found in failures(outcome) if found != BOUNDED]
    traced = [(len(result.properties[name].trace.steps), index, name, expected, found)
              for index, (name, expected, found) in enumerate(wrong)
              if name in result.properties and result.properties[name].trace is not None and found == VIOLATED]
    if traced:
        steps, _index, name, expected, found = min(traced)
        body = render_trace(result.properties[name], outcome.model)
        head = f"{_said(name, expected, found)}: the shortest counterexample, {steps} step{'s' if steps != 1 else ''}"
    else:
        name, expected, found = wrong[0]
        head = _said(name, expected, found)
        if name not in result.properties:
            body = f"the model has no property named {name!r}"
        elif found == HOLDS and result.complete:
            body = (f"{name} was expected to be violated, but no reachable state violates it "
                    f"({result.stats.distinct:,} states explored, the whole state space)")
        else:
            body = f"{name}: expected {expected}, found {found}"
    summary = html.escape(f"{title_of(outcome)}: {head}")
    scope = "\n".join(f"- {escape(line)}" for line in scope_lines(outcome))
    return f"<details><summary>{FAIL} {summary}</summary>\n\n{scope}\n\n{_fenced(body)}\n\n</details>\n"


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
    """A whole job summary: a heading, the counts, the summary table, the collapsed counterexample of
    every configuration that fails the gate, and the collapsed matrix of every sweep."""
    outcomes = list(outcomes)
    head = gate_counts(outcomes)
    parts = [f"## {escape(title)}\n", f"{head}\n", render_summary_table(outcomes)]
    parts.extend(block for block in map(render_failure, ordered(outcomes)) if block)
    for matrix in build_matrices(outcomes):
        if len(matrix.rows) > 1 or matrix.config_keys:
            name = html.escape(f"{matrix.name} ({matrix.spec_path}): the matrix of its configurations")
            parts.append(f"<details><summary>{name}</summary>\n\n{render_matrix(matrix)}\n{LEGEND}\n\n"
                         f"</details>\n")
    return "\n".join(parts)
