"""Symmetry of the write/read model: which consumers are interchangeable, and a state's representative.

What it models
- The consumers of the one group run the same loop with the same settings (`read_side.settings`), and
  every read-side step treats each consumer slot (member, zombie or spare) by its status and state, not
  by its number: a permutation of the slots that renames the group's owners along with them maps the
  steps of a state onto the steps of the permuted state, and no property or `sometimes` guard looks at
  a slot's number (they read the sink, the committed offsets and the fault counts). Kafka itself gives
  members no order: a dynamic member's id is its client id, "-" and a random UUID
  (`ClassicGroup.generateMemberId`), and the range assignor orders members by that id (by
  `group.instance.id` first, for static members: `AbstractPartitionAssignor.MemberInfo.compareTo`), so
  which member comes first is chance, and a member that rejoins gets a new id.
- `canonical_read(read)`: the representative of a read side's class: the slots sorted by (partitions
  owned, consumer state), the owners renamed to match. Two read sides that differ by a permutation of
  the slots sort to the same slots, and each partition has exactly one owner, so the owners follow.
- `interchangeable_consumers(config)`: whether the model offers this reduction for `config` (the one
  place that decides). It needs two things:
  - soundness: the one step that picks a consumer by its number is the stall of `rebalance.pause_steps`,
    which hands the stalled member's partitions to the lowest-numbered other member. With at most two
    instances there is at most one other member, so the choice is forced; with three or more and a
    stall budget the steps do not commute with a permutation, and the reduction is not offered. (Spares
    are all in the same state until one is started, so starting the first is starting any.)
  - use: a rebalance must be able to hand partitions to any member. Without one, every member keeps
    its partitions (a stall hands them on once, but the zombie's batch still tells the two apart), a
    permuted state is never reachable, and the reduction would only cost time (measured:
    benchmarks/symmetry.md).

What it leaves out
- Brokers: a broker is told apart by the partitions it leads and holds from the initial state on
  (`cluster.initial_cluster` places replica i of partition p on broker p+i), and a permuted leadership
  is reachable only through elections, so followers with identical replica lists are rarely
  interchangeable in a reachable state; benchmarks/symmetry.md has the measurement behind leaving
  them out.
- Partitions and events: the workload gives keys, and so partitions, a fixed order of events.
- The roles on the actors layer (transactional configurations): no symmetry yet.

Sources: apache/kafka (trunk of 2024-10, Kafka 3.9/4.0): `group-coordinator/.../classic/ClassicGroup.java`
(`generateMemberId`), `clients/.../consumer/RangeAssignor.java` (members sorted before partitions are
handed out), `clients/.../internals/AbstractPartitionAssignor.java` (`MemberInfo.compareTo`). The
reduction is the classical one: exploring one representative per orbit is sound when every
permutation commutes with the transition relation and leaves the properties unchanged (Ip and Dill,
"Better verification through symmetry", 1996; Clarke, Emerson, Jha, Sistla, "Symmetry reductions in
model checking", 1998).
"""

from __future__ import annotations

from modelcheck.kafka import read_side as read_sides


def interchangeable_consumers(config) -> bool:
    """Whether the consumer slots of `config` are interchangeable and worth reducing (module docstring)."""
    settings = read_sides.settings(config)
    any_member_can_take_over = settings.instances >= 2 and settings.rebalance_budget > 0
    heir_chosen_by_number = settings.pause_budget > 0 and settings.instances > 2
    return any_member_can_take_over and not heir_chosen_by_number


def _slot_key(owned: tuple, consumer) -> tuple:
    status, generation, positions, batch = consumer
    return owned, status, generation, positions, () if batch is None else batch


def canonical_read(read):
    """The representative of `read`'s class under permutations of the consumer slots (`read` itself when
    it is one)."""
    consumers = read.consumers
    owners = read.group.owners
    owned = [[] for _ in consumers]
    for partition, owner in enumerate(owners):
        owned[owner].append(partition)
    order = sorted(range(len(consumers)), key=lambda i: _slot_key(tuple(owned[i]), consumers[i]))
    if all(i == slot for i, slot in enumerate(order)):
        return read
    place = [0] * len(consumers)
    for new, old in enumerate(order):
        place[old] = new
    return read._replace(consumers=tuple(consumers[old] for old in order),
                         group=read.group._replace(owners=tuple(place[owner] for owner in owners)))


def canonical_state(memo):
    """The model's `canonical`: a KafkaState with its read side replaced by its representative, each
    representative worked out once per read side and kept as the read memo's object (`memo.Memo`)."""
    entry_of = memo.entry
    pair = tuple.__new__

    def canonical(state):
        write, read = state
        entry = entry_of(read)
        representative = entry.representative
        if representative is None:
            representative = entry.representative = memo.canonical(canonical_read(entry.side))
        if representative is read:
            return state
        return pair(type(state), (write, representative))
    return canonical


__all__ = ["canonical_read", "canonical_state", "interchangeable_consumers"]
