"""Outcome: how a result is judged against a spec's expectations."""

from modelcheck.engine import Action, Model, always, explore, sometimes
from modelcheck.runner import exit_code
from modelcheck.spec.outcome import Outcome


def counter(limit: int, guard_target: int) -> Model:
    return Model(name="counter", initial_states=[0],
                 actions=[Action("increment", lambda n: [(f"increment to {n + 1}", n + 1)] if n < limit else [])],
                 properties=[always("small", lambda n: n <= 2),
                             sometimes("reaches-target", lambda n: n == guard_target)])


def outcome_of(model, expected) -> Outcome:
    return Outcome(spec_path="x.py", name=model.name, result=explore(model), model=model, expected=expected)


def test_expected_violation_passes_and_exits_zero():
    outcome = outcome_of(counter(3, 3), {"small": "violated"})
    assert outcome.passed and outcome.mismatches == []
    assert exit_code([outcome]) == 0


def test_unexpected_verdict_is_a_mismatch():
    outcome = outcome_of(counter(3, 3), {"small": "holds"})
    assert outcome.mismatches == [("small", "holds", "violated")]
    assert exit_code([outcome]) == 1


def test_failing_guard_fails_the_check_even_when_not_named():
    outcome = outcome_of(counter(2, 7), {"small": "holds"})
    assert ("reaches-target", "holds", "violated") in outcome.mismatches
    assert not outcome.passed and exit_code([outcome]) == 1


def test_violation_found_before_a_limit_stays_violated():
    result = explore(counter(50, 40), max_states=5)
    assert result.stopped_by == "max_states"
    assert result.properties["small"].verdict == "violated"
    assert result.properties["reaches-target"].verdict == "bounded"


def test_bounded_search_exits_three():
    model = counter(50, 1)
    model.properties = [always("below-100", lambda n: n < 100)]
    result = explore(model, max_states=5)
    outcome = Outcome(spec_path="x.py", name="counter", result=result, model=model, expected={"below-100": "holds"})
    assert result.properties["below-100"].verdict == "bounded"
    assert exit_code([outcome]) == 3
