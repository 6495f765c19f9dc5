"""The state of the whole Kafka model: the write side and the read side, side by side.

The write side (`modelcheck.kafka.write_side`) is everything from the producing application to the
partition logs; the read side (`modelcheck.kafka.read_side`) is the consumers, the group coordinator and
the sinks. The read side only ever sees the write side through `cluster.readable_logs` and
`cluster.recorded_events`, so the two halves evolve independently and compose by interleaving.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class KafkaState(NamedTuple):
    write: Any        # modelcheck.kafka.write_side.WriteSide
    read: Any         # modelcheck.kafka.read_side.ReadSide
