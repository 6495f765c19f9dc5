"""`client:` in a spec: the keys the spec leaves out take that client's defaults (spec/client_defaults.py)."""

from __future__ import annotations

import pytest

from modelcheck.errors import InvalidSpec, SpecErrors
from modelcheck.kafka.client_properties import DEFAULTS, LIBRDKAFKA
from modelcheck.runner import load_models, run_spec
from modelcheck.spec import load_spec
from modelcheck.spec.sweep import expand

CONSUMER_CRASH = """\
name: crash
{client}
workload: {{messages: 2}}
faults: {{consumer.crash: 1}}
"""


def write(tmp_path, text: str, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_librdkafka_defaults_fill_the_keys_the_spec_leaves_out(tmp_path):
    path = write(tmp_path, "name: c\nclient: librdkafka\nproducer: {acks: 1}\n")
    config = load_spec(path).config
    assert config.producer.acks == "1"                              # written: the spec's value wins
    assert config.producer.enable_idempotence is False              # librdkafka's default
    assert config.consumer.enable_auto_commit is True
    assert config.consumer.auto_offset_reset == "latest"
    assert config.consumer.isolation_level == "read_committed"
    assert config.producer.retries == load_spec(write(tmp_path, "name: p\n", "plain.yaml")).config.producer.retries
    assert DEFAULTS[LIBRDKAFKA]["max.in.flight.requests.per.connection"] > 100
    assert config.producer.max_in_flight == 100                     # cut to the model's bound


def test_a_commit_strategy_in_the_spec_keeps_automatic_commits_off(tmp_path):
    path = write(tmp_path, "name: c\nclient: java\nconsumer: {commit: after-process}\n")
    assert load_spec(path).config.consumer.enable_auto_commit is False
    swept = write(tmp_path, "name: s\nclient: java\nsweep:\n  - {consumer.commit: after-process}\n  - {producer.acks: 1}\n",
                  "swept.yaml")
    first, second = expand(load_spec(swept))
    assert first.config.consumer.enable_auto_commit is False         # the point that says how it commits
    assert second.config.consumer.enable_auto_commit is True         # the one that does not: Java's default


def test_the_client_changes_a_verdict_the_search_finds(tmp_path):
    """The spec's own defaults (commit after processing, a new group reads from the start) lose nothing on
    a consumer crash; the Java client's (automatic commits, a new group starts at the end) lose."""
    plain = run_spec(write(tmp_path, CONSUMER_CRASH.format(client=""), "plain.yaml"))[0]
    java = run_spec(write(tmp_path, CONSUMER_CRASH.format(client="client: java"), "java.yaml"))[0]
    assert plain.result.properties["no-loss"].verdict == "holds"
    assert java.result.properties["no-loss"].verdict == "violated"
    said = dict(java.scope.explored)["client defaults"]
    assert said.startswith("the Java client") or "Java" in said
    assert "consumer.enable.auto.commit=true" in said and "consumer.auto.offset.reset=latest" in said
    assert "java.yaml line 2" in said
    assert "client defaults" not in dict(plain.scope.explored)


def test_an_unknown_client_is_refused_with_its_line_and_other_errors_too(tmp_path):
    path = write(tmp_path, "name: c\nclient: rdkafka\nproducer: {acks: 2}\n")
    with pytest.raises(SpecErrors) as caught:
        load_spec(path)
    messages = [str(error) for error in caught.value.errors]
    assert any("client" in m and "did you mean librdkafka" in m and "line 2" in m for m in messages)
    assert any("producer.acks" in m and "line 3" in m for m in messages)
    with pytest.raises(InvalidSpec, match="expected the name of a client"):
        load_spec(write(tmp_path, "name: c\nclient: [java]\n", "list.yaml"))


def test_idempotence_turned_on_gets_the_in_flight_limit_librdkafka_adjusts_to(tmp_path):
    path = write(tmp_path, "name: c\nclient: librdkafka\nproducer:\n  enable.idempotence: true\n")
    config = load_spec(path).config
    assert config.producer.enable_idempotence is True and config.producer.max_in_flight == 5
    assert list(load_models(path))                                  # and Kafka's rules accept it


def test_a_value_the_client_set_is_said_to_come_from_the_client_line(tmp_path):
    path = write(tmp_path, "name: c\nclient: java\nconsumer:\n  auto.offset.reset: earliest\n")
    spec = load_spec(path)
    assert str(spec.origin_of("consumer.enable.auto.commit")) == f"{path} line 2"
    assert str(spec.origin_of("consumer.auto.offset.reset")) == f"{path} line 4"    # written: its own line
    assert spec.origin_of("producer.retries") is None                                # left to the spec
