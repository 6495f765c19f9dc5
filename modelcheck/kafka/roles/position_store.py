"""Where a producing application's work stands, kept outside its instances: the position store.

A producer-only application that runs as a replaceable instance (a pod that an orchestrator replaces
when it stops answering its liveness probe) must keep how far its work has gone where the next instance
can read it: a database row, a file on shared storage, a source system's own cursor. Kafka's
transaction does not cover that record (only consume-transform-produce puts its input position, the
consumer offsets, in the transaction), so it is written after the transaction commits, as a plain
update. This actor is that record, one position per application: the first event not done yet.

- `PositionRead` is answered with the position (`AnswersPosition`);
- `PositionWrite` sets it (`StoresPosition`), last writer wins, as an UPDATE of one row does.

It exists only in configurations with `faults.producer.pause` (`system`), where a standby instance
takes over the work of one that stalled. Its state is durable and it does not crash here. Left out: a
position kept in a transaction with the Kafka commit (KIP-939 is the Kafka side of that; see
`transactional`), and a compare-and-set write that would refuse a stale instance.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import ActorState, Out, Reply
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.role import KafkaRole


class AnswersPosition(NamedTuple):
    application: int
    next_event: int


class StoresPosition(NamedTuple):
    application: int
    next_event: int


class PositionStore(KafkaRole):
    role = "store"
    kinds = (AnswersPosition, StoresPosition)
    sends_to = ()

    def __init__(self, first_events: tuple[int, ...]):
        """`first_events`: per application, its first event (where its work starts)."""
        super().__init__("position-store")
        self.first_events = first_events

    def initial(self) -> ActorState:
        return ActorState(self.first_events, None)

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        positions = state.durable
        if kind is rpc.PositionRead:
            position = positions[message.application]
            return [Out(AnswersPosition(message.application, position), state,
                        (Reply(envelope.link, rpc.PositionIs(message.application, position)),))]
        if kind is rpc.PositionWrite:
            application = message.application
            stored = positions[:application] + (message.next_event,) + positions[application + 1:]
            return [Out(StoresPosition(application, message.next_event), ActorState(stored, None))]
        return []

    def describe(self, what) -> str:
        if type(what) is AnswersPosition:
            return f"answers that the work stands at e{what.next_event}"
        if type(what) is StoresPosition:
            return f"records that the work stands at e{what.next_event}"
        return super().describe(what)

    def describe_state(self, state) -> str:
        return ", ".join(f"next e{position}" for position in state.durable)

    def explain(self, before, after) -> list[str]:
        return [f"stored position: e{old} -> e{new}" for old, new in zip(before.durable, after.durable) if old != new]
