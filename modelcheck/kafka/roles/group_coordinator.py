"""The group coordinator on the actors layer: the group's committed offsets and its generation.

It answers `OffsetFetchRequest` with the committed offset of a partition (NO_OFFSET when none) and
`OffsetCommitRequest` by storing the offset, unless the request comes from a member of an older
generation (ILLEGAL_GENERATION, which the Java client raises as CommitFailedException) or from a member
that does not own the partition. Its state is durable (the `__consumer_offsets` topic) and it is not
among the actors that crash here (a coordinator failover reloads the same offsets).

Left out here (still in the write/read-side model until the move is complete): rebalances, eviction of
a member that stops polling, and the join/sync protocol.

Sources: the Java client's `ConsumerCoordinator` (OffsetCommit error handling), the broker's
`GroupCoordinator` (generation check), `modelcheck.kafka.group` for the state.
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import Actor, ActorState, Out, Reply
from modelcheck.kafka import group as groups
from modelcheck.kafka import rpc
from modelcheck.kafka.roles.broker import describe_message


class AnswersOffsetFetch(NamedTuple):
    partition: int
    offset: int


class StoresCommit(NamedTuple):
    member: int
    partition: int
    offset: int


class RejectsCommit(NamedTuple):
    member: int
    partition: int
    offset: int
    why: str


class GroupCoordinator(Actor):
    role = "group-coordinator"
    kinds = (AnswersOffsetFetch, StoresCommit, RejectsCommit)

    def __init__(self, partitions: int, instances: int):
        super().__init__("group-coordinator")
        self.partitions = partitions
        self.instances = instances

    def initial(self) -> ActorState:
        return ActorState(groups.initial_group(self.partitions, self.instances), None)

    def restart(self, durable) -> ActorState:
        return ActorState(durable, None)

    def receive(self, state, envelope):
        message, group = envelope.message, state.durable
        kind = type(message)
        if kind is rpc.OffsetFetchRequest:
            offset = group.committed[message.partition]
            return [Out(AnswersOffsetFetch(message.partition, offset), state,
                        (Reply(envelope.link, rpc.OffsetFetchResponse(message.partition, offset)),))]
        if kind is rpc.OffsetCommitRequest:
            why = groups.commit_error(group, message.generation, message.partition, message.member)
            if why is not None:
                response = rpc.OffsetCommitResponse(message.partition, message.offset, rpc.ILLEGAL_GENERATION)
                return [Out(RejectsCommit(message.member, message.partition, message.offset, why), state,
                            (Reply(envelope.link, response),))]
            committed = groups.with_commit(group, {message.partition: message.offset})
            response = rpc.OffsetCommitResponse(message.partition, message.offset, rpc.NONE)
            return [Out(StoresCommit(message.member, message.partition, message.offset), ActorState(committed, None),
                        (Reply(envelope.link, response),))]
        return []

    def describe(self, what) -> str:
        kind = type(what)
        if kind is AnswersOffsetFetch:
            offset = "none" if what.offset == rpc.NO_OFFSET else str(what.offset)
            return f"answers that the committed offset of p{what.partition} is {offset}"
        if kind is StoresCommit:
            return f"stores consumer[{what.member}]'s commit of offset {what.offset} of p{what.partition}"
        if kind is RejectsCommit:
            return f"rejects consumer[{what.member}]'s commit of offset {what.offset} of p{what.partition} ({what.why})"
        return super().describe(what)

    def describe_message(self, message) -> str:
        return describe_message(message)

    def describe_state(self, state) -> str:
        return "committed " + ", ".join(f"p{p}: {'none' if o == rpc.NO_OFFSET else o}"
                                        for p, o in enumerate(state.durable.committed))

    def explain(self, before, after) -> list[str]:
        return [f"committed offset of p{p}: {'none' if old == rpc.NO_OFFSET else old} -> {new}"
                for p, (old, new) in enumerate(zip(before.durable.committed, after.durable.committed)) if old != new]
