"""Markdown summary table and sweep matrix."""

from __future__ import annotations

from modelcheck.report.markdown import escape, render_failure, render_markdown, render_matrix, render_summary_table
from modelcheck.report.matrix import build_matrices
from test_report_models import shop_outcome


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---") and not line.startswith("| :"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def sweep():
    return [shop_outcome(expected={"no-duplicate": "violated"}, crash_budget=crash, loss_budget=loss)
            for crash in (0, 1) for loss in (0, 1)]


def test_summary_table_has_a_row_per_configuration_failures_first():
    outcomes = [shop_outcome(expected={"no-duplicate": "violated"}, crash_budget=crash, loss_budget=loss)
                for crash in (1, 0) for loss in (0, 1)]
    rows = table_rows(render_summary_table(outcomes))
    assert rows[0] == ["", "configuration", "file", "verdicts", "states", "scope"]
    assert [row[:2] for row in rows[1:]] == [
        ["❌", "shop (crash\\_budget=0, loss\\_budget=0)"],     # no crash, no duplicate: not as expected
        ["❌", "shop (crash\\_budget=0, loss\\_budget=1)"],
        ["✅", "shop (crash\\_budget=1, loss\\_budget=0)"],
        ["✅", "shop (crash\\_budget=1, loss\\_budget=1)"]]
    assert rows[1][2:4] == ["`tests/shop.py`", "**no-duplicate holds, expected violated**"]
    assert rows[3][3] == "1 as expected (violated: no-duplicate)"    # a pass is not "nothing violated"
    assert rows[3][4] == f"{outcomes[0].result.stats.distinct:,}"


def test_without_expectations_every_violation_is_named():
    rows = table_rows(render_summary_table([shop_outcome()]))
    assert rows[1][0] == "❌"
    assert rows[1][3] == "**no-duplicate violated**; **no-loss violated**; 2 others as expected"


def test_a_failure_has_its_shortest_counterexample_collapsed():
    outcome = shop_outcome(expected={"no-duplicate": "holds", "no-loss": "holds"})
    lengths = {name: len(outcome.result.properties[name].trace.steps) for name in ("no-duplicate", "no-loss")}
    shortest = min(lengths, key=lengths.get)
    block = render_failure(outcome)
    assert block.startswith(f"<details><summary>❌ shop: {shortest} violated, expected holds: the shortest "
                            f"counterexample, {lengths[shortest]} steps</summary>")
    assert block.rstrip().endswith("</details>")
    assert f"```text\n{shortest} (" in block
    assert render_failure(shop_outcome(expected={"no-duplicate": "violated", "no-loss": "violated"})) is None


def test_an_expected_violation_that_is_not_found_says_so():
    block = render_failure(shop_outcome(expected={"no-duplicate": "violated"}, crash_budget=0))
    assert "no-duplicate holds, expected violated" in block
    assert "no reachable state violates it" in block and "the whole state space" in block


def test_a_trace_cannot_close_its_fence_or_the_block():
    outcome = shop_outcome(expected={"no-duplicate": "holds"})
    outcome.name = "</summary></details> ```"
    block = render_failure(outcome)
    assert block.count("</details>") == 1 and block.count("</summary>") == 1
    assert "&lt;/summary&gt;" in block


def test_matrix_has_config_columns_and_a_cell_per_property():
    matrix = build_matrices(sweep())[0]
    rows = table_rows(render_matrix(matrix))
    assert rows[0] == ["crash\\_budget", "loss\\_budget", "no-duplicate", "no-loss", "key-order",
                       "all-written"]
    cells = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert len(cells) == 4
    # no crash: no duplicate, though the spec expects one (flagged); a lost request loses e2
    assert cells[("0", "0")] == ["✅ ⚠️", "✅", "✅", "✅"]
    assert cells[("0", "1")] == ["✅ ⚠️", "❌ 6", "✅", "✅"]
    assert cells[("1", "0")] == ["❌ 5", "✅", "✅", "✅"]
    assert cells[("1", "1")] == ["❌ 5", "❌ 6", "✅", "✅"]


def test_bounded_cells_show_the_hourglass():
    from modelcheck.engine import explore
    from modelcheck.spec.outcome import Outcome
    from test_report_models import two_phase_commit
    model = two_phase_commit(3)
    outcome = Outcome("specs/two_phase_commit.py", "tp", explore(model, max_states=50), model,
                      config={"rms": 3}, expected={"TCConsistent": "holds"})
    matrix = build_matrices([outcome])[0]
    assert matrix.rows[0].cells["TCConsistent"].text == "⏳ ⚠️"
    rows = table_rows(render_summary_table([outcome]))
    assert rows[1][0] == "⏳" and rows[1][4].endswith("(bounded)")
    assert render_failure(outcome) is None
    assert "1 bounded (not a proof)" in render_markdown([outcome])


def test_document_counts_and_collapses_failures_and_the_sweep_matrix():
    text = render_markdown(sweep())
    assert "2 of 4 configurations as expected, 2 unexpected" in text
    assert text.count("<details><summary>❌") == 2
    assert "<details><summary>shop (tests/shop.py): the matrix of its configurations</summary>" in text
    assert "⏳ bounded" in text                                     # the legend
    single = render_markdown([shop_outcome(expected={"no-duplicate": "violated"})])
    assert "<details>" not in single and "1 of 1 configuration as expected, 0 unexpected" in single


def test_pipes_and_markup_cannot_break_a_table():
    assert escape("a|b") == "a\\|b"
    assert escape("<script>`x`") == "\\<script\\>\\`x\\`"
    outcome = shop_outcome()
    outcome.name = "evil | name <b>"
    rows = table_rows(render_summary_table([outcome]))
    assert all(len(row) == 6 for row in rows)
    assert rows[1][1] == "evil \\| name \\<b\\>"


def test_specs_with_one_configuration_share_a_table_only_with_specs_they_share_properties_with():
    from modelcheck.report.matrix import Matrix, Row, shared_tables

    def spec(name, *properties, rows=1, keys=()):
        return Matrix(f"specs/{name}", name, keys, properties, tuple(Row(None, {}, {}) for _ in range(rows)))

    kafka_a, kafka_b = spec("a", "no-loss", "no-duplicate"), spec("b", "no-loss", "progress")
    two_phase, tcommit = spec("2pc", "TCConsistent"), spec("tcommit", "TCConsistent", "all-committed")
    alone, swept = spec("alone", "Safe"), spec("sweep", "no-loss", rows=2, keys=("producer.acks",))
    # "left" and "right" share nothing until "bridge", which has a property of each, joins them
    left, right, bridge = spec("left", "x"), spec("right", "y"), spec("bridge", "y", "x")
    tables = shared_tables([kafka_a, two_phase, swept, alone, kafka_b, tcommit, left, right, bridge])
    assert [[m.name for m in table] for table in tables] == [
        ["a", "b"], ["2pc", "tcommit"], ["alone"], ["left", "right", "bridge"]]
