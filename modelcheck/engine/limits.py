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
    max_memory: int | None = None     # megabytes the search's process may hold (shared among the workers)

    def __post_init__(self):
        for name in ("max_states", "max_depth", "time_limit", "max_memory"):
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

CHECK_SECONDS = 0.05            # a search looks at the clock about this often, however slow its expansions
CHECK_MAX = 4096                # and after this many expansions at most


def next_check(interval: int, elapsed: float) -> int:
    """Expansions until the next look at the clock, from the last interval and the seconds it took.

    The interval follows the model's speed: it halves (down to every expansion) when expansions are
    slow and at most doubles when they are fast, so a search whose single expansion takes a second
    still looks at the clock after each one, and a fast one looks about every `CHECK_SECONDS`.
    """
    if elapsed <= 0:
        return min(interval * 2, CHECK_MAX)
    return max(1, min(int(interval * CHECK_SECONDS / elapsed), interval * 2, CHECK_MAX))
