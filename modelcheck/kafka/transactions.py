"""Transactions as a partition log shows them: each record's fate, the last stable offset, what a
consumer of each isolation level is handed.

A transactional producer's records on a partition belong to its transaction until a control record (a
marker, `records.marker`) of the same producer id ends it: COMMIT or ABORT (KIP-98). So the fate of a
transactional record is read off the log: the first marker of its producer id after it says whether
it was committed or aborted; with none yet, its transaction is still open there. This is what the
broker's `ProducerStateManager` keeps as each producer's `currentTxnFirstOffset` and what its
aborted-transactions index records, derived instead of stored (the logs here are a few records long),
so a truncated log forgets what it lost, as Kafka's rebuilt producer state does.

- The last stable offset (LSO) is the first offset of a transaction still open, or the high watermark
  when none is (`Partition.lastStableOffset` / `UnifiedLog.firstUnstableOffset`). A read_committed
  consumer is never handed a record at or past it, so one open transaction holds every later record
  back, whoever wrote it: a transaction that never ends (a hanging transaction, KIP-890) stops
  read_committed consumers for good.
- A read_committed consumer filters the records of aborted transactions out, as the Java consumer does
  with the aborted-transactions list a fetch response carries (`CompletedFetch`, KIP-98); markers are
  never handed to the application at either level; read_uncommitted hands over every data record below
  the high watermark, aborted or open.

A marker ends the transaction of its producer id whatever epoch it carries (the broker checks the
marker's epoch is not older than the producer's, which the coordinator's markers never are); a record
written after it begins that producer's next transaction on the partition, known to a coordinator or
not, which is how a late produce request makes a hanging transaction before KIP-890.

Sources: KIP-98 (transactional messaging: control records, LSO, read_committed), KIP-890 (hanging
transactions); apache/kafka `ProducerStateManager`, `UnifiedLog` (first unstable offset, aborted
transactions), the Java consumer's `CompletedFetch` (filtering aborted batches and control records).
`hasOngoingTransaction` takes no epoch in apache/kafka at 1eb7644 (October 2024); Kafka 4.0's takes the
producer epoch and counts an open transaction only in that epoch (`UnifiedLog.hasOngoingTransaction`,
as copies of the 4.x source in the search tool's code corpus show it), which `has_open` follows when
given one.
"""

from __future__ import annotations

import functools

from modelcheck.kafka.records import ABORT, COMMIT, Record

OPEN = 3                          # a transactional record whose transaction has not ended (yet)
FATE_NAMES = {COMMIT: "committed", ABORT: "aborted", OPEN: "open"}

READ_COMMITTED, READ_UNCOMMITTED = "read_committed", "read_uncommitted"


@functools.lru_cache(maxsize=1 << 14)
def fates(log: tuple[Record, ...]) -> tuple:
    """Per offset of `log`: COMMIT, ABORT or OPEN for a transactional data record, None for a record
    written outside a transaction or a marker. One pass from the end; the properties of every state ask
    it of the same few logs, hence the cache."""
    ended: dict = {}              # producer id -> the first marker after the offset looked at
    out = [None] * len(log)
    for offset in range(len(log) - 1, -1, -1):
        record = log[offset]
        if record.control:
            ended[record.producer_id] = record.control
        elif record.transactional:
            out[offset] = ended.get(record.producer_id, OPEN)
    return tuple(out)


def fate(log: tuple[Record, ...], offset: int) -> int | None:
    """The fate of the record at `offset` (see `fates`)."""
    return fates(log)[offset]


def has_open(log: tuple[Record, ...] | None, producer_id: int, producer_epoch: int | None = None) -> bool:
    """Whether `producer_id` has a transaction open in `log` (a record of it with no marker after it):
    the leader's `hasOngoingTransaction`. With `producer_epoch` (transaction.version 2) only one open in
    that epoch counts: a producer whose epoch was bumped at the end of its transaction, before that
    transaction's marker reached this partition, is starting another one."""
    if not log:
        return False
    if not any(fate == OPEN and record.producer_id == producer_id for record, fate in zip(log, fates(log))):
        return False
    if producer_epoch is None:
        return True
    latest = next(record for record in reversed(log) if record.producer_id == producer_id)
    return latest.producer_epoch == producer_epoch


def first_open(log: tuple[Record, ...]) -> int | None:
    """The offset of the first record whose transaction is still open, or None."""
    found = fates(log)
    return found.index(OPEN) if OPEN in found else None


def last_stable_offset(log: tuple[Record, ...], high_watermark: int) -> int:
    """The offset below which every transaction has ended (never past the high watermark)."""
    first = first_open(log[:high_watermark])
    return high_watermark if first is None else first


def fetch_bound(log: tuple[Record, ...], high_watermark: int, isolation_level: str) -> int:
    """Where a fetch of `isolation_level` stops: the last stable offset for read_committed, the high
    watermark otherwise."""
    if isolation_level == READ_COMMITTED:
        return last_stable_offset(log, high_watermark)
    return high_watermark


def aborted_offsets(log: tuple[Record, ...], start: int, end: int) -> tuple[int, ...]:
    """The offsets in [start, end) of records whose transaction was aborted (what the aborted-
    transactions list of a fetch response lets the consumer filter)."""
    found = fates(log)
    return tuple(offset for offset in range(start, end) if found[offset] == ABORT)


def handed_over(records: tuple[Record, ...], start: int, aborted: tuple[int, ...]) -> tuple[tuple, tuple]:
    """(events, offsets) of the records a consumer hands its application from a fetch answer that starts
    at `start`: no markers, and none of the `aborted` offsets."""
    events, offsets = [], []
    for index, record in enumerate(records):
        offset = start + index
        if record.control or offset in aborted:
            continue
        events.append(record.event)
        offsets.append(offset)
    return tuple(events), tuple(offsets)


def written(log: tuple[Record, ...]) -> list[int]:
    """The events of the data records of `log` written for good: outside a transaction or in a committed
    one (the `no-log-duplicate` view: a record of an open transaction counts once it commits)."""
    return [record.event for record, ended in zip(log, fates(log))
            if not record.control and ended in (None, COMMIT)]
