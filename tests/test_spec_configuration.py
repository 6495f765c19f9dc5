"""Defaults that follow other keys, and the combinations Kafka refuses, each with file, line and key."""

from __future__ import annotations

import pytest

from modelcheck.errors import InvalidSpec
from modelcheck.spec import load_spec


def load(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return load_spec(path)


def refused(tmp_path, text: str) -> InvalidSpec:
    with pytest.raises(InvalidSpec) as caught:
        load(tmp_path, text)
    return caught.value


def test_a_transactional_id_turns_idempotence_on_unless_given(tmp_path):
    spec = load(tmp_path, "producer:\n  transactional.id: orders-tx\n")
    assert spec.config.producer.enable_idempotence is True
    assert spec.config.producer.transactional_id == "orders-tx"


def test_commit_auto_and_enable_auto_commit_follow_each_other(tmp_path):
    assert load(tmp_path, "consumer:\n  commit: auto\n").config.consumer.enable_auto_commit is True
    assert load(tmp_path, "consumer:\n  enable.auto.commit: true\n").config.consumer.commit == "auto"
    assert load(tmp_path, "consumer:\n  commit: sink\n").config.consumer.enable_auto_commit is False


def test_a_consume_transform_produce_spec_with_transactions_is_accepted(tmp_path):
    spec = load(tmp_path, "producer:\n  transactional.id: app-tx\n  max.in.flight.requests.per.connection: 5\n"
                          "consumer:\n  commit: transactional\n  isolation.level: read_committed\n"
                          "sink:\n  type: topic\n")
    assert spec.config.consumer.commit == "transactional" and spec.config.sink.type == "topic"


@pytest.mark.parametrize("text, line, key, words", [
    ("cluster:\n  brokers: 2\n  replication.factor: 3\n", 3, "cluster.replication.factor",
     "InvalidReplicationFactorException"),
    ("cluster:\n  brokers: 3\n  replication.factor: 2\n  min.insync.replicas: 3\n", 4,
     "cluster.min.insync.replicas", "NOT_ENOUGH_REPLICAS"),
    ("producer:\n  enable.idempotence: true\n  max.in.flight.requests.per.connection: 6\n", 3,
     "producer.max.in.flight.requests.per.connection", "at most 5 requests in flight, not 6"),
    ("producer:\n  enable.idempotence: true\n  acks: 1\n", 3, "producer.acks", "needs acks=all, not 1"),
    ("producer:\n  enable.idempotence: true\n  retries: 0\n", 3, "producer.retries", "retries above 0"),
    # The idempotence a transactional.id implies has the same requirements.
    ("producer:\n  transactional.id: tx\n  acks: 0\n", 3, "producer.acks",
     "(implied by producer.transactional.id) needs acks=all"),
    ("producer:\n  transactional.id: tx\n  enable.idempotence: false\n", 3, "producer.enable.idempotence",
     "a transactional producer is an idempotent one"),
    ("sink:\n  type: topic\nconsumer:\n  commit: transactional\n", 4, "consumer.commit",
     "producer.transactional.id must be set"),
    ("producer:\n  transactional.id: tx\nconsumer:\n  commit: transactional-legacy\n", 4, "consumer.commit",
     "set sink.type: topic"),
    ("sink:\n  type: http\nconsumer:\n  commit: sink\n", 4, "consumer.commit", "set sink.type: database"),
    ("consumer:\n  enable.auto.commit: false\n  commit: auto\n", 2, "consumer.enable.auto.commit",
     "disagree"),
    ("sink:\n  type: topic\n  dedupe: processed-table\n", 3, "sink.dedupe", "cannot dedupe with processed-table"),
    ("sink:\n  dedupe: idempotency-key\n", 2, "sink.dedupe", "a database sink cannot dedupe"),
])
def test_combinations_kafka_refuses(tmp_path, text, line, key, words):
    error = refused(tmp_path, text)
    assert (error.key, error.line, error.file) == (key, line, str(tmp_path / "spec.yaml"))
    assert words in error.message


def test_a_conflict_names_where_the_other_key_was_written(tmp_path):
    error = refused(tmp_path, "producer:\n  enable.idempotence: true\n  max.in.flight.requests.per.connection: 6\n")
    assert f"producer.enable.idempotence: true, {tmp_path / 'spec.yaml'} line 2" in error.message


def test_a_conflict_with_a_default_says_so(tmp_path):
    error = refused(tmp_path, "cluster:\n  replication.factor: 2\n")
    assert "cluster.brokers: 1, the default" in error.message and error.line == 2
