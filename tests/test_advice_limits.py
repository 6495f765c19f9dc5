"""`--suggest` within the command's limits: the neighbours' explorations share what the search left of
the time limit, and a cut-short search for suggestions says so instead of passing for complete."""

import time

from modelcheck.advice import suggest
from modelcheck.engine import Action, Model, always
from modelcheck.engine.limits import Limits
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.rules import follow_defaults


def slow_model(_config):
    """A model whose exhaustive search takes far longer than the tests' limits (a counter to 10**9)."""
    return Model(name="slow", initial_states=[0],
                 actions=[Action("count", lambda n: [("count", n + 1)] if n < 10 ** 9 else [])],
                 properties=[always("small", lambda n: True)])


def test_the_suggestions_stop_at_the_deadline_and_say_why():
    config = follow_defaults(KafkaConfig(), {})
    started = time.perf_counter()
    found, stopped = suggest({}, config, {"no-duplicate": "violated"}, Limits(), build_model=slow_model,
                             deadline=time.perf_counter() + 1.0)
    assert stopped == "time_limit"
    assert time.perf_counter() - started < 10
    assert found == {"no-duplicate": []}


def test_without_a_deadline_or_a_violation_nothing_is_cut_short():
    config = follow_defaults(KafkaConfig(), {})
    assert suggest({}, config, {"no-loss": "holds"}, Limits(), build_model=slow_model) == ({}, None)


def test_the_reports_say_the_suggestions_are_incomplete():
    from modelcheck.engine import explore
    from modelcheck.report.json_report import outcome_to_dict
    from modelcheck.report.text import render_outcome
    from modelcheck.spec.outcome import Outcome

    model = Model(name="tiny", initial_states=[0], actions=[Action("step", lambda n: [("step", 1)] if n == 0 else [])],
                  properties=[always("zero", lambda n: n == 0)])
    outcome = Outcome(spec_path="tiny.py", name="tiny", result=explore(model), model=model,
                      suggestions={"zero": []}, suggestions_incomplete="time_limit")
    assert "not every change was explored (the time limit ran out)" in render_outcome(outcome)
    assert outcome_to_dict(outcome)["suggestions_incomplete"] == "time_limit"
    complete = Outcome(spec_path="tiny.py", name="tiny", result=explore(model), model=model)
    assert "suggestions_incomplete" not in outcome_to_dict(complete)
    assert "not every change" not in render_outcome(complete)
