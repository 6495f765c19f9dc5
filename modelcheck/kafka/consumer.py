"""The consumer client: position lookup, poll, processing into the sink, offset commits, crash.

What it models (one consumer group; every consumer runs the usual loop `poll(); process each record;
maybe commit`, with synchronous processing)
- Position. A consumer starts each partition it owns from the group's committed offset, or with commit
  mode `sink` from the offset stored in the sink's database; when there is none it applies
  `auto.offset.reset`: `earliest` = offset 0, `latest` = the log end at the moment of the lookup. The
  lookup is a step of its own, so it interleaves with the producer: with `latest`, records written
  before it are skipped, and for a new group they are never read. A position beyond the log end (the
  log shrank after an unclean leader election) is OFFSET_OUT_OF_RANGE and `auto.offset.reset` applies
  again.
- Poll: up to `max.poll.records` readable records (the `logs` it is handed end at the high watermark)
  of one partition it owns; the position moves past them at once, as in the Java client.
- Processing: each record of the batch is handed to the sink in order (`sink.write`), one step each.
- Commit modes (`consumer.commit`):
  - `before-process`: commit the batch's end offset, then process (at-most-once: a crash after the
    commit loses the rest of the batch);
  - `after-process`: process the batch, then commit its end offset (at-least-once: a crash between the
    last write and the commit replays the batch);
  - `auto` (or `enable.auto.commit: true`): as the Java client does it, the commit happens inside a
    later `poll()`, once `auto.commit.interval.ms` has elapsed, and commits the positions reached by
    the previous polls (`subscriptions.allConsumed()` in `ConsumerCoordinator.poll` ->
    `maybeAutoCommitOffsetsAsync`, which runs before the new records are fetched). The timer is a
    nondeterministic choice: a poll may or may not commit. A poll that returns nothing can also
    commit, so the last batch is committed eventually. Because every record of a batch is processed
    before the next poll, an auto commit never covers an unprocessed record: no loss, but a crash
    before the next auto commit replays (duplicates). A rebalance commits first (`onJoinPrepare`,
    see `rebalance.py`).
  - `sink`: no commit to the group; the offset is written with each row in one database transaction.
- Crash (`faults.consumer.crash`): a member loses its volatile state (fetched batch, positions, in-batch
  memory) and restarts at once with the same partitions (as with static membership, KIP-345), looking
  its positions up again. A crash is offered only where it changes what happens next: the consumer
  holds a batch or a position that differs from where it would restart now (a crash where it would
  restart from where it stands only renames the state; the same crash after more records are written
  is still explored).
- An evicted consumer (a zombie, see `rebalance.py`) never polls again: it processes what it holds,
  and its commit is rejected for its stale generation (ILLEGAL_GENERATION -> CommitFailedException);
  it then drops its batch and plays no further part (the model leaves out its rejoin, which with
  sticky assignment would hand it no partition back). With auto commit or commit `sink` it makes no
  group commit of its own: it stops after its batch (its next poll's auto commit would carry the old
  generation and be rejected the same way).

What it leaves out
- Batches spanning several partitions (a poll here returns records of one partition), asynchronous
  commits and asynchronous processing, `commitSync` failures other than the stale generation,
  pause()/resume() of partitions, graceful close (which also auto-commits), KIP-320 truncation
  detection, and isolation levels (no transactions yet). The auto-commit
  timing is the classic consumer's (`ConsumerCoordinator`); the consumer of the KIP-848 group protocol
  is not modelled separately.

Sources: the Java client's `ConsumerCoordinator` (auto commit in poll, `allConsumed`, `onJoinPrepare`,
the OffsetCommit error handling) and `ConsumerConfig` (`auto.offset.reset`: what to do when there is no
committed offset or it is out of range; `max.poll.records`); KafkaConsumer javadoc (automatic commits
give at-least-once only when every record of a poll is processed before the next poll; storing offsets
outside Kafka); the source articles 000 (commit before / after processing), 003 (auto commit) and 004
(auto.offset.reset, replay on crash), listed by title in docs/kafka-model.md.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

from modelcheck.engine.label import StepLabel
from modelcheck.kafka import group as groups
from modelcheck.kafka import sink as sinks
from modelcheck.kafka.commit_modes import AFTER, BEFORE
from modelcheck.kafka.group import NO_OFFSET

UNKNOWN = -1          # a position not looked up yet


class Status(IntEnum):
    STANDBY = 0       # a spare instance, not started yet (it replaces a stalled one)
    MEMBER = 1        # in the group, polling
    EVICTED = 2       # removed from the group while it stalled: a zombie while it holds a batch


class Batch(NamedTuple):
    partition: int
    start: int                    # offset of the first record
    events: tuple[int, ...]
    handled: int                  # records already handed to the sink
    committed: bool               # the batch's end offset was committed (before-process)

    @property
    def end(self) -> int:
        return self.start + len(self.events)


class ConsumerState(NamedTuple):
    status: int
    generation: int               # the generation it last joined
    positions: tuple[int, ...]    # next offset to fetch per partition it owns, UNKNOWN otherwise
    batch: Batch | None           # the records fetched by its last poll, while it works on them


class Settings(NamedTuple):
    """The read side's configuration, taken once from a KafkaConfig (see `read_side.settings`)."""

    partitions: int
    instances: int
    commit: object                # commit_modes.CommitMode
    auto_commit: bool
    max_poll_records: int
    auto_offset_reset: str
    sink_type: str
    dedupe: str
    crash_budget: int
    pause_budget: int
    rebalance_budget: int


def name(index: int) -> str:
    return f"consumer[{index}]"


def events_text(events) -> str:
    """e1..e3 for a run of consecutive events, e1, e3 otherwise."""
    events = tuple(events)
    if len(events) > 1 and all(b == a + 1 for a, b in zip(events, events[1:])):
        return f"e{events[0]}..e{events[-1]}"
    return ", ".join(f"e{e}" for e in events)


def replace_at(items: tuple, index: int, value) -> tuple:
    return items[:index] + (value,) + items[index + 1:]


def restart_offset(settings: Settings, read, partition: int) -> int:
    """Where a (re)starting owner of `partition` resumes: the stored or committed offset, or NO_OFFSET."""
    if settings.commit.offsets_in_sink:
        return read.sink.stored_offsets[partition]
    return read.group.committed[partition]


def restart_position(settings: Settings, read, logs, partition: int) -> int:
    """The position a (re)starting owner of `partition` would look up now (UNKNOWN if it cannot yet)."""
    start = restart_offset(settings, read, partition)
    if start != NO_OFFSET:
        return start
    if logs[partition] is None or settings.auto_offset_reset == "none":
        return UNKNOWN
    return 0 if settings.auto_offset_reset == "earliest" else len(logs[partition])


def has_work(settings: Settings, read, logs, index: int) -> bool:
    """Consumer `index` has something left to do with what is readable now."""
    consumer = read.consumers[index]
    if consumer.batch is not None:
        return True
    if consumer.status != Status.MEMBER:
        return False
    if pending_auto_commit(settings, read, index):
        return True
    for p in groups.partitions_of(read.group, index):
        position = consumer.positions[p]
        if position == UNKNOWN or (logs[p] is not None and position != len(logs[p])):
            return True
    return False


def with_consumer(read, index: int, consumer: ConsumerState):
    return read._replace(consumers=replace_at(read.consumers, index, consumer))


def pending_auto_commit(settings: Settings, read, index: int) -> dict[int, int]:
    """The offsets an auto commit by consumer `index` would change: partition -> position."""
    if not settings.auto_commit:
        return {}
    consumer = read.consumers[index]
    return {p: consumer.positions[p] for p in groups.partitions_of(read.group, index)
            if consumer.positions[p] != UNKNOWN and consumer.positions[p] != read.group.committed[p]}


def offsets_text(offsets: dict[int, int]) -> str:
    return ", ".join(f"offset {offset} of p{p}" for p, offset in sorted(offsets.items()))


# --- steps -------------------------------------------------------------------------------------------

def lookup_steps(settings: Settings, read, logs) -> list:
    """A member looks up the positions it does not know: stored/committed offset or auto.offset.reset."""
    out = []
    for index, consumer in enumerate(read.consumers):
        if consumer.status != Status.MEMBER or consumer.batch is not None:
            continue
        positions = list(consumer.positions)
        said = []
        for p in groups.partitions_of(read.group, index):
            if positions[p] != UNKNOWN:
                continue
            start = restart_offset(settings, read, p)
            if start != NO_OFFSET:
                positions[p] = start
                where = "the database" if settings.commit.offsets_in_sink else "the group"
                said.append(f"resumes p{p} at offset {start} (from {where})")
            elif logs[p] is not None and settings.auto_offset_reset != "none":
                positions[p] = 0 if settings.auto_offset_reset == "earliest" else len(logs[p])
                said.append(f"finds no committed offset for p{p}: auto.offset.reset="
                            f"{settings.auto_offset_reset} -> offset {positions[p]}")
        if said:
            peer = "database" if settings.commit.offsets_in_sink else "group-coordinator"
            out.append((StepLabel(name(index), "; ".join(said), peer),
                        with_consumer(read, index, consumer._replace(positions=tuple(positions)))))
    return out


def out_of_range_steps(settings: Settings, read, logs) -> list:
    """A position beyond the log end (the log was truncated) is reset by auto.offset.reset."""
    out = []
    for index, consumer in enumerate(read.consumers):
        if consumer.status != Status.MEMBER or consumer.batch is not None:
            continue
        for p in groups.partitions_of(read.group, index):
            log = logs[p]
            position = consumer.positions[p]
            if log is None or position == UNKNOWN or position <= len(log):
                continue
            if settings.auto_offset_reset == "none":
                continue                # poll() throws OffsetOutOfRangeException: the consumer is stuck
            reset = 0 if settings.auto_offset_reset == "earliest" else len(log)
            text = (f"fetches p{p} at offset {position}: OFFSET_OUT_OF_RANGE (log end {len(log)}), "
                    f"auto.offset.reset={settings.auto_offset_reset} -> offset {reset}")
            new = consumer._replace(positions=replace_at(consumer.positions, p, reset))
            out.append((StepLabel(name(index), text), with_consumer(read, index, new)))
    return out


def poll_steps(settings: Settings, read, logs) -> list:
    """A member polls one partition with readable records; with auto commit, the poll may commit first."""
    out = []
    for index, consumer in enumerate(read.consumers):
        if consumer.status != Status.MEMBER or consumer.batch is not None:
            continue
        auto = pending_auto_commit(settings, read, index)
        polled = False
        for p in groups.partitions_of(read.group, index):
            log = logs[p]
            position = consumer.positions[p]
            if log is None or position == UNKNOWN or position >= len(log):
                continue
            polled = True
            records = log[position:position + settings.max_poll_records]
            events = tuple(record.event for record in records)
            batch = Batch(p, position, events, 0, False)
            new = consumer._replace(positions=replace_at(consumer.positions, p, batch.end), batch=batch)
            text = f"polls {events_text(events)} at offset {position} of p{p}"
            after = with_consumer(read, index, new)
            out.append((StepLabel(name(index), text), after))
            if auto:
                out.append((StepLabel(name(index), f"auto-commits {offsets_text(auto)}, then {text}",
                                      "group-coordinator"),
                            after._replace(group=groups.with_commit(read.group, auto))))
        if auto and not polled:
            out.append((StepLabel(name(index), f"polls nothing new and auto-commits {offsets_text(auto)}",
                                  "group-coordinator"),
                        read._replace(group=groups.with_commit(read.group, auto))))
    return out


def process_steps(settings: Settings, read, logs) -> list:
    """A consumer (member or zombie) hands the next record of its batch to the sink."""
    out = []
    stores_offset = settings.commit.offsets_in_sink
    peer = sinks.sink_actor(settings.sink_type)
    for index, consumer in enumerate(read.consumers):
        batch = consumer.batch
        if batch is None or batch.handled >= len(batch.events):
            continue
        if settings.commit.batch_commit == BEFORE and not batch.committed:
            continue
        event = batch.events[batch.handled]
        offset = batch.start + batch.handled
        text, sink = sinks.write(read.sink, settings.sink_type, settings.dedupe, event,
                                 batch.events[:batch.handled], stores_offset, batch.partition, offset + 1)
        handled = batch.handled + 1
        if handled == len(batch.events) and settings.commit.batch_commit != AFTER:
            new = _finish(consumer)
        else:
            new = consumer._replace(batch=batch._replace(handled=handled))
        out.append((StepLabel(name(index), text, peer),
                    with_consumer(read, index, new)._replace(sink=sink)))
    return out


def _finish(consumer: ConsumerState) -> ConsumerState:
    """The consumer is done with its batch; an evicted one is done for good."""
    if consumer.status == Status.EVICTED:
        return consumer._replace(batch=None, positions=(UNKNOWN,) * len(consumer.positions))
    return consumer._replace(batch=None)


def commit_steps(settings: Settings, read, logs) -> list:
    """The batch's commit: before processing it (before-process) or after (after-process)."""
    out = []
    if settings.commit.batch_commit is None:
        return out
    for index, consumer in enumerate(read.consumers):
        batch = consumer.batch
        if batch is None:
            continue
        if settings.commit.batch_commit == BEFORE and (batch.committed or batch.handled):
            continue
        if settings.commit.batch_commit == AFTER and batch.handled < len(batch.events):
            continue
        p = batch.partition
        error = groups.commit_error(read.group, consumer.generation, p, index)
        if error is not None:
            text = f"rejects {name(index)}'s commit of offset {batch.end} of p{p} ({error})"
            dropped = consumer._replace(batch=None, positions=(UNKNOWN,) * len(consumer.positions))
            out.append((StepLabel("group-coordinator", text, name(index)), with_consumer(read, index, dropped)))
            continue
        group = groups.with_commit(read.group, {p: batch.end})
        if settings.commit.batch_commit == BEFORE:
            new = consumer._replace(batch=batch._replace(committed=True))
        else:
            new = _finish(consumer)
        out.append((StepLabel(name(index), f"commits offset {batch.end} of p{p}", "group-coordinator"),
                    with_consumer(read, index, new)._replace(group=group)))
    return out


def crash_steps(settings: Settings, read, logs) -> list:
    """A member crashes and restarts: its batch, positions and in-batch memory are gone."""
    out = []
    if read.crashes >= settings.crash_budget:
        return out
    for index, consumer in enumerate(read.consumers):
        if consumer.status != Status.MEMBER:
            continue
        if consumer.batch is None and all(
                consumer.positions[p] in (UNKNOWN, restart_position(settings, read, logs, p))
                for p in range(len(consumer.positions))):
            continue
        lost = "its fetched batch and position" if consumer.batch is not None else "its position"
        new = consumer._replace(batch=None, positions=(UNKNOWN,) * len(consumer.positions))
        out.append((StepLabel(name(index), f"crashes and restarts (loses {lost})", fault=True),
                    with_consumer(read, index, new)._replace(crashes=read.crashes + 1)))
    return out
