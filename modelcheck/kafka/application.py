"""The producing application: it emits events e1..eN in order and records each by its `source`.

- `direct`: the application hands each event to the producer (`send`); the event exists only in the
  application's memory until the producer has written it. The event counts as recorded once emitted:
  the application keeps no other trace of it, so anything that keeps it out of the sink (a lost
  request, an error after the last retry, a crash with the event still in the producer's buffer) is a
  loss.
- `dual-write`: the application commits the event to its own database, then sends it. A crash between
  the two leaves the event in the database and never in the topic (the dual-write problem).
- `outbox` (the transactional outbox): the event row and an outbox row commit in one database
  transaction. A relay publishes unmarked outbox rows in order and marks a row sent once the producer
  has had it acknowledged; after a restart it republishes every unmarked row, so a row published
  before a crash and not yet marked is published again (at least once). A row whose send failed stays
  unmarked and is published again.

A crash of the application is a crash of its producer too (`producer.crash`): the producer's buffer and
requests in flight, the dual-write step in progress and the relay's memory are lost; the database and
its outbox rows are not. After the restart the application goes on with the next event.

Recorded events (the no-loss obligation, `recorded_events`): with `direct`, every emitted event; with
`dual-write` and `outbox`, every event committed to the database.

Left out: the application reacting to a failed send by resending (a policy of its own), database
failures, a relay that publishes out of order.

Sources: the source articles 001 and 004 (outbox, dual write); Chris Richardson's "Transactional
outbox" pattern description.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.engine import StepLabel
from modelcheck.kafka.producer import enqueue, partitions_for
from modelcheck.kafka.records import Record


class Application(NamedTuple):
    next_event: int = 1                          # the next event to emit (1-based)
    database: frozenset[int] = frozenset()       # events committed to the application's database
    outbox: frozenset[int] = frozenset()         # outbox rows not yet marked sent
    awaiting_send: int = 0                       # dual-write: committed, not yet sent (0: none)
    relay_handed: frozenset[int] = frozenset()   # outbox: rows handed to the producer, outcome unknown
    relay_acked: frozenset[int] = frozenset()    # outbox: rows acknowledged, not yet marked sent


def recorded_events(config, write) -> frozenset[int]:
    """The events the application has recorded, which must therefore take effect in the sink."""
    if config.producer.source == "direct":
        return frozenset(range(1, write.app.next_event))
    return write.app.database


def key_of(config, event: int) -> int | None:
    """The key index of `event` (keys are cycled), or None when records are sent without a key."""
    if not config.workload.keyed:
        return None
    return (event - 1) % len(config.workload.keys)


def _sends(config, write, event: int, app: Application, actor: str, verb: str) -> list:
    """Every way the producer's partitioner may place `event` (one step per partition)."""
    key = key_of(config, event)
    record = Record(event, key)
    choices = partitions_for(config, key)
    out = []
    for partition in choices:
        where = f" to p{partition}" if len(choices) > 1 or config.cluster.partitions > 1 else ""
        label = StepLabel(actor, f"{verb} e{event}{where}", peer="producer")
        out.append((label, write._replace(app=app, producer=enqueue(write.producer, partition, record))))
    return out


def app_steps(config, write) -> list:
    """The application's own steps: emit (direct), commit then send (dual-write), commit with an
    outbox row (outbox)."""
    app = write.app
    source = config.producer.source
    event = app.next_event
    if source == "direct":
        if event > config.workload.messages:
            return []
        return _sends(config, write, event, app._replace(next_event=event + 1), "app", "sends")
    if source == "dual-write":
        if app.awaiting_send:
            pending = app.awaiting_send
            return _sends(config, write, pending, app._replace(awaiting_send=0), "app", "sends")
        if event > config.workload.messages:
            return []
        after = app._replace(next_event=event + 1, database=app.database | {event}, awaiting_send=event)
        return [(StepLabel("app", f"commits e{event} to its database", peer="app-database"),
                 write._replace(app=after))]
    if event > config.workload.messages:
        return []
    after = app._replace(next_event=event + 1, database=app.database | {event}, outbox=app.outbox | {event})
    return [(StepLabel("app", f"commits e{event} with its outbox row", peer="app-database"),
             write._replace(app=after))]


def relay_steps(config, write) -> list:
    """The outbox relay: publish the oldest row not handed over yet; mark an acknowledged row sent."""
    if config.producer.source != "outbox":
        return []
    app = write.app
    out = []
    waiting = sorted(app.outbox - app.relay_handed)
    if waiting:
        event = waiting[0]
        out.extend(_sends(config, write, event, app._replace(relay_handed=app.relay_handed | {event}),
                          "relay", "publishes"))
    for event in sorted(app.relay_acked):
        after = app._replace(outbox=app.outbox - {event}, relay_handed=app.relay_handed - {event},
                             relay_acked=app.relay_acked - {event})
        out.append((StepLabel("relay", f"marks e{event} sent in the outbox", peer="app-database"),
                    write._replace(app=after)))
    return out


def on_acknowledged(app: Application, event: int) -> Application:
    """The producer reports `event` written."""
    if event in app.relay_handed:
        return app._replace(relay_acked=app.relay_acked | {event})
    return app


def on_failed(app: Application, event: int) -> Application:
    """The producer gives up on `event`: the relay will publish the row again; the other sources have
    nothing to do (the event is lost to the topic)."""
    if event in app.relay_handed and event not in app.relay_acked:
        return app._replace(relay_handed=app.relay_handed - {event})
    return app


def after_crash(app: Application) -> Application:
    """What survives a crash of the application: the database and its outbox rows."""
    return app._replace(awaiting_send=0, relay_handed=frozenset(), relay_acked=frozenset())


def app_pending(config, app: Application) -> str | None:
    todo = []
    if app.next_event <= config.workload.messages:
        todo.append(f"e{app.next_event}..e{config.workload.messages} not emitted")
    if app.awaiting_send:
        todo.append(f"e{app.awaiting_send} committed, not sent")
    if app.outbox:
        todo.append("outbox rows " + ", ".join(f"e{e}" for e in sorted(app.outbox)) + " not marked sent")
    return "; ".join(todo) if todo else None
