"""The write side: the producing application, its producer, the network to the brokers, the brokers'
partitions, and the fault budget spent so far, as one state with its steps.

Each step family is a small pure function `(config, write) -> [(StepLabel, WriteSide)]`, listed in
`WRITE_ACTIONS` (the model turns each into an engine action, so coverage counts them separately):

- `app.*` / `relay.*`: the application's steps (`application`);
- `producer.send`: the sender takes the head of a partition's queue to the leader (`producer`);
- `broker.handle`: a broker handles the next request of a connection: it appends the record, or
  answers with an error at once;
- `broker.acknowledge`: the leader answers a request it appended, with `acks=1` at any time (so a
  crash can come between the append and the answer), with `acks=all` once the high watermark has passed
  the record; a lost answer is a fault of the `response.lost` budget;
- `producer.timeout`: a request whose request or response was lost (or whose broker crashed) times out
  and the batch is retried or fails;
- `replica.fetch`, `replica.shrink-isr`: replication (`cluster`);
- faults within the budget: `network.lose-request`, `network.delay-request`, `broker.crash` (with its
  `broker.restart`), `app.crash` (a crash and restart of the application with its producer).

The state is terminal exactly when nothing is left to do on the write side: no step is enabled that
changes nothing. A crash of the application is offered only when it loses something (a buffered or
in-flight batch, a dual-write send in progress, the relay's memory); a crash of an idle application
would only change the producer id.

What the properties need is kept here too: `acknowledged`, the (partition, event) pairs the producer
was told were written, for `acked-durable`.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.engine import StepLabel
from modelcheck.kafka import application, cluster as clusters, faults, network, producer as producers
from modelcheck.kafka.application import Application
from modelcheck.kafka.cluster import Cluster
from modelcheck.kafka.faults import FaultsUsed
from modelcheck.kafka.network import Request
from modelcheck.kafka.partition import high_watermark
from modelcheck.kafka.producer import LOST, SENT, WAITING, Batch, InFlight, Producer


class WriteSide(NamedTuple):
    app: Application
    producer: Producer
    cluster: Cluster
    requests: tuple[Request, ...] = ()                # on the wire, nobody waiting (see `network`)
    acknowledged: frozenset[tuple[int, int]] = frozenset()   # (partition, event) acknowledged
    faults: FaultsUsed = FaultsUsed()


def initial_write(config) -> WriteSide:
    return WriteSide(app=Application(), producer=producers.new_producer(config),
                     cluster=clusters.initial_cluster(config))


def _broker(broker: int) -> str:
    return f"broker[{broker}]"


# -- the producer's outcomes ----------------------------------------------------------------------

def _succeeded(write: WriteSide, batch: Batch) -> WriteSide:
    event = batch.record.event
    return write._replace(acknowledged=write.acknowledged | {(batch.partition, event)},
                          app=application.on_acknowledged(write.app, event))


def _errored(config, write: WriteSide, batch: Batch, error: str) -> tuple[WriteSide, str]:
    """The producer learns of `error` for `batch` (already out of its in-flight list)."""
    producer, failed = producers.retry_or_fail(config, write.producer, batch, error)
    bumped = (f" and bumps its epoch to {producer.producer_epoch}"
              if producer.producer_epoch != write.producer.producer_epoch else "")
    write = write._replace(producer=producer)
    event = batch.record.event
    if not failed:
        return write, f"producer will retry e{event}{bumped}"
    kind = "ambiguous: it may have been written" if batch.ambiguous else "definite: it was not written"
    attempts = "attempt" if batch.attempts == 1 else "attempts"
    return (write._replace(app=application.on_failed(write.app, event)),
            f"producer gives up on e{event} after {batch.attempts} {attempts}: {error} ({kind}){bumped}")


def _answer(config, write: WriteSide, index: int, entry: InFlight, error: str | None,
            actor: str, text: str) -> list:
    """The answer to in-flight request `index` reaches the producer, or (within the budget) is lost."""
    batch = entry.batch
    answered = write._replace(producer=producers.without(write.producer, index))
    if error is None:
        delivered, outcome = _succeeded(answered, batch), "producer gets the ack"
    else:
        delivered, outcome = _errored(config, answered, batch, error)
    out = [(StepLabel(actor, f"{text}; {outcome}", peer="producer"), delivered)]
    if faults.can_spend(config, write.faults, "response.lost"):
        lost = write._replace(producer=producers.with_entry(write.producer, index, entry._replace(status=LOST)),
                              faults=faults.spend(write.faults, "response.lost"))
        out.append((StepLabel(actor, f"{text}; the response is lost", peer="producer", fault=True), lost))
    return out


# -- step families ----------------------------------------------------------------------------------

def send_steps(config, write: WriteSide) -> list:
    out = []
    fire_and_forget = config.producer.acks == "0"
    for partition in range(config.cluster.partitions):
        leader = write.cluster.partitions[partition].leader
        if leader is None or not producers.can_send_head(config, write.producer, partition):
            continue
        if not fire_and_forget and \
                producers.in_flight_to(write.producer, leader) >= config.producer.max_in_flight:
            continue
        producer, batch = producers.take_head(config, write.producer, partition)
        record = batch.record
        details = [f"p{partition}"]
        if record.sequence >= 0:
            details.append(f"sequence {record.sequence}" + (f", epoch {record.producer_epoch}"
                                                             if record.producer_epoch else ""))
        if batch.attempts > 1:
            details.append(f"attempt {batch.attempts}")
        text = f"sends e{record.event} to {_broker(leader)} ({', '.join(details)})"
        if fire_and_forget:
            after = _succeeded(write._replace(producer=producer,
                                              requests=write.requests + (Request(leader, batch, True),)), batch)
            text += "; acks=0: counted as acknowledged"
        else:
            after = write._replace(producer=producer._replace(
                in_flight=producer.in_flight + (InFlight(leader, batch),)))
        out.append((StepLabel("producer", text, peer=_broker(leader)), after))
    return out


def _handle_text(result: str, record, partition: int, offset: int) -> str:
    if result == "append":
        return f"appends e{record.event} to p{partition} at offset {offset}"
    if result == "duplicate":
        return f"finds e{record.event} already at offset {offset} of p{partition} (duplicate sequence)"
    return f"rejects e{record.event}: {result}"


def handle_steps(config, write: WriteSide) -> list:
    """A broker handles the next request of a connection (`network` explains the order)."""
    out = []
    muted: set[int] = set()
    for index, entry in enumerate(write.producer.in_flight):
        if entry.status == WAITING:
            muted.add(entry.broker)
            continue
        if entry.status != SENT or entry.broker in muted:
            continue
        muted.add(entry.broker)
        batch = entry.batch
        result, cluster, offset = clusters.append(config, write.cluster, entry.broker, batch.partition, batch.record)
        text = _handle_text(result, batch.record, batch.partition, offset)
        after = write._replace(cluster=cluster)
        actor = _broker(entry.broker)
        if result in ("append", "duplicate"):
            partition = cluster.partitions[batch.partition]
            waiting = entry._replace(status=WAITING, offset=offset, leader_epoch=partition.leader_epoch)
            after = after._replace(producer=producers.with_entry(write.producer, index, waiting))
            if config.producer.acks == "all":
                text += "; waits for the ISR"
            out.append((StepLabel(actor, text, peer="producer"), after))
        else:
            out.extend(_answer(config, after, index, entry, result, actor, text))
    for index in network.deliverable(write.requests):
        request = write.requests[index]
        batch = request.batch
        result, cluster, offset = clusters.append(config, write.cluster, request.broker, batch.partition,
                                                  batch.record)
        text = _handle_text(result, batch.record, batch.partition, offset)
        why = "acks=0" if request.ordered else "a request nobody waits for any more"
        out.append((StepLabel(_broker(request.broker), f"{text} ({why}: no answer)"),
                    write._replace(cluster=cluster, requests=network.drop(write.requests, index))))
    return out


def acknowledge_steps(config, write: WriteSide) -> list:
    """The leader answers a request it appended: with acks=1 at once, with acks=all once the high
    watermark has passed the record (and with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR has shrunk
    below min.insync.replicas meanwhile)."""
    out = []
    for index, entry in enumerate(write.producer.in_flight):
        if entry.status != WAITING:
            continue
        partition = write.cluster.partitions[entry.batch.partition]
        if partition.leader != entry.broker or partition.leader_epoch != entry.leader_epoch:
            continue
        event = entry.batch.record.event
        actor = _broker(entry.broker)
        where = f"p{entry.batch.partition} offset {entry.offset}"
        if config.producer.acks != "all":
            out.extend(_answer(config, write, index, entry, None, actor, f"acknowledges e{event} ({where})"))
            continue
        watermark = high_watermark(partition)
        if watermark <= entry.offset:
            continue
        if len(partition.isr) < config.cluster.min_insync_replicas:
            error = clusters.NOT_ENOUGH_REPLICAS_AFTER_APPEND
            entry = entry._replace(batch=entry.batch._replace(ambiguous=True))
            text = f"answers e{event} with {error} (ISR {_members(partition.isr)})"
            out.extend(_answer(config, write, index, entry, error, actor, text))
        else:
            text = f"acknowledges e{event} ({where}, high watermark {watermark})"
            out.extend(_answer(config, write, index, entry, None, actor, text))
    return out


def timeout_steps(config, write: WriteSide) -> list:
    out = []
    for index, entry in enumerate(write.producer.in_flight):
        if entry.status != LOST:
            continue
        batch = entry.batch._replace(ambiguous=True)
        after, outcome = _errored(config, write._replace(producer=producers.without(write.producer, index)),
                                  batch, "request timed out")
        out.append((StepLabel("producer", f"times out waiting for {_broker(entry.broker)} on e{batch.record.event}; "
                              f"{outcome.removeprefix('producer ')}"), after))
    return out


def lose_request_steps(config, write: WriteSide) -> list:
    if not faults.can_spend(config, write.faults, "request.lost"):
        return []
    spent = faults.spend(write.faults, "request.lost")
    out = []
    for index, entry in enumerate(write.producer.in_flight):
        if entry.status == SENT:
            lost = producers.with_entry(write.producer, index, entry._replace(status=LOST))
            out.append((StepLabel("network", f"loses the request for e{entry.batch.record.event} to "
                                  f"{_broker(entry.broker)}", peer=_broker(entry.broker), fault=True),
                        write._replace(producer=lost, faults=spent)))
    for index, request in enumerate(write.requests):
        if request.ordered:
            out.append((StepLabel("network", f"loses the request for e{request.batch.record.event} to "
                                  f"{_broker(request.broker)}", peer=_broker(request.broker), fault=True),
                        write._replace(requests=network.drop(write.requests, index), faults=spent)))
    return out


def delay_request_steps(config, write: WriteSide) -> list:
    """A request is held up in the network past the producer's timeout; it may still arrive later."""
    if not faults.can_spend(config, write.faults, "request.delayed"):
        return []
    spent = faults.spend(write.faults, "request.delayed")
    out = []
    for index, entry in enumerate(write.producer.in_flight):
        if entry.status != SENT:
            continue
        batch = entry.batch._replace(ambiguous=True)
        after = write._replace(producer=producers.without(write.producer, index), faults=spent,
                               requests=write.requests + (Request(entry.broker, entry.batch, False),))
        after, outcome = _errored(config, after, batch, "request timed out")
        out.append((StepLabel("network", f"delays the request for e{batch.record.event} past the producer's "
                              f"timeout; {outcome}", peer=_broker(entry.broker), fault=True), after))
    return out


def fetch_steps(config, write: WriteSide) -> list:
    return [(StepLabel(_broker(follower), text, peer=_broker(write.cluster.partitions[index].leader)),
             write._replace(cluster=cluster))
            for follower, index, text, cluster in clusters.fetch_steps(write.cluster)]


def shrink_steps(config, write: WriteSide) -> list:
    """The leader drops a lagging follower from the ISR (`replica.lag.time.max.ms` elapsed): a fault
    within the `isr.shrink` budget."""
    if not faults.can_spend(config, write.faults, "isr.shrink"):
        return []
    spent = faults.spend(write.faults, "isr.shrink")
    return [(StepLabel(_broker(leader), text, fault=True), write._replace(cluster=cluster, faults=spent))
            for leader, index, text, cluster in clusters.shrink_steps(write.cluster)]


def broker_crash_steps(config, write: WriteSide) -> list:
    if not faults.can_spend(config, write.faults, "broker.crash"):
        return []
    spent = faults.spend(write.faults, "broker.crash")
    out = []
    for broker, up in enumerate(write.cluster.up):
        if not up:
            continue
        in_flight = tuple(entry._replace(status=LOST) if entry.broker == broker and entry.status != LOST else entry
                          for entry in write.producer.in_flight)
        requests = tuple(r for r in write.requests if r.broker != broker)
        producer = write.producer._replace(in_flight=in_flight)
        for notes, cluster in clusters.crash(config, write.cluster, broker):
            text = "crashes" + (f"; controller {notes}" if notes else "")
            out.append((StepLabel(_broker(broker), text, fault=True),
                        write._replace(cluster=cluster, producer=producer, requests=requests, faults=spent)))
    return out


def broker_restart_steps(config, write: WriteSide) -> list:
    out = []
    for broker, up in enumerate(write.cluster.up):
        if up:
            continue
        notes, cluster = clusters.restart(config, write.cluster, broker)
        out.append((StepLabel(_broker(broker), "restarts" + (f"; {notes}" if notes else "")),
                    write._replace(cluster=cluster)))
    return out


def app_crash_steps(config, write: WriteSide) -> list:
    if not faults.can_spend(config, write.faults, "producer.crash"):
        return []
    app, producer = write.app, write.producer
    survivor = application.after_crash(app)
    if producers.is_idle(producer) and survivor == app:
        return []
    orphans = tuple(Request(entry.broker, entry.batch, False) for entry in producer.in_flight
                    if entry.status == SENT)
    lost = [f"e{b.record.event}" for q in producer.queues for b in q] + \
        [f"e{entry.batch.record.event}" for entry in producer.in_flight]
    text = "crashes and restarts with a new producer"
    if lost:
        text += f" (drops {', '.join(lost)} from its producer)"
    after = write._replace(app=survivor, producer=producers.new_producer(config, producer.session + 1),
                           requests=write.requests + orphans, faults=faults.spend(write.faults, "producer.crash"))
    return [(StepLabel("app", text, fault=True), after)]


def _members(isr) -> str:
    return "{" + ", ".join(_broker(b) for b in sorted(isr)) + "}"


# (action name, step family, whether the config can ever enable it)
WRITE_ACTIONS = (
    ("app.emit", application.app_steps, lambda config: True),
    ("relay.publish", application.relay_steps, lambda config: config.producer.source == "outbox"),
    ("producer.send", send_steps, lambda config: True),
    ("broker.handle", handle_steps, lambda config: True),
    ("broker.acknowledge", acknowledge_steps, lambda config: config.producer.acks != "0"),
    ("producer.timeout", timeout_steps, lambda config: config.producer.acks != "0" and (
        config.faults.request_lost or config.faults.response_lost or config.faults.broker_crash)),
    ("replica.fetch", fetch_steps, lambda config: config.cluster.replication_factor > 1),
    ("replica.shrink-isr", shrink_steps,
     lambda config: config.cluster.replication_factor > 1 and config.faults.isr_shrink > 0),
    ("network.lose-request", lose_request_steps, lambda config: config.faults.request_lost > 0),
    ("network.delay-request", delay_request_steps,
     lambda config: config.faults.request_delayed > 0 and config.producer.acks != "0"),
    ("broker.crash", broker_crash_steps, lambda config: config.faults.broker_crash > 0),
    ("broker.restart", broker_restart_steps, lambda config: config.faults.broker_crash > 0),
    ("app.crash", app_crash_steps, lambda config: config.faults.producer_crash > 0),
)


def write_actions(config) -> list[tuple[str, object]]:
    """The step families this configuration can enable: (action name, step function)."""
    return [(name, step) for name, step, possible in WRITE_ACTIONS if possible(config)]


def write_steps(config, write: WriteSide) -> list[tuple[StepLabel, WriteSide]]:
    """Every write-side step enabled in `write`."""
    out = []
    for _, step in write_actions(config):
        out.extend(step(config, write))
    return out


def write_pending(config, write: WriteSide) -> str | None:
    """What the write side still has to do, or None when it is done."""
    todo = []
    app = application.app_pending(config, write.app)
    if app:
        todo.append(app)
    queued = [f"e{b.record.event}" for q in write.producer.queues for b in q]
    if queued:
        todo.append(f"producer buffer holds {', '.join(queued)}")
    for entry in write.producer.in_flight:
        todo.append(f"e{entry.batch.record.event} in flight to {_broker(entry.broker)} "
                    f"({producers.STATUS_NAMES[entry.status]})")
    for request in write.requests:
        todo.append(f"a request for e{request.batch.record.event} is on its way to {_broker(request.broker)}")
    cluster = clusters.cluster_pending(write.cluster)
    if cluster:
        todo.append(cluster)
    return "; ".join(todo) if todo else None
