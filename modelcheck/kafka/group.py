"""The group coordinator: committed offsets, the group's generation, and who owns which partition.

What it models
- The committed offset of each partition for the one consumer group, as the `__consumer_offsets`
  topic keeps it: durable, so a consumer crash never loses it. -1 means no offset was ever committed.
- The group's generation. Every rebalance starts a new generation; an OffsetCommit request carries
  the member's generation, and the coordinator rejects one from an older generation with
  ILLEGAL_GENERATION (the Java client then raises CommitFailedException: "the group has already
  rebalanced and assigned the partitions to another member"; see `ConsumerCoordinator`'s
  OffsetCommitResponseHandler in apache/kafka). That rejection is what fences a zombie's commit.
- The assignment: the member that owns each partition. The initial assignment is the range assignor's
  (consecutive partitions, the first members getting one more when the count does not divide);
  `assignments` lists every possible assignment for a rebalance.

What it leaves out
- The join/sync protocol itself (JoinGroup, SyncGroup, heartbeats, the rebalance timeout) is folded
  into single atomic steps in `rebalance.py`; member ids are the consumer's index.
- Offset retention (`offsets.retention.minutes`): committed offsets never expire here.
- Several groups: one group reads the topic.

Sources: the Java client's `ConsumerCoordinator` (commit with generation and member id, the
ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / REBALANCE_IN_PROGRESS -> CommitFailedException mapping);
KIP-62 (max.poll.interval.ms, the member leaves when it stops polling); KIP-429 (incremental
cooperative rebalancing: members keep the partitions that do not move).
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

NO_OFFSET = -1


class GroupState(NamedTuple):
    committed: tuple[int, ...]       # committed offset per partition, NO_OFFSET when none
    generation: int                  # the group's current generation
    owners: tuple[int, ...]          # owning consumer index per partition


def range_assignment(partitions: int, members: tuple[int, ...]) -> tuple[int, ...]:
    """The range assignor's owner per partition for the given (sorted) member indexes."""
    owners = []
    count = len(members)
    base, extra = divmod(partitions, count)
    for index, member in enumerate(members):
        owners.extend([member] * (base + (1 if index < extra else 0)))
    return tuple(owners)


def initial_group(partitions: int, instances: int) -> GroupState:
    """The group after its first rebalance: generation 1, range assignment, nothing committed."""
    return GroupState(committed=(NO_OFFSET,) * partitions, generation=1,
                      owners=range_assignment(partitions, tuple(range(instances))))


def assignments(partitions: int, members: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every assignment of the partitions to the members, in a fixed order."""
    return [tuple(owners) for owners in product(members, repeat=partitions)]


def commit_error(group: GroupState, member_generation: int, partition: int, member: int) -> str | None:
    """Why the coordinator rejects a member's OffsetCommit for `partition`, or None when it accepts it."""
    if member_generation != group.generation:
        return (f"ILLEGAL_GENERATION: generation {member_generation}, the group is at generation "
                f"{group.generation}")
    if group.owners[partition] != member:
        return f"the partition is owned by consumer[{group.owners[partition]}]"
    return None


def with_commit(group: GroupState, offsets: dict[int, int]) -> GroupState:
    """The group with `offsets` (partition -> offset) committed."""
    committed = list(group.committed)
    for partition, offset in offsets.items():
        committed[partition] = offset
    return group._replace(committed=tuple(committed))


def partitions_of(group: GroupState, member: int) -> tuple[int, ...]:
    """The partitions `member` owns."""
    return tuple(p for p, owner in enumerate(group.owners) if owner == member)
