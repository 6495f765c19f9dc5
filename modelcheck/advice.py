"""What to change: for each violated property, the one-setting changes under which it holds.

For a checked configuration, every neighbour (`modelcheck.kafka.neighbours`) that Kafka accepts (the
spec layer's cross-key checks) is explored in full with the same limits; a neighbour is advised for a
property when the property was violated and now `holds`. Nothing is guessed: a neighbour whose search
hit a limit is not advised, and each suggestion carries the figures of its own exploration.

The explorations share what is left of the command's time limit (`deadline`): when it runs out, or
on Ctrl-C, the suggestions found so far are kept and `suggest` says why it stopped, so that the
report can say they are incomplete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from modelcheck.engine import HOLDS, SOMETIMES, VIOLATED, explore
from modelcheck.engine.limits import Limits
from modelcheck.errors import InvalidSpec, ModelcheckError
from modelcheck.kafka.config import KafkaConfig, unmodelled
from modelcheck.kafka.neighbours import neighbours
from modelcheck.spec.configuration import build_config
from modelcheck.spec.values import format_value


@dataclass(frozen=True)
class Suggestion:
    property: str
    key: str
    value: object
    distinct: int            # states of the neighbour's exhaustive exploration
    seconds: float
    breaks: tuple[str, ...] = ()   # properties that held and are violated under the change

    def __str__(self) -> str:
        text = (f"{self.property} holds if {self.key} = {format_value(self.value)} "
                f"(explored: {self.distinct:,} states)")
        if self.breaks:
            text += f", but then {', '.join(self.breaks)} {'is' if len(self.breaks) == 1 else 'are'} violated"
        return text


def suggest(settings: dict, config: KafkaConfig, verdicts: dict[str, str], limits: Limits, *,
            build_model: Callable[[KafkaConfig], object], workers: int = 1,
            deadline: float | None = None) -> tuple[dict[str, list[Suggestion]], str | None]:
    """Suggestions per violated property, for the configuration of explicit `settings` (dotted keys),
    and why the search for them stopped early ("time_limit", "interrupted"), or None when it did not.

    `verdicts` are the configuration's own (property -> verdict). A neighbour in which a `sometimes`
    guard fails is skipped: there the bad thing could not even be attempted, so its "holds" proves
    nothing. `deadline` (a `time.perf_counter()` value) bounds all the explorations together.
    """
    violated = [name for name, verdict in verdicts.items() if verdict == VIOLATED]
    held = [name for name, verdict in verdicts.items() if verdict == HOLDS]
    found: dict[str, list[Suggestion]] = {name: [] for name in violated}
    if not violated:
        return found, None
    for key, value in neighbours(config):
        time_limit = limits.time_limit
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0:
                return found, "time_limit"
            time_limit = left if time_limit is None else min(time_limit, left)
        changed = dict(settings)
        changed[key] = value
        try:
            neighbour = build_config(changed, {}, strict=True)
        except InvalidSpec:
            continue                       # a combination Kafka refuses is no advice
        if neighbour == config or unmodelled(neighbour):
            continue                       # no change, or a setting the model cannot honour yet
        try:
            result = explore(build_model(neighbour), max_states=limits.max_states,
                             max_depth=limits.max_depth, time_limit=time_limit, workers=workers,
                             max_memory=limits.max_memory)
        except ModelcheckError:
            continue                       # not modelled (yet) for this combination
        if result.stopped_by == "interrupted":
            return found, "interrupted"
        if not result.complete:
            if result.stopped_by == "time_limit" and deadline is not None and time.perf_counter() >= deadline:
                return found, "time_limit"
            continue
        if any(p.kind == SOMETIMES and p.verdict != HOLDS for p in result.properties.values()):
            continue
        breaks = tuple(name for name in held
                       if name in result.properties and result.properties[name].verdict == VIOLATED)
        for name in violated:
            prop = result.properties.get(name)
            if prop is not None and prop.verdict == HOLDS:
                found[name].append(Suggestion(name, key, value, result.stats.distinct, result.stats.seconds,
                                              breaks))
    return found, None
