"""A broker on the actors layer: the partition leader that appends produce requests and serves fetches.

What it models (Kafka 3.x brokers):

- Its durable state is the log of each partition it leads (`partition.Replica`: records and the leader
  epoch of each); a crash loses nothing on disk. Its volatile state is what it owes: fetches it holds
  until records arrive (long polling: a fetch at the high watermark waits in the broker's purgatory),
  each with the connection to answer on.
- Produce (`ProduceRequest`): the leader checks the batch's idempotence header against the producer
  state it rebuilds from its log (`idempotence.check_sequence`, after `ProducerAppendInfo`): a
  duplicate is answered with the original offset and not appended; an out-of-order sequence, an
  unknown producer id or an old epoch is refused. An accepted batch is appended and answered with its
  offset. With `acks=0` the request is one-way and nobody hears of the outcome. One request per
  connection is handled at a time, in order (the network's request/response mode: Kafka's
  SocketServer mutes a connection until its response is sent).
- Fetch (`FetchRequest`, for several partitions): the records of one partition that has some, from
  the requested offset up to the high watermark, at most `max.poll.records` of them (one answer per
  such partition: which one comes back is the model's choice); a position past a log's end is answered
  with OFFSET_OUT_OF_RANGE and the log end; a fetch with nothing to return is held until a record
  arrives.
- ListOffsets: the high watermark, where a `latest` reset starts.

This first version leads every partition it hosts alone: one replica per partition (replication
factor 1), so the high watermark is the log end. Followers, the ISR, `min.insync.replicas` and leader
election (the `cluster` module's behaviour) are the next part of the move onto the actors layer.

Sources: apache/kafka `ReplicaManager.appendRecords` and `fetchMessages` (purgatory for acks and
long polls), `ProducerAppendInfo.checkSequence`, `SocketServer` (one request in flight per connection);
the Kafka protocol guide (Produce, Fetch, ListOffsets).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.actors import Actor, ActorState, Out, Reply
from modelcheck.actors.actor import ONE_WAY
from modelcheck.kafka import idempotence
from modelcheck.kafka import rpc
from modelcheck.kafka.partition import Replica

_ERROR_OF = {
    idempotence.OUT_OF_ORDER: rpc.OUT_OF_ORDER_SEQUENCE_NUMBER,
    idempotence.UNKNOWN_PRODUCER: rpc.UNKNOWN_PRODUCER_ID,
    idempotence.INVALID_EPOCH: rpc.INVALID_PRODUCER_EPOCH,
}


class BrokerLogs(NamedTuple):
    replicas: tuple               # per partition: the Replica it holds, or None when it holds none


class Appends(NamedTuple):
    partition: int
    event: int
    offset: int
    answered: bool                # False for acks=0


class FindsDuplicate(NamedTuple):
    partition: int
    event: int
    offset: int


class RefusesProduce(NamedTuple):
    partition: int
    event: int
    error: int


class AnswersFetch(NamedTuple):
    partition: int
    offset: int
    events: tuple
    held: bool                    # the fetch had waited in the purgatory


class HoldsFetch(NamedTuple):
    partitions: tuple


class RefusesFetch(NamedTuple):
    partition: int
    offset: int
    log_end: int


class AnswersListOffsets(NamedTuple):
    partition: int
    offset: int


class Broker(Actor):
    role = "broker"
    kinds = (Appends, FindsDuplicate, RefusesProduce, AnswersFetch, HoldsFetch, RefusesFetch, AnswersListOffsets)

    def __init__(self, index: int, partitions: tuple[int, ...], partition_count: int):
        super().__init__(f"broker[{index}]")
        self.index = index
        self.partitions = frozenset(partitions)          # the partitions it leads
        self.partition_count = partition_count

    def initial(self) -> ActorState:
        replicas = tuple(Replica() if p in self.partitions else None for p in range(self.partition_count))
        return ActorState(BrokerLogs(replicas), ())      # volatile: held fetches (link, FetchRequest)

    # -- produce -------------------------------------------------------------------------------------

    def receive(self, state, envelope):
        message = envelope.message
        kind = type(message)
        if kind is rpc.ProduceRequest:
            return [self._produce(state, envelope)]
        if kind is rpc.FetchRequest:
            return self._fetch(state, envelope)
        if kind is rpc.ListOffsetsRequest:
            log = state.durable.replicas[message.partition].log
            return [Out(AnswersListOffsets(message.partition, len(log)), state,
                        (Reply(envelope.link, rpc.ListOffsetsResponse(message.partition, len(log))),))]
        return []

    def _produce(self, state, envelope) -> Out:
        request = envelope.message
        partition, record = request.partition, request.record
        answered = envelope.kind != ONE_WAY
        replica = state.durable.replicas[partition]
        if replica is None:
            error = rpc.NOT_LEADER_OR_FOLLOWER
            return self._refuse(state, envelope, RefusesProduce(partition, record.event, error), answered)
        verdict, offset = idempotence.check_sequence(replica.log, record)
        if verdict == idempotence.DUPLICATE:
            response = rpc.ProduceResponse(partition, record.event, rpc.NONE, offset)
            return Out(FindsDuplicate(partition, record.event, offset), state,
                       (Reply(envelope.link, response),) if answered else ())
        if verdict != idempotence.APPEND:
            return self._refuse(state, envelope, RefusesProduce(partition, record.event, _ERROR_OF[verdict]), answered)
        offset = len(replica.log)
        grown = Replica(replica.log + (record,), replica.epochs + (0,))
        logs = _with_replica(state.durable, partition, grown)
        sends = (Reply(envelope.link, rpc.ProduceResponse(partition, record.event, rpc.NONE, offset)),) \
            if answered else ()
        after = ActorState(logs, state.volatile)
        out = Out(Appends(partition, record.event, offset, answered), after, sends)
        return self._release_fetches(out, partition)

    @staticmethod
    def _refuse(state, envelope, what: RefusesProduce, answered: bool) -> Out:
        if not answered:
            return Out(what, state)
        return Out(what, state, (Reply(envelope.link, rpc.ProduceResponse(what.partition, what.event, what.error)),))

    # -- fetch ---------------------------------------------------------------------------------------

    def _fetch(self, state, envelope) -> list[Out]:
        """Answer with the records of one partition that has some (one answer per such partition), or
        OFFSET_OUT_OF_RANGE for a position past a log's end, or hold the fetch until a record arrives."""
        request = envelope.message
        replicas = state.durable.replicas
        for partition, offset in request.fetches:
            log = replicas[partition].log
            if offset > len(log):
                response = rpc.FetchResponse(partition, offset, (), rpc.OFFSET_OUT_OF_RANGE, len(log))
                return [Out(RefusesFetch(partition, offset, len(log)), state, (Reply(envelope.link, response),))]
        answers = [self._answer_fetch(state, envelope.link, request, partition, offset, False)
                   for partition, offset in request.fetches if offset < len(replicas[partition].log)]
        if answers:
            return answers
        held = ActorState(state.durable, state.volatile + ((envelope.link, request),))
        return [Out(HoldsFetch(tuple(p for p, _ in request.fetches)), held)]

    def _answer_fetch(self, state, link, request, partition: int, offset: int, was_held: bool) -> Out:
        records = state.durable.replicas[partition].log[offset:offset + request.max_records]
        return Out(AnswersFetch(partition, offset, tuple(r.event for r in records), was_held), state,
                   (Reply(link, rpc.FetchResponse(partition, offset, records)),))

    def _release_fetches(self, out: Out, partition: int) -> Out:
        """After an append to `partition`, the fetches held on it are answered with the new records."""
        held = out.state.volatile
        if not any(p == partition for _link, request in held for p, _offset in request.fetches):
            return out
        log = out.state.durable.replicas[partition].log
        sends, keep = list(out.sends), []
        for link, request in held:
            offsets = [offset for p, offset in request.fetches if p == partition]
            if not offsets:
                keep.append((link, request))
                continue
            records = log[offsets[0]:offsets[0] + request.max_records]
            sends.append(Reply(link, rpc.FetchResponse(partition, offsets[0], records)))
        return out._replace(state=ActorState(out.state.durable, tuple(keep)), sends=tuple(sends))

    # -- words ---------------------------------------------------------------------------------------

    def describe(self, what) -> str:
        kind = type(what)
        if kind is Appends:
            text = f"appends e{what.event} to p{what.partition} at offset {what.offset}"
            return text if what.answered else text + " (acks=0: no answer)"
        if kind is FindsDuplicate:
            return f"finds e{what.event} already at offset {what.offset} of p{what.partition} (duplicate sequence)"
        if kind is RefusesProduce:
            return f"rejects e{what.event}: {rpc.ERROR_NAMES[what.error]}"
        if kind is AnswersFetch:
            events = ", ".join(f"e{e}" for e in what.events)
            return f"returns {events} from offset {what.offset} of p{what.partition}"
        if kind is HoldsFetch:
            where = ", ".join(f"p{p}" for p in what.partitions)
            return f"holds the fetch of {where} until a record arrives (nothing new)"
        if kind is RefusesFetch:
            return (f"answers the fetch at offset {what.offset} of p{what.partition} with OFFSET_OUT_OF_RANGE "
                    f"(log end {what.log_end})")
        if kind is AnswersListOffsets:
            return f"answers that p{what.partition} ends at offset {what.offset}"
        return super().describe(what)

    def describe_message(self, message) -> str:
        return describe_message(message)

    def describe_state(self, state) -> str:
        parts = [f"p{p} [{', '.join(f'e{r.event}' for r in replica.log)}]"
                 for p, replica in enumerate(state.durable.replicas) if replica is not None]
        if state.volatile:
            parts.append(f"{len(state.volatile)} fetch(es) held")
        return " ".join(parts)

    def explain(self, before, after) -> list[str]:
        lines = []
        for p, (old, new) in enumerate(zip(before.durable.replicas, after.durable.replicas)):
            if old != new and new is not None:
                lines.append(f"log of p{p}: [{', '.join(f'e{r.event}' for r in (old.log if old else ()))}] -> "
                             f"[{', '.join(f'e{r.event}' for r in new.log)}]")
        return lines


def _with_replica(logs: BrokerLogs, partition: int, replica: Replica) -> BrokerLogs:
    replicas = logs.replicas
    return BrokerLogs(replicas[:partition] + (replica,) + replicas[partition + 1:])


def describe_message(message) -> str:
    """A Kafka message in a few words, for traces."""
    kind = type(message)
    if kind is rpc.ProduceRequest:
        record = message.record
        header = f", sequence {record.sequence}" if record.sequence >= 0 else ""
        again = f", attempt {message.attempt}" if message.attempt > 1 else ""
        return f"Produce(e{record.event} to p{message.partition}{header}{again})"
    if kind is rpc.ProduceResponse:
        if message.error == rpc.NONE:
            return f"ProduceResponse(e{message.event} at offset {message.offset})"
        return f"ProduceResponse(e{message.event}: {rpc.ERROR_NAMES[message.error]})"
    if kind is rpc.FetchRequest:
        return "Fetch(" + ", ".join(f"p{p} from offset {offset}" for p, offset in message.fetches) + ")"
    if kind is rpc.FetchResponse:
        if message.error != rpc.NONE:
            return f"FetchResponse(p{message.partition}: {rpc.ERROR_NAMES[message.error]})"
        return f"FetchResponse({', '.join(f'e{r.event}' for r in message.records)})"
    return type(message).__name__ + str(tuple(message))
