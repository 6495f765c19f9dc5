"""The brokers and the topic's partitions, and what the read side may see of them.

`readable_logs` and `recorded_events` are the read side's whole view of the write side (see
`modelcheck.kafka.state`): for each partition the records a consumer may fetch now, and the events the
application recorded (re-exported from `modelcheck.kafka.application`).
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka.application import recorded_events
from modelcheck.kafka.partition import Partition, readable
from modelcheck.kafka.records import Record


class Cluster(NamedTuple):
    up: tuple[bool, ...]                  # per broker: running or crashed
    partitions: tuple[Partition, ...]


def readable_logs(config, write) -> tuple[tuple[Record, ...] | None, ...]:
    """Per partition, the records a consumer may fetch now (below the high watermark on the leader), or
    None while the partition has no leader. (With transactions, read_committed readers will stop at the
    last stable offset instead; that bound slots in here.)"""
    return tuple(readable(partition) for partition in write.cluster.partitions)


__all__ = ["Cluster", "readable_logs", "recorded_events"]
