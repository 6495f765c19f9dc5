"""A consumer on the actors layer: position lookup, fetch, processing into the sink, offset commits.

Every consumer runs the loop `poll(); process each record; maybe commit`, and every part of it that
talks to another process is a request and its answer:

- position: for each partition it owns and has no position for, an `OffsetFetchRequest` to the group
  coordinator (or, with commit `sink`, a `StoredOffsetRequest` to the database); when nothing was
  committed, `auto.offset.reset` applies: `earliest` = 0, `latest` = the log end the leader reports
  (`ListOffsetsRequest`), `none` = poll() throws NoOffsetForPartitionException and the consumer is stuck;
- poll: once it knows its position on every partition it owns there (`poll()` finds positions first,
  `updateFetchPositions`), a `FetchRequest` to each leader of partitions it owns, for all of those
  partitions (the leader holds it until records arrive); an answer's records are its batch, and its position moves past them
  at once, as in the Java client; an answer that comes while it works on a batch waits until the batch
  is done; OFFSET_OUT_OF_RANGE applies `auto.offset.reset` again;
- processing: each record of the batch is a `SinkWrite` to the sink, one at a time, in order;
- commit (`consumer.commit`): `before-process` commits the batch's end offset before its first write,
  `after-process` after its last; `sink` commits nothing to the group (the database stores the offset
  with each row). An OffsetCommit refused (ILLEGAL_GENERATION) drops the batch and the positions.

Durable state: none of its own (offsets live at the coordinator or in the database; membership is
static, KIP-345, so a restarted consumer owns the same partitions). A crash loses the batch, the
positions and whatever answer it was waiting for; a request it had sent may still arrive (a sink write
can be applied after the crash that the consumer never hears of).

Left out here (still in the write/read-side model until the move is complete): automatic commits,
rebalances and evicted zombies, several partitions in one poll.

Sources: the Java client's `KafkaConsumer` (poll, position, commitSync), `ConsumerCoordinator`
(OffsetFetch and OffsetCommit, ILLEGAL_GENERATION -> CommitFailedException), `Fetcher` (the position
moves with each fetch); `ConsumerConfig` (`auto.offset.reset`, `max.poll.records`).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import Actor, ActorState, Out, Request
from modelcheck.kafka import rpc
from modelcheck.kafka.consumer import events_text
from modelcheck.kafka.roles.broker import describe_message

UNKNOWN = -1          # not looked up yet
LOOKING_UP = -2       # an OffsetFetch (or StoredOffset) is on its way
RESETTING = -3        # a ListOffsets is on its way (auto.offset.reset=latest)
NO_RESET = -4         # nothing committed and auto.offset.reset=none: poll() throws


class Batch(NamedTuple):
    partition: int
    start: int
    events: tuple
    handled: int = 0              # records the sink has confirmed
    writing: bool = False         # a SinkWrite is on its way
    committing: bool = False      # an OffsetCommit is on its way
    committed: bool = False       # before-process: its end offset was committed


class ConsumerMemory(NamedTuple):
    positions: tuple              # per partition it owns: the next offset, or one of the markers above
    fetching: tuple = ()          # the leaders (actor ids) a fetch of its is on its way to
    batch: Batch | None = None


class AsksPosition(NamedTuple):
    partition: int
    where: str                    # "group coordinator", "database", "leader"


class LearnsPosition(NamedTuple):
    partition: int
    offset: int
    how: str                      # "committed", "stored", "earliest", "latest", "none", "out of range"


class Polls(NamedTuple):
    fetches: tuple                # (partition, offset)


class GetsRecords(NamedTuple):
    partition: int
    offset: int
    events: tuple


class Writes(NamedTuple):
    event: int
    offset: int


class Written(NamedTuple):
    event: int
    applied: bool


class Commits(NamedTuple):
    partition: int
    offset: int


class Committed(NamedTuple):
    partition: int
    offset: int
    error: int


class Retries(NamedTuple):
    what: tuple                   # the requests it will make again, in words


class Consumer(Actor):
    role = "consumer"
    kinds = (AsksPosition, LearnsPosition, Polls, GetsRecords, Writes, Written, Commits, Committed, Retries)

    def __init__(self, index: int, config, owned: tuple[int, ...], leaders: tuple[int, ...], coordinator: int,
                 sink: int):
        super().__init__(f"consumer[{index}]")
        self.index = index
        self.owned = owned
        self.leaders = leaders
        self.coordinator = coordinator
        self.sink = sink
        consumer = config.consumer
        self.commit = consumer.commit
        self.reset = consumer.auto_offset_reset
        self.max_records = consumer.max_poll_records
        self.partition_count = config.cluster.partitions
        self._leaders = tuple(sorted({leaders[p] for p in owned}))

    def initial(self) -> ActorState:
        return ActorState(1, ConsumerMemory((UNKNOWN,) * self.partition_count))   # durable: its generation

    # -- own steps -----------------------------------------------------------------------------------

    def steps(self, state):
        generation, memory = state
        out = []
        positions = memory.positions
        for p in self.owned:
            if positions[p] == UNKNOWN:
                if self.commit == "sink":
                    request, where = Request(self.sink, rpc.StoredOffsetRequest(p)), "database"
                else:
                    request, where = Request(self.coordinator, rpc.OffsetFetchRequest(p)), "group coordinator"
                out.append(Out(AsksPosition(p, where), _with_position(state, p, LOOKING_UP), (request,)))
        batch = memory.batch
        if batch is None:
            for leader in self._leaders:
                if leader in memory.fetching:
                    continue
                mine = [p for p in self.owned if self.leaders[p] == leader]
                if any(positions[p] < 0 for p in mine):
                    continue              # poll() first finds every position (updateFetchPositions)
                fetches = tuple((p, positions[p]) for p in mine)
                if fetches:
                    fetching = ActorState(generation, memory._replace(fetching=tuple(sorted(memory.fetching + (leader,)))))
                    out.append(Out(Polls(fetches), fetching,
                                   (Request(leader, rpc.FetchRequest(fetches, self.max_records)),)))
            return out
        if batch.writing or batch.committing:
            return out
        end = batch.start + len(batch.events)
        if self.commit == "before-process" and not batch.committed:
            return out + [self._commit(state, batch, end)]
        if batch.handled < len(batch.events):
            event = batch.events[batch.handled]
            offset = batch.start + batch.handled
            write = rpc.SinkWrite(event, batch.partition, offset + 1, batch.events[:batch.handled])
            return out + [Out(Writes(event, offset), _with_batch(state, batch._replace(writing=True)),
                              (Request(self.sink, write),))]
        if self.commit == "after-process":
            return out + [self._commit(state, batch, end)]
        return out

    def _commit(self, state, batch: Batch, end: int) -> Out:
        request = rpc.OffsetCommitRequest(self.index, state.durable, batch.partition, end)
        return Out(Commits(batch.partition, end), _with_batch(state, batch._replace(committing=True)),
                   (Request(self.coordinator, request),))

    # -- answers -------------------------------------------------------------------------------------

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        generation, memory = state
        if kind in (rpc.OffsetFetchResponse, rpc.StoredOffsetResponse):
            p = message.partition
            if memory.positions[p] != LOOKING_UP:
                return []
            if message.offset != rpc.NO_OFFSET:
                how = "stored" if kind is rpc.StoredOffsetResponse else "committed"
                return [Out(LearnsPosition(p, message.offset, how), _with_position(state, p, message.offset))]
            return [self._reset(state, p, "earliest")]
        if kind is rpc.ListOffsetsResponse:
            p = message.partition
            if memory.positions[p] != RESETTING:
                return []
            return [Out(LearnsPosition(p, message.offset, "latest"), _with_position(state, p, message.offset))]
        if kind is rpc.FetchResponse:
            p = message.partition
            if memory.batch is not None:
                return []                 # taken once the batch in hand is done
            fetching = tuple(leader for leader in memory.fetching if leader != envelope.src)
            state = ActorState(generation, memory._replace(fetching=fetching))
            if message.error == rpc.OFFSET_OUT_OF_RANGE:
                return [self._reset(state, p, "out of range")]
            events = tuple(record.event for record in message.records)
            end = message.offset + len(events)
            after = ActorState(generation, ConsumerMemory(_replace_at(memory.positions, p, end), fetching,
                                                          Batch(p, message.offset, events)))
            return [Out(GetsRecords(p, message.offset, events), after)]
        batch = memory.batch
        if kind is rpc.SinkWritten:
            if batch is None or not batch.writing:
                return []
            handled = batch.handled + 1
            if handled == len(batch.events) and self.commit != "after-process":
                return [Out(Written(message.event, message.applied), _with_batch(state, None))]
            return [Out(Written(message.event, message.applied),
                        _with_batch(state, batch._replace(handled=handled, writing=False)))]
        if kind is rpc.OffsetCommitResponse:
            if batch is None or not batch.committing:
                return []
            what = Committed(message.partition, message.offset, message.error)
            if message.error != rpc.NONE:
                return [Out(what, ActorState(generation, ConsumerMemory((UNKNOWN,) * self.partition_count)))]
            if self.commit == "before-process":
                return [Out(what, _with_batch(state, batch._replace(committing=False, committed=True)))]
            return [Out(what, _with_batch(state, None))]
        return []

    def failed(self, state, link, requests):
        """A connection closed under its requests (its broker crashed): each is made again in turn, a
        sink write too (it may have been applied already: the consumer cannot tell)."""
        generation, memory = state
        positions, batch, fetching, what = memory.positions, memory.batch, memory.fetching, []
        for request in requests:
            kind = type(request)
            if kind is rpc.FetchRequest and link.acceptor in fetching:
                fetching = tuple(leader for leader in fetching if leader != link.acceptor)
                what.append("its fetch of " + ", ".join(f"p{p}" for p, _offset in request.fetches))
            elif kind in (rpc.OffsetFetchRequest, rpc.StoredOffsetRequest, rpc.ListOffsetsRequest) \
                    and positions[request.partition] in (LOOKING_UP, RESETTING):
                positions = _replace_at(positions, request.partition, UNKNOWN)
                what.append(f"its look-up of p{request.partition}")
            elif kind is rpc.SinkWrite and batch is not None and batch.writing:
                batch = batch._replace(writing=False)
                what.append(f"its write of e{request.event}")
            elif kind is rpc.OffsetCommitRequest and batch is not None and batch.committing:
                batch = batch._replace(committing=False)
                what.append(f"its commit of offset {request.offset}")
        if not what:
            return []
        return [Out(Retries(tuple(what)), ActorState(generation, ConsumerMemory(positions, fetching, batch)))]

    def _reset(self, state, p: int, why: str) -> Out:
        """auto.offset.reset for partition `p` (nothing committed, or out of range)."""
        if self.reset == "earliest":
            return Out(LearnsPosition(p, 0, why if why == "out of range" else "earliest"), _with_position(state, p, 0))
        if self.reset == "latest":
            return Out(AsksPosition(p, "leader"), _with_position(state, p, RESETTING),
                       (Request(self.leaders[p], rpc.ListOffsetsRequest(p)),))
        return Out(LearnsPosition(p, -1, "none"), _with_position(state, p, NO_RESET))

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is AsksPosition:
            if what.where == "leader":
                return f"asks the leader of p{what.partition} where its log ends (auto.offset.reset=latest)"
            return f"asks the {what.where} for its offset of p{what.partition}"
        if kind is LearnsPosition:
            if what.how in ("committed", "stored"):
                return f"resumes p{what.partition} at offset {what.offset} ({what.how})"
            if what.how == "none":
                return (f"finds no committed offset for p{what.partition} and auto.offset.reset=none: "
                        f"poll() throws NoOffsetForPartitionException")
            if what.how == "out of range":
                return f"is out of range on p{what.partition}: auto.offset.reset -> offset {what.offset}"
            return f"finds no committed offset for p{what.partition}: auto.offset.reset={what.how} -> offset {what.offset}"
        if kind is Polls:
            return "polls " + ", ".join(f"p{p} from offset {offset}" for p, offset in what.fetches)
        if kind is GetsRecords:
            return f"gets {events_text(what.events)} at offset {what.offset} of p{what.partition}"
        if kind is Writes:
            return f"writes e{what.event} to the sink (offset {what.offset})"
        if kind is Written:
            return f"hears e{what.event} was {'applied' if what.applied else 'skipped as a repeat'}"
        if kind is Commits:
            return f"commits offset {what.offset} of p{what.partition}"
        if kind is Retries:
            return f"will make {', '.join(what.what)} again"
        if kind is Committed:
            if what.error == rpc.NONE:
                return f"hears offset {what.offset} of p{what.partition} is committed"
            return f"hears its commit of offset {what.offset} failed: {rpc.ERROR_NAMES[what.error]}"
        return super().describe(what)

    def describe_message(self, message) -> str:
        return describe_message(message)

    def describe_state(self, state) -> str:
        memory = state.volatile
        if memory is None:
            return "down"
        parts = [f"p{p} at {_position_text(memory.positions[p])}" for p in self.owned]
        if memory.batch is not None:
            batch = memory.batch
            parts.append(f"batch {events_text(batch.events)} of p{batch.partition}, {batch.handled} handled")
        return ", ".join(parts)

    def explain(self, before, after) -> list[str]:
        old, new = before.volatile, after.volatile
        if old is None or new is None:
            return [] if old == new else [f"memory: {'lost' if new is None else 'fresh'}"]
        lines = [f"position on p{p}: {_position_text(old.positions[p])} -> {_position_text(new.positions[p])}"
                 for p in self.owned if old.positions[p] != new.positions[p]]
        if old.batch != new.batch:
            batch = new.batch
            lines.append("batch: none" if batch is None else
                         f"batch: {events_text(batch.events)} of p{batch.partition}, {batch.handled} handled")
        return lines


def _position_text(position: int) -> str:
    return {UNKNOWN: "unknown", LOOKING_UP: "looking up", RESETTING: "resetting",
            NO_RESET: "stuck (no offset)"}.get(position, str(position))


def _replace_at(items: tuple, index: int, value) -> tuple:
    return items[:index] + (value,) + items[index + 1:]


def _with_position(state, p: int, position: int) -> ActorState:
    generation, memory = state
    return ActorState(generation, memory._replace(positions=_replace_at(memory.positions, p, position)))


def _with_batch(state, batch: Batch | None) -> ActorState:
    generation, memory = state
    return ActorState(generation, memory._replace(batch=batch))
