"""The pytest plugin: a user's test suite asserts a spec's verdicts with the `modelcheck_spec` marker and
the `verdict` fixture. Each case runs pytest on a small test suite of its own (pytester, in process,
with `-p modelcheck.pytest_plugin`: the development install predates the entry point)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
SPEC = "specs/consumer-commit-after-process.yaml"


def suite(pytester, source: str):
    (pytester.path / "specs").mkdir(exist_ok=True)
    for name in ("consumer-commit-after-process.yaml", "consumer-rebalance.yaml"):
        shutil.copy(ROOT / "specs" / name, pytester.path / "specs" / name)
    pytester.makepyfile(test_user=source)
    return pytester.runpytest("-p", "modelcheck.pytest_plugin", "-p", "no:cacheprovider", "-q")


def test_a_users_test_asserts_verdicts(pytester):
    result = suite(pytester, f"""
        import pytest

        @pytest.mark.modelcheck_spec("{SPEC}")
        def test_after_process_duplicates_but_never_loses(verdict):
            assert verdict("no-loss") == "holds"
            assert verdict("no-duplicate") == "violated"

        @pytest.mark.modelcheck_spec("{SPEC}")
        def test_a_wrong_claim(verdict):
            assert verdict("no-duplicate") == "holds"

        @pytest.mark.modelcheck_spec("{SPEC}", sets=["sink.dedupe=processed-table"])
        def test_with_a_setting_changed(verdict):
            assert verdict("no-duplicate") == "holds"
    """)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*assert 'violated' == 'holds'*"])


def test_a_sweep_needs_its_configuration_named(pytester):
    result = suite(pytester, """
        import pytest

        @pytest.mark.modelcheck_spec("specs/consumer-rebalance.yaml")
        def test_named(verdict):
            assert verdict("no-duplicate", {"consumer.commit": "auto"}) == "holds"

        @pytest.mark.modelcheck_spec("specs/consumer-rebalance.yaml")
        def test_ambiguous(verdict):
            verdict("no-duplicate")
    """)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*modelcheck: 2 configurations match*consumer.commit=auto*"])


def test_each_spec_is_explored_once_per_session(pytester):
    result = suite(pytester, f"""
        import pytest
        seen = []

        def test_first(modelcheck_check):
            seen.append(modelcheck_check("{SPEC}"))

        def test_second(modelcheck_check):
            assert modelcheck_check("{SPEC}") is seen[0]
            assert modelcheck_check("{SPEC}", max_states=10) is not seen[0]
            assert modelcheck_check("{SPEC}").passed
    """)
    result.assert_outcomes(passed=2)


def test_mistakes_fail_the_test_with_a_message(pytester):
    (pytester.path / "broken.yaml").write_text("consumer:\n  comit: auto\n")
    result = suite(pytester, """
        import pytest

        def test_no_marker(verdict):
            pass

        @pytest.mark.modelcheck_spec("broken.yaml")
        def test_broken_spec(verdict):
            pass
    """)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*the verdict fixture needs the spec it is about*",
                                 "*modelcheck: consumer.comit: unknown key; did you mean consumer.commit?*line 2*"])
    assert "modelcheck/api.py" not in result.stdout.str()       # no traceback into modelcheck


def test_the_entry_point_names_the_plugin_module():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"modelcheck.pytest_plugin": "modelcheck.pytest_plugin"}
    assert (ROOT / "modelcheck" / "pytest_plugin.py").is_file()
