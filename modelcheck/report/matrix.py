"""The verdict matrix of a set of outcomes: per spec, one row per configuration, one cell per property.

A sweep explores one spec under many configurations; the matrix lays its outcomes side by side so a
reader sees at a glance which settings lose or duplicate messages. A cell says what was found (✅
holds, ❌ violated with the length of the shortest counterexample, ⏳ bounded: a limit stopped the
search) and is flagged ⚠️ when that is not what the spec expects. Markdown and HTML render this data:
Markdown with those emoji (GitHub and most viewers draw them), HTML with `PLAIN` marks (✓ ✗ … ⚠), which
the fonts every system has can draw, so a page never shows empty boxes where no emoji font is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from modelcheck.engine.model import SOMETIMES
from modelcheck.engine.result import BOUNDED, HOLDS, VIOLATED
from modelcheck.report.explain import trace_length

@dataclass(frozen=True)
class Marks:
    """The marks a rendering draws for each verdict, and for a verdict not as expected."""

    symbols: dict                     # verdict -> mark
    mismatch: str

    def legend(self) -> str:
        return (f"{self.symbols[HOLDS]} holds · {self.symbols[VIOLATED]} violated (steps in the shortest "
                f"counterexample) · {self.symbols[BOUNDED]} bounded (a limit stopped the search: not a proof)"
                f" · {self.mismatch} not what the spec expects")


EMOJI = Marks({HOLDS: "✅", VIOLATED: "❌", BOUNDED: "⏳", "missing": "∅"}, "⚠️")
PLAIN = Marks({HOLDS: "✓", VIOLATED: "✗", BOUNDED: "…", "missing": "∅"}, "⚠")   # in DejaVu, Liberation...
SYMBOLS = EMOJI.symbols
MISMATCH = EMOJI.mismatch
LEGEND = EMOJI.legend()


@dataclass(frozen=True)
class Cell:
    verdict: str                      # holds | violated | bounded | missing
    expected: str | None              # what the spec expects, if it says
    trace_length: int | None          # steps of the counterexample of a violation

    @property
    def matches(self) -> bool | None:
        """True or False against the expectation; None when the spec expects nothing."""
        return None if self.expected is None else self.verdict == self.expected

    @property
    def text(self) -> str:
        """"✅", "❌ 7", "⏳", with " ⚠️" appended when it is not what the spec expects."""
        return self.text_with(EMOJI)

    def text_with(self, marks: Marks) -> str:
        """The cell's text drawn with `marks`."""
        out = marks.symbols.get(self.verdict, self.verdict)
        if self.trace_length is not None:
            out += f" {self.trace_length}"
        if self.matches is False:
            out += f" {marks.mismatch}"
        return out


@dataclass(frozen=True)
class Row:
    outcome: Any                      # the spec.outcome.Outcome of this configuration
    config: dict
    cells: dict                       # property name -> Cell (absent: not checked in this row)


@dataclass(frozen=True)
class Matrix:
    spec_path: str
    name: str
    config_keys: tuple[str, ...]
    properties: tuple[str, ...]
    rows: tuple[Row, ...]


def cells_of(outcome) -> dict[str, Cell]:
    """Every property of an outcome's result (and every expected one) as a Cell, in result order."""
    result = outcome.result
    names = list(result.properties) + [n for n in outcome.expected if n not in result.properties]
    cells = {}
    for name in names:
        prop = result.properties.get(name)
        cells[name] = Cell(prop.verdict if prop else "missing", outcome.expected.get(name),
                           trace_length(prop) if prop else None)
    return cells


def build_matrices(outcomes: Iterable) -> list[Matrix]:
    """One Matrix per spec path, in order of first appearance; rows in the order given."""
    groups: dict[str, list] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.spec_path, []).append(outcome)
    matrices = []
    for spec_path, members in groups.items():
        keys: dict[str, None] = {}
        properties: dict[str, None] = {}
        rows = []
        for outcome in members:
            for key in outcome.config:
                keys.setdefault(key, None)
            cells = cells_of(outcome)
            for name in cells:
                properties.setdefault(name, None)
            rows.append(Row(outcome, dict(outcome.config), cells))
        matrices.append(Matrix(spec_path, members[0].name, tuple(keys), tuple(properties), tuple(rows)))
    return matrices


GUARDS_HEADER = "guards"


def is_guard(outcome, name: str) -> bool:
    """A `sometimes` property: a claim's ingredient that must be able to happen, folded into one column."""
    prop = outcome.result.properties.get(name)
    return prop is not None and prop.kind == SOMETIMES


def main_properties(rows: Iterable[Row]) -> list[str]:
    """The properties of `rows` that get a column of their own (every one but the guards), in order."""
    names: dict[str, None] = {}
    for row in rows:
        names.update((name, None) for name in row.cells if not is_guard(row.outcome, name))
    return list(names)


def guard_failures(outcome) -> list[str]:
    """The guards of an outcome that do not hold (empty: every ingredient of the claim can happen)."""
    return [name for name, prop in outcome.result.properties.items()
            if prop.kind == SOMETIMES and prop.verdict != HOLDS]


def guards_as_expected(outcome) -> bool:
    """No guard's verdict differs from what the spec expects of it."""
    return all(outcome.expected.get(name, prop.verdict) == prop.verdict
               for name, prop in outcome.result.properties.items() if prop.kind == SOMETIMES)


def single_configuration(matrix: Matrix) -> bool:
    """A spec explored under one configuration (no sweep): it shares a table with others."""
    return len(matrix.rows) == 1 and not matrix.config_keys


def shared_tables(matrices: Iterable[Matrix]) -> list[list[Matrix]]:
    """The specs explored under one configuration, grouped into tables that share their columns.

    Two specs go in one table when they have a property in common, directly or through a third (the
    Kafka specs share `no-loss`, two models of two-phase commit share `TCConsistent`), so a table's
    columns are one family's properties and never the union of unrelated models'. Tables come in the
    order of their first spec; specs keep their order within a table.
    """
    singles = [matrix for matrix in matrices if single_configuration(matrix)]
    group_of: dict[str, int] = {}           # property -> group index
    groups: list[list[Matrix] | None] = []
    for matrix in singles:
        joined = sorted({group_of[name] for name in matrix.properties if name in group_of})
        if joined:
            target = joined[0]
            for other in joined[1:]:        # this spec links two groups: merge them into the first
                groups[target].extend(groups[other])
                for name, index in group_of.items():
                    if index == other:
                        group_of[name] = target
                groups[other] = None
        else:
            target = len(groups)
            groups.append([])
        groups[target].append(matrix)
        for name in matrix.properties:
            group_of[name] = target
    order = {id(matrix): position for position, matrix in enumerate(singles)}
    return [sorted(group, key=lambda matrix: order[id(matrix)]) for group in groups if group]


COST_HEADER = "requests/event"


def cost_cell(outcome) -> str:
    """The outcome's cost (`kafka.cost`) as a matrix cell: requests per event, "-" when not measured."""
    cost = getattr(outcome, "cost", None)
    return "-" if cost is None else f"{cost.requests_per_event:.1f}"


def cost_sentence(outcome) -> str | None:
    """"cost: 5.5 requests per event along the shortest fault-free run (Produce 2, ...)", or None."""
    cost = getattr(outcome, "cost", None)
    if cost is None:
        return None
    kinds = ", ".join(f"{kind} {count}" for kind, count in cost.by_kind)
    return (f"cost: {cost.requests_per_event:.1f} requests per event along the shortest fault-free run "
            f"({cost.requests} for {cost.events} events: {kinds})")


def config_text(config: dict) -> str:
    """"producer.acks=1, workload.keyed=false": a configuration's swept values as a spec spells them."""
    return ", ".join(f"{key}={config_value(value)}" for key, value in config.items())


def has_cost(outcomes) -> bool:
    return any(getattr(outcome, "cost", None) is not None for outcome in outcomes)


def config_value(value) -> str:
    """A configuration value as a spec would spell it (YAML's true/false/null, lists in brackets)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, tuple):
        return "[" + ", ".join(config_value(item) for item in value) + "]"
    return str(value)
