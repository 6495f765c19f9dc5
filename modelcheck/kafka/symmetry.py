"""Symmetry of the write/read model: which consumers and brokers are interchangeable, and a state's
representative.

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
- `interchangeable_consumers(config)`: whether the model offers this reduction for `config`. It needs
  two things:
  - soundness: the one step that picks a consumer by its number is the stall of `rebalance.pause_steps`,
    which hands the stalled member's partitions to the lowest-numbered other member. With at most two
    instances there is at most one other member, so the choice is forced; with three or more and a
    stall budget the steps do not commute with a permutation, and the reduction is not offered. (Spares
    are all in the same state until one is started, so starting the first is starting any.)
  - use: a rebalance must be able to hand partitions to any member. Without one, every member keeps
    its partitions (a stall hands them on once, but the zombie's batch still tells the two apart), a
    permuted state is never reachable, and the reduction would only cost time (measured:
    benchmarks/symmetry.md).
- Brokers: two brokers that hold replicas of exactly the same partitions are interchangeable: every
  write-side step treats a broker by its state (up, the replicas it holds, its place in the ISR and as
  leader, the requests addressed to it), elections choose among every eligible replica, and no property
  looks at a broker's number, so a permutation that carries all of that along commutes with the steps.
  It is worth applying only where nothing tells the brokers apart at the start: a broker that leads a
  partition at the start (`cluster.initial_cluster` makes replica 0 of each partition its leader) has
  images in which another leads, reachable only through elections, and on the bundled specs and
  benchmarks/kafka-big.yaml none is (benchmarks/symmetry.md). `interchangeable_brokers(config)` gives
  the classes of brokers that hold the same partitions and lead none at the start (with 3 brokers and
  replication factor 3, the two followers of a single partition); `canonical_write(write, classes)` is
  the least image of a write side under the permutations within the classes.
- `canonical_of(config, memos)`: the model's `canonical`, the two representatives side by side (the
  consumers act on the read side, the brokers on the write side), or None.

What it leaves out
- Partitions and events: the workload gives keys, and so partitions, a fixed order of events.
- Several producing applications, and standby instances: they are checked on the roles.
- The roles on the actors layer (transactions, several or standby producing applications, a group
  coordinator crash): no symmetry yet.

Sources: apache/kafka (trunk of 2024-10, Kafka 3.9/4.0): `group-coordinator/.../classic/ClassicGroup.java`
(`generateMemberId`), `clients/.../consumer/RangeAssignor.java` (members sorted before partitions are
handed out), `clients/.../internals/AbstractPartitionAssignor.java` (`MemberInfo.compareTo`). The
reduction is the classical one: exploring one representative per orbit is sound when every
permutation commutes with the transition relation and leaves the properties unchanged (Ip and Dill,
"Better verification through symmetry", 1996; Clarke, Emerson, Jha, Sistla, "Symmetry reductions in
model checking", 1998).
"""

from __future__ import annotations

from itertools import permutations, product

from modelcheck.kafka import read_side as read_sides
from modelcheck.kafka.cluster import initial_cluster


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


def interchangeable_brokers(config) -> tuple[tuple[int, ...], ...]:
    """The classes of two or more brokers that hold the same partitions and lead none at the start."""
    initial = initial_cluster(config)
    leaders = {partition.leader for partition in initial.partitions}
    classes: dict[frozenset, list] = {}
    for broker in range(len(initial.up)):
        if broker not in leaders:
            held = frozenset(index for index, partition in enumerate(initial.partitions) if broker in partition.brokers)
            classes.setdefault(held, []).append(broker)
    return tuple(tuple(members) for members in classes.values() if len(members) > 1)


def _relabel_write(write, mapping: dict[int, int]):
    """`write` with broker b renamed mapping[b] (a permutation that keeps every partition's replica set)."""
    source = {new: old for old, new in mapping.items()}
    cluster = write.cluster
    partitions = tuple(p._replace(leader=None if p.leader is None else mapping[p.leader],
                                  isr=frozenset(mapping[b] for b in p.isr),
                                  replicas=tuple(p.replica_on(source[b]) for b in p.brokers))
                       for p in cluster.partitions)
    up = tuple(cluster.up[source[b]] for b in range(len(cluster.up)))
    producer = write.producer._replace(in_flight=tuple(entry._replace(broker=mapping[entry.broker])
                                                       for entry in write.producer.in_flight))
    return write._replace(cluster=cluster._replace(up=up, partitions=partitions), producer=producer,
                          requests=tuple(r._replace(broker=mapping[r.broker]) for r in write.requests))


def _plain(values) -> tuple:
    return tuple(-1 if value is None else value for value in values)


def _broker_key(write) -> tuple:
    """What a broker permutation changes in `write`, as a tuple that orders (no None, no sets)."""
    cluster = write.cluster
    return (cluster.up,
            tuple((-1 if p.leader is None else p.leader, tuple(sorted(p.isr)),
                   tuple((tuple(_plain(record) for record in replica.log), replica.epochs) for replica in p.replicas))
                  for p in cluster.partitions),
            tuple(entry.broker for entry in write.producer.in_flight),
            tuple(request.broker for request in write.requests))


def canonical_write(write, classes: tuple[tuple[int, ...], ...]):
    """The representative of `write`'s class under permutations within the broker `classes`: the image
    with the least `_broker_key` (`write` itself when it is that image)."""
    best, best_key = write, _broker_key(write)
    for orders in product(*(permutations(members) for members in classes)):
        mapping = {b: b for b in range(len(write.cluster.up))}
        for members, order in zip(classes, orders):
            mapping.update(zip(members, order))
        if all(b == target for b, target in mapping.items()):
            continue
        image = _relabel_write(write, mapping)
        key = _broker_key(image)
        if key < best_key:
            best, best_key = image, key
    return best


def canonical_state(memos, consumers: bool, broker_classes: tuple = ()):
    """The model's `canonical`: a KafkaState with its read side's representative under permutations of
    the consumer slots (when `consumers`) and its write side's under permutations within
    `broker_classes`, each worked out once per side and kept as the memo's object (`memo.Memo`)."""
    def side(memo, representative_of):
        entry_of = memo.entry

        def canonical(value):
            entry = entry_of(value)
            representative = entry.representative
            if representative is None:
                representative = entry.representative = memo.canonical(representative_of(entry.side))
            return representative
        return canonical
    read_of = side(memos.read, canonical_read) if consumers else None
    write_of = side(memos.write, lambda write: canonical_write(write, broker_classes)) if broker_classes else None
    pair = tuple.__new__

    def canonical(state):
        write, read = state
        new_write = write if write_of is None else write_of(write)
        new_read = read if read_of is None else read_of(read)
        if new_write is write and new_read is read:
            return state
        return pair(type(state), (new_write, new_read))
    return canonical


def canonical_of(config, memos):
    """The model's `canonical` for `config`, or None where nothing is interchangeable (the one place that
    decides, from `interchangeable_consumers` and `interchangeable_brokers`)."""
    consumers = interchangeable_consumers(config)
    broker_classes = interchangeable_brokers(config)
    if not consumers and not broker_classes:
        return None
    return canonical_state(memos, consumers, broker_classes)


__all__ = ["canonical_of", "canonical_read", "canonical_state", "canonical_write", "interchangeable_brokers",
           "interchangeable_consumers"]
