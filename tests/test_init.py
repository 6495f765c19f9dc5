"""`modelcheck init`: from a user's own Kafka configuration files to a spec that explores and gives verdicts.

Each kind of file (Java .properties for producer, consumer and topic; Spring Boot YAML and .properties;
Python dicts and client calls, never run; JSON), each client's defaults, the commit strategy in the
code's terms, and bad input refused with file and line (exit code 2).
"""

from __future__ import annotations

import json
import re
import textwrap

import pytest
import yaml
from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.errors import InvalidSpec, SpecErrors
from modelcheck.spec import load_spec
from modelcheck.spec.client_files import read_client_file
from modelcheck.spec.init import init_spec


def write(directory, name: str, text: str):
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def spec_of(text: str) -> dict:
    return yaml.safe_load(text)


def said(text: str) -> str:
    """The spec's text with its comments unwrapped: each comment's lines joined into one."""
    return re.sub(r"\n *# *", " ", text)


PRODUCER = """
    # the orders service
    bootstrap.servers=kafka-1:9092,kafka-2:9092
    key.serializer=org.apache.kafka.common.serialization.StringSerializer
    acks=all
    delivery.timeout.ms=120000
    linger.ms=5
    ssl.keystore.password=hunter2
"""
CONSUMER = """
    bootstrap.servers=kafka-1:9092
    group.id=orders-service
    enable.auto.commit=false
    auto.offset.reset=earliest
    max.poll.records=100
"""


@pytest.fixture
def java_files(tmp_path):
    return write(tmp_path, "producer.properties", PRODUCER), write(tmp_path, "consumer.properties", CONSUMER)


# -- the two commands -------------------------------------------------------------------------------

def test_two_commands_give_a_spec_and_a_verdict(tmp_path, java_files):
    out = tmp_path / "myspec.yaml"
    written = run("init", *java_files, "-o", out)
    assert written.exit_code == 0, written.output
    assert f"next: modelcheck explore {out}" in written.output
    explored = run("explore", out, "--quiet")
    assert explored.exit_code == 1               # the spec expects nothing, and something is violated
    verdicts = dict(re.findall(r"^(no-loss|no-duplicate|key-order) +\S+ +- +(holds|violated|bounded)",
                               explored.output, re.MULTILINE))
    # acks=all and idempotence keep every event; the consumer's crash between its insert and its commit
    # replays one (commitSync after processing, into a database without dedupe)
    assert verdicts == {"no-loss": "holds", "no-duplicate": "violated", "key-order": "holds"}


def test_the_written_spec_takes_each_value_from_the_files_and_says_where(tmp_path, java_files):
    text = init_spec(list(java_files))
    spec = spec_of(text)
    assert spec["producer"]["acks"] == "all"
    assert spec["consumer"]["auto.offset.reset"] == "earliest"
    assert spec["consumer"]["max.poll.records"] == 100
    assert spec["consumer"]["commit"] == "after-process"           # enable.auto.commit=false: assumed
    assert f"# from {java_files[0]} line 4\n  acks: all" in text
    assert "ASSUMED commitSync() after processing" in said(text)
    assert spec["faults"]["broker.crash"] == 1 and spec["faults"]["consumer.crash"] == 1
    assert spec["faults"]["isr.shrink"] == 0 and "NOT_ENOUGH_REPLICAS" in said(text)
    assert "# The fault budget" in text and "(0: not explored)" in said(text)


def test_unmodelled_properties_are_listed_with_their_reason_and_secrets_are_not_copied(java_files):
    text = init_spec(list(java_files))
    may_matter = text[text.index("# Not modelled, may matter:"):text.index("# Not modelled, no effect")]
    no_effect = text[text.index("# Not modelled, no effect on delivery guarantees:"):]
    assert "delivery.timeout.ms = 120000" in may_matter and "group.id = orders-service" in may_matter
    assert "linger.ms = 5" in no_effect and "bootstrap.servers" in no_effect
    assert "hunter2" not in text and "ssl.keystore.password = (a secret: not copied)" in said(text)


def test_retries_and_requests_in_flight_are_bounded_with_the_reason(java_files):
    text = init_spec(list(java_files))
    spec = spec_of(text)
    assert spec["producer"]["retries"] == 2 and spec["producer"]["max.in.flight.requests.per.connection"] == 2
    assert "yours: 2147483647" in said(text) and "delivery.timeout.ms runs" in said(text)
    assert "yours: 5" in said(text)


# -- each client's defaults -------------------------------------------------------------------------

@pytest.mark.parametrize("client, idempotence, isolation, commit", [
    ("java", True, "read_uncommitted", "auto"),
    ("kafka-python", True, "read_uncommitted", "auto"),
    ("librdkafka", False, "read_committed", "before-process"),
])
def test_defaults_follow_the_client(tmp_path, client, idempotence, isolation, commit):
    producer = write(tmp_path, "producer.properties", "bootstrap.servers=k:9092\n")
    consumer = write(tmp_path, "consumer.properties", "group.id=g\n")
    text = init_spec([producer, consumer], client=client)
    spec = spec_of(text)
    assert spec["producer"]["enable.idempotence"] is idempotence
    assert spec["producer"]["acks"] == "all"
    assert spec["consumer"]["isolation.level"] == isolation
    assert spec["consumer"]["commit"] == commit
    assert spec["consumer"]["auto.offset.reset"] == "latest"
    assert "a new group starts at the end of the log" in said(text)


def test_the_java_client_turns_idempotence_off_for_acks_1(tmp_path):
    text = init_spec([write(tmp_path, "producer.properties", "acks=1\n")])
    assert spec_of(text)["producer"]["enable.idempotence"] is False
    assert "KAFKA-13673" in said(text)


def test_idempotence_asked_for_with_acks_1_is_refused_naming_the_file_and_line(tmp_path):
    producer = write(tmp_path, "producer.properties", "enable.idempotence=true\nacks=1\n")
    with pytest.raises(InvalidSpec) as caught:
        init_spec([producer])
    assert caught.value.file == str(producer) and caught.value.line in (1, 2)
    assert "acks=all" in caught.value.message


# -- the commit strategy in the code's terms --------------------------------------------------------

def test_auto_commit_maps_to_commit_auto_and_says_so(tmp_path):
    consumer = write(tmp_path, "consumer.properties", "enable.auto.commit=true\n")
    text = init_spec([consumer])
    assert spec_of(text)["consumer"]["commit"] == "auto"
    assert "your code: enable.auto.commit=true: poll() commits the offsets the previous polls returned" in said(text)
    assert f"enable.auto.commit=true (from {consumer} line 1)" in said(text)


def test_librdkafka_auto_offset_store_off_is_the_java_style_auto_commit(tmp_path):
    consumer = write(tmp_path, "consumer.properties", "enable.auto.offset.store=false\n")
    assert spec_of(init_spec([consumer], client="librdkafka"))["consumer"]["commit"] == "auto"


@pytest.mark.parametrize("strategy, mode", [
    ("commit-sync-before-processing", "before-process"),
    ("commit-async-after-processing", "after-process"),
    ("offsets-in-sink-transaction", "sink"),
])
def test_the_user_says_what_the_code_does(tmp_path, strategy, mode):
    consumer = write(tmp_path, "consumer.properties", "enable.auto.commit=false\n")
    text = init_spec([consumer], commit=strategy)
    assert spec_of(text)["consumer"]["commit"] == mode
    assert "as you said with --commit" in said(text)


def test_a_commit_strategy_that_contradicts_the_file_is_refused(tmp_path):
    consumer = write(tmp_path, "consumer.properties", "group.id=g\nenable.auto.commit=false\n")
    result = run("init", consumer, "--commit", "auto-commit")
    assert result.exit_code == 2
    assert "error: enable.auto.commit: enable.auto.commit=false disagrees with --commit auto-commit" in result.output
    assert f"({consumer} line 2)" in result.output


def test_consume_transform_produce_with_send_offsets_to_transaction(tmp_path):
    producer = write(tmp_path, "producer.properties", "transactional.id=orders-tx\n")
    consumer = write(tmp_path, "consumer.properties", "isolation.level=read_committed\nenable.auto.commit=false\n")
    text = init_spec([producer, consumer], commit="send-offsets-to-transaction")
    spec = spec_of(text)
    assert spec["consumer"]["commit"] == "transactional" and spec["sink"]["type"] == "topic"
    assert spec["producer"]["transactional.id"] == "orders-tx" and spec["producer"]["enable.idempotence"] is True
    assert "transaction.timeout" in spec["faults"]


# -- each kind of file ------------------------------------------------------------------------------

def test_a_topic_configuration_sets_the_cluster(tmp_path):
    topic = write(tmp_path, "topic.properties", "replication.factor=2\nmin.insync.replicas=1\npartitions=12\n"
                                                "retention.ms=604800000\nsegment.bytes=1073741824\n")
    text = init_spec([topic])
    cluster = spec_of(text)["cluster"]
    assert (cluster["brokers"], cluster["replication.factor"], cluster["min.insync.replicas"]) == (2, 2, 1)
    assert cluster["partitions"] == 1 and "your topic has 12" in said(text)
    assert "retention.ms = 604800000" in said(text)


def test_a_broker_configuration_is_read_by_family(tmp_path):
    broker = write(tmp_path, "server.properties", "node.id=1\nlog.dirs=/var/kafka\nnum.io.threads=8\n"
                                                  "default.replication.factor=3\nmin.insync.replicas=2\n"
                                                  "unclean.leader.election.enable=false\n")
    spec = spec_of(init_spec([broker]))
    assert spec["cluster"]["replication.factor"] == 3 and spec["cluster"]["unclean.leader.election.enable"] is False


def test_spring_boot_application_yml(tmp_path):
    app = write(tmp_path, "application.yml", """
        spring:
          datasource:
            url: jdbc:postgresql://db/orders
          kafka:
            bootstrap-servers: kafka:9092
            producer:
              acks: 1
              retries: 3
              properties:
                delivery.timeout.ms: 60000
            consumer:
              group-id: orders
              auto-offset-reset: earliest
              max-poll-records: 50
            listener:
              ack-mode: record
    """)
    text = init_spec([app])
    spec = spec_of(text)
    assert spec["producer"]["acks"] == "1" and spec["producer"]["enable.idempotence"] is False
    assert spec["consumer"]["max.poll.records"] == 50 and spec["consumer"]["auto.offset.reset"] == "earliest"
    assert spec["consumer"]["commit"] == "after-process"
    assert "Spring for Apache Kafka turns enable.auto.commit off" in said(text) and "ack-mode record" in said(text)
    assert f"from {app} line 7" in said(text)                      # acks, as spring.kafka.producer.acks
    assert "jdbc" not in text                                # not a Kafka setting: skipped
    assert "enable.auto.commit is true" not in said(text)     # Spring turns it off


def test_spring_boot_application_properties(tmp_path):
    app = write(tmp_path, "application.properties", "spring.kafka.producer.acks=all\n"
                                                    "spring.kafka.consumer.enable-auto-commit=true\n"
                                                    "spring.kafka.properties.linger.ms=10\n")
    text = init_spec([app])
    assert spec_of(text)["consumer"]["commit"] == "auto"
    assert "spring.kafka.properties.linger.ms = 10" in said(text)


def test_a_python_dict_is_read_without_running_the_file(tmp_path):
    marker = tmp_path / "ran"
    module = write(tmp_path, "settings.py", f"""
        import pathlib
        pathlib.Path({str(marker)!r}).write_text("the file was run")
        producer_conf = {{
            "bootstrap.servers": BROKERS,
            "acks": "1",
            "enable.idempotence": False,
        }}
        consumer_conf = {{"group.id": "g", "enable.auto.commit": True, "isolation.level": "read_committed"}}
        raise SystemExit("never run")
    """)
    found = read_client_file(module)
    assert not marker.exists()
    roles = {item.name: item.role for item in found}
    assert roles["acks"] == "producer" and roles["group.id"] == "consumer"
    text = init_spec([module], client="librdkafka")
    spec = spec_of(text)
    assert spec["producer"]["acks"] == "1" and spec["consumer"]["isolation.level"] == "read_committed"
    assert "bootstrap.servers = (not a literal)" in said(text)
    assert not marker.exists()


def test_kafka_python_client_calls_with_keyword_arguments(tmp_path):
    module = write(tmp_path, "app.py", """
        from kafka import KafkaConsumer, KafkaProducer
        producer = KafkaProducer(bootstrap_servers="k:9092", acks="all", max_in_flight_requests_per_connection=1)
        consumer = KafkaConsumer("orders", group_id="g", enable_auto_commit=False, auto_offset_reset="earliest")
    """)
    text = init_spec([module], client="kafka-python")
    spec = spec_of(text)
    assert spec["producer"]["max.in.flight.requests.per.connection"] == 1
    assert spec["consumer"]["auto.offset.reset"] == "earliest" and spec["consumer"]["commit"] == "after-process"


def test_a_json_file_of_producer_and_consumer_properties(tmp_path):
    config = tmp_path / "kafka.json"
    config.write_text(json.dumps({"producer": {"acks": "all", "linger.ms": 5},
                                  "consumer": {"enable.auto.commit": True, "acks": 1}}, indent=2))
    text = init_spec([config])
    assert spec_of(text)["consumer"]["commit"] == "auto"
    assert f"acks = 1 ({config} line 8): a producer property in a consumer configuration" in said(text)


# -- bad input: exit code 2, file and line, every error at once -------------------------------------

def test_a_typo_gets_did_you_mean_and_every_error_of_every_file_is_reported(tmp_path):
    producer = write(tmp_path, "producer.properties", "bootstrap.server=k:9092\nacks=2\n")
    consumer = write(tmp_path, "consumer.properties", "enable.auto.comit=false\nmax.poll.records=many\n")
    with pytest.raises(SpecErrors) as caught:
        init_spec([producer, consumer])
    found = [(error.file, error.line, error.key) for error in caught.value.errors]
    assert found == [(str(consumer), 1, "enable.auto.comit"), (str(consumer), 2, "max.poll.records"),
                     (str(producer), 1, "bootstrap.server"), (str(producer), 2, "acks")]
    messages = [error.message for error in caught.value.errors]
    assert "did you mean enable.auto.commit?" in messages[0]
    assert "did you mean bootstrap.servers?" in messages[2]
    result = run("init", producer, consumer)
    assert result.exit_code == 2 and result.output.count("error: ") == 4 and "Traceback" not in result.output


@pytest.mark.parametrize("name, text, line, words", [
    ("settings.py", "conf = {'acks': 'all'\n", 1, "not valid Python"),
    ("settings.py", "x = 1\n", None, "no configuration found"),
    ("kafka.json", "{\"acks\": }", 1, "not valid JSON"),
    ("kafka.json", "[1, 2]", 1, "expected a JSON object"),
    ("application.yml", "server:\n  port: 8080\n", None, "not a Spring Boot application.yml"),
    ("producer.properties", "acks=\\u12\n", 1, "four hexadecimal digits"),
    ("producer.txt", "acks=all\n", None, "not a configuration file modelcheck init reads"),
    ("application.yml", "spring:\n  kafka:\n    listener:\n      ack-mode: sometimes\n", 4, "is not one of record"),
])
def test_bad_files_are_refused_with_file_and_line(tmp_path, name, text, line, words):
    path = write(tmp_path, name, text)
    result = run("init", path)
    assert result.exit_code == 2, result.output
    assert words in result.output and str(path) in result.output
    if line is not None:
        assert f"line {line})" in result.output
    assert "Traceback" not in result.output


def test_init_does_not_overwrite_a_file_unless_told(tmp_path, java_files):
    out = tmp_path / "spec.yaml"
    out.write_text("mine")
    assert run("init", *java_files, "-o", out).exit_code == 2 and out.read_text() == "mine"
    assert run("init", *java_files, "-o", out, "--force").exit_code == 0
    assert load_spec(out).name == "spec"


def test_the_help_names_the_file_kinds_and_the_two_commands():
    result = run("init", "--help")
    assert result.exit_code == 0
    for words in ("producer.properties", "application.yml", "read, never run", "--client", "--commit",
                  "modelcheck explore myspec.yaml"):
        assert words in result.output


def test_python_dicts_without_a_kafka_property_are_not_configurations(tmp_path):
    module = write(tmp_path, "app.py", """
        headers = {"Content-Type": "application/json"}
        conf = {"bootstrap.servers": "k:9092", "enable.idempotence": True}
    """)
    assert [item.name for item in read_client_file(module)] == ["bootstrap.servers", "enable.idempotence"]


def test_spring_keys_in_brackets_keep_their_dots(tmp_path):
    app = write(tmp_path, "application.yml", """
        spring:
          kafka:
            producer:
              properties:
                "[enable.idempotence]": false
                "[acks]": 1
    """)
    spec = spec_of(init_spec([app]))
    assert spec["producer"]["enable.idempotence"] is False and spec["producer"]["acks"] == "1"


@pytest.mark.parametrize("client, key_order", [("java", "holds"), ("librdkafka", "violated"),
                                               ("kafka-python", "holds")])
def test_each_clients_defaults_explore_to_their_own_verdicts(tmp_path, client, key_order):
    """librdkafka's producer is not idempotent by default and pipelines requests: a retry can reorder
    (its CONFIGURATION.md says so of message.send.max.retries); the Java and kafka-python producers are
    idempotent by default. With every client, auto.offset.reset=latest loses what a new group did not see."""
    producer = write(tmp_path, "producer.properties", "bootstrap.servers=k:9092\n")
    consumer = write(tmp_path, "consumer.properties", "group.id=g\n")
    out = tmp_path / "spec.yaml"
    assert run("init", producer, consumer, "--client", client, "-o", out).exit_code == 0
    explored = run("explore", out, "--quiet")
    assert explored.exit_code == 1
    verdicts = dict(re.findall(r"^(no-loss|key-order) +\S+ +- +(holds|violated|bounded)", explored.output,
                               re.MULTILINE))
    assert verdicts == {"no-loss": "violated", "key-order": key_order}


def test_a_missing_replication_factor_is_the_usual_three_and_min_insync_is_kept(tmp_path):
    broker = write(tmp_path, "server.properties", "min.insync.replicas=2\n")
    text = init_spec([broker])
    cluster = spec_of(text)["cluster"]
    assert (cluster["replication.factor"], cluster["min.insync.replicas"]) == (3, 2)
    assert "the usual production setting" in said(text)
    topic = write(tmp_path, "topic.properties", "replication.factor=2\n")
    assert spec_of(init_spec([topic]))["cluster"]["min.insync.replicas"] == 1       # Kafka's default


def test_send_offsets_to_transaction_with_auto_commit_on_is_refused(tmp_path):
    producer = write(tmp_path, "producer.properties", "transactional.id=orders-tx\n")
    consumer = write(tmp_path, "consumer.properties", "group.id=g\n")          # the Java default: auto commit
    result = run("init", producer, consumer, "--commit", "send-offsets-to-transaction")
    assert result.exit_code == 2
    assert "needs enable.auto.commit=false" in result.output and str(consumer) in result.output
