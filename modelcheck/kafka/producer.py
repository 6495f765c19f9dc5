"""The producer client: the record accumulator, requests in flight, retries and idempotence.

What is modelled, after the Java client (`KafkaProducer`, `RecordAccumulator`, `Sender`,
`TransactionManager`) and the producer configuration reference:

- the accumulator keeps one queue of batches per partition; the sender takes the head of a partition's
  queue and sends it to the partition's current leader (metadata is abstracted: the client always knows
  the leader, and waits while the partition has none);
- at most `max.in.flight.requests.per.connection` requests are outstanding per broker, and several may
  be in flight at once (real pipelining), so with more than one a retried batch can land after a later
  one; with exactly one, the client also mutes a partition while one of its batches is in flight
  (`Sender`'s `guaranteeMessageOrder`), so order holds across a leader change too;
- `acks=0`: the request is sent and the record counts as acknowledged at once (offset -1); there is no
  response, so no retry (the producer docs: "the retries configuration will not take effect");
- `acks=1` / `acks=all`: the leader answers after its own append / once every in-sync replica has the
  record. An error response is retriable (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, ...) and so is a
  request whose response never comes (`request.timeout.ms` expires); a batch is sent at most
  1 + `retries` times, then its error reaches the application. Like the Java client, a retried batch
  goes back to the front of its partition's queue;
- errors that reach the application are *definite* (no attempt can have been written: every attempt
  was answered with an error the leader gives before appending) or *ambiguous* (some attempt timed out
  or was answered after the append, so the record may be in the log): a `TimeoutException` in the Java
  client, as opposed to, say, `NotEnoughReplicasException`;
- `enable.idempotence` (KIP-98): the producer id (here the producer's session number: a restarted
  producer gets a new one, so idempotence does not survive a restart), the producer epoch, and one
  sequence number per partition, stamped on a batch when it is first sent and kept on retries. A retried
  batch is sent only once every lower sequence of its partition is acknowledged or in flight, and the
  queue keeps retries in sequence order (KAFKA-5494; `RecordAccumulator.shouldStopDrainBatchesForPartition`).
  OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID are retried while a lower sequence is unresolved;
  with no lower sequence outstanding they reveal a real gap, and the producer bumps its epoch and
  restarts its sequences at 0, re-stamping every pending batch (KIP-360, `TransactionManager.canRetry`);
  a batch that fails for good bumps the epoch too, so later batches are not stuck behind the gap. A
  batch to be stamped in the new epoch is not sent while batches of an older producer id or epoch are
  still in flight for its partition (`RecordAccumulator.shouldStopDrainBatchesForPartition`), so the
  old batches, when they come back for a retry, are re-stamped first and keep their place.

What is left out: batching several records (one record per batch, see `records`), `linger.ms`,
`buffer.memory` and `max.block.ms`; `delivery.timeout.ms` (bounded `retries` stand for it); closing the
connection on a request timeout (each request times out on its own here); metadata requests.

Sources: Kafka producer configuration docs (acks, retries, max.in.flight.requests.per.connection,
enable.idempotence); KIP-98 (idempotent producer); KIP-360 (epoch bump on sequence errors); the Java
client's `Sender.canRetry` and `TransactionManager.canRetry`.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka.records import Record

# The status of a request in flight (ints: the state must hash the same in every process).
SENT = 0        # the request travels to the broker
WAITING = 1     # the leader appended it; its answer is still to come (acks=all: once the ISR has it)
LOST = 2        # the request or its response is gone: the producer will time out

STATUS_NAMES = {SENT: "sent", WAITING: "appended, answer pending", LOST: "no response coming"}


class Batch(NamedTuple):
    partition: int
    record: Record
    attempts: int = 0                 # how many times it was sent
    ambiguous: bool = False           # some attempt may have been written


class InFlight(NamedTuple):
    broker: int
    batch: Batch
    status: int = SENT
    offset: int = -1                  # where the leader put it (WAITING)
    leader_epoch: int = -1            # the leader epoch at the append (WAITING)


class Producer(NamedTuple):
    session: int                      # incarnation; the producer id when idempotent
    producer_epoch: int
    next_sequence: tuple[int, ...]    # per partition
    queues: tuple[tuple[Batch, ...], ...]
    in_flight: tuple[InFlight, ...] = ()
    transactional: bool = False       # its records belong to a transaction (`roles.transactional`)


def new_producer(config, session: int = 0) -> Producer:
    partitions = config.cluster.partitions
    return Producer(session=session, producer_epoch=0, next_sequence=(0,) * partitions,
                    queues=((),) * partitions)


def is_idle(producer: Producer) -> bool:
    return not producer.in_flight and not any(producer.queues)


def enqueue(producer: Producer, partition: int, record: Record) -> Producer:
    """The application's `send`: the record joins its partition's queue."""
    return _with_queue(producer, partition, producer.queues[partition] + (Batch(partition, record),))


def _with_queue(producer: Producer, partition: int, queue: tuple[Batch, ...]) -> Producer:
    queues = producer.queues
    return producer._replace(queues=queues[:partition] + (queue,) + queues[partition + 1:])


def in_flight_to(producer: Producer, broker: int) -> int:
    return sum(1 for entry in producer.in_flight if entry.broker == broker)


def _current(producer: Producer, record: Record) -> bool:
    return record.sequence >= 0 and record.producer_id == producer.session \
        and record.producer_epoch == producer.producer_epoch


def can_send_head(config, producer: Producer, partition: int) -> bool:
    """Whether the head of `partition`'s queue may go now (leaving aside the in-flight limit)."""
    queue = producer.queues[partition]
    if not queue:
        return False
    if config.producer.max_in_flight == 1 and any(entry.batch.partition == partition
                                                 for entry in producer.in_flight):
        return False            # the Java client mutes the partition to guarantee order
    head = queue[0].record
    if not config.producer.enable_idempotence:
        return True
    if not _current(producer, head):
        # A batch to be stamped in the current epoch waits while the partition still has batches of an
        # older producer id or epoch in flight: stamped now, it could be written before them
        # (`RecordAccumulator.shouldStopDrainBatchesForPartition`, `hasStaleProducerIdAndEpoch`).
        return not any(entry.batch.partition == partition and entry.batch.record.sequence >= 0
                       and not _current(producer, entry.batch.record) for entry in producer.in_flight)
    # A retry goes only when it is the first unacknowledged sequence of its partition.
    return not any(entry.batch.partition == partition and _current(producer, entry.batch.record)
                   and entry.batch.record.sequence < head.sequence for entry in producer.in_flight)


def take_head(config, producer: Producer, partition: int) -> tuple[Producer, Batch]:
    """Take the head batch of `partition` for sending: count the attempt and, for an idempotent
    producer, stamp it with the producer id, epoch and the partition's next sequence if it has none of
    this epoch yet."""
    queue = producer.queues[partition]
    batch = queue[0]
    producer = _with_queue(producer, partition, queue[1:])
    record = batch.record
    if config.producer.enable_idempotence and not _current(producer, record):
        sequence = producer.next_sequence[partition]
        record = record._replace(producer_id=producer.session, producer_epoch=producer.producer_epoch,
                                 sequence=sequence, transactional=producer.transactional)
        nexts = producer.next_sequence
        producer = producer._replace(next_sequence=nexts[:partition] + (sequence + 1,) + nexts[partition + 1:])
    return producer, batch._replace(record=record, attempts=batch.attempts + 1)


def _queue_order(producer: Producer, queue: tuple[Batch, ...]) -> tuple[Batch, ...]:
    """An idempotent producer's queue: batches stamped in this epoch by sequence, then batches stamped
    in an older epoch (to be re-stamped, in their old order), then new batches as they came."""
    def key(batch: Batch):
        record = batch.record
        if _current(producer, record):
            return (0, record.sequence)
        if record.sequence >= 0:
            return (1, record.producer_epoch, record.sequence)
        return (2,)
    return tuple(sorted(queue, key=key))


def requeue(config, producer: Producer, batch: Batch) -> Producer:
    """Put a batch back for a retry, at the front of its partition's queue (in sequence order when
    idempotent)."""
    queue = (batch,) + producer.queues[batch.partition]
    if config.producer.enable_idempotence:
        queue = _queue_order(producer, queue)
    return _with_queue(producer, batch.partition, queue)


def bump_epoch(producer: Producer) -> Producer:
    """KIP-360: a new producer epoch, sequences from 0 again; pending batches are re-stamped on their
    next send."""
    producer = producer._replace(producer_epoch=producer.producer_epoch + 1,
                                 next_sequence=(0,) * len(producer.next_sequence))
    return producer._replace(queues=tuple(_queue_order(producer, q) for q in producer.queues))


def has_lower_unresolved(producer: Producer, batch: Batch) -> bool:
    """Whether a batch of the same partition, producer id and epoch with a lower sequence is still
    unacknowledged (queued or in flight)."""
    record = batch.record
    def earlier(other: Record) -> bool:
        return (other.producer_id == record.producer_id and other.producer_epoch == record.producer_epoch
                and 0 <= other.sequence < record.sequence)
    return any(entry.batch.partition == batch.partition and earlier(entry.batch.record)
               for entry in producer.in_flight) \
        or any(earlier(queued.record) for queued in producer.queues[batch.partition])


def in_flight_index(producer: Producer, partition: int, event: int) -> int | None:
    """Where the batch of `event` to `partition` is in the in-flight list, or None (answered already)."""
    for index, entry in enumerate(producer.in_flight):
        if entry.batch.partition == partition and entry.batch.record.event == event:
            return index
    return None


def without(producer: Producer, index: int) -> Producer:
    return producer._replace(in_flight=producer.in_flight[:index] + producer.in_flight[index + 1:])


def with_entry(producer: Producer, index: int, entry: InFlight) -> Producer:
    return producer._replace(in_flight=producer.in_flight[:index] + (entry,) + producer.in_flight[index + 1:])


def retry_or_fail(config, producer: Producer, batch: Batch, error: str) -> tuple[Producer, bool]:
    """After `error` on `batch` (already out of the in-flight list): put it back for a retry, or give up.
    Returns the producer and whether the batch failed for good. Idempotent producers bump their epoch
    on a real sequence gap and when a batch fails for good (KIP-360); a transactional one leaves that to
    its transaction coordinator."""
    # A transactional producer never bumps its own epoch: the coordinator does (`roles.transactional`).
    idempotent = config.producer.enable_idempotence and not producer.transactional
    if batch.attempts > config.producer.retries:
        if idempotent and _current(producer, batch.record):
            producer = bump_epoch(producer)
        return producer, True
    if idempotent and error in ("OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID") \
            and _current(producer, batch.record) and not has_lower_unresolved(producer, batch):
        producer = bump_epoch(producer)
    return requeue(config, producer, batch), False


def partitions_for(config, key: int | None) -> tuple[int, ...]:
    """The partitions the partitioner may choose for a record with key index `key`.

    A keyed record goes to hash(key) mod partitions; Kafka's default partitioner hashes the serialized
    key with murmur2, and here the hash of key `workload.keys[i]` is taken to be `i`, a fixed,
    documented stand-in (k1 -> p0, k2 -> p1, ...), so that every run places a key the same way. An
    unkeyed record may go to any partition: the sticky partitioner (KIP-480) and round-robin are both
    among the choices explored.
    """
    if key is None:
        return tuple(range(config.cluster.partitions))
    return (key % config.cluster.partitions,)
