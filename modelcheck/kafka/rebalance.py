"""Group membership faults: a stalled consumer evicted (then a zombie), and rebalances.

What it models
- `faults.consumer.pause`: a member holding a batch stalls past `max.poll.interval.ms`. Its heartbeat
  thread leaves the group (KIP-62), the coordinator starts a new generation and hands the stalled
  member's partitions to another member (the lowest-numbered one), or to a new instance when there is
  none (a spare `consumer[i]` beyond `consumer.instances`, as an orchestrator would start one). The
  other members keep what they own (incremental cooperative rebalancing, KIP-429) and move to the new
  generation. The new owner starts from the committed offset. The stalled consumer then resumes as a
  *zombie*: nothing stops it from processing the batch it holds, so the same records can take effect
  twice; its offset commit carries the old generation and is rejected (see `consumer.py`).
- `faults.rebalance`: a member leaves and joins again, or the members' order changes, so the group
  reassigns partitions (every assignment of the partitions to the current members other than the
  present one). In the Java client a member takes part in a rebalance from inside `poll()`, i.e. after
  it has finished the previous batch (and, with commits after processing, committed it); so the step
  is enabled only while no member holds a batch. With auto commit, each member first commits the
  positions it has consumed (`ConsumerCoordinator.onJoinPrepare` -> `maybeAutoCommitOffsetsSync`).
  A partition that moves is looked up again by its new owner from the committed offset; one that
  stays keeps its position. With one member there is no other assignment, so no rebalance step; nor
  is there one while the members have nothing left to read (it would only rename who idles: the same
  rebalance once more records are readable is explored).

What it leaves out
- The JoinGroup/SyncGroup exchange, session timeouts and heartbeats as separate steps; the eager
  protocol's revocation of every partition (equivalent here: a member's position is its committed
  offset whenever a rebalance may happen); rebalances triggered by topic metadata changes.

Sources: KIP-62 (max.poll.interval.ms and the background heartbeat thread), KIP-429 (cooperative
rebalancing), KIP-345 (static membership), the Java client's `ConsumerCoordinator` (`onJoinPrepare`
auto-commits before a rebalance) and `CommitFailedException`'s message (the group rebalanced and gave
the partitions to another member because poll() was not called within max.poll.interval.ms).
"""

from __future__ import annotations

from modelcheck.engine.label import StepLabel
from modelcheck.kafka import group as groups
from modelcheck.kafka.consumer import (UNKNOWN, Settings, Status, has_work, name, offsets_text,
                                       pending_auto_commit, replace_at)


def pause_steps(settings: Settings, read, logs) -> list:
    """A member stalls while holding a batch; the group moves its partitions and it becomes a zombie."""
    out = []
    if read.pauses >= settings.pause_budget:
        return out
    for index, consumer in enumerate(read.consumers):
        if consumer.status != Status.MEMBER or consumer.batch is None:
            continue
        others = [i for i, c in enumerate(read.consumers) if i != index and c.status == Status.MEMBER]
        spares = [i for i, c in enumerate(read.consumers) if c.status == Status.STANDBY]
        if others:
            heir = others[0]
        elif spares:
            heir = spares[0]
        else:
            continue
        generation = read.group.generation + 1
        moved = groups.partitions_of(read.group, index)
        owners = tuple(heir if owner == index else owner for owner in read.group.owners)
        consumers = list(read.consumers)
        for i, c in enumerate(consumers):
            if c.status == Status.MEMBER and i != index:
                consumers[i] = c._replace(generation=generation)
        if consumers[heir].status == Status.STANDBY:
            consumers[heir] = consumers[heir]._replace(status=Status.MEMBER, generation=generation)
        consumers[index] = consumer._replace(status=Status.EVICTED,
                                             positions=(UNKNOWN,) * len(consumer.positions))
        started = ", a new instance" if read.consumers[heir].status == Status.STANDBY else ""
        text = (f"stalls past max.poll.interval.ms; the group moves "
                f"{', '.join(f'p{p}' for p in moved)} to {name(heir)}{started}, generation {generation}")
        out.append((StepLabel(name(index), text, "group-coordinator", fault=True),
                    read._replace(group=read.group._replace(generation=generation, owners=owners),
                                  consumers=tuple(consumers), pauses=read.pauses + 1)))
    return out


def rebalance_steps(settings: Settings, read, logs) -> list:
    """The group reassigns its partitions among its members while none of them holds a batch."""
    out = []
    if read.rebalances >= settings.rebalance_budget:
        return out
    members = tuple(i for i, c in enumerate(read.consumers) if c.status == Status.MEMBER)
    if len(members) < 2 or any(read.consumers[i].batch is not None for i in members):
        return out
    if not any(has_work(settings, read, logs, i) for i in members):
        return out
    committed = {}
    said = []
    for i in members:
        offsets = pending_auto_commit(settings, read, i)
        if offsets:
            committed.update(offsets)
            said.append(f"{name(i)} auto-commits {offsets_text(offsets)}")
    group = groups.with_commit(read.group, committed)
    generation = group.generation + 1
    for owners in groups.assignments(settings.partitions, members):
        if owners == read.group.owners:
            continue
        consumers = list(read.consumers)
        for i in members:
            positions = consumers[i].positions
            for p, owner in enumerate(owners):
                if owner != read.group.owners[p] and (i == owner or i == read.group.owners[p]):
                    positions = replace_at(positions, p, UNKNOWN)
            consumers[i] = consumers[i]._replace(generation=generation, positions=positions)
        moves = ", ".join(f"p{p} -> {name(owner)}" for p, owner in enumerate(owners)
                          if owner != read.group.owners[p])
        text = f"rebalances the group (generation {generation}): {moves}"
        if said:
            text = f"{text} (first {'; '.join(said)})"
        out.append((StepLabel("group-coordinator", text, fault=True),
                    read._replace(group=group._replace(generation=generation, owners=owners),
                                  consumers=tuple(consumers), rebalances=read.rebalances + 1)))
    return out
