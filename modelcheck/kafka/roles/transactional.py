"""The producing application with a transactional producer (`producer.transactional.id` set).

The application writes its events in one transaction: `initTransactions()`, `beginTransaction()`, a
`send` per event, `commitTransaction()`. Its input position (durable) moves past the events only when
the commit succeeds, so after an abort, a crash or a fenced producer it writes them again in a new
transaction, as an application that retries its unit of work does. On the actors layer, after the Java
client's `TransactionManager` and `Sender`:

- `InitsProducer`: InitProducerId to the transaction coordinator (`transaction_coordinator`); the answer
  gives the producer id and epoch, and CONCURRENT_TRANSACTIONS (an older transaction of the same id is
  being aborted) makes it ask again. After an abort whose batches left a sequence gap it asks for an
  epoch bump with its current producer id and epoch (KIP-360), under transaction.version 1;
- `Begins`, then the base class's `Emits` for each event of the transaction;
- `AddsPartition`: before the first batch to a partition goes out, AddPartitionsToTxn; the sender holds
  the partition's batches until it is answered (`TransactionManager.isSendToPartitionAllowed`). Under
  transaction.version 2 (KIP-890 part 2, the Kafka 4.0 client) there is no such step: a send puts the
  partition in the transaction at once (`maybeAddPartition`) and the partition's leader has the
  coordinator add it (`replicas`); an abort then sends EndTxn once anything was sent in the transaction;
- `Commits`: once every event is sent and acknowledged (commitTransaction flushes first), EndTxn(commit);
  the answer commits the input position;
- `transaction.abort` (a budgeted fault of the application: its processing fails and it calls
  `abortTransaction()`), and an abortable error (a batch that failed for good, INVALID_PRODUCER_EPOCH on
  a produce, KIP-588): the batches not sent are dropped (`abortUndrainedBatches`), the abort waits for
  the requests in flight (EndTxn is not sent while batches are incomplete), then EndTxn(abort), unless no
  partition was added (then there is nothing to abort on the brokers). After the abort the transaction
  begins again from the first event not committed;
- a fatal error (PRODUCER_FENCED, INVALID_TXN_STATE): the application closes the producer and creates
  a new one (`RecreatesProducer`), which registers again and so bumps the epoch, as Spring Kafka's
  producer factory does; its input position is kept.
- transaction.version 2 (KIP-890): every EndTxn answer carries the epoch the coordinator bumped to, and
  the producer goes on with it, sequences from 0.

`transactional.id` with `${instance}` gives every incarnation of the application (each restart after a
crash) an id of its own: a new producer id, so nothing fences the old incarnation's transaction; a
stable id is shared by all incarnations. With `producer.instances` above 1 (which needs `${instance}`:
two running applications with one id would fence each other for ever) the applications run their
transactions side by side, each with its own events, ids and producer ids, into the same partitions:
the consumers' isolation from transactions not their own is then checked between concurrent writers.

With `source: dual-write` the application also writes its events to its own database, the system of
record of its position (the unit of work is done once the database has committed it):
- `database.commit: before-kafka`: `CommitsUnit` (the database commits the rows and the position),
  then EndTxn(commit); a crash between the two leaves the rows in the database and the restarted
  producer's initTransactions() aborts the Kafka side;
- `after-kafka`: EndTxn(commit), then the database; a crash between them makes the application do the
  unit again, in Kafka too;
- `transaction.two.phase.commit.enable` (KIP-939): once every record is acknowledged the transaction is
  prepared (KIP-939's prepareTransaction: nothing more may be sent), the database commits the rows with
  the prepared transaction's producer id and epoch, then EndTxn(commit). A restarted producer calls
  initTransactions(keepPreparedTxn=true): the coordinator hands back the transaction still open, and
  the application commits it if its database holds that producer id and epoch, and aborts it otherwise
  (`Recovers`).

For `transaction-atomicity` each record carries an observer's note of the transaction it was sent in
(`Record.written_in`), and the application notes how each of its transactions ended as it was told.

Standby instances (`faults.producer.pause`; the mechanics are `application`'s): a transactional standby
reads where the work stands once it has its producer id, and every instance writes the position after
each commit it is told of. An instance that resumes after a stall goes on with what it was doing, a
zombie, and shuts down (`Stops`) at its first error from the coordinator instead of retrying or
recreating its producer. Without that rule two live
instances under one id would fence each other for ever: initTransactions() retries
CONCURRENT_TRANSACTIONS (until `max.block.ms`) and each retry aborts the other's transaction.

With `source: outbox` the application commits each event's row with its outbox row in its database, as
`application` describes, and the relay publishes in transactions: it begins one with the rows not
marked sent (`Begins` names them), sends them, commits, and once the commit is answered marks them sent
(`MarksSent`); a crash between the two leaves them unmarked, and the restarted relay publishes them again.
Rows committed meanwhile wait for the next transaction.

Left out: several transactions per run of one application (its events are one transaction, unless it
is an outbox relay), `transaction.timeout.ms` as the client sees it (the timeout is the coordinator's:
`transaction_coordinator`), `max.block.ms`, and the crash of an instance that has been replaced (it would only stop
it, as its shutdown does); the consume-transform-produce loop is `transform`.

Sources: the Java client's `KafkaProducer` (initTransactions, beginTransaction, commitTransaction,
abortTransaction), `TransactionManager` (its states, `isSendToPartitionAllowed`, the abortable and
fatal errors, `epochBumpRequired`), `Sender` (no EndTxn while batches are incomplete); KIP-98, KIP-360,
KIP-588 (recovering from an aborted transaction), KIP-890, KIP-939 (participation in two-phase commit);
the source article 000 for "the database commit and the Kafka write as one unit".
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Disconnect, Down, Out, Request, Send
from modelcheck.kafka import producer as producers
from modelcheck.kafka import rpc
from modelcheck.kafka.config import INSTANCE
from modelcheck.kafka.application import key_of
from modelcheck.kafka.records import Record
from modelcheck.kafka.roles.application import (DROPPED, AppMemory, Hears, LearnsPosition, LosesConnection,
                                                LosesPositionRead, ProducingApplication, ReadsPosition)
from modelcheck.kafka.roles.txn_client import (ABORT_SENT, ABORTING, COMMIT_SENT, COMMITTING, COORDINATOR_ANSWERS, DONE,
                                               FATAL, IGNORED, IN_TRANSACTION, INIT, INIT_SENT, PHASE_NAMES, POSITION,
                                               POSITION_SENT, READY, RECORDING, RETRY, STOPPED, TxnClient, answered)
from modelcheck.kafka.roles.txn_client import lost as lost_request



class InitsProducer(NamedTuple):
    transactional_id: int
    bump: bool


class GetsProducerId(NamedTuple):
    error: int
    producer_id: int
    producer_epoch: int


class Begins(NamedTuple):
    first: int
    rows: tuple = ()              # an outbox relay: the rows the transaction publishes


class AddsPartition(NamedTuple):
    partition: int


class LearnsAdded(NamedTuple):
    partition: int
    error: int


class Ends(NamedTuple):
    commit: bool
    sent: bool = True             # False: no partition was added, so there is nothing to end on the brokers


class LearnsEnded(NamedTuple):
    commit: bool
    error: int
    producer_epoch: int


class StartsAbort(NamedTuple):
    why: str


class RecreatesProducer(NamedTuple):
    error: int


class LosesTxnRequest(NamedTuple):
    what: str


class IgnoresAnswer(NamedTuple):
    what: str                     # an answer to a request it no longer waits for


class CommitsUnit(NamedTuple):
    """Dual write in a transaction: the application's database commits the unit's rows."""

    first: int
    last: int
    prepared: bool                # KIP-939: with the prepared Kafka transaction's producer id and epoch


class Recovers(NamedTuple):
    commit: bool                  # KIP-939: what the database's record says of the kept transaction


class Stops(NamedTuple):
    """A replaced instance gets an error from the coordinator (its producer is fenced, or it would have to
    retry) and shuts down."""

    error: int


class TransactionalApplication(ProducingApplication):
    kinds = ProducingApplication.kinds + (InitsProducer, GetsProducerId, Begins, AddsPartition, LearnsAdded, Ends,
                                          LearnsEnded, StartsAbort, RecreatesProducer, LosesTxnRequest, IgnoresAnswer,
                                          CommitsUnit, Recovers, Stops)
    faults = ("transaction.abort",)
    writes_position_on_commit = True

    def __init__(self, config, partitions: tuple[int, ...], first_leaders: tuple[int, ...], coordinator: int,
                 index: int = 0, *, work: int | None = None, name: str | None = None, store: int | None = None,
                 replaces: tuple[int, str] | None = None):
        """`coordinator`: the actor id of the transaction coordinator; the others as `ProducingApplication`'s."""
        super().__init__(config, partitions, first_leaders, index=index, work=work, name=name, store=store,
                         replaces=replaces)
        self.coordinator = coordinator
        self.per_instance = INSTANCE in config.producer.transactional_id
        self.incarnations = 1 + config.faults.producer_crash        # at most, of each application
        self.version = config.cluster.transaction_version
        self.database = config.producer.source == "dual-write"
        self.two_phase = config.producer.transaction_two_phase_commit_enable
        self.database_first = self.two_phase or config.producer.database_commit == "before-kafka"

    def transactional_id(self, durable) -> int:
        """Which of the configuration's transactional ids this incarnation uses: with `${instance}` one per
        application and incarnation, numbered application by application; a stable one is 0."""
        return self.index * self.incarnations + durable.session if self.per_instance else 0

    def _fresh(self, session: int) -> AppMemory:
        return super()._fresh(session)._replace(transaction=TxnClient())

    def exposed(self, fault: str, state) -> bool:
        """A crash or a stall matters while a transaction is under way or a request is out; an abort only
        inside a transaction that has sent something; nothing hits a standby not started yet."""
        if state.durable.standby or state.volatile.stalled:
            return False              # a replaced instance's crash would only stop it, as its shutdown does
        client = state.volatile.transaction
        if fault == "transaction.abort":
            return client.phase == IN_TRANSACTION and self._sent_any(state.durable, client)
        return client.phase not in (INIT, READY) or bool(state.volatile.relay_acked) or super().exposed(fault, state)

    def _may_send(self, memory: AppMemory, partition: int) -> bool:
        client = memory.transaction
        return client.phase == IN_TRANSACTION and partition in client.added

    def _started(self, memory: AppMemory) -> AppMemory:
        """A standby starts with initTransactions(), and reads its position once it has its producer id."""
        return memory

    # -- own steps -----------------------------------------------------------------------------------

    def _application_steps(self, durable, memory):
        if self.source != "outbox":
            return self._transaction_steps(durable, memory)
        return (self._commits_with_outbox(durable, memory) + self._transaction_steps(durable, memory)
                + self._marks_sent(durable, memory))

    def _transaction_steps(self, durable, memory):
        """The producer's part: initTransactions(), then a transaction at a time."""
        client = memory.transaction
        phase = client.phase
        if phase == POSITION:
            return [Out(ReadsPosition(self.work), ActorState(durable, _with(memory, phase=POSITION_SENT)),
                        (Request(self.store, rpc.PositionRead(self.work)),))]
        if phase == INIT:
            txn = self.transactional_id(durable)
            producer = memory.producer
            request = rpc.InitProducerIdRequest(txn, producer.session, producer.producer_epoch) if client.bump \
                else rpc.InitProducerIdRequest(txn, keep_prepared=self.two_phase)
            return [Out(InitsProducer(txn, client.bump), ActorState(durable, _with(memory, phase=INIT_SENT)),
                        (Request(self.coordinator, request),))]
        if phase == READY and self.source == "outbox":
            rows = tuple(sorted(durable.outbox - memory.relay_acked))
            if not rows:
                return []
            begun = _with(memory, phase=IN_TRANSACTION, next_event=rows[0], rows=rows, added=(), adding=(),
                          database_done=False)
            return [Out(Begins(rows[0], rows), ActorState(durable._replace(transactions=durable.transactions + 1),
                                                          begun))]
        if phase == READY:
            if durable.next_event > self.last_event:
                return []
            begun = _with(memory, phase=IN_TRANSACTION, next_event=durable.next_event, added=(), adding=(),
                          database_done=False)
            return [Out(Begins(durable.next_event), ActorState(durable._replace(transactions=durable.transactions + 1),
                                                               begun))]
        if phase == IN_TRANSACTION:
            return self._in_transaction(durable, memory)
        if phase == RECORDING:        # after-kafka: the database commits once Kafka has
            return [self._commits_unit(durable, memory, READY)]
        if phase in (COMMITTING, ABORTING):
            commit = phase == COMMITTING
            if not commit and (memory.producer.in_flight or client.adding):
                return []             # EndTxn waits for the batches and AddPartitionsToTxn in flight
            if commit and not producers.is_idle(memory.producer):
                return []
            if not client.added and not client.recovering:   # nothing reached the brokers: nothing to end there
                return [Out(Ends(commit, sent=False), ActorState(durable, self._after_abort(memory)))]
            producer = memory.producer
            request = rpc.EndTxnRequest(self.transactional_id(durable), producer.session, producer.producer_epoch, commit)
            return [Out(Ends(commit), ActorState(durable, _with(memory, phase=COMMIT_SENT if commit else ABORT_SENT)),
                        (Request(self.coordinator, request),))]
        return []

    def _in_transaction(self, durable, memory) -> list[Out]:
        client = memory.transaction
        out = []
        event = self._next_to_send(client)
        if event is not None:
            emitted = self._emits(durable, _with(memory, next_event=event + 1), event, relay=bool(client.rows))
            out.extend(emitted if self.version < 2 else map(_in_transaction_at_once, emitted))
        producer = memory.producer
        for partition, queue in enumerate(producer.queues):
            if self.version < 2 and queue and partition not in client.added and partition not in client.adding:
                request = rpc.AddPartitionsToTxnRequest(self.transactional_id(durable), producer.session,
                                                        producer.producer_epoch, partition)
                adding = _with(memory, adding=tuple(sorted(client.adding + (partition,))))
                out.append(Out(AddsPartition(partition), ActorState(durable, adding),
                               (Request(self.coordinator, request),)))
        if event is None and producers.is_idle(producer) and client.added:
            if self.database and self.database_first and not client.database_done:
                out.append(self._commits_unit(durable, memory, IN_TRANSACTION))
            else:
                out.extend(self._transaction_steps(durable, _with(memory, phase=COMMITTING)))   # commitTransaction()
        if self._sent_any(durable, client):
            out.append(Out(StartsAbort("the application aborts"), ActorState(durable, self._aborting(memory)),
                           fault="transaction.abort"))
        return out

    def _next_to_send(self, client) -> int | None:
        """The next event the transaction sends, or None once it has sent them all: the application's next
        events in turn, or an outbox relay's rows."""
        if client.rows:
            return next((row for row in client.rows if row >= client.next_event), None)
        return client.next_event if client.next_event <= self.last_event else None

    @staticmethod
    def _sent_any(durable, client) -> bool:
        """Whether the transaction under way has sent something."""
        first = client.rows[0] if client.rows else durable.next_event
        return client.next_event > first

    def _record(self, durable, event: int) -> Record:
        return Record(event, key_of(self.config, event), written_in=(self.name, durable.transactions))

    def _commits_unit(self, durable, memory: AppMemory, phase: int) -> Out:
        """The database commits the unit's rows, and with them the application's position (the database is
        its system of record) and, with two-phase commit, the prepared transaction's id and epoch."""
        client = memory.transaction
        first, last = durable.next_event, client.next_event - 1
        producer = memory.producer
        prepared = (producer.session, producer.producer_epoch) if self.two_phase else ()
        durable = durable._replace(database=durable.database | set(range(first, last + 1)),
                                   next_event=client.next_event, prepared=prepared)
        return Out(CommitsUnit(first, last, self.two_phase),
                   ActorState(durable, _with(memory, phase=phase, database_done=True)))

    def _aborting(self, memory: AppMemory) -> AppMemory:
        """abortTransaction(): the batches not sent are dropped; a dropped batch that had been sent before
        (a retry) leaves a sequence gap, which transaction.version 1 closes with an epoch bump."""
        producer = memory.producer
        gap = any(batch.record.sequence >= 0 for queue in producer.queues for batch in queue)
        client = memory.transaction
        return memory._replace(producer=producer._replace(queues=((),) * len(producer.queues)),
                               transaction=client._replace(phase=ABORTING, bump=client.bump or gap and self.version < 2))

    def _after_abort(self, memory: AppMemory) -> AppMemory:
        client = memory.transaction
        phase = INIT if client.bump else READY
        return memory._replace(transaction=client._replace(phase=phase, added=(), adding=(), database_done=False,
                                                           recovering=False))

    def _gave_up(self, memory: AppMemory, event: int) -> AppMemory:
        """A batch failed for good: an abortable error; its sequence is a gap (transaction.version 1 bumps
        the epoch after the abort)."""
        memory = self._aborting(memory)
        if self.version < 2:
            memory = _with(memory, bump=True)
        return memory

    def _recreated(self, state, error: int) -> Out:
        """close() on the fenced producer closes its connections (the answers still on their way are
        dropped); the new producer opens its own. An instance that knows it has been replaced shuts down
        instead (`Stops`), at this or at any other error of the coordinator's."""
        durable, memory = state
        closes = tuple(Disconnect(actor) for actor in self.partitions + (self.coordinator,))
        if memory.stalled:            # it gives up at its first failure rather than retrying
            stopped = self._fresh(durable.session)
            stopped = stopped._replace(transaction=stopped.transaction._replace(phase=STOPPED), stalled=True)
            return Out(Stops(error), ActorState(durable, stopped), closes)
        return Out(RecreatesProducer(error), ActorState(durable, self._fresh(durable.session)), closes)

    # -- answers -------------------------------------------------------------------------------------

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        durable, memory = state
        client = memory.transaction
        if kind is Down:
            return [self._noticed(state, message)]
        if kind is rpc.PositionIs:
            if client.phase != POSITION_SENT:
                return [Out(IgnoresAnswer("Position"), state)]
            return [Out(LearnsPosition(message.next_event), ActorState(durable._replace(next_event=message.next_event),
                                                                       _with(memory, phase=READY)))]
        if kind in COORDINATOR_ANSWERS:
            verdict, client, producer = answered(client, memory.producer, message, self.version)
            if verdict == IGNORED:
                return [Out(IgnoresAnswer(kind.__name__), state)]
            if verdict == FATAL or verdict == RETRY and memory.stalled:
                return [self._recreated(state, message.error)]
            memory = memory._replace(transaction=client, producer=producer)
            if kind is rpc.InitProducerIdResponse:
                if verdict == DONE and message.ongoing:   # KIP-939: the database's record decides
                    commit = durable.prepared == (message.producer_id, message.ongoing_epoch)
                    client = TxnClient(COMMITTING if commit else ABORTING, recovering=True)
                    return [Out(Recovers(commit), ActorState(_told(durable, commit),
                                                             memory._replace(transaction=client)))]
                what = GetsProducerId(message.error, message.producer_id, message.producer_epoch)
                if verdict == DONE and self.replaces is not None:     # a standby: where does the work stand?
                    memory = _with(memory, phase=POSITION)
                return [Out(what, ActorState(durable, memory))]
            if kind is rpc.AddPartitionsToTxnResponse:
                return [Out(LearnsAdded(message.partition, message.error), ActorState(durable, memory))]
            commit = message.commit
            what = LearnsEnded(commit, message.error, message.producer_epoch)
            if verdict == RETRY:
                return [Out(what, ActorState(durable, memory))]
            durable = _told(durable, commit)
            if commit and self.database and not self.database_first and not client.recovering:
                return [Out(what, ActorState(durable, _with(memory, phase=RECORDING, added=(), adding=())))]
            if commit:
                position = durable.next_event if self.database or client.recovering else client.next_event
                done = _with(memory, phase=READY, added=(), adding=(), database_done=False, recovering=False, rows=())
                if client.rows:       # the relay may mark the transaction's rows sent
                    done = done._replace(relay_acked=done.relay_acked | set(client.rows))
                recorded = (Send(self.store, rpc.PositionWrite(self.work, position)),) if self.store is not None else ()
                return [Out(what, ActorState(durable._replace(next_event=position, prepared=()), done), recorded)]
            return [Out(what, ActorState(durable, self._after_abort(memory)))]
        if kind is rpc.ProduceResponse and response_fences(message) and client.phase in (IN_TRANSACTION, COMMITTING):
            return [self._aborted_by_error(state, message)]
        return [self._dropping_when_aborting(out) for out in super().receive(state, envelope)]

    def _aborted_by_error(self, state, response) -> Out:
        """INVALID_PRODUCER_EPOCH or INVALID_TXN_STATE on a produce: the transaction cannot go on
        (abortable, KIP-588, KIP-890)."""
        durable, memory = state
        producer = memory.producer
        index = producers.in_flight_index(producer, response.partition, response.event)
        if index is not None:
            producer = producers.without(producer, index)
        return Out(StartsAbort(rpc.ERROR_NAMES[response.error]),
                   ActorState(durable, self._aborting(memory._replace(producer=producer))))

    def _dropping_when_aborting(self, out: Out) -> Out:
        """While aborting, a batch put back for a retry is dropped instead; it had been sent, so its
        sequence is a gap (transaction.version 1 bumps the epoch after the abort, KIP-360)."""
        memory = out.state.volatile
        if memory.transaction.phase not in (ABORTING, ABORT_SENT) or not any(memory.producer.queues):
            return out
        producer = memory.producer._replace(queues=((),) * len(memory.producer.queues))
        memory = memory._replace(producer=producer)
        if self.version < 2:
            memory = _with(memory, bump=True)
        what = out.what
        if type(what) is LosesConnection:
            what = what._replace(outcomes=tuple(DROPPED if o == "retry" else o for o in what.outcomes))
        elif type(what) is Hears and what.outcome == "retry":
            what = what._replace(outcome=DROPPED)
        return out._replace(what=what, state=ActorState(out.state.durable, memory))

    def failed(self, state, link, requests):
        if link.acceptor == self.store:
            durable, memory = state
            if memory.transaction.phase != POSITION_SENT:
                return []
            return [Out(LosesPositionRead(self.work), ActorState(durable, _with(memory, phase=POSITION)))]
        if link.acceptor != self.coordinator:
            return [self._dropping_when_aborting(out) for out in super().failed(state, link, requests)]
        durable, memory = state
        client = memory.transaction
        lost = []
        for request in requests:
            after = lost_request(client, request)
            if after is None:
                continue
            client = after
            lost.append(type(request).__name__.removesuffix("Request"))
        if not lost:
            return []
        return [Out(LosesTxnRequest(", ".join(lost)), ActorState(durable, memory._replace(transaction=client)))]

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is InitsProducer:
            return "asks the coordinator to bump its epoch" if what.bump else \
                f"initTransactions(): InitProducerId for transactional id {what.transactional_id}"
        if kind is GetsProducerId:
            if what.error == rpc.NONE:
                return f"gets producer id {what.producer_id}, epoch {what.producer_epoch}"
            return f"gets {rpc.ERROR_NAMES[what.error]}; will ask again"
        if kind is Begins:
            if what.rows:
                return "relay: beginTransaction() for the outbox rows " + ", ".join(f"e{row}" for row in what.rows)
            return f"beginTransaction() for e{what.first}..e{self.last_event}"
        if kind is AddsPartition:
            return f"adds p{what.partition} to its transaction (AddPartitionsToTxn)"
        if kind is LearnsAdded:
            if what.error == rpc.NONE:
                return f"learns p{what.partition} is in the transaction"
            return f"gets {rpc.ERROR_NAMES[what.error]} adding p{what.partition}; will ask again"
        if kind is StartsAbort:
            return f"abortTransaction() ({what.why}): drops the records not sent"
        if kind is Ends:
            if what.commit:
                return "commitTransaction(): every record is acknowledged; sends EndTxn(commit)"
            if not what.sent:
                return "ends the aborted transaction locally (no partition was added)"
            return "sends EndTxn(abort)"
        if kind is LearnsEnded:
            verb = "commit" if what.commit else "abort"
            if what.error == rpc.NONE:
                epoch = f"; producer epoch now {what.producer_epoch}" if self.version >= 2 else ""
                return f"learns the {verb} succeeded{epoch}"
            return f"gets {rpc.ERROR_NAMES[what.error]} for its {verb}; will send it again"
        if kind is RecreatesProducer:
            return f"gets {rpc.ERROR_NAMES[what.error]} (fatal): closes the producer and creates a new one"
        if kind is CommitsUnit:
            events = f"e{what.first}" if what.first == what.last else f"e{what.first}..e{what.last}"
            prepared = " with the prepared transaction's producer id and epoch (KIP-939)" if what.prepared else ""
            return f"commits {events} to its database{prepared}"
        if kind is Recovers:
            decided = "committed the rows, so it commits" if what.commit else "has no record of it, so it aborts"
            return f"finds its prepared transaction kept: the database {decided} the transaction"
        if kind is IgnoresAnswer:
            return f"ignores a {what.what} it no longer waits for"
        if kind is Stops:
            return f"gets {rpc.ERROR_NAMES[what.error]}: it knows it has been replaced, so it shuts down"
        if kind is LosesTxnRequest:
            return f"loses the connection to the coordinator; will send {what.what} again"
        return super().describe(what)

    def describe_state(self, state) -> str:
        text = super().describe_state(state)
        memory = state.volatile
        if memory is None:
            return text
        client = memory.transaction
        producer = memory.producer
        return (f"{text}, {PHASE_NAMES[client.phase]}, producer epoch {producer.producer_epoch}"
                + (f", transaction partitions {list(client.added)}" if client.added else ""))


def _told(durable, committed: bool):
    """The application learns how its current transaction ended (an observer's record)."""
    return durable._replace(outcomes=durable.outcomes | {(durable.transactions, committed)})


def response_fences(response) -> bool:
    """Whether a produce answer ends the transaction: INVALID_PRODUCER_EPOCH, and KIP-890's
    INVALID_TXN_STATE (the partition is not in an ongoing transaction); both are abortable errors for
    the Java client (`TransactionManager.maybeTransitionToErrorState`)."""
    return response.error in (rpc.INVALID_PRODUCER_EPOCH, rpc.INVALID_TXN_STATE)


def _in_transaction_at_once(out: Out) -> Out:
    """transaction.version 2: the partition an event went to is in the transaction as soon as it is sent
    (the Kafka 4.0 client's `maybeAddPartition`; its leader has the coordinator add it)."""
    memory = out.state.volatile
    added = tuple(sorted(set(memory.transaction.added) | {out.what.partition}))
    return out._replace(state=ActorState(out.state.durable, _with(memory, added=added)))


def _with(memory: AppMemory, **changes) -> AppMemory:
    return memory._replace(transaction=memory.transaction._replace(**changes))
