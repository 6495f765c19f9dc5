"""The producing application with its producer client, as one actor: one process, one crash.

The application emits events e1..eN in order and records each by its `source` (with
`producer.instances` above 1, each application its own N events: the second e(N+1)..e(2N)); the producer client is
the Java client's accumulator and sender (`modelcheck.kafka.producer` holds its state machine: queues,
in-flight batches, retries, idempotence and epoch bumps). On the actors layer:

- `Emits` (`source: direct`): the application's `send` puts the event in its partition's queue (an
  unkeyed event may go to any partition: one step per choice);
- `CommitsToDatabase` (`dual-write`): the event is committed to the application's own database, and
  `Emits` sends it afterwards, a step later: a crash between the two loses the send;
- `CommitsWithOutbox` (`outbox`): the event row and its outbox row commit in one transaction; the relay
  `Emits` (publishes) the oldest unmarked row it has not handed over, and `MarksSent` marks a row whose
  record was acknowledged; after a restart every unmarked row is published again (at least once);
- `Sends`: the sender takes the head of a partition's queue to the partition's replicas (`replicas`)
  as a `ProduceRequest` routed by the leader epoch it knows (`leaders`), at most
  `max.in.flight.requests.per.connection` unanswered per leader broker; with `acks=0` the request is
  one-way and the record counts as acknowledged at once (the producer docs: the offset is -1 and retries
  never apply);
- `Hears`: a `ProduceResponse` comes back: the record is acknowledged, or its error is retried or
  handed to the application (`producer.retry_or_fail`);
- `failed` (the connection closed under its requests: a request timeout after a lost request or
  response or a broker crash, a delay past `request.timeout.ms`): every request on it failed, as
  `NetworkClient` fails every in-flight request of a connection it closes, and each is retried or
  given up in turn. A request that failed this way may still have been written (ambiguous).

Standby instances (`faults.producer.pause`; `system` builds one per pause the budget allows, and the
position store, `position_store`): a standby monitors the instance it stands by for and starts when that
one stalls (`TakesOver`: the `Down` notice stands for an orchestrator's failed liveness probe). It does
the same work: it reads where the work stands from the store (`ReadsPosition`, `LearnsPosition`), and
every instance with a store writes the position there after each acknowledgement (the oldest event its
producer still holds; a transactional one after each commit instead). An instance that resumes after a
stall knows from its own clock that it has been replaced (`resumed`) and goes on as a zombie: nothing
stops one without transactions (`transactional` says what stops a transactional one). A replaced instance
does not crash here: its crash would only stop it.

Durable state (`AppDurable`): the application's input position (it goes on with the next event after a
restart), its database and outbox rows, the incarnation (a restarted producer has a new producer id,
so idempotence does not survive it) and, as an observer's record for the `acked-durable` property,
every (partition, event) ever acknowledged. Volatile state (`AppMemory`): the producer client, a
dual-write send not made yet, and the relay's memory of the rows it handed over.

Left out here: leader changes (the leader of each partition is fixed until replication moves onto
the actors layer), and the Java client's unbounded retries within `delivery.timeout.ms` (`retries`
is bounded).

Sources: the Java client's `KafkaProducer`, `RecordAccumulator`, `Sender` (`guaranteeMessageOrder`,
`canRetry`), `NetworkClient.handleTimedOutRequests` (a request timeout closes the connection and fails
every request in flight on it); KIP-98 and KIP-360 for idempotence; the source articles 001 and 004 and
Chris Richardson's "Transactional outbox" for the dual write and the outbox.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Down, Out, Request, Send
from modelcheck.kafka import producer as producers
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.role import KafkaRole
from modelcheck.kafka.application import key_of
from modelcheck.kafka.producer import InFlight
from modelcheck.kafka.records import Record
from modelcheck.kafka.roles import leaders


class AppDurable(NamedTuple):
    next_event: int = 1                        # the next event to emit (1-based)
    session: int = 0                           # incarnation: the producer id when idempotent
    acknowledged: frozenset = frozenset()      # (partition, event) ever acknowledged (observer's record)
    database: frozenset = frozenset()          # events committed to the application's database
    outbox: frozenset = frozenset()            # outbox rows not marked sent yet
    prepared: tuple = ()                       # KIP-939: (producer id, epoch) of the prepared transaction its
                                               # database committed with its rows
    transactions: int = 0                      # observer's record: the transactions it began
    outcomes: frozenset = frozenset()          # observer's record: (transaction, committed) it was told
    standby: bool = False                      # a standby instance not started yet (`faults.producer.pause`)


class AppMemory(NamedTuple):
    producer: producers.Producer
    leaders: tuple                             # leaders.Leader per partition: where it routes
    awaiting_send: int = 0                     # dual-write: committed, not sent yet (0: none)
    relay_handed: frozenset = frozenset()      # outbox: rows handed to the producer, outcome unknown
    relay_acked: frozenset = frozenset()       # outbox: rows acknowledged, not marked sent yet
    transaction: object = None                 # a transactional producer's client state (`transactional`)
    stalled: bool = False                      # it stalled past its liveness deadline, so it has been replaced
    awaiting_position: int = 0                 # a standby without transactions: KNOWN, TO_READ or READING


class CommitsToDatabase(NamedTuple):
    event: int


class CommitsWithOutbox(NamedTuple):
    event: int


class MarksSent(NamedTuple):
    event: int


class Emits(NamedTuple):
    event: int
    partition: int
    choices: int                               # how many partitions it could have gone to
    relay: bool = False                        # the outbox relay publishes it


class Sends(NamedTuple):
    event: int
    partition: int
    broker: int
    attempt: int
    sequence: int
    acks_zero: bool


class Hears(NamedTuple):
    event: int
    error: int
    offset: int
    outcome: str                               # "acknowledged", "retry", "gives up"
    epoch: int                                 # the producer epoch afterwards


class AsksLeader(NamedTuple):
    partition: int


class LearnsLeader(NamedTuple):
    partition: int
    leader: int
    leader_epoch: int


class LosesConnection(NamedTuple):
    events: tuple                              # the requests that failed
    outcomes: tuple                            # per event: "retry" or "gives up"


class TakesOver(NamedTuple):
    """A standby instance starts: the instance it stands by for stopped answering (`faults.producer.pause`)."""

    replaced: str                              # the name of the instance it replaces


class NotesDown(NamedTuple):
    instance: str
    reason: str


class ReadsPosition(NamedTuple):
    application: int


class LearnsPosition(NamedTuple):
    next_event: int


class LosesPositionRead(NamedTuple):
    application: int


KNOWN, TO_READ, READING = range(3)             # AppMemory.awaiting_position


class ProducingApplication(KafkaRole):
    role = "producer"
    kinds = (CommitsToDatabase, CommitsWithOutbox, Emits, MarksSent, Sends, Hears, AsksLeader, LearnsLeader,
             LosesConnection, TakesOver, NotesDown, ReadsPosition, LearnsPosition, LosesPositionRead)
    writes_position_on_commit = False          # a transactional application records its position per commit

    def __init__(self, config, partitions: tuple[int, ...], first_leaders: tuple[int, ...],
                 written: frozenset = frozenset(), index: int = 0, work: int | None = None, name: str | None = None,
                 store: int | None = None, replaces: tuple[int, str] | None = None):
        """`written`: (partition, event) already written and acknowledged before the run (the input of a
        consume-transform-produce application): the application starts with every event emitted.
        `index`: which of the configuration's `producer.instances` applications this is; application i
        emits its own `workload.messages` events, numbered on from those of the applications before it.
        `work`: the application whose events this instance emits, when it is not `index` (a standby
        instance does another's work); `name`: its name in traces, when not the default. `store`: the actor
        id of the position store, when the application's position lives there (with `faults.producer.pause`);
        `replaces`: (actor id, name) of the instance this one stands by for, which makes it a standby
        instance that starts when that one stalls."""
        instances = config.producer.instances
        super().__init__(name or ("producer" if instances == 1 else f"producer[{index}]"))
        self.written = written
        self.config = config
        self.index = index
        self.work = index if work is None else work
        self.partitions = partitions           # per partition: the actor id of its replicas
        self.first_leaders = first_leaders     # per partition: the broker index that leads at the start
        self.first_event = self.work * config.workload.messages + 1
        self.last_event = (self.work + 1) * config.workload.messages      # its last event
        self.acks_zero = config.producer.acks == "0"
        self.source = config.producer.source
        self.store = store
        self.replaces = replaces
        if replaces is not None:
            self.monitors = (replaces[0],)

    def initial(self) -> ActorState:
        if self.written:
            return ActorState(AppDurable(next_event=self.last_event + 1, acknowledged=self.written), self._fresh(0))
        return ActorState(AppDurable(next_event=self.first_event, standby=self.replaces is not None), self._fresh(0))

    def producer_id(self, session: int) -> int:
        """The producer id of incarnation `session`: unique across the applications, as the brokers hand out
        producer ids (application i's incarnations take the ids after those of the applications before it)."""
        return self.index * (1 + self.config.faults.producer_crash) + session

    def _fresh(self, session: int) -> AppMemory:
        return AppMemory(producers.new_producer(self.config, self.producer_id(session)),
                         tuple(leaders.Leader(b, 0) for b in self.first_leaders))

    def exposed(self, fault: str, state) -> bool:
        """A crash changes what follows only when it loses something: a batch buffered or in flight, a
        dual-write send not made, the relay's memory; an idle application would restart with only a new
        producer id, which no later step tells apart. Nothing hits a standby not started yet, nor an
        instance that has been replaced (its crash would only stop it)."""
        memory = state.volatile
        if state.durable.standby or memory.stalled:
            return False
        producer = memory.producer
        return bool(producer.in_flight or any(producer.queues) or memory.awaiting_send or memory.relay_handed)

    def restart(self, durable) -> ActorState:
        """A new incarnation: a new producer (and producer id); a standby that has started reads the position
        store again (`_started`)."""
        session = durable.session + 1
        memory = self._fresh(session)
        if self.replaces is not None and not durable.standby:
            memory = self._started(memory)
        return ActorState(durable._replace(session=session), memory)

    def resumed(self, state) -> ActorState:
        """With a standby to take over (a position store), an instance that stalled knows from its own
        clock that it missed its liveness deadline and has been replaced; it goes on with what it was
        doing (a zombie). A transactional one shuts down at its first error from the coordinator
        (`transactional`); nothing stops one without transactions."""
        if self.store is None:
            return state
        return ActorState(state.durable, state.volatile._replace(stalled=True))

    # -- own steps -----------------------------------------------------------------------------------

    def _emits(self, durable: AppDurable, memory: AppMemory, event: int, relay: bool = False) -> list[Out]:
        """Every way the partitioner may place `event` (one step per partition)."""
        key = key_of(self.config, event)
        choices = producers.partitions_for(self.config, key)
        return [Out(Emits(event, partition, len(choices), relay),
                    ActorState(durable, memory._replace(producer=producers.enqueue(memory.producer, partition,
                                                                                     self._record(durable, event)))))
                for partition in choices]

    def _application_steps(self, durable: AppDurable, memory: AppMemory) -> list[Out]:
        event = durable.next_event
        more = event <= self.last_event
        if self.source == "direct":
            return self._emits(durable._replace(next_event=event + 1), memory, event) if more else []
        if self.source == "dual-write":
            if memory.awaiting_send:
                return self._emits(durable, memory._replace(awaiting_send=0), memory.awaiting_send)
            if not more:
                return []
            return [Out(CommitsToDatabase(event), ActorState(
                durable._replace(next_event=event + 1, database=durable.database | {event}),
                memory._replace(awaiting_send=event)))]
        out = self._commits_with_outbox(durable, memory)
        waiting = sorted(durable.outbox - memory.relay_handed)
        if waiting:
            out.extend(self._emits(durable, memory._replace(relay_handed=memory.relay_handed | {waiting[0]}),
                                   waiting[0], relay=True))
        return out + self._marks_sent(durable, memory)

    def _commits_with_outbox(self, durable: AppDurable, memory: AppMemory) -> list[Out]:
        """The application's own database transaction: the next event's row with its outbox row."""
        event = durable.next_event
        if event > self.last_event:
            return []
        return [Out(CommitsWithOutbox(event), ActorState(durable._replace(
            next_event=event + 1, database=durable.database | {event}, outbox=durable.outbox | {event}), memory))]

    @staticmethod
    def _marks_sent(durable: AppDurable, memory: AppMemory) -> list[Out]:
        """The relay marks sent each outbox row whose record it knows is written."""
        return [Out(MarksSent(event), ActorState(durable._replace(outbox=durable.outbox - {event}), memory._replace(
            relay_handed=memory.relay_handed - {event}, relay_acked=memory.relay_acked - {event})))
                for event in sorted(memory.relay_acked)]

    def steps(self, state):
        durable, memory = state
        if durable.standby:
            return []                 # a standby instance, not started
        if memory.awaiting_position != KNOWN:
            if memory.awaiting_position == READING:
                return []
            return [Out(ReadsPosition(self.work), ActorState(durable, memory._replace(awaiting_position=READING)),
                        (Request(self.store, rpc.PositionRead(self.work)),))]
        out = self._application_steps(durable, memory)
        producer = memory.producer
        config = self.config
        for partition, known in enumerate(memory.leaders):
            if leaders.needs_asking(known) and producer.queues[partition]:
                routes, sends = leaders.asking(memory.leaders, partition, self.partitions[partition])
                out.append(Out(AsksLeader(partition), ActorState(durable, memory._replace(leaders=routes)), sends))
            if not leaders.usable(known) or not producers.can_send_head(config, producer, partition) \
                    or not self._may_send(memory, partition):
                continue
            broker = known.broker
            if not self.acks_zero and producers.in_flight_to(producer, broker) >= config.producer.max_in_flight:
                continue
            taken, batch = producers.take_head(config, producer, partition)
            request = rpc.ProduceRequest(partition, batch.record, batch.attempts, known.leader_epoch)
            what = Sends(batch.record.event, partition, broker, batch.attempts, batch.record.sequence, self.acks_zero)
            target = self.partitions[partition]
            if self.acks_zero:
                after = self._acknowledged(ActorState(durable, memory._replace(producer=taken)), partition,
                                           batch.record.event)
                out.append(Out(what, after, (Send(target, request),) + self._position_writes(after)))
            else:
                flying = taken._replace(in_flight=taken.in_flight + (InFlight(broker, batch),))
                out.append(Out(what, ActorState(durable, memory._replace(producer=flying)), (Request(target, request),)))
        return out

    def _record(self, durable: AppDurable, event: int) -> Record:
        """The record the application sends for `event`."""
        return Record(event, key_of(self.config, event))

    def _may_send(self, memory: AppMemory, partition: int) -> bool:
        """Whether the sender may send to `partition` now (a transactional producer first adds it to its
        transaction)."""
        return True

    @staticmethod
    def _acknowledged(state, partition: int, event: int) -> ActorState:
        """The producer tells the application `event` was written: an observer notes it, and the relay
        learns that its row may be marked sent."""
        durable, memory = state
        if event in memory.relay_handed:
            memory = memory._replace(relay_acked=memory.relay_acked | {event})
        return ActorState(durable._replace(acknowledged=durable.acknowledged | {(partition, event)}), memory)

    def _position_writes(self, state) -> tuple:
        """After an acknowledgement, an application with a position store and without transactions records
        how far its work is done: the oldest event its producer still holds, or its next event."""
        if self.store is None or self.writes_position_on_commit:
            return ()
        durable, memory = state
        producer = memory.producer
        held = [batch.record.event for queue in producer.queues for batch in queue]
        held += [entry.batch.record.event for entry in producer.in_flight]
        return (Send(self.store, rpc.PositionWrite(self.work, min(held, default=durable.next_event))),)

    def _noticed(self, state, notice) -> Out:
        """A standby starts when the instance it stands by for stalls (an orchestrator's liveness probe
        fails and it starts the replacement); any other notice changes nothing."""
        durable, memory = state
        name = self.replaces[1]
        if durable.standby and notice.reason == "paused":
            return Out(TakesOver(name), ActorState(durable._replace(standby=False), self._started(memory)))
        return Out(NotesDown(name, notice.reason), state)

    def _started(self, memory: AppMemory) -> AppMemory:
        """A standby that starts reads first where the work stands."""
        return memory._replace(awaiting_position=TO_READ)

    def _gave_up(self, memory: AppMemory, event: int) -> AppMemory:
        """The producer gives up on `event`: the relay publishes the row again; the other sources lose it."""
        if event in memory.relay_handed and event not in memory.relay_acked:
            return memory._replace(relay_handed=memory.relay_handed - {event})
        return memory

    # -- answers -------------------------------------------------------------------------------------

    def receive(self, state, envelope):
        response = envelope.message
        durable, memory = state
        if type(response) is Down:
            return [self._noticed(state, response)]
        if type(response) is rpc.PositionIs:
            if memory.awaiting_position != READING:
                return []
            return [Out(LearnsPosition(response.next_event), ActorState(
                durable._replace(next_event=response.next_event), memory._replace(awaiting_position=KNOWN)))]
        if type(response) is rpc.MetadataResponse:
            p = response.partition
            if memory.leaders[p].refresh != leaders.ASKING:
                return []
            routes = leaders.learned(memory.leaders, p, response.leader, response.leader_epoch)
            return [Out(LearnsLeader(p, response.leader, response.leader_epoch),
                        ActorState(durable, memory._replace(leaders=routes)))]
        if type(response) is not rpc.ProduceResponse:
            return []
        producer = memory.producer
        index = producers.in_flight_index(producer, response.partition, response.event)
        if index is None:
            return []
        batch = producer.in_flight[index].batch
        producer = producers.without(producer, index)
        if response.error == rpc.NONE:
            after = self._acknowledged(ActorState(durable, memory._replace(producer=producer)), response.partition,
                                       response.event)
            return [Out(Hears(response.event, rpc.NONE, response.offset, "acknowledged", producer.producer_epoch),
                        after, self._position_writes(after))]
        if response.error in (rpc.NOT_ENOUGH_REPLICAS_AFTER_APPEND, rpc.NETWORK_EXCEPTION):
            batch = batch._replace(ambiguous=True)
        producer, gave_up = producers.retry_or_fail(self.config, producer, batch, rpc.ERROR_NAMES[response.error])
        memory = memory._replace(producer=producer)
        p = response.partition
        if response.error == rpc.NOT_LEADER_OR_FOLLOWER:
            memory = memory._replace(leaders=leaders.learned(memory.leaders, p, response.leader, response.leader_epoch))
        elif response.error == rpc.NETWORK_EXCEPTION:
            memory = memory._replace(leaders=leaders.stale(memory.leaders, p))
        if gave_up:
            memory = self._gave_up(memory, response.event)
        outcome = "gives up" if gave_up else "retry"
        return [Out(Hears(response.event, response.error, -1, outcome, producer.producer_epoch),
                    ActorState(durable, memory))]

    def failed(self, state, link, requests):
        durable, memory = state
        if link.acceptor == self.store:
            if memory.awaiting_position != READING:
                return []
            return [Out(LosesPositionRead(self.work), ActorState(durable, memory._replace(awaiting_position=TO_READ)))]
        producer = memory.producer
        events, outcomes = [], []
        for request in requests:
            if type(request) is rpc.MetadataRequest:
                p = self.partitions.index(link.acceptor)
                memory = memory._replace(leaders=leaders.unanswered(memory.leaders, p))
                continue
            if type(request) is not rpc.ProduceRequest:
                continue
            memory = memory._replace(leaders=leaders.stale(memory.leaders, request.partition))
            index = producers.in_flight_index(producer, request.partition, request.record.event)
            if index is None:
                continue
            batch = producer.in_flight[index].batch._replace(ambiguous=True)
            producer, gave_up = producers.retry_or_fail(self.config, producers.without(producer, index), batch,
                                                        "request timed out")
            memory = memory._replace(producer=producer)
            if gave_up:
                memory = self._gave_up(memory, request.record.event)
            events.append(request.record.event)
            outcomes.append("gives up" if gave_up else "retry")
        if not events and memory == state.volatile:
            return []
        return [Out(LosesConnection(tuple(events), tuple(outcomes)), ActorState(durable, memory))]

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is Emits:
            where = f" to p{what.partition}" if self.config.cluster.partitions > 1 else ""
            return f"{'relay publishes' if what.relay else 'sends'} e{what.event}{where}"
        if kind is CommitsToDatabase:
            return f"commits e{what.event} to its database"
        if kind is CommitsWithOutbox:
            return f"commits e{what.event} with its outbox row"
        if kind is MarksSent:
            return f"relay marks e{what.event} sent in the outbox"
        if kind is Sends:
            details = [f"p{what.partition}"]
            if what.sequence >= 0:
                details.append(f"sequence {what.sequence}")
            if what.attempt > 1:
                details.append(f"attempt {what.attempt}")
            text = f"sends e{what.event} to broker[{what.broker}] ({', '.join(details)})"
            return text + ("; acks=0: counted as acknowledged" if what.acks_zero else "")
        if kind is Hears:
            if what.outcome == "acknowledged":
                return f"gets the ack for e{what.event} (offset {what.offset})"
            return f"gets {rpc.ERROR_NAMES[what.error]} for e{what.event}; {_outcome_text(what.outcome, what.event)}"
        if kind is AsksLeader:
            return f"asks where p{what.partition} leads now"
        if kind is LearnsLeader:
            leader = "no leader (offline)" if what.leader < 0 else f"broker[{what.leader}]"
            return f"learns that p{what.partition} has {leader}, leader epoch {what.leader_epoch}"
        if kind is LosesPositionRead:
            return "loses the connection to the position store; will read the position again"
        if kind is LosesConnection:
            return "; ".join(_outcome_text(outcome, event) for event, outcome in zip(what.events, what.outcomes))
        if kind is TakesOver:
            return f"starts: {what.replaced} stopped answering, and this instance takes over its work"
        if kind is NotesDown:
            return f"notes that {what.instance} {what.reason}"
        if kind is ReadsPosition:
            return "reads where the work stands from the position store"
        if kind is LearnsPosition:
            return f"learns the work stands at e{what.next_event}"
        return super().describe(what)

    def describe_state(self, state) -> str:
        durable, memory = state
        producer = memory.producer if memory is not None else None
        parts = [f"next e{durable.next_event}", f"producer id {self.producer_id(durable.session)}"]
        if self.source != "direct":
            parts.append("database {" + ", ".join(f"e{e}" for e in sorted(durable.database)) + "}")
        if durable.outbox:
            parts.append("outbox {" + ", ".join(f"e{e}" for e in sorted(durable.outbox)) + "}")
        if producer is not None:
            queued = [f"e{b.record.event}" for q in producer.queues for b in q]
            if queued:
                parts.append(f"buffer {', '.join(queued)}")
            if producer.in_flight:
                parts.append("in flight " + ", ".join(f"e{e.batch.record.event}" for e in producer.in_flight))
        if durable.acknowledged:
            parts.append("acknowledged " + ", ".join(f"e{e}@p{p}" for p, e in sorted(durable.acknowledged)))
        return ", ".join(parts)

    def explain(self, before, after) -> list[str]:
        lines = []
        if before.durable.session != after.durable.session:
            lines.append(f"producer id: {self.producer_id(before.durable.session)} -> "
                         f"{self.producer_id(after.durable.session)}")
        added = sorted(after.durable.acknowledged - before.durable.acknowledged)
        if added:
            lines.append("acknowledged: " + ", ".join(f"e{e} (p{p})" for p, e in added))
        if before.durable.database != after.durable.database:
            lines.append("app database: {" + ", ".join(f"e{e}" for e in sorted(after.durable.database)) + "}")
        if before.durable.outbox != after.durable.outbox:
            lines.append("outbox rows not marked sent: {" + ", ".join(f"e{e}" for e in sorted(after.durable.outbox)) + "}")
        old = before.volatile.producer if before.volatile is not None else None
        new = after.volatile.producer if after.volatile is not None else None
        if old is not None and new is not None:
            if old.producer_epoch != new.producer_epoch:
                lines.append(f"producer epoch: {old.producer_epoch} -> {new.producer_epoch}")
            if old.queues != new.queues:
                lines.append(f"producer buffer: {_buffer(new)}")
        return lines


def _outcome_text(outcome: str, event: int) -> str:
    if outcome == DROPPED:
        return f"drops e{event} (its transaction is aborting)"
    return f"will retry e{event}" if outcome == "retry" else f"gives up on e{event}"


DROPPED = "dropped"                            # a transactional producer that aborts drops what would be retried


def _buffer(producer) -> str:
    return "[" + ", ".join(f"e{b.record.event}" for q in producer.queues for b in q) + "]"
