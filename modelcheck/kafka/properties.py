"""The Kafka properties a spec can name (see SPEC-FORMAT.md, "Properties"), as engine properties.

`PROPERTY_NAMES` is the contract with spec files. `build_properties(config, read_side)` builds those
that apply to the configuration, over `KafkaState`:

- no-loss (at end): every event the application recorded (`cluster.recorded_events`) took effect in
  the sink;
- no-duplicate (always): no event took effect in the sink twice;
- no-log-duplicate (always): no event is in the topic twice (the readable part of the partitions, the
  part a consumer can ever see);
- key-order (always): for every entity (`workload.key_of(event)`, whether or not records are keyed),
  the events' first effects in the sink come in the order the application emitted them;
- acked-durable (always): a record acknowledged to the producer is still in its partition's log
  while the partition has a leader (an offline partition has lost nothing yet), or, for an `acks=0`
  send, still on its way there;
- consistency (at end; only with `source: dual-write` or `outbox`): the application's database and
  the topic hold the same events;
- progress (at end): nothing is left pending on either side.

no-aborted-read, no-hanging-transaction, transaction-atomicity and zombie-fenced belong to transactions:
the roles on the actors layer build them (`kafka.roles.system`), this model has none.

Each property comes with `sometimes` guards, so that a model in which the bad thing cannot even be
attempted fails loudly instead of passing: an event is recorded, a record is acknowledged, a retry is
sent, two events of one entity reach the sink, each budgeted fault happens (the read side adds its
own: something reaches the sink, each consumer fault happens).
"""

from __future__ import annotations

from typing import Any, Callable

from modelcheck.engine import Property, always, at_end, sometimes
from modelcheck.kafka.cluster import leader_log, readable_logs, recorded_events
from modelcheck.kafka.faults import FAULTS, budgeted
from modelcheck.kafka.memo import SideMemos, remembered
from modelcheck.kafka.write_side import write_pending

PROPERTY_NAMES = (
    "no-loss", "no-duplicate", "no-log-duplicate", "key-order", "acked-durable", "no-aborted-read",
    "no-hanging-transaction", "transaction-atomicity", "zombie-fenced", "consistency", "progress",
)


def _guard_names() -> tuple[str, ...]:
    return ("event-recorded", "record-acknowledged", "entity-events-in-sink", "retry-sent", "leader-changes",
            "sink-written", *(kind.guard for kind in FAULTS.values()))


# The `sometimes` guards a model may build. A spec may name one in expect: where its configuration
# rules the guarded thing out on purpose (e.g. nothing is ever read, so `sink-written` is violated).
GUARD_NAMES = _guard_names()


# -- what the predicates look at (also used by the explanations) -----------------------------------

def lost_events(config, state, read_side) -> list[int]:
    """Recorded events that never took effect in the sink."""
    effects = set(read_side.sink_effects(state.read))
    return sorted(e for e in recorded_events(config, state.write) if e not in effects)


def repeated(events) -> list[int]:
    """Events that occur more than once, in order of their second occurrence."""
    seen, out = set(), []
    for event in events:
        if event in seen and event not in out:
            out.append(event)
        seen.add(event)
    return out


def topic_events(config, write) -> list[int]:
    """The events of the readable part of every partition, partition by partition."""
    return [record.event for log in readable_logs(config, write) if log for record in log]


def entity_of(config, event: int) -> tuple:
    """The entity whose order `key-order` keeps: the event's key, within the producing application that
    emitted it (application i emits events i*N+1..(i+1)*N, N = `workload.messages`)."""
    return config.workload.key_of(event), (event - 1) // config.workload.messages


def order_breaks(config, effects) -> list[tuple[int, int]]:
    """(earlier event, later event) pairs of one entity whose first effects came in the wrong order.

    Order is per producing application: with `producer.instances` above 1, application i's events are
    numbered i*N+1..(i+1)*N (N = `workload.messages`), and two applications' events of one key have no
    order between them."""
    first, out = [], set()
    for event in effects:
        if event not in first:
            first.append(event)
    latest: dict[tuple, int] = {}
    for event in first:
        entity = entity_of(config, event)
        if entity in latest and latest[entity] > event:
            out.add((event, latest[entity]))
        latest[entity] = max(latest.get(entity, 0), event)
    return sorted(out)


def missing_acknowledged(write) -> list[tuple[int, int]]:
    """(partition, event) acknowledged to the producer, not in the leader's log and not on its way there
    either (an `acks=0` send is acknowledged before it arrives)."""
    out = []
    for partition, event in sorted(write.acknowledged):
        log = leader_log(write.cluster.partitions[partition])
        if log is None or any(record.event == event for record in log):
            continue
        if any(r.batch.partition == partition and r.batch.record.event == event for r in write.requests):
            continue
        out.append((partition, event))
    return out


def inconsistency(config, write) -> tuple[list[int], list[int]]:
    """(events only in the database, events only in the topic)."""
    database = write.app.database
    topic = set(topic_events(config, write))
    return sorted(database - topic), sorted(topic - database)


def pending(config, state, read_side) -> str | None:
    todo = [text for text in (write_pending(config, state.write),
                              read_side.read_pending(config, state.read, readable_logs(config, state.write)))
            if text]
    return "; ".join(todo) if todo else None


def _retry_sent(write) -> bool:
    producer = write.producer
    return any(b.attempts > 1 for q in producer.queues for b in q) or \
        any(entry.batch.attempts > 1 for entry in producer.in_flight) or \
        any(not request.ordered for request in write.requests)


# -- the properties -----------------------------------------------------------------------------------

def on_write(memos: SideMemos, name: str, predicate: Callable[[Any], bool]) -> Callable:
    """A predicate over the whole state that looks at the write side only, worked out once per write
    side (`memo`)."""
    entry_of = memos.write.entry
    return lambda state: remembered(entry_of(state.write), name, predicate)


def on_read(memos: SideMemos, name: str, predicate: Callable[[Any], bool]) -> Callable:
    """A predicate over the whole state that looks at the read side only, worked out once per read
    side (`memo`)."""
    entry_of = memos.read.entry
    return lambda state: remembered(entry_of(state.read), name, predicate)


def build_properties(config, read_side, memos: SideMemos | None = None) -> list[Property]:
    """The properties of SPEC-FORMAT.md that apply to `config`, with their guards. `memos` are the
    model's (`memo`); the predicates share them with the steps."""
    if memos is None:
        memos = SideMemos(config)
    effects = read_side.sink_effects
    props = [
        at_end("no-loss", lambda s: not lost_events(config, s, read_side),
               "every event the application recorded takes effect in the sink"),
        always("no-duplicate", on_read(memos, "no-duplicate", lambda read: not repeated(effects(read))),
               "no event takes effect in the sink more than once"),
        always("no-log-duplicate", on_write(memos, "no-log-duplicate",
                                            lambda write: not repeated(topic_events(config, write))),
               "no event is written to the topic more than once"),
        always("key-order", on_read(memos, "key-order", lambda read: not order_breaks(config, effects(read))),
               "events of one entity take effect in the order the application emitted them"),
        always("acked-durable", on_write(memos, "acked-durable", lambda write: not missing_acknowledged(write)),
               "a record once acknowledged to the producer is never lost from the log"),
    ]
    if config.producer.source != "direct":
        props.append(at_end("consistency", lambda s: inconsistency(config, s.write) == ([], []),
                            "the application's database and the topic agree on which events happened"))
    props.append(at_end("progress", lambda s: pending(config, s, read_side) is None,
                        "nothing is left pending"))
    props.extend(_guards(config, read_side, memos))
    props.extend(read_side.read_properties(config, lambda s: s.read))
    return props


def _guards(config, read_side, memos: SideMemos) -> list[Property]:
    guards = [
        sometimes("event-recorded", on_write(memos, "event-recorded",
                                             lambda write: bool(recorded_events(config, write))),
                  "the application records an event"),
        sometimes("record-acknowledged", lambda s: bool(s.write.acknowledged),
                  "the producer is told a record was written"),
    ]
    workload = config.workload
    entities = [workload.key_of(e) for e in range(1, workload.messages + 1)]
    if len(set(entities)) < len(entities):
        guards.append(sometimes("entity-events-in-sink",
                                on_read(memos, "entity-events-in-sink",
                                        lambda read: _two_of_one_entity(config, read_side.sink_effects(read))),
                                "two events of one entity take effect in the sink"))
    retry_faults = config.faults.request_lost + config.faults.response_lost + config.faults.request_delayed \
        + config.faults.broker_crash
    if config.producer.retries > 0 and config.producer.acks != "0" and retry_faults:
        guards.append(sometimes("retry-sent", on_write(memos, "retry-sent", _retry_sent),
                                "the producer sends a batch again"))
    for kind in budgeted(config):
        if kind.write_side:
            guards.append(sometimes(kind.guard, lambda s, field=kind.field: getattr(s.write.faults, field) > 0,
                                    f"{kind.what} happens"))
    if config.faults.broker_crash and config.cluster.replication_factor > 1:
        guards.append(sometimes("leader-changes",
                                lambda s: any(p.leader_epoch > 0 for p in s.write.cluster.partitions),
                                "a partition gets a new leader"))
    return guards


def _two_of_one_entity(config, effects) -> bool:
    entities = [config.workload.key_of(event) for event in set(effects)]
    return len(set(entities)) < len(entities)


__all__ = ["PROPERTY_NAMES", "build_properties"]
