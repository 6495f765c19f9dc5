"""Every Kafka client and broker property name: which the model uses, and why the others do not matter.

One registry for `modelcheck init` (which reads a user's `.properties`, Spring Boot or Python
configuration) and for the spec loader (which accepts these names in a spec's sections). Each
property is one of:

- modelled: it becomes a spec key (`spec_key`), e.g. `acks` -> `producer.acks`;
- not modelled, no effect on delivery guarantees: connection, security, serialization, batching and
  timing (the model explores every order of sends and deliveries, so how long a client waits changes
  no outcome it explores), size limits, metrics and logging;
- not modelled, may matter: each with the reason and, where there is one, the spec key or fault budget
  that stands for it (`delivery.timeout.ms`: bounded `retries` stand for it).

`lookup(name)` knows the Java spelling, librdkafka's aliases and own properties, and kafka-python's
underscore spelling (`enable_idempotence`). Broker properties are known by name where they touch
delivery, and otherwise by family (`log.`, `num.`, `socket.`, ...): a misspelt name inside a family is
taken as an unmodelled property of that family, not reported as a typo.

`DEFAULTS` holds, per client, the defaults of the modelled properties, so that `init` writes what the
user's client really does where their file is silent.

Sources (names and defaults only):
- Apache Kafka 4.0 (trunk at 1eb7644, October 2024): `ProducerConfig`, `ConsumerConfig`,
  `CommonClientConfigs`, `SslConfigs`, `SaslConfigs`, `TopicConfig`, and the broker's `ServerConfigs`,
  `ReplicationConfigs`, `ServerLogConfigs`, `TransactionLogConfig`, `TransactionStateManagerConfig`,
  `GroupCoordinatorConfig`, `KRaftConfigs`, `SocketServerConfigs`. Java defaults: acks=all,
  enable.idempotence=true (since 3.0, KIP-679), retries=2147483647, max.in.flight=5,
  enable.auto.commit=true, auto.offset.reset=latest, isolation.level=read_uncommitted,
  max.poll.records=500.
- librdkafka 2.15 (commit 4c3b017), CONFIGURATION.md: acks=all (-1; the default since v1.0.0,
  librdkafka commit 14000812c "Change producer default to acks=all"), enable.idempotence=false,
  retries=2147483647, max.in.flight=1000000, enable.auto.commit=true, enable.auto.offset.store=true,
  auto.offset.reset=largest (latest), isolation.level=read_committed, max.poll.records=500.
  confluent-kafka (Python, Go, .NET) passes its configuration to librdkafka.
- kafka-python 3.x (commit a3b3836), `KafkaProducer.DEFAULT_CONFIG`, `KafkaConsumer.DEFAULT_CONFIG`:
  acks=all and enable_idempotence=True since 3.0.0 (KIP-679, kafka-python #3013; before 3.0: acks=1,
  idempotence off), retries infinite (since 2.2.0), max_in_flight_requests_per_connection=5,
  enable_auto_commit=True, auto_offset_reset=latest, isolation_level=read_uncommitted,
  max_poll_records=500.
"""

from __future__ import annotations

from typing import NamedTuple

MODELLED = "modelled"
NO_EFFECT = "not modelled, no effect on delivery guarantees"
MAY_MATTER = "not modelled, may matter"

PRODUCER, CONSUMER, CLIENT, TOPIC, BROKER = "producer", "consumer", "client", "topic", "broker"

JAVA, LIBRDKAFKA, KAFKA_PYTHON = "java", "librdkafka", "kafka-python"
CLIENTS = (JAVA, LIBRDKAFKA, KAFKA_PYTHON)
CLIENT_NAMES = {JAVA: "the Java client (Kafka 4.0)", LIBRDKAFKA: "librdkafka 2.x (confluent-kafka)",
                KAFKA_PYTHON: "kafka-python 3.x"}


class ClientProperty(NamedTuple):
    name: str                     # as Kafka's Java client (or, for a client's own property, that client) spells it
    role: str                     # PRODUCER, CONSUMER, CLIENT (either), TOPIC or BROKER
    fate: str                     # MODELLED, NO_EFFECT or MAY_MATTER
    why: str                      # what the model does with it, or why it does not matter
    spec_key: str | None = None   # the spec key it sets (modelled properties)

    @property
    def modelled(self) -> bool:
        return self.fate == MODELLED


# -- the reasons shared by many properties ------------------------------------------------------------

CONNECTION = "connection plumbing: how the client reaches the brokers, not what is written or committed"
SECURITY = "security (TLS, SASL, authentication): a client that cannot connect fails; no guarantee changes"
SERIALIZATION = "serialization: what the bytes of a record are, not whether or how often it is delivered"
OBSERVATION = "metrics, logging and callbacks: they observe the client"
TIMING = ("batching and timing: the model explores every order of sends, deliveries and crashes, so how "
          "long the client waits changes no outcome it explores")
SIZES = "size limits and buffers: the model's records are small and always fit"
METADATA = "metadata refresh: the model's clients learn a new leader from the error they get"
COMPRESSION = "compression: the bytes on the wire, not the records"
BROKER_RUNNING = "how the broker runs (threads, listeners, storage layout, quotas): no effect on what it acknowledges"
ASSIGNMENT = "partition assignment: the model tries every assignment a rebalance can make"
IDENTITY = "naming and identity: one group and one application are modelled"


def _many(names: str, role: str, fate: str, why: str) -> list[ClientProperty]:
    return [ClientProperty(name, role, fate, why) for name in names.split()]


_MODELLED = [
    ClientProperty("acks", PRODUCER, MODELLED, "which replicas must have a record before it is acknowledged",
                   "producer.acks"),
    ClientProperty("enable.idempotence", PRODUCER, MODELLED, "producer id and sequence numbers; the broker "
                   "drops duplicates", "producer.enable.idempotence"),
    ClientProperty("retries", PRODUCER, MODELLED, "retries of a failed batch (the model bounds them: at most "
                   "100, and a few keep the search small)", "producer.retries"),
    ClientProperty("max.in.flight.requests.per.connection", PRODUCER, MODELLED, "requests pipelined on the "
                   "connection", "producer.max.in.flight.requests.per.connection"),
    ClientProperty("transactional.id", PRODUCER, MODELLED, "transactions", "producer.transactional.id"),
    ClientProperty("enable.auto.commit", CONSUMER, MODELLED, "the consumer's automatic commit",
                   "consumer.enable.auto.commit"),
    ClientProperty("isolation.level", CONSUMER, MODELLED, "whether open and aborted transactions are read",
                   "consumer.isolation.level"),
    ClientProperty("auto.offset.reset", CONSUMER, MODELLED, "where a consumer with no committed offset starts",
                   "consumer.auto.offset.reset"),
    ClientProperty("max.poll.records", CONSUMER, MODELLED, "records one poll returns at most",
                   "consumer.max.poll.records"),
    ClientProperty("min.insync.replicas", TOPIC, MODELLED, "in-sync replicas an acks=all write needs",
                   "cluster.min.insync.replicas"),
    ClientProperty("unclean.leader.election.enable", TOPIC, MODELLED, "whether a replica out of the ISR may "
                   "become leader", "cluster.unclean.leader.election.enable"),
    ClientProperty("replication.factor", TOPIC, MODELLED, "replicas of each partition (kafka-topics.sh "
                   "--replication-factor)", "cluster.replication.factor"),
    ClientProperty("default.replication.factor", BROKER, MODELLED, "replicas of an automatically created topic",
                   "cluster.replication.factor"),
    ClientProperty("partitions", TOPIC, MODELLED, "partitions of the topic (kafka-topics.sh --partitions)",
                   "cluster.partitions"),
    ClientProperty("num.partitions", BROKER, MODELLED, "partitions of an automatically created topic",
                   "cluster.partitions"),
    ClientProperty("transaction.partition.verification.enable", BROKER, MODELLED, "KIP-890 part 1: a leader "
                   "verifies a transaction's first record with the coordinator (Kafka 3.6+)",
                   "cluster.transaction.partition.verification.enable"),
]

_MAY_MATTER = [
    ClientProperty("delivery.timeout.ms", PRODUCER, MAY_MATTER,
                   "a record not acknowledged within it fails and your callback gets the error; the model "
                   "bounds retries instead of time (producer.retries), with the same outcome: the producer "
                   "gives up on the record"),
    ClientProperty("request.timeout.ms", CLIENT, MAY_MATTER,
                   "a request without a response in time is retried; the model's faults.response.lost and "
                   "faults.request.lost stand for it"),
    ClientProperty("transaction.timeout.ms", PRODUCER, MAY_MATTER,
                   "the coordinator aborts a transaction open longer: the model does so once nothing else can "
                   "happen, and earlier within faults.transaction.timeout"),
    ClientProperty("partitioner.class", PRODUCER, MAY_MATTER,
                   "key-order holds per partition: a partitioner that does not send a key to one partition "
                   "breaks it; the model hashes a key to one partition (workload.keyed)"),
    ClientProperty("partitioner.ignore.keys", PRODUCER, MAY_MATTER,
                   "true spreads records of one key over partitions, like workload.keyed: false"),
    ClientProperty("max.block.ms", PRODUCER, MAY_MATTER,
                   "send() throws when metadata or buffer space does not come in time; if your code drops "
                   "the event then, it is lost (the model's application always gets to send)"),
    ClientProperty("max.poll.interval.ms", CONSUMER, MAY_MATTER,
                   "processing a batch for longer makes the group move its partitions; faults.consumer.pause "
                   "stands for it"),
    ClientProperty("session.timeout.ms", CLIENT, MAY_MATTER,
                   "a consumer silent for longer is removed from the group; faults.consumer.pause and "
                   "faults.rebalance stand for it"),
    ClientProperty("heartbeat.interval.ms", CONSUMER, MAY_MATTER,
                   "heartbeats keep the session alive; faults.consumer.pause stands for a missed session"),
    ClientProperty("group.instance.id", CONSUMER, MAY_MATTER,
                   "static membership: the model's restarted consumer keeps its partitions, as a static "
                   "member does; without it a restart also triggers a rebalance (faults.rebalance)"),
    ClientProperty("auto.commit.interval.ms", CONSUMER, MAY_MATTER,
                   "how often auto commit runs; the model lets any poll commit or not, so every interval is "
                   "covered, but a long interval makes the replay after a crash longer"),
    ClientProperty("group.id", CONSUMER, MAY_MATTER,
                   "the model has one consumer group; a consumer without group.id commits nothing"),
    ClientProperty("enable.auto.offset.store", CONSUMER, MAY_MATTER,
                   "librdkafka: true stores an offset as the message is handed to your code, so an automatic "
                   "commit may cover a message not yet processed; init chooses consumer.commit from it"),
    ClientProperty("enable.gapless.guarantee", PRODUCER, MAY_MATTER,
                   "librdkafka: stops the producer instead of leaving a gap when a batch fails; the model's "
                   "producer gives up on the record (no-loss shows the gap)"),
    ClientProperty("queuing.strategy", PRODUCER, MAY_MATTER,
                   "librdkafka: lifo (deprecated) sends records out of order; the model sends in order (fifo)"),
    ClientProperty("partitioner", PRODUCER, MAY_MATTER,
                   "librdkafka and kafka-python: the partitioner; key-order needs a key to go to one partition"),
    ClientProperty("offset.store.method", CONSUMER, MAY_MATTER,
                   "librdkafka: file (deprecated) keeps offsets outside the group; the model commits to the group"),
    ClientProperty("replica.lag.time.max.ms", BROKER, MAY_MATTER,
                   "a follower behind for longer leaves the ISR; faults.isr.shrink stands for it"),
    ClientProperty("eligible.leader.replicas.enable", BROKER, MAY_MATTER,
                   "KIP-966 leader election from eligible replicas; the model elects from the ISR"),
    ClientProperty("retention.ms", TOPIC, MAY_MATTER,
                   "records older are deleted, read or not; the model keeps every record"),
    ClientProperty("retention.bytes", TOPIC, MAY_MATTER,
                   "records beyond it are deleted, read or not; the model keeps every record"),
    ClientProperty("cleanup.policy", TOPIC, MAY_MATTER,
                   "compact keeps only the last record of a key, so a slow consumer skips the others; the "
                   "model keeps every record"),
    ClientProperty("flush.ms", TOPIC, MAY_MATTER,
                   "Kafka relies on replication, not fsync; the model's crashed broker keeps its log (a "
                   "process crash), and a power loss of every replica is not modelled"),
    ClientProperty("flush.messages", TOPIC, MAY_MATTER,
                   "as flush.ms: the model's crashed broker keeps its log"),
    *_many("log.retention.ms log.retention.minutes log.retention.hours log.retention.bytes log.cleanup.policy",
           BROKER, MAY_MATTER, "the broker's default retention.ms, retention.bytes or cleanup.policy (see those)"),
    *_many("log.flush.interval.ms log.flush.interval.messages", BROKER, MAY_MATTER,
           "the broker's default flush.ms or flush.messages (see those)"),
    ClientProperty("offsets.retention.minutes", BROKER, MAY_MATTER,
                   "a group's committed offsets expire after it; a consumer then restarts from "
                   "auto.offset.reset; the model keeps committed offsets"),
    ClientProperty("transaction.max.timeout.ms", BROKER, MAY_MATTER,
                   "the largest transaction.timeout.ms the broker accepts; faults.transaction.timeout"),
    ClientProperty("transactional.id.expiration.ms", BROKER, MAY_MATTER,
                   "an idle transactional.id is forgotten, and with it the fencing of its zombies"),
    ClientProperty("producer.id.expiration.ms", BROKER, MAY_MATTER,
                   "an idle idempotent producer's state is forgotten; its retries are then not deduplicated"),
    ClientProperty("auto.leader.rebalance.enable", BROKER, NO_EFFECT,
                   "a preferred leader takes over only from an in-sync replica; the model's leader changes "
                   "come from broker crashes"),
    ClientProperty("allow.auto.create.topics", CLIENT, NO_EFFECT, "the topic exists in the model"),
    ClientProperty("auto.create.topics.enable", BROKER, NO_EFFECT, "the topic exists in the model"),
]

# The Java client's (Kafka 4.0) other properties.
_JAVA = [
    *_many("batch.size linger.ms buffer.memory partitioner.adaptive.partitioning.enable "
           "partitioner.availability.timeout.ms", PRODUCER, NO_EFFECT, TIMING),
    *_many("compression.type compression.gzip.level compression.lz4.level compression.zstd.level", PRODUCER,
           NO_EFFECT, COMPRESSION),
    *_many("key.serializer value.serializer", PRODUCER, NO_EFFECT, SERIALIZATION),
    *_many("default.list.key.serde.inner default.list.key.serde.type default.list.value.serde.inner "
           "default.list.value.serde.type", CLIENT, NO_EFFECT, SERIALIZATION),
    *_many("max.request.size", PRODUCER, NO_EFFECT, SIZES),
    *_many("metadata.max.idle.ms", PRODUCER, NO_EFFECT, METADATA),
    *_many("key.deserializer value.deserializer check.crcs", CONSUMER, NO_EFFECT, SERIALIZATION),
    *_many("fetch.max.bytes fetch.min.bytes max.partition.fetch.bytes", CONSUMER, NO_EFFECT, SIZES),
    *_many("fetch.max.wait.ms", CONSUMER, NO_EFFECT, TIMING),
    *_many("partition.assignment.strategy group.protocol group.remote.assignor rebalance.timeout.ms", CONSUMER,
           NO_EFFECT, ASSIGNMENT),
    *_many("exclude.internal.topics internal.leave.group.on.close", CONSUMER, NO_EFFECT, IDENTITY),
    *_many("bootstrap.servers client.dns.lookup connections.max.idle.ms reconnect.backoff.ms "
           "reconnect.backoff.max.ms receive.buffer.bytes send.buffer.bytes socket.connection.setup.timeout.ms "
           "socket.connection.setup.timeout.max.ms metadata.recovery.strategy "
           "metadata.recovery.rebootstrap.trigger.ms client.rack", CLIENT, NO_EFFECT, CONNECTION),
    *_many("retry.backoff.ms retry.backoff.max.ms default.api.timeout.ms", CLIENT, NO_EFFECT, TIMING),
    *_many("metadata.max.age.ms", CLIENT, NO_EFFECT, METADATA),
    *_many("client.id", CLIENT, NO_EFFECT, IDENTITY),
    *_many("interceptor.classes metric.reporters metrics.num.samples metrics.recording.level "
           "metrics.sample.window.ms enable.metrics.push auto.include.jmx.reporter", CLIENT, NO_EFFECT,
           OBSERVATION),
    *_many("security.protocol security.providers", CLIENT, NO_EFFECT, SECURITY),
]

# librdkafka's own properties (CONFIGURATION.md of 2.15), where the Java client has no such name.
_LIBRDKAFKA = [
    *_many("builtin.features debug log_level log.queue log.thread.name log.connection.close statistics.interval.ms "
           "enabled_events error_cb throttle_cb stats_cb log_cb background_event_cb socket_cb connect_cb "
           "closesocket_cb open_cb resolve_cb opaque default_topic_conf internal.termination.signal "
           "oauthbearer_token_refresh_cb consume_cb rebalance_cb offset_commit_cb dr_cb dr_msg_cb "
           "partitioner_cb msg_order_cmp interceptors plugin.library.paths delivery.report.only.error "
           "produce.offset.report enable.partition.eof consume.callback.max.messages "
           "ssl.certificate.verify_cb ssl_engine_callback_data", CLIENT, NO_EFFECT, OBSERVATION),
    *_many("message.copy.max.bytes receive.message.max.bytes message.max.bytes queued.min.messages "
           "queued.max.messages.kbytes queue.buffering.max.messages queue.buffering.max.kbytes "
           "queue.buffering.backpressure.threshold", CLIENT, NO_EFFECT, SIZES),
    *_many("topic.metadata.refresh.interval.ms topic.metadata.refresh.fast.interval.ms "
           "topic.metadata.refresh.fast.cnt topic.metadata.refresh.sparse topic.metadata.propagation.max.ms "
           "topic.blacklist coordinator.query.interval.ms", CLIENT, NO_EFFECT, METADATA),
    *_many("socket.timeout.ms socket.blocking.max.ms socket.keepalive.enable socket.nagle.disable "
           "socket.max.fails broker.address.ttl broker.address.family reconnect.backoff.jitter.ms "
           "api.version.request api.version.request.timeout.ms api.version.fallback.ms broker.version.fallback "
           "enable.random.seed", CLIENT, NO_EFFECT, CONNECTION),
    *_many("batch.num.messages sticky.partitioning.linger.ms fetch.queue.backoff.ms fetch.error.backoff.ms",
           CLIENT, NO_EFFECT, TIMING),
    *_many("compression.level", PRODUCER, NO_EFFECT, COMPRESSION),
    *_many("offset.store.path offset.store.sync.interval.ms", CONSUMER, NO_EFFECT,
           "librdkafka's deprecated file offset store (see offset.store.method)"),
    *_many("group.protocol.type share.acknowledgement.mode", CONSUMER, NO_EFFECT, ASSIGNMENT),
    *_many("enable.sasl.oauthbearer.unsecure.jwt enable.ssl.certificate.verification ssl_ca ssl_certificate "
           "ssl_key", CLIENT, NO_EFFECT, SECURITY),
]

# kafka-python's own properties (DEFAULT_CONFIG of KafkaProducer and KafkaConsumer), in its spelling.
_KAFKA_PYTHON = [
    *_many("api_version bootstrap_timeout_ms kafka_client net selector proxy_url socks5_proxy socket_options "
           "enable_incremental_fetch_sessions", CLIENT, NO_EFFECT, CONNECTION),
    *_many("ssl_context ssl_check_hostname ssl_cafile ssl_certfile ssl_keyfile ssl_crlfile ssl_password "
           "ssl_ciphers sasl_plain_username sasl_plain_password sasl_kerberos_name sasl_kerberos_domain_name "
           "sasl_oauth_token_provider", CLIENT, NO_EFFECT, SECURITY),
    *_many("metrics_enabled metric_group_prefix default_offset_commit_callback", CLIENT, NO_EFFECT, OBSERVATION),
    *_many("consumer_timeout_ms", CONSUMER, NO_EFFECT, "how long iterating the consumer waits for a record"),
]

# Topic properties (TopicConfig) and broker properties that touch nothing the model checks.
_TOPIC_AND_BROKER = [
    *_many("segment.bytes segment.ms segment.jitter.ms segment.index.bytes index.interval.bytes "
           "file.delete.delay.ms preallocate max.message.bytes message.format.version message.timestamp.type "
           "message.timestamp.difference.max.ms message.timestamp.before.max.ms "
           "message.timestamp.after.max.ms message.downconversion.enable delete.retention.ms "
           "min.compaction.lag.ms max.compaction.lag.ms min.cleanable.dirty.ratio remote.storage.enable "
           "local.retention.ms local.retention.bytes remote.log.copy.disable remote.log.delete.on.disable "
           "follower.replication.throttled.replicas leader.replication.throttled.replicas", TOPIC, NO_EFFECT,
           "storage layout and housekeeping of the log; records are kept until retention"),
    *_many("broker.id node.id process.roles listeners advertised.listeners listener.security.protocol.map "
           "inter.broker.listener.name controller.listener.names controller.quorum.voters "
           "controller.quorum.bootstrap.servers zookeeper.connect broker.rack delete.topic.enable "
           "background.threads queued.max.requests inter.broker.protocol.version "
           "security.inter.broker.protocol authorizer.class.name reserved.broker.max.id "
           "broker.id.generation.enable controlled.shutdown.enable controlled.shutdown.max.retries "
           "controlled.shutdown.retry.backoff.ms unstable.api.versions.enable unstable.feature.versions.enable "
           "early.start.listeners max.incremental.fetch.session.cache.slots "
           "leader.imbalance.per.broker.percentage leader.imbalance.check.interval.seconds "
           "unclean.leader.election.interval.ms transaction.abort.timed.out.transaction.cleanup.interval.ms "
           "transaction.remove.expired.transaction.cleanup.interval.ms "
           "producer.id.expiration.check.interval.ms fetch.purgatory.purge.interval.requests "
           "producer.purgatory.purge.interval.requests delete.records.purgatory.purge.interval.requests "
           "initial.broker.registration.timeout.ms broker.heartbeat.interval.ms broker.session.timeout.ms "
           "server.max.startup.time.ms connection.failed.authentication.delay.ms control.plane.listener.name "
           "max.connection.creation.rate max.connections max.connections.per.ip max.connections.per.ip.overrides "
           "max.request.partition.size.limit offset.metadata.max.bytes queued.max.request.bytes", BROKER, NO_EFFECT,
           BROKER_RUNNING),
]

# Families of names known by their prefix (broker and security properties are too many to list one by one).
FAMILIES: dict[str, tuple[str, str, str]] = {
    "ssl.": (CLIENT, NO_EFFECT, SECURITY),
    "sasl.": (CLIENT, NO_EFFECT, SECURITY),
    "https.": (CLIENT, NO_EFFECT, SECURITY),
    "log.": (BROKER, NO_EFFECT, "broker log storage (retention and flushing are listed by their topic names: "
                                "retention.ms, flush.ms)"),
    "num.": (BROKER, NO_EFFECT, BROKER_RUNNING),
    "socket.": (BROKER, NO_EFFECT, BROKER_RUNNING),
    "listener.": (BROKER, NO_EFFECT, BROKER_RUNNING),
    "controller.": (BROKER, NO_EFFECT, BROKER_RUNNING),
    "zookeeper.": (BROKER, NO_EFFECT, BROKER_RUNNING),
    "metadata.": (BROKER, NO_EFFECT, BROKER_RUNNING),
    "replica.": (BROKER, NO_EFFECT, "replica fetching: how fast followers copy; faults.isr.shrink stands "
                                    "for a follower left behind"),
    "group.": (BROKER, NO_EFFECT, "group coordinator settings: the model's coordinator accepts every "
                                  "member and commit it should"),
    "offsets.": (BROKER, NO_EFFECT, "the offsets topic's layout; the model keeps committed offsets"),
    "transaction.state.log.": (BROKER, NO_EFFECT, "the transaction log's layout; the model's coordinator "
                                                  "keeps its log"),
    "remote.log.": (BROKER, NO_EFFECT, "tiered storage; records stay readable"),
    "quota.": (BROKER, NO_EFFECT, BROKER_RUNNING),
    "metric": (CLIENT, NO_EFFECT, OBSERVATION),
    "confluent.": (BROKER, NO_EFFECT, "Confluent Platform's own settings (not Apache Kafka's)"),
}

REGISTRY: dict[str, ClientProperty] = {}
for _property in (*_MODELLED, *_MAY_MATTER, *_JAVA, *_LIBRDKAFKA, *_KAFKA_PYTHON, *_TOPIC_AND_BROKER):
    assert _property.name not in REGISTRY, f"{_property.name} is registered twice"
    REGISTRY[_property.name] = _property

# Other spellings of registered properties: librdkafka's aliases and older names.
ALIASES = {
    "request.required.acks": "acks",
    "message.send.max.retries": "retries",
    "max.in.flight": "max.in.flight.requests.per.connection",
    "queue.buffering.max.ms": "linger.ms",
    "message.timeout.ms": "delivery.timeout.ms",
    "auto.commit.enable": "enable.auto.commit",
    "metadata.broker.list": "bootstrap.servers",
    "compression.codec": "compression.type",
    "fetch.message.max.bytes": "max.partition.fetch.bytes",
    "fetch.wait.max.ms": "fetch.max.wait.ms",
}

# kafka-python names that are not the Java name with `_` for `.`.
_KAFKA_PYTHON_NAMES = {
    "metric_reporters": "metric.reporters",
    "sasl_mechanism": "sasl.mechanism",
    "sasl_kerberos_service_name": "sasl.kerberos.service.name",
    "receive_message_max_bytes": "receive.message.max.bytes",
}


def canonical(name: str) -> str:
    """The registry's spelling of `name`: an alias or a kafka-python name becomes the Java name."""
    name = name.strip()
    if name in REGISTRY:
        return name
    if name in ALIASES:
        return ALIASES[name]
    if name in _KAFKA_PYTHON_NAMES:
        return _KAFKA_PYTHON_NAMES[name]
    if "_" in name and name.replace("_", ".") in REGISTRY and name not in REGISTRY:
        dotted = name.replace("_", ".")
        if not dotted.endswith(".cb"):            # librdkafka's callbacks keep their underscore
            return dotted
    return name


def lookup(name: str, *, underscores: bool = True) -> ClientProperty | None:
    """The registry entry for a property spelt as any supported client spells it, or by its family;
    None when the name is unknown (a typo, or a property of a client this registry does not cover).

    With `underscores` False, kafka-python's spelling (`enable_idempotence`) is not read as the Java
    name: a spec writes Kafka's names with dots, and there `enable_idempotence` is a slip to point out.
    """
    found = REGISTRY.get(canonical(name) if underscores else ALIASES.get(name, name))
    if found is not None:
        return found
    for prefix, (role, fate, why) in FAMILIES.items():
        if name.startswith(prefix) or (underscores and name.replace("_", ".").startswith(prefix)):
            return ClientProperty(name, role, fate, why)
    return None


def fits(entry: ClientProperty, section: str) -> bool:
    """Whether a property of `entry`'s role may be written in spec section `section` (producer,
    consumer or cluster)."""
    if section == "producer":
        return entry.role in (PRODUCER, CLIENT)
    if section == "consumer":
        return entry.role in (CONSUMER, CLIENT)
    if section == "cluster":
        return entry.role in (TOPIC, BROKER)
    return False


# Per client, the defaults of the modelled properties (spec values, as a spec spells them) and the
# sources above. `retries` is the client's real default; the model bounds it (`init` says so).
DEFAULTS: dict[str, dict[str, object]] = {
    JAVA: {"acks": "all", "enable.idempotence": True, "retries": 2147483647,
           "max.in.flight.requests.per.connection": 5, "enable.auto.commit": True,
           "auto.offset.reset": "latest", "isolation.level": "read_uncommitted", "max.poll.records": 500},
    LIBRDKAFKA: {"acks": "all", "enable.idempotence": False, "retries": 2147483647,
                 "max.in.flight.requests.per.connection": 1000000, "enable.auto.commit": True,
                 "enable.auto.offset.store": True, "auto.offset.reset": "latest",
                 "isolation.level": "read_committed", "max.poll.records": 500},
    KAFKA_PYTHON: {"acks": "all", "enable.idempotence": True, "retries": 2147483647,
                   "max.in.flight.requests.per.connection": 5, "enable.auto.commit": True,
                   "auto.offset.reset": "latest", "isolation.level": "read_uncommitted", "max.poll.records": 500},
}

# librdkafka's other spellings of auto.offset.reset's values.
OFFSET_RESET_VALUES = {"smallest": "earliest", "beginning": "earliest", "earliest": "earliest",
                       "largest": "latest", "end": "latest", "latest": "latest", "error": "none", "none": "none"}


def _check():
    from modelcheck.kafka.config import KEYS
    for alias, name in ALIASES.items():
        assert name in REGISTRY, f"alias {alias} -> {name} is not registered"
    for entry in REGISTRY.values():
        assert entry.fate in (MODELLED, NO_EFFECT, MAY_MATTER), entry
        assert (entry.spec_key is not None) == entry.modelled, entry
        assert entry.spec_key is None or entry.spec_key in KEYS, entry


_check()
