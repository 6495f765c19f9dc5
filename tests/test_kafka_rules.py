"""Kafka's rules between settings live in the Kafka layer (`modelcheck.kafka.rules`): a `KafkaConfig` built
without a spec file meets the same rules the spec layer reports with file and line."""

import pytest

from modelcheck.errors import InvalidSpec
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.model import build_model
from modelcheck.kafka.rules import conflicts, follow_defaults
from modelcheck.kafka.sink import SINKS


def config_of(**settings):
    config = KafkaConfig()
    for key, value in settings.items():
        config = config.with_value(key, value)
    return follow_defaults(config, settings), settings


def test_an_output_topic_cannot_dedupe_in_batch_in_either_layer():
    config, settings = config_of(**{"sink.type": "topic", "sink.dedupe": "in-batch"})
    assert [c.keys for c in conflicts(config, settings)] == [("sink.dedupe", "sink.type")]
    with pytest.raises(InvalidSpec, match="a topic sink cannot dedupe with in-batch"):
        build_model(config)          # the model refused it before; it accepted topic + in-batch


def test_the_idempotence_default_follows_acks_and_its_conflicts_name_both_keys():
    config, settings = config_of(**{"producer.acks": "1"})
    assert config.producer.enable_idempotence is False and conflicts(config, settings) == []
    config, settings = config_of(**{"producer.acks": "1", "producer.enable.idempotence": True})
    assert [c.keys for c in conflicts(config, settings)] == [("producer.acks", "producer.enable.idempotence")]


def test_every_sink_can_do_without_dedupe_and_the_spec_key_offers_every_sink():
    from modelcheck.kafka.config import KEYS
    assert set(KEYS["sink.type"].choices) == set(SINKS)
    assert all("none" in kind.dedupes for kind in SINKS.values())
    assert set(KEYS["sink.dedupe"].choices) == {d for kind in SINKS.values() for d in kind.dedupes}


def test_every_commit_mode_is_one_entry_the_spec_key_offers():
    from modelcheck.kafka.commit_modes import COMMIT_MODES
    from modelcheck.kafka.config import KEYS
    assert set(KEYS["consumer.commit"].choices) == set(COMMIT_MODES)
    # a mode that needs a sink type is refused without it, in the Kafka layer
    for mode in COMMIT_MODES.values():
        if mode.needs_sink and not mode.in_transaction:
            other = next(t for t in SINKS if t != mode.needs_sink)
            config, settings = config_of(**{"consumer.commit": mode.name, "sink.type": other})
            assert ("consumer.commit", "sink.type") in [c.keys for c in conflicts(config, settings)]
