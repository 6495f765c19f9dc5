"""JSON in the shape SPEC-FORMAT.md documents under "Results".

The contract's example is kept in tests/fixtures/spec-format-results.md (a copy of SPEC-FORMAT.md's,
which lives outside the repository), so the suite needs nothing beside the clone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modelcheck.engine import explore
from modelcheck.report.json_report import outcome_to_dict, render_json
from modelcheck.spec.outcome import Outcome
from test_report_models import broken_two_phase_commit, retry_model, shop_outcome

# The contract's JSON example, copied from SPEC-FORMAT.md "Results" (see the comment in the file).
SPEC_FORMAT_EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "spec-format-results.md"
# Keys of `stats` beyond the contract's example: how the search ended (json_report's docstring).
SEARCH_END_KEYS = {"complete", "stopped_by", "queue"}
BEYOND_SPEC_FORMAT = {"scope", "gate"}    # what was explored, and the gate apart from the verdicts
# The repository's own reference, whose example must show every key the report gives.
DOCS_SPEC_FORMAT = Path(__file__).resolve().parents[1] / "docs" / "spec-format.md"
# Keys of a violated property that the example may leave out: the step from which the violation was
# inevitable (see json_report's docstring and test_inevitable.py).
OPTIONAL_PROPERTY_KEYS = {"inevitable_from"}


def documented_example() -> dict:
    """The example object of SPEC-FORMAT.md's "Results" section (from the fixture copy)."""
    text = SPEC_FORMAT_EXAMPLE.read_text(encoding="utf-8")
    block = re.search(r"`--format json`.*?```json\n(.*?)```", text, re.S).group(1)
    return json.loads(block)


def test_keys_are_the_documented_ones():
    document = json.loads(render_json([shop_outcome(expected={"no-duplicate": "violated"})]))
    assert set(document) == {"spec", "name", "scope", "gate", "config", "stats", "properties"}
    assert set(document["stats"]) == {"distinct", "generated", "depth", "seconds", "terminal", "coverage",
                                      "complete", "stopped_by", "queue"}
    assert set(document["properties"]["no-duplicate"]) == {"verdict", "expected", "trace", "inevitable_from"}
    assert set(document["properties"]["key-order"]) == {"verdict", "expected"}
    step = document["properties"]["no-duplicate"]["trace"][0]
    assert set(step) == {"step", "actor", "action", "changes"}


def test_keys_match_the_example_in_spec_format():
    example = documented_example()
    ours = json.loads(render_json([shop_outcome(expected={"no-duplicate": "violated"})]))
    assert set(ours) == set(example) | BEYOND_SPEC_FORMAT
    assert set(ours["stats"]) == set(example["stats"]) | SEARCH_END_KEYS
    assert (set(ours["properties"]["no-duplicate"]) - OPTIONAL_PROPERTY_KEYS
            == set(example["properties"]["no-duplicate"]) - OPTIONAL_PROPERTY_KEYS)
    assert set(ours["properties"]["no-duplicate"]["trace"][0]) == set(
        example["properties"]["no-duplicate"]["trace"][0])


def test_the_example_in_docs_spec_format_shows_every_key():
    text = DOCS_SPEC_FORMAT.read_text(encoding="utf-8")
    example = json.loads(re.search(r"## JSON output.*?```json\n(.*?)```", text, re.S).group(1))
    ours = json.loads(render_json([shop_outcome(expected={"no-duplicate": "violated"})]))
    assert set(ours) == set(example)
    assert set(ours["stats"]) == set(example["stats"])
    assert set(ours["properties"]["no-duplicate"]) == set(example["properties"]["no-duplicate"])


def test_a_complete_search_says_so():
    stats = json.loads(render_json([shop_outcome()]))["stats"]
    assert (stats["complete"], stats["stopped_by"], stats["queue"]) == (True, None, 0)


@pytest.mark.parametrize("limit, stopped_by", [
    ({"max_states": 5}, "max_states"), ({"max_depth": 3}, "max_depth"),
])
def test_a_bounded_search_says_which_limit_stopped_it_and_what_was_left(limit, stopped_by):
    model = broken_two_phase_commit(3)
    result = explore(model, **limit)
    stats = json.loads(render_json([Outcome("tests/broken.py", "broken", result, model)]))["stats"]
    assert (stats["complete"], stats["stopped_by"]) == (False, stopped_by)
    assert stats["queue"] == result.stats.queue > 0
    assert stats["depth"] == result.stats.depth


def test_values_come_from_the_search():
    outcome = shop_outcome(expected={"no-duplicate": "violated"})
    document = json.loads(render_json([outcome]))
    stats = outcome.result.stats
    assert document["stats"]["distinct"] == stats.distinct
    assert document["stats"]["generated"] == stats.generated
    assert document["stats"]["coverage"] == stats.coverage
    duplicate = document["properties"]["no-duplicate"]
    assert duplicate["verdict"] == "violated" and duplicate["expected"] == "violated"
    assert [s["step"] for s in duplicate["trace"]] == [1, 2, 3, 4, 5]
    crash = duplicate["trace"][3]
    assert crash == {"step": 4, "actor": "consumer", "action": "crashes; restarts at offset 0",
                     "changes": {"position": "1 -> 0", "crashes": "0 -> 1"}}
    assert document["properties"]["key-order"] == {"verdict": "holds", "expected": None}


def test_round_trip_is_lossless():
    outcome = shop_outcome()
    text = render_json([outcome])
    assert json.loads(text) == outcome_to_dict(outcome)
    assert json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n" == text


def test_plain_labels_have_an_empty_actor_and_positional_changes():
    model = broken_two_phase_commit(2)
    outcome = Outcome("tests/broken.py", "broken", explore(model), model)
    trace = outcome_to_dict(outcome)["properties"]["TCConsistent"]["trace"]
    assert all(step["actor"] == "" for step in trace)
    early = next(step for step in trace if step["action"] == "TM commits too early")
    assert early["changes"]["state[1]"] == "0 -> 1"


def test_lasso_has_its_loop_start():
    model = retry_model()
    outcome = Outcome("tests/retry.py", "retry", explore(model), model)
    entry = outcome_to_dict(outcome)["properties"]["delivered"]
    assert entry["loop_start"] == outcome.result.properties["delivered"].trace.loop_start + 1


def test_one_spec_is_an_object_several_a_list_and_a_sweep_has_configs():
    one = json.loads(render_json([shop_outcome()]))
    assert isinstance(one, dict)
    sweep = [shop_outcome(crash_budget=c) for c in (0, 1)]
    document = json.loads(render_json(sweep))
    assert document["spec"] == "tests/shop.py"
    assert [c["config"] for c in document["configs"]] == [{"crash_budget": 0}, {"crash_budget": 1}]
    model = retry_model()
    other = Outcome("tests/retry.py", "retry", explore(model), model)
    both = json.loads(render_json([shop_outcome(), other]))
    assert isinstance(both, list) and [d["name"] for d in both] == ["shop", "retry"]


def test_timings_off_gives_identical_text_for_identical_searches():
    assert render_json([shop_outcome()], timings=False) == render_json([shop_outcome()], timings=False)
    assert json.loads(render_json([shop_outcome()], timings=False))["stats"]["seconds"] is None
