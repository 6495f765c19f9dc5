"""The sink on the actors layer: the database or HTTP service the consumers write to.

It applies each `SinkWrite` as `modelcheck.kafka.sink.write` says its kind and dedupe setting do (a
plain insert, a processed-events table in the same database transaction, in-batch dedupe, an HTTP call
with or without an idempotency key, the offset stored with the row) and answers once applied. Its state
is durable and it does not crash here. Because a write is a request, a consumer that crashes after
its write was applied never hears of it. What a crashed consumer had sent and the sink had not taken
yet is served by an HTTP service (the request was sent) and dropped by a database (it rolls back the
transaction of a session that died; the narrow race where the COMMIT had already reached the
database's socket buffer is left out).

Sources: see `modelcheck.kafka.sink`.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Out, Reply
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.role import KafkaRole
from modelcheck.kafka.commit_modes import COMMIT_MODES
from modelcheck.kafka import sink as sinks


class Applies(NamedTuple):
    text: str                     # the sink's own words ("inserts row e1 and marks e1 processed ...")


class AnswersStoredOffset(NamedTuple):
    partition: int
    offset: int


class Sink(KafkaRole):
    role = "sink"
    kinds = (Applies, AnswersStoredOffset)

    def __init__(self, config):
        super().__init__(sinks.sink_actor(config.sink.type))
        # A database rolls back the transaction of a client whose session died before it committed; an
        # HTTP request that was sent is served even if its client has gone.
        self.abandons_closed = sinks.SINKS[config.sink.type].abandons_dead_sessions
        self.sink_type = config.sink.type
        self.dedupe = config.sink.dedupe
        self.stores_offset = COMMIT_MODES[config.consumer.commit].offsets_in_sink
        self.partitions = config.cluster.partitions
        # With transactions the sink notes where each effect was read from, for `no-aborted-read`.
        self.tracks_sources = config.producer.transactional_id is not None

    def initial(self) -> ActorState:
        return ActorState(sinks.initial_sink(self.partitions), None)

    def restart(self, durable) -> ActorState:
        return ActorState(durable, None)

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        if kind is rpc.SinkWrite:
            text, after = sinks.write(state.durable, self.sink_type, self.dedupe, message.event, message.seen_in_batch,
                                      self.stores_offset, message.partition, message.next_offset)
            applied = after.effects != state.durable.effects
            if applied and self.tracks_sources:
                after = after._replace(sources=after.sources + ((message.partition, message.next_offset - 1),))
            return [Out(Applies(text), ActorState(after, None),
                        (Reply(envelope.link, rpc.SinkWritten(message.event, applied)),))]
        if kind is rpc.StoredOffsetRequest:
            offset = state.durable.stored_offsets[message.partition]
            return [Out(AnswersStoredOffset(message.partition, offset), state,
                        (Reply(envelope.link, rpc.StoredOffsetResponse(message.partition, offset)),))]
        return []

    def describe(self, what) -> str:
        if type(what) is Applies:
            return what.text
        if type(what) is AnswersStoredOffset:
            offset = "none" if what.offset == rpc.NO_OFFSET else str(what.offset)
            return f"answers that the stored offset of p{what.partition} is {offset}"
        return super().describe(what)


    def describe_state(self, state) -> str:
        return "effects [" + ", ".join(f"e{e}" for e in state.durable.effects) + "]"

    def explain(self, before, after) -> list[str]:
        lines = []
        if before.durable.effects != after.durable.effects:
            lines.append("effects: [" + ", ".join(f"e{e}" for e in after.durable.effects) + "]")
        for p, (old, new) in enumerate(zip(before.durable.stored_offsets, after.durable.stored_offsets)):
            if old != new:
                lines.append(f"offset of p{p} stored in the database: {'none' if old == rpc.NO_OFFSET else old} -> {new}")
        return lines
