"""One partition of the topic: its replicas' logs, its leader, its ISR, and the high watermark.

Each replica holds a log (a tuple of `Record`s; a record's offset is its position) and, beside it, the
leader epoch in which each record was appended (the leader-epoch cache of KIP-101, kept per record
because the logs are a few records long). The partition's metadata (leader, leader epoch, ISR) is what
the controller keeps for it.

What is modelled:

- the high watermark is derived, not stored: the leader advances it to the smallest offset that every
  ISR member has replicated, and a follower's fetch tells the leader at once how far it got, so the
  high watermark is the length of the prefix the leader shares with every ISR member. While the leader
  is stable it only grows; a clean election keeps every record below it (KIP-101);
- truncation of a diverged replica follows KIP-101 / KIP-279: a follower truncates to the first offset
  at which its leader epochs and the leader's differ, then copies the rest (`divergence`);
- `min.insync.replicas` (checked by the leader before an `acks=all` append: NOT_ENOUGH_REPLICAS, and
  again when the acknowledgement is due: NOT_ENOUGH_REPLICAS_AFTER_APPEND);
- clean election (an in-sync replica that is up) and, with `unclean.leader.election.enable`, unclean
  election (any live replica, whose log may lack acknowledged records).

What is left out: log segments, retention and the log start offset; the follower's own copy of the high
watermark (its lag behind the leader's is what KIP-101 fixed by using epochs, which is the behaviour
modelled here); a fetch copies everything the leader has at once (a partial fetch is the same as a fetch
made before the later appends); preferred-leader election; the eligible leader replicas of KIP-966
(Kafka 4), which keep replicas dropped from the ISR below `min.insync.replicas` electable.

Sources: the Kafka documentation, "Replication" (ISR, high watermark, unclean leader election,
min.insync.replicas), KIP-101 (leader epoch, truncation) and KIP-279 (truncation after several leader
changes).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka.records import Record


class Replica(NamedTuple):
    log: tuple[Record, ...] = ()
    epochs: tuple[int, ...] = ()          # the leader epoch of each record, as log[i] -> epochs[i]

    @property
    def log_end_offset(self) -> int:
        return len(self.log)


class Partition(NamedTuple):
    replicas: tuple[Replica, ...]         # replicas[i] lives on broker replica_brokers(...)[i]
    brokers: tuple[int, ...]              # the brokers holding a replica, in assignment order
    leader: int | None                    # broker id of the leader; None while the partition is offline
    leader_epoch: int
    isr: frozenset[int]                   # broker ids of the in-sync replicas

    def replica_on(self, broker: int) -> Replica:
        return self.replicas[self.brokers.index(broker)]

    def with_replica(self, broker: int, replica: Replica) -> "Partition":
        index = self.brokers.index(broker)
        return self._replace(replicas=self.replicas[:index] + (replica,) + self.replicas[index + 1:])


def new_partition(brokers: tuple[int, ...]) -> Partition:
    """A partition whose first assigned broker leads, with every replica in sync and empty logs."""
    return Partition(replicas=tuple(Replica() for _ in brokers), brokers=brokers, leader=brokers[0],
                     leader_epoch=0, isr=frozenset(brokers))


def divergence(leader: Replica, follower: Replica) -> int:
    """The offset up to which `follower` agrees with `leader` (same record, same leader epoch)."""
    shortest = min(len(leader.log), len(follower.log))
    for offset in range(shortest):
        if follower.epochs[offset] != leader.epochs[offset] or follower.log[offset] != leader.log[offset]:
            return offset
    return shortest


def high_watermark(partition: Partition) -> int:
    """The leader's high watermark: the prefix of its log every in-sync replica holds (0 if offline)."""
    if partition.leader is None:
        return 0
    leader = partition.replica_on(partition.leader)
    return min(divergence(leader, partition.replica_on(member)) for member in partition.isr)


def readable(partition: Partition) -> tuple[Record, ...] | None:
    """The records a consumer may fetch: offsets below the high watermark on the leader."""
    if partition.leader is None:
        return None
    return partition.replica_on(partition.leader).log[:high_watermark(partition)]
