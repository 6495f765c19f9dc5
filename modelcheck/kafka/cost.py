"""The cost of a guarantee: the requests a configuration's shortest successful run makes per event.

Every article's summary table has a cost column ("slower", "the overhead of transactions"). Here it is
counted, not asserted: the configuration is explored on the actors layer (`roles`) without any fault,
the breadth-first search finds the shortest run in which every event the application recorded takes
effect and nothing is left pending, and the requests delivered along it are counted by kind (Produce,
Fetch, OffsetCommit, AddPartitionsToTxn, EndTxn, WriteTxnMarkers, ...), with the one-way messages of
acks=0 and the sink writes. A request is a round trip; `requests_per_event` divides their number by
the events. With an output topic (`sink.type: topic`) the cost is the transforming application's: the
requests of the producer that wrote its input are left out. Requests between brokers count as the
client's do: the markers, and under transaction.version 2 the AddPartitionsToTxn a partition's leader
and the group coordinator send in place of the client's AddPartitionsToTxn and AddOffsetsToTxn
(KIP-890 part 2), so version 2 makes as many requests as version 1 without verification, off the
client's path.

What it leaves out: bytes, batching (one record per request here, so a real client amortises more of
a transaction's fixed requests over a batch), and time (a round trip to the coordinator costs what a
produce costs). It compares configurations, it does not predict throughput.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from modelcheck.actors.actions import Deliver
from modelcheck.actors.actor import NOTICE, REPLY
from modelcheck.engine import explore, sometimes
from modelcheck.kafka.faults import FAULTS

MAX_STATES = 200_000          # a fault-free run of every bundled configuration needs far fewer


class Cost(NamedTuple):
    events: int                   # events delivered along the run
    requests: int                 # requests and one-way messages delivered
    by_kind: tuple                # (message kind, count), most frequent first
    steps: int                    # steps of the run

    @property
    def requests_per_event(self) -> float:
        return self.requests / self.events if self.events else 0.0


def _without_faults(config):
    faults = config.faults
    return replace(config, faults=replace(faults, **{kind.field: 0 for kind in FAULTS.values()}))


def shortest_successful_run(config, time_limit: float | None = None, max_memory: int | None = None):
    """(the shortest fault-free run of `config` in which every event takes effect and nothing is left
    pending, or None; the system it ran on; why the search stopped early, if it did)."""
    from modelcheck.kafka.roles.system import KafkaSystem
    system = KafkaSystem(_without_faults(config))
    built = system.build()
    messages = system.events

    def succeeded(state) -> bool:
        effects = system.effects(state)
        return system.pending(state) is None and len(set(effects)) == messages

    built.properties[:] = [sometimes("run-succeeds", succeeded, "a run delivers every event")]
    result = explore(built.model(), max_states=MAX_STATES, time_limit=time_limit, max_memory=max_memory)
    return result.properties["run-succeeds"].trace, system, result.stopped_by


def cost_of(config, time_limit: float | None = None, max_memory: int | None = None) -> tuple[Cost | None, str | None]:
    """The cost of `config`'s shortest fault-free successful run (None when the search finds none within
    `MAX_STATES` states, `time_limit` seconds or `max_memory` megabytes), and why the search stopped
    early, if it did."""
    from modelcheck.kafka.roles.system import PRODUCER
    if time_limit is not None and time_limit <= 0:
        return None, "time_limit"             # the run's search took all its time
    witness, system, stopped_by = shortest_successful_run(config, time_limit, max_memory)
    clean = system.config
    messages = system.events
    if witness is None:
        return None, stopped_by
    # With an output topic the cost is the transforming application's: the input's producer is left out
    # (in consume-transform-produce with transactions the input is written before the run).
    upstream = (PRODUCER,) if clean.sink.type == "topic" else ()
    counts: dict[str, int] = {}
    for step in witness.steps:
        label = step.label
        if type(label) is Deliver and label.envelope.kind not in (REPLY, NOTICE) and label.envelope.src not in upstream:
            kind = type(label.envelope.message).__name__.removesuffix("Request")
            counts[kind] = counts.get(kind, 0) + 1
    by_kind = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return Cost(messages, sum(counts.values()), by_kind, len(witness.steps)), None
