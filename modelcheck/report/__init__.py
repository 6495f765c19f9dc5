"""Reports: pure functions from search results to text. Nothing here prints, reads a terminal or a clock.

Inputs are the engine's `Result` / `PropertyResult` / `Trace` and the spec layer's `Outcome` (one
checked configuration: spec path, name, result, the explored model, description, config, expected).
The `model` arguments are optional everywhere: they supply the report hooks `describe_state`,
`format_label`, `explain_step(before, label, after) -> list[str]` and `explain_violation(name, trace)
-> str`; without them a step shows a generic diff of the state. Every function returns a `str`.

`timings=False` (where offered) leaves out seconds and states per second, so a stored report can be
compared with a regenerated one.

text (`report.text`), for terminals; `color=True` adds ANSI colours:
    render_summary(result, *, color=False, timings=True)                 statistics, warnings, limit hit
    render_verdicts(result, expected=None, *, color=False)               the verdict table
    render_trace(prop, model=None, *, color=False)                       one explained trace
    render_result(result, model=None, *, expected=None, color=False, traces=True, timings=True)
    render_outcome(outcome, *, color=False, traces=True, timings=True)
    render_outcomes(outcomes, *, color=False, traces=True, timings=True) `explore`'s text output
    render_check(outcomes, *, color=False, timings=True)                  `check`'s text output

Mermaid (`report.mermaid`):
    render_sequence(trace, model=None, prop=None)   one `sequenceDiagram` source
    render_property(prop, model=None)               the diagram of a property's trace ("" if none)
    render_outcomes(outcomes)                       Markdown with a ```mermaid block per counterexample

SVG (`report.svg`):
    render_svg(trace, model=None, prop=None, *, diagram_id=None)   an inline `<svg>` sequence diagram

HTML (`report.html`):
    render_html(outcomes, *, title="modelcheck report", timings=True)   one self-contained page

JUnit XML (`report.junit`):
    render_junit(outcomes, *, name="modelcheck", timings=True)
        a <testsuite> per outcome, a <testcase> per expected property (per property when the spec
        expects nothing), with the file and the line of its expect: entry; a missed expectation is a
        <failure type="mismatch"> with the text trace;
        a bounded verdict is an <error type="bounded" message="bounded"> (exit code 3 territory).

Markdown (`report.markdown`), for CI job summaries:
    render_summary_table(outcomes)          | mark | configuration | file | verdicts | states |, failures first
    render_failure(outcome)                 a failing configuration's shortest counterexample, in <details>
    render_matrix(matrix)                   one spec's sweep matrix (`report.matrix.Matrix`)
    render_markdown(outcomes, *, title="modelcheck results")   heading, table, failures, sweep matrices

JSON (`report.json_report`), the format of SPEC-FORMAT.md "Results":
    outcome_to_dict(outcome, *, timings=True)            one configuration's object
    to_json_data(outcomes, *, timings=True)              an object for one spec, a list for several
    render_json(outcomes, *, timings=True, indent=2)     the same as text

Trace files (`report.trace_file`), counterexamples saved for `modelcheck replay`:
    trace_files(outcomes, directory, *, sets=(), sweeps=(), params=())   {file name: JSON text}
    parse_trace_file(text, path)             the `TraceFile` a file's text holds, every key checked

Shared pieces: `report.explain` (what each step did: `explain_trace`, `state_diff`), `report.matrix`
(the verdict matrix behind the Markdown and HTML tables).
"""

from modelcheck.report.html import render_html
from modelcheck.report.json_report import outcome_to_dict, render_json, to_json_data
from modelcheck.report.junit import render_junit
from modelcheck.report.markdown import render_failure, render_markdown, render_matrix, render_summary_table
from modelcheck.report.mermaid import render_sequence
from modelcheck.report.svg import render_svg
from modelcheck.report.text import (render_check, render_outcome, render_outcomes, render_result,
                                    render_summary, render_trace, render_verdicts)

__all__ = [
    "outcome_to_dict", "render_check", "render_html", "render_json", "render_junit", "render_markdown",
    "render_matrix", "render_outcome", "render_outcomes", "render_result", "render_sequence",
    "render_failure", "render_summary", "render_summary_table", "render_svg", "render_trace", "render_verdicts",
    "to_json_data",
]
