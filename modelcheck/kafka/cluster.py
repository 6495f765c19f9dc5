"""The brokers and the topic's partitions: appends at the leader, replication, crashes and elections.

What is modelled (see `partition` for the per-partition rules):

- replica placement: partition p has `replication.factor` replicas, on brokers p, p+1, ... (mod the
  broker count); the first is the initial leader and every replica starts in sync;
- the leader's handling of a produce request: NOT_LEADER_OR_FOLLOWER on a broker that does not lead
  the partition; with `acks=all`, NOT_ENOUGH_REPLICAS when the ISR is smaller than
  `min.insync.replicas` (checked before the append, as `Partition.appendRecordsToLeader` does); the
  idempotence checks of `idempotence`; then the append, in the leader's current leader epoch;
- followers fetch from the leader: a fetch truncates a diverged follower (KIP-101 / KIP-279) and
  copies what it lacks; a follower that has caught up rejoins the ISR; the leader may drop a follower
  that lags from the ISR at any time (`replica.lag.time.max.ms` elapsed), which is what lets an
  `acks=all` write be acknowledged by a shrunken ISR;
- a broker crash (a process crash: its log survives on disk, its pending answers do not): the
  controller removes it from every ISR it belongs to (keeping the last member, as Kafka does when a
  partition goes offline) and, for each partition it led, elects a live ISR member (clean election,
  any of them), or with `unclean.leader.election.enable` any live replica (unclean election: its log
  may lack acknowledged records), or else leaves the partition offline until a replica that may lead
  comes back;
- a restarted broker leads the partitions that were waiting for it, and follows the others (out of
  the ISR until it has caught up).

What is left out: the controller's own failures, ZooKeeper/KRaft metadata propagation delays (the
producer and consumers always know the current leader), preferred-leader election, partition
reassignment, disk loss, and the clean shutdown path (controlled leader migration).

`readable_logs` and `recorded_events` are the read side's whole view of the write side (see
`modelcheck.kafka.state`); `recorded_events` is defined in `modelcheck.kafka.application`.

Sources: the Kafka documentation, "Replication" (ISR, committed messages, unclean leader election,
min.insync.replicas) and broker configs (`unclean.leader.election.enable`, `min.insync.replicas`,
`replica.lag.time.max.ms`); KIP-101 and KIP-279 (truncation by leader epoch).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka import idempotence
from modelcheck.kafka.application import recorded_events
from modelcheck.kafka.partition import Partition, Replica, divergence, new_partition, readable
from modelcheck.kafka.records import Record

NOT_LEADER = "NOT_LEADER_OR_FOLLOWER"
NOT_ENOUGH_REPLICAS = "NOT_ENOUGH_REPLICAS"
NOT_ENOUGH_REPLICAS_AFTER_APPEND = "NOT_ENOUGH_REPLICAS_AFTER_APPEND"


class Cluster(NamedTuple):
    up: tuple[bool, ...]                  # per broker: running or crashed
    partitions: tuple[Partition, ...]

    def with_partition(self, index: int, partition: Partition) -> "Cluster":
        return self._replace(partitions=self.partitions[:index] + (partition,) + self.partitions[index + 1:])


def initial_cluster(config) -> Cluster:
    brokers = config.cluster.brokers
    factor = config.cluster.replication_factor
    partitions = tuple(new_partition(tuple((p + i) % brokers for i in range(factor)))
                       for p in range(config.cluster.partitions))
    return Cluster(up=(True,) * brokers, partitions=partitions)


def readable_logs(config, write) -> tuple[tuple[Record, ...] | None, ...]:
    """Per partition, the records a consumer may fetch now (below the high watermark on the leader), or
    None while the partition has no leader. (With transactions, read_committed readers will stop at the
    last stable offset instead; that bound slots in here.)"""
    return tuple(readable(partition) for partition in write.cluster.partitions)


def leader_log(partition: Partition) -> tuple[Record, ...] | None:
    """The whole log of the leader, committed or not (None while offline)."""
    if partition.leader is None:
        return None
    return partition.replica_on(partition.leader).log


def append(config, cluster: Cluster, broker: int, index: int, record: Record) -> tuple[str, Cluster, int]:
    """`broker` handles a produce request for partition `index`: (result, cluster, offset).

    The result is "append" (written at `offset`), "duplicate" (already at `offset`), or an error name.
    """
    partition = cluster.partitions[index]
    if partition.leader != broker:
        return NOT_LEADER, cluster, -1
    if config.producer.acks == "all" and len(partition.isr) < config.cluster.min_insync_replicas:
        return NOT_ENOUGH_REPLICAS, cluster, -1
    leader = partition.replica_on(broker)
    verdict, offset = idempotence.check_sequence(leader.log, record)
    if verdict == idempotence.DUPLICATE:
        return verdict, cluster, offset
    if verdict != idempotence.APPEND:
        return verdict, cluster, -1
    grown = Replica(leader.log + (record,), leader.epochs + (partition.leader_epoch,))
    return verdict, cluster.with_partition(index, partition.with_replica(broker, grown)), len(leader.log)


def fetch_steps(cluster: Cluster) -> list[tuple[int, int, str, Cluster]]:
    """Every follower that is behind or diverged fetches from its leader: (follower, partition,
    description, cluster)."""
    out = []
    for index, partition in enumerate(cluster.partitions):
        if partition.leader is None:
            continue
        leader = partition.replica_on(partition.leader)
        for broker in partition.brokers:
            if broker == partition.leader or not cluster.up[broker]:
                continue
            follower = partition.replica_on(broker)
            if follower == leader:
                continue
            common = divergence(leader, follower)
            parts = []
            if common < len(follower.log):
                dropped = follower.log[common:]
                parts.append(f"truncates {_records_text(dropped)} from offset {common}")
            if common < len(leader.log):
                parts.append(f"copies {_records_text(leader.log[common:])}")
            caught_up = partition.with_replica(broker, leader)
            if broker not in partition.isr:
                caught_up = caught_up._replace(isr=partition.isr | {broker})
                parts.append("rejoins the ISR")
            out.append((broker, index, f"fetches p{index}: " + ", ".join(parts),
                        cluster.with_partition(index, caught_up)))
    return out


def shrink_steps(cluster: Cluster) -> list[tuple[int, int, str, Cluster]]:
    """The leader drops a lagging follower from the ISR: (leader, partition, description, cluster)."""
    out = []
    for index, partition in enumerate(cluster.partitions):
        if partition.leader is None:
            continue
        leader = partition.replica_on(partition.leader)
        for broker in sorted(partition.isr):
            if broker != partition.leader and partition.replica_on(broker) != leader:
                shrunk = partition._replace(isr=partition.isr - {broker})
                out.append((partition.leader, index,
                            f"drops broker[{broker}] from the ISR of p{index} (lagging)",
                            cluster.with_partition(index, shrunk)))
    return out


def crash(config, cluster: Cluster, broker: int) -> list[tuple[str, Cluster]]:
    """`broker` crashes; the controller fences it and elects new leaders. One result per choice of
    leaders: (what the controller did, cluster)."""
    results: list[tuple[list[str], Cluster]] = [([], cluster._replace(up=_set(cluster.up, broker, False)))]
    for index, partition in enumerate(cluster.partitions):
        if broker not in partition.brokers:
            continue
        isr = partition.isr - {broker} if broker in partition.isr and len(partition.isr) > 1 else partition.isr
        if partition.leader != broker:
            if isr != partition.isr:
                results = [(notes, c.with_partition(index, partition._replace(isr=isr))) for notes, c in results]
            continue
        choices = []
        clean = [b for b in sorted(isr) if b != broker and cluster.up[b]]
        for candidate in clean:
            choices.append((f"elects broker[{candidate}] leader of p{index} (clean)",
                            partition._replace(leader=candidate, leader_epoch=partition.leader_epoch + 1, isr=isr)))
        if not clean and config.cluster.unclean_leader_election_enable:
            for candidate in partition.brokers:
                if candidate != broker and cluster.up[candidate]:
                    choices.append((f"elects broker[{candidate}] leader of p{index} (unclean: not in the ISR)",
                                    partition._replace(leader=candidate, leader_epoch=partition.leader_epoch + 1,
                                                       isr=frozenset({candidate}))))
        if not choices:
            choices.append((f"p{index} goes offline (no replica may lead)",
                            partition._replace(leader=None, isr=isr)))
        results = [(notes + [note], c.with_partition(index, chosen))
                   for notes, c in results for note, chosen in choices]
    return [("; ".join(notes), c) for notes, c in results]


def restart(config, cluster: Cluster, broker: int) -> tuple[str, Cluster]:
    """`broker` comes back: it leads the offline partitions it may lead and follows the rest."""
    cluster = cluster._replace(up=_set(cluster.up, broker, True))
    notes = []
    for index, partition in enumerate(cluster.partitions):
        if broker not in partition.brokers or partition.leader is not None:
            continue
        if broker in partition.isr:
            cluster = cluster.with_partition(index, partition._replace(
                leader=broker, leader_epoch=partition.leader_epoch + 1))
            notes.append(f"leads p{index} again")
        elif config.cluster.unclean_leader_election_enable:
            cluster = cluster.with_partition(index, partition._replace(
                leader=broker, leader_epoch=partition.leader_epoch + 1, isr=frozenset({broker})))
            notes.append(f"leads p{index} (unclean: not in the ISR)")
    return ", ".join(notes), cluster


def cluster_pending(cluster: Cluster) -> str | None:
    todo = [f"broker[{b}] is down" for b, up in enumerate(cluster.up) if not up]
    for index, partition in enumerate(cluster.partitions):
        if partition.leader is None:
            todo.append(f"p{index} has no leader")
    return "; ".join(todo) if todo else None


def _set(values: tuple, index: int, value) -> tuple:
    return values[:index] + (value,) + values[index + 1:]


def _records_text(records) -> str:
    return ", ".join(f"e{r.event}" for r in records)


__all__ = ["Cluster", "leader_log", "readable_logs", "recorded_events"]
