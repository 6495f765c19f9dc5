"""The Kafka model's words for reports: a state in one line, what a step changed, and the evidence of a
violation at the end of a trace ("e1 took effect in the sink twice: steps 6 and 11").

Pure functions of the configuration, the read side's interface and states; the write side is described
here, the read side by its own `read_explain`.
"""

from __future__ import annotations

from modelcheck.kafka import properties
from modelcheck.kafka.cluster import readable_logs, recorded_events
from modelcheck.kafka.partition import high_watermark
from modelcheck.kafka.producer import STATUS_NAMES


def _events(records) -> str:
    return "[" + ", ".join(f"e{r.event}" for r in records) + "]"


def _set(events) -> str:
    return "{" + ", ".join(f"e{e}" for e in sorted(events)) + "}"


def _isr(isr) -> str:
    return "{" + ", ".join(f"broker[{b}]" for b in sorted(isr)) + "}"


def _leader(leader) -> str:
    return "none (offline)" if leader is None else f"broker[{leader}]"


def _producer_text(producer) -> str:
    parts = [f"producer id {producer.session}, epoch {producer.producer_epoch}"]
    queued = [f"e{b.record.event}" for q in producer.queues for b in q]
    if queued:
        parts.append(f"buffer {', '.join(queued)}")
    flying = [f"e{e.batch.record.event}->broker[{e.broker}] {STATUS_NAMES[e.status]}" for e in producer.in_flight]
    if flying:
        parts.append(f"in flight {', '.join(flying)}")
    return ", ".join(parts)


def _buffer(producer) -> str:
    return "[" + ", ".join(f"e{b.record.event}" + (f"@p{b.partition}" if len(producer.queues) > 1 else "")
                           for q in producer.queues for b in q) + "]"


def _flying(producer) -> str:
    return "[" + ", ".join(f"e{e.batch.record.event}->broker[{e.broker}] {STATUS_NAMES[e.status]}"
                           for e in producer.in_flight) + "]"


def _producer_changes(old, new) -> list[str]:
    out = []
    if old.session != new.session:
        out.append(f"producer id: {old.session} -> {new.session}")
    if old.producer_epoch != new.producer_epoch and old.session == new.session:
        out.append(f"producer epoch: {old.producer_epoch} -> {new.producer_epoch}")
    if old.queues != new.queues and _buffer(old) != _buffer(new):
        out.append(f"producer buffer: {_buffer(old)} -> {_buffer(new)}")
    if old.in_flight != new.in_flight:
        out.append(f"in flight: {_flying(old)} -> {_flying(new)}")
    return out


def write_parts(config, write) -> list[tuple[str, str]]:
    """The write side as named parts: the application's tables, the producer, each partition, the
    brokers down, the requests on the wire and what was acknowledged."""
    parts = []
    app = write.app
    if config.producer.source != "direct":
        parts.append(("database", _set(app.database)))
    if config.producer.source == "outbox":
        parts.append(("outbox", _set(app.outbox)))
    parts.append(("producer", _producer_text(write.producer).removeprefix("producer ")))
    for index, partition in enumerate(write.cluster.partitions):
        logs = " ".join(f"b{b}:{_events(partition.replica_on(b).log)}" for b in partition.brokers)
        parts.append((f"p{index}", f"leader {_leader(partition.leader)} ISR {_isr(partition.isr)} "
                                   f"hw {high_watermark(partition)} {logs}"))
    down = [f"broker[{b}]" for b, up in enumerate(write.cluster.up) if not up]
    if down:
        parts.append(("down", ", ".join(down)))
    if write.requests:
        parts.append(("on the wire", ", ".join(f"e{r.batch.record.event}->broker[{r.broker}]"
                                               for r in write.requests)))
    if write.acknowledged:
        parts.append(("acknowledged", ", ".join(f"e{e}@p{p}" for p, e in sorted(write.acknowledged))))
    return parts


_COLON_PARTS = ("down", "on the wire")     # "down: broker[1]", but "p0 leader broker[0] ..."


def describe_write(config, write) -> str:
    return "; ".join(f"{name}: {text}" if name in _COLON_PARTS else f"{name} {text}"
                     for name, text in write_parts(config, write))


def state_parts(config, read_side, state) -> list[tuple[str, str]]:
    """The whole state as named parts: the write side's, then the read side's (its `read_parts`; a read
    side without them shows its changes since the start, as `describe_state` does)."""
    parts = getattr(read_side, "read_parts", None)
    if parts is not None:
        return write_parts(config, state.write) + parts(config, state.read)
    changes = read_side.read_explain(config, read_side.initial_read(config), state.read)
    return write_parts(config, state.write) + [tuple(_current(line).partition(": ")[::2]) for line in changes]


def describe_state(config, read_side, state) -> str:
    """The state in words: the write side, then what the read side holds now (its changes since the
    start, each shown as its current value)."""
    read = [_current(line) for line in read_side.read_explain(config, read_side.initial_read(config), state.read)]
    text = describe_write(config, state.write)
    return text + ("; " + "; ".join(read) if read else "")


def _current(change: str) -> str:
    """'consumer[0] position on p0: unknown -> 1' as 'consumer[0] position on p0: 1'."""
    subject, separator, values = change.partition(": ")
    if separator and " -> " in values:
        return f"{subject}: {values.rsplit(' -> ', 1)[1]}"
    return change


def explain_write(config, before, after) -> list[str]:
    """What a step changed on the write side."""
    out = []
    for index, (old, new) in enumerate(zip(before.cluster.partitions, after.cluster.partitions)):
        if old == new:
            continue
        for broker in new.brokers:
            was, now = old.replica_on(broker).log, new.replica_on(broker).log
            if was != now:
                out.append(f"log of p{index} on broker[{broker}]: {_events(was)} -> {_events(now)}")
        if old.leader != new.leader:
            out.append(f"leader of p{index}: {_leader(old.leader)} -> {_leader(new.leader)} "
                       f"(leader epoch {new.leader_epoch})")
        if old.isr != new.isr:
            out.append(f"ISR of p{index}: {_isr(old.isr)} -> {_isr(new.isr)}")
        if high_watermark(old) != high_watermark(new):
            out.append(f"high watermark of p{index}: {high_watermark(old)} -> {high_watermark(new)}")
    for broker, (was, now) in enumerate(zip(before.cluster.up, after.cluster.up)):
        if was != now:
            out.append(f"broker[{broker}]: {'up' if was else 'down'} -> {'up' if now else 'down'}")
    if before.producer != after.producer:
        out.extend(_producer_changes(before.producer, after.producer))
    if before.requests != after.requests:
        out.append("requests nobody waits for: " + (", ".join(
            f"e{r.batch.record.event}->broker[{r.broker}]" for r in after.requests) or "none"))
    old_app, new_app = before.app, after.app
    if old_app.database != new_app.database:
        out.append(f"app database: {_set(old_app.database)} -> {_set(new_app.database)}")
    if old_app.outbox != new_app.outbox:
        out.append(f"outbox rows not marked sent: {_set(old_app.outbox)} -> {_set(new_app.outbox)}")
    if old_app.relay_handed != new_app.relay_handed or old_app.relay_acked != new_app.relay_acked:
        out.append(f"relay: waiting on {_set(new_app.relay_handed - new_app.relay_acked)}, "
                   f"acknowledged {_set(new_app.relay_acked)}")
    added = sorted(after.acknowledged - before.acknowledged)
    if added:
        out.append("acknowledged to the producer: " + ", ".join(f"e{e} (p{p})" for p, e in added))
    return out


def explain_step(config, read_side, before, label, after) -> list[str]:
    return explain_write(config, before.write, after.write) + \
        read_side.read_explain(config, before.read, after.read)


def steps_where(trace, count) -> list[int]:
    """The step numbers at which `count(state)` grew."""
    states = trace.states
    return [number for number in range(1, len(states)) if count(states[number]) > count(states[number - 1])]


def steps_text(steps) -> str:
    if not steps:
        return ""
    if len(steps) == 1:
        return f"step {steps[0]}"
    return "steps " + ", ".join(str(s) for s in steps[:-1]) + f" and {steps[-1]}"


def explain_violation(config, read_side, name: str, trace) -> str | None:
    """The evidence of a violation of `name` at the end of `trace`."""
    last = trace.last
    effects = read_side.sink_effects
    if name == "no-duplicate":
        for event in properties.repeated(effects(last.read)):
            steps = steps_where(trace, lambda s: effects(s.read).count(event))
            return f"e{event} took effect in the sink {effects(last.read).count(event)} times: {steps_text(steps)}"
    if name == "no-log-duplicate":
        for event in properties.repeated(properties.topic_events(config, last.write)):
            where = [f"p{p} offset {offset}" for p, log in enumerate(readable_logs(config, last.write)) if log
                     for offset, record in enumerate(log) if record.event == event]
            steps = steps_where(trace, lambda s: properties.topic_events(config, s.write).count(event))
            return (f"e{event} is in the topic twice ({', '.join(where)}); it became readable at "
                    f"{steps_text(steps)}")
    if name == "key-order":
        for earlier, later in properties.order_breaks(config, effects(last.read)):
            first_later = steps_where(trace, lambda s: int(later in effects(s.read)))
            first_earlier = steps_where(trace, lambda s: int(earlier in effects(s.read)))
            entity = config.workload.key_of(earlier)
            return (f"entity {entity}: e{later} took effect at {steps_text(first_later[:1])}, before e{earlier} "
                    f"(emitted first) at {steps_text(first_earlier[:1])}")
    if name == "acked-durable":
        for partition, event in properties.missing_acknowledged(last.write):
            acked = steps_where(trace, lambda s: int((partition, event) in s.write.acknowledged))
            leader = last.write.cluster.partitions[partition].leader
            return (f"e{event} was acknowledged at {steps_text(acked[:1])} and is not in the log of p{partition} "
                    f"on its leader broker[{leader}] after step {len(trace.steps)}")
    if name == "no-loss":
        lost = properties.lost_events(config, last, read_side)
        if lost:
            recorded = {e: steps_where(trace, lambda s, e=e: int(e in recorded_events(config, s.write)))
                        for e in lost}
            topic = set(properties.topic_events(config, last.write))
            parts = [f"e{e} (recorded at {steps_text(recorded[e][:1]) or 'the start'}; "
                     f"{'in the topic but never consumed' if e in topic else 'not in the topic'})" for e in lost]
            return "recorded but never took effect in the sink: " + ", ".join(parts)
    if name == "consistency":
        only_database, only_topic = properties.inconsistency(config, last.write)
        parts = []
        if only_database:
            parts.append(f"only in the database: {_set(only_database)}")
        if only_topic:
            parts.append(f"only in the topic: {_set(only_topic)}")
        return "; ".join(parts) or None
    if name == "progress":
        left = properties.pending(config, last, read_side)
        return f"left pending with no step enabled: {left}" if left else None
    return None
