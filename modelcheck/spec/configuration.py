"""From explicit settings to a `KafkaConfig`, with Kafka's rules between settings and file and line.

The rules themselves (the defaults that follow other keys, the combinations Kafka refuses) are the Kafka
layer's, in `modelcheck.kafka.rules`; this module applies them to a spec's settings and, when one is
broken, raises `InvalidSpec` naming the key the spec wrote, its file and line, and the other keys.
"""

from __future__ import annotations

from typing import Any, Mapping

from modelcheck.errors import InvalidSpec, raise_all
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.rules import IDEMPOTENT_MAX_IN_FLIGHT, conflicts, follow_defaults
from modelcheck.spec.values import format_value

__all__ = ["IDEMPOTENT_MAX_IN_FLIGHT", "build_config"]


def build_config(settings: Mapping[str, Any], origins: Mapping[str, Any], *, strict: bool = True,
                 context: str = "") -> KafkaConfig:
    """The `KafkaConfig` of explicit `settings` (dotted key -> normalised value) over the defaults.

    With `strict`, the combinations Kafka refuses raise InvalidSpec (a SpecErrors when there are several),
    each naming the key, its file and line
    (`origins[key]`, an `Origin`) and the other key involved; `context` (e.g. the sweep point) is
    added to the message.
    """
    config = KafkaConfig()
    for key, value in settings.items():
        config = config.with_value(key, value)
    config = follow_defaults(config, settings)
    if strict:
        raise_all([_refusal(config, settings, origins, context, conflict.keys, conflict.message)
                   for conflict in conflicts(config, settings)])
    return config


def _refusal(config: KafkaConfig, settings: Mapping[str, Any], origins: Mapping[str, Any], context: str,
             keys: tuple[str, ...], message: str) -> InvalidSpec:
    """Blame the first of `keys` the user wrote; name where the others were written."""
    written = [key for key in keys if key in settings] or list(keys)
    blamed = written[0]
    others = []
    for key in keys:
        if key == blamed:
            continue
        where = f", {origins[key]}" if key in origins else ", the default"
        others.append(f"{key}: {format_value(config.get(key))}{where}")
    details = f" [with {'; '.join(others)}]" if others else ""
    origin = origins.get(blamed)
    suffix = f" (in the sweep point {context})" if context else ""
    return InvalidSpec(f"{message}{details}{suffix}", file=getattr(origin, "file", None),
                       line=getattr(origin, "line", None), key=blamed)
