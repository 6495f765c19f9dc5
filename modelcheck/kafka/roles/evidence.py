"""The evidence of a violation at the end of a trace of Kafka's roles, in the model's own words.

What `kafka.explain.explain_violation` says for the write/read-side model, said over the actors' states
(`system.KafkaSystem` gives the events recorded, the sink's effects, the readable logs and the records
acknowledged): "e1 took effect in the sink 2 times: steps 9 and 14".
"""

from __future__ import annotations

from modelcheck.kafka import properties
from modelcheck.kafka.explain import steps_text, steps_where


def explain_violation(system, name: str, trace) -> str | None:
    """The evidence of a violation of `name` at the end of `trace` (None when there is nothing to add)."""
    last = trace.last
    effects = system.effects
    if name == "no-duplicate":
        for event in properties.repeated(effects(last)):
            steps = steps_where(trace, lambda s: effects(s).count(event))
            return f"e{event} took effect in the sink {effects(last).count(event)} times: {steps_text(steps)}"
    if name == "no-log-duplicate":
        for event in properties.repeated(system.topic_events(last)):
            steps = steps_where(trace, lambda s: system.topic_events(s).count(event))
            return f"e{event} is in the topic twice; it became readable at {steps_text(steps)}"
    if name == "key-order":
        for earlier, later in properties.order_breaks(system.config, effects(last)):
            first_later = steps_where(trace, lambda s: int(later in effects(s)))
            first_earlier = steps_where(trace, lambda s: int(earlier in effects(s)))
            entity = system.config.workload.key_of(earlier)
            return (f"entity {entity}: e{later} took effect at {steps_text(first_later[:1])}, before e{earlier} "
                    f"(emitted first) at {steps_text(first_earlier[:1])}")
    if name == "acked-durable":
        for partition, event in system.missing_acknowledged(last):
            acked = steps_where(trace, lambda s: int((partition, event) in system.acknowledged(s)))
            return (f"e{event} was acknowledged at {steps_text(acked[:1])} and is not in the log of p{partition}'s "
                    f"leader after step {len(trace.steps)}")
    if name == "no-loss":
        lost = sorted(system.recorded(last) - set(effects(last)))
        if lost:
            topic = set(system.topic_events(last))
            parts = [f"e{e} ({'in the topic but never consumed' if e in topic else 'not in the topic'})" for e in lost]
            return "recorded but never took effect in the sink: " + ", ".join(parts)
    if name == "consistency":
        only_database, only_topic = system.inconsistency(last)
        parts = []
        if only_database:
            parts.append("only in the database: " + ", ".join(f"e{e}" for e in only_database))
        if only_topic:
            parts.append("only in the topic: " + ", ".join(f"e{e}" for e in only_topic))
        return "; ".join(parts) or None
    if name == "no-hanging-transaction":
        for partition, offset, producer_id in system.hanging(last):
            return (f"the record at offset {offset} of p{partition} belongs to producer {producer_id}, whose "
                    f"transaction coordinator has no transaction open there: no marker will ever end it, and "
                    f"read_committed readers stop before it")
    if name == "zombie-fenced":
        committed = steps_where(trace, lambda s: len(system.zombie_commits(s)))
        if system.transform:
            member, partition, offset = system.zombie_commits(last)[0]
            return (f"at {steps_text(committed[:1])} a transaction of consumer[{member}] committed offset {offset} of "
                    f"p{partition}, a partition another instance had started on after consumer[{member}] lost it")
        instance = system.actors[system.zombie_commits(last)[0]].name
        took_over = steps_where(trace, lambda s: sum(not s.actors[i].durable.standby for i in system.standbys))
        return (f"{instance}'s commit was decided at {steps_text(committed[:1])}, after a newer instance of the "
                f"application had its producer id (the standby took over at {steps_text(took_over[:1])})")
    if name == "progress":
        left = system.pending(last)
        return f"left pending with no step enabled: {left}" if left else None
    return None
