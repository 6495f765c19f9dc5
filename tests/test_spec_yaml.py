"""YAML specs: valid files load to the right KafkaConfig; every bad input names its file, line and key."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelcheck.errors import InvalidSpec
from modelcheck.kafka.config import KafkaConfig
from modelcheck.spec import expand, load_spec


def write(tmp_path, text: str, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def error_of(tmp_path, text: str) -> InvalidSpec:
    path = write(tmp_path, text)
    with pytest.raises(InvalidSpec) as caught:
        load_spec(path)
    assert caught.value.file == str(path)
    return caught.value


FULL = """
    name: at-least-once
    description: >
      The consumer commits after processing.
    cluster:
      brokers: 3
      partitions: 2
      replication.factor: 3
      min.insync.replicas: 2
      unclean.leader.election.enable: true
      transaction.version: 1
    workload:
      messages: 3
      keys: [k1, k2]
      keyed: false
    producer:
      acks: -1
      retries: 0
      enable.idempotence: false
      max.in.flight.requests.per.connection: 2
      transactional.id: null
      source: outbox
    consumer:
      instances: 2
      isolation.level: read_committed
      auto.offset.reset: latest
      max.poll.records: 1
      commit: before-process
      on-abort: continue
    sink:
      type: http
      dedupe: idempotency-key
    faults:
      consumer.crash: 1
      request.delayed: 2
    expect:
      no-loss: holds
      no-duplicate: violated
    limits:
      max-states: 2_000_000
      time-limit: 1.5
      max-depth: 40
      max-memory: 4096
"""


def test_a_full_spec_loads_every_key_into_the_kafka_config(tmp_path):
    spec = load_spec(write(tmp_path, FULL))
    config = spec.config
    assert spec.name == "at-least-once"
    assert spec.description == "The consumer commits after processing."
    assert (config.cluster.brokers, config.cluster.partitions, config.cluster.replication_factor,
            config.cluster.min_insync_replicas) == (3, 2, 3, 2)
    assert config.cluster.unclean_leader_election_enable is True
    assert config.cluster.transaction_version == 1
    assert config.workload.keys == ("k1", "k2") and config.workload.keyed is False
    assert config.producer.acks == "all"                    # -1 means all
    assert (config.producer.retries, config.producer.max_in_flight) == (0, 2)
    assert config.producer.transactional_id is None and config.producer.source == "outbox"
    assert config.consumer.isolation_level == "read_committed"
    assert config.consumer.commit == "before-process" and config.consumer.on_abort == "continue"
    assert (config.sink.type, config.sink.dedupe) == ("http", "idempotency-key")
    assert (config.faults.consumer_crash, config.faults.request_delayed, config.faults.broker_crash) == (1, 2, 0)
    assert spec.expect == {"no-loss": "holds", "no-duplicate": "violated"}
    assert (spec.limits.max_states, spec.limits.time_limit, spec.limits.max_depth) == (2_000_000, 1.5, 40)
    assert spec.limits.max_memory == 4096
    assert spec.origins["producer.acks"].line == 16


def test_an_empty_mapping_is_every_default_and_a_spec_needs_no_expect(tmp_path):
    spec = load_spec(write(tmp_path, "faults:\n  consumer.crash: 1\n", name="crash-once.yaml"))
    assert spec.name == "crash-once"                         # the file's stem
    assert spec.config == KafkaConfig().with_value("faults.consumer.crash", 1)
    assert spec.expect == {} and spec.sweep == () and spec.properties is None
    [point] = expand(spec)
    assert point.values == {} and point.expected == {} and point.config == spec.config


@pytest.mark.parametrize("written, normal", [
    ("0", "0"), ("1", "1"), ("all", "all"), ("-1", "all"), ("'-1'", "all"), ("ALL", "all"), ("'1'", "1"),
])
def test_acks_is_read_as_kafka_reads_it(tmp_path, written, normal):
    spec = load_spec(write(tmp_path, f"producer:\n  acks: {written}\n  enable.idempotence: false\n"))
    assert spec.config.producer.acks == normal


@pytest.mark.parametrize("written, value", [("true", True), ("false", False), ("'true'", True),
                                             ("FALSE", False), ("yes", True)])
def test_booleans_accept_yaml_and_properties_spellings(tmp_path, written, value):
    spec = load_spec(write(tmp_path, f"cluster:\n  unclean.leader.election.enable: {written}\n"))
    assert spec.config.cluster.unclean_leader_election_enable is value


def test_keys_given_as_numbers_become_names(tmp_path):
    spec = load_spec(write(tmp_path, "workload:\n  keys: [1, 2]\n"))
    assert spec.config.workload.keys == ("1", "2")


def test_the_optional_properties_list_is_kept(tmp_path):
    spec = load_spec(write(tmp_path, "properties: [no-loss, key-order]\nexpect:\n  no-loss: holds\n"))
    assert spec.properties == ("no-loss", "key-order")


# -- errors: each names the file, the exact line and the dotted key ----------------------------------

@pytest.mark.parametrize("text, line, key, words", [
    ("consumer:\n  instances: 1\n  comit: after-process\n", 3, "consumer.comit",
     "unknown key; did you mean consumer.commit?"),
    ("producer:\n  isolation.level: read_committed\n", 2, "producer.isolation.level",
     "did you mean consumer.isolation.level?"),
    ("consumr:\n  commit: auto\n", 1, "consumr", "did you mean consumer?"),
    ("name: x\nexpekt:\n  no-loss: holds\n", 2, "expekt", "did you mean expect?"),
    ("producer.acks: 1\n", 1, "producer.acks", "inside the producer block"),
    ("limits:\n  max-state: 10\n", 2, "limits.max-state", "did you mean max-states?"),
    ("# a comment\n\nconsumer:\n  commit: afterr-process\n", 4, "consumer.commit",
     "'afterr-process' is not one of before-process, after-process, auto, sink, transactional, "
     "transactional-legacy; did you mean after-process?"),
    ("producer:\n  retries: lots\n", 2, "producer.retries", "expected a whole number, not the text 'lots'"),
    ("producer:\n  retries: 1.5\n", 2, "producer.retries", "expected a whole number"),
    ("producer:\n  retries: true\n", 2, "producer.retries", "expected a whole number, not the boolean"),
    ("producer:\n  enable.idempotence: 3\n", 2, "producer.enable.idempotence", "expected true or false"),
    ("producer:\n  max.in.flight.requests.per.connection: 0\n", 2,
     "producer.max.in.flight.requests.per.connection", "must be at least 1, not 0"),
    ("faults:\n  consumer.crash: -1\n", 2, "faults.consumer.crash", "must be at least 0, not -1"),
    ("cluster:\n  transaction.version: 3\n", 2, "cluster.transaction.version", "3 is not one of 1, 2"),
    ("producer:\n  acks: 2\n", 2, "producer.acks", "'2' is not one of 0, 1, all"),
    ("producer:\n  acks: true\n", 2, "producer.acks", "expected 0, 1 or all"),
    ("consumer:\n  commit: null\n", 2, "consumer.commit", "a value is required here"),
    ("producer:\n  transactional.id: ''\n", 2, "producer.transactional.id", "use null for none"),
    ("workload:\n  keys: k1\n", 2, "workload.keys", "expected a list such as [k1, k2]"),
    ("workload:\n  keys: []\n", 2, "workload.keys", "at least one"),
    ("producer:\n  acks: 1\n  acks: all\n", 3, "producer.acks", "given twice (first given on line 2)"),
    ("producer: 1\n", 1, "producer", "must be a mapping"),
    ("cluster:\n  partitions: 16\nconsumer:\n  instances: 16\nfaults:\n  rebalance: 1\n", 6, "faults.rebalance",
     "every assignment of the partitions to the consumers, 16^16 = 18,446,744,073,709,551,616"),
    ("producer: " + "x" * 1000 + "\n", 1, "producer", "not the text '" + "x" * 40 + "'..."),
    ("expect:\n  no-los: holds\n", 2, "expect.no-los", "unknown property; did you mean no-loss?"),
    ("expect:\n  no-loss: bounded\n", 2, "expect.no-loss", "never an expectation"),
    ("expect:\n  no-loss: maybe\n", 2, "expect.no-loss", "'maybe' is not one of holds, violated"),
    ("expect:\n  - when: {producer.acks: 1}\n", 2, "expect", "at least one property"),
    ("expect:\n  when: {producer.acks: 1}\n  no-loss: holds\n", 2, "expect.when", "a list of rules"),
    ("properties: [no-loss]\nexpect:\n  key-order: holds\n", 3, "expect.key-order",
     "not among the reported properties"),
    ("properties: [no-los]\n", 1, "properties", "did you mean no-loss?"),
    ("limits:\n  time-limit: 0\n", 2, "limits.time-limit", "must be above 0"),
    ("limits:\n  time-limit: .inf\n", 2, "limits.time-limit", "must be a finite number above 0, not inf"),
    ("limits:\n  time-limit: .nan\n", 2, "limits.time-limit", "must be a finite number above 0, not nan"),
    ("limits:\n  max-states: many\n", 2, "limits.max-states", "expected a whole number"),
    ("limits:\n  max-memory: 1.5\n", 2, "limits.max-memory", "expected a whole number"),
    ("limits:\n  max-memory: 0\n", 2, "limits.max-memory", "must be above 0"),
    ("name: [a]\n", 1, "name", "expected text"),
    ("cluster:\n  brokers: !!int abc\n", 2, "cluster.brokers", "'abc' cannot be read as !!int"),
    ("cluster:\n  unclean.leader.election.enable: !!bool maybe\n", 2, "cluster.unclean.leader.election.enable",
     "'maybe' cannot be read as !!bool"),
    ("name: !custom x\n", 1, "name", "'x' cannot be read as !custom"),
    ("cluster:\n  brokers: 1000000000\n", 2, "cluster.brokers", "must be at most 16, not 1000000000"),
    ("faults:\n  consumer.crash: 1" + "0" * 100 + "\n", 2, "faults.consumer.crash", "must be at most 100, not 10000000..."),
    ("name: x\nsweep: !custom {}\n", 2, "sweep", "a spec uses no tag such as !custom on a mapping"),
    ("name: \"\\ud800\"\n", 1, "name", "not valid Unicode text (a lone surrogate)"),
    ("base: &b {acks: 1}\nproducer:\n  <<: *b\n", 3, "producer", "no merge keys (<<)"),
])
def test_each_error_names_file_line_and_key(tmp_path, text, line, key, words):
    error = error_of(tmp_path, text)
    assert (error.line, error.key) == (line, key)
    assert words in error.message
    assert str(error).startswith(f"{key}: ")
    assert str(error).endswith(f"spec.yaml line {line})")


def test_the_message_reads_as_the_design_promises(tmp_path):
    error = error_of(tmp_path, "name: x\nconsumer:\n  commit: afterr-process\n")
    assert str(error) == (
        "consumer.commit: 'afterr-process' is not one of before-process, after-process, auto, sink, "
        f"transactional, transactional-legacy; did you mean after-process? ({tmp_path / 'spec.yaml'} line 3)")


def test_broken_yaml_names_the_line(tmp_path):
    error = error_of(tmp_path, "name: x\nproducer:\n  acks: [1\nconsumer: {}\n")
    assert "not valid YAML" in error.message and error.line is not None and error.line >= 3


def test_deep_nesting_is_refused_with_its_line_not_a_recursion_error(tmp_path):
    error = error_of(tmp_path, "name: x\ncluster:\n  brokers: " + "[" * 1000 + "]" * 1000 + "\n")
    assert "nested more than" in error.message and error.line == 3


def test_a_control_character_is_refused_with_its_line(tmp_path):
    error = error_of(tmp_path, 'name: x\ndescription: "a\x01b"\n')
    assert "control character U+0001" in error.message and error.line == 2


def test_a_self_referencing_alias_is_an_error_not_a_hang(tmp_path):
    error = error_of(tmp_path, "workload:\n  keys: &a [k1, *a]\n")
    assert error.key == "workload.keys" and error.line == 2


def test_a_file_too_large_to_be_a_spec_is_refused_before_it_is_read(tmp_path):
    error = error_of(tmp_path, "# " + "x" * 1_000_000 + "\n")
    assert "a spec is at most 1,000,000" in error.message


def test_two_documents_in_one_file_are_refused(tmp_path):
    error = error_of(tmp_path, "name: a\n---\nname: b\n")
    assert "one YAML document" in error.message and error.line == 2


def test_an_empty_file_and_a_missing_file_are_errors(tmp_path):
    assert "empty" in error_of(tmp_path, "").message
    with pytest.raises(InvalidSpec, match="no such file"):
        load_spec(tmp_path / "absent.yaml")


def test_every_key_of_the_table_reads_its_default_and_each_of_its_choices():
    """The spec layer reads every key config.KEYS names, so the two cannot drift apart."""
    from modelcheck.kafka.config import KEYS
    from modelcheck.spec.nodes import Source, compose
    from modelcheck.spec.values import format_value, value_of

    source = Source("test", has_lines=False)
    defaults = KafkaConfig()
    for key, spec in KEYS.items():
        default = defaults.get(key)
        assert value_of(key, compose(format_value(default), source), source) == default, key
        for choice in spec.choices or ():
            assert value_of(key, compose(format_value(choice), source), source) == choice, key


def test_every_bounded_key_takes_its_maximum_and_refuses_one_more():
    from modelcheck.kafka.config import KEYS
    from modelcheck.spec.nodes import Source, compose
    from modelcheck.spec.values import value_of

    source = Source("test", has_lines=False)
    bounded = {key: spec.maximum for key, spec in KEYS.items() if spec.maximum is not None}
    assert {"cluster.brokers", "cluster.partitions", "workload.messages", "consumer.instances",
            "cluster.replication.factor", "faults.consumer.crash"} <= set(bounded)
    for key, maximum in bounded.items():
        assert value_of(key, compose(str(maximum), source), source) == maximum
        with pytest.raises(InvalidSpec, match=f"must be at most {maximum}"):
            value_of(key, compose(str(maximum + 1), source), source)


def test_kafka_spellings_with_underscores_are_suggested(tmp_path):
    error = error_of(tmp_path, "producer:\n  enable_idempotence: true\n")
    assert error.message == "unknown key; did you mean producer.enable.idempotence?"


# -- any text: a spec or an InvalidSpec, never another exception --------------------------------------

FRAGMENTS = ("\n", "  ", ": ", "- ", "[", "]", "{", "}", ", ", "!!int ", "!!bool ", "!!float ", "!x ", "&a ", "*a",
             "<<: ", "~", "true", "1", "-1", "1e9", ".inf", "'", '"', "#", "\\ud800", "\x01", "\t", "? ", "---\n",
             "name", "sweep", "expect", "when", "limits", "max-states", "time-limit", "properties", "no-loss",
             "holds", "cluster", "producer", "consumer", "faults", "acks", "all", "brokers", "commit", "k1")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_any_text_is_a_spec_or_an_invalid_spec(tmp_path, fragments):
    path = tmp_path / "fuzz.yaml"
    path.write_text("".join(fragments), encoding="utf-8", errors="surrogatepass")
    try:
        load_spec(path)
    except InvalidSpec:
        pass
