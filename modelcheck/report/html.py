"""One self-contained HTML page for a list of outcomes: the matrix, the verdicts and every trace.

The page loads nothing: no script, no stylesheet, font or image from anywhere; its style is inline
and its sequence diagrams are inline SVG (`svg`), so it reads the same offline, from a CI artifact or
attached to a ticket, and it works without JavaScript (collapsible parts are `<details>`). Every text
from a model or a spec is HTML-escaped.

For each outcome: the spec (name, file), what was explored and what was not (`scope`), the gate in
its own words (as expected / unexpected / bounded, never "passed" above a violation), the description,
its configuration, the search statistics (and
loudly a limit that stopped the search), the verdict table (✓/✗ for an expectation met or missed,
… for bounded, with expected and found and the length of the trace), then every violated property
with its explained steps as an ordered list (actor, action, what changed, where a temporal
counterexample's cycle starts, and highlighted with ⚑ the step from which the violation was
inevitable), each with the whole state after it, collapsed, the parts the step changed highlighted
(`explain.states_shown`), the evidence, and the sequence diagram. With more than one configuration the
page opens with the matrix of every spec (`matrix`): one column per property, headers written
upwards and the `sometimes` guards folded into one column so that a table fits a page, specs of one
configuration grouped with those they share properties with (`matrix.shared_tables`).
"""

from __future__ import annotations

import re
from html import escape
from typing import Iterable

from modelcheck.engine.result import BOUNDED, HOLDS, VIOLATED
from modelcheck.engine.inevitable import BOUNDED as UNDECIDED
from modelcheck.report.explain import (describe_state, evidence, explain_trace, inevitable_from,
                                       inevitable_sentence, not_computed_sentence, states_shown,
                                       undecided_sentence)
from modelcheck.report.matrix import (GUARDS_HEADER, PLAIN, build_matrices, cells_of, config_value,
                                      guard_failures, guards_as_expected, is_guard, main_properties,
                                      shared_tables, single_configuration)
from modelcheck.report.svg import render_svg
from modelcheck.report.scope import GATE_WORDS, gate_counts, scope_of
from modelcheck.report.text import gate_sentence, row_status, stats_sentence, stopped_sentence
from modelcheck.spec.outcome import AS_EXPECTED, LIMITED, UNEXPECTED

# Marks any system font draws (no emoji font needed): matrix.PLAIN.
PASS, FAIL, BOUNDED_MARK = PLAIN.symbols[HOLDS], PLAIN.symbols[VIOLATED], PLAIN.symbols[BOUNDED]

STYLE = """
:root { color-scheme: light; --ink: #1d2230; --muted: #5b6275; --line: #d8dce6; --bg: #ffffff;
  --soft: #f5f7fb; --bad: #b42318; --bad-bg: #fdecea; --good: #1e7a46; --good-bg: #e7f6ec;
  --warn: #8a5a00; --warn-bg: #fff4d6; --accent: #3b4f8f; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.75rem; margin: 0 0 .25rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .25rem; padding-top: 1rem; border-top: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: .9em; }
.path { color: var(--muted); font-weight: normal; font-size: .95rem; }
.lead { color: var(--muted); margin: .25rem 0 1rem; }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; font-size: .85rem;
  font-weight: 600; vertical-align: middle; }
.badge.as-expected { background: var(--good-bg); color: var(--good); }
.badge.unexpected { background: var(--bad-bg); color: var(--bad); }
.badge.bounded { background: var(--warn-bg); color: var(--warn); }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { border: 1px solid var(--line); padding: .3rem .65rem; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.mark, th.mark { text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code, th code { white-space: nowrap; }
table.verdicts td code, table.matrix td code { white-space: normal; overflow-wrap: anywhere; }
tr.mismatch td { background: var(--bad-bg); }
.scroll { overflow-x: auto; max-width: 100%; }
table.matrix td:first-child { overflow-wrap: break-word; }
table.matrix th.property { vertical-align: bottom; padding: .4rem .2rem; }
table.matrix th.property > span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
table.matrix td.mark { white-space: nowrap; min-width: 2.6rem; }
table.matrix th.key code { white-space: normal; }
td.v-holds { background: var(--good-bg); }
td.v-violated { background: var(--bad-bg); }
td.v-bounded { background: var(--warn-bg); }
td.mismatch { outline: 3px solid var(--bad); outline-offset: -3px; font-weight: 700; }
table.matrix a { color: inherit; text-decoration: none; display: block; }
tr.bounded td { background: var(--warn-bg); }
.stats { font-variant-numeric: tabular-nums; }
.alarm { background: var(--bad-bg); color: var(--bad); border-left: 4px solid var(--bad);
  padding: .5rem .75rem; font-weight: 600; }
.warning { background: var(--warn-bg); color: var(--warn); border-left: 4px solid #c98a00;
  padding: .35rem .75rem; margin: .35rem 0; }
details.trace { border: 1px solid var(--line); border-radius: .5rem; padding: .25rem 1rem 1rem;
  margin: 1rem 0; }
details.trace > summary { cursor: pointer; font-weight: 600; padding: .5rem 0; }
ol.steps { padding-left: 2.75rem; margin: .5rem 0; }
ol.steps > li { margin: .35rem 0; padding-left: .25rem; }
ol.steps > li.fault { background: var(--warn-bg); border-radius: .25rem; }
ol.steps > li.initial { list-style: none; margin-left: -2.75rem; color: var(--muted); }
ol.steps > li.cycle { list-style: none; margin-left: -2.75rem; color: var(--accent); font-weight: 600; }
ol.steps > li.inevitable-mark { list-style: none; margin-left: -2.75rem; color: var(--bad); font-weight: 600; }
ol.steps > li.inevitable { background: var(--bad-bg); box-shadow: -4px 0 0 var(--bad); border-radius: .25rem; }
.actor { font-weight: 700; }
.fault-mark { color: var(--warn); font-weight: 700; }
details.state > summary { cursor: pointer; color: var(--accent); font-size: .85rem; }
table.state { margin: .25rem 0 .5rem; font-size: .85rem; }
table.state th { font-weight: 600; white-space: nowrap; }
table.state td code { white-space: normal; overflow-wrap: anywhere; }
table.state tr.changed th, table.state tr.changed td { background: var(--warn-bg); }
table.state tr.changed th::before { content: "● "; color: var(--warn); }
ul.changes { margin: .1rem 0 .2rem; padding-left: 1.25rem; color: var(--muted); list-style: "→ "; }
.verdict-note { background: var(--bad-bg); border-left: 4px solid var(--bad); padding: .5rem .75rem; }
.verdict-note p { margin: .2rem 0; }
figure { margin: 1rem 0 0; overflow-x: auto; }
figcaption { color: var(--muted); font-size: .9rem; margin-bottom: .35rem; }
svg.sequence { max-width: 100%; height: auto; }
.legend { color: var(--muted); font-size: .9rem; }
details.description > summary { cursor: pointer; color: var(--accent); }
.prose { white-space: pre-wrap; color: var(--muted); }
.scope { background: var(--soft); border-left: 4px solid var(--accent); padding: .4rem .75rem; margin: .5rem 0; }
.scope dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: 0; }
.scope dt { font-weight: 600; }
.scope dd { margin: 0; }
.scope p { margin: .35rem 0 0; }
ul.not-explored { margin: .1rem 0 0; padding-left: 1.25rem; }
p.gate { font-weight: 600; }
"""


def _e(text) -> str:
    return escape(str(text), quote=True)


def anchor(*parts) -> str:
    """An id made of `parts`, safe in HTML and URLs."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(str(p) for p in parts)).strip("-") or "x"


def _config_table(outcome) -> str:
    values = {**outcome.result.parameters, **outcome.config}
    if not values:
        return ""
    rows = "".join(f"<tr><th scope=\"row\"><code>{_e(key)}</code></th><td><code>{_e(config_value(value))}"
                   f"</code></td></tr>" for key, value in values.items())
    return f'<table class="config"><caption class="legend">configuration</caption>{rows}</table>'


def _verdict_table(outcome, prefix: str) -> str:
    result = outcome.result
    rows = []
    for name, cell in cells_of(outcome).items():
        prop = result.properties.get(name)
        judged = not outcome.expected or (prop is not None and prop.kind == "sometimes")
        status = row_status(cell.verdict, cell.expected, judged=judged)
        mark = {AS_EXPECTED: PASS, LIMITED: BOUNDED_MARK, None: "–"}.get(status, FAIL)
        css = {UNEXPECTED: "mismatch", LIMITED: "bounded"}.get(status, "")
        length = cell.trace_length
        trace = f'<a href="#{prefix}-{anchor(name)}">{length} steps</a>' if length is not None else ""
        rows.append(f'<tr class="{css}"><td class="mark">{mark}</td><td><code>{_e(name)}</code></td>'
                    f'<td>{_e(prop.kind if prop else "-")}</td><td>{_e(cell.expected or "-")}</td>'
                    f'<td>{_e(cell.verdict)}</td><td class="num">{trace}</td>'
                    f'<td>{_e(prop.description if prop else "")}</td></tr>')
    return ('<div class="scroll"><table class="verdicts"><thead><tr><th class="mark">gate</th><th>property</th><th>kind</th>'
            '<th>expected</th><th>found</th><th>trace</th><th>meaning</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def _trace_section(outcome, prop, prefix: str) -> str:
    model = outcome.model
    trace = prop.trace
    steps = explain_trace(trace, model)
    states = states_shown(trace, model)
    inevitable = inevitable_from(prop, model)
    sealed = inevitable.step if inevitable is not None else None
    items = []
    if sealed == 0:
        items.append(f'<li class="inevitable-mark">{_e(inevitable_sentence(0))}</li>')
    items.append(f'<li class="initial{" inevitable" if sealed == 0 else ""}">initial state'
                 f'{_state_block(states[0], "the whole initial state")}</li>')
    for step in steps:
        if step.loop_start:
            items.append(f'<li class="cycle">⟲ the cycle starts here: steps {step.number}–{len(steps)} '
                         f'repeat for ever</li>')
        if step.number == sealed:
            items.append(f'<li class="inevitable-mark">{_e(inevitable_sentence(sealed))}</li>')
        actor = f'<span class="actor">{_e(step.actor)}</span> ' if step.actor else ""
        fault = '<span class="fault-mark">⚡ fault:</span> ' if step.fault else ""
        peer = f' <span class="legend">(→ {_e(step.peer)})</span>' if step.peer else ""
        changes = ""
        if step.changes:
            changes = '<ul class="changes">' + "".join(f"<li><code>{_e(c)}</code></li>"
                                                       for c in step.changes) + "</ul>"
        css = ("fault" if step.fault else "step") + (" inevitable" if step.number == sealed else "")
        items.append(f'<li value="{step.number}" class="{css}">'
                     f'{fault}{actor}<span class="action">{_e(step.action)}</span>{peer}{changes}'
                     f'{_state_block(states[step.number], f"the whole state after step {step.number}")}</li>')
    count = len(steps)
    note = [f"<p><strong>{_e(prop.name)} violated</strong>"
            + (f": {_e(prop.description)}" if prop.description else "") + "</p>"]
    if trace.loop_start is not None:
        back = "its initial state" if trace.loop_start == 0 else f"the state after step {trace.loop_start}"
        note.append(f"<p>After step {count} the system is back in {back}; it can go round that cycle for "
                    f"ever without the property coming true.</p>")
    said = evidence(model, prop)
    if said:
        note.append(f"<p>Evidence: {_e(said)}</p>")
    if inevitable is not None and inevitable.status == UNDECIDED:
        note.append(f'<p class="legend">{_e(undecided_sentence())}</p>')
    cut_short = not_computed_sentence(inevitable)
    if cut_short:
        note.append(f'<p class="legend">{_e(cut_short)}</p>')
    advice = (getattr(outcome, "suggestions", None) or {}).get(prop.name) or []
    if advice:
        note.append("<p>What to change (each explored in full):</p><ul>"
                    + "".join(f"<li>{_e(item)}</li>" for item in advice) + "</ul>")
    note.append(f'<p class="legend">final state: <code>{_e(describe_state(model, trace.last))}</code></p>')
    diagram = render_svg(trace, model, prop, diagram_id=f"{prefix}-{anchor(prop.name)}-diagram")
    return (f'<details class="trace" open id="{prefix}-{anchor(prop.name)}">'
            f"<summary>{FAIL} {_e(prop.name)} ({_e(prop.kind)}) violated — shortest counterexample, "
            f"{count} step{'s' if count != 1 else ''}</summary>"
            f'<ol class="steps" start="0">{"".join(items)}</ol>'
            f'<div class="verdict-note">{"".join(note)}</div>'
            f"<figure><figcaption>sequence diagram</figcaption>{diagram}</figure></details>")


def _state_block(parts, summary: str) -> str:
    """A state shown whole, collapsed: one row per part, the parts the step changed highlighted."""
    changed = sum(part.changed for part in parts)
    note = f" ({changed} changed)" if changed else ""
    rows = "".join(f'<tr class="{"changed" if part.changed else "same"}"><th scope="row">{_e(part.name)}</th>'
                   f"<td><code>{_e(part.text)}</code></td></tr>" for part in parts)
    return (f'<details class="state"><summary>{_e(summary)}{note}</summary>'
            f'<table class="state">{rows}</table></details>')


def _scope_block(outcome) -> str:
    """What was explored, as a definition list, and what was not, as a list of sentences."""
    scope = scope_of(outcome)
    explored = "".join(f"<dt>{_e(what)}</dt><dd>{_e(said)}</dd>" for what, said in scope.explored)
    missing = ""
    if scope.not_explored:
        missing = ('<p class="legend">not explored:</p><ul class="not-explored">'
                   + "".join(f"<li>{_e(said)}</li>" for said in scope.not_explored) + "</ul>")
    return f'<div class="scope"><dl>{explored}</dl>{missing}</div>'


def _outcome_section(outcome, index: int, timings: bool) -> str:
    prefix = f"o{index}"
    result = outcome.result
    css = {AS_EXPECTED: "as-expected", UNEXPECTED: "unexpected", LIMITED: "bounded"}[outcome.gate]
    badge = f'<span class="badge {css}">{_e(GATE_WORDS[outcome.gate])}</span>'
    config = ", ".join(f"{k}={config_value(v)}" for k, v in outcome.config.items())
    title = f"{_e(outcome.name)}" + (f" <span class=\"path\">[{_e(config)}]</span>" if config else "")
    parts = [f'<section class="outcome" id="{prefix}">',
             f"<h2>{title} {badge}</h2>",
             f'<p class="lead"><code>{_e(outcome.spec_path)}</code> · model <code>{_e(result.model)}</code></p>',
             _scope_block(outcome), f'<p class="gate">{_e(gate_sentence(outcome))}</p>']
    if outcome.description:
        paragraphs = [p for p in outcome.description.strip().split("\n\n") if p.strip()]
        parts.append(f"<p>{_e(' '.join(paragraphs[0].split()))}</p>")
        if len(paragraphs) > 1:
            rest = "\n\n".join(paragraphs[1:])
            parts.append(f'<details class="description"><summary>more about this spec</summary>'
                         f'<div class="prose">{_e(rest)}</div></details>')
    parts.append(_config_table(outcome))
    parts.append(f'<p class="stats">{_e(stats_sentence(result, timings=timings))}</p>')
    stopped = stopped_sentence(result)
    if stopped:
        parts.append(f'<p class="alarm">{_e(stopped)}</p>')
    for warning in result.warnings:
        parts.append(f'<p class="warning">warning: {_e(warning)}</p>')
    parts.append(_verdict_table(outcome, prefix))
    for prop in result.properties.values():
        if prop.verdict == VIOLATED and prop.trace is not None:
            parts.append(_trace_section(outcome, prop, prefix))
    parts.append("</section>")
    return "\n".join(part for part in parts if part)


def _matrix_cell(cell, target: str) -> str:
    if cell is None:
        return "<td></td>"
    tip = cell.verdict + (f", {cell.trace_length} steps" if cell.trace_length is not None else "")
    tip += f", expected {cell.expected}" if cell.expected else ""
    css = f"mark v-{cell.verdict}" + (" mismatch" if cell.matches is False else "")
    return f'<td class="{css}" title="{_e(tip)}"><a href="#{target}">{_e(cell.text_with(PLAIN))}</a></td>'


def _breakable(key: str) -> str:
    """A dotted key that may wrap after each dot (`cluster.transaction.partition.verification.enable`)."""
    return ".<wbr>".join(_e(part) for part in key.split("."))


def _guards_cell(outcome, target: str) -> str:
    """Every `sometimes` guard folded into one cell: ✓ when each can happen, else ✗ and the names."""
    if not any(is_guard(outcome, name) for name in outcome.result.properties):
        return "<td></td>"
    failing = guard_failures(outcome)
    text = f"{FAIL} {', '.join(failing)}" if failing else PASS
    mismatch = not guards_as_expected(outcome)
    css = f"mark v-{VIOLATED if failing else HOLDS}" + (" mismatch" if mismatch else "")
    text += f" {PLAIN.mismatch}" if mismatch else ""
    return f'<td class="{css}"><a href="#{target}">{_e(text)}</a></td>'


def _matrix_table(first_columns: list[str], rows) -> str:
    """rows: (first column cells, matrix.Row, outcome index). One column per property but the guards,
    which share the last one."""
    properties = main_properties(row for _leading, row, _index in rows)
    guarded = any(is_guard(row.outcome, name) for _leading, row, _index in rows for name in row.cells)
    head = "".join(f'<th class="key">{name}</th>' for name in first_columns)
    head += "".join(f'<th class="property" scope="col"><span><code>{_e(name)}</code></span></th>'
                    for name in properties)
    head += f'<th class="property" scope="col"><span>{GUARDS_HEADER}</span></th>' if guarded else ""
    body = []
    for leading, row, index in rows:
        line = "".join(leading)
        for name in properties:
            cell = row.cells.get(name)
            target = f"o{index}-{anchor(name)}" if cell and cell.trace_length is not None else f"o{index}"
            line += _matrix_cell(cell, target)
        line += _guards_cell(row.outcome, f"o{index}") if guarded else ""
        body.append(f"<tr>{line}</tr>")
    return (f'<div class="scroll"><table class="matrix"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _overview(outcomes: list) -> str:
    """Specs checked under one configuration share a table with the specs they share properties with
    (`matrix.shared_tables`); a sweep gets a matrix of its own."""
    position = {id(outcome): index for index, outcome in enumerate(outcomes, start=1)}
    matrices = build_matrices(outcomes)
    parts = []
    for table in shared_tables(matrices):
        rows = []
        for matrix in table:
            row = matrix.rows[0]
            index = position[id(row.outcome)]
            leading = [f'<td><a href="#o{index}">{_e(matrix.name)}</a></td>']
            rows.append((leading, row, index))
        parts.append(_matrix_table(["spec"], rows))
    for matrix in matrices:
        if single_configuration(matrix):
            continue
        rows = []
        for row in matrix.rows:
            index = position[id(row.outcome)]
            leading = [f"<td><code>{_e(config_value(row.config[key]))}</code></td>" if key in row.config
                       else "<td></td>" for key in matrix.config_keys]
            rows.append((leading, row, index))
        parts.append(f"<h3>{_e(matrix.name)} <span class=\"path\"><code>{_e(matrix.spec_path)}</code></span></h3>"
                     + _matrix_table([f"<code>{_breakable(key)}</code>" for key in matrix.config_keys], rows))
    parts.append(f'<p class="legend">{_e(PLAIN.legend())}; {GUARDS_HEADER}: whether each `sometimes` '
                 f'guard holds (every ingredient of the claim can happen), or which do not</p>')
    return '<section class="overview"><h2>Matrix</h2>' + "".join(parts) + "</section>"


def render_html(outcomes: Iterable, *, title: str = "modelcheck report", timings: bool = True) -> str:
    """The whole page as a string (UTF-8 text, starting with `<!DOCTYPE html>`).

    `timings=False` leaves out seconds and rates, so a stored page can be compared with a new one.
    """
    outcomes = list(outcomes)
    summary = gate_counts(outcomes)
    if any(outcome.gate == LIMITED for outcome in outcomes):
        summary += f" ({PLAIN.symbols[BOUNDED]} a limit stopped the search)"
    body = [f"<h1>{_e(title)}</h1>", f'<p class="lead">{_e(summary)}</p>']
    if len(outcomes) > 1:
        body.append(_overview(outcomes))
    body.extend(_outcome_section(outcome, index, timings) for index, outcome in enumerate(outcomes, start=1))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")
