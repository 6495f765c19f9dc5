"""A partition's replicas on the actors layer, and the broker processes they live on.

Each partition is one actor, `ReplicatedPartition`: the replicas' logs on their brokers, the leader,
its epoch, the ISR and the high watermark (`kafka.partition.Partition`), with the controller's
decisions for that partition (`kafka.cluster`), and the requests its leader serves. Replication is a
step of this actor (a follower copies what its leader has, truncating where their leader epochs part,
KIP-101/KIP-279, and rejoins the ISR once caught up), not a message between brokers: four messages per
replicated record, interleaved with everything else, made the state space of the smallest
replicated configuration exceed 1.5 million states (docs/kafka-model.md); the replicas of a partition
as one actor keep the write/read-side model's granularity.

The brokers are actors of their own (`BrokerProcess`), with nothing in them but their life: a broker
crash is the actors layer's generic `crash` of a broker, and each partition monitors the brokers its
replicas live on. When a broker crashes the partition learns it (a `Down` notice, as the controller
does from a lost session): that replica stops (its log stays on disk), the broker leaves the ISR (the
last member stays, as Kafka keeps it when a partition goes offline), and if it led, a new leader is
elected (`cluster.crash`: clean, unclean with `unclean.leader.election.enable`, or offline); what the
old leader owed its clients is answered NETWORK_EXCEPTION (their connection to it broke). A broker
that restarts tells its partitions (`BrokerUp`): it leads the offline partitions it may lead and
follows the others (`cluster.restart`).

Requests (`rpc`): a produce or fetch names the leader epoch its client knows; one from an older epoch
is refused with NOT_LEADER_OR_FOLLOWER and the current leader and epoch (KIP-951), and one that comes
while the partition is offline is answered the same way, so the client waits until it learns a
leader (`MetadataRequest`). The leader appends with the idempotence check (`idempotence`), answers
`acks=1` in a step of its own (so a crash can come between the append and the answer) and `acks=all`
once the high watermark has passed the record (NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank
below `min.insync.replicas` meanwhile); it holds a consumer's fetch until records below the high
watermark can be returned.

Transactions (`transaction_coordinator`): under transaction.version 1 with
`transaction.partition.verification.enable` (KIP-890 part 1) the leader holds a transaction's first
record of a producer and asks the coordinator whether the partition is in that transaction (an
AddPartitionsToTxn with verify_only); under 2 (part 2) the client adds no partition itself, so the
leader always asks, without verify_only, and the coordinator adds the partition. Either way the record
is appended once the coordinator agrees and no marker of the producer came meanwhile (the
verification guard); under 2 a producer's transaction counts as open here only in its own epoch, and a
marker that carries the epoch of a transaction waiting for the coordinator's answer leaves that wait in
place (the producer started its next transaction before the markers of the last were written).

Version: the replication rules are the write/read-side model's (`kafka.partition`): the high watermark
is what every ISR member holds, also while the ISR is below `min.insync.replicas`, as before Kafka 3.7
(KAFKA-15583, which stops it there, is not modelled yet); clients learn a new leader from the error, as
Kafka 3.7+ clients do (KIP-951).

Left out: connections shared by the partitions of one broker (each partition is reached on its own
connection; the producer still counts its requests in flight per broker), the ISR change going through
the controller (an election trusts the ISR the leader keeps, as the write/read-side model does).

Sources: see `kafka.cluster` and `kafka.partition`; KIP-951 (leader discovery in produce and fetch
responses); apache/kafka `ReplicaManager` (delayed produce and fetch; the coordinator's errors mapped
for the producer: CONCURRENT_TRANSACTIONS and the coordinator's own failures as NOT_ENOUGH_REPLICAS),
`AddPartitionsToTxnManager` (PRODUCER_FENCED as INVALID_PRODUCER_EPOCH), `UnifiedLog.updateProducers`
(any transactional batch or marker ends a verification), read at 1eb7644 (October 2024); KIP-890 part 2
and Kafka 4.0's `UnifiedLog.hasOngoingTransaction(producerId, producerEpoch)` and `updateProducers` (a
marker of the waiting transaction's epoch keeps its guard under transaction.version 2), which postdate
that commit and were read in copies of the 4.x source found by the search tool.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import Actor, ActorState, Out, Reply, Request, Send
from modelcheck.actors.actor import NOTICE, ONE_WAY
from modelcheck.kafka import cluster as clusters
from modelcheck.kafka import idempotence
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.role import KafkaRole
from modelcheck.kafka import transactions
from modelcheck.kafka.partition import Replica, high_watermark, new_partition
from modelcheck.kafka.records import marker

_ERROR_OF = {
    idempotence.OUT_OF_ORDER: rpc.OUT_OF_ORDER_SEQUENCE_NUMBER,
    idempotence.UNKNOWN_PRODUCER: rpc.UNKNOWN_PRODUCER_ID,
    idempotence.INVALID_EPOCH: rpc.INVALID_PRODUCER_EPOCH,
}


class BrokerProcess(Actor):
    """A broker's life: it crashes (the layer's `crash`) and, once restarted, tells its partitions."""

    role = "broker"

    def __init__(self, index: int, partitions: tuple[int, ...]):
        super().__init__(f"broker[{index}]")
        self.index = index
        self.partitions = partitions          # the actor ids of the partitions with a replica here
        self.kinds = (Announces,)

    def initial(self) -> ActorState:
        return ActorState(None, True)         # volatile: whether its partitions know it is up

    def restart(self, durable) -> ActorState:
        return ActorState(durable, False)

    def steps(self, state):
        if state.volatile:
            return []
        return [Out(Announces(), ActorState(state.durable, True),
                    tuple(Send(p, rpc.BrokerUp(self.index)) for p in self.partitions))]

    def describe(self, what) -> str:
        return "comes back and tells its partitions"

    def describe_state(self, state) -> str:
        return "running" if state.volatile else "restarted, telling its partitions"


class Announces(NamedTuple):
    pass


class PartitionState(NamedTuple):
    partition: object             # kafka.partition.Partition: replicas, leader, leader epoch, ISR
    up: tuple                     # per broker of the cluster: running as this partition knows


class Owed(NamedTuple):
    """What the leader still owes: produce answers and held fetches, each with its connection."""

    answers: tuple = ()           # (link, offset, event, leader epoch)
    held: tuple = ()              # (link, FetchRequest)
    markers: tuple = ()           # (link, offset, producer id, leader epoch): WriteTxnMarkers to answer
    verifying: tuple = ()         # (link, ProduceRequest, leader epoch): waiting for the coordinator (KIP-890)
    guards: frozenset = frozenset()   # producer ids whose verification is still good (`ProducerStateManager`)


class Appends(NamedTuple):
    event: int
    offset: int
    broker: int
    answered: bool
    waits: bool


class FindsDuplicate(NamedTuple):
    event: int
    offset: int


class Refuses(NamedTuple):
    event: int                    # 0 for a fetch or a list-offsets
    error: int


class Acknowledges(NamedTuple):
    event: int
    offset: int
    error: int


class WritesMarker(NamedTuple):
    commit: bool
    producer_id: int
    producer_epoch: int
    offset: int


class AnswersMarker(NamedTuple):
    offset: int


class AnswersFetch(NamedTuple):
    offset: int
    records: tuple                # the records' names: "e1", "COMMIT"


class HoldsFetch(NamedTuple):
    offset: int


class AnswersListOffsets(NamedTuple):
    offset: int


class AnswersMetadata(NamedTuple):
    leader: int
    leader_epoch: int


class AnswersEpochEnd(NamedTuple):
    epoch: int
    end_offset: int


class Replicates(NamedTuple):
    text: str


class ShrinksIsr(NamedTuple):
    text: str


class LearnsCrash(NamedTuple):
    broker: int
    text: str


class LearnsRestart(NamedTuple):
    broker: int
    text: str


class Verifies(NamedTuple):
    """KIP-890 part 1: a transaction's first record here; the leader asks the coordinator first."""

    event: int
    producer_id: int


class LearnsVerified(NamedTuple):
    """The coordinator's answer refuses the produce, or comes for a produce no longer held (0)."""

    event: int
    producer_id: int
    error: int                    # the coordinator's answer (NONE: verified, but a marker came meanwhile)


class ReplicatedPartition(KafkaRole):
    role = "partition"
    kinds = (Appends, FindsDuplicate, Refuses, Acknowledges, AnswersFetch, HoldsFetch, AnswersListOffsets,
             AnswersMetadata, AnswersEpochEnd, Replicates, ShrinksIsr, LearnsCrash, LearnsRestart, WritesMarker,
             AnswersMarker, Verifies, LearnsVerified)
    faults = ("isr.shrink",)

    def __init__(self, index: int, config, brokers: tuple[int, ...], name: str | None = None,
                 records: tuple = (), transaction_coordinator: int | None = None):
        """`brokers`: the actor id of each broker of the cluster; `records`: what its log holds from the
        start (an input topic written before the run), on every replica; `transaction_coordinator`: the
        coordinator its leader verifies transactions with (KIP-890 part 1), if it does."""
        super().__init__(name or f"p{index}")
        self.records = records
        self.index = index
        self.config = config
        self.brokers = brokers
        count = config.cluster.brokers
        self.assignment = tuple((index + i) % count for i in range(config.cluster.replication_factor))
        self.monitors = tuple(brokers[b] for b in self.assignment)
        self.broker_of = {actor: b for b, actor in enumerate(brokers)}
        self.acks = config.producer.acks
        self.min_isr = config.cluster.min_insync_replicas
        cluster = config.cluster
        # KIP-890 part 2: under transaction.version 2 the client sends no AddPartitionsToTxn, so the leader
        # always asks the coordinator to add the partition; under 1 it only verifies, when that is on
        self.adds_partition = cluster.transaction_version >= 2
        verifies = self.adds_partition or cluster.transaction_partition_verification_enable
        self.verifier = transaction_coordinator if verifies else None

    def initial(self) -> ActorState:
        partition = new_partition(self.assignment)
        if self.records:
            written = Replica(self.records, (0,) * len(self.records))
            partition = partition._replace(replicas=(written,) * len(partition.replicas))
        return ActorState(PartitionState(partition, (True,) * len(self.brokers)), Owed())

    def restart(self, durable) -> ActorState:
        return ActorState(durable, Owed())

    # -- the cluster view of one partition, for `kafka.cluster`'s functions --------------------------

    def _cluster(self, state: PartitionState) -> clusters.Cluster:
        """This partition as a one-partition cluster, for `kafka.cluster`'s functions (whose words say
        "p0": `_words` puts this partition's name in)."""
        return clusters.Cluster(state.up, (state.partition,))

    @staticmethod
    def _from(cluster: clusters.Cluster) -> PartitionState:
        return PartitionState(cluster.partitions[0], cluster.up)

    def _words(self, text: str) -> str:
        return text.replace("p0", self.name)

    # -- its own steps: replication, ISR shrink, answers the high watermark allows --------------------

    def steps(self, state):
        durable, owed = state
        out = []
        cluster = self._cluster(durable)
        for follower, _index, text, after in clusters.fetch_steps(cluster):
            out.append(self._settled(Out(Replicates(f"broker[{follower}] {self._words(text)}"),
                                         ActorState(self._from(after), owed))))
        for leader, _index, text, after in clusters.shrink_steps(cluster):
            out.append(self._settled(Out(ShrinksIsr(f"broker[{leader}] {self._words(text)}"),
                                         ActorState(self._from(after), owed)), fault="isr.shrink"))
        partition = durable.partition
        hw = high_watermark(partition)
        for position, (link, offset, event, epoch) in enumerate(owed.answers):
            if partition.leader_epoch != epoch:
                continue
            if self.acks == "all" and hw <= offset:
                continue
            error = rpc.NOT_ENOUGH_REPLICAS_AFTER_APPEND if self.acks == "all" and len(partition.isr) < self.min_isr \
                else rpc.NONE
            rest = owed._replace(answers=owed.answers[:position] + owed.answers[position + 1:])
            response = rpc.ProduceResponse(self.index, event, error, offset if error == rpc.NONE else -1)
            out.append(Out(Acknowledges(event, offset, error), ActorState(durable, rest), (Reply(link, response),)))
        for position, (link, offset, producer_id, epoch) in enumerate(owed.markers):
            if partition.leader_epoch == epoch and offset < hw:
                rest = owed._replace(markers=owed.markers[:position] + owed.markers[position + 1:])
                response = rpc.WriteTxnMarkersResponse(self.index, producer_id, rpc.NONE)
                out.append(Out(AnswersMarker(offset), ActorState(durable, rest), (Reply(link, response),)))
        return out

    def _settled(self, out: Out, fault: str | None = None) -> Out:
        """`out` with the fetches its new high watermark can now answer answered."""
        durable, owed = out.state
        log = self._leader_log(durable)
        sends, held = list(out.sends), []
        for link, request in owed.held:
            offset = request.fetches[0][1]
            bound = self._bound(durable, request)
            if log is not None and offset < bound:
                sends.append(Reply(link, self._records(durable, offset, min(bound, offset + request.max_records),
                                                       request.read_committed)))
            else:
                held.append((link, request))
        return Out(out.what, ActorState(durable, owed._replace(held=tuple(held))), tuple(sends), fault)

    def _records(self, durable: PartitionState, start: int, end: int, read_committed: bool) -> rpc.FetchResponse:
        """The leader's records from `start` to `end`, with the leader epoch of each and, for a
        read_committed fetch, the offsets of aborted transactions' records among them."""
        partition = durable.partition
        leader = partition.replica_on(partition.leader)
        aborted = transactions.aborted_offsets(leader.log, start, end) if read_committed else ()
        return rpc.FetchResponse(self.index, start, leader.log[start:end], epochs=leader.epochs[start:end],
                                 aborted=aborted)

    @staticmethod
    def _bound(durable: PartitionState, request: rpc.FetchRequest) -> int:
        """Where `request` may read up to: the high watermark, or for read_committed the last stable
        offset."""
        partition = durable.partition
        hw = high_watermark(partition)
        if partition.leader is None:
            return hw
        level = transactions.READ_COMMITTED if request.read_committed else transactions.READ_UNCOMMITTED
        return transactions.fetch_bound(partition.replica_on(partition.leader).log, hw, level)

    @staticmethod
    def _leader_log(durable: PartitionState):
        partition = durable.partition
        if partition.leader is None:
            return None
        return partition.replica_on(partition.leader).log

    # -- requests and notices ------------------------------------------------------------------------

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        durable, owed = state
        if envelope.kind == NOTICE:
            broker = self.broker_of.get(message.actor)
            if message.reason != "crashed" or broker is None:
                return [Out(LearnsCrash(-1, "notes a stall"), state)]
            return self._crashed(state, broker)
        if kind is rpc.BrokerUp:
            notes, cluster = clusters.restart(self.config, self._cluster(durable), message.broker)
            return [self._settled(Out(LearnsRestart(message.broker, self._words(notes)),
                                      ActorState(self._from(cluster), owed)))]
        if kind is rpc.WriteTxnMarkersRequest:
            return [self._marker(state, envelope)]
        if kind is rpc.AddPartitionsToTxnResponse:
            return [self._verified(state, message)]
        if kind is rpc.MetadataRequest:
            partition = durable.partition
            leader = -1 if partition.leader is None else partition.leader
            return [Out(AnswersMetadata(leader, partition.leader_epoch), state,
                        (Reply(envelope.link, rpc.MetadataResponse(self.index, leader, partition.leader_epoch)),))]
        stale = self._stale(durable, getattr(message, "leader_epoch", -1))
        if kind is rpc.ProduceRequest:
            if stale is not None:
                return [self._refuse(state, envelope, message.record.event, stale)]
            return [self._produce(state, envelope)]
        if kind is rpc.FetchRequest:
            if stale is not None:
                return [self._refuse(state, envelope, 0, stale)]
            return [self._fetch(state, envelope)]
        if kind is rpc.OffsetsForLeaderEpochRequest:
            if stale is not None:
                return [self._refuse(state, envelope, 0, stale)]
            end = _end_of_epoch(durable.partition, message.last_epoch)
            return [Out(AnswersEpochEnd(message.last_epoch, end), state,
                        (Reply(envelope.link, rpc.OffsetsForLeaderEpochResponse(self.index, end)),))]
        if kind is rpc.ListOffsetsRequest:
            if stale is not None:
                return [self._refuse(state, envelope, 0, stale)]
            hw = high_watermark(durable.partition)
            return [Out(AnswersListOffsets(hw), state, (Reply(envelope.link, rpc.ListOffsetsResponse(self.index, hw)),))]
        return []

    def _stale(self, durable: PartitionState, leader_epoch: int) -> int | None:
        """The error for a request routed with `leader_epoch`, or None when it reaches the leader."""
        partition = durable.partition
        if partition.leader is None or not durable.up[partition.leader] or leader_epoch != partition.leader_epoch:
            return rpc.NOT_LEADER_OR_FOLLOWER
        return None

    def _refuse(self, state, envelope, event: int, error: int) -> Out:
        message = envelope.message
        kind = type(message)
        if kind is rpc.ProduceRequest:
            return self._refused_produce(state, envelope.link, event, error, envelope.kind != ONE_WAY)
        partition = state.durable.partition
        leader = -1 if partition.leader is None else partition.leader
        what = Refuses(event, error)
        if envelope.kind == ONE_WAY:
            return Out(what, state)
        if kind is rpc.FetchRequest:
            response = rpc.FetchResponse(self.index, message.fetches[0][1], (), error, -1, leader,
                                         partition.leader_epoch)
        elif kind is rpc.OffsetsForLeaderEpochRequest:
            response = rpc.OffsetsForLeaderEpochResponse(self.index, -1, leader, partition.leader_epoch)
        elif kind is rpc.WriteTxnMarkersRequest:
            response = rpc.WriteTxnMarkersResponse(self.index, message.producer_id, error)
        else:
            response = rpc.ListOffsetsResponse(self.index, -1, leader, partition.leader_epoch)
        return Out(what, state, (Reply(envelope.link, response),))

    def _marker(self, state, envelope) -> Out:
        """The coordinator's COMMIT or ABORT marker: the leader appends it and answers once the ISR has
        it (markers are written with acks=all, `ReplicaManager.appendRecords` from the coordinator)."""
        request = envelope.message
        durable, owed = state
        partition = durable.partition
        if partition.leader is None or not durable.up[partition.leader]:
            return self._refuse(state, envelope, 0, rpc.NOT_LEADER_OR_FOLLOWER)
        leader = partition.replica_on(partition.leader)
        offset = len(leader.log)
        control = marker(request.producer_id, request.producer_epoch, request.commit)
        partition = partition.with_replica(partition.leader, Replica(leader.log + (control,),
                                                                     leader.epochs + (partition.leader_epoch,)))
        # the transaction ended here, and with it the producer's verification, unless (transaction.version
        # 2) one is waiting for the next transaction, which has the marker's epoch
        next_started = self.adds_partition and any(
            waiting.record.producer_id == request.producer_id and waiting.record.producer_epoch == request.producer_epoch
            for _link, waiting, _epoch in owed.verifying)
        guards = owed.guards if next_started else owed.guards - {request.producer_id}
        owed = owed._replace(markers=owed.markers + ((envelope.link, offset, request.producer_id,
                                                      partition.leader_epoch),), guards=guards)
        what = WritesMarker(request.commit, request.producer_id, request.producer_epoch, offset)
        return self._settled(Out(what, ActorState(durable._replace(partition=partition), owed)))

    def _open_here(self, durable, record) -> bool:
        """Whether `record`'s producer has a transaction open here already (`UnifiedLog.hasOngoingTransaction`;
        under transaction.version 2, in the record's epoch)."""
        epoch = record.producer_epoch if self.adds_partition else None
        return transactions.has_open(self._leader_log(durable), record.producer_id, epoch)

    def _produce(self, state, envelope) -> Out:
        """A produce request at the leader: appended at once, or, when it carries the first record of its
        producer's transaction here, once the coordinator has verified (KIP-890 part 1, transaction.version
        1) or added (part 2, version 2) the partition."""
        request = envelope.message
        record = request.record
        durable, owed = state
        if self.verifier is not None and record.transactional and not self._open_here(durable, record):
            verify = rpc.AddPartitionsToTxnRequest(-1, record.producer_id, record.producer_epoch, self.index,
                                                   verify_only=not self.adds_partition)
            pending = owed.verifying + ((envelope.link, request, durable.partition.leader_epoch),)
            return Out(Verifies(record.event, record.producer_id),
                       ActorState(durable, owed._replace(verifying=pending, guards=owed.guards | {record.producer_id})),
                       (Request(self.verifier, verify),))
        return self._append(state, envelope.link, request, envelope.kind != ONE_WAY)

    def _verified(self, state, response) -> Out:
        """The coordinator's answer to the oldest verification of that producer: the record is appended if
        its transaction is now ongoing here, or if the coordinator verified it and no marker of the
        producer came meanwhile (the guard: `UnifiedLog.batchMissingRequiredVerification`); otherwise
        the produce is refused, CONCURRENT_TRANSACTIONS as NOT_ENOUGH_REPLICAS so that the client retries
        (`ReplicaManager.handleProduceAppend`)."""
        durable, owed = state
        position = next((i for i, (_link, request, _epoch) in enumerate(owed.verifying)
                         if request.record.producer_id == response.producer_id), None)
        if position is None:              # the leader's broker crashed meanwhile: its produce was answered
            return Out(LearnsVerified(0, response.producer_id, response.error), state)
        link, request, epoch = owed.verifying[position]
        owed = owed._replace(verifying=owed.verifying[:position] + owed.verifying[position + 1:])
        record = request.record
        partition = durable.partition
        if partition.leader is None or not durable.up[partition.leader] or partition.leader_epoch != epoch:
            error = rpc.NOT_LEADER_OR_FOLLOWER
        elif self._open_here(durable, record) or (response.error == rpc.NONE and record.producer_id in owed.guards):
            return self._append(ActorState(durable, owed), link, request, True)
        elif response.error == rpc.CONCURRENT_TRANSACTIONS:
            error = rpc.NOT_ENOUGH_REPLICAS
        elif response.error == rpc.PRODUCER_FENCED:
            error = rpc.INVALID_PRODUCER_EPOCH
        else:
            error = rpc.INVALID_TXN_STATE
        return self._refused_produce(ActorState(durable, owed), link, record.event, error, True,
                                     what=LearnsVerified(record.event, record.producer_id, response.error))

    def failed(self, state, link, requests):
        """Its verifications were lost with the coordinator (a crash): each produce is answered
        NOT_ENOUGH_REPLICAS, which the client retries (`ReplicaManager`: the coordinator's errors that
        older clients would not retry)."""
        durable, owed = state
        asked = {request.producer_id for request in requests}
        failing = [entry for entry in owed.verifying if entry[1].record.producer_id in asked]
        if not failing:
            return []
        kept = tuple(entry for entry in owed.verifying if entry[1].record.producer_id not in asked)
        answers = tuple(Reply(client, rpc.ProduceResponse(self.index, request.record.event, rpc.NOT_ENOUGH_REPLICAS))
                        for client, request, _epoch in failing)
        return [Out(Refuses(failing[0][1].record.event, rpc.NOT_ENOUGH_REPLICAS),
                    ActorState(durable, owed._replace(verifying=kept, guards=owed.guards - asked)), answers)]

    def _append(self, state, link, request, answered: bool) -> Out:
        """The leader appends `request`'s record (with the idempotence check) or refuses it."""
        record = request.record
        durable, owed = state
        partition = durable.partition
        if self.acks == "all" and len(partition.isr) < self.min_isr:
            return self._refused_produce(state, link, record.event, rpc.NOT_ENOUGH_REPLICAS, answered)
        leader = partition.replica_on(partition.leader)
        verdict, offset = idempotence.check_sequence(leader.log, record)
        if verdict not in (idempotence.APPEND, idempotence.DUPLICATE):
            return self._refused_produce(state, link, record.event, _ERROR_OF[verdict], answered)
        if verdict == idempotence.DUPLICATE:
            what = FindsDuplicate(record.event, offset)
        else:
            offset = len(leader.log)
            grown = Replica(leader.log + (record,), leader.epochs + (partition.leader_epoch,))
            partition = partition.with_replica(partition.leader, grown)
            durable = durable._replace(partition=partition)
            what = Appends(record.event, offset, partition.leader, answered, answered and self.acks == "all")
            if record.transactional:
                owed = owed._replace(guards=owed.guards - {record.producer_id})   # ongoing here from now on
        if answered:
            owed = owed._replace(answers=owed.answers + ((link, offset, record.event, partition.leader_epoch),))
        return self._settled(Out(what, ActorState(durable, owed)))

    def _refused_produce(self, state, link, event: int, error: int, answered: bool, what=None) -> Out:
        """A produce refused with `error` (answered on `link` unless it was acks=0), with the leader and
        its epoch as the partition knows them (KIP-951)."""
        partition = state.durable.partition
        what = what or Refuses(event, error)
        if not answered:
            return Out(what, state)
        leader = -1 if partition.leader is None else partition.leader
        response = rpc.ProduceResponse(self.index, event, error, -1, leader, partition.leader_epoch)
        return Out(what, state, (Reply(link, response),))

    def _fetch(self, state, envelope) -> Out:
        request = envelope.message
        offset = request.fetches[0][1]
        durable, owed = state
        log = self._leader_log(durable)
        if offset > len(log):
            response = rpc.FetchResponse(self.index, offset, (), rpc.OFFSET_OUT_OF_RANGE, len(log))
            return Out(Refuses(0, rpc.OFFSET_OUT_OF_RANGE), state, (Reply(envelope.link, response),))
        bound = self._bound(durable, request)
        if offset < bound:
            response = self._records(durable, offset, min(bound, offset + request.max_records), request.read_committed)
            return Out(AnswersFetch(offset, tuple(str(r) for r in response.records)), state,
                       (Reply(envelope.link, response),))
        return Out(HoldsFetch(offset), ActorState(durable, owed._replace(held=owed.held + ((envelope.link, request),))))

    def _crashed(self, state, broker: int) -> list[Out]:
        """A broker it has a replica on crashed: new leaders as the controller elects them; what the old
        leader owed is answered NETWORK_EXCEPTION (the connection to it broke)."""
        durable, owed = state
        was_leader = durable.partition.leader == broker
        sends, kept = [], owed
        if was_leader:
            for link, _offset, event, _epoch in owed.answers:
                sends.append(Reply(link, rpc.ProduceResponse(self.index, event, rpc.NETWORK_EXCEPTION)))
            for link, request in owed.held:
                sends.append(Reply(link, rpc.FetchResponse(self.index, request.fetches[0][1], (), rpc.NETWORK_EXCEPTION)))
            for link, _offset, producer_id, _epoch in owed.markers:
                sends.append(Reply(link, rpc.WriteTxnMarkersResponse(self.index, producer_id, rpc.NETWORK_EXCEPTION)))
            for link, request, _epoch in owed.verifying:
                sends.append(Reply(link, rpc.ProduceResponse(self.index, request.record.event, rpc.NETWORK_EXCEPTION)))
            kept = Owed()
        out = []
        for notes, cluster in clusters.crash(self.config, self._cluster(durable), broker):
            out.append(Out(LearnsCrash(broker, self._words(notes)), ActorState(self._from(cluster), kept), tuple(sends)))
        return out

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is Appends:
            text = f"appends e{what.event} at offset {what.offset} on broker[{what.broker}]"
            if not what.answered:
                return text + " (acks=0: no answer)"
            return text + ("; waits for the ISR" if what.waits else "")
        if kind is FindsDuplicate:
            return f"finds e{what.event} already at offset {what.offset} (duplicate sequence)"
        if kind is Refuses:
            subject = f"e{what.event}" if what.event else "a fetch"
            return f"refuses {subject}: {rpc.ERROR_NAMES[what.error]}"
        if kind is Acknowledges:
            if what.error == rpc.NONE:
                return f"acknowledges e{what.event} (offset {what.offset})"
            return f"answers e{what.event} with {rpc.ERROR_NAMES[what.error]}"
        if kind is WritesMarker:
            return (f"appends the {'COMMIT' if what.commit else 'ABORT'} marker of producer {what.producer_id} "
                    f"(epoch {what.producer_epoch}) at offset {what.offset}")
        if kind is AnswersMarker:
            return f"confirms the marker at offset {what.offset}"
        if kind is AnswersFetch:
            return f"returns {', '.join(what.records)} from offset {what.offset}"
        if kind is HoldsFetch:
            return f"holds the fetch at offset {what.offset} until a record is committed"
        if kind is AnswersListOffsets:
            return f"answers that the log ends at offset {what.offset}"
        if kind is AnswersMetadata:
            leader = "no leader (offline)" if what.leader < 0 else f"broker[{what.leader}] leads"
            return f"answers: {leader}, leader epoch {what.leader_epoch}"
        if kind is AnswersEpochEnd:
            return f"answers that leader epoch {what.epoch} ends at offset {what.end_offset}"
        if kind in (Replicates, ShrinksIsr):
            return what.text
        if kind is LearnsCrash:
            return f"learns broker[{what.broker}] crashed" + (f"; controller {what.text}" if what.text else "")
        if kind is LearnsRestart:
            return f"learns broker[{what.broker}] is back" + (f": it {what.text}" if what.text else "")
        if kind is Verifies and self.adds_partition:
            return (f"holds e{what.event}, the first record of producer {what.producer_id}'s transaction here, and "
                    f"asks the transaction coordinator to add {self.name} to that transaction (KIP-890 part 2)")
        if kind is Verifies:
            return (f"holds e{what.event}, the first record of producer {what.producer_id}'s transaction here, and "
                    f"asks the transaction coordinator to verify it (KIP-890)")
        if kind is LearnsVerified:
            if not what.event:
                return f"drops a verification of producer {what.producer_id} it no longer waits for"
            if what.error == rpc.NONE:
                return f"refuses e{what.event}: its transaction ended here before the verification came back"
            return f"refuses e{what.event}: not in an ongoing transaction ({rpc.ERROR_NAMES[what.error]})"
        return super().describe(what)


    def describe_state(self, state) -> str:
        partition = state.durable.partition
        logs = " ".join(f"b{b}:[{', '.join(str(r) for r in partition.replica_on(b).log)}]"
                        for b in partition.brokers)
        leader = "offline" if partition.leader is None else f"leader broker[{partition.leader}]"
        return f"{leader} epoch {partition.leader_epoch} ISR {sorted(partition.isr)} hw {high_watermark(partition)} {logs}"

    def explain(self, before, after) -> list[str]:
        old, new = before.durable.partition, after.durable.partition
        lines = []
        for b in new.brokers:
            was, now = old.replica_on(b).log, new.replica_on(b).log
            if was != now:
                lines.append(f"log of {self.name} on broker[{b}]: [{', '.join(str(r) for r in was)}] -> "
                             f"[{', '.join(str(r) for r in now)}]")
        if old.leader != new.leader:
            lines.append(f"leader of {self.name}: {old.leader} -> {new.leader} (leader epoch {new.leader_epoch})")
        if old.isr != new.isr:
            lines.append(f"ISR of {self.name}: {sorted(old.isr)} -> {sorted(new.isr)}")
        if high_watermark(old) != high_watermark(new):
            lines.append(f"high watermark of {self.name}: {high_watermark(old)} -> {high_watermark(new)}")
        return lines


def _end_of_epoch(partition, epoch: int) -> int:
    """Where leader epoch `epoch` ends in the leader's log: the first offset of a later epoch, or the log
    end (the OffsetsForLeaderEpoch answer)."""
    epochs = partition.replica_on(partition.leader).epochs
    for offset, appended in enumerate(epochs):
        if appended > epoch:
            return offset
    return len(epochs)
