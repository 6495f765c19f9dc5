"""A consumer on the actors layer: membership, position lookup, fetch, processing, offset commits.

Every consumer runs the loop `poll(); process each record; maybe commit`, and every part of it that
talks to another process is a request and its answer:

- membership: a member owns partitions in a generation (static membership, KIP-345: a restarted member
  keeps them). When the group rebalances it is told so (a heartbeat answered REBALANCE_IN_PROGRESS) and
  rejoins at its next poll (`JoinGroupRequest`; with automatic commits it first commits what it has
  consumed, `onJoinPrepare`); the coordinator answers once every member has joined, with the new
  generation and its partitions. A restarted member rejoins too. A member that stalled past
  `max.poll.interval.ms` (a pause) has been evicted meanwhile: when it resumes it finishes the batch in
  its hands (a zombie), and rejoins at its next poll, to get no partition back;
- position: for each partition it owns and has no position for, an `OffsetFetchRequest` to the group
  coordinator (or, with commit `sink`, a `StoredOffsetRequest` to the database); when nothing was
  committed, `auto.offset.reset` applies: `earliest` = 0, `latest` = the log end the leader reports
  (`ListOffsetsRequest`), `none` = poll() throws NoOffsetForPartitionException and the consumer is stuck;
- poll: for each partition it owns whose position it knows (`poll()` finds positions first,
  `updateFetchPositions`), a `FetchRequest` to the partition's replicas (`replicas`: its leader holds it
  until records arrive), routed by the leader epoch it knows (`leaders`); an answer's records are its
  batch, and its position moves past them at once, as in the Java client; an answer that comes while it
  works on a batch waits until the batch is done; OFFSET_OUT_OF_RANGE applies `auto.offset.reset` again,
  and NOT_LEADER_OR_FOLLOWER or a broken connection sends it to the new leader;
- processing: each record of the batch is a `SinkWrite` to the sink, one at a time, in order;
- commit (`consumer.commit`): `before-process` commits the batch's end offset before its first write,
  `after-process` after its last; `auto` (or `enable.auto.commit`) commits the positions the previous
  polls reached, inside a later poll once `auto.commit.interval.ms` has passed (a step it may take
  whenever it holds no batch: the timer is a nondeterministic choice), asynchronously; `sink` commits
  nothing to the group (the database stores the offset with each row). An OffsetCommit refused
  (ILLEGAL_GENERATION: the group moved on) drops the batch and the positions, and the member rejoins.

Durable state: its membership (generation and partitions). A crash loses the batch, the positions and
whatever answer it was waiting for; a request it had sent may still arrive.

- truncation (KIP-320): after a leader change, before it fetches again, it asks the new leader where
  the leader epoch of the last record it read ends (`OffsetsForLeaderEpochRequest`); when that is
  below its position the log it read was truncated (an unclean election), and it rewinds there
  instead of skipping the reused offsets. A position it only looked up (a committed offset) is not
  checked: the committed offset's leader epoch is left out, so OFFSET_OUT_OF_RANGE and
  `auto.offset.reset` apply there as before.

Left out: several partitions' records in one poll, asynchronous processing, graceful close.

Sources: the Java client's `KafkaConsumer` (poll, position, commitSync), `ConsumerCoordinator`
(`onJoinPrepare` auto-commits before rejoining, auto commit in poll via `maybeAutoCommitOffsetsAsync`,
OffsetCommit errors -> CommitFailedException), `Fetcher` (the position moves with each fetch);
`ConsumerConfig` (`auto.offset.reset`, `max.poll.records`); KIP-62 (the heartbeat thread leaves the
group when poll() is not called within `max.poll.interval.ms`); KIP-345 (static membership); KIP-320
(truncation detection with OffsetsForLeaderEpoch).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Disconnect, Out, Request
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.role import KafkaRole
from modelcheck.kafka.commit_modes import AFTER, BEFORE, COMMIT_MODES
from modelcheck.kafka import transactions
from modelcheck.kafka.consumer import events_text
from modelcheck.kafka.roles import leaders as routing

UNKNOWN = -1          # not looked up yet
LOOKING_UP = -2       # an OffsetFetch (or StoredOffset) is on its way
RESETTING = -3        # a ListOffsets is on its way (auto.offset.reset=latest)
NO_RESET = -4         # nothing committed and auto.offset.reset=none: poll() throws


class Membership(NamedTuple):
    generation: int               # 0: not in the group (a spare instance not started yet)
    partitions: tuple             # the partitions it owns
    incarnation: int = 0          # restarts so far, where the instance's name depends on it (`transform`)
    transactions: int = 0         # observer's record (`transform`): the transactions it began
    outcomes: frozenset = frozenset()   # observer's record (`transform`): (transaction, committed) it was told


class Batch(NamedTuple):
    partition: int
    start: int
    events: tuple
    offsets: tuple                # the offset of each event
    end: int                      # the offset after the last record fetched (markers and aborted ones too)
    handled: int = 0              # records the sink has confirmed
    writing: bool = False         # a SinkWrite is on its way
    committing: bool = False      # an OffsetCommit is on its way
    committed: bool = False       # before-process: its end offset was committed


class ConsumerMemory(NamedTuple):
    routes: tuple                 # leaders.Leader per partition: where its requests go
    positions: tuple              # per partition: the next offset, or one of the markers above
    committed: tuple              # per partition: the offset it knows is committed (auto commit)
    fetching: tuple = ()          # the partitions' actor ids a fetch of its is on its way to
    batch: Batch | None = None
    rejoin: bool = False          # it must rejoin the group at its next poll
    joining: bool = False         # its JoinGroup is on its way
    auto_committing: bool = False # its automatic commit is on its way
    last_epochs: tuple = ()       # per partition: the leader epoch of the last record it read, -1 none
    checked: tuple = ()           # per partition: the leader epoch its position was last checked under
    validating: tuple = ()        # the partitions an OffsetsForLeaderEpoch of its is on its way for
    transform: object = None      # consume-transform-produce: its transactional producer (`transform`)


class Joins(NamedTuple):
    generation: int


class Joined(NamedTuple):
    generation: int
    partitions: tuple


class LearnsOfRebalance(NamedTuple):
    generation: int


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
    skipped: int = 0              # records not handed over: transaction markers, aborted records


class Writes(NamedTuple):
    event: int
    offset: int


class Written(NamedTuple):
    event: int
    applied: bool


class Commits(NamedTuple):
    offsets: tuple
    automatic: bool


class Committed(NamedTuple):
    offsets: tuple
    error: int


class ValidatesPosition(NamedTuple):
    partition: int
    last_epoch: int


class Validated(NamedTuple):
    partition: int
    position: int
    now: int


class Retries(NamedTuple):
    what: tuple                   # the requests it will make again, in words


class Consumer(KafkaRole):
    role = "consumer"
    kinds = (Joins, Joined, LearnsOfRebalance, AsksPosition, LearnsPosition, Polls, GetsRecords, Writes, Written,
             Commits, Committed, Retries, ValidatesPosition, Validated)

    def __init__(self, index: int, config, owned: tuple[int, ...], leaders: tuple[int, ...], coordinator: int,
                 sink: int, first_leaders: tuple[int, ...], member: bool = True):
        """`leaders`: per partition, the actor id its requests go to; `first_leaders`: per partition, the
        broker index that leads it at the start."""
        super().__init__(f"consumer[{index}]")
        self.index = index
        self.owned = owned                # the partitions it starts with
        self.member = member              # False: a spare instance, started when the group needs it
        self.leaders = leaders
        self.first_leaders = first_leaders
        self.coordinator = coordinator
        self.sink = sink
        consumer = config.consumer
        self.mode = COMMIT_MODES[consumer.commit]
        self.auto_commit = self.mode.automatic or consumer.enable_auto_commit
        self.reset = consumer.auto_offset_reset
        self.max_records = consumer.max_poll_records
        self.read_committed = consumer.isolation_level == transactions.READ_COMMITTED
        self.partition_count = config.cluster.partitions

    def _fresh(self, rejoin: bool = False) -> ConsumerMemory:
        nothing = (UNKNOWN,) * self.partition_count
        return ConsumerMemory(tuple(routing.Leader(b, 0) for b in self.first_leaders), nothing,
                              (rpc.NO_OFFSET,) * self.partition_count, rejoin=rejoin,
                              last_epochs=(-1,) * self.partition_count, checked=(0,) * self.partition_count)

    def initial(self) -> ActorState:
        membership = Membership(1, self.owned) if self.member else Membership(0, ())
        return ActorState(membership, self._fresh())

    def restart(self, durable) -> ActorState:
        return ActorState(durable, self._fresh(rejoin=True))

    def exposed(self, fault: str, state) -> bool:
        """Where a crash or a stall can change what follows. A stall matters while it holds a batch (the
        zombie case: it resumes and goes on with it; a stall without one is an eviction, which the stall
        with a batch covers). A crash matters while it holds a batch, while its automatic commit lags
        its positions, or while it is rejoining; otherwise it would restart where it stands (its
        positions are the committed or stored offsets), and only the states' names would change. A spare
        instance not started yet can do neither."""
        membership, memory = state
        if memory.batch is not None:
            return True
        if fault == "pause" or (membership.generation == 0 and not memory.rejoin):
            return False
        return memory.rejoin or memory.joining or memory.auto_committing or bool(self._auto_offsets(state))

    def resumed(self, state) -> ActorState:
        """Its poll timer expired while it stalled: the heartbeat thread left the group (KIP-62), so it
        rejoins at its next poll."""
        return ActorState(state.durable, state.volatile._replace(rejoin=True))

    # -- own steps -----------------------------------------------------------------------------------

    def steps(self, state):
        membership, memory = state
        if membership.generation == 0 and not memory.rejoin:
            return []                 # a spare instance, not started
        batch = memory.batch
        if batch is not None:
            return self._work_on(state, batch)
        if memory.auto_committing or memory.joining:
            return []
        pending = self._auto_offsets(state)
        if memory.rejoin:
            if pending:              # onJoinPrepare: commit what was consumed before rejoining
                return [self._auto_commit(state, pending)]
            return [Out(Joins(membership.generation), ActorState(membership, memory._replace(joining=True)),
                        (Request(self.coordinator, rpc.JoinGroupRequest(self.index)),))]
        out = []
        if pending:
            out.append(self._auto_commit(state, pending))
        for p in membership.partitions:
            if routing.needs_asking(memory.routes[p]):
                routes, sends = routing.asking(memory.routes, p, self.leaders[p])
                out.append(Out(AsksPosition(p, "leader of"), ActorState(membership, memory._replace(routes=routes)),
                               sends))
        positions = memory.positions
        for p in membership.partitions:
            if positions[p] == UNKNOWN:
                if self.mode.offsets_in_sink:
                    request, where = Request(self.sink, rpc.StoredOffsetRequest(p)), "database"
                else:
                    request, where = Request(self.coordinator, rpc.OffsetFetchRequest(p, self.index, self.read_committed)), "group coordinator"
                out.append(Out(AsksPosition(p, where), _with_position(state, p, LOOKING_UP), (request,)))
        for leader in sorted({self.leaders[p] for p in membership.partitions}):
            if leader in memory.fetching:
                continue
            mine = [p for p in membership.partitions if self.leaders[p] == leader]
            if any(positions[p] < 0 or not routing.usable(memory.routes[p]) or p in memory.validating for p in mine):
                continue              # poll() first finds every position (updateFetchPositions)
            unchecked = [p for p in mine if memory.last_epochs[p] >= 0
                         and memory.checked[p] != memory.routes[p].leader_epoch]
            if unchecked:             # a new leader: was the log it read truncated? (KIP-320)
                p = unchecked[0]
                request = rpc.OffsetsForLeaderEpochRequest(p, memory.last_epochs[p], memory.routes[p].leader_epoch)
                out.append(Out(ValidatesPosition(p, memory.last_epochs[p]), ActorState(membership, memory._replace(
                    validating=memory.validating + (p,))), (Request(leader, request),)))
                continue
            fetches = tuple((p, positions[p]) for p in mine)
            fetching = ActorState(membership, memory._replace(fetching=tuple(sorted(memory.fetching + (leader,)))))
            request = rpc.FetchRequest(fetches, self.max_records, memory.routes[mine[0]].leader_epoch,
                                       self.read_committed)
            out.append(Out(Polls(fetches), fetching, (Request(leader, request),)))
        return out

    def _work_on(self, state, batch: Batch) -> list[Out]:
        """The next thing to do with the batch in hand: a commit before it, a write, a commit after it."""
        if batch.writing or batch.committing:
            return []
        end = batch.end
        if self.mode.batch_commit == BEFORE and not batch.committed:
            return [self._commit(state, batch, end)]
        if batch.handled < len(batch.events):
            event = batch.events[batch.handled]
            offset = batch.offsets[batch.handled]
            write = rpc.SinkWrite(event, batch.partition, offset + 1, batch.events[:batch.handled])
            return [Out(Writes(event, offset), _with_batch(state, batch._replace(writing=True)),
                        (Request(self.sink, write),))]
        if self.mode.batch_commit == AFTER:
            return [self._commit(state, batch, end)]
        return []

    def _auto_offsets(self, state) -> tuple:
        """With automatic commits: the (partition, position) its last commit does not cover yet."""
        if not self.auto_commit:
            return ()
        membership, memory = state
        return tuple((p, memory.positions[p]) for p in membership.partitions
                     if memory.positions[p] >= 0 and memory.positions[p] != memory.committed[p])

    def _auto_commit(self, state, offsets: tuple) -> Out:
        membership, memory = state
        request = rpc.OffsetCommitRequest(self.index, membership.generation, offsets)
        return Out(Commits(offsets, True), ActorState(membership, memory._replace(auto_committing=True)),
                   (Request(self.coordinator, request),))

    def _commit(self, state, batch: Batch, end: int) -> Out:
        request = rpc.OffsetCommitRequest(self.index, state.durable.generation, ((batch.partition, end),))
        return Out(Commits(request.offsets, False), _with_batch(state, batch._replace(committing=True)),
                   (Request(self.coordinator, request),))

    # -- answers -------------------------------------------------------------------------------------

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        membership, memory = state
        if kind is rpc.MetadataResponse:
            p = message.partition
            if memory.routes[p].refresh != routing.ASKING:
                return []
            routes = routing.learned(memory.routes, p, message.leader, message.leader_epoch)
            return [Out(LearnsPosition(p, message.leader, "leader"), ActorState(membership, memory._replace(routes=routes)))]
        if kind is rpc.RebalanceNotice:
            return [Out(LearnsOfRebalance(message.generation), ActorState(membership, memory._replace(rejoin=True)))]
        if kind is rpc.JoinGroupResponse:
            if not memory.joining:
                return []
            owned = message.partitions
            positions = tuple(position if p in owned and p in membership.partitions else UNKNOWN
                              for p, position in enumerate(memory.positions))
            memory, abandon = self._abandon_fetches(memory)
            after = ActorState(membership._replace(generation=message.generation, partitions=owned),
                               memory._replace(positions=positions, rejoin=False, joining=False))
            return [Out(Joined(message.generation, owned), after, abandon)]
        if kind in (rpc.OffsetFetchResponse, rpc.StoredOffsetResponse):
            p = message.partition
            if memory.positions[p] != LOOKING_UP:
                return []
            if kind is rpc.OffsetFetchResponse and message.error == rpc.UNSTABLE_OFFSET_COMMIT:
                return [Out(LearnsPosition(p, -1, "unstable"), _with_position(state, p, UNKNOWN))]
            if message.offset != rpc.NO_OFFSET:
                how = "stored" if kind is rpc.StoredOffsetResponse else "committed"
                learnt = _with_position(state, p, message.offset)
                if how == "committed":
                    learnt = ActorState(membership, learnt.volatile._replace(
                        committed=_replace_at(memory.committed, p, message.offset)))
                return [Out(LearnsPosition(p, message.offset, how), learnt)]
            return [self._reset(state, p, "earliest")]
        if kind is rpc.OffsetsForLeaderEpochResponse:
            p = message.partition
            if p not in memory.validating:
                return []
            memory = memory._replace(validating=tuple(q for q in memory.validating if q != p))
            if message.end_offset < 0:
                return [self._rerouted(ActorState(membership, memory), p, message)]
            checked = _replace_at(memory.checked, p, memory.routes[p].leader_epoch)
            position = memory.positions[p]
            if 0 <= message.end_offset < position:     # the log was truncated below its position
                memory = memory._replace(positions=_replace_at(memory.positions, p, message.end_offset),
                                         last_epochs=_replace_at(memory.last_epochs, p, -1))
            return [Out(Validated(p, position, min(position, message.end_offset)),
                        ActorState(membership, memory._replace(checked=checked)))]
        if kind is rpc.ListOffsetsResponse:
            p = message.partition
            if memory.positions[p] != RESETTING:
                return []
            if message.offset < 0:
                return [self._rerouted(_with_position(state, p, UNKNOWN), p, message)]
            return [Out(LearnsPosition(p, message.offset, "latest"), _with_position(state, p, message.offset))]
        if kind is rpc.FetchResponse:
            p = message.partition
            if memory.batch is not None:
                return []                 # taken once the batch in hand is done
            fetching = tuple(leader for leader in memory.fetching if leader != envelope.src)
            memory = memory._replace(fetching=fetching)
            state = ActorState(membership, memory)
            if memory.rejoin or memory.joining or p not in membership.partitions \
                    or memory.positions[p] != message.offset:
                # stale: the group moves on (the Java client drops what it fetched for partitions it may lose)
                return [Out(GetsRecords(p, message.offset, ()), state)]
            if message.error == rpc.OFFSET_OUT_OF_RANGE:
                return [self._reset(state, p, "out of range")]
            if message.error != rpc.NONE:
                return [self._rerouted(state, p, message)]
            events, offsets = transactions.handed_over(message.records, message.offset, message.aborted)
            end = message.offset + len(message.records)
            last = message.epochs[-1] if message.epochs else memory.last_epochs[p]
            batch = Batch(p, message.offset, events, offsets, end) if events else None
            after = ActorState(membership, memory._replace(
                positions=_replace_at(memory.positions, p, end), batch=batch,
                last_epochs=_replace_at(memory.last_epochs, p, last),
                checked=_replace_at(memory.checked, p, memory.routes[p].leader_epoch)))
            return [Out(GetsRecords(p, message.offset, events, len(message.records) - len(events)), after)]
        batch = memory.batch
        if kind is rpc.SinkWritten:
            if batch is None or not batch.writing:
                return []
            handled = batch.handled + 1
            if handled == len(batch.events) and self.mode.batch_commit != AFTER:
                return [Out(Written(message.event, message.applied), _with_batch(state, None))]
            return [Out(Written(message.event, message.applied),
                        _with_batch(state, batch._replace(handled=handled, writing=False)))]
        if kind is rpc.OffsetCommitResponse:
            what = Committed(message.offsets, message.error)
            if memory.auto_committing:       # sent before any batch commit now in flight: answered first
                memory = memory._replace(auto_committing=False)
            elif batch is not None and batch.committing:
                memory = memory._replace(batch=batch._replace(committing=False))
            else:
                return []
            if message.error != rpc.NONE:
                _memory, abandon = self._abandon_fetches(memory)
                return [Out(what, ActorState(membership, self._fresh(rejoin=True)), abandon)]
            committed = memory.committed
            for p, offset in message.offsets:
                committed = _replace_at(committed, p, offset)
            memory = memory._replace(committed=committed)
            batch = memory.batch
            if batch is not None and self.mode.batch_commit == BEFORE and not batch.committed:
                memory = memory._replace(batch=batch._replace(committed=True))
            elif batch is not None and self.mode.batch_commit == AFTER:
                memory = memory._replace(batch=None)
            return [Out(what, ActorState(membership, memory))]
        return []

    def failed(self, state, link, requests):
        """A connection closed under its requests (its broker crashed): each is made again in turn, a
        sink write too (it may have been applied already: the consumer cannot tell)."""
        membership, memory = state
        what = []
        for request in requests:
            kind = type(request)
            if kind is rpc.FetchRequest and link.acceptor in memory.fetching:
                memory = memory._replace(fetching=tuple(leader for leader in memory.fetching if leader != link.acceptor))
                what.append("its fetch of " + ", ".join(f"p{p}" for p, _offset in request.fetches))
            elif kind in (rpc.OffsetFetchRequest, rpc.StoredOffsetRequest, rpc.ListOffsetsRequest) \
                    and memory.positions[request.partition] in (LOOKING_UP, RESETTING):
                memory = memory._replace(positions=_replace_at(memory.positions, request.partition, UNKNOWN))
                what.append(f"its look-up of p{request.partition}")
            elif kind is rpc.SinkWrite and memory.batch is not None and memory.batch.writing:
                memory = memory._replace(batch=memory.batch._replace(writing=False))
                what.append(f"its write of e{request.event}")
            elif kind is rpc.OffsetCommitRequest and memory.batch is not None and memory.batch.committing:
                memory = memory._replace(batch=memory.batch._replace(committing=False))
                what.append("its commit")
            elif kind is rpc.OffsetCommitRequest and memory.auto_committing:
                memory = memory._replace(auto_committing=False)
                what.append("its automatic commit")
            elif kind is rpc.JoinGroupRequest and memory.joining:
                memory = memory._replace(joining=False)
                what.append("its JoinGroup")
            elif kind is rpc.OffsetsForLeaderEpochRequest and request.partition in memory.validating:
                memory = memory._replace(validating=tuple(q for q in memory.validating if q != request.partition))
                what.append(f"its check of p{request.partition}")
            elif kind is rpc.MetadataRequest:
                p = self.leaders.index(link.acceptor)
                memory = memory._replace(routes=routing.unanswered(memory.routes, p))
                what.append(f"its question where p{p} leads")
        if not what:
            return []
        return [Out(Retries(tuple(what)), ActorState(membership, memory))]

    @staticmethod
    def _rerouted(state, p: int, response) -> Out:
        """Its request for `p` was refused: NOT_LEADER_OR_FOLLOWER brings the current leader, a broken
        connection makes it ask again."""
        membership, memory = state
        if getattr(response, "error", rpc.NOT_LEADER_OR_FOLLOWER) == rpc.NETWORK_EXCEPTION:
            routes = routing.stale(memory.routes, p)
        else:
            routes = routing.learned(memory.routes, p, response.leader, response.leader_epoch)
        return Out(LearnsPosition(p, routes[p].broker, "leader"), ActorState(membership, memory._replace(routes=routes)))

    @staticmethod
    def _abandon_fetches(memory: ConsumerMemory) -> tuple[ConsumerMemory, tuple]:
        """Its positions or partitions changed: the fetches on their way ask for the wrong thing, and one
        a leader holds (nothing new yet) would hold its connection for ever. It gives them up (in the
        Java client such a fetch returns empty after `fetch.max.wait.ms`)."""
        if not memory.fetching:
            return memory, ()
        return memory._replace(fetching=()), tuple(Disconnect(leader) for leader in memory.fetching)

    def _reset(self, state, p: int, why: str) -> Out:
        """auto.offset.reset for partition `p` (nothing committed, or out of range)."""
        if self.reset == "earliest":
            return Out(LearnsPosition(p, 0, why if why == "out of range" else "earliest"), _with_position(state, p, 0))
        if self.reset == "latest":
            return Out(AsksPosition(p, "leader"), _with_position(state, p, RESETTING),
                       (Request(self.leaders[p], rpc.ListOffsetsRequest(p, state.volatile.routes[p].leader_epoch)),))
        return Out(LearnsPosition(p, -1, "none"), _with_position(state, p, NO_RESET))

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is Joins:
            return "rejoins the group (JoinGroup)"
        if kind is Joined:
            owned = ", ".join(f"p{p}" for p in what.partitions) or "no partition"
            return f"joins generation {what.generation} with {owned}"
        if kind is LearnsOfRebalance:
            return "learns that the group rebalances; it rejoins at its next poll"
        if kind is AsksPosition:
            if what.where == "leader of":
                return f"asks where p{what.partition} leads now"
            if what.where == "leader":
                return f"asks the leader of p{what.partition} where its log ends (auto.offset.reset=latest)"
            return f"asks the {what.where} for its offset of p{what.partition}"
        if kind is LearnsPosition:
            if what.how == "leader":
                leader = "no leader (offline)" if what.offset < 0 else f"broker[{what.offset}]"
                return f"learns that p{what.partition} has {leader}"
            if what.how in ("committed", "stored"):
                return f"resumes p{what.partition} at offset {what.offset} ({what.how})"
            if what.how == "none":
                return (f"finds no committed offset for p{what.partition} and auto.offset.reset=none: "
                        f"poll() throws NoOffsetForPartitionException")
            if what.how == "unstable":
                return f"learns p{what.partition}'s committed offset waits for a transaction; it will ask again"
            if what.how == "out of range":
                return f"is out of range on p{what.partition}: auto.offset.reset -> offset {what.offset}"
            return f"finds no committed offset for p{what.partition}: auto.offset.reset={what.how} -> offset {what.offset}"
        if kind is Polls:
            return "polls " + ", ".join(f"p{p} from offset {offset}" for p, offset in what.fetches)
        if kind is GetsRecords:
            skipped = f"{what.skipped} record(s) not for the application (transaction markers, aborted records)"
            if not what.events and what.skipped:
                return f"skips {skipped} at offset {what.offset} of p{what.partition}"
            if not what.events:
                return f"drops the records of p{what.partition} fetched before the group moved on"
            text = f"gets {events_text(what.events)} at offset {what.offset} of p{what.partition}"
            return text + (f"; skips {skipped}" if what.skipped else "")
        if kind is Writes:
            return f"writes e{what.event} to the sink (offset {what.offset})"
        if kind is Written:
            return f"hears e{what.event} was {'applied' if what.applied else 'skipped as a repeat'}"
        if kind is Commits:
            how = "auto-commits" if what.automatic else "commits"
            return f"{how} " + ", ".join(f"offset {offset} of p{p}" for p, offset in what.offsets)
        if kind is Committed:
            offsets = ", ".join(f"offset {offset} of p{p}" for p, offset in what.offsets)
            if what.error == rpc.NONE:
                return f"hears {offsets} committed"
            return (f"hears its commit of {offsets} failed: {rpc.ERROR_NAMES[what.error]} (CommitFailedException); "
                    f"it drops its batch and rejoins")
        if kind is ValidatesPosition:
            return (f"asks the new leader where leader epoch {what.last_epoch} ends on p{what.partition}, "
                    f"to check its position (KIP-320)")
        if kind is Validated:
            if what.now < what.position:
                return (f"finds p{what.partition} truncated below its position: rewinds from {what.position} "
                        f"to {what.now}")
            return f"finds its position {what.position} on p{what.partition} still valid"
        if kind is Retries:
            return f"will make {', '.join(what.what)} again"
        return super().describe(what)


    def describe_state(self, state) -> str:
        membership, memory = state
        parts = [f"generation {membership.generation}"]
        if memory is None:
            return parts[0] + ", down"
        parts += [f"p{p} at {_position_text(memory.positions[p])}" for p in membership.partitions]
        if memory.batch is not None:
            batch = memory.batch
            parts.append(f"batch {events_text(batch.events)} of p{batch.partition}, {batch.handled} handled")
        return ", ".join(parts)

    def explain(self, before, after) -> list[str]:
        lines = []
        if before.durable != after.durable:
            owned = ", ".join(f"p{p}" for p in after.durable.partitions) or "none"
            lines.append(f"membership: generation {after.durable.generation}, partitions {owned}")
        old, new = before.volatile, after.volatile
        if old is None or new is None:
            return lines + ([] if old == new else [f"memory: {'lost' if new is None else 'fresh'}"])
        lines += [f"position on p{p}: {_position_text(old.positions[p])} -> {_position_text(new.positions[p])}"
                  for p in range(self.partition_count) if old.positions[p] != new.positions[p]]
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
    membership, memory = state
    return ActorState(membership, memory._replace(positions=_replace_at(memory.positions, p, position)))


def _with_batch(state, batch: Batch | None) -> ActorState:
    membership, memory = state
    return ActorState(membership, memory._replace(batch=batch))
