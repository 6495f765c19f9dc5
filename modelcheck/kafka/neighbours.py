"""The configurations one setting away: the alternatives "what to change" explores.

A neighbour changes one client or topic setting a team could really change: a producer or consumer
property, the commit strategy, the sink's dedupe, the topic's replication settings, the application's
source pattern. It never changes the workload or the fault budget: "no-loss holds with no crashes" is
no advice. Whether Kafka accepts the changed combination is for the spec layer to say; this module only
lists candidates, in a stable order.
"""

from __future__ import annotations

from modelcheck.kafka.config import KafkaConfig

# Each key with the values worth trying, in the order advice should be listed.
CANDIDATES: tuple[tuple[str, tuple], ...] = (
    ("producer.enable.idempotence", (True, False)),
    ("producer.acks", ("all", "1", "0")),
    ("producer.max.in.flight.requests.per.connection", (1, 5)),
    ("producer.source", ("outbox", "direct", "dual-write")),
    ("producer.transactional.id", ("orders-tx", "orders-tx-${instance}", None)),
    ("cluster.min.insync.replicas", (1, 2)),
    ("cluster.unclean.leader.election.enable", (False, True)),
    ("cluster.transaction.version", (2, 1)),
    ("workload.keyed", (True,)),
    ("consumer.commit", ("after-process", "sink", "transactional", "before-process", "auto")),
    ("consumer.isolation.level", ("read_committed", "read_uncommitted")),
    ("consumer.auto.offset.reset", ("earliest", "latest")),
    ("sink.dedupe", ("processed-table", "idempotency-key", "in-batch", "none")),
)


def neighbours(config: KafkaConfig) -> list[tuple[str, object]]:
    """(key, value) pairs, each one change away from `config`, in a stable order."""
    out = []
    for key, values in CANDIDATES:
        current = config.get(key)
        for value in values:
            if value != current:
                out.append((key, value))
    return out
