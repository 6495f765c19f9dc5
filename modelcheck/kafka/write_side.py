"""The write side: the producing application, its producer client, the network to the brokers, the
brokers' partitions, and the fault budget spent so far.

(Interface placeholder: the application appends straight to the leader's log; the producer, the network
and the faults come in the next commits.)
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.engine import StepLabel
from modelcheck.kafka.application import Application
from modelcheck.kafka.cluster import Cluster
from modelcheck.kafka.partition import Replica, new_partition
from modelcheck.kafka.records import Record


class WriteSide(NamedTuple):
    app: Application
    cluster: Cluster


def initial_write(config) -> WriteSide:
    brokers = config.cluster.brokers
    partitions = tuple(new_partition(tuple((p + i) % brokers for i in range(config.cluster.replication_factor)))
                       for p in range(config.cluster.partitions))
    return WriteSide(Application(), Cluster(up=(True,) * brokers, partitions=partitions))


def write_steps(config, write: WriteSide) -> list[tuple[StepLabel, WriteSide]]:
    app = write.app
    if app.next_event > config.workload.messages:
        return []
    event = app.next_event
    key = (event - 1) % len(config.workload.keys) if config.workload.keyed else None
    partition = (key or 0) % config.cluster.partitions
    p = write.cluster.partitions[partition]
    replica = p.replica_on(p.leader)
    replica = Replica(replica.log + (Record(event, key),), replica.epochs + (p.leader_epoch,))
    partitions = list(write.cluster.partitions)
    for broker in p.brokers:
        partitions[partition] = partitions[partition].with_replica(broker, replica)
    return [(StepLabel("app", f"emits e{event}"),
             WriteSide(app._replace(next_event=event + 1), write.cluster._replace(partitions=tuple(partitions))))]
