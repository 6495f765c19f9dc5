"""The JSON Schema of the spec format (`modelcheck schema`): every spec the loader accepts validates,
every bundled spec among them, and the mistakes a key table can see are refused.

jsonschema is not a dependency, so `errors` below validates the subset of draft-07 the schema uses, and
fails the test on any keyword it does not know rather than ignore it."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from fuzz_specs import spec_texts
from modelcheck.cli import main
from modelcheck.errors import InvalidSpec
from modelcheck.spec import load_spec
from modelcheck.spec.schema import spec_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = spec_schema()
KNOWN = {"$schema", "title", "description", "default", "type", "enum", "pattern", "minLength", "minimum", "maximum",
         "exclusiveMinimum", "minItems", "uniqueItems", "items", "properties", "additionalProperties",
         "minProperties", "anyOf"}
TYPES = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
         "string": lambda v: isinstance(v, str), "null": lambda v: v is None,
         "boolean": lambda v: isinstance(v, bool),
         "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
         "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}


def errors(schema: dict, value, where: str = "$") -> list[str]:
    """What is wrong with `value` under `schema` (draft-07, the keywords in KNOWN), as readable paths."""
    unknown = set(schema) - KNOWN
    assert not unknown, f"the test's validator does not know {unknown}"
    out: list[str] = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[name](value) for name in types):
            return [f"{where}: {value!r} is not {' or '.join(types)}"]
    if "enum" in schema and not any(value == e and type(value) is type(e) for e in schema["enum"]):
        out.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "anyOf" in schema and all(errors(option, value, where) for option in schema["anyOf"]):
        out.append(f"{where}: {value!r} matches none of its forms")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            out.append(f"{where}: too short")
    if TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{where}: {value} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{where}: {value} is above {schema['maximum']}")
        if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
            out.append(f"{where}: {value} is not above {schema['exclusiveMinimum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{where}: fewer than {schema['minItems']} items")
        if schema.get("uniqueItems") and len({json.dumps(item) for item in value}) != len(value):
            out.append(f"{where}: items repeat")
        for index, item in enumerate(value):
            out += errors(schema.get("items", {}), item, f"{where}[{index}]")
    if isinstance(value, dict):
        if len(value) < schema.get("minProperties", 0):
            out.append(f"{where}: fewer than {schema['minProperties']} keys")
        for key, item in value.items():
            if key in schema.get("properties", {}):
                out += errors(schema["properties"][key], item, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{where}: unknown key {key!r}")
    return out


def test_every_bundled_spec_validates():
    specs = sorted((ROOT / "specs").glob("*.yaml"))
    assert len(specs) > 30
    for path in specs:
        assert errors(SCHEMA, yaml.safe_load(path.read_text())) == [], path.name


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(spec_texts())
def test_every_spec_the_loader_accepts_validates(text):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "spec.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_spec(path)
        except InvalidSpec:
            return
    assert errors(SCHEMA, yaml.safe_load(text)) == [], text


@pytest.mark.parametrize("text, words", [
    ("consumr:\n  commit: auto\n", "unknown key 'consumr'"),
    ("consumer:\n  comit: auto\n", "unknown key 'comit'"),
    ("consumer:\n  commit: after-processing\n", "consumer.commit: 'after-processing' is not one of"),
    ("producer:\n  acks: 2\n", "producer.acks: 2 matches none"),
    ("cluster:\n  brokers: 17\n", "cluster.brokers: 17 is above 16"),
    ("producer:\n  enable.idempotence: maybe\n", "enable.idempotence: 'maybe' matches none"),
    ("workload:\n  keys: []\n", "workload.keys: fewer than 1 items"),
    ("expect:\n  no-loss: bounded\n", "$.expect: {'no-loss': 'bounded'} matches none"),
    ("expect:\n  no-los: holds\n", "$.expect: {'no-los': 'holds'} matches none"),
    ("sweep:\n  producer.acks: all\n", "$.sweep: {'producer.acks': 'all'} matches none"),
    ("limits:\n  time-limit: 0\n", "limits.time-limit: 0 matches none"),
    ("properties: [no-loss, no-loss]\n", "$.properties: items repeat"),
])
def test_mistakes_are_refused(text, words):
    found = errors(SCHEMA, yaml.safe_load(text))
    assert any(words in error for error in found), found
    with pytest.raises(InvalidSpec):                    # the loader refuses each too
        with tempfile.TemporaryDirectory() as directory:
            (Path(directory) / "s.yaml").write_text(text)
            load_spec(Path(directory) / "s.yaml")


def test_each_key_has_its_default():
    producer = SCHEMA["properties"]["producer"]["properties"]
    assert producer["acks"]["default"] == "all"
    assert producer["transactional.id"]["default"] is None
    assert SCHEMA["properties"]["workload"]["properties"]["keys"]["default"] == ["k1"]
    assert SCHEMA["properties"]["faults"]["properties"]["isr.shrink"]["default"] == 1


def test_the_command_prints_it():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == SCHEMA
