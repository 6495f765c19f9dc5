"""The read side of the Kafka model: the consumer group, its consumers and the sink, as one state.

This is the interface the composed model (`modelcheck.kafka.model`) uses. The read side sees the write
side only through `logs`: per partition, the records a consumer may fetch now (offsets 0 to the high
watermark - 1), or None while the partition has no leader. Logs grow between read steps as the
producer writes, and may shrink after an unclean leader election; the consumer treats a position past
the end as OFFSET_OUT_OF_RANGE.

- `ReadSide`: group coordinator state (durable), one `ConsumerState` per consumer instance (volatile,
  lost on a crash), the sink (durable), and the fault budget spent.
- `initial_read(config)`, `read_steps(config, read, logs)`: the state machine. Steps come from
  `consumer.py` (lookup, poll, process, commit, crash) and `rebalance.py` (pause, rebalance);
  `READ_ACTIONS` names each family, for coverage, and `read_actions(config)` the families that can
  fire under a configuration; each family's function takes `(settings(config), read, logs)`,
  `settings` being the checked, cached read-side configuration.
- `sink_effects(read)`: the events in the order they took effect in the sink, repeated on duplicates.
- `read_pending(config, read, logs)`: what is still to do, for the progress property and `done`.
- `read_explain(config, before, after)`: what a step changed, in Kafka's words, for traces.
- `read_properties(config, get_read)`: sometimes-guards for the faults the spec allows, so that a
  budget that can never be spent does not pass unnoticed.

The state is terminal exactly when nothing is left to do: no step changes nothing (no empty poll, no
commit of an offset already committed, no crash where it would restart from where it stands).

What it leaves out: transactions (`commit: transactional`, `read_committed` over aborted records)
belong to a later part and are refused here; see the modules' docstrings for the rest.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, NamedTuple

from modelcheck.engine import Property, sometimes
from modelcheck.errors import InvalidSpec
from modelcheck.kafka import consumer as consumers
from modelcheck.kafka import group as groups
from modelcheck.kafka import rebalance
from modelcheck.kafka import sink as sinks
from modelcheck.kafka.consumer import UNKNOWN, ConsumerState, Settings, Status, events_text, name, restart_offset
from modelcheck.kafka.commit_modes import COMMIT_MODES
from modelcheck.kafka.faults import FAULTS
from modelcheck.kafka.group import NO_OFFSET, GroupState
from modelcheck.kafka.sink import SinkState


class ReadSide(NamedTuple):
    group: GroupState                       # committed offsets, generation, owners (durable)
    consumers: tuple[ConsumerState, ...]    # consumer.instances members, then spare instances
    sink: SinkState                         # rows / applied calls / output records (durable)
    crashes: int = 0                        # faults spent
    pauses: int = 0
    rebalances: int = 0


# Step families, in the order their steps are offered: (action name, step function).
READ_ACTIONS = (
    ("consumer.lookup", consumers.lookup_steps),
    ("consumer.out-of-range", consumers.out_of_range_steps),
    ("consumer.poll", consumers.poll_steps),
    ("consumer.process", consumers.process_steps),
    ("consumer.commit", consumers.commit_steps),
    ("consumer.crash", consumers.crash_steps),
    ("consumer.pause", rebalance.pause_steps),
    ("group.rebalance", rebalance.rebalance_steps),
)

def read_actions(config) -> tuple:
    """The step families of `READ_ACTIONS` that can fire under `config`: a fault without a budget, the
    commit step of a mode that never commits to the group, and a rebalance with one member are left
    out, so that coverage does not warn about steps the spec rules out."""
    s = settings(config)
    left_out = set()
    if not s.crash_budget:
        left_out.add("consumer.crash")
    if not s.pause_budget:
        left_out.add("consumer.pause")
    if not s.rebalance_budget or s.instances < 2:
        left_out.add("group.rebalance")
    if s.commit.batch_commit is None:
        left_out.add("consumer.commit")
    return tuple((name, step) for name, step in READ_ACTIONS if name not in left_out)




def settings(config) -> Settings:
    """The read side's settings of `config`, checked; InvalidSpec names the offending key."""
    try:
        return _cached_settings(config)
    except TypeError:                     # a config with an unhashable value: no cache
        return _settings(config)


@lru_cache(maxsize=64)
def _cached_settings(config) -> Settings:
    return _settings(config)


def _settings(config) -> Settings:
    consumer, sink, faults = config.consumer, config.sink, config.faults
    mode = COMMIT_MODES[consumer.commit]
    if mode.in_transaction:
        raise InvalidSpec(f"{consumer.commit} is not modelled yet", key="consumer.commit")
    if mode.offsets_in_sink and sink.type != mode.needs_sink:
        raise InvalidSpec("sink stores the offsets in the sink's database; it needs sink.type: database",
                          key="consumer.commit")
    if sink.dedupe not in sinks.SINKS[sink.type].dedupes:
        raise InvalidSpec(f"a {sink.type} sink cannot dedupe with {sink.dedupe}; allowed: "
                          f"{', '.join(sinks.SINKS[sink.type].dedupes)}", key="sink.dedupe")
    return Settings(
        partitions=config.cluster.partitions,
        instances=consumer.instances,
        commit=mode,
        auto_commit=mode.automatic or consumer.enable_auto_commit,
        max_poll_records=consumer.max_poll_records,
        auto_offset_reset=consumer.auto_offset_reset,
        sink_type=sink.type,
        dedupe=sink.dedupe,
        crash_budget=faults.consumer_crash,
        pause_budget=faults.consumer_pause,
        rebalance_budget=faults.rebalance,
    )


def initial_read(config) -> ReadSide:
    """A new group: every instance has joined (generation 1, range assignment), nothing committed."""
    s = settings(config)
    partitions = s.partitions
    members = tuple(ConsumerState(Status.MEMBER, 1, (UNKNOWN,) * partitions, None)
                    for _ in range(s.instances))
    spares = tuple(ConsumerState(Status.STANDBY, 0, (UNKNOWN,) * partitions, None)
                   for _ in range(s.pause_budget))
    return ReadSide(group=groups.initial_group(partitions, s.instances), consumers=members + spares,
                    sink=sinks.initial_sink(partitions))


def read_steps(config, read: ReadSide, logs) -> list:
    """Every read-side step enabled in `read` given the readable `logs`: (StepLabel, ReadSide)."""
    s = settings(config)
    out = []
    for _, step in READ_ACTIONS:
        out.extend(step(s, read, logs))
    return out


def sink_effects(read: ReadSide) -> tuple[int, ...]:
    """The events in the order they took effect in the sink, repeated on duplicates."""
    return read.sink.effects


def read_pending(config, read: ReadSide, logs) -> str | None:
    """What the read side still has to do with `logs`, or None when it is done."""
    s = settings(config)
    todo = []
    for index, consumer in enumerate(read.consumers):
        batch = consumer.batch
        if batch is not None:
            left = batch.events[batch.handled:]
            what = f"unprocessed {events_text(left)}" if left else "an uncommitted batch"
            todo.append(f"{name(index)} holds {what} of p{batch.partition}")
    for p, owner in enumerate(read.group.owners):
        consumer = read.consumers[owner]
        if consumer.batch is not None:
            continue
        log = logs[p] if p < len(logs) else None
        position = consumer.positions[p]
        if log is None:
            todo.append(f"p{p} has no leader")
        elif position == UNKNOWN and s.auto_offset_reset == "none" and restart_offset(s, read, p) == NO_OFFSET:
            todo.append(f"{name(owner)} has no committed offset for p{p} and auto.offset.reset=none: "
                        f"poll() throws NoOffsetForPartitionException")
        elif position == UNKNOWN:
            todo.append(f"{name(owner)} has not looked up its position on p{p}")
        elif position < len(log):
            todo.append(f"{events_text(r.event for r in log[position:])} of p{p} not consumed yet")
        elif position > len(log):
            todo.append(f"{name(owner)}'s position {position} on p{p} is past the log end {len(log)}"
                        + (": poll() throws OffsetOutOfRangeException (auto.offset.reset=none)"
                           if s.auto_offset_reset == "none" else ""))
        elif s.auto_commit and position != read.group.committed[p]:
            todo.append(f"auto commit of offset {position} of p{p} not done yet")
    return "; ".join(todo) if todo else None


def _offset_text(offset: int) -> str:
    return "none" if offset == NO_OFFSET else str(offset)


def read_explain(config, before: ReadSide, after: ReadSide) -> list[str]:
    """What changed between two read-side states, in Kafka's words."""
    s = settings(config)
    out = []
    for p, (old, new) in enumerate(zip(before.group.committed, after.group.committed)):
        if old != new:
            out.append(f"committed offset of p{p}: {_offset_text(old)} -> {new}")
    if before.group.generation != after.group.generation:
        out.append(f"group generation: {before.group.generation} -> {after.group.generation}")
    for p, (old, new) in enumerate(zip(before.group.owners, after.group.owners)):
        if old != new:
            out.append(f"owner of p{p}: {name(old)} -> {name(new)}")
    for index, (old, new) in enumerate(zip(before.consumers, after.consumers)):
        if old.status != new.status:
            out.append(f"{name(index)}: {Status(old.status).name.lower()} -> {Status(new.status).name.lower()}")
        for p, (was, now) in enumerate(zip(old.positions, new.positions)):
            if was != now:
                out.append(f"{name(index)} position on p{p}: {_position_text(was)} -> {_position_text(now)}")
        if old.batch != new.batch:
            out.append(f"{name(index)} batch: {_batch_text(new.batch)}")
    if before.sink.effects != after.sink.effects:
        what = sinks.SINKS[s.sink_type].effects
        out.append(f"{what}: {', '.join(f'e{e}' for e in after.sink.effects)}")
    for p, (old, new) in enumerate(zip(before.sink.stored_offsets, after.sink.stored_offsets)):
        if old != new:
            out.append(f"offset of p{p} stored in the database: {_offset_text(old)} -> {new}")
    return out


def read_parts(config, read: ReadSide) -> list[tuple[str, str]]:
    """The read side as named parts, shown whole: the group's committed offsets, generation and owners,
    each consumer, and the sink."""
    s = settings(config)
    committed = ", ".join(f"p{p} {_offset_text(offset)}" for p, offset in enumerate(read.group.committed))
    owners = ", ".join(f"p{p} {name(owner)}" for p, owner in enumerate(read.group.owners))
    parts = [("group", f"generation {read.group.generation}; committed {committed}; owners {owners}")]
    for index, consumer in enumerate(read.consumers):
        positions = ", ".join(f"p{p} {_position_text(position)}" for p, position in enumerate(consumer.positions))
        parts.append((name(index), f"{Status(consumer.status).name.lower()}, positions {positions}, "
                                   f"batch {_batch_text(consumer.batch)}"))
    parts.append((sinks.SINKS[s.sink_type].effects, events_text(read.sink.effects) or "none"))
    if any(offset != NO_OFFSET for offset in read.sink.stored_offsets):
        parts.append(("offsets stored in the database", ", ".join(
            f"p{p} {_offset_text(offset)}" for p, offset in enumerate(read.sink.stored_offsets))))
    return parts


def _position_text(position: int) -> str:
    return "unknown" if position == UNKNOWN else str(position)


def _batch_text(batch) -> str:
    if batch is None:
        return "none"
    done = f", {batch.handled} handled" if batch.handled else ""
    committed = ", committed" if batch.committed else ""
    return (f"{events_text(batch.events)} (offsets {batch.start}..{batch.end - 1} of p{batch.partition}"
            f"{done}{committed})")


def read_properties(config, get_read: Callable) -> list[Property]:
    """Sometimes-guards over the whole state (`get_read(state)` gives its ReadSide): each fault the
    spec budgets must be reachable, and something must reach the sink."""
    s = settings(config)
    props = [sometimes("sink-written", lambda state: bool(get_read(state).sink.effects),
                       "some record takes effect in the sink")]
    if s.crash_budget:
        props.append(sometimes(FAULTS["consumer.crash"].guard, lambda state: get_read(state).crashes > 0,
                               "a consumer crash happens"))
    if s.pause_budget:
        props.append(sometimes(FAULTS["consumer.pause"].guard, lambda state: get_read(state).pauses > 0,
                               "a consumer stalls past max.poll.interval.ms and is evicted"))
    if s.rebalance_budget and s.instances > 1:
        props.append(sometimes(FAULTS["rebalance"].guard, lambda state: get_read(state).rebalances > 0,
                               "the group rebalances"))
    return props

