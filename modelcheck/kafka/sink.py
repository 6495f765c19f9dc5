"""Sinks: where a consumed record takes effect, and how each kind of sink treats a replayed record.

What it models
- `database`: the consuming application writes one row per event.
  - dedupe `none`: a plain INSERT; a replayed event is inserted again (a duplicate row).
  - dedupe `processed-table`: the event id goes into a processed-events table in the same database
    transaction as the row; a replayed event finds its id there and is skipped (article 004's
    "processing history table"). Because row and id commit together, the processed-events table is
    exactly the set of events with a row, so the model derives it instead of storing it.
  - dedupe `in-batch`: the consumer remembers the ids of the current poll batch only (application
    memory); an event repeated inside one batch is skipped, a replay in a later batch is not (article
    004: it only removes duplicates within the same batch). The memory is the part of the batch
    already handled, so it is lost with the batch on a crash.
  - commit `sink`: the record's next offset is stored in the same database transaction as the row,
    and a (re)starting consumer seeks to the stored offset instead of the group's committed offset
    (the KafkaConsumer javadoc, "Storing Offsets Outside Kafka").
- `http`: the application calls an HTTP service once per event. Without an idempotency key each call
  that reaches the service is applied; with one (the event id in an `Idempotency-Key` header, IETF
  draft-ietf-httpapi-idempotency-key-header) the service applies a key once and answers a repeated key
  without applying it again. The service's set of seen keys is the set of applied events.
- `topic`: consume-transform-produce without transactions: each record is appended to an output topic
  (as a plain producer with acks=all that always succeeds would append it); a replay appends again.

`effects` is the sink's history in the order things took effect: database rows, calls the service
applied, records of the output topic. Properties (no-loss, no-duplicate, key-order) read it.

What it leaves out
- Failures of the sink itself (a database outage, an HTTP timeout or lost response): a call whose
  response is lost and is retried has the same effect as a replay after a consumer crash, which the
  model covers; a separate fault for it is not modelled.
- Transactional output (the `topic` sink inside a producer transaction) belongs with transactions.
- Deletion, retention or TTL of processed-event ids or idempotency keys.

Sources: the source article 004, "Pretending to know Kafka" (processed-events table, in-batch dedupe);
KafkaConsumer javadoc (storing offsets outside Kafka); draft-ietf-httpapi-idempotency-key-header.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka.group import NO_OFFSET


class SinkState(NamedTuple):
    effects: tuple[int, ...]           # events in the order they took effect (repeated on duplicates)
    stored_offsets: tuple[int, ...]    # commit `sink`: next offset per partition kept in the database
    sources: tuple = ()                # with transactions: the (partition, offset) each effect was read from


def initial_sink(partitions: int) -> SinkState:
    return SinkState(effects=(), stored_offsets=(NO_OFFSET,) * partitions)


class SinkKind(NamedTuple):
    """One kind of sink (`sink.type`): what the model and its reports need to know of it."""

    name: str                     # as a spec spells it
    actor: str                    # the actor a write goes to, in traces and sequence diagrams
    dedupes: tuple                # the `sink.dedupe` values it can do
    effects: str                  # what its effects are called in a trace
    abandons_dead_sessions: bool  # a write whose client died before it was applied is rolled back


# One entry per sink: the spec key's choices, the cross-key rule on `sink.dedupe`, the words of traces
# and the roles' sink actor all read it.
SINKS: dict[str, SinkKind] = {kind.name: kind for kind in (
    SinkKind("database", "database", ("none", "processed-table", "in-batch"), "database rows", True),
    SinkKind("topic", "output-topic", ("none",), "output topic", False),
    SinkKind("http", "http-service", ("none", "idempotency-key", "in-batch"), "calls applied by the service", False),
)}


def sink_actor(sink_type: str) -> str:
    """The actor a write goes to, for labels and sequence diagrams."""
    return SINKS[sink_type].actor


def write(sink: SinkState, sink_type: str, dedupe: str, event: int, seen_in_batch: tuple[int, ...],
          stores_offset: bool, partition: int, next_offset: int) -> tuple[str, SinkState]:
    """Hand `event` to the sink; return the step's text and the sink afterwards.

    `seen_in_batch` are the events of the current batch handled before this one (the in-batch memory);
    `stores_offset` writes `next_offset` of `partition` in the same database transaction.
    """
    name = f"e{event}"
    offsets = sink.stored_offsets
    if stores_offset:
        offsets = offsets[:partition] + (next_offset,) + offsets[partition + 1:]
        stored = f" and stores offset {next_offset} of p{partition}"
    else:
        stored = ""
    if dedupe == "in-batch" and event in seen_in_batch:
        if stores_offset:
            return (f"skips {name} (already seen in this batch){stored}",
                    sink._replace(stored_offsets=offsets))
        return f"skips {name} (already seen in this batch)", sink
    if sink_type == "database":
        if dedupe == "processed-table":
            if event in sink.effects:
                return (f"skips {name}: already in the processed-events table{stored} (one transaction)",
                        sink._replace(stored_offsets=offsets))
            return (f"inserts row {name} and marks {name} processed{stored} (one transaction)",
                    SinkState(sink.effects + (event,), offsets))
        together = " (one transaction)" if stores_offset else ""
        return f"inserts row {name}{stored}{together}", SinkState(sink.effects + (event,), offsets)
    if sink_type == "http":
        if dedupe == "idempotency-key":
            if event in sink.effects:
                return (f"calls the service for {name} (Idempotency-Key {name}): key already seen, "
                        f"not applied again", sink)
            return (f"calls the service for {name} (Idempotency-Key {name}): applied",
                    sink._replace(effects=sink.effects + (event,)))
        return f"calls the service for {name}: applied", sink._replace(effects=sink.effects + (event,))
    return f"produces {name} to the output topic", sink._replace(effects=sink.effects + (event,))
