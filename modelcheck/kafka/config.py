"""The configuration of one Kafka setup to check, typed, with Kafka's defaults where the spec is silent.

This is the Kafka layer's input. It knows nothing of YAML: `modelcheck.spec` reads a spec file, checks
every key and builds a `KafkaConfig`. `KEYS` maps each dotted spec key (spelled as Kafka spells the
property, as in `../SPEC-FORMAT.md`) to its field, its allowed values and its default, so the spec layer
validates against one table and the two never drift apart.

Defaults are the Java client's (3.x) where the model can follow them: `acks=all` and
`enable.idempotence=true` (KIP-679; the spec layer turns idempotence off when the spec sets a
conflicting acks, retries or in-flight limit without naming it, as KAFKA-13673 made the client do).
`retries` is bounded (1) where Kafka's is effectively unbounded, so that the model stays finite; fault
budgets default to 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from modelcheck.kafka.commit_modes import COMMIT_MODES
from modelcheck.kafka.faults import FAULTS, LATER
from modelcheck.kafka.sink import SINKS


@dataclass(frozen=True)
class ClusterConfig:
    brokers: int = 1
    partitions: int = 1
    replication_factor: int = 1
    min_insync_replicas: int = 1
    unclean_leader_election_enable: bool = False
    transaction_version: int = 2
    # KIP-890 part 1 (Kafka 3.6+, on by default): a leader checks with the transaction coordinator that a
    # transaction's first record in the partition belongs to it. Modelled under transaction.version 1;
    # under 2 the leader always has the coordinator add the partition (part 2), whatever this says.
    transaction_partition_verification_enable: bool = True


@dataclass(frozen=True)
class WorkloadConfig:
    messages: int = 2
    keys: tuple[str, ...] = ("k1",)
    keyed: bool = True

    def key_of(self, event: int) -> str:
        """The key of event `event` (1-based): keys are cycled in order."""
        return self.keys[(event - 1) % len(self.keys)]


@dataclass(frozen=True)
class ProducerConfig:
    acks: str = "all"                      # "0" | "1" | "all"
    retries: int = 1
    enable_idempotence: bool = True        # Kafka >= 3.0 (KIP-679); off when acks/retries/in-flight conflict
    max_in_flight: int = 1                 # max.in.flight.requests.per.connection
    transactional_id: str | None = None
    instances: int = 1                     # producing applications running side by side
    source: str = "direct"                 # direct | dual-write | outbox
    database_commit: str = "before-kafka"  # dual-write in a transaction: the database commits before or after Kafka
    transaction_two_phase_commit_enable: bool = False   # KIP-939: prepare in Kafka, decide in the database


@dataclass(frozen=True)
class ConsumerConfig:
    instances: int = 1
    enable_auto_commit: bool = False
    isolation_level: str = "read_uncommitted"
    auto_offset_reset: str = "earliest"
    max_poll_records: int = 2
    commit: str = "after-process"
    on_abort: str = "rewind"


@dataclass(frozen=True)
class SinkConfig:
    type: str = "database"                 # database | topic | http
    dedupe: str = "none"                   # none | processed-table | in-batch | idempotency-key


@dataclass(frozen=True)
class FaultBudget:
    producer_crash: int = 0
    consumer_crash: int = 0
    broker_crash: int = 0
    request_lost: int = 0
    response_lost: int = 0
    producer_pause: int = 0
    consumer_pause: int = 0
    request_delayed: int = 0
    rebalance: int = 0
    transaction_timeout: int = 0
    transaction_abort: int = 0
    transaction_coordinator_crash: int = 0
    group_coordinator_crash: int = 0
    isr_shrink: int = 1                    # the leader drops a lagging follower (replication only)


@dataclass(frozen=True)
class KafkaConfig:
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    workload: WorkloadConfig = field(default_factory=WorkloadConfig)
    producer: ProducerConfig = field(default_factory=ProducerConfig)
    consumer: ConsumerConfig = field(default_factory=ConsumerConfig)
    sink: SinkConfig = field(default_factory=SinkConfig)
    faults: FaultBudget = field(default_factory=FaultBudget)

    def get(self, key: str) -> Any:
        """The value of a dotted spec key, e.g. `config.get("producer.acks")`."""
        section, attribute = _field_of(key)
        return getattr(getattr(self, section), attribute)

    def with_value(self, key: str, value: Any) -> "KafkaConfig":
        """A copy with one dotted spec key set (the value already validated)."""
        section, attribute = _field_of(key)
        return replace(self, **{section: replace(getattr(self, section), **{attribute: value})})


@dataclass(frozen=True)
class Key:
    """One spec key: its type, for enumerations the allowed values (as a spec spells them), and for
    numbers the bounds.

    `maximum` is generous but finite: the model holds one object per broker, partition, consumer and
    event, and explores every retry, request in flight and fault of a budget, so a value far beyond
    the ones below would only make a search that never ends (or a model that is never built).
    """

    type: type
    choices: tuple | None = None
    minimum: int | None = None
    maximum: int | None = None
    nullable: bool = False


_SECTIONS = {"cluster": ClusterConfig, "workload": WorkloadConfig, "producer": ProducerConfig,
             "consumer": ConsumerConfig, "sink": SinkConfig, "faults": FaultBudget}

# Spec key -> field name where the two differ (Kafka's spelling has dots and a long name).
_RENAMED = {
    "producer.max.in.flight.requests.per.connection": "max_in_flight",
}

# Upper bounds of the numeric keys (see `Key`): machines of a cluster and a group, events of a workload,
# and the counts the search enumerates (retries, requests in flight, records per poll, fault budgets).
INSTANCE = "${instance}"       # in a transactional.id: one id per application instance (and incarnation)
MAX_NODES = 16
MAX_PRODUCERS = 4              # producing applications: each brings a producer, a transaction and its ids
MAX_EVENTS = 100
MAX_COUNT = 100
MAX_POLL_RECORDS = 10_000      # above Kafka's default of 500, so a real consumer's setting is accepted
# A rebalance step tries every assignment of the partitions to the members (consumer.instances **
# cluster.partitions of them from one state); with faults.rebalance, configurations with more are refused.
MAX_ASSIGNMENTS = 10_000

KEYS: dict[str, Key] = {
    "cluster.brokers": Key(int, minimum=1, maximum=MAX_NODES),
    "cluster.partitions": Key(int, minimum=1, maximum=MAX_NODES),
    "cluster.replication.factor": Key(int, minimum=1, maximum=MAX_NODES),
    "cluster.min.insync.replicas": Key(int, minimum=1, maximum=MAX_NODES),
    "cluster.unclean.leader.election.enable": Key(bool),
    "cluster.transaction.version": Key(int, choices=(1, 2)),
    "cluster.transaction.partition.verification.enable": Key(bool),
    "workload.messages": Key(int, minimum=1, maximum=MAX_EVENTS),
    "workload.keys": Key(tuple),
    "workload.keyed": Key(bool),
    "producer.acks": Key(str, choices=("0", "1", "all")),
    "producer.retries": Key(int, minimum=0, maximum=MAX_COUNT),
    "producer.enable.idempotence": Key(bool),
    "producer.max.in.flight.requests.per.connection": Key(int, minimum=1, maximum=MAX_COUNT),
    "producer.transactional.id": Key(str, nullable=True),
    "producer.instances": Key(int, minimum=1, maximum=MAX_PRODUCERS),
    "producer.source": Key(str, choices=("direct", "dual-write", "outbox")),
    "producer.database.commit": Key(str, choices=("before-kafka", "after-kafka")),
    "producer.transaction.two.phase.commit.enable": Key(bool),
    "consumer.instances": Key(int, minimum=1, maximum=MAX_NODES),
    "consumer.enable.auto.commit": Key(bool),
    "consumer.isolation.level": Key(str, choices=("read_uncommitted", "read_committed")),
    "consumer.auto.offset.reset": Key(str, choices=("earliest", "latest", "none")),
    "consumer.max.poll.records": Key(int, minimum=1, maximum=MAX_POLL_RECORDS),
    "consumer.commit": Key(str, choices=tuple(COMMIT_MODES)),
    "consumer.on-abort": Key(str, choices=("rewind", "continue")),
    "sink.type": Key(str, choices=tuple(SINKS)),
    "sink.dedupe": Key(str, choices=("none", "processed-table", "in-batch", "idempotency-key")),
    **{f"faults.{name}": Key(int, minimum=0, maximum=MAX_COUNT) for name in FAULTS},
}


def _field_of(key: str) -> tuple[str, str]:
    section, _, rest = key.partition(".")
    if section not in _SECTIONS or key not in KEYS:
        raise KeyError(key)
    attribute = _RENAMED.get(key, rest.replace(".", "_").replace("-", "_"))
    return section, attribute


def _check_table():
    for key in KEYS:
        section, attribute = _field_of(key)
        names = {f.name for f in fields(_SECTIONS[section])}
        assert attribute in names, f"{key} -> {section}.{attribute} is not a field"


_check_table()


def unmodelled(config: KafkaConfig) -> list[tuple[str, str]]:
    """(spec key, why) for each setting of `config` the Kafka model cannot honour yet.

    A spec that sets one would otherwise pass without the thing it names ever happening; the spec
    layer refuses it with the file and line instead. Transactions are modelled on the actors layer
    (`kafka.models`); a paused producer without transactions or with several applications or a
    database, and several transactional applications with a database or an outbox are not yet; several
    applications (or consume-transform-produce instances) with one transactional.id would fence each
    other for ever.
    """
    out = []
    if COMMIT_MODES[config.consumer.commit].in_transaction and config.consumer.instances > 1 \
            and INSTANCE not in (config.producer.transactional_id or ""):
        out.append(("consumer.instances", "several instances of a consume-transform-produce application with one "
                    "transactional.id: each one's initTransactions() fences the other's producer, which creates a new "
                    "one and fences back, for ever (give each its own id with ${instance})"))
    if config.producer.instances > 1:
        if config.producer.transactional_id is None:
            if config.sink.type == "topic":
                out.append(("producer.instances", "several producing applications in consume-transform-produce "
                            "(the input topic is written before the run) are not modelled"))
        elif INSTANCE not in config.producer.transactional_id:
            out.append(("producer.instances", "several applications with one transactional.id: each one's "
                        "initTransactions() fences the other's producer, which creates a new one and fences "
                        "back, for ever (give each its own id with ${instance})"))
        elif config.producer.source != "direct" or config.sink.type == "topic":
            out.append(("producer.instances", "several producing applications with source: dual-write or "
                        f"outbox, or in consume-transform-produce, {LATER}"))
    if config.faults.producer_pause and (config.producer.instances > 1 or config.producer.source != "direct"):
        out.append(("faults.producer.pause", "a paused producer is not modelled yet with several producing "
                    "applications or a database: a standby instance takes over from one application with "
                    "source: direct"))
    for kind in FAULTS.values():
        if kind.refused is not None and getattr(config.faults, kind.field):
            out.append((f"faults.{kind.key}", kind.refused))
    return out
