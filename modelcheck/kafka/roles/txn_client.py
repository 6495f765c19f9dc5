"""The transactional producer's own protocol state, and how it takes the transaction coordinator's answers.

Every role that owns a transactional producer (the producing application, `transactional`, and the
consume-transform-produce application, `transform`) keeps a `TxnClient` beside its accumulator
(`producer.Producer`): the phase of its current transaction, the partitions the coordinator added to
it, and whether its next InitProducerId must ask for an epoch bump. This module is the part they share,
after the Java client's `TransactionManager`:

- `answered`: an InitProducerId, AddPartitionsToTxn or EndTxn answer, as IGNORED (the client no longer
  waits for it: an answer to a request of an earlier phase), RETRY (CONCURRENT_TRANSACTIONS, or an
  AddPartitionsToTxn error: the request will be made again), FATAL (PRODUCER_FENCED, INVALID_TXN_STATE:
  the producer must be closed) or DONE, with the client and the producer afterwards (a new producer id
  and epoch; under transaction.version 2 the epoch each EndTxn bumped to, KIP-890, with sequences from 0);
- `lost`: the client after one of those requests failed with its connection, so that it is made again.

What a role does next (begin a transaction, send the offsets, commit its database, rewind) is the
role's own.

Sources: the Java client's `TransactionManager` (InitProducerIdHandler, AddPartitionsToTxnHandler,
EndTxnHandler: CONCURRENT_TRANSACTIONS is retried, PRODUCER_FENCED is fatal); KIP-98, KIP-360, KIP-890.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka import rpc

(INIT, INIT_SENT, READY, IN_TRANSACTION, COMMITTING, COMMIT_SENT, ABORTING, ABORT_SENT, RECORDING, POSITION,
 POSITION_SENT, STOPPED) = range(12)
PHASE_NAMES = {INIT: "not initialized", INIT_SENT: "initializing", READY: "ready", IN_TRANSACTION: "in a transaction",
               COMMITTING: "committing", COMMIT_SENT: "committing", ABORTING: "aborting", ABORT_SENT: "aborting",
               RECORDING: "committed in Kafka, database next", POSITION: "to read its position",
               POSITION_SENT: "reading its position", STOPPED: "stopped (replaced)"}

IGNORED, RETRY, FATAL, DONE = range(4)


class TxnClient(NamedTuple):
    """The transactional producer's own state beside its accumulator (`producers.Producer`)."""

    phase: int = INIT
    next_event: int = 0           # in a transaction: the next event to send
    added: tuple = ()             # partitions the coordinator added to the transaction
    adding: tuple = ()            # AddPartitionsToTxn on their way
    bump: bool = False            # transaction.version 1: ask for an epoch bump after the abort (KIP-360)
    database_done: bool = False   # dual-write: the database committed this unit's rows already
    recovering: bool = False      # KIP-939: ending a kept transaction as the database decided
    rows: tuple = ()              # an outbox relay: the outbox rows (events) of this transaction


def answered(client: TxnClient, producer, response, version: int) -> tuple[int, TxnClient, object]:
    """(IGNORED | RETRY | FATAL | DONE, client, producer) after the coordinator's `response`."""
    kind = type(response)
    error = response.error
    if kind is rpc.InitProducerIdResponse:
        if client.phase != INIT_SENT:
            return IGNORED, client, producer
        if error == rpc.CONCURRENT_TRANSACTIONS:
            return RETRY, client._replace(phase=INIT), producer
        if error != rpc.NONE:
            return FATAL, client, producer
        fresh = producer._replace(session=response.producer_id, producer_epoch=response.producer_epoch,
                                  next_sequence=(0,) * len(producer.next_sequence), transactional=True)
        return DONE, TxnClient(READY), fresh
    if kind is rpc.AddPartitionsToTxnResponse:
        p = response.partition
        if p not in client.adding:
            return IGNORED, client, producer
        if error == rpc.PRODUCER_FENCED:
            return FATAL, client, producer
        adding = tuple(q for q in client.adding if q != p)
        if error != rpc.NONE:
            return RETRY, client._replace(adding=adding), producer
        return DONE, client._replace(adding=adding, added=tuple(sorted(client.added + (p,)))), producer
    if kind is rpc.EndTxnResponse:
        commit = response.commit
        if client.phase != (COMMIT_SENT if commit else ABORT_SENT):
            return IGNORED, client, producer
        if error == rpc.CONCURRENT_TRANSACTIONS:
            return RETRY, client._replace(phase=COMMITTING if commit else ABORTING), producer
        if error != rpc.NONE:
            return FATAL, client, producer
        if version >= 2:          # KIP-890: the coordinator bumped the epoch; sequences start again
            producer = producer._replace(producer_epoch=response.producer_epoch,
                                         next_sequence=(0,) * len(producer.next_sequence))
        return DONE, client, producer
    raise TypeError(f"not a transaction coordinator's answer: {response!r}")


COORDINATOR_ANSWERS = (rpc.InitProducerIdResponse, rpc.AddPartitionsToTxnResponse, rpc.EndTxnResponse)


def lost(client: TxnClient, request) -> TxnClient | None:
    """The client after `request` failed with its connection (it will be made again), or None when the
    client was not waiting for it."""
    kind = type(request)
    if kind is rpc.InitProducerIdRequest and client.phase == INIT_SENT:
        return client._replace(phase=INIT)
    if kind is rpc.AddPartitionsToTxnRequest and request.partition in client.adding:
        return client._replace(adding=tuple(q for q in client.adding if q != request.partition))
    if kind is rpc.EndTxnRequest and client.phase in (COMMIT_SENT, ABORT_SENT):
        return client._replace(phase=COMMITTING if client.phase == COMMIT_SENT else ABORTING)
    return None
