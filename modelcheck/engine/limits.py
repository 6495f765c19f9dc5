"""Bounds on a search, and the progress reports a long search sends while it runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Limits:
    """A search stops at the first bound it meets; its unresolved verdicts are then `bounded`."""

    max_states: int | None = None     # distinct states
    max_depth: int | None = None      # states on a path, counted as TLC counts depth
    time_limit: float | None = None   # seconds

    def __post_init__(self):
        for name in ("max_states", "max_depth", "time_limit"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, not {value}")


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running search, sent to the `progress` callback about once a second."""

    distinct: int
    generated: int
    queue: int
    depth: int
    seconds: float

    @property
    def states_per_second(self) -> float:
        return self.distinct / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[Progress], None]
