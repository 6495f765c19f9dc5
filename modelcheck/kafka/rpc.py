"""The requests and responses Kafka's roles exchange, named as Kafka's protocol names them.

Each message is a small NamedTuple of ints (and records), so that states hash the same in every process.
Error codes are Kafka's own (`org.apache.kafka.common.protocol.Errors`): a response carries the code,
and `ERROR_NAMES` gives the name a trace shows.

What travels, and between whom:

- Produce (producer -> the partition's replicas, `roles.replicas`): one batch of one record
  (`records`), with its idempotence header in the record and the leader epoch the producer routes it
  by; the answer carries the offset (or the original offset of a duplicate) or an error, and with
  NOT_LEADER_OR_FOLLOWER the current leader and epoch (KIP-951). With `acks=0` the request is one-way:
  no answer ever comes.
- Fetch (consumer -> the partition's replicas): the offset to read from; the leader holds the request
  until records below the high watermark can be returned (long polling, `fetch.max.wait.ms` left out)
  and answers with at most `max_records` of them.
- ListOffsets (consumer -> the partition's replicas): the log end a `latest` reset starts from.
- OffsetsForLeaderEpoch (consumer -> the partition's replicas): after a leader change, where the epoch
  of the last record it read ends, so it can tell a truncated log (KIP-320).
- Metadata (a client -> the partition's replicas): where the partition leads now.
- BrokerUp (a restarted broker -> the partitions it has replicas of).
- OffsetFetch / OffsetCommit (consumer -> group coordinator): the committed offset of a partition; a
  commit carries the member's generation and is refused with ILLEGAL_GENERATION from an older one.
- JoinGroup (consumer -> group coordinator) and the coordinator's notice that the group rebalances
  (what a heartbeat answered with REBALANCE_IN_PROGRESS tells a member): a member rejoins at its next
  poll, and the coordinator answers every JoinGroup once all members have joined, with the new
  generation and the member's partitions (SyncGroup folded in).
- Transactions (KIP-98): InitProducerId, AddPartitionsToTxn and EndTxn (transactional producer ->
  transaction coordinator, `roles.transaction_coordinator`), answered with the producer id and epoch or
  CONCURRENT_TRANSACTIONS / PRODUCER_FENCED / INVALID_TXN_STATE; WriteTxnMarkers (coordinator -> the
  partition's replicas) has the leader append a COMMIT or ABORT marker. With KIP-890 part 1 a partition
  leader asks the coordinator, by an AddPartitionsToTxn with verify_only, whether a transactional
  produce belongs to an ongoing transaction that has the partition, before it appends the first record;
  under transaction.version 2 (part 2) the leader, and the group coordinator for a TxnOffsetCommit, send
  it without verify_only and the coordinator adds the partition (the client sends neither
  AddPartitionsToTxn nor AddOffsetsToTxn then). A read_committed Fetch names its
  isolation level and its answer carries the offsets of aborted transactions' records.
- Sink writes (consumer -> database or HTTP service): not Kafka's protocol but the application's own
  call, answered once applied.
- Position reads and writes (a producing application's instance -> its position store,
  `roles.position_store`): not Kafka's either; where the application's work stands, read by an instance
  when it starts and written after each committed transaction.

Left out: batching several records per request, the messages between brokers (replication is a step
of the partition's actor, see `roles.replicas`), and every request the model does not need
(heartbeats, SyncGroup, LeaveGroup).

Sources: the Kafka protocol guide (request and response names, error codes); apache/kafka
`clients/src/main/java/org/apache/kafka/common/protocol/Errors.java` for the codes.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka.records import Record

# Kafka's error codes (Errors.java).
NONE = 0
OFFSET_OUT_OF_RANGE = 1
NETWORK_EXCEPTION = 13
NOT_LEADER_OR_FOLLOWER = 6
NOT_ENOUGH_REPLICAS = 19
NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20
ILLEGAL_GENERATION = 22
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
INVALID_PRODUCER_EPOCH = 47
INVALID_TXN_STATE = 48
CONCURRENT_TRANSACTIONS = 51
UNKNOWN_PRODUCER_ID = 59
UNSTABLE_OFFSET_COMMIT = 88
PRODUCER_FENCED = 90

ERROR_NAMES = {
    NONE: "NONE", OFFSET_OUT_OF_RANGE: "OFFSET_OUT_OF_RANGE", NETWORK_EXCEPTION: "NETWORK_EXCEPTION", NOT_LEADER_OR_FOLLOWER: "NOT_LEADER_OR_FOLLOWER",
    NOT_ENOUGH_REPLICAS: "NOT_ENOUGH_REPLICAS", NOT_ENOUGH_REPLICAS_AFTER_APPEND: "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    ILLEGAL_GENERATION: "ILLEGAL_GENERATION", OUT_OF_ORDER_SEQUENCE_NUMBER: "OUT_OF_ORDER_SEQUENCE_NUMBER",
    INVALID_PRODUCER_EPOCH: "INVALID_PRODUCER_EPOCH", UNKNOWN_PRODUCER_ID: "UNKNOWN_PRODUCER_ID",
    INVALID_TXN_STATE: "INVALID_TXN_STATE", CONCURRENT_TRANSACTIONS: "CONCURRENT_TRANSACTIONS",
    PRODUCER_FENCED: "PRODUCER_FENCED", UNSTABLE_OFFSET_COMMIT: "UNSTABLE_OFFSET_COMMIT",
}

NO_OFFSET = -1
GROUP = -1                        # in a transaction's partitions: the group's offsets (its coordinator's log)


class ProduceRequest(NamedTuple):
    partition: int
    record: Record
    attempt: int                  # 1 for the first send of the batch
    leader_epoch: int = 0         # the leader epoch the producer routes it by


class ProduceResponse(NamedTuple):
    partition: int
    event: int
    error: int
    offset: int = -1
    leader: int = -1              # with NOT_LEADER_OR_FOLLOWER: the current leader (KIP-951), -1 none
    leader_epoch: int = -1


class FetchRequest(NamedTuple):
    fetches: tuple                # (partition, offset) for each partition asked of this leader
    max_records: int
    leader_epoch: int = 0
    read_committed: bool = False  # isolation.level: read_committed reads up to the last stable offset


class FetchResponse(NamedTuple):
    partition: int
    offset: int                   # the offset the records start at
    records: tuple                # Record, below the high watermark
    error: int = NONE
    log_end: int = -1             # with OFFSET_OUT_OF_RANGE: where the log ends
    leader: int = -1              # with NOT_LEADER_OR_FOLLOWER: the current leader (KIP-951), -1 none
    leader_epoch: int = -1
    epochs: tuple = ()            # the leader epoch each record was appended in (KIP-320)
    aborted: tuple = ()           # read_committed: the offsets of aborted transactions' records (KIP-98)


class OffsetsForLeaderEpochRequest(NamedTuple):
    """After a leader change a consumer asks where the epoch of the last record it consumed ends on the
    new leader, to find out whether the log it read was truncated (KIP-320)."""

    partition: int
    last_epoch: int               # the leader epoch of the last record it consumed
    leader_epoch: int = 0         # the leader epoch it routes the request by


class OffsetsForLeaderEpochResponse(NamedTuple):
    partition: int
    end_offset: int               # where `last_epoch` ends in the leader's log; -1 refused
    leader: int = -1
    leader_epoch: int = -1


class ListOffsetsRequest(NamedTuple):
    partition: int
    leader_epoch: int = 0


class ListOffsetsResponse(NamedTuple):
    partition: int
    offset: int                   # the high watermark: where `latest` starts; -1 refused
    leader: int = -1
    leader_epoch: int = -1


class OffsetFetchRequest(NamedTuple):
    partition: int
    member: int = -1              # who asks (the group coordinator notes who took a partition over)
    require_stable: bool = False  # KIP-447: wait for pending transactional offsets (read_committed consumers)


class OffsetFetchResponse(NamedTuple):
    partition: int
    offset: int                   # NO_OFFSET when none was committed
    error: int = NONE             # UNSTABLE_OFFSET_COMMIT: a transaction's offsets are pending (KIP-447)


class OffsetCommitRequest(NamedTuple):
    member: int
    generation: int
    offsets: tuple                # (partition, offset)


class OffsetCommitResponse(NamedTuple):
    offsets: tuple
    error: int


class JoinGroupRequest(NamedTuple):
    member: int


class JoinGroupResponse(NamedTuple):
    generation: int
    partitions: tuple             # the partitions the member owns in that generation


class RebalanceNotice(NamedTuple):
    """The coordinator tells a member that the group rebalances (a heartbeat answered with
    REBALANCE_IN_PROGRESS): it rejoins at its next poll."""

    generation: int


class SinkWrite(NamedTuple):
    """The consumer hands one record to its sink (a database row or an HTTP call)."""

    event: int
    partition: int
    next_offset: int              # stored with the row when offsets live in the database
    seen_in_batch: tuple          # the batch's events handled before this one (in-batch dedupe)


class SinkWritten(NamedTuple):
    event: int
    applied: bool                 # False when the sink recognised a repeat and skipped it


class StoredOffsetRequest(NamedTuple):
    partition: int


class StoredOffsetResponse(NamedTuple):
    partition: int
    offset: int


class PositionRead(NamedTuple):
    """An application instance asks its position store how far the application's work has been done."""

    application: int


class PositionIs(NamedTuple):
    application: int
    next_event: int               # the first event not done yet


class PositionWrite(NamedTuple):
    """An application instance records in its position store how far the work is done (one-way)."""

    application: int
    next_event: int


class MetadataRequest(NamedTuple):
    """Where does the partition lead now (asked of the partition's replicas here)."""


class MetadataResponse(NamedTuple):
    partition: int
    leader: int                   # broker index, -1 while offline
    leader_epoch: int


class BrokerUp(NamedTuple):
    """A restarted broker tells a partition it has a replica of that it is running again."""

    broker: int


class InitProducerIdRequest(NamedTuple):
    """A transactional producer registers its transactional.id (`transactional_id`: which of the
    configuration's ids) and gets a producer id and epoch; with its current ones it asks for an epoch
    bump (KIP-360)."""

    transactional_id: int
    producer_id: int = -1
    producer_epoch: int = -1
    keep_prepared: bool = False   # KIP-939: keep an ongoing (prepared) transaction instead of aborting it


class InitProducerIdResponse(NamedTuple):
    error: int
    producer_id: int = -1
    producer_epoch: int = -1
    ongoing: bool = False         # KIP-939: an ongoing transaction was kept; the caller decides its outcome
    ongoing_epoch: int = -1       # KIP-939: the epoch the kept transaction was prepared in


class AddPartitionsToTxnRequest(NamedTuple):
    transactional_id: int         # -1 in a broker's verification (it finds the transaction by producer id)
    producer_id: int
    producer_epoch: int
    partition: int
    verify_only: bool = False     # KIP-890 part 1: a partition leader asks whether it is in the transaction
                                  # (a broker's request without it, under transaction.version 2, adds it)


class AddPartitionsToTxnResponse(NamedTuple):
    partition: int
    error: int
    producer_id: int = -1         # in the answer to a verification: whose transaction it was asked of


class EndTxnRequest(NamedTuple):
    transactional_id: int
    producer_id: int
    producer_epoch: int
    commit: bool


class EndTxnResponse(NamedTuple):
    error: int
    commit: bool
    producer_epoch: int = -1      # transaction.version 2: the epoch the coordinator bumped to (KIP-890)


class AddOffsetsToTxnRequest(NamedTuple):
    """sendOffsetsToTransaction, first half: the group's offsets join the transaction, so the coordinator
    will send the group coordinator a marker too."""

    transactional_id: int
    producer_id: int
    producer_epoch: int


class AddOffsetsToTxnResponse(NamedTuple):
    error: int


class TxnOffsetCommitRequest(NamedTuple):
    """sendOffsetsToTransaction, second half: offsets the group coordinator keeps pending until the
    transaction's marker; with the consumer's group metadata (KIP-447) it carries the member's generation,
    in the legacy form (only the group id) `generation` is -1 and nothing is checked against it."""

    producer_id: int
    producer_epoch: int
    member: int
    generation: int
    offsets: tuple                # (partition, offset)


class TxnOffsetCommitResponse(NamedTuple):
    error: int


class WriteTxnMarkersRequest(NamedTuple):
    """The transaction coordinator has a partition's leader append a COMMIT or ABORT marker."""

    partition: int
    producer_id: int
    producer_epoch: int
    commit: bool
    leader_epoch: int = -1        # -1: whoever leads (the coordinator's marker channel routes it)


class WriteTxnMarkersResponse(NamedTuple):
    partition: int
    producer_id: int
    error: int


def describe(message) -> str:
    """A Kafka message in a few words, for traces."""
    kind = type(message)
    if kind is ProduceRequest:
        record = message.record
        header = f", sequence {record.sequence}" if record.sequence >= 0 else ""
        again = f", attempt {message.attempt}" if message.attempt > 1 else ""
        return f"Produce(e{record.event} to p{message.partition}{header}{again})"
    if kind is ProduceResponse:
        if message.error == NONE:
            return f"ProduceResponse(e{message.event} at offset {message.offset})"
        return f"ProduceResponse(e{message.event}: {ERROR_NAMES[message.error]})"
    if kind is FetchRequest:
        return "Fetch(" + ", ".join(f"p{p} from offset {offset}" for p, offset in message.fetches) + ")"
    if kind is FetchResponse:
        if message.error != NONE:
            return f"FetchResponse(p{message.partition}: {ERROR_NAMES[message.error]})"
        return f"FetchResponse({', '.join(str(r) for r in message.records)})"
    if kind is InitProducerIdResponse and message.error == NONE:
        return f"InitProducerIdResponse(producer id {message.producer_id}, epoch {message.producer_epoch})"
    if kind is AddPartitionsToTxnRequest:
        if message.verify_only:
            return (f"AddPartitionsToTxn(verify only: is p{message.partition} in the transaction of producer "
                    f"{message.producer_id}, epoch {message.producer_epoch}?)")
        return f"AddPartitionsToTxn(p{message.partition}, epoch {message.producer_epoch})"
    if kind is EndTxnRequest:
        return f"EndTxn({'commit' if message.commit else 'abort'}, epoch {message.producer_epoch})"
    if kind is WriteTxnMarkersRequest:
        target = "the group's offsets" if message.partition == GROUP else f"p{message.partition}"
        return (f"WriteTxnMarkers({'COMMIT' if message.commit else 'ABORT'} to {target}, "
                f"epoch {message.producer_epoch})")
    if kind is TxnOffsetCommitRequest:
        offsets = ", ".join(f"offset {offset} of p{p}" for p, offset in message.offsets)
        generation = f"generation {message.generation}" if message.generation >= 0 else "group id only"
        return f"TxnOffsetCommit({offsets}, {generation}, epoch {message.producer_epoch})"
    if kind is PositionRead:
        return "ReadPosition()"
    if kind is PositionIs:
        return f"Position(next e{message.next_event})"
    if kind is PositionWrite:
        return f"WritePosition(next e{message.next_event})"
    error = getattr(message, "error", NONE)
    if kind in (InitProducerIdResponse, AddPartitionsToTxnResponse, EndTxnResponse, WriteTxnMarkersResponse,
                AddOffsetsToTxnResponse, TxnOffsetCommitResponse):
        return f"{kind.__name__}({ERROR_NAMES[error]})"
    return type(message).__name__ + str(tuple(message))
