"""The committed reports/ are what the code produces from the bundled specs (`make reports`)."""

from pathlib import Path

from modelcheck.report.bundle import render_bundle
from modelcheck.runner import run_specs
from modelcheck.spec import discover

ROOT = Path(__file__).resolve().parents[1]


def test_committed_reports_are_current(monkeypatch):
    monkeypatch.chdir(ROOT)                 # as `make reports` runs it: `modelcheck report specs/`
    outcomes = run_specs(discover(["specs/"]))
    files = render_bundle(outcomes)
    reports = ROOT / "reports"
    stale = sorted(p.name for p in reports.glob("*.md") if p.name not in files)
    assert not stale, f"reports/ has pages of specs that no longer exist: {stale}; run `make reports`"
    for name, text in files.items():
        committed = reports / name
        assert committed.exists(), f"reports/{name} is missing; run `make reports`"
        assert committed.read_text(encoding="utf-8") == text, (
            f"reports/{name} differs from what the code produces; run `make reports` and commit")
