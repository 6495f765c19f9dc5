"""The producing application: it emits events e1..eN in order and records them by its `source`.

(Interface placeholder; the sources are built in the next commit.)
"""

from __future__ import annotations

from typing import NamedTuple


class Application(NamedTuple):
    next_event: int = 1                  # the next event the application will emit
    database: frozenset[int] = frozenset()


def recorded_events(config, write) -> frozenset[int]:
    """The events the application has recorded, which must therefore take effect in the sink."""
    if config.producer.source == "direct":
        return frozenset(range(1, write.app.next_event))
    return write.app.database
