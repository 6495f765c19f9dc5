"""Kafka's own property names in a spec: known ones the model leaves out are accepted and kept as notes,
misspelt ones get "did you mean", and one read reports every error of the file."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.errors import InvalidSpec, SpecErrors
from modelcheck.kafka.client_properties import (DEFAULTS, MAY_MATTER, MODELLED, NO_EFFECT, REGISTRY, lookup)
from modelcheck.kafka.config import KEYS
from modelcheck.spec import apply_overrides, load_spec


def write(tmp_path, text: str, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


# -- the registry -----------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling, name", [
    ("acks", "acks"),
    ("request.required.acks", "acks"),                 # librdkafka's alias
    ("message.send.max.retries", "retries"),           # librdkafka's alias
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("enable_idempotence", "enable.idempotence"),      # kafka-python's spelling
    ("max_in_flight_requests_per_connection", "max.in.flight.requests.per.connection"),
    ("bootstrap_servers", "bootstrap.servers"),
    ("message.timeout.ms", "delivery.timeout.ms"),
])
def test_every_client_spelling_finds_the_same_property(spelling, name):
    assert lookup(spelling).name == name


def test_modelled_properties_name_an_existing_spec_key_and_the_others_a_reason():
    fates = {entry.fate for entry in REGISTRY.values()}
    assert fates == {MODELLED, NO_EFFECT, MAY_MATTER}
    for entry in REGISTRY.values():
        if entry.modelled:
            assert entry.spec_key in KEYS, entry
        else:
            assert entry.spec_key is None and len(entry.why) > 20, entry


def test_families_cover_security_and_broker_properties_but_not_typos():
    assert lookup("ssl.truststore.location").fate == NO_EFFECT
    assert lookup("sasl.oauthbearer.assertion.file").fate == NO_EFFECT
    assert lookup("log.segment.bytes").role == "broker"
    assert lookup("log.retention.hours").fate == MAY_MATTER
    assert lookup("bootstrap.server") is None
    assert lookup("enable.idempotency") is None


def test_client_defaults_differ_where_the_clients_do():
    assert DEFAULTS["java"]["enable.idempotence"] is True
    assert DEFAULTS["librdkafka"]["enable.idempotence"] is False       # CONFIGURATION.md
    assert DEFAULTS["librdkafka"]["isolation.level"] == "read_committed"
    assert DEFAULTS["java"]["isolation.level"] == "read_uncommitted"
    assert {DEFAULTS[client]["acks"] for client in DEFAULTS} == {"all"}


# -- Kafka's names in a spec ------------------------------------------------------------------------

def test_known_unmodelled_properties_are_accepted_and_kept_with_their_reason(tmp_path):
    spec = load_spec(write(tmp_path, """
        producer:
          acks: all
          delivery.timeout.ms: 120000
          linger.ms: 5
          bootstrap.servers: localhost:9092
        consumer:
          group.id: orders
        cluster:
          log.retention.hours: 168
    """))
    notes = {note.key: note for note in spec.unmodelled}
    assert set(notes) == {"producer.delivery.timeout.ms", "producer.linger.ms", "producer.bootstrap.servers",
                          "consumer.group.id", "cluster.log.retention.hours"}
    assert notes["producer.linger.ms"].fate == NO_EFFECT
    assert notes["producer.delivery.timeout.ms"].fate == MAY_MATTER
    assert "retries" in notes["producer.delivery.timeout.ms"].why
    assert notes["producer.linger.ms"].origin.line == 4
    assert spec.settings == {"producer.acks": "all"}


def test_a_librdkafka_alias_sets_the_modelled_key(tmp_path):
    spec = load_spec(write(tmp_path, "producer:\n  request.required.acks: 1\n  enable.idempotence: false\n"))
    assert spec.config.producer.acks == "1"


def test_two_names_of_one_key_are_refused(tmp_path):
    with pytest.raises(InvalidSpec) as caught:
        load_spec(write(tmp_path, "producer:\n  acks: 1\n  request.required.acks: all\n"))
    assert (caught.value.line, caught.value.key) == (3, "producer.acks")
    assert "another name of producer.acks" in caught.value.message


@pytest.mark.parametrize("text, words", [
    ("producer:\n  bootstrap.server: x\n",
     "did you mean producer.bootstrap.servers? (a Kafka property the model leaves out)"),
    ("producer:\n  enable.idempotency: true\n", "did you mean producer.enable.idempotence?"),
    ("producer:\n  enable_idempotence: true\n", "did you mean producer.enable.idempotence?"),
    ("producer:\n  group.id: orders\n", "group.id is a consumer property: write it in the consumer block"),
    ("producer:\n  min.insync.replicas: 2\n", "did you mean cluster.min.insync.replicas?"),
])
def test_typos_and_misplaced_properties_still_get_a_hint(tmp_path, text, words):
    with pytest.raises(InvalidSpec) as caught:
        load_spec(write(tmp_path, text))
    assert words in caught.value.message
    assert caught.value.line == 2


def test_an_unmodelled_property_cannot_be_set_or_swept(tmp_path):
    spec = load_spec(write(tmp_path, "name: x\n"))
    with pytest.raises(InvalidSpec, match="linger.ms is not modelled, no effect on delivery guarantees"):
        apply_overrides(spec, ["producer.linger.ms=5"])


# -- every error at once ----------------------------------------------------------------------------

BAD = """
    name: x
    producer:
      acks: 2
      linger.ms: 5
      bootstrap.server: localhost:9092
    consumer:
      comit: after-process
      group.id: orders
      max.poll.records: 0
    expekt:
      no-loss: holds
"""


def test_one_read_reports_every_error_in_the_order_of_the_file(tmp_path):
    path = write(tmp_path, BAD)
    with pytest.raises(SpecErrors) as caught:
        load_spec(path)
    found = [(error.line, error.key) for error in caught.value.errors]
    assert found == [(3, "producer.acks"), (5, "producer.bootstrap.server"), (7, "consumer.comit"),
                     (9, "consumer.max.poll.records"), (10, "expekt")]
    assert all(error.file == str(path) for error in caught.value.errors)


def test_the_command_prints_every_error_on_its_own_line_and_exits_2(tmp_path):
    path = write(tmp_path, BAD)
    result = CliRunner().invoke(main, ["explore", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("error: ") and "spec.yaml line" in line for line in lines)
    assert "Traceback" not in result.output


def test_every_combination_kafka_refuses_is_reported_at_once(tmp_path):
    path = write(tmp_path, """
        producer:
          enable.idempotence: true
          acks: 1
          retries: 0
    """)
    with pytest.raises(SpecErrors) as caught:
        load_spec(path)
    assert {error.key for error in caught.value.errors} == {"producer.acks", "producer.retries"}


def test_explore_notes_the_unmodelled_properties_that_may_matter(tmp_path):
    path = write(tmp_path, "producer:\n  delivery.timeout.ms: 120000\n  linger.ms: 5\n")
    result = CliRunner().invoke(main, ["explore", str(path), "--quiet"])
    assert result.exit_code == 0
    notes = [line for line in result.output.splitlines() if line.startswith("not modelled")]
    assert notes == [f"not modelled, may matter: producer.delivery.timeout.ms ({path} line 2): "
                     "a record not acknowledged within it fails and your callback gets the error; the model "
                     "bounds retries instead of time (producer.retries), with the same outcome: the producer "
                     "gives up on the record"]
