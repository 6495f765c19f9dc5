"""Plain-text reports for a terminal: the search summary, the verdict table and explained traces.

Every function returns a string and prints nothing; `color=True` adds ANSI colour codes (the caller
decides whether the output is a terminal). A trace is shown as numbered steps, each with its actor, what
it did and what changed (see `explain`), followed by the property in plain words and the model's
evidence for the violation; a temporal counterexample marks where its cycle starts, and an
`always` or `at_end` counterexample marks with ⚑ the step from which the violation was inevitable
(`explain.inevitable_from`; found only when the model is given).

A search stopped by a limit is said loudly, because its `bounded` verdicts prove nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from modelcheck.engine.model import AT_END, SOMETIMES, TEMPORAL
from modelcheck.engine.result import BOUNDED, HOLDS, VIOLATED, PropertyResult, Result
from modelcheck.engine.inevitable import BOUNDED as UNDECIDED
from modelcheck.report.scope import GATE_WORDS, gate_counts, scope_lines, scope_summary
from modelcheck.spec.outcome import AS_EXPECTED, LIMITED, UNEXPECTED
from modelcheck.report.explain import (describe_state, evidence, explain_trace, inevitable_from,
                                       inevitable_sentence, not_computed_sentence, trace_length, trace_role,
                                       undecided_sentence)

_RESET = "\033[0m"
_STYLES = {"bold": "\033[1m", "dim": "\033[2m", "red": "\033[31m", "green": "\033[32m",
           "yellow": "\033[33m", "cyan": "\033[36m", "alarm": "\033[1;31m"}

STOP_REASONS = {
    "max_states": "the state limit (max_states)",
    "max_depth": "the depth limit (max_depth)",
    "time_limit": "the time limit",
    "max_memory": "the memory limit (max_memory)",
    "interrupted": "an interrupt (Ctrl-C)",
}


class _Paint:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def first_paragraph(text: str) -> str:
    """The first paragraph of a description (a module docstring can be long), on one line."""
    return " ".join(text.strip().split("\n\n")[0].split())


def stopped_sentence(result: Result) -> str | None:
    """The loud sentence for a search that a limit stopped, or None for a complete search."""
    if result.stopped_by is None:
        return None
    if result.stopped_by == "simulation":
        return (f"random simulation, not an exhaustive search ({result.stats.distinct:,} different states "
                f"visited): verdicts marked bounded are NOT proofs")
    reason = STOP_REASONS.get(result.stopped_by, result.stopped_by)
    return (f"search stopped by {reason} after {result.stats.distinct:,} states: "
            f"verdicts marked bounded are NOT proofs")


def stats_sentence(result: Result, *, timings: bool = True) -> str:
    """"288 distinct states, 1,146 generated, depth 11, 0.02 s (14,400 states/s)".

    `timings=False` leaves out the seconds and the rate, which change from run to run.
    """
    stats = result.stats
    text = f"{stats.distinct:,} distinct states, {stats.generated:,} generated, depth {stats.depth}"
    if timings:
        text += f", {stats.seconds:.2f} s ({stats.states_per_second:,.0f} states/s)"
    if stats.terminal:
        text += f", {stats.terminal:,} terminal"
    if stats.workers > 1:
        text += f", {stats.workers} workers"
    return text


COLLISION_NOTE = ("a collision can only hide states: a violation found is real, and a 'holds' holds with the "
                  "probability that none happened")


def tlc_number(value: float) -> str:
    """A probability as TLC prints its estimate: "3.9E-8" (two digits, no padded exponent)."""
    if value == 0:
        return "0.0"
    mantissa, exponent = f"{value:.1E}".split("E")
    return f"{mantissa}E{int(exponent)}"


def fingerprint_lines(result: Result) -> list[str]:
    """For a search that kept fingerprints (`engine.fingerprint_bfs`): TLC's estimate of the probability
    of a collision, and what a collision does; nothing for the exact search."""
    fingerprints = result.stats.fingerprints
    if fingerprints is None:
        return []
    return [f"seen-set of {fingerprints.width}-bit fingerprints; the probability that two distinct states had "
            f"the same fingerprint, calculated (optimistic): val = {tlc_number(fingerprints.probability)}",
            COLLISION_NOTE]


def render_summary(result: Result, *, color: bool = False, timings: bool = True) -> str:
    """The search in a few lines: statistics, the fingerprints' collision estimate, coverage warnings,
    and a limit that stopped it."""
    paint = _Paint(color)
    lines = [f"{paint(result.model, 'bold')}: {stats_sentence(result, timings=timings)}"]
    lines += fingerprint_lines(result)
    stopped = stopped_sentence(result)
    if stopped:
        lines.append(paint(f"!! {stopped}", "alarm"))
        if result.stats.queue:
            lines.append(paint(f"!! {result.stats.queue:,} states were found but never explored", "alarm"))
    for warning in result.warnings:
        lines.append(paint(f"warning: {warning}", "yellow"))
    return "\n".join(lines) + "\n"


def row_status(found: str, expected: str | None, judged: bool = True) -> str | None:
    """The gate of one verdict (`spec.outcome`: as expected, unexpected, bounded), or None when the spec
    states expectations but none for this property, which the gate then does not judge."""
    if found == BOUNDED:
        return LIMITED
    if expected is not None:
        return AS_EXPECTED if found == expected else UNEXPECTED
    if not judged:
        return None
    return UNEXPECTED if found == VIOLATED else AS_EXPECTED


ROW_WORDS = {AS_EXPECTED: "as expected", UNEXPECTED: "UNEXPECTED", LIMITED: "BOUNDED", None: "not judged"}


def render_verdicts(result: Result, expected: Mapping[str, str] | None = None, *,
                    color: bool = False) -> str:
    """A table: property, kind, expected, found (the verdict), trace length, gate; one row per property.

    With expectations, a property the spec says nothing of is not judged (a `sometimes` guard is
    expected to hold); without any, a violation is unexpected."""
    paint = _Paint(color)
    expected = dict(expected or {})
    rows = [("property", "kind", "expected", "found", "trace", "gate")]
    styles = [None]
    names = list(result.properties) + [name for name in expected if name not in result.properties]
    for name in names:
        prop = result.properties.get(name)
        found = prop.verdict if prop else "missing"
        length = trace_length(prop) if prop else None
        status = row_status(found, expected.get(name), judged=not expected or (prop is not None and prop.kind == SOMETIMES))
        rows.append((name, prop.kind if prop else "-", expected.get(name, "-"), found,
                     "" if length is None else str(length), ROW_WORDS[status]))
        styles.append({AS_EXPECTED: "green", LIMITED: "yellow", None: "dim"}.get(status, "red"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for index, (row, style) in enumerate(zip(rows, styles)):
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        line = "  ".join(cells).rstrip()
        if index == 0:
            line = paint(line, "bold")
        elif style:
            line = "  ".join(cells[:-1]) + "  " + paint(row[-1], style)
        out.append(line.rstrip())
    return "\n".join(out) + "\n"


def render_trace(prop: PropertyResult, model=None, *, color: bool = False, number: tuple | None = None) -> str:
    """A property's trace explained step by step, ending with the property and the evidence.

    `model` (the explored `Model`) supplies `describe_state`, `explain_step` and `explain_violation`
    when it has them; without it the steps show a generic diff of the state. `number` is (n, of) for
    one of several counterexamples (`PropertyResult.more`).
    """
    paint = _Paint(color)
    role = trace_role(prop)
    head = f"{prop.name} ({prop.kind}) {prop.verdict}"
    lines = [paint(head, "red" if prop.verdict == VIOLATED else "bold")
             + (f": {prop.description}" if prop.description else "")]
    trace = prop.trace
    if trace is None:
        if prop.verdict == VIOLATED and prop.kind == SOMETIMES:
            lines.append("  no reachable state satisfies it (every reachable state was explored)")
        return "\n".join(lines) + "\n"
    count = len(trace.steps)
    kind = "shortest counterexample" if role == "counterexample" else "shortest witness"
    if number is not None:
        kind = f"counterexample {number[0]} of {number[1]} (shortest to its own violating state)"
    lines.append(f"{kind}, {count} step{'s' if count != 1 else ''}:")
    steps = explain_trace(trace, model)
    inevitable = inevitable_from(prop, model)
    sealed = inevitable.step if inevitable is not None else None
    number_width = len(str(count))
    actor_width = max((len(step.actor) for step in steps), default=0)
    indent = " " * (2 + number_width + 2 + (actor_width + 2 if actor_width else 0))
    if sealed == 0:
        lines.append(paint(f"  {inevitable_sentence(0)}", "red"))
    lines.append(f"  {'0'.rjust(number_width)}  " + (" " * (actor_width + 2) if actor_width else "")
                 + paint(f"initial state: {describe_state(model, trace.initial)}", "dim"))
    for step in steps:
        if step.loop_start:
            lines.append(paint(f"  ⟲ the cycle starts here: steps {step.number}-{count} repeat for ever",
                               "cyan"))
        if step.number == sealed:
            lines.append(paint(f"  {inevitable_sentence(sealed)}", "red"))
        actor = (paint(step.actor.ljust(actor_width), "bold") + "  ") if actor_width else ""
        action = step.action
        if step.fault:
            action = paint(f"[fault] {action}", "yellow")
        lines.append(f"  {str(step.number).rjust(number_width)}  {actor}{action}")
        for change in step.changes:
            lines.append(indent + "  " + paint(change, "dim"))
    lines.extend(_ending(prop, model, paint, count))
    if inevitable is not None and inevitable.status == UNDECIDED:
        lines.insert(-1, paint(f"   {undecided_sentence()}", "dim"))
    cut_short = not_computed_sentence(inevitable)
    if cut_short:
        lines.insert(-1, paint(f"  {cut_short}", "dim"))
    return "\n".join(lines) + "\n"


def _ending(prop: PropertyResult, model, paint, count: int) -> list[str]:
    trace = prop.trace
    lines = []
    if prop.verdict == VIOLATED:
        if trace.loop_start is not None:
            back = ("in its initial state" if trace.loop_start == 0
                    else f"where it was after step {trace.loop_start}")
            where = (f"after step {count} the system is back {back}, and it can go round that cycle "
                     f"for ever without the property coming true")
        elif prop.kind in TEMPORAL and model is not None and model.successors(trace.last):
            where = (f"after step {count} only steps without fairness (or faults) are enabled, so the run "
                     f"may stay there for ever")
        elif prop.kind in TEMPORAL or prop.kind == AT_END:
            where = f"after step {count} no step is enabled: the run ends here"
        else:
            where = f"the state after step {count} breaks it"
        lines.append(paint(f"=> {prop.name} violated: {where}", "red"))
        if prop.description:
            lines.append(f"   the property: {prop.description}")
        said = evidence(model, prop)
        if said:
            lines.append(f"   evidence: {said}")
    elif prop.verdict == HOLDS:
        lines.append(f"=> {prop.name} is satisfied in the state after step {count}")
    lines.append(paint(f"   state: {describe_state(model, trace.last)}", "dim"))
    return lines


def render_result(result: Result, model=None, *, expected: Mapping[str, str] | None = None,
                  color: bool = False, traces: bool = True, timings: bool = True) -> str:
    """Summary, verdict table, and (with `traces`) the trace of every violated property."""
    parts = [render_summary(result, color=color, timings=timings),
             render_verdicts(result, expected, color=color)]
    if traces:
        for prop in result.properties.values():
            if prop.verdict == VIOLATED:
                if prop.more:
                    count = 1 + len(prop.more)
                    parts.append(render_trace(prop, model, color=color, number=(1, count)))
                    for index, trace in enumerate(prop.more, start=2):
                        other = replace(prop, trace=trace, more=(), inevitable=None)
                        parts.append(render_trace(other, model, color=color, number=(index, count)))
                else:
                    parts.append(render_trace(prop, model, color=color))
    return "\n".join(parts)


def render_outcome(outcome, *, color: bool = False, traces: bool = True, timings: bool = True) -> str:
    """One checked configuration (`spec.outcome.Outcome`): its spec, configuration and result."""
    paint = _Paint(color)
    head = f"{outcome.name} ({outcome.spec_path})"
    lines = [paint(head, "bold")]
    lines.extend(scope_lines(outcome))
    if outcome.description:
        lines.append(first_paragraph(outcome.description))
    if outcome.config:
        from modelcheck.report.matrix import config_text
        lines.append("config: " + config_text(outcome.config))
    for note in getattr(outcome, "notes", ()):
        lines.append(f"not modelled, may matter: {note}")
    lines.append(paint(gate_sentence(outcome), GATE_STYLES[outcome.gate]))
    from modelcheck.report.matrix import cost_sentence
    cost = cost_sentence(outcome)
    if cost:
        lines.append(cost)
    body = render_result(outcome.result, outcome.model, expected=outcome.expected, color=color,
                         traces=traces, timings=timings)
    advice = [f"what to change: {text}" for name in outcome.result.properties for text in
              _suggestions(outcome, name)]
    stopped = getattr(outcome, "suggestions_incomplete", None)
    if stopped:
        why = "the time limit ran out" if stopped == "time_limit" else "interrupted"
        advice.append(f"what to change: not every change was explored ({why}); more may help")
    if advice:
        body += "\n" + "\n".join(advice) + "\n"
    return "\n".join(lines) + "\n" + body


GATE_STYLES = {AS_EXPECTED: "green", UNEXPECTED: "red", LIMITED: "yellow"}


def gate_sentence(outcome) -> str:
    """"gate: as expected (violated as the spec expects: no-loss)", "gate: UNEXPECTED (no-loss violated)":
    the gate's word, then the verdicts behind it, so a violation is never hidden behind a green word."""
    text = f"gate: {GATE_WORDS[outcome.gate]}"
    failures = outcome.failures
    if failures:
        said = [f"{name} {found}" + (f", expected {expected}" if expected else "")
                for name, expected, found in failures]
        return text + " (" + "; ".join(said) + ")"
    violated = [prop.name for prop in outcome.result.violated]
    if violated:
        text += f" (violated as the spec expects: {', '.join(violated)})"
    return text


def render_matrix_text(outcomes: Iterable) -> str:
    """For each spec explored under several configurations: one row per configuration, one column per
    property (guards left out), `holds`, `VIOLATED 7` (the shortest trace's steps) or `bounded`; a `!`
    marks a verdict the spec did not expect."""
    from modelcheck.report.matrix import COST_HEADER, build_matrices, config_value, cost_cell, has_cost
    blocks = []
    for matrix in build_matrices(outcomes):
        if len(matrix.rows) < 2:
            continue
        names = [name for name in matrix.properties
                 if any(name in row.outcome.result.properties
                        and row.outcome.result.properties[name].kind != "sometimes" for row in matrix.rows)]
        costed = has_cost(row.outcome for row in matrix.rows)
        header = list(matrix.config_keys) + ([COST_HEADER] if costed else []) + names
        rows = []
        for row in matrix.rows:
            cells = [config_value(row.config.get(key, "")) for key in matrix.config_keys]
            if costed:
                cells.append(cost_cell(row.outcome))
            for name in names:
                cell = row.cells.get(name)
                if cell is None:
                    cells.append("")
                    continue
                text = {"holds": "holds", "bounded": "bounded"}.get(cell.verdict, cell.verdict.upper())
                if cell.trace_length is not None and cell.verdict == "violated":
                    text += f" {cell.trace_length}"
                if cell.matches is False:
                    text += " !"
                cells.append(text)
            rows.append(cells)
        widths = [max(len(str(line[i])) for line in [header] + rows) for i in range(len(header))]
        lines = [f"{matrix.name}: {len(matrix.rows)} configurations", ""]
        for line in [header] + rows:
            lines.append("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
        lines.append("")
        lines.append("VIOLATED n: violated, with a shortest counterexample of n steps; "
                     "!: not what the spec expects")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_outcomes(outcomes: Iterable, *, color: bool = False, traces: bool = True,
                    timings: bool = True) -> str:
    """Several outcomes, one after another, then one line counting them by their gate. A spec explored
    under several configurations (a sweep) starts with its matrix."""
    outcomes = list(outcomes)
    parts = [render_outcome(outcome, color=color, traces=traces, timings=timings) for outcome in outcomes]
    matrix = render_matrix_text(outcomes)
    if matrix:
        parts.insert(0, matrix + "\n")
    parts.append(gate_counts(outcomes) + "\n")
    return ("\n" + "-" * 72 + "\n").join(parts[:-1]) + "\n" + parts[-1] if len(parts) > 1 else parts[-1]


def _suggestions(outcome, name: str) -> list[str]:
    return [str(suggestion) for suggestion in (getattr(outcome, "suggestions", None) or {}).get(name, ())]


CHECK_TAGS = {AS_EXPECTED: "AS EXPECTED", UNEXPECTED: "UNEXPECTED", LIMITED: "BOUNDED"}


def render_check(outcomes: Iterable, *, color: bool = False, timings: bool = True) -> str:
    """The CI gate's view: one line per configuration, and the trace of every missed expectation.

    A configuration is AS EXPECTED (every expectation met; with no `expect:`, nothing violated),
    UNEXPECTED (with each property that missed and its explained trace) or BOUNDED (a limit stopped the
    search; the loud sentence follows); under it, its explored scope. The last line counts them.
    """
    paint = _Paint(color)
    outcomes = list(outcomes)
    lines: list[str] = []
    for outcome in outcomes:
        result = outcome.result
        from modelcheck.report.matrix import config_text
        config = config_text(outcome.config)
        where = f"{outcome.name} [{config}]" if config else outcome.name
        figures = stats_sentence(result, timings=timings)
        tag = paint(CHECK_TAGS[outcome.gate], GATE_STYLES[outcome.gate])
        lines.append(f"{tag}  {where}  ({outcome.spec_path}: {figures})")
        lines.extend(paint(f"      {line}", "dim") for line in scope_summary(outcome))
        stopped = stopped_sentence(result)
        if stopped:
            lines.append(paint(f"      !! {stopped}", "alarm"))
        for warning in result.warnings:
            lines.append(paint(f"      warning: {warning}", "yellow"))
        limited = [(name, expected, found) for name, expected, found in outcome.mismatches if found == BOUNDED]
        for name, expected, found in outcome.failures + limited:
            said = f"expected {expected}, found {found}" if expected else f"found {found}"
            lines.append(paint(f"      {name}: {said}", "red"))
            prop = result.properties.get(name)
            if prop is not None and prop.trace is not None and found == VIOLATED:
                trace = render_trace(prop, outcome.model, color=color)
                lines.extend("      " + line if line else "" for line in trace.rstrip("\n").splitlines())
            for suggestion in _suggestions(outcome, name):
                lines.append(f"      what to change: {suggestion}")
    lines.append(paint(gate_counts(outcomes), "bold"))
    return "\n".join(lines) + "\n"
