"""A model's own bug is reported as such, with its cause chained; a limit stops where it says."""

import pytest

from modelcheck.engine import Action, Model, always, explore
from modelcheck.errors import InvalidModel


def counter(step, properties=()):
    return Model(name="buggy", initial_states=[0], actions=[Action("go", step)], properties=list(properties))


def test_an_exception_in_an_action_names_the_action_and_keeps_the_cause():
    model = counter(lambda n: [("go", n + "1")] if n < 3 else [])        # the model's own bug: int + str
    with pytest.raises(InvalidModel) as raised:
        explore(model)
    message = str(raised.value)
    assert "action 'go' raised TypeError" in message and "test_engine_errors.py line" in message
    assert isinstance(raised.value.__cause__, TypeError)
    assert "not a list of" not in message


def test_a_broken_return_value_is_blamed_on_the_contract():
    model = counter(lambda n: [("go", [n + 1])] if n < 3 else [])        # a list is not hashable
    with pytest.raises(InvalidModel, match="not a list of \\(label, hashable state\\) pairs"):
        explore(model)


def test_an_exception_in_a_predicate_names_the_property():
    model = counter(lambda n: [("go", n + 1)] if n < 3 else [], [always("bad", lambda n: n < "3")])
    with pytest.raises(InvalidModel) as raised:
        explore(model)
    assert "property 'bad' raised TypeError" in str(raised.value)
    assert "not hashable" not in str(raised.value)


def test_max_states_stops_at_the_limit():
    model = counter(lambda n: [(f"to {n + d}", n + d) for d in (1, 2, 3)] if n < 10_000 else [])
    result = explore(model, max_states=100)
    assert result.stopped_by == "max_states"
    assert result.stats.distinct == 100
    assert explore(model).stats.distinct == explore(model, max_states=10**9).stats.distinct
