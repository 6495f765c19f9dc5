"""A consume-transform-produce application with a transactional producer: Kafka's exactly-once loop.

With `sink.type: topic` and `consumer.commit: transactional` (or `transactional-legacy`) each consumer
instance is such an application, after the Java client and KIP-98 / KIP-447:

    producer.initTransactions()
    loop:
        records = consumer.poll()
        producer.beginTransaction()
        for record in records: producer.send(output topic, transform(record))
        producer.sendOffsetsToTransaction(offsets after the records, consumer.groupMetadata())
        producer.commitTransaction()
        on an abort: producer.abortTransaction(), then (on-abort: rewind) seek back to the committed offsets

- It is a `Consumer` (membership, positions, fetches, rejoins, stalls) whose batch, instead of going to
  a sink, goes through a transaction: `Begins` puts the batch's results in the producer's queue for the
  output partition; `AddsPartition` (AddPartitionsToTxn) before the first send; the base producer's
  `Sends` and answers; once all are acknowledged, `AddsOffsets` (AddOffsetsToTxn: the group's offsets
  join the transaction) and `SendsOffsets` (TxnOffsetCommit to the group coordinator, which keeps them
  pending until the transaction's marker); then `Ends` (EndTxn(commit)). Its position moves when it
  fetches, as any consumer's does; the committed offset moves only with the transaction's COMMIT marker.
  Under transaction.version 2 (KIP-890 part 2, the Kafka 4.0 client) there is neither `AddsPartition`
  nor `AddsOffsets`: the output partition's leader and the group coordinator have the coordinator add
  the partition and the offsets (`replicas`, `group_coordinator`), and a TxnOffsetCommit answered with a
  retriable error (CONCURRENT_TRANSACTIONS, NETWORK_EXCEPTION) is sent again.
- `commit: transactional` sends the consumer's group metadata (KIP-447), so the group coordinator refuses
  the offsets of a member of an older generation (ILLEGAL_GENERATION: the Java client's
  CommitFailedException, abortable): a zombie cannot commit. `transactional-legacy` passes only the
  group id (`sendOffsetsToTransaction(offsets, groupId)`, removed in Kafka 4.0 by KAFKA-12690; a
  `ConsumerGroupMetadata` built from the group id alone still sends only that): only the producer epoch
  fences it, which needs the zombie and its replacement to share a transactional.id.
- An abort (the `transaction.abort` fault, an abortable error): the results not sent are dropped, the
  abort waits for requests in flight, EndTxn(abort). Then `on-abort: rewind` seeks every owned
  partition back to its committed offset (re-fetched: the committed offset is where the aborted batch
  began); `continue` does not, and the consumer goes on after the aborted batch, whose input is never
  processed again: the Java client does not rewind by itself (KAFKA-17582).
- A crash: the restarted instance calls initTransactions() again: with a stable transactional.id that
  fences its predecessor's epoch and aborts its open transaction; it then fetches its committed offsets,
  which the group coordinator holds back (UNSTABLE_OFFSET_COMMIT) while a transaction's offsets are
  pending. A fatal error (PRODUCER_FENCED): the instance closes its producer, creates a new one, drops
  its batch and rejoins the group (`Stops`), as Kafka Streams does with a fenced producer.
- transactional.id: one stable id for every instance and incarnation, or with `${instance}` one per
  consumer instance and incarnation (`ids`).

The downstream reader of the output topic is the properties' view of that topic
(`roles.system`), with `consumer.isolation.level`: read_committed takes the committed records below the
last stable offset, read_uncommitted every record below the high watermark.

Left out: several output partitions, a poll that spans several input partitions, the output topic's
own consumers as actors (the view above stands for them), KIP-890 part 1 verification of the offsets
under transaction.version 1 (the group coordinator does not verify them; the output partition's leader
does).

Sources: KIP-98 (transactions, sendOffsetsToTransaction), KIP-447 (producer scalability for exactly
once: group metadata fencing, UNSTABLE_OFFSET_COMMIT), KIP-890 (no AddOffsetsToTxn under
transaction.version 2), KAFKA-17582 (no automatic rewind after an abort);
the Java client's `KafkaProducer.sendOffsetsToTransaction`, `TransactionManager` (AddOffsetsToTxn,
TxnOffsetCommit handlers), the broker's `GroupCoordinator.handleTxnCommitOffsets`.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Out, Request
from modelcheck.kafka import producer as producers
from modelcheck.kafka import rpc
from modelcheck.kafka.config import INSTANCE
from modelcheck.kafka.application import key_of
from modelcheck.kafka.producer import InFlight
from modelcheck.kafka.records import Record
from modelcheck.kafka.roles import leaders as routing
from modelcheck.kafka.roles.consumer import UNKNOWN, Consumer, ConsumerMemory, Retries
from modelcheck.kafka.roles.txn_client import (ABORT_SENT, ABORTING, COMMIT_SENT, COMMITTING, COORDINATOR_ANSWERS, DONE,
                                               FATAL, IGNORED, IN_TRANSACTION, INIT, INIT_SENT, PHASE_NAMES,
                                               READY, RETRY, TxnClient, answered)
from modelcheck.kafka.roles.txn_client import lost as lost_request

# Where sendOffsetsToTransaction stands in the current transaction.
NOT_SENT, ADDING, ADDED, COMMITTING_OFFSETS, OFFSETS_SENT = range(5)


class Transform(NamedTuple):
    client: TxnClient
    producer: producers.Producer          # its queue for the output partition
    route: routing.Leader                 # where the output partition leads, as it knows
    offsets: int = NOT_SENT


class InitsProducer(NamedTuple):
    transactional_id: int


class GetsProducerId(NamedTuple):
    error: int
    producer_id: int
    producer_epoch: int


class Begins(NamedTuple):
    events: tuple


class AddsPartition(NamedTuple):
    pass


class AddsOffsets(NamedTuple):
    pass


class SendsOffsets(NamedTuple):
    partition: int
    offset: int
    generation: int


class Sends(NamedTuple):
    event: int
    attempt: int
    sequence: int


class IgnoresAnswer(NamedTuple):
    answer: str                           # the kind of answer (its class name) it no longer waits for
    event: int = 0                        # for a produce answer, its event


class AsksOutputLeader(NamedTuple):
    pass


class LearnsOutputLeader(NamedTuple):
    leader: int


PARTITION, OFFSETS, OFFSETS_SENT_IN_TXN = range(3)


class LearnsInTransaction(NamedTuple):
    what: int                             # PARTITION, OFFSETS (AddOffsetsToTxn) or OFFSETS_SENT_IN_TXN
    error: int                            # NONE, or the error that makes it ask again


class HearsProduce(NamedTuple):
    event: int
    error: int                            # NONE: acknowledged; otherwise it will retry


class Ends(NamedTuple):
    commit: bool
    sent: bool = True


class LearnsEnded(NamedTuple):
    commit: bool
    error: int
    rewinds: bool = False


class StartsAbort(NamedTuple):
    why: str


class Stops(NamedTuple):
    error: int


class TransformingConsumer(Consumer):
    kinds = Consumer.kinds + (InitsProducer, GetsProducerId, Begins, AddsPartition, AddsOffsets, SendsOffsets, Sends,
                              IgnoresAnswer, AsksOutputLeader, LearnsOutputLeader, LearnsInTransaction, HearsProduce,
                              Ends, LearnsEnded, StartsAbort, Stops)
    faults = ("transaction.abort",)

    def __init__(self, index: int, config, owned, leaders, coordinator, sink, first_leaders, member: bool = True, *,
                 transaction_coordinator: int, output: int, output_index: int, output_leader: int):
        super().__init__(index, config, owned, leaders, coordinator, sink, first_leaders, member)
        self.transaction_coordinator = transaction_coordinator
        self.output = output                          # the output partition's actor id
        self.out = output_index                       # its index in the producer's queues
        self.output_leader = output_leader
        self.config = config
        self.legacy = config.consumer.commit == "transactional-legacy"
        self.rewind = config.consumer.on_abort == "rewind"
        self.version = config.cluster.transaction_version
        self.per_instance = INSTANCE in config.producer.transactional_id
        self.incarnations = 1 + config.faults.consumer_crash

    @property
    def _offsets_unsent(self) -> int:
        """Where a TxnOffsetCommit to send again leaves the offsets: added (AddOffsetsToTxn was answered),
        or under transaction.version 2, which has no AddOffsetsToTxn, not sent."""
        return NOT_SENT if self.version >= 2 else ADDED

    def transactional_id(self, durable) -> int:
        """Its transactional id: 0 when stable, else one per instance and incarnation."""
        if not self.per_instance:
            return 0
        return self.index * self.incarnations + min(durable.incarnation, self.incarnations - 1)

    def _fresh(self, rejoin: bool = False) -> ConsumerMemory:
        memory = super()._fresh(rejoin)
        producer = producers.Producer(session=-1, producer_epoch=0, next_sequence=(0,) * (self.out + 1),
                                      queues=((),) * (self.out + 1), transactional=True)
        return memory._replace(transform=Transform(TxnClient(), producer, routing.Leader(self.output_leader, 0)))

    def restart(self, durable) -> ActorState:
        state = super().restart(durable)
        if self.per_instance:
            state = ActorState(durable._replace(incarnation=durable.incarnation + 1), state.volatile)
        return state

    def exposed(self, fault: str, state) -> bool:
        memory = state.volatile
        transform = memory.transform
        if fault == "transaction.abort":
            return transform.client.phase == IN_TRANSACTION
        if transform.client.phase not in (INIT, READY):
            return True
        return super().exposed(fault, state)

    # -- own steps -----------------------------------------------------------------------------------

    def steps(self, state):
        membership, memory = state
        transform = memory.transform
        if membership.generation == 0 and not memory.rejoin:
            return []
        phase = transform.client.phase
        if phase in (INIT, INIT_SENT) and (memory.rejoin or memory.joining or not membership.partitions):
            return super().steps(state)   # it (re)joins first: an instance left without partitions stays idle
        if phase == INIT:             # initTransactions() before its first poll
            txn = self.transactional_id(membership)
            client = transform.client._replace(phase=INIT_SENT)
            producer = transform.producer
            request = rpc.InitProducerIdRequest(txn, producer.session, producer.producer_epoch) \
                if transform.client.bump else rpc.InitProducerIdRequest(txn)   # KIP-360: it names itself
            return [Out(InitsProducer(txn), _with(state, client=client),
                        (Request(self.transaction_coordinator, request),))]
        if phase == INIT_SENT:
            return []
        return super().steps(state)

    def _work_on(self, state, batch) -> list[Out]:
        membership, memory = state
        transform = memory.transform
        client = transform.client
        producer = transform.producer
        phase = client.phase
        if phase == READY:
            membership = membership._replace(transactions=membership.transactions + 1)
            queued = producer
            for event in batch.events:
                record = Record(event, key_of(self.config, event), written_in=(self.name, membership.transactions))
                queued = producers.enqueue(queued, self.out, record)
            # transaction.version 2: the output partition is in the transaction as soon as records are sent
            # to it (`maybeAddPartition`); its leader has the coordinator add it (KIP-890 part 2)
            added = (self.out,) if self.version >= 2 else ()
            begun = _with(ActorState(membership, memory), client=client._replace(phase=IN_TRANSACTION, added=added),
                          producer=queued)
            return [Out(Begins(batch.events), begun)]
        txn = self.transactional_id(membership)
        if phase == IN_TRANSACTION:
            out = []
            queue = producer.queues[self.out]
            if queue and self.out not in client.added + client.adding:
                request = rpc.AddPartitionsToTxnRequest(txn, producer.session, producer.producer_epoch, self.out)
                out.append(Out(AddsPartition(), _with(state, client=client._replace(adding=(self.out,))),
                               (Request(self.transaction_coordinator, request),)))
            out.extend(self._sends(state))
            if producers.is_idle(producer) and transform.offsets == NOT_SENT and self.version < 2:
                request = rpc.AddOffsetsToTxnRequest(txn, producer.session, producer.producer_epoch)
                out.append(Out(AddsOffsets(), _with(state, offsets=ADDING), (Request(self.transaction_coordinator,
                                                                                      request),)))
            if transform.offsets == ADDED or (self.version >= 2 and transform.offsets == NOT_SENT
                                              and producers.is_idle(producer)):
                # transaction.version 2: no AddOffsetsToTxn, the group coordinator adds the offsets itself
                generation = -1 if self.legacy else membership.generation
                request = rpc.TxnOffsetCommitRequest(producer.session, producer.producer_epoch, self.index, generation,
                                                     ((batch.partition, batch.end),))
                out.append(Out(SendsOffsets(batch.partition, batch.end, generation),
                               _with(state, offsets=COMMITTING_OFFSETS), (Request(self.coordinator, request),)))
            if transform.offsets == OFFSETS_SENT:
                out.append(self._end(state, txn, commit=True))
            out.append(Out(StartsAbort("the application aborts"), self._aborting(state), fault="transaction.abort"))
            return out
        if phase == COMMITTING:
            return [self._end(state, txn, commit=True)]
        if phase == ABORTING:
            if producer.in_flight or client.adding or transform.offsets in (ADDING, COMMITTING_OFFSETS):
                return []             # EndTxn waits for what is in flight
            if not client.added and transform.offsets == NOT_SENT:
                return [Out(Ends(False, sent=False), self._after_abort(state))]
            return [self._end(state, txn, commit=False)]
        return []

    def _sends(self, state) -> list[Out]:
        transform = state.volatile.transform
        producer, route = transform.producer, transform.route
        out = []
        if routing.needs_asking(route) and producer.queues[self.out]:
            asked = route._replace(refresh=routing.ASKING)
            out.append(Out(AsksOutputLeader(), _with(state, route=asked),
                           (Request(self.output, rpc.MetadataRequest()),)))
        if self.out not in transform.client.added or not routing.usable(route) \
                or not producers.can_send_head(self.config, producer, self.out) \
                or producers.in_flight_to(producer, route.broker) >= self.config.producer.max_in_flight:
            return out
        taken, batch = producers.take_head(self.config, producer, self.out)
        flying = taken._replace(in_flight=taken.in_flight + (InFlight(route.broker, batch),))
        request = rpc.ProduceRequest(self.out, batch.record, batch.attempts, route.leader_epoch)
        out.append(Out(Sends(batch.record.event, batch.attempts, batch.record.sequence), _with(state, producer=flying),
                       (Request(self.output, request),)))
        return out

    def _end(self, state, txn: int, commit: bool) -> Out:
        producer = state.volatile.transform.producer
        request = rpc.EndTxnRequest(txn, producer.session, producer.producer_epoch, commit)
        client = state.volatile.transform.client._replace(phase=COMMIT_SENT if commit else ABORT_SENT)
        return Out(Ends(commit), _with(state, client=client), (Request(self.transaction_coordinator, request),))

    def _aborting(self, state, bump: bool = False) -> ActorState:
        """abortTransaction(): the results not sent are dropped (a dropped retry is a sequence gap, which
        transaction.version 1 closes with an epoch bump after the abort)."""
        transform = state.volatile.transform
        producer = transform.producer
        gap = bump or any(batch.record.sequence >= 0 for queue in producer.queues for batch in queue)
        client = transform.client._replace(phase=ABORTING, bump=transform.client.bump or (gap and self.version < 2))
        return _with(state, client=client, producer=producer._replace(queues=((),) * len(producer.queues)))

    def _after_abort(self, state) -> ActorState:
        """The abort is done: the batch is dropped and, with on-abort: rewind, every owned partition goes
        back to its committed offset."""
        membership, memory = state
        transform = memory.transform
        client = transform.client._replace(phase=INIT if transform.client.bump else READY, added=(), adding=())
        memory = memory._replace(batch=None, transform=transform._replace(client=client, offsets=NOT_SENT))
        if self.rewind:
            memory, _abandon = self._abandon_fetches(memory)
            positions = tuple(UNKNOWN if p in membership.partitions else position
                              for p, position in enumerate(memory.positions))
            memory = memory._replace(positions=positions)
        return ActorState(membership, memory)

    def _stopped(self, state, error: int) -> Out:
        """A fatal error (PRODUCER_FENCED): the application closes its producer and creates a new one,
        drops its batch and rejoins the group, to start again from the committed offsets (as Kafka
        Streams handles a fenced producer: TaskMigratedException)."""
        membership, memory = state
        memory, abandon = self._abandon_fetches(memory)
        return Out(Stops(error), ActorState(membership, self._fresh(rejoin=True)._replace(routes=memory.routes)),
                   abandon)

    # -- answers -------------------------------------------------------------------------------------

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        membership, memory = state
        transform = memory.transform
        if kind in COORDINATOR_ANSWERS:
            return [self._coordinator_answer(state, message)]
        if kind is rpc.AddOffsetsToTxnResponse:
            if transform.offsets != ADDING:
                return [Out(IgnoresAnswer("AddOffsetsToTxn"), state)]
            if message.error == rpc.PRODUCER_FENCED:
                return [self._stopped(state, message.error)]
            offsets = ADDED if message.error == rpc.NONE else NOT_SENT
            return [Out(LearnsInTransaction(OFFSETS, message.error), _with(state, offsets=offsets))]
        if kind is rpc.TxnOffsetCommitResponse:
            if transform.offsets != COMMITTING_OFFSETS:
                return [Out(IgnoresAnswer("TxnOffsetCommit"), state)]
            if message.error == rpc.NONE:
                return [Out(LearnsInTransaction(OFFSETS_SENT_IN_TXN, rpc.NONE), _with(state, offsets=OFFSETS_SENT))]
            if message.error == rpc.PRODUCER_FENCED:
                return [self._stopped(state, message.error)]
            if message.error in (rpc.CONCURRENT_TRANSACTIONS, rpc.NETWORK_EXCEPTION):   # retriable: sent again
                return [Out(LearnsInTransaction(OFFSETS_SENT_IN_TXN, message.error),
                            _with(state, offsets=self._offsets_unsent))]
            aborting = self._aborting(_with(state, offsets=ADDED))      # CommitFailedException: abort, rejoin
            return [Out(StartsAbort(f"its offsets were refused: {rpc.ERROR_NAMES[message.error]}"),
                        ActorState(membership, aborting.volatile._replace(rejoin=True)))]
        if kind is rpc.MetadataResponse and envelope.src == self.output:
            if transform.route.refresh != routing.ASKING:
                return [Out(IgnoresAnswer("Metadata"), state)]
            route = routing.Leader(message.leader, message.leader_epoch)
            return [Out(LearnsOutputLeader(message.leader),
                        _with(state, route=route))]
        if kind is rpc.ProduceResponse and envelope.src == self.output:
            return [self._produce_answer(state, message)]
        return super().receive(state, envelope)

    def _coordinator_answer(self, state, message) -> Out:
        """InitProducerId, AddPartitionsToTxn and EndTxn answers (`txn_client.answered`), then what this
        application does next: poll after initTransactions(), send after the partition is added, drop
        the batch after the commit, rewind (or not) after the abort."""
        kind = type(message)
        membership, memory = state
        transform = memory.transform
        verdict, client, producer = answered(transform.client, transform.producer, message, self.version)
        if verdict == IGNORED:
            return Out(IgnoresAnswer(kind.__name__.removesuffix("Response")), state)
        if verdict == FATAL:
            return self._stopped(state, message.error)
        state = _with(state, client=client, producer=producer)
        if kind is rpc.InitProducerIdResponse:
            return Out(GetsProducerId(message.error, message.producer_id, message.producer_epoch), state)
        if kind is rpc.AddPartitionsToTxnResponse:
            return Out(LearnsInTransaction(PARTITION, message.error if verdict != DONE else rpc.NONE), state)
        commit = message.commit
        if verdict == RETRY:
            return Out(LearnsEnded(commit, message.error), state)
        membership = membership._replace(outcomes=membership.outcomes | {(membership.transactions, commit)})
        state = ActorState(membership, state.volatile)
        if commit:
            done = _with(state, client=client._replace(phase=READY, added=(), adding=()), offsets=NOT_SENT)
            return Out(LearnsEnded(True, rpc.NONE), ActorState(membership, done.volatile._replace(batch=None)))
        return Out(LearnsEnded(False, rpc.NONE, self.rewind), self._after_abort(state))

    def _produce_answer(self, state, response) -> Out:
        transform = state.volatile.transform
        producer = transform.producer
        index = producers.in_flight_index(producer, self.out, response.event)
        if index is None:
            return Out(IgnoresAnswer("Produce", response.event), state)
        batch = producer.in_flight[index].batch
        producer = producers.without(producer, index)
        if response.error == rpc.NONE:
            return Out(HearsProduce(response.event, rpc.NONE),
                       _with(state, producer=producer))
        if response.error in (rpc.INVALID_PRODUCER_EPOCH, rpc.INVALID_TXN_STATE):   # abortable (KIP-588, KIP-890)
            return Out(StartsAbort(rpc.ERROR_NAMES[response.error]), self._aborting(_with(state, producer=producer)))
        producer, gave_up = producers.retry_or_fail(self.config, producer, batch, rpc.ERROR_NAMES[response.error])
        route = transform.route
        if response.error == rpc.NOT_LEADER_OR_FOLLOWER:
            route = routing.Leader(response.leader, response.leader_epoch)
        elif response.error == rpc.NETWORK_EXCEPTION:
            route = route._replace(refresh=routing.STALE)
        after = _with(state, producer=producer, route=route)
        if gave_up or transform.client.phase in (ABORTING, ABORT_SENT):
            return Out(StartsAbort(f"e{response.event} failed: {rpc.ERROR_NAMES[response.error]}"),
                       self._aborting(after, bump=True))
        return Out(HearsProduce(response.event, response.error),
                   after)

    def failed(self, state, link, requests):
        membership, memory = state
        transform = memory.transform
        client, offsets, producer, route = transform.client, transform.offsets, transform.producer, transform.route
        what, rest, abort = [], [], False
        for request in requests:
            kind = type(request)
            after = lost_request(client, request)
            if after is not None:
                client = after
            elif kind is rpc.AddOffsetsToTxnRequest and offsets == ADDING:
                offsets = NOT_SENT
            elif kind is rpc.TxnOffsetCommitRequest and offsets == COMMITTING_OFFSETS:
                offsets = self._offsets_unsent
            elif kind is rpc.MetadataRequest and link.acceptor == self.output:
                route = route._replace(refresh=routing.STALE)
            elif kind is rpc.ProduceRequest and link.acceptor == self.output:
                index = producers.in_flight_index(producer, self.out, request.record.event)
                route = route._replace(refresh=routing.STALE) if route.refresh == routing.FRESH else route
                if index is None:
                    continue
                batch = producer.in_flight[index].batch._replace(ambiguous=True)
                producer, gave_up = producers.retry_or_fail(self.config, producers.without(producer, index), batch,
                                                            "request timed out")
                abort = abort or gave_up
            else:
                rest.append(request)
                continue
            what.append(rpc.describe(request))
        state = _with(ActorState(membership, memory), client=client, offsets=offsets, producer=producer, route=route)
        if abort or (client.phase == ABORTING and any(producer.queues)):
            state = self._aborting(state, bump=True)
        outs = super().failed(state, link, rest) if rest else []
        if outs:
            state = outs[0].state
            what.extend(outs[0].what.what)
        if not what:
            return []
        return [Out(Retries(tuple(what)), state)]

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is InitsProducer:
            return f"initTransactions(): InitProducerId for transactional id {what.transactional_id}"
        if kind is GetsProducerId:
            if what.error == rpc.NONE:
                return f"gets producer id {what.producer_id}, epoch {what.producer_epoch}"
            return f"gets {rpc.ERROR_NAMES[what.error]}; will ask again"
        if kind is Begins:
            return ("beginTransaction(); transforms " + ", ".join(f"e{e}" for e in what.events)
                    + " for the output topic")
        if kind is AddsPartition:
            return "adds the output partition to its transaction (AddPartitionsToTxn)"
        if kind is AddsOffsets:
            return "sendOffsetsToTransaction(): AddOffsetsToTxn"
        if kind is SendsOffsets:
            form = "with its group metadata" if what.generation >= 0 else "with the group id only (legacy)"
            return f"sends offset {what.offset} of p{what.partition} in the transaction {form} (TxnOffsetCommit)"
        if kind is Sends:
            again = f", attempt {what.attempt}" if what.attempt > 1 else ""
            return f"sends e{what.event} to the output topic (sequence {what.sequence}{again})"
        if kind is IgnoresAnswer:
            if what.answer == "Produce":
                return f"ignores an old answer for e{what.event}"
            return f"ignores an old {what.answer} answer"
        if kind is AsksOutputLeader:
            return "asks where the output partition leads"
        if kind is LearnsOutputLeader:
            return f"learns the output partition's leader (broker[{what.leader}])"
        if kind is LearnsInTransaction:
            if what.what == OFFSETS_SENT_IN_TXN and what.error != rpc.NONE:
                return f"gets {rpc.ERROR_NAMES[what.error]} for its offsets; will send them again"
            if what.what == OFFSETS_SENT_IN_TXN:
                return "learns its offsets are in the transaction"
            subject = "the output partition" if what.what == PARTITION else "the group's offsets"
            if what.error == rpc.NONE:
                return f"learns {subject} {'is' if what.what == PARTITION else 'are'} in the transaction"
            return f"will add {'the output partition' if what.what == PARTITION else 'the offsets'} again"
        if kind is HearsProduce:
            if what.error == rpc.NONE:
                return f"gets the ack for e{what.event} in the output topic"
            return f"gets {rpc.ERROR_NAMES[what.error]} for e{what.event}; will retry"

        if kind is Ends:
            if not what.sent:
                return "ends the aborted transaction locally (nothing was added)"
            return f"{'commitTransaction()' if what.commit else 'sends'} EndTxn({'commit' if what.commit else 'abort'})"
        if kind is LearnsEnded:
            verb = "commit" if what.commit else "abort"
            if what.error != rpc.NONE:
                return f"gets {rpc.ERROR_NAMES[what.error]} for its {verb}; will send it again"
            if what.commit:
                return "learns the transaction committed"
            return "learns the abort is done; " + ("seeks back to the committed offsets" if what.rewinds
                                                   else "goes on after the aborted batch (no rewind)")
        if kind is StartsAbort:
            return f"abortTransaction() ({what.why}): drops the results not sent"
        if kind is Stops:
            return (f"gets {rpc.ERROR_NAMES[what.error]} (fatal): closes its producer, creates a new one, drops its "
                    f"batch and rejoins")
        return super().describe(what)

    def describe_state(self, state) -> str:
        text = super().describe_state(state)
        memory = state.volatile
        if memory is None:
            return text
        transform = memory.transform
        return f"{text}, {PHASE_NAMES[transform.client.phase]}, producer epoch {transform.producer.producer_epoch}"


def _with(state, **changes) -> ActorState:
    """`state` with fields of its `Transform` (or of its `TxnClient`, given as `client=`) changed."""
    membership, memory = state
    return ActorState(membership, memory._replace(transform=memory.transform._replace(**changes)))
