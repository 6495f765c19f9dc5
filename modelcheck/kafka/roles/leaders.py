"""What a client knows of each partition's leader, and when it asks again.

A client routes a request by the leader and leader epoch it knows. A request refused with
NOT_LEADER_OR_FOLLOWER brings the current leader and epoch back with it (KIP-951, Kafka 3.7+); a broken
connection (NETWORK_EXCEPTION, a request that timed out) makes the knowledge stale, and the client asks
again (`MetadataRequest`) before it sends to that partition, as the Java client requests a metadata
update after a disconnection; a partition without a leader is asked about again until it has one. A
client starts knowing the initial leaders, as after its bootstrap.

Sources: the Java client's `Metadata.requestUpdate` (after disconnections and leader errors), KIP-951.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import Request
from modelcheck.kafka import rpc

FRESH, STALE, ASKING = 0, 1, 2
NO_LEADER = -1


class Leader(NamedTuple):
    broker: int                   # broker index, NO_LEADER while the partition is offline
    leader_epoch: int
    refresh: int = FRESH


def usable(known: Leader) -> bool:
    return known.broker != NO_LEADER and known.refresh == FRESH


def needs_asking(known: Leader) -> bool:
    return known.refresh == STALE or (known.broker == NO_LEADER and known.refresh == FRESH)


def stale(leaders: tuple, p: int) -> tuple:
    known = leaders[p]
    if known.refresh != FRESH:
        return leaders
    return leaders[:p] + (known._replace(refresh=STALE),) + leaders[p + 1:]


def unanswered(leaders: tuple, p: int) -> tuple:
    """The metadata request about `p` failed with its connection: it will be asked again."""
    return leaders[:p] + (leaders[p]._replace(refresh=STALE),) + leaders[p + 1:]


def asking(leaders: tuple, p: int, partition_actor: int) -> tuple[tuple, tuple]:
    return (leaders[:p] + (leaders[p]._replace(refresh=ASKING),) + leaders[p + 1:],
            (Request(partition_actor, rpc.MetadataRequest()),))


def learned(leaders: tuple, p: int, leader: int, leader_epoch: int) -> tuple:
    return leaders[:p] + (Leader(leader, leader_epoch),) + leaders[p + 1:]
