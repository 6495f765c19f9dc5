"""What a search returns: statistics, a verdict per property, and counterexample traces.

Counters are defined as TLC defines them, so figures can be compared across tools:

- `distinct`: states found (after symmetry reduction, representatives of classes);
- `generated`: initial states plus every successor computed, duplicates included;
- `depth`: the number of states on the longest of the shortest paths from an initial state
  (an initial state alone has depth 1).

A verdict is one of `holds` (exhaustively explored, no counterexample), `violated` (with the shortest
trace) or `bounded` (a limit stopped the search before either could be said).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOLDS = "holds"
VIOLATED = "violated"
BOUNDED = "bounded"
VERDICTS = (HOLDS, VIOLATED, BOUNDED)


@dataclass(frozen=True)
class TraceStep:
    """One step of a trace: which action fired, its label, and the state it led to."""

    action: str
    label: Any
    state: Any


@dataclass(frozen=True)
class Trace:
    """A path through the model from an initial state.

    For an `eventually` counterexample that runs forever, the path ends in a cycle: the last state is
    the same as `states[loop_start]`, and from there the behaviour goes round the cycle for ever.
    Otherwise `loop_start` is None.
    """

    initial: Any
    steps: tuple[TraceStep, ...]
    loop_start: int | None = None

    @property
    def states(self) -> list:
        return [self.initial] + [step.state for step in self.steps]

    @property
    def last(self):
        return self.steps[-1].state if self.steps else self.initial

    def __len__(self):
        return len(self.steps)


@dataclass
class PropertyResult:
    name: str
    kind: str
    verdict: str
    description: str = ""
    trace: Trace | None = None        # the counterexample, or for `sometimes` the witness
    # Further counterexamples (`explore(counterexamples=N)`): one per further violating state or step,
    # each a shortest trace, in the order the search found them.
    more: tuple = ()
    # The step from which the violation was inevitable (`engine.inevitable.Inevitability`), once a run
    # has asked for it within its limits (`report.explain.analyse`); None until then.
    inevitable: Any = None


@dataclass(frozen=True)
class FingerprintStats:
    """What a search that kept fingerprints instead of states (`fingerprint_bfs`) adds to its statistics."""

    width: int                        # bits of a fingerprint
    probability: float                # TLC's "calculated (optimistic)" estimate of a collision
    table_bytes: int                  # the fingerprint table
    link_bytes: int                   # the parent numbers and successor positions


@dataclass
class Stats:
    distinct: int = 0
    generated: int = 0
    depth: int = 0
    seconds: float = 0.0
    terminal: int = 0
    queue: int = 0                    # states found but not yet explored when the search ended
    peak_memory_bytes: int = 0
    workers: int = 1
    coverage: dict[str, int] = field(default_factory=dict)
    fingerprints: FingerprintStats | None = None    # None: the exact seen-set

    @property
    def states_per_second(self) -> float:
        return self.distinct / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Result:
    """The outcome of one search."""

    model: str
    properties: dict[str, PropertyResult]
    stats: Stats
    stopped_by: str | None = None     # None (complete) | max_states | max_depth | time_limit | interrupted
    warnings: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    limits: Any = None                # the `Limits` the search ran with (what is left bounds the analysis)

    @property
    def complete(self) -> bool:
        return self.stopped_by is None

    def verdict(self, name: str) -> str:
        return self.properties[name].verdict

    @property
    def violated(self) -> list[PropertyResult]:
        return [p for p in self.properties.values() if p.verdict == VIOLATED]
