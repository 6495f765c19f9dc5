"""The explored scope every report opens with, and the gate's words: shared by all the formats.

`scope_of(outcome)` is the `kafka.scope.Scope` the runner computed for a Kafka configuration, or, for
a Python spec (an engine model), one made of the model's name, its parameters and the search's
limits. `scope_lines(outcome)` gives it as the lines the text, Markdown and JUnit reports print:
"explored: topology: ...", then "not explored: ..." for each hint.

The gate (`spec.outcome`: as expected / unexpected / bounded) is a different vocabulary from the
verdicts (holds / violated / bounded); `GATE_WORDS` is how each report spells it, so no report says
"passed" above a violation nobody expected.
"""

from __future__ import annotations

from modelcheck.kafka.scope import Scope
from modelcheck.spec.outcome import AS_EXPECTED, LIMITED, UNEXPECTED

LIMIT_NAMES = ("max_states", "max_depth", "time_limit", "max_memory")

# The gate in words: the headline of one configuration, and how a count of them reads.
GATE_WORDS = {
    AS_EXPECTED: "as expected",
    UNEXPECTED: "UNEXPECTED",
    LIMITED: "BOUNDED (not a proof)",
}


def _value(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def limits_text(limits) -> str | None:
    """"max_states=1000, time_limit=60" for the limits that were set, None when none was."""
    if limits is None:
        return None
    said = [f"{name}={_value(getattr(limits, name))}" for name in LIMIT_NAMES if getattr(limits, name, None)]
    return ", ".join(said) or None


def scope_of(outcome) -> Scope:
    """The outcome's scope: a Kafka configuration's, or a Python spec's model, parameters and limits."""
    result = outcome.result
    limits = limits_text(getattr(result, "limits", None))
    scope = getattr(outcome, "scope", None)
    if scope is not None:
        if limits:
            return Scope(scope.explored + (("limits", limits),), scope.not_explored)
        return scope
    explored = [("model", result.model)]
    parameters = getattr(result, "parameters", None) or {}
    explored.append(("parameters", ", ".join(f"{key}={_value(value)}" for key, value in parameters.items())
                     if parameters else "none"))
    explored.append(("limits", limits or "none"))
    return Scope(tuple(explored))


def scope_lines(outcome) -> list[str]:
    """"explored: topology: 1 broker, ..." lines, then "not explored: ..." lines."""
    scope = scope_of(outcome)
    lines = [f"explored: {what}: {said}" for what, said in scope.explored]
    lines += [f"not explored: {said}" for said in scope.not_explored]
    return lines


def scope_summary(outcome) -> list[str]:
    """The scope in few lines: "scope: 1 broker, ...; 2 events, ...; faults: none", then the hints."""
    scope = scope_of(outcome)
    said = "; ".join(f"{what}: {text}" if what in ("faults", "limits", "parameters") else text
                     for what, text in scope.explored)
    return [f"scope: {said}"] + [f"not explored: {text}" for text in scope.not_explored]


def gate_counts(outcomes) -> str:
    """"3 of 5 configurations as expected, 1 unexpected, 1 bounded (not a proof)": the gate of each,
    counted (the bounded count only when there is one)."""
    gates = [outcome.gate for outcome in outcomes]
    count = len(gates)
    text = (f"{gates.count(AS_EXPECTED)} of {count} configuration{'s' if count != 1 else ''} as expected, "
            f"{gates.count(UNEXPECTED)} unexpected")
    if gates.count(LIMITED):
        text += f", {gates.count(LIMITED)} bounded (not a proof)"
    return text
