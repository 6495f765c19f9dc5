"""Markdown summary table and sweep matrix."""

from __future__ import annotations

from modelcheck.report.markdown import escape, render_markdown, render_matrix, render_summary_table
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


def test_summary_table_has_a_row_per_property_with_the_right_marks():
    outcome = shop_outcome(expected={"no-duplicate": "violated", "no-loss": "holds"})
    rows = table_rows(render_summary_table([outcome]))
    assert rows[0] == ["spec", "property", "expected", "found", "result", "trace"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["no-duplicate"][2:] == ["violated", "violated", "✅", "5"]
    assert by_name["no-loss"][2:] == ["holds", "violated", "❌", "6"]
    assert by_name["key-order"][2:] == ["-", "holds", "·", ""]     # not expected either way: shown, not judged


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
    assert rows[1][1:5] == ["TCConsistent", "holds", "bounded", "⏳"]
    assert "with bounded verdicts (not proofs)" in render_markdown([outcome])


def test_document_counts_and_includes_the_sweep_matrix_only_for_sweeps():
    text = render_markdown(sweep())
    assert "2 of 4 configurations passed" in text
    assert "### shop (`tests/shop.py`)" in text
    assert "⏳ bounded" in text                                     # the legend
    single = render_markdown([shop_outcome(expected={"no-duplicate": "violated"})])
    assert "###" not in single


def test_pipes_and_markup_cannot_break_a_table():
    assert escape("a|b") == "a\\|b"
    assert escape("<script>`x`") == "\\<script\\>\\`x\\`"
    outcome = shop_outcome()
    outcome.name = "evil | name <b>"
    rows = table_rows(render_summary_table([outcome]))
    assert all(len(row) == 6 for row in rows)
    assert rows[1][0] == "evil \\| name \\<b\\>"
