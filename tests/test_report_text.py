"""The text report: summary, verdict table and explained traces of explored models."""

from __future__ import annotations

import re

from modelcheck.engine import Model, explore
from modelcheck.report.text import render_outcome, render_outcomes, render_summary, render_trace, render_verdicts
from test_report_models import (broken_two_phase_commit, retry_model, shop_model, shop_outcome,
                                two_phase_commit)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_summary_states_the_figures_of_the_search():
    result = explore(two_phase_commit(3))
    text = render_summary(result)
    # TLC's figures for TwoPhase with three RMs (tlaplus/Examples), with symmetry off to compare
    plain = render_summary(explore(two_phase_commit(3), symmetry=False))
    assert "288 distinct states, 1,146 generated, depth 11" in plain
    assert f"{result.stats.distinct:,} distinct states" in text
    assert "states/s" in text
    assert "stopped" not in text


def test_a_limit_is_said_loudly():
    result = explore(two_phase_commit(3), max_states=50)
    assert result.stopped_by == "max_states"
    text = render_summary(result)
    assert (f"search stopped by the state limit (max_states) after {result.stats.distinct:,} states: "
            "verdicts marked bounded are NOT proofs") in text
    table = render_verdicts(result)
    assert re.search(r"TCConsistent\s+always\s+-\s+bounded\s+BOUNDED", table)


def test_coverage_warning_names_the_step_that_never_fired():
    model = shop_model(crash_budget=0, loss_budget=0)
    result = explore(model)
    text = render_summary(result)
    assert "warning: never fired: crash, lose" in text


def test_verdict_table_compares_with_expectations():
    outcome = shop_outcome(expected={"no-duplicate": "holds", "no-loss": "violated", "progress": "holds"})
    table = render_verdicts(outcome.result, outcome.expected)
    assert re.search(r"no-duplicate\s+always\s+holds\s+violated\s+5\s+UNEXPECTED", table)
    assert re.search(r"no-loss\s+at_end\s+violated\s+violated\s+6\s+as expected", table)
    assert re.search(r"progress\s+-\s+holds\s+missing\s+UNEXPECTED", table)
    assert re.search(r"key-order\s+always\s+-\s+holds\s+not judged", table)


def test_trace_shows_actor_action_and_only_the_changed_fields():
    model = shop_model()
    prop = explore(model).properties["no-duplicate"]
    text = render_trace(prop, model)
    lines = text.splitlines()
    step4 = next(i for i, line in enumerate(lines) if re.match(r"\s+4\s+consumer\s+\[fault\] crashes", line))
    # the crash rewinds the position and spends the crash budget, and nothing else
    assert lines[step4 + 1].strip() == "position: 1 -> 0"
    assert lines[step4 + 2].strip() == "crashes: 0 -> 1"
    assert re.match(r"\s+5\s+consumer\s+writes e1 to the database", lines[step4 + 3])
    assert "database: ('e1',) -> ('e1', 'e1')" in text
    assert "log:" not in "\n".join(lines[step4:])       # the log did not change in the last steps
    assert "the property: no event is written to the database more than once" in text
    assert "evidence: e1 written to the database twice" in text


def test_trace_uses_the_models_explain_step():
    base = shop_model()
    model = Model(name="shop", initial_states=base.initial_states, actions=base.actions,
                  properties=base.properties,
                  explain_step=lambda before, label, after: [f"rows: {len(before.database)} -> "
                                                              f"{len(after.database)}"])
    text = render_trace(explore(model).properties["no-duplicate"], model)
    assert "rows: 1 -> 2" in text
    assert "position:" not in text


def test_plain_labels_have_no_actor_column_and_tuples_diff_by_position():
    model = broken_two_phase_commit(2)
    prop = explore(model).properties["TCConsistent"]
    text = render_trace(prop, model)
    assert re.search(r"^\s+\d+  TM commits too early$", text, re.M)
    assert "initial state: rm0=working, rm1=working; TM init" in text
    assert "state[1]: 0 -> 1" in text                 # tm_state: init -> done
    assert "state: rm0=committed, rm1=aborted" in text or "state: rm0=aborted, rm1=committed" in text


def test_eventually_lasso_marks_the_cycle():
    model = retry_model()
    prop = explore(model).properties["delivered"]
    text = render_trace(prop, model)
    lines = text.splitlines()
    marker = next(i for i, line in enumerate(lines) if "cycle starts here" in line)
    assert "steps 1-2 repeat for ever" in lines[marker]
    assert re.match(r"\s+1\s+producer\s+sends e1", lines[marker + 1])
    assert "back in its initial state" in text


def test_color_is_off_by_default_and_on_when_asked():
    outcome = shop_outcome()
    plain = render_outcome(outcome)
    colored = render_outcome(outcome, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == plain


def test_outcomes_count_passes_and_failures():
    good = shop_outcome(expected={"no-duplicate": "violated", "no-loss": "violated"})
    bad = shop_outcome(expected={"no-duplicate": "holds"})
    text = render_outcomes([good, bad])
    assert text.rstrip().endswith("1 of 2 configurations as expected, 1 unexpected")
    assert text.count("gate: as expected") == 1 and text.count("gate: UNEXPECTED") == 1
    assert "PASS" not in text and "FAIL" not in text


def test_outcome_shows_the_first_paragraph_of_a_long_description():
    outcome = shop_outcome()
    outcome.description = "A consumer\nthat commits late.\n\nLong details nobody wants in a terminal."
    text = render_outcome(outcome)
    assert "A consumer that commits late." in text
    assert "Long details" not in text


def test_a_run_that_stays_put_says_why():
    from modelcheck.engine import WEAK, Action, eventually
    stuck = Model(name="stuck", initial_states=[0],
                  actions=[Action("Go", lambda n: [("go", n + 1)] if n < 2 else []),
                           Action("Finish", lambda n: [("finish", 9)] if n == 2 else [], fairness=WEAK)],
                  properties=[eventually("reaches-two", lambda n: n == 2), eventually("reaches-nine", lambda n: n == 9)])
    result = explore(stuck)
    unfair = render_trace(result.properties["reaches-two"], stuck)
    assert "after step 0 only steps without fairness (or faults) are enabled" in unfair
    ended = render_trace(result.properties["reaches-nine"], stuck)
    assert "after step 0 only steps without fairness" in ended      # Go is unfair: it may never happen
    fair = Model(name="fair", initial_states=[0],
                 actions=[Action("Go", lambda n: [("go", n + 1)] if n < 2 else [], fairness=WEAK)],
                 properties=[eventually("reaches-five", lambda n: n == 5)])
    terminal = render_trace(explore(fair).properties["reaches-five"], fair)
    assert "after step 2 no step is enabled: the run ends here" in terminal
