"""One checked configuration: the spec it came from, its result, and what the spec expected.

`modelcheck check` produces one `Outcome` per spec (per sweep point with a sweep); reports render them.

Two vocabularies are kept apart. A property's verdict is what the search found: `holds`, `violated`,
`bounded`. The gate (`Outcome.gate`) is what a CI job makes of the verdicts: `as expected` (every
expectation met; with no `expect:`, nothing violated), `unexpected` (a verdict the spec did not expect;
with no `expect:`, any violation) or `bounded` (otherwise, when a limit left a verdict bounded: not a
proof). `runner.exit_code` reads the gate (0, 1, 3), and every report prints its words, never "passed"
above a violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelcheck.engine.model import SOMETIMES
from modelcheck.engine.result import BOUNDED, HOLDS, VIOLATED, Result


AS_EXPECTED, UNEXPECTED, LIMITED = "as expected", "unexpected", "bounded"   # the gate's words


@dataclass
class Outcome:
    spec_path: str                    # the file, as the user named it
    name: str                         # the spec's name
    result: Result
    model: Any                        # the engine Model that was explored (for the report hooks)
    description: str = ""
    config: dict[str, Any] = field(default_factory=dict)   # dotted keys of this point (sweeps), or {}
    expected: dict[str, str] = field(default_factory=dict)  # property -> holds | violated
    expected_lines: dict[str, int] = field(default_factory=dict)  # property -> line of its expect: entry
    # What to change (`modelcheck.advice`): property -> suggestions, each backed by an exploration.
    suggestions: dict[str, list] = field(default_factory=dict)
    # Why the search for suggestions stopped before every neighbour was explored ("time_limit",
    # "interrupted"), or None: the suggestions shown are then only those found so far.
    suggestions_incomplete: str | None = None
    # What the guarantee costs (`modelcheck.kafka.cost`): requests per event along the shortest fault-free
    # run of a Kafka configuration; None for a Python spec or when it was not measured.
    cost: Any = None
    cost_incomplete: str | None = None   # why its search stopped before finding a run ("time_limit", ...)
    # Kafka properties the spec sets that the model leaves out and that may matter, each with where it
    # was written and why (`kafka.client_properties`); the text report prints them under the header.
    notes: list[str] = field(default_factory=list)
    # What was explored (`kafka.scope.Scope`) for a Kafka configuration; None for a Python spec, whose
    # scope is its model's name, parameters and limits (`report.scope`).
    scope: Any = None

    @property
    def mismatches(self) -> list[tuple[str, str, str]]:
        """(property, expected, found) for every expectation the result does not meet.

        A `sometimes` guard is expected to hold unless the spec says otherwise: when one is violated,
        the bad thing a claim is about could not even be attempted, and the other verdicts are vacuous.
        """
        out = []
        for name, expected in self.expected.items():
            found = self.result.properties[name].verdict if name in self.result.properties else "missing"
            if found != expected:
                out.append((name, expected, found))
        for name, prop in self.result.properties.items():
            if prop.kind == SOMETIMES and name not in self.expected and prop.verdict == VIOLATED:
                out.append((name, HOLDS, VIOLATED))
        return out

    @property
    def bounded(self) -> bool:
        return any(p.verdict == BOUNDED for p in self.result.properties.values())

    @property
    def failures(self) -> list[tuple[str, str | None, str]]:
        """(property, expected or None, found) for each verdict that fails the gate: every mismatch with
        `expect:` other than a bounded one, or, with no `expect:`, every violation."""
        if self.expected:
            return [(name, expected, found) for name, expected, found in self.mismatches if found != BOUNDED]
        return [(prop.name, None, prop.verdict) for prop in self.result.violated]

    @property
    def gate(self) -> str:
        """UNEXPECTED, LIMITED or AS_EXPECTED: see the module docstring."""
        if self.failures:
            return UNEXPECTED
        return LIMITED if self.bounded else AS_EXPECTED

    @property
    def passed(self) -> bool:
        """Every expectation met; with no expectation, nothing violated."""
        if self.expected:
            return not self.mismatches
        return not self.result.violated
