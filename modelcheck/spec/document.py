"""A validated spec: the typed value a YAML spec file (plus command-line overrides) reads into.

`Spec` keeps the explicit settings apart from Kafka's defaults (`settings` holds only the dotted keys the
user wrote), because some defaults depend on other keys, as in Kafka itself: a `transactional.id` turns
on idempotence unless `enable.idempotence` is given. It keeps where each setting was written
(`origins`), so a conflict found later, in one point of a sweep, still names a file and a line.

`Point` is one configuration to explore: the swept values that single it out, its `KafkaConfig` and
the expectations that apply to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelcheck.engine.limits import Limits
from modelcheck.kafka.config import KafkaConfig
from modelcheck.spec.client_defaults import ClientChoice, client_defaults, with_client_defaults
from modelcheck.spec.configuration import build_config
from modelcheck.spec.values import format_value


@dataclass(frozen=True)
class Origin:
    """Where a setting was written: a file and line, or a command-line option (line None)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file} line {self.line}" if self.line else self.file


POINTS = ""                       # the `key` of an axis listing whole configurations


@dataclass(frozen=True)
class Axis:
    """One swept key and its values, in the order listed; or, with `key` POINTS, a list of configurations,
    each value a tuple of (key, value) pairs (a `sweep:` written as a list of mappings)."""

    key: str
    values: tuple
    origin: Origin

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys it sets, in order of first appearance."""
        if self.key != POINTS:
            return (self.key,)
        return tuple(dict.fromkeys(key for point in self.values for key, _value in point))

    def settings(self, value) -> dict:
        """The keys one of its values sets."""
        return dict(value) if self.key == POINTS else {self.key: value}


@dataclass(frozen=True)
class Rule:
    """An expectation rule: property -> verdict where every `when` condition matches.

    `when` maps a dotted key to the values it may take (a condition written as a list matches any of
    them). A rule with no condition matches every point.
    """

    verdicts: dict[str, str]
    when: dict[str, tuple] = field(default_factory=dict)
    line: int | None = None
    lines: dict[str, int] = field(default_factory=dict)      # property -> line of its entry in the rule

    def matches(self, config: KafkaConfig) -> bool:
        return all(config.get(key) in values for key, values in self.when.items())


@dataclass(frozen=True)
class Unmodelled:
    """A Kafka property a spec sets that the model leaves out: as written, where, and why it does not
    matter (or may: `fate`, see `modelcheck.kafka.client_properties`)."""

    key: str
    origin: Origin
    fate: str
    why: str


@dataclass(frozen=True)
class Spec:
    path: str                                   # the file, as the user named it
    name: str
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)     # explicit dotted keys, normalised
    origins: dict[str, Origin] = field(default_factory=dict)   # where each explicit key was written
    expect: dict[str, str] | tuple[Rule, ...] = field(default_factory=dict)
    expect_lines: dict[str, int] = field(default_factory=dict)  # the mapping form's property -> line
    limits: Limits = field(default_factory=Limits)
    sweep: tuple[Axis, ...] = ()
    properties: tuple[str, ...] | None = None  # report only these (None: every property)
    unmodelled: tuple[Unmodelled, ...] = ()     # Kafka properties written that the model leaves out
    client: ClientChoice | None = None          # `client:`: whose defaults the keys left out take

    @property
    def config(self) -> KafkaConfig:
        """The base configuration: the explicit settings over Kafka's defaults, before any sweep.

        With a sweep, what is checked is each point's configuration (see `expand`), not this one.
        """
        settings, origins = self.settings_for({})
        return build_config(settings, origins, strict=False)

    def settings_for(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Origin]]:
        """The settings of the configuration that the swept `values` single out ({} without a sweep),
        and where each was written: the spec's own, the sweep's, then the defaults of its `client:` for
        every key neither gives (`client_defaults`)."""
        origins = dict(self.origins)
        for axis in self.sweep:
            for key in axis.keys:
                origins[key] = axis.origin
        return with_client_defaults(self.client, {**self.settings, **values}, origins)

    def origin_of(self, key: str) -> Origin | None:
        """Where `key` was written: its sweep axis when it is swept, else its setting (None: a default)."""
        for axis in self.sweep:
            if key in axis.keys:
                return axis.origin
        if key not in self.origins and self.client is not None and key in client_defaults(self.client.name):
            return self.client.origin
        return self.origins.get(key)

    def expected_for(self, config: KafkaConfig) -> dict[str, str]:
        """The property -> verdict expectations that apply to `config` (later rules win)."""
        if isinstance(self.expect, dict):
            return dict(self.expect)
        expected: dict[str, str] = {}
        for rule in self.expect:
            if rule.matches(config):
                expected.update(rule.verdicts)
        return expected

    def expected_lines_for(self, config: KafkaConfig) -> dict[str, int]:
        """The line of the `expect:` entry each expectation of `config` comes from (the rule that wins)."""
        if isinstance(self.expect, dict):
            return dict(self.expect_lines)
        lines: dict[str, int] = {}
        for rule in self.expect:
            if rule.matches(config):
                lines.update(rule.lines)
        return lines


@dataclass(frozen=True)
class Point:
    """One configuration of a spec: the swept `values` that single it out ({} without a sweep)."""

    values: dict[str, Any]
    config: KafkaConfig
    expected: dict[str, str]
    expected_lines: dict[str, int] = field(default_factory=dict)   # property -> line of its expect: entry

    @property
    def label(self) -> str:
        """'producer.acks=1, consumer.commit=after-process', or '' without a sweep."""
        return ", ".join(f"{key}={format_value(value)}" for key, value in self.values.items())
