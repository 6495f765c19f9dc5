"""A JSON Schema of the YAML spec format, generated from the key table, for editors' completion.

`spec_schema()` builds it (draft-07, what YAML language servers read) from the same tables that
validate a spec: `config.KEYS` (each key's type, allowed values, bounds and default, the default read
off a default `KafkaConfig`), the top-level keys and limits of `yaml_spec`, and the property and guard
names of `kafka.properties`. `modelcheck schema` prints it.

It accepts what the loader accepts, spelled as the loader reads it: booleans also as the text
true/false of a `.properties` file (any case), `acks` as 0, 1, all or -1, and a null section or limit.
It leaves out what one key cannot say about another: the combinations Kafka refuses (idempotence with
acks=1), bounds that depend on another key (`min.insync.replicas` at most `replication.factor`), a
rule whose condition matches no configuration. Those are still refused, with the file and the line,
when the spec is loaded.
"""

from __future__ import annotations

from typing import Any

from modelcheck.engine.result import HOLDS, VIOLATED
from modelcheck.kafka.client_properties import CLIENTS
from modelcheck.kafka.config import KEYS, KafkaConfig, Key
from modelcheck.kafka.properties import GUARD_NAMES, PROPERTY_NAMES
from modelcheck.spec.values import SECTIONS
from modelcheck.spec.yaml_spec import LIMITS

DRAFT = "http://json-schema.org/draft-07/schema#"
TEXT_BOOLEAN = "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"
# `producer.acks` as `values._acks` reads it: 0, 1, all (any case) or -1, which means all.
ACKS = {"anyOf": [{"enum": [0, 1, -1]}, {"type": "string", "pattern": "^\\s*(0|1|-1|[Aa][Ll][Ll])\\s*$"}]}


def spec_schema() -> dict[str, Any]:
    """The JSON Schema (a dict ready for `json.dumps`) of a YAML spec file."""
    sections = {section: {"type": ["object", "null"], "additionalProperties": False,
                          "properties": {key.partition(".")[2]: key_schema(key) for key in KEYS
                                         if key.partition(".")[0] == section}}
                for section in SECTIONS}
    text = {"type": ["string", "number", "boolean", "null"]}
    return {
        "$schema": DRAFT,
        "title": "modelcheck spec",
        "description": "A Kafka setup to check exhaustively, and the verdicts expected (docs/spec-format.md).",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {**text, "description": "the spec's name (by default the file's)"},
            "description": {**text, "description": "the claim the spec checks"},
            "client": {"enum": list(CLIENTS),
                       "description": "the Kafka client the application runs: the keys the spec leaves out "
                                      "take its defaults (retries excepted)"},
            **sections,
            "expect": _expect(),
            "limits": _limits(),
            "sweep": _sweep(),
            "properties": {"type": "array", "minItems": 1, "uniqueItems": True,
                           "items": {"enum": list(PROPERTY_NAMES)},
                           "description": "report only these properties (the guards are always kept)"},
        },
    }


def key_schema(key: str) -> dict[str, Any]:
    """The schema of one dotted key's value, with its default."""
    spec = KEYS[key]
    schema = ACKS if key == "producer.acks" else _value(spec)
    if spec.nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "default": _json(KafkaConfig().get(key))}


def _value(spec: Key) -> dict[str, Any]:
    if spec.type is bool:
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": TEXT_BOOLEAN}]}
    if spec.type is int:
        schema: dict[str, Any] = {"type": "integer"}
        if spec.choices is not None:
            schema["enum"] = list(spec.choices)
        if spec.minimum is not None:
            schema["minimum"] = spec.minimum
        if spec.maximum is not None:
            schema["maximum"] = spec.maximum
        return schema
    if spec.type is str:
        if spec.choices is not None:
            return {"enum": list(spec.choices)}
        return {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]}   # a name; 42 reads as "42"
    if spec.type is tuple:
        return {"type": "array", "minItems": 1,
                "items": {"anyOf": [{"type": "string", "minLength": 1}, {"type": ["number", "boolean"]}]}}
    raise AssertionError(f"a key of type {spec.type} has no JSON Schema: add it to spec.schema")


def _json(value):
    return list(value) if isinstance(value, tuple) else value


def _verdicts() -> dict[str, Any]:
    return {name: {"enum": [HOLDS, VIOLATED]} for name in (*PROPERTY_NAMES, *GUARD_NAMES)}


def _dotted_keys() -> dict[str, Any]:
    """Every dotted key with the schema of its value (as `expect.when` and `sweep` write them)."""
    return {key: {name: part for name, part in key_schema(key).items() if name != "default"} for key in KEYS}


def _expect() -> dict[str, Any]:
    conditions = {key: {"anyOf": [schema, {"type": "array", "minItems": 1, "items": schema}]}
                  for key, schema in _dotted_keys().items()}
    rule = {"type": "object", "additionalProperties": False,
            "properties": {"when": {"type": "object", "additionalProperties": False, "properties": conditions},
                           **_verdicts()}}
    return {"description": "property: holds | violated, or a list of rules with when: conditions (a sweep)",
            "anyOf": [{"type": "null"},
                      {"type": "object", "additionalProperties": False, "properties": _verdicts()},
                      {"type": "array", "items": rule}]}


def _limits() -> dict[str, Any]:
    properties = {}
    for name in LIMITS:
        number = {"type": "number", "exclusiveMinimum": 0} if name == "time-limit" else {"type": "integer",
                                                                                       "minimum": 1}
        properties[name] = {"anyOf": [number, {"type": "null"}]}
    return {"type": ["object", "null"], "additionalProperties": False, "properties": properties,
            "description": "a search stopped by a limit is bounded, never holds"}


def _sweep() -> dict[str, Any]:
    axes = {key: {"type": "array", "minItems": 1, "items": schema} for key, schema in _dotted_keys().items()}
    point = {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": _dotted_keys()}
    return {"description": "every combination of the listed values, or a list of configurations",
            "anyOf": [{"type": "null"},
                      {"type": "object", "additionalProperties": False, "properties": axes},
                      {"type": "array", "minItems": 1, "items": point}]}
