"""One spec value, checked against `KEYS` and normalised to the form `KafkaConfig` holds.

The same function serves the spec file, `--set`, `--sweep` and the `when:` of an expectation rule, so a
value is accepted or refused the same way wherever it is written.

Kafka spellings are accepted as Kafka accepts them: `acks` may be 0, 1, all or -1, as a number or as
text ("all" in any case, and -1 meaning all, as the Java client's `ProducerConfig.parseAcks` reads it);
booleans may be YAML booleans or the text true/false of a `.properties` file; `transactional.id: null`
means no transactions. Numbers must be whole numbers within the key's bounds (`Key.minimum`, `Key.maximum`).
"""

from __future__ import annotations

from typing import Any, Callable

from yaml.nodes import Node, ScalarNode, SequenceNode

from modelcheck.kafka.client_properties import REGISTRY, ClientProperty, fits, lookup
from modelcheck.kafka.config import KEYS, Key
from modelcheck.spec.nodes import (BOOL_TAG, INT_TAG, NULL_TAG, Source, describe, did_you_mean, is_null,
                                   python_value, suggest)

SECTIONS = ("cluster", "workload", "producer", "consumer", "sink", "faults")


def config_key(name: str, source: Source, node: Node | None) -> str:
    """`name` if it is a dotted spec key; otherwise an error suggesting the nearest one (or, for a Kafka
    property the model leaves out, saying so: such a property can be written in a section, see
    `section_key`, but not set, swept or matched)."""
    if name in KEYS:
        return name
    section, _, rest = name.partition(".")
    entry = client_property(section, rest)
    if entry is not None and not entry.modelled:
        raise source.error(f"{rest} is {entry.fate} ({entry.why}); it has no spec key to set, sweep or "
                           f"match", node=node, key=name)
    raise source.error("unknown key" + _key_hint(name), node=node, key=name)


def client_property(section: str, name: str) -> ClientProperty | None:
    """The Kafka client or broker property `name` when it belongs in spec section `section` (producer,
    consumer or cluster), spelt as Kafka's Java client or librdkafka spells it; None otherwise."""
    if section not in ("producer", "consumer", "cluster"):
        return None
    entry = lookup(name, underscores=False)
    return entry if entry is not None and fits(entry, section) else None


def section_key(section: str, name: str, source: Source, node: Node | None) -> str | ClientProperty:
    """The spec key `name` (written inside `section:`) stands for; or, for a Kafka property the model
    leaves out, its registry entry (the spec accepts it and keeps it as a note); otherwise an error
    suggesting the nearest key."""
    dotted = f"{section}.{name}"
    if dotted in KEYS:
        return dotted
    entry = client_property(section, name)
    if entry is not None:
        return entry.spec_key if entry.modelled else entry
    return config_key(dotted, source, node)


def _key_hint(name: str) -> str:
    section, _, rest = name.partition(".")
    same_section = [key for key in KEYS if key.startswith(section + ".")]
    # The right name in the wrong section ("producer.isolation.level") is the likeliest slip.
    elsewhere = [key for key in KEYS if key.partition(".")[2] == rest]
    if elsewhere:
        return f"; did you mean {elsewhere[0]}?"
    # A Kafka property in the wrong section ("producer: {group.id: ...}").
    entry = lookup(rest, underscores=False)
    if entry is not None and section in ("producer", "consumer", "cluster"):
        place = {"producer": "producer", "consumer": "consumer", "client": "producer or consumer",
                 "topic": "cluster", "broker": "cluster"}[entry.role]
        return f"; {rest} is a {entry.role} property: write it in the {place} block"
    # A misspelt Kafka property the model leaves out ("bootstrap.server") is as likely as a misspelt key.
    properties = [f"{section}.{entry.name}" for entry in REGISTRY.values()
                  if not entry.modelled and client_property(section, entry.name) is not None]
    nearest = suggest(name, same_section + properties) or suggest(name, KEYS)
    if nearest is not None:
        left_out = " (a Kafka property the model leaves out)" if nearest in properties else ""
        return f"; did you mean {nearest}?{left_out}"
    if same_section:
        return f"; the keys of {section} are {', '.join(k.partition('.')[2] for k in same_section)}"
    return did_you_mean(section, SECTIONS)


def value_of(key: str, node: Node, source: Source) -> Any:
    """The normalised value of `key` written as `node`, or an InvalidSpec naming the key and line."""
    spec = KEYS[key]
    special = _SPECIAL.get(key)
    if special is not None:
        return special(key, node, source)
    if is_null(node):
        if spec.nullable:
            return None
        raise source.error(f"a value is required here (null is allowed only for "
                           f"{', '.join(k for k, s in KEYS.items() if s.nullable)})", node=node, key=key)
    if spec.type is bool:
        return _boolean(key, node, source)
    if spec.type is int:
        return _whole_number(key, spec, node, source)
    if spec.type is str:
        return _text(key, spec, node, source)
    if spec.type is tuple:
        return _text_list(key, node, source)
    raise AssertionError(f"KEYS[{key!r}] has a type the spec layer does not read: {spec.type}")


def format_value(value: Any) -> str:
    """A value as a spec would write it, for messages and sweep labels."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)


def _boolean(key: str, node: Node, source: Source) -> bool:
    if isinstance(node, ScalarNode):
        if node.tag == BOOL_TAG:
            return bool(python_value(node))
        if str(node.value).lower() in ("true", "false"):
            return str(node.value).lower() == "true"
    raise source.error(f"expected true or false, not {describe(node)}", node=node, key=key)


def _whole_number(key: str, spec: Key, node: Node, source: Source) -> int:
    if not (isinstance(node, ScalarNode) and node.tag == INT_TAG):
        raise source.error(f"expected a whole number, not {describe(node)}", node=node, key=key)
    value = python_value(node)
    if spec.choices is not None and value not in spec.choices:
        raise source.error(f"{value} is not one of {', '.join(map(str, spec.choices))}", node=node, key=key)
    if spec.minimum is not None and value < spec.minimum:
        raise source.error(f"must be at least {spec.minimum}, not {value}", node=node, key=key)
    if spec.maximum is not None and value > spec.maximum:
        raise source.error(f"must be at most {spec.maximum}, not {_shown(value)}: an exhaustive search of "
                           f"more would not finish (the bounds are in docs/spec-format.md)", node=node, key=key)
    return value


def _shown(number: int) -> str:
    """A number for a message, its digits elided when there are very many."""
    text = str(number)
    return text if len(text) <= 20 else f"{text[:8]}...({len(text)} digits)"


def _text(key: str, spec: Key, node: Node, source: Source) -> str:
    if not isinstance(node, ScalarNode) or (node.tag == BOOL_TAG and spec.choices is None):
        raise source.error(f"expected text, not {describe(node)}", node=node, key=key)
    value = str(node.value)
    if spec.choices is not None and value not in spec.choices:
        hint = suggest(value, spec.choices)
        near = f"; did you mean {hint}?" if hint is not None and hint != value else ""
        raise source.error(f"{value!r} is not one of {', '.join(spec.choices)}{near}", node=node, key=key)
    if not value:
        raise source.error("must not be empty" + ("; use null for none" if spec.nullable else ""),
                           node=node, key=key)
    return value


def _text_list(key: str, node: Node, source: Source) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode):
        raise source.error(f"expected a list such as [k1, k2], not {describe(node)}", node=node, key=key)
    values = []
    for item in node.value:
        if not isinstance(item, ScalarNode) or item.tag == NULL_TAG or not str(item.value):
            raise source.error(f"each entry must be a name, not {describe(item)}", node=item, key=key)
        values.append(str(item.value))
    if not values:
        raise source.error("must name at least one entry", node=node, key=key)
    return tuple(values)


def _acks(key: str, node: Node, source: Source) -> str:
    """acks as the Java client reads it: all, -1 (the same as all), 0 or 1."""
    if isinstance(node, ScalarNode) and node.tag != BOOL_TAG and node.tag != NULL_TAG:
        text = str(node.value).strip().lower()
        if text in ("all", "-1"):
            return "all"
        if text in ("0", "1"):
            return text
        raise source.error(f"{str(node.value)!r} is not one of 0, 1, all (or -1, which means all)",
                           node=node, key=key)
    raise source.error(f"expected 0, 1 or all, not {describe(node)}", node=node, key=key)


_SPECIAL: dict[str, Callable[[str, Node, Source], Any]] = {
    "producer.acks": _acks,
}
