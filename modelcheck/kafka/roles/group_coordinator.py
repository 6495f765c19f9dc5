"""The group coordinator on the actors layer: committed offsets, generations, rebalances, evictions.

- Offsets: it answers `OffsetFetchRequest` with the committed offset of a partition (NO_OFFSET when
  none) and stores an `OffsetCommitRequest`, unless it comes from another generation than the group's
  or from a member that does not own the partition (ILLEGAL_GENERATION, which the Java client raises
  as CommitFailedException: "the group has already rebalanced and assigned the partitions to another
  member"), or from a member removed from the group, also while the rebalance its removal started is
  still running (UNKNOWN_MEMBER_ID, the same exception to the client). That refusal is what fences a
  zombie's commit.
- Rebalances: a rebalance starts when a member is evicted or, within the `rebalance` budget (a fault
  of its own: a member leaves and joins again, a deployment restarts one), at any time with any other
  assignment of the partitions to the members. The coordinator tells every member (RebalanceNotice, as
  a heartbeat answered REBALANCE_IN_PROGRESS would), holds each member's `JoinGroupRequest`, and once
  every member has joined answers them all with the new generation and each member's partitions
  (JoinGroup and SyncGroup folded together). Until then the old generation stands and its commits are
  accepted, so a member commits what it processed before it rejoins.
- Evictions: it monitors the consumers (`Down` notices stand for the session and poll timeouts). A
  member that stalls past `max.poll.interval.ms` (a pause) leaves the group (KIP-62); its partitions go
  to the lowest-numbered other member, or to a spare instance when there is none (as an orchestrator
  would start one). A member that crashes keeps its partitions (static membership, KIP-345) and
  rejoins when it restarts. A member that is no longer in the group and asks to join gets no partition
  (sticky assignment would hand it none back); the model leaves out its further part.

- Transactional offsets (KIP-98, KIP-447): a `TxnOffsetCommitRequest` is kept pending until the
  transaction coordinator's marker for the group (COMMIT: the offsets are committed; ABORT: dropped).
  Its KIP-447 form carries the member's id and generation: a member removed from the group
  (UNKNOWN_MEMBER_ID) or of an older generation is refused (both are CommitFailedException to the
  client); the legacy form
  (the group id only) is not, so only the producer epoch fences it. While a partition has offsets
  pending, an OffsetFetch that requires stable offsets (a read_committed consumer's, KIP-447) is answered
  UNSTABLE_OFFSET_COMMIT (the consumer asks again), so a new owner
  never starts from an offset a transaction may still change.
- transaction.version 2 (KIP-890 part 2): the client sends no AddOffsetsToTxn; a TxnOffsetCommit (v5)
  has the group coordinator ask the transaction coordinator, by an AddPartitionsToTxn without
  verify_only, to add the group's offsets to the producer's transaction (`AddsOffsets`), and the offsets
  are kept pending only once it has (`LearnsOffsetsAdded`). PRODUCER_FENCED is answered as the request's
  error (fatal to the client), CONCURRENT_TRANSACTIONS and a lost request (the transaction coordinator
  crashed, NETWORK_EXCEPTION) as retriable errors, and the client sends its offsets again.

Its state is durable (the `__consumer_offsets` topic and the group metadata). It crashes within the
`group.coordinator.crash` budget: a new coordinator (another broker taking the `__consumer_offsets`
partition over) loads that state; what was in flight to it fails, and its clients make their requests
again (the Java client takes COORDINATOR_NOT_AVAILABLE and NOT_COORDINATOR as retriable: it finds the new
coordinator and retries); the JoinGroups and TxnOffsetCommits it was holding are asked again (`restart`).

Left out: the join protocol's timeouts (a member that never rejoins holds the rebalance back only
until its session times out: here it is evicted only when paused), several groups, offset retention.

Sources: the broker's `GroupCoordinator` and `GroupMetadata` (PreparingRebalance -> CompletingRebalance
-> Stable, generation checks on OffsetCommit), the Java client's `ConsumerCoordinator`; KIP-62, KIP-345,
KIP-429 (members keep the partitions that do not move). For transaction.version 2: KIP-890 (TxnOffsetCommit
v5 does what AddOffsetsToTxn did), apache/kafka at 1eb7644 (`CoordinatorPartitionWriter.
maybeStartTransactionVerification`, the group coordinator's transaction check before a transactional
offset write; the Java client's `TxnOffsetCommitHandler`: retriable errors are retried, PRODUCER_FENCED
and INVALID_PRODUCER_EPOCH are fatal), and Kafka 4.0's `AddPartitionsToTxnManager.
txnOffsetCommitRequestVersionToTransactionSupportedOperation` (v5 adds the partition), read in copies of
the 4.x source in the search tool's code corpus (the mirror's commit predates it).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Out, Reply, Request, Send
from modelcheck.actors.actor import NOTICE
from modelcheck.kafka import group as groups
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.role import KafkaRole


class Rebalance(NamedTuple):
    owners: tuple                 # the assignment it will hand out
    expected: tuple               # the members that must join
    joined: tuple = ()            # (member, link) of the JoinGroups it holds


class Group(NamedTuple):
    committed: tuple              # per partition, NO_OFFSET when none
    generation: int
    owners: tuple                 # per partition, the owning member
    members: tuple                # the members in the group
    spares: tuple                 # instances not started yet, in the order they would be
    rebalance: Rebalance | None = None
    pending: tuple = ()           # (producer id, partition, offset, member): transactional offsets awaiting a marker
    producer_epochs: tuple = ()   # (producer id, epoch): the latest epoch of each transactional producer seen
    zombie_commits: tuple = ()    # observer's record: (member, partition, offset) committed by a transaction
                                  # after another member had started the partition from its committed offset
    started_by: tuple = ()        # observer's record: per partition, the member that last fetched its offset
    adding: tuple = ()            # transaction.version 2: (link, TxnOffsetCommitRequest) waiting for the
                                  # transaction coordinator to add the offsets


class AnswersOffsetFetch(NamedTuple):
    partition: int
    offset: int
    error: int = 0


class StoresCommit(NamedTuple):
    member: int
    offsets: tuple


class RejectsCommit(NamedTuple):
    member: int
    offsets: tuple
    why: str


class HoldsTxnOffsets(NamedTuple):
    producer_id: int
    offsets: tuple
    error: int
    why: str = ""


class AddsOffsets(NamedTuple):
    """transaction.version 2: a TxnOffsetCommit has the group coordinator ask for the offsets to be added."""

    producer_id: int


class LearnsOffsetsAdded(NamedTuple):
    producer_id: int
    error: int


class AppliesMarker(NamedTuple):
    producer_id: int
    commit: bool
    offsets: tuple                # the offsets it committed (none on an abort)


class Evicts(NamedTuple):
    member: int
    heir: int


class StartsRebalance(NamedTuple):
    owners: tuple


class HoldsJoin(NamedTuple):
    member: int


class CompletesRebalance(NamedTuple):
    generation: int
    owners: tuple


class AnswersJoin(NamedTuple):
    member: int
    partitions: tuple


class NotesDown(NamedTuple):
    member: int
    reason: str


class GroupCoordinator(KafkaRole):
    role = "group-coordinator"
    kinds = (AnswersOffsetFetch, StoresCommit, RejectsCommit, Evicts, StartsRebalance, HoldsJoin,
             CompletesRebalance, AnswersJoin, NotesDown, HoldsTxnOffsets, AppliesMarker, AddsOffsets,
             LearnsOffsetsAdded)
    faults = ("rebalance",)

    def __init__(self, partitions: int, instances: int, consumers: tuple[int, ...], observes_takeovers: bool = False,
                 transaction_coordinator: int | None = None):
        """`consumers`: the actor id of each consumer, members first (`instances` of them), then spares;
        `observes_takeovers`: note which member last started a partition from its committed offset (for
        `zombie-fenced`); `transaction_coordinator`: under transaction.version 2, the one that adds the
        offsets of a TxnOffsetCommit to its transaction."""
        super().__init__("group-coordinator")
        self.transaction_coordinator = transaction_coordinator
        self.observes_takeovers = observes_takeovers
        self.partitions = partitions
        self.instances = instances
        self.consumers = consumers
        self.monitors = consumers
        self.member_of = {actor: member for member, actor in enumerate(consumers)}

    def initial(self) -> ActorState:
        start = groups.initial_group(self.partitions, self.instances)
        return ActorState(Group(start.committed, start.generation, start.owners, tuple(range(self.instances)),
                                tuple(range(self.instances, len(self.consumers)))), None)

    def restart(self, durable) -> ActorState:
        """A new coordinator loads the group from its log (`__consumer_offsets`): the committed and the
        pending transactional offsets, the generation and the assignment. The requests it held are gone
        with their connections, and their senders make them again: a rebalance waits for every member's
        JoinGroup anew, and a TxnOffsetCommit waiting for its offsets to be added is dropped."""
        rebalance = durable.rebalance
        if rebalance is not None:
            rebalance = rebalance._replace(joined=())
        return ActorState(durable._replace(rebalance=rebalance, adding=()), None)

    # -- rebalances by the budget --------------------------------------------------------------------

    def steps(self, state):
        group = state.durable
        if group.rebalance is not None or len(group.members) < 2:
            return []
        out = []
        for owners in groups.assignments(self.partitions, group.members):
            if owners != group.owners:
                out.append(self._start(state, group, owners, StartsRebalance(owners), fault="rebalance"))
        return out

    def _start(self, state, group: Group, owners: tuple, what, fault: str | None = None) -> Out:
        rebalance = Rebalance(owners, group.members)
        notices = tuple(Send(self.consumers[m], rpc.RebalanceNotice(group.generation)) for m in group.members)
        return Out(what, ActorState(group._replace(rebalance=rebalance), None), notices, fault)

    # -- requests and notices ------------------------------------------------------------------------

    def receive(self, state, envelope):
        message, group = envelope.message, state.durable
        kind = type(message)
        if envelope.kind == NOTICE:
            return self._down(state, group, envelope.message)
        if kind is rpc.OffsetFetchRequest:
            p = message.partition
            if message.require_stable and any(entry[1] == p for entry in group.pending):
                response = rpc.OffsetFetchResponse(p, rpc.NO_OFFSET, rpc.UNSTABLE_OFFSET_COMMIT)
                return [Out(AnswersOffsetFetch(p, rpc.NO_OFFSET, rpc.UNSTABLE_OFFSET_COMMIT), state,
                            (Reply(envelope.link, response),))]
            offset = group.committed[p]
            after = state
            if self.observes_takeovers:
                started = group.started_by or (-1,) * self.partitions
                after = ActorState(group._replace(started_by=started[:p] + (message.member,) + started[p + 1:]), None)
            return [Out(AnswersOffsetFetch(p, offset), after,
                        (Reply(envelope.link, rpc.OffsetFetchResponse(p, offset)),))]
        if kind is rpc.TxnOffsetCommitRequest and self.transaction_coordinator is not None:
            return [self._add_offsets(group, envelope)]
        if kind is rpc.TxnOffsetCommitRequest:
            return [self._txn_commit(state, group, envelope.link, message)]
        if kind is rpc.AddPartitionsToTxnResponse:
            return self._offsets_added(group, message.producer_id, message.error)
        if kind is rpc.WriteTxnMarkersRequest:
            return [self._marker(state, group, envelope, message)]
        if kind is rpc.OffsetCommitRequest:
            return [self._commit(state, group, envelope, message)]
        if kind is rpc.JoinGroupRequest:
            return [self._join(state, group, envelope, message.member)]
        return []

    def _commit(self, state, group: Group, envelope, request) -> Out:
        for partition, _offset in request.offsets:
            why = _unknown_member(group, request.member) or \
                groups.commit_error(group, request.generation, partition, request.member)
            if why is not None:
                response = rpc.OffsetCommitResponse(request.offsets, rpc.ILLEGAL_GENERATION)
                return Out(RejectsCommit(request.member, request.offsets, why), state, (Reply(envelope.link, response),))
        committed = groups.with_commit(group, dict(request.offsets)).committed
        return Out(StoresCommit(request.member, request.offsets), ActorState(group._replace(committed=committed), None),
                   (Reply(envelope.link, rpc.OffsetCommitResponse(request.offsets, rpc.NONE)),))

    def _add_offsets(self, group: Group, envelope) -> Out:
        """transaction.version 2: the offsets' partition joins the producer's transaction first."""
        request = envelope.message
        add = rpc.AddPartitionsToTxnRequest(-1, request.producer_id, request.producer_epoch, rpc.GROUP)
        held = group._replace(adding=group.adding + ((envelope.link, request),))
        return Out(AddsOffsets(request.producer_id), ActorState(held, None),
                   (Request(self.transaction_coordinator, add),))

    def _offsets_added(self, group: Group, producer_id: int, error: int) -> list[Out]:
        """The transaction coordinator's answer for the oldest TxnOffsetCommit of `producer_id`: the offsets
        are checked and kept pending, or the request is answered with the error."""
        position = next((i for i, (_link, request) in enumerate(group.adding) if request.producer_id == producer_id),
                        None)
        if position is None:
            return []
        link, request = group.adding[position]
        group = group._replace(adding=group.adding[:position] + group.adding[position + 1:])
        state = ActorState(group, None)
        if error != rpc.NONE:
            return [Out(LearnsOffsetsAdded(producer_id, error), state,
                        (Reply(link, rpc.TxnOffsetCommitResponse(error)),))]
        return [self._txn_commit(state, group, link, request)]

    def failed(self, state, link, requests):
        """The transaction coordinator crashed under its AddPartitionsToTxn: each TxnOffsetCommit waiting for
        it is answered NETWORK_EXCEPTION, which its client retries."""
        group = state.durable
        asked = {request.producer_id for request in requests if type(request) is rpc.AddPartitionsToTxnRequest}
        waiting = tuple(entry for entry in group.adding if entry[1].producer_id in asked)
        if not waiting:
            return []
        kept = tuple(entry for entry in group.adding if entry[1].producer_id not in asked)
        answers = tuple(Reply(client, rpc.TxnOffsetCommitResponse(rpc.NETWORK_EXCEPTION)) for client, _request in waiting)
        return [Out(LearnsOffsetsAdded(waiting[0][1].producer_id, rpc.NETWORK_EXCEPTION),
                    ActorState(group._replace(adding=kept), None), answers)]

    def _txn_commit(self, state, group: Group, link, request) -> Out:
        """Offsets sent in a transaction: kept pending until its marker. With the group metadata (KIP-447)
        a commit from an older generation is refused as a plain commit would be; a producer epoch older
        than one the group has seen a marker of is fenced (the offsets topic's producer state)."""
        epoch = dict(group.producer_epochs).get(request.producer_id, -1)
        error, why = rpc.NONE, ""
        if request.producer_epoch < epoch:
            error, why = rpc.PRODUCER_FENCED, f"producer epoch {request.producer_epoch} is older than {epoch}"
        elif request.generation >= 0 and _unknown_member(group, request.member):
            error, why = rpc.ILLEGAL_GENERATION, _unknown_member(group, request.member)
        elif request.generation >= 0:
            for partition, _offset in request.offsets:
                why = groups.commit_error(group, request.generation, partition, request.member) or ""
                if why:
                    error = rpc.ILLEGAL_GENERATION
                    break
        after = state
        if error == rpc.NONE:
            kept = tuple(entry for entry in group.pending if entry[0] != request.producer_id
                         or entry[1] not in dict(request.offsets))
            pending = kept + tuple((request.producer_id, p, offset, request.member) for p, offset in request.offsets)
            after = ActorState(group._replace(pending=tuple(sorted(pending))), None)
        return Out(HoldsTxnOffsets(request.producer_id, request.offsets, error, why), after,
                   (Reply(link, rpc.TxnOffsetCommitResponse(error)),))

    def _marker(self, state, group: Group, envelope, request) -> Out:
        """A transaction's marker for the group's offsets: a commit makes its pending offsets the
        committed ones, an abort drops them."""
        entries = tuple(entry for entry in group.pending if entry[0] == request.producer_id)
        mine = tuple((p, offset) for _pid, p, offset, _member in entries)
        pending = tuple(entry for entry in group.pending if entry[0] != request.producer_id)
        committed, zombies = group.committed, group.zombie_commits
        if request.commit:
            committed = groups.with_commit(group, dict(mine)).committed
            started = group.started_by or (-1,) * self.partitions
            zombies += tuple((member, p, offset) for _pid, p, offset, member in entries if started[p] != member)
        epochs = dict(group.producer_epochs)
        epochs[request.producer_id] = max(epochs.get(request.producer_id, -1), request.producer_epoch)
        after = group._replace(pending=pending, committed=committed, producer_epochs=tuple(sorted(epochs.items())),
                               zombie_commits=zombies)
        response = rpc.WriteTxnMarkersResponse(rpc.GROUP, request.producer_id, rpc.NONE)
        return Out(AppliesMarker(request.producer_id, request.commit, mine if request.commit else ()),
                   ActorState(after, None), (Reply(envelope.link, response),))

    def _join(self, state, group: Group, envelope, member: int) -> Out:
        rebalance = group.rebalance
        if rebalance is None or member not in rebalance.expected:
            owned = tuple(p for p, owner in enumerate(group.owners) if owner == member) \
                if member in group.members else ()
            return Out(AnswersJoin(member, owned), state,
                       (Reply(envelope.link, rpc.JoinGroupResponse(group.generation, owned)),))
        joined = tuple(entry for entry in rebalance.joined if entry[0] != member) + ((member, envelope.link),)
        if {m for m, _link in joined} != set(rebalance.expected):
            return Out(HoldsJoin(member), ActorState(group._replace(rebalance=rebalance._replace(joined=joined)), None))
        generation = group.generation + 1
        replies = tuple(Reply(link, rpc.JoinGroupResponse(generation, tuple(p for p, owner in enumerate(rebalance.owners)
                                                                              if owner == m)))
                        for m, link in sorted(joined))
        done = group._replace(generation=generation, owners=rebalance.owners, rebalance=None)
        return Out(CompletesRebalance(generation, rebalance.owners), ActorState(done, None), replies)

    def _down(self, state, group: Group, notice) -> list[Out]:
        """A consumer went down: a paused member is evicted (a crashed one keeps its place)."""
        member = self.member_of.get(notice.actor)
        if notice.reason != "paused" or member not in group.members:
            return [Out(NotesDown(member, notice.reason), state)]
        others = [m for m in group.members if m != member]
        spares = group.spares
        if others:
            heir = others[0]
        elif spares:
            heir, spares = spares[0], spares[1:]
        else:
            heir = None
        members = tuple(sorted(others + ([heir] if heir is not None and heir not in others else [])))
        base = group.rebalance.owners if group.rebalance is not None else group.owners
        owners = tuple(heir if owner == member else owner for owner in base)
        evicted = group._replace(members=members, spares=spares, rebalance=None)
        if heir is None:
            return [Out(Evicts(member, -1), ActorState(evicted._replace(owners=owners), None))]
        return [self._start(state, evicted, owners, Evicts(member, heir))]

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is AnswersOffsetFetch and what.error:
            return (f"answers that p{what.partition}'s offset is pending in a transaction "
                    f"({rpc.ERROR_NAMES[what.error]}): ask again")
        if kind is HoldsTxnOffsets:
            if what.error:
                return f"refuses the transaction's offsets {_offsets(what.offsets)}: {rpc.ERROR_NAMES[what.error]} ({what.why})"
            return f"keeps {_offsets(what.offsets)} pending until producer {what.producer_id}'s transaction ends"
        if kind is AddsOffsets:
            return (f"asks the transaction coordinator to add the group's offsets to producer {what.producer_id}'s "
                    f"transaction first (KIP-890)")
        if kind is LearnsOffsetsAdded:
            return f"refuses the transaction's offsets: {rpc.ERROR_NAMES[what.error]} from the transaction coordinator"
        if kind is AppliesMarker:
            if what.commit:
                return f"takes the COMMIT marker of producer {what.producer_id}: commits {_offsets(what.offsets)}"
            return f"takes the ABORT marker of producer {what.producer_id}: drops its pending offsets"
        if kind is AnswersOffsetFetch:
            offset = "none" if what.offset == rpc.NO_OFFSET else str(what.offset)
            return f"answers that the committed offset of p{what.partition} is {offset}"
        if kind is StoresCommit:
            return f"stores consumer[{what.member}]'s commit of {_offsets(what.offsets)}"
        if kind is RejectsCommit:
            return f"rejects consumer[{what.member}]'s commit of {_offsets(what.offsets)} ({what.why})"
        if kind is Evicts:
            if what.heir < 0:
                return f"evicts consumer[{what.member}] (no poll within max.poll.interval.ms); no member is left"
            return (f"evicts consumer[{what.member}] (no poll within max.poll.interval.ms) and rebalances: its "
                    f"partitions go to consumer[{what.heir}]")
        if kind is StartsRebalance:
            moves = ", ".join(f"p{p} -> consumer[{owner}]" for p, owner in enumerate(what.owners))
            return f"starts a rebalance ({moves})"
        if kind is HoldsJoin:
            return f"holds consumer[{what.member}]'s JoinGroup until every member has joined"
        if kind is CompletesRebalance:
            return f"completes the rebalance: generation {what.generation}"
        if kind is NotesDown:
            if what.reason == "crashed":
                return f"notes that consumer[{what.member}] crashed (static membership: it keeps its partitions)"
            return f"notes that consumer[{what.member}] stalled (it is no longer a member)"
        if kind is AnswersJoin:
            owned = ", ".join(f"p{p}" for p in what.partitions) or "no partition"
            return f"answers consumer[{what.member}]'s JoinGroup: {owned}"
        return super().describe(what)


    def describe_state(self, state) -> str:
        group = state.durable
        text = (f"generation {group.generation}, committed "
                + ", ".join(f"p{p}: {'none' if o == rpc.NO_OFFSET else o}" for p, o in enumerate(group.committed)))
        return text + (", rebalancing" if group.rebalance is not None else "")

    def explain(self, before, after) -> list[str]:
        old, new = before.durable, after.durable
        lines = [f"committed offset of p{p}: {'none' if was == rpc.NO_OFFSET else was} -> {now}"
                 for p, (was, now) in enumerate(zip(old.committed, new.committed)) if was != now]
        if old.generation != new.generation:
            lines.append(f"group generation: {old.generation} -> {new.generation}")
        if old.owners != new.owners:
            lines.append("owners: " + ", ".join(f"p{p} -> consumer[{o}]" for p, o in enumerate(new.owners)))
        return lines


def _unknown_member(group: Group, member: int) -> str | None:
    """Why a member's commit is refused before anything else: it was removed from the group (evicted
    after a stall), which Kafka answers UNKNOWN_MEMBER_ID, also while the rebalance it started runs."""
    if member in group.members:
        return None
    return f"UNKNOWN_MEMBER_ID: consumer[{member}] was removed from the group"


def _offsets(offsets) -> str:
    return ", ".join(f"offset {offset} of p{p}" for p, offset in offsets)
