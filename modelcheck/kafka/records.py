"""A record as the producer sends it and a partition log stores it.

A `Record` carries the application's event id (1..N, the order in which the application emitted the
events), the index of its key in `workload.keys` (None when the record is sent without a key) and the
idempotence header the producer stamps on its batch: producer id, producer epoch and sequence number
(KIP-98; -1 when the producer is not idempotent, as on the wire). `transactional` marks a record written
inside a transaction, and `control` a transaction marker (COMMIT or ABORT) that the transaction
coordinator has a partition write when a transaction ends (KIP-98's control records; they take an
offset like any record, carry no event, and no consumer hands them to its application:
`modelcheck.kafka.transactions`). `written_in` is an observer's record, not Kafka's: which of its
writer's transactions (as the writer counts them) a record was sent in, so that a record that ends up
in another transaction than its own is seen (`transaction-atomicity`). The write/read-side model sets
none of the three.

A record's offset is its position in the partition log tuple. Each batch carries exactly one record in
this model (one event per send, `linger.ms` too short to group two), so a batch's base sequence is the
record's sequence; batching several records changes none of the claims checked here and would multiply
the states.
"""

from __future__ import annotations

from typing import NamedTuple


class Record(NamedTuple):
    event: int                       # 1..N: the application's event id, in emission order
    key: int | None                  # index into workload.keys; None when sent without a key
    producer_id: int = -1            # idempotent producers only (KIP-98)
    producer_epoch: int = -1
    sequence: int = -1               # per partition, from 0, per producer id
    transactional: bool = False
    control: int = 0                 # DATA, or a transaction marker: COMMIT or ABORT
    written_in: tuple = ()           # observer's record: (writer's actor id, its transaction number), for
                                     # `transaction-atomicity`; () outside a transaction

    def __str__(self) -> str:
        if self.control:
            return MARKER_NAMES[self.control]
        return f"e{self.event}"


DATA, COMMIT, ABORT = 0, 1, 2
MARKER_NAMES = {COMMIT: "COMMIT", ABORT: "ABORT"}


def marker(producer_id: int, producer_epoch: int, commit: bool) -> Record:
    """The control record that ends producer `producer_id`'s transaction on a partition."""
    return Record(0, None, producer_id, producer_epoch, -1, True, COMMIT if commit else ABORT)
