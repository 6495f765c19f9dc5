"""Kafka's rules between settings: the defaults that follow other keys, and the combinations refused.

The spec layer (`spec.configuration`) applies them and adds the file and line; they live here, in the Kafka
layer, so that a `KafkaConfig` built by other means meets the same rules.

Defaults that depend on another key, as Kafka's do:

- `producer.enable.idempotence`, when the spec does not name it, is on (the Java client's default since
  3.0, KIP-679) unless the spec sets `acks` other than all, `retries: 0` or more than 5 requests in
  flight: then the client turns idempotence off instead of failing (KAFKA-13673, in 3.0.1 / 3.1.1 /
  3.2). A `transactional.id` keeps it on: a transactional producer is an idempotent one (KIP-98; the
  Java client's `ProducerConfig` refuses a transactional.id with idempotence turned off).
- `consumer.enable.auto.commit` and `consumer.commit: auto` say the same thing; when one is given the
  other follows, and when both are given they must agree.

Combinations refused, with where the rule comes from:

- `replication.factor` above `brokers`: Kafka refuses to create the topic
  (InvalidReplicationFactorException, "larger than available brokers").
- `min.insync.replicas` above `replication.factor`: Kafka creates the topic, but no acks=all write can
  ever succeed (NOT_ENOUGH_REPLICAS; KAFKA-4680, KIP-579); a model of it would only show that.
- The idempotent producer (enabled, or implied by a transactional.id) with
  `max.in.flight.requests.per.connection` above 5, `acks` other than all, or `retries: 0`: the Java
  client's `ProducerConfig` throws a ConfigException (the broker keeps the state of the last 5 batches of
  each producer; the Kafka docs of `enable.idempotence` state the three requirements).
- A `transactional.id` with `enable.idempotence: false`: ConfigException in the same place.
- `commit: transactional` (or `transactional-legacy`) without a `transactional.id` or without an output
  topic (`sink.type: topic`): offsets go into a producer's transaction (sendOffsetsToTransaction,
  KIP-98 / KIP-447), which only a transactional producer of a consume-transform-produce app has.
- `commit: sink` without `sink.type: database`: the offsets are stored in the sink's own database.
- `transaction.two.phase.commit.enable` (KIP-939) without a transactional.id and a database that decides
  (`source: dual-write`), or with `database.commit: after-kafka` (the database commits between the
  prepare and the commit).
- A transaction fault (`transaction.abort`, `transaction.timeout`, `transaction.coordinator.crash`)
  without a `transactional.id`: there is no transaction for it to hit.
- A `sink.dedupe` the sink type cannot do: processed-table and in-batch need a database,
  idempotency-key an HTTP service; an output topic dedupes through transactions, not here.

And one combination the model cannot search, though Kafka runs it: `faults.rebalance` with more than
`MAX_ASSIGNMENTS` assignments of the partitions to the consumers (`consumer.instances` to the power
`cluster.partitions`), because one rebalance step tries every assignment; the search could not finish
one expansion, let alone look at its time limit.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from modelcheck.kafka.commit_modes import COMMIT_MODES
from modelcheck.kafka.config import MAX_ASSIGNMENTS, KafkaConfig
from modelcheck.kafka.faults import FAULTS
from modelcheck.kafka.sink import SINKS

IDEMPOTENT_MAX_IN_FLIGHT = 5   # the broker's per-producer batch window (ProducerStateEntry)



class Conflict(NamedTuple):
    keys: tuple                   # the keys involved, the one to blame first when the spec wrote it
    message: str


def follow_defaults(config: KafkaConfig, settings: Mapping[str, Any]) -> KafkaConfig:
    """`config` with the defaults that depend on other keys, given the keys the spec set (`settings`)."""
    if "producer.enable.idempotence" not in settings:
        producer = config.producer
        conflicting = (producer.acks != "all" or producer.retries == 0
                       or producer.max_in_flight > IDEMPOTENT_MAX_IN_FLIGHT)
        idempotent = producer.transactional_id is not None or not conflicting
        config = config.with_value("producer.enable.idempotence", idempotent)
    if "consumer.enable.auto.commit" not in settings and COMMIT_MODES[config.consumer.commit].automatic:
        config = config.with_value("consumer.enable.auto.commit", True)
    if "consumer.commit" not in settings and settings.get("consumer.enable.auto.commit") is True:
        config = config.with_value("consumer.commit", "auto")
    return config


def conflicts(config: KafkaConfig, settings: Mapping[str, Any]) -> list[Conflict]:
    """Every combination of `config` that Kafka refuses (or the model cannot search), in a fixed order;
    `settings` are the keys the spec set, which tell an explicit setting from a default."""
    out = []
    cluster, producer, consumer, sink = config.cluster, config.producer, config.consumer, config.sink

    if cluster.replication_factor > cluster.brokers:
        out.append(Conflict(("cluster.replication.factor", "cluster.brokers"),
                            f"{cluster.replication_factor} replicas need at least as many brokers; Kafka refuses to "
                            f"create the topic (InvalidReplicationFactorException)"))
    if cluster.min_insync_replicas > cluster.replication_factor:
        out.append(Conflict(("cluster.min.insync.replicas", "cluster.replication.factor"),
                            f"{cluster.min_insync_replicas} in-sync replicas can never be met with "
                            f"{cluster.replication_factor} replica(s): every acks=all write would fail with "
                            f"NOT_ENOUGH_REPLICAS (KAFKA-4680)"))

    explicit_idempotence = settings.get("producer.enable.idempotence")
    transactional = producer.transactional_id is not None
    if transactional and explicit_idempotence is False:
        out.append(Conflict(("producer.enable.idempotence", "producer.transactional.id"),
                            "a transactional producer is an idempotent one; Kafka's ProducerConfig refuses a "
                            "transactional.id with idempotence turned off"))
    if producer.enable_idempotence:
        reason = ("the idempotent producer (implied by producer.transactional.id)"
                  if explicit_idempotence is None else "the idempotent producer")
        trigger = "producer.enable.idempotence" if explicit_idempotence is not None else "producer.transactional.id"
        if producer.max_in_flight > IDEMPOTENT_MAX_IN_FLIGHT:
            out.append(Conflict(("producer.max.in.flight.requests.per.connection", trigger),
                                f"{reason} allows at most {IDEMPOTENT_MAX_IN_FLIGHT} requests in flight, not "
                                f"{producer.max_in_flight}; Kafka's ProducerConfig throws a ConfigException "
                                f"(the broker remembers only the last {IDEMPOTENT_MAX_IN_FLIGHT} batches of a "
                                f"producer)"))
        if producer.acks != "all":
            out.append(Conflict(("producer.acks", trigger),
                                f"{reason} needs acks=all, not {producer.acks}; Kafka's ProducerConfig throws a "
                                f"ConfigException"))
        if producer.retries == 0:
            out.append(Conflict(("producer.retries", trigger),
                                f"{reason} needs retries above 0; Kafka's ProducerConfig throws a ConfigException"))

    mode = COMMIT_MODES[consumer.commit]
    if mode.in_transaction:
        if not transactional:
            out.append(Conflict(("consumer.commit", "producer.transactional.id"),
                                f"commit: {consumer.commit} puts the offsets in a producer transaction "
                                f"(sendOffsetsToTransaction), so producer.transactional.id must be set"))
        if sink.type != mode.needs_sink:
            out.append(Conflict(("consumer.commit", "sink.type"),
                                f"commit: {consumer.commit} belongs to a consume-transform-produce application; "
                                f"set sink.type: topic"))
    if mode.offsets_in_sink and sink.type != mode.needs_sink:
        out.append(Conflict(("consumer.commit", "sink.type"),
                            "commit: sink stores the offsets in the sink's database; set sink.type: database"))
    auto_commit = settings.get("consumer.enable.auto.commit")
    if auto_commit is not None and "consumer.commit" in settings and auto_commit != mode.automatic:
        out.append(Conflict(("consumer.enable.auto.commit", "consumer.commit"),
                            "enable.auto.commit and commit disagree: commit: auto is the consumer's automatic "
                            "commit, and any other commit mode turns it off"))

    if config.faults.rebalance and config.consumer.instances ** cluster.partitions > MAX_ASSIGNMENTS:
        count = config.consumer.instances ** cluster.partitions
        out.append(Conflict(("faults.rebalance", "consumer.instances", "cluster.partitions"),
                            f"a rebalance tries every assignment of the partitions to the consumers, "
                            f"{config.consumer.instances}^{cluster.partitions} = {count:,} from one state; at most "
                            f"{MAX_ASSIGNMENTS:,} can be searched: fewer partitions or consumers"))

    if producer.transaction_two_phase_commit_enable and (not transactional or producer.source != "dual-write"):
        out.append(Conflict(("producer.transaction.two.phase.commit.enable", "producer.transactional.id",
                             "producer.source"),
                            "two-phase commit (KIP-939) lets a database decide a Kafka transaction: it needs a "
                            "transactional.id and source: dual-write"))
    if producer.transaction_two_phase_commit_enable and cluster.transaction_version < 2:
        out.append(Conflict(("producer.transaction.two.phase.commit.enable", "cluster.transaction.version"),
                            "two-phase commit (KIP-939) needs transaction.version 2"))
    if producer.transaction_two_phase_commit_enable and settings.get("producer.database.commit") == "after-kafka":
        out.append(Conflict(("producer.database.commit", "producer.transaction.two.phase.commit.enable"),
                            "with two-phase commit the database commits between Kafka's prepare and commit"))
    if config.faults.producer_pause and mode.in_transaction:
        out.append(Conflict(("faults.producer.pause", "consumer.commit"),
                            "in consume-transform-produce the producing instance is a consumer instance: its stall "
                            "is faults.consumer.pause"))
    for kind in FAULTS.values():
        if kind.needs is not None and getattr(config.faults, kind.field) and config.get(kind.needs) is None:
            out.append(Conflict((f"faults.{kind.key}", kind.needs),
                                f"{kind.what} can only happen to a transactional producer; set {kind.needs}"))

    allowed_dedupe = SINKS[sink.type].dedupes
    if sink.dedupe not in allowed_dedupe:
        out.append(Conflict(("sink.dedupe", "sink.type"),
                            f"a {sink.type} sink cannot dedupe with {sink.dedupe}; allowed: "
                            f"{', '.join(allowed_dedupe)}"))
    return out
