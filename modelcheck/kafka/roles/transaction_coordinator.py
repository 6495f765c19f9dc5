"""The transaction coordinator on the actors layer: per transactional.id a producer id, an epoch and a
transaction state, kept in its durable transaction log, and the markers that end a transaction.

What it does, after the broker's `TransactionCoordinator` and `TransactionStateManager`:

- InitProducerId: a transactional.id seen for the first time gets a producer id and epoch 0; a known
  one gets its epoch bumped, which fences every older producer with that id. If the id still has a
  transaction open (Ongoing), the coordinator first fences it: it bumps the epoch and aborts that
  transaction (Kafka's PrepareEpochFence, here folded into PrepareAbort with the bumped epoch), and
  answers CONCURRENT_TRANSACTIONS, so the client asks again once the abort is complete; the same answer
  comes while a transaction is being completed. A producer may ask for a bump of its own epoch
  (KIP-360) by sending its producer id and epoch.
- AddPartitionsToTxn: the partition joins the id's transaction (Empty or Complete* -> Ongoing);
  AddOffsetsToTxn has the group's offsets join it (`rpc.GROUP`: its marker goes to the group
  coordinator, which holds the offsets the transaction committed until then, KIP-98). A
  request from an older epoch is answered PRODUCER_FENCED; one that comes while a transaction is being
  completed CONCURRENT_TRANSACTIONS.
- EndTxn: Ongoing -> PrepareCommit or PrepareAbort, written to the transaction log, and then the
  answer: the producer is told its transaction is decided before the markers are written (the
  coordinator answers once the prepare is in its log, `TransactionCoordinator.endTransaction`). The
  coordinator then has every partition of the transaction append a COMMIT or ABORT marker
  (WriteTxnMarkers, a step of its own: a crash may come between the prepare and the markers); once
  every partition has answered, the state is CompleteCommit or CompleteAbort. A
  repeated EndTxn of a decided transaction is answered CONCURRENT_TRANSACTIONS while its markers are
  written and NONE once they are (a retry after a lost answer); an EndTxn that does not match the
  state is INVALID_TXN_STATE.
- The transaction timeout: the coordinator aborts an Ongoing transaction that has outlived
  `transaction.timeout.ms` (60 s by default), as `abortTimedOutTransactions` does every
  `transaction.abort.timed.out.transaction.cleanup.interval.ms` (10 s): `prepareFenceProducerEpoch`
  bumps the epoch (PrepareEpochFence, folded here into PrepareAbort with the bumped epoch), then
  `endTransaction(ABORT, isFromClient = false)` writes PrepareAbort and the ABORT markers go out with the
  new epoch. The old producer's next AddPartitionsToTxn or EndTxn is answered PRODUCER_FENCED, its next
  produce INVALID_PRODUCER_EPOCH (the marker raised the partition's epoch). The model has no clock, so
  the timeout comes in two forms that share that step (`_fence`):
  - `Expires`, for sure: a quiescent step (`Actor.quiescent_steps`), offered only in states where no
    step of any actor but faults is enabled, for each Ongoing transaction. Kafka's timer always fires in
    the end, whether or not the producer is alive; here it fires at the latest point it can: when
    nothing else will happen first. A transaction its producer can still finish is never cut short by
    it, and one nobody will end (its producer crashed and came back under another transactional.id, or
    is stuck) is aborted, so no run ends with a transaction Ongoing. It is not a fault and spends no
    budget. It cannot repeat without end: it fires only when every actor is idle, and it only aborts
    (the fenced producer learns of it from its next request, which it sends only if it had something
    to do, so a second expiry of the same id needs new work, which the finite workload and the fault
    budgets bound). Under a system's weak fairness it is weakly fair, like any step that is not a fault.
  - `transaction.timeout` (a budgeted fault of this actor): the same step at any earlier point, while
    the producer is still working (a slow producer, a long pause), within the budget.
  Two other designs were set aside. A clock that counts down per step (TLA+'s usual tick) would be
  closer in shape, but the state space would then depend on the timeout's value and on how many steps
  stand for a second, which the model has no ground for; the two forms cover both ends instead (a
  timeout at any point, which over-approximates an early one, and one that always comes). And a
  timeout enabled whenever a transaction is Ongoing, made weakly fair so that it must come (issue 9's
  fairness), would be unbudgeted at every point: each timeout fences the producer, which retries in a
  new epoch, which may time out again, and the state space would be infinite.
- A crash loses the markers in flight and nothing else (the transaction log is durable: the log of
  the `__transaction_state` partition is taken to be replicated and never lost); the restarted
  coordinator (a new one taking the partition over) writes the markers of every transaction it finds
  in PrepareCommit or PrepareAbort again, as `TransactionStateManager` does when it loads the log.

`cluster.transaction.version`: 1 keeps the producer's epoch across transactions, so the markers of a
transaction the producer ended carry the epoch its records did, and a produce request from that epoch
that comes later is taken as the start of a new transaction (KIP-890's hanging transaction). 2 bumps
the epoch at every commit and abort (KIP-890 part 2, Kafka 4.0's default): the markers carry the new
epoch, which fences every late request of the old one, and the EndTxn answer gives the producer its
new epoch; a retried EndTxn of the old epoch for the transaction just ended is recognised and answered
as before. Under 2 the client sends neither AddPartitionsToTxn nor AddOffsetsToTxn: a partition's
leader, on its producer's first transactional record there, and the group coordinator, on a
TxnOffsetCommit, send an AddPartitionsToTxn without verify_only (`_add_for_broker`), which adds the
partition only in the transaction's own epoch (any other is PRODUCER_FENCED: a request held up past
the end of its transaction opens no other). And since the client may have sent records that no broker
added (held up, or refused), an EndTxn(abort) of the current epoch is accepted with nothing added (from
Empty, CompleteCommit or CompleteAbort): it bumps the epoch and completes at once, there being no
marker to write (`endTransaction` under transaction.version 2).

KIP-939 (`transaction.two.phase.commit.enable`): an InitProducerId with keepPreparedTxn finds an
ongoing transaction and keeps it, bumping the epoch (which fences the old incarnation's requests) and
answering with the epoch the transaction was prepared in too, so that the application completes or
aborts it as its database decided; the timeout does not abort a transaction then. KIP-939 is modelled
as the KIP specifies it, with transaction.version 2; it is not in a released Kafka as of 4.0.

For `zombie-fenced` with standby instances (`faults.producer.pause`) the coordinator keeps an observer's
record, which no step reads: which instance of the application got each id's producer id last, whether
another instance has registered since, and the commits it decided for an instance so superseded.

KIP-890 part 1's partition verification (on by default since Kafka 3.6,
`transaction.partition.verification.enable`) is answered here: a verify-only AddPartitionsToTxn from a
partition's leader (`replicas`) is verified when the producer id's transaction, in that epoch, has the
partition added.

Left out: coordinator discovery (FindCoordinator: there is one coordinator), the transaction log's own
replication, `transactional.id.expiration.ms`, producer-id blocks, epoch overflow (KAFKA-18660), the
retry of an epoch bump whose answer was lost (`lastProducerEpoch`), KIP-939's own prepared state (a
kept transaction is an Ongoing one here), the client's upgrade from version 1 to 2 in the middle of a
run (`clientSideEpochBumpRequired`: the version is fixed per configuration), and the answer to an
EndTxn of the next epoch while the last transaction's markers are written: the first version-2
`endTransaction` answers it PRODUCER_FENCED, a later one CONCURRENT_TRANSACTIONS (as here).

Sources: KIP-98 (transactional messaging), KIP-360 (epoch bump on InitProducerId), KIP-890 (server-side
defense, transaction.version 2), KIP-939 (participation in two-phase commit); apache/kafka
`TransactionCoordinator.scala` (handleInitProducerId,
handleAddPartitionsToTransaction, endTransaction, abortTimedOutTransactions), `TransactionMetadata`
(the state machine, prepareFenceProducerEpoch), `TransactionStateManager.timedOutTransactions` (only
Ongoing transactions time out), `TransactionMarkerChannelManager` (markers retried until answered),
read in apache/kafka at 1eb7644 (4.0.0-SNAPSHOT, October 2024); `ProducerConfig` (transaction.timeout.ms,
60000) and `TransactionStateManagerConfig` (the cleanup interval, 10000) there too. The implicit add
of transaction.version 2 is after KIP-890 ("Remove the addPartitionsToTxn call and implicitly just add
partitions to the transaction on the first produce request"), `handleAddPartitionsToTransaction` at
1eb7644 (the epoch must equal the transaction's), and Kafka 4.0's `endTransaction` (an abort with no
partition added, `noPartitionAdded`) and `AddPartitionsToTxnManager` (Produce v12 and TxnOffsetCommit
v5 add the partition, not only verify it), which postdate the mirror's commit and were read in copies
of the 4.x source found by the search tool. The quiescent step
follows SPIN's `timeout` (the Promela reference, timeout(5)).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Out, Reply, Request
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.role import KafkaRole

EMPTY, ONGOING, PREPARE_COMMIT, PREPARE_ABORT, COMPLETE_COMMIT, COMPLETE_ABORT = range(6)
STATE_NAMES = {EMPTY: "Empty", ONGOING: "Ongoing", PREPARE_COMMIT: "PrepareCommit", PREPARE_ABORT: "PrepareAbort",
               COMPLETE_COMMIT: "CompleteCommit", COMPLETE_ABORT: "CompleteAbort"}
PREPARED = (PREPARE_COMMIT, PREPARE_ABORT)


class TxnEntry(NamedTuple):
    """One transactional.id in the transaction log."""

    producer_id: int
    producer_epoch: int
    state: int
    partitions: tuple = ()        # the partitions of the current transaction
    previous_epoch: int = -1      # transaction.version 2: the epoch of the transaction last ended
    kept_epoch: int = -1          # KIP-939: the epoch its ongoing transaction was written in, once kept
    # Observer's records, for `zombie-fenced` with standby instances (`faults.producer.pause`):
    holder: int = -1              # the instance (actor id) that got this id's producer id and epoch last
    superseded: bool = False      # another instance of the application has registered since
    zombie_commits: tuple = ()    # instances (actor ids) whose commit was decided once superseded


class Markers(NamedTuple):
    """Volatile: the markers in flight and those answered, as (transactional id, partition)."""

    sent: frozenset = frozenset()
    done: frozenset = frozenset()


class AnswersInit(NamedTuple):
    transactional_id: int
    error: int
    producer_epoch: int
    kept: bool = False            # KIP-939: the ongoing transaction was kept for its caller to decide


class Fences(NamedTuple):
    transactional_id: int
    producer_epoch: int           # the new epoch
    why: str                      # "InitProducerId", "transaction timeout"


class Expires(NamedTuple):
    """transaction.timeout.ms ends an Ongoing transaction nothing else will end (a quiescent step)."""

    transactional_id: int
    producer_epoch: int           # the new epoch


class AddsPartition(NamedTuple):
    transactional_id: int
    partition: int
    error: int
    for_broker: bool = False      # transaction.version 2: asked by the partition's leader (or the group coordinator)


class Verifies(NamedTuple):
    """KIP-890 part 1: a partition leader asks whether its partition is in a producer's ongoing transaction."""

    producer_id: int
    partition: int
    error: int


class Decides(NamedTuple):
    transactional_id: int
    commit: bool
    error: int
    producer_epoch: int


class WritesMarkers(NamedTuple):
    transactional_id: int
    commit: bool
    partitions: tuple


class LearnsMarker(NamedTuple):
    transactional_id: int
    partition: int
    error: int
    completes: bool               # the last marker: the transaction is complete


class TransactionCoordinator(KafkaRole):
    role = "transaction-coordinator"
    kinds = (AnswersInit, Fences, Expires, AddsPartition, Verifies, Decides, WritesMarkers, LearnsMarker)
    faults = ("transaction.timeout",)

    def __init__(self, partitions: tuple[int, ...], ids: int, transaction_version: int,
                 group_coordinator: int | None = None, two_phase_commit: bool = False,
                 instances: tuple[int, ...] = ()):
        """`partitions`: the actor id of each partition; `ids`: how many transactional ids there may be;
        `group_coordinator`: the actor that keeps the group's offsets (the marker for `rpc.GROUP`);
        `instances`: for an observer's record only, the actor ids of the instances of one producing
        application that may replace one another (standby instances, `faults.producer.pause`)."""
        super().__init__("txn-coordinator")
        self.instances = frozenset(instances)
        self.partitions = partitions
        self.group_coordinator = group_coordinator
        self.two_phase_commit = two_phase_commit
        self.ids = ids
        self.bumps_per_transaction = transaction_version >= 2

    def initial(self) -> ActorState:
        return ActorState((None,) * self.ids, Markers())

    def restart(self, durable) -> ActorState:
        return ActorState(durable, Markers())

    # -- own steps: markers to (re)send, and the timeout fault ---------------------------------------

    def steps(self, state):
        entries, markers = state
        out = []
        for txn, entry in enumerate(entries):
            if entry is None:
                continue
            if entry.state in PREPARED:
                waiting = tuple(p for p in entry.partitions if (txn, p) not in markers.sent | markers.done)
                if waiting:
                    out.append(self._markers(state, txn, waiting))
            elif entry.state == ONGOING and not self.two_phase_commit:   # KIP-939: no timeout for prepared ones
                out.append(self._fence(state, txn, Fences(txn, entry.producer_epoch + 1, "transaction timeout"),
                                       fault="transaction.timeout"))
        return out

    def quiescent_steps(self, state):
        """transaction.timeout.ms, for sure: once nothing else can happen, each Ongoing transaction is
        fenced and aborted (not with KIP-939, whose prepared transactions wait for their database)."""
        if self.two_phase_commit:
            return []
        return [self._fence(state, txn, Expires(txn, entry.producer_epoch + 1))
                for txn, entry in enumerate(state.durable) if entry is not None and entry.state == ONGOING]

    def _markers(self, state, txn: int, partitions: tuple) -> Out:
        entries, markers = state
        entry = entries[txn]
        commit = entry.state == PREPARE_COMMIT
        sends = tuple(Request(self.group_coordinator if p == rpc.GROUP else self.partitions[p],
                              rpc.WriteTxnMarkersRequest(p, entry.producer_id, entry.producer_epoch, commit))
                      for p in partitions)
        sent = markers._replace(sent=markers.sent | {(txn, p) for p in partitions})
        return Out(WritesMarkers(txn, commit, partitions), ActorState(entries, sent), sends)

    def _fence(self, state, txn: int, what, reply=None, fault: str | None = None) -> Out:
        """Bump the epoch of `txn` and abort its open transaction (PrepareEpochFence, then PrepareAbort);
        `what` says why (a `Fences` or an `Expires` naming the new epoch)."""
        entries, markers = state
        entry = entries[txn]
        fenced = entry._replace(producer_epoch=entry.producer_epoch + 1, state=PREPARE_ABORT, previous_epoch=-1)
        after = self._decided(ActorState(_with(entries, txn, fenced), markers), txn)
        sends = after.sends + ((reply,) if reply is not None else ())
        return Out(what, after.state, sends, fault)

    @staticmethod
    def _decided(state, txn: int) -> Out:
        """A transaction just decided: with no partition it is complete at once; otherwise its markers go
        out in a later step (`steps`), so a crash can come between the prepare and the markers."""
        entry = state.durable[txn]
        if not entry.partitions:
            return Out(None, ActorState(_with(state.durable, txn, _completed(entry)), state.volatile))
        return Out(None, state)

    # -- requests ------------------------------------------------------------------------------------

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        entries, markers = state
        if kind is rpc.InitProducerIdRequest:
            return [self._init(state, envelope)]
        if kind is rpc.AddPartitionsToTxnRequest and message.verify_only:
            return [self._verify(state, envelope)]
        if kind is rpc.AddPartitionsToTxnRequest and message.transactional_id < 0:
            return [self._add_for_broker(state, envelope)]
        if kind in (rpc.AddPartitionsToTxnRequest, rpc.AddOffsetsToTxnRequest):
            txn = message.transactional_id
            entry = entries[txn]
            partition = message.partition if kind is rpc.AddPartitionsToTxnRequest else rpc.GROUP
            error = self._check(entry, message.producer_id, message.producer_epoch)
            if error == rpc.NONE and entry.state in PREPARED:
                error = rpc.CONCURRENT_TRANSACTIONS
            after = state
            if error == rpc.NONE:
                after = ActorState(_with(entries, txn, _adding(entry, partition)), markers)
            response = rpc.AddPartitionsToTxnResponse(partition, error) if kind is rpc.AddPartitionsToTxnRequest \
                else rpc.AddOffsetsToTxnResponse(error)
            return [Out(AddsPartition(txn, partition, error), after, (Reply(envelope.link, response),))]
        if kind is rpc.EndTxnRequest:
            return [self._end(state, envelope)]
        if kind is rpc.WriteTxnMarkersResponse:
            txn = _txn_of(entries, message.producer_id)
            key = (txn, message.partition)
            if txn is None or key not in markers.sent:
                return []
            sent = markers.sent - {key}
            if message.error != rpc.NONE:          # sent again by a later step
                return [Out(LearnsMarker(txn, message.partition, message.error, False),
                            ActorState(entries, markers._replace(sent=sent)))]
            done = markers.done | {key}
            entry = entries[txn]
            if all((txn, p) in done for p in entry.partitions):
                done = frozenset(k for k in done if k[0] != txn)
                return [Out(LearnsMarker(txn, message.partition, rpc.NONE, True),
                            ActorState(_with(entries, txn, _completed(entry)), Markers(sent, done)))]
            return [Out(LearnsMarker(txn, message.partition, rpc.NONE, False), ActorState(entries, Markers(sent, done)))]
        return []

    @staticmethod
    def _verify(state, envelope) -> Out:
        """KIP-890 part 1 (`TransactionCoordinator.handleVerifyPartitionsInTransaction`): the partition is
        verified when the producer id's transaction, in that epoch, has it added; while the transaction
        is being prepared the answer is CONCURRENT_TRANSACTIONS (the leader tells its client to retry), for
        an older epoch PRODUCER_FENCED, and otherwise INVALID_TXN_STATE (Kafka 3.6; 3.8 answers
        TRANSACTION_ABORTABLE, refused and abortable alike). Nothing changes here."""
        message = envelope.message
        txn = _txn_of(state.durable, message.producer_id)
        entry = None if txn is None else state.durable[txn]
        if entry is not None and entry.producer_epoch != message.producer_epoch:
            error = rpc.PRODUCER_FENCED
        elif entry is not None and entry.state in PREPARED:
            error = rpc.CONCURRENT_TRANSACTIONS
        elif entry is not None and entry.state == ONGOING and message.partition in entry.partitions:
            error = rpc.NONE
        else:
            error = rpc.INVALID_TXN_STATE
        response = rpc.AddPartitionsToTxnResponse(message.partition, error, message.producer_id)
        return Out(Verifies(message.producer_id, message.partition, error), state, (Reply(envelope.link, response),))

    @staticmethod
    def _add_for_broker(state, envelope) -> Out:
        """transaction.version 2 (KIP-890 part 2): a partition's leader, on its producer's first
        transactional record there, or the group coordinator, on a TxnOffsetCommit, has the partition
        added to the producer id's transaction (an AddPartitionsToTxn from a broker without verify_only).
        The epoch must be the transaction's own (`handleAddPartitionsToTransaction`: any other is
        PRODUCER_FENCED, so a late request of a transaction the epoch bump ended cannot open another);
        while a transaction is being completed the answer is CONCURRENT_TRANSACTIONS, which the broker
        has its client retry."""
        entries, markers = state
        message = envelope.message
        txn = _txn_of(entries, message.producer_id)
        entry = None if txn is None else entries[txn]
        if entry is None or entry.producer_epoch != message.producer_epoch:
            error = rpc.PRODUCER_FENCED
        elif entry.state in PREPARED:
            error = rpc.CONCURRENT_TRANSACTIONS
        else:
            error = rpc.NONE
        after = state if error != rpc.NONE else ActorState(_with(entries, txn, _adding(entry, message.partition)),
                                                           markers)
        response = rpc.AddPartitionsToTxnResponse(message.partition, error, message.producer_id)
        return Out(AddsPartition(-1 if txn is None else txn, message.partition, error, for_broker=True), after,
                   (Reply(envelope.link, response),))

    def failed(self, state, link, requests):
        """A partition's connection broke under its markers: they are sent again (the marker channel
        retries until each is answered)."""
        entries, markers = state
        lost = {(txn, request.partition) for request in requests if type(request) is rpc.WriteTxnMarkersRequest
                for txn, entry in enumerate(entries) if entry is not None and entry.producer_id == request.producer_id}
        if not lost & markers.sent:
            return []
        return [Out(LearnsMarker(-1, -1, rpc.NETWORK_EXCEPTION, False),
                    ActorState(entries, markers._replace(sent=markers.sent - lost)))]

    @staticmethod
    def _check(entry: TxnEntry | None, producer_id: int, producer_epoch: int) -> int:
        if entry is None or entry.producer_id != producer_id or producer_epoch < entry.producer_epoch:
            return rpc.PRODUCER_FENCED
        return rpc.NONE

    def _init(self, state, envelope) -> Out:
        entries, markers = state
        message = envelope.message
        txn = message.transactional_id
        entry = entries[txn]

        def reply(error, entry):
            epoch = entry.producer_epoch if entry is not None else -1
            pid = entry.producer_id if entry is not None else -1
            return Reply(envelope.link, rpc.InitProducerIdResponse(error, pid, epoch if error == rpc.NONE else -1))

        if entry is None:
            entry = TxnEntry(txn, 0, EMPTY)
            return Out(AnswersInit(txn, rpc.NONE, 0), ActorState(self._registered(entries, txn, entry, envelope.src),
                                                                 markers), (reply(rpc.NONE, entry),))
        if message.producer_id >= 0 and (message.producer_id, message.producer_epoch) != \
                (entry.producer_id, entry.producer_epoch) and entry.state not in PREPARED:
            return Out(AnswersInit(txn, rpc.PRODUCER_FENCED, -1), state, (reply(rpc.PRODUCER_FENCED, entry),))
        if entry.state == ONGOING and message.keep_prepared:
            # KIP-939: the epoch is bumped (fencing the old incarnation's requests) and the transaction kept;
            # the answer names the epoch the transaction was written in, however often it was kept
            written_in = entry.kept_epoch if entry.kept_epoch >= 0 else entry.producer_epoch
            kept = entry._replace(producer_epoch=entry.producer_epoch + 1, kept_epoch=written_in)
            response = rpc.InitProducerIdResponse(rpc.NONE, entry.producer_id, kept.producer_epoch, ongoing=True,
                                                  ongoing_epoch=written_in)
            return Out(AnswersInit(txn, rpc.NONE, kept.producer_epoch, kept=True),
                       ActorState(_with(entries, txn, kept), markers), (Reply(envelope.link, response),))
        if entry.state == ONGOING:
            return self._fence(state, txn, Fences(txn, entry.producer_epoch + 1, "InitProducerId"),
                               reply(rpc.CONCURRENT_TRANSACTIONS, entry))
        if entry.state in PREPARED:
            return Out(AnswersInit(txn, rpc.CONCURRENT_TRANSACTIONS, -1), state,
                       (reply(rpc.CONCURRENT_TRANSACTIONS, entry),))
        bumped = entry._replace(producer_epoch=entry.producer_epoch + 1, state=EMPTY, partitions=(), previous_epoch=-1)
        return Out(AnswersInit(txn, rpc.NONE, bumped.producer_epoch),
                   ActorState(self._registered(entries, txn, bumped, envelope.src), markers), (reply(rpc.NONE, bumped),))

    def _end(self, state, envelope) -> Out:
        entries, markers = state
        message = envelope.message
        txn, commit = message.transactional_id, message.commit
        entry = entries[txn]
        wanted_prepare = PREPARE_COMMIT if commit else PREPARE_ABORT
        wanted_complete = COMPLETE_COMMIT if commit else COMPLETE_ABORT

        def answer(error, after=state, sends=()):
            epoch = after.durable[txn].producer_epoch if error == rpc.NONE else -1
            response = rpc.EndTxnResponse(error, commit, epoch)
            return Out(Decides(txn, commit, error, epoch), after, sends + (Reply(envelope.link, response),))

        retried = entry is not None and entry.producer_id == message.producer_id and (
            message.producer_epoch == entry.producer_epoch or message.producer_epoch == entry.previous_epoch)
        if retried and entry.state == wanted_prepare:
            return answer(rpc.CONCURRENT_TRANSACTIONS)
        if self.bumps_per_transaction and not commit and retried and message.producer_epoch == entry.producer_epoch \
                and entry.state in (EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT):
            # KIP-890 part 2: the client sent records the coordinator never added (none reached a leader, or
            # each was refused): it may still abort, which bumps the epoch as any end does
            aborted = entry._replace(state=PREPARE_ABORT, partitions=(), producer_epoch=entry.producer_epoch + 1,
                                     previous_epoch=entry.producer_epoch)
            written = self._decided(ActorState(_with(entries, txn, aborted), markers), txn)
            return answer(rpc.NONE, written.state, written.sends)
        if retried and entry.state == wanted_complete:
            return answer(rpc.NONE)
        error = self._check(entry, message.producer_id, message.producer_epoch)
        if error == rpc.NONE and entry.producer_epoch != message.producer_epoch:
            error = rpc.PRODUCER_FENCED
        if error == rpc.NONE and entry.state in PREPARED:
            error = rpc.CONCURRENT_TRANSACTIONS
        elif error == rpc.NONE and entry.state != ONGOING:
            error = rpc.INVALID_TXN_STATE
        if error != rpc.NONE:
            return answer(error)
        decided = entry._replace(state=wanted_prepare)
        if commit and envelope.src in self.instances and (entry.superseded or entry.holder != envelope.src):
            decided = decided._replace(zombie_commits=decided.zombie_commits + (envelope.src,))
        if self.bumps_per_transaction:
            decided = decided._replace(producer_epoch=entry.producer_epoch + 1, previous_epoch=entry.producer_epoch)
        written = self._decided(ActorState(_with(entries, txn, decided), markers), txn)
        return answer(rpc.NONE, written.state, written.sends)

    def _registered(self, entries: tuple, txn: int, entry: TxnEntry, instance: int) -> tuple:
        """`entries` with `entry` for `txn`, and an observer's note that `instance` got its producer id and
        epoch: it is the newest producer of its application, so every other instance's is superseded."""
        if instance not in self.instances:
            return _with(entries, txn, entry)
        entries = tuple(other._replace(superseded=True) if other is not None and other.holder != instance
                        and other.holder in self.instances else other for other in entries)
        return _with(entries, txn, entry._replace(holder=instance, superseded=False))

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is AnswersInit and what.kept:
            return (f"keeps transactional id {what.transactional_id}'s prepared transaction (KIP-939) and "
                    f"hands it back, epoch {what.producer_epoch}")
        if kind is AnswersInit:
            if what.error == rpc.NONE:
                return f"gives transactional id {what.transactional_id} producer epoch {what.producer_epoch}"
            return f"answers InitProducerId with {rpc.ERROR_NAMES[what.error]}"
        if kind is Fences:
            return (f"fences transactional id {what.transactional_id} ({what.why}): epoch {what.producer_epoch}, "
                    f"aborts its open transaction")
        if kind is Expires:
            return (f"times out transactional id {what.transactional_id}'s open transaction "
                    f"(transaction.timeout.ms passes, nothing else can happen): epoch {what.producer_epoch}, aborts it")
        if kind is Verifies:
            verdict = "is" if what.error == rpc.NONE else f"is not ({rpc.ERROR_NAMES[what.error]})"
            return f"tells p{what.partition} it {verdict} in the ongoing transaction of producer {what.producer_id}"
        if kind is AddsPartition:
            subject = "the group's offsets" if what.partition == rpc.GROUP else f"p{what.partition}"
            asker = ("" if not what.for_broker else
                     " (asked by the group coordinator, KIP-890)" if what.partition == rpc.GROUP
                     else " (asked by its leader, KIP-890)")
            if what.error == rpc.NONE:
                return f"adds {subject} to the transaction{asker}"
            return f"refuses to add {subject}{asker}: {rpc.ERROR_NAMES[what.error]}"
        if kind is Decides:
            verb = "commit" if what.commit else "abort"
            if what.error == rpc.NONE:
                epoch = f" (producer epoch now {what.producer_epoch})" if self.bumps_per_transaction else ""
                return f"writes Prepare{verb.capitalize()} to its log and answers the {verb}{epoch}"
            return f"answers the {verb} with {rpc.ERROR_NAMES[what.error]}"
        if kind is WritesMarkers:
            marker = "COMMIT" if what.commit else "ABORT"
            return f"sends {marker} markers to " + ", ".join(_participant(p) for p in what.partitions)
        if kind is LearnsMarker:
            if what.error != rpc.NONE:
                return f"learns a marker was not written ({rpc.ERROR_NAMES[what.error]}); it will send it again"
            return (f"learns {_participant(what.partition)} has its marker"
                    + ("; the transaction is complete" if what.completes else ""))
        return super().describe(what)


    def describe_state(self, state) -> str:
        parts = []
        for txn, entry in enumerate(state.durable):
            if entry is not None:
                partitions = ", ".join(_participant(p) for p in entry.partitions)
                parts.append(f"id {txn}: producer {entry.producer_id} epoch {entry.producer_epoch} "
                             f"{STATE_NAMES[entry.state]}" + (f" [{partitions}]" if partitions else ""))
        return "; ".join(parts) or "no transactional id yet"

    def explain(self, before, after) -> list[str]:
        lines = []
        for txn, (old, new) in enumerate(zip(before.durable, after.durable)):
            if old != new and new is not None:
                was = "none" if old is None else f"{STATE_NAMES[old.state]} epoch {old.producer_epoch}"
                lines.append(f"transaction log, id {txn}: {was} -> {STATE_NAMES[new.state]} epoch {new.producer_epoch}")
        return lines


def _participant(p: int) -> str:
    return "the group's offsets" if p == rpc.GROUP else f"p{p}"


def _txn_of(entries, producer_id: int) -> int | None:
    """The transactional id whose entry has `producer_id`, or None."""
    return next((txn for txn, entry in enumerate(entries) if entry is not None and entry.producer_id == producer_id),
                None)


def _with(entries: tuple, txn: int, entry: TxnEntry) -> tuple:
    return entries[:txn] + (entry,) + entries[txn + 1:]


def _adding(entry: TxnEntry, partition: int) -> TxnEntry:
    """`entry` with `partition` in its transaction, which is Ongoing from now on."""
    if entry.state == ONGOING:
        return entry._replace(partitions=tuple(sorted(set(entry.partitions) | {partition})), previous_epoch=-1)
    return entry._replace(state=ONGOING, partitions=(partition,), previous_epoch=-1, kept_epoch=-1)


def _completed(entry: TxnEntry) -> TxnEntry:
    state = COMPLETE_COMMIT if entry.state == PREPARE_COMMIT else COMPLETE_ABORT
    return entry._replace(state=state, partitions=(), kept_epoch=-1)
