"""The partition leader's duplicate and sequence checks for idempotent producers (KIP-98).

A produce batch carries the producer id, the producer epoch and the sequence number of its first
record. The leader remembers, per producer id, the metadata of that producer's last 5 batches
(`ProducerStateEntry.NUM_BATCHES_TO_RETAIN` in apache/kafka) and checks each new batch against it
(`ProducerAppendInfo.checkSequence`, `UnifiedLog` duplicate detection):

- a batch whose sequence is one of the retained batches' is a duplicate: the leader answers with the
  original offset and appends nothing;
- a batch of an older epoch than the producer's latest is rejected (INVALID_PRODUCER_EPOCH);
- a batch of a newer epoch must start at sequence 0 (the producer bumped its epoch, KIP-360);
- otherwise the sequence must be the last one + 1, else OUT_OF_ORDER_SEQUENCE_NUMBER;
- a producer id the leader has never seen must start at sequence 0. Brokers up to 2.x answered
  UNKNOWN_PRODUCER_ID here and brokers with transaction verification (KIP-890) answer
  OUT_OF_ORDER_SEQUENCE_NUMBER; both make the client retry in order, which is what is modelled.
  (Recent brokers accept any first sequence from an idempotent producer they do not know; that case is
  left out.)

In Kafka the producer state is rebuilt from the log when a replica becomes leader or restarts, so here
it is derived from the leader's log instead of being stored: a truncated log forgets the truncated
batches, as in Kafka. Each batch holds one record (see `records`), so a record's sequence is its
batch's. Records of producers that are not idempotent (producer id -1) are never checked.
"""

from __future__ import annotations

from modelcheck.kafka.records import Record

RETAINED_BATCHES = 5

APPEND = "append"
DUPLICATE = "duplicate"
OUT_OF_ORDER = "OUT_OF_ORDER_SEQUENCE_NUMBER"
UNKNOWN_PRODUCER = "UNKNOWN_PRODUCER_ID"
INVALID_EPOCH = "INVALID_PRODUCER_EPOCH"


def check_sequence(log: tuple[Record, ...], record: Record) -> tuple[str, int]:
    """The leader's verdict on appending `record` to `log`, and for a duplicate the original offset."""
    if record.producer_id < 0:
        return APPEND, -1
    mine = [(offset, r) for offset, r in enumerate(log) if r.producer_id == record.producer_id]
    if not mine:
        return (APPEND if record.sequence == 0 else UNKNOWN_PRODUCER), -1
    latest_epoch = mine[-1][1].producer_epoch
    if record.producer_epoch < latest_epoch:
        return INVALID_EPOCH, -1
    if record.producer_epoch > latest_epoch:
        return (APPEND if record.sequence == 0 else OUT_OF_ORDER), -1
    retained = [(offset, r) for offset, r in mine
                if r.producer_epoch == latest_epoch and not r.control][-RETAINED_BATCHES:]
    if not retained:              # only a marker of this epoch so far (KIP-890: the epoch bumped at the end)
        return (APPEND if record.sequence == 0 else OUT_OF_ORDER), -1
    for offset, r in retained:
        if r.sequence == record.sequence:
            return DUPLICATE, offset
    if record.sequence == retained[-1][1].sequence + 1:
        return APPEND, -1
    return OUT_OF_ORDER, -1
