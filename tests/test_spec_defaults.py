"""Defaults that follow other keys, as the Java client's do (spec/configuration.py)."""

import pytest

from modelcheck.errors import InvalidSpec
from modelcheck.spec.configuration import build_config


def idempotence(**settings):
    return build_config({k.replace("__", "."): v for k, v in settings.items()}, {}).producer.enable_idempotence


def test_idempotence_is_on_by_default_as_in_kafka_3():
    assert idempotence() is True


@pytest.mark.parametrize("conflict", [{"producer__acks": "1"}, {"producer__acks": "0"}, {"producer__retries": 0},
                                      {"producer__max__in__flight__requests__per__connection": 6}])
def test_a_conflicting_setting_turns_default_idempotence_off(conflict):
    assert idempotence(**conflict) is False


def test_an_explicit_idempotence_with_a_conflict_is_refused():
    with pytest.raises(InvalidSpec, match="acks=all"):
        idempotence(producer__acks="1", producer__enable__idempotence=True)


def test_explicit_off_stays_off_and_transactions_keep_it_on():
    assert idempotence(producer__enable__idempotence=False) is False
    assert idempotence(producer__transactional__id="tx") is True
