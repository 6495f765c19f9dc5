"""Loading a YAML spec file into a validated `Spec` (the format is SPEC-FORMAT.md).

Top-level keys: `name`, `description`, `client` (whose defaults the keys left out take,
`client_defaults`), the configuration sections (`cluster`, `workload`, `producer`,
`consumer`, `sink`, `faults`, whose keys are Kafka's property names as Kafka spells them), `expect`,
`limits` (`max-states`, `time-limit`, `max-depth`, `max-memory` in megabytes), `sweep` and `properties`. Every key is optional:
a spec names only what matters to its claim.

Everything is checked when the file is read, including every point of a sweep and every expectation
rule (a rule that matches no point of the sweep is refused: it is a slip, not a claim). Every error
names the file, the line and the dotted key, and suggests the nearest valid name; one read reports
every error it finds, not only the first.

A Kafka client or broker property the model leaves out (`producer: {linger.ms: 5}`) is accepted in
its section, as Kafka's clients spell it (`modelcheck.kafka.client_properties`), and kept in
`Spec.unmodelled` with why it does not matter or may; a misspelt one still gets "did you mean".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import yaml
from yaml.nodes import Node, ScalarNode

from modelcheck.engine.limits import Limits
from modelcheck.errors import InvalidSpec, collected, raise_all
from modelcheck.kafka.client_properties import CLIENTS, ClientProperty
from modelcheck.spec.client_defaults import ClientChoice
from modelcheck.spec.document import Origin, Spec, Unmodelled
from modelcheck.spec.expectations import parse_expect, parse_properties
from modelcheck.spec.nodes import (FLOAT_TAG, INT_TAG, Source, compose, describe, did_you_mean, is_null,
                                   mapping_items, python_value)
from modelcheck.spec.sweep import expand, parse_sweep
from modelcheck.spec.values import SECTIONS, format_value, section_key, value_of

TOP_LEVEL = ("name", "description", "client", *SECTIONS, "expect", "limits", "sweep", "properties")
LIMITS = {"max-states": "max_states", "time-limit": "time_limit", "max-depth": "max_depth",
          "max-memory": "max_memory"}


def load_spec(path: str | Path) -> Spec:
    """Read, validate and type the YAML spec at `path`; InvalidSpec on any problem."""
    return parse_spec(read_text(path), Source(str(path)), Path(path).stem)


def spec_from_mapping(mapping: Mapping[str, Any], source: str = "spec mapping") -> Spec:
    """A spec given as a Python mapping, as its YAML file would read (`{"producer": {"acks": 1}}`),
    validated as a file is; a dotted key at the top (`"producer.acks"`) goes into its section. Errors
    name the key and `source` (there is no line); the spec is named "spec" unless the mapping names it."""
    name = source
    if not isinstance(mapping, Mapping):
        raise InvalidSpec(f"a spec is a mapping of keys, not {type(mapping).__name__}", file=name)
    nested: dict[str, Any] = {}
    for key, value in mapping.items():
        section, dot, rest = str(key).partition(".")
        if dot and section in SECTIONS and section not in mapping:
            nested.setdefault(section, {})[rest] = value
        else:
            nested[key] = value
    try:
        text = yaml.safe_dump(_plain(nested), sort_keys=False, allow_unicode=True)
    except yaml.YAMLError as error:
        raise InvalidSpec(f"holds a value YAML cannot write: {error}", file=name) from None
    return parse_spec(text, Source(name, has_lines=False), "spec")


def _plain(value):
    """`value` with tuples as lists and mappings as dicts, the types YAML's safe dumper writes."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def parse_spec(text: str, source: Source, default_name: str) -> Spec:
    """Validate and type the YAML spec `text` read from `source`.

    Every problem is reported at once (a `SpecErrors` when there are several): each key is checked on
    its own, and the combinations Kafka refuses are checked once every key is valid.
    """
    path = source.name
    root = compose(text, source)
    if root is None:
        raise InvalidSpec("the spec is empty; see SPEC-FORMAT.md for what a spec holds", file=str(path))
    errors: list[InvalidSpec] = []
    parts = {name: (key_node, value_node)
             for name, key_node, value_node in mapping_items(root, source, what="a spec", errors=errors)}
    for name, (key_node, _) in parts.items():
        if name not in TOP_LEVEL:
            errors.append(source.error("unknown key" + _top_level_hint(name), node=key_node, key=name))

    settings, origins, unmodelled = {}, {}, []
    for section in SECTIONS:
        if section in parts and not is_null(parts[section][1]):
            items = []
            with collected(errors):
                items = list(mapping_items(parts[section][1], source, what=section, key=section, errors=errors))
            for name, key_node, value_node in items:
                with collected(errors):
                    key = section_key(section, name, source, key_node)
                    origin = Origin(source.name, source.line_of(key_node))
                    if isinstance(key, ClientProperty):
                        unmodelled.append(Unmodelled(f"{section}.{name}", origin, key.fate, key.why))
                        continue
                    if key in settings:
                        raise source.error(f"given twice: {section}.{name} is another name of {key} (first "
                                           f"given on line {origins[key].line})", node=key_node, key=key)
                    settings[key] = value_of(key, value_node, source)
                    origins[key] = origin

    def part(name, parse, default):
        if name not in parts:
            return default
        with collected(errors):
            return parse(parts[name][1])
        return default

    reported = part("properties", lambda node: parse_properties(node, source), None)
    name = part("name", lambda node: _text(parts, "name", source), None)
    description = part("description", lambda node: _text(parts, "description", source), None)
    client = part("client", lambda node: _client(node, source), None)
    expect, expect_lines = part("expect", lambda node: parse_expect(node, source, reported), ({}, {}))
    limits = part("limits", lambda node: _limits(node, source), Limits())
    sweep = part("sweep", lambda node: () if is_null(node) else parse_sweep(node, source), ())
    raise_all(errors)
    spec = Spec(
        path=str(path),
        name=name or default_name,
        description=(description or "").strip(),
        settings=settings,
        origins=origins,
        expect=expect,
        expect_lines=expect_lines,
        limits=limits,
        sweep=sweep,
        properties=reported,
        unmodelled=tuple(unmodelled),
        client=client,
    )
    points = expand(spec)
    _check_rules_match(spec, points, source)
    return spec



MAX_BYTES = 1_000_000     # a spec is a few kilobytes; a larger file is not one (and would be slow to read)


def read_text(path: str | Path) -> str:
    """The text of a spec file; InvalidSpec when it is missing, not UTF-8 or larger than MAX_BYTES."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise InvalidSpec(f"is {size:,} bytes; a spec is at most {MAX_BYTES:,}", file=str(path))
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidSpec("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise InvalidSpec("is a directory, not a spec file", file=str(path)) from None
    except UnicodeDecodeError:
        raise InvalidSpec("not UTF-8 text", file=str(path)) from None
    except OSError as error:
        raise InvalidSpec(f"cannot be read: {error.strerror}", file=str(path)) from None


def _top_level_hint(name: str) -> str:
    section = name.partition(".")[0]
    if "." in name and section in SECTIONS:
        rest = name.partition(".")[2]
        return f"; write it inside the {section} block (`{section}:` then `  {rest}: ...`)"
    return did_you_mean(name, TOP_LEVEL)


def _text(parts, name: str, source: Source) -> str | None:
    if name not in parts or is_null(parts[name][1]):
        return None
    node = parts[name][1]
    if not isinstance(node, ScalarNode):
        raise source.error(f"expected text, not {describe(node)}", node=node, key=name)
    return str(node.value)


def _client(node: Node, source: Source) -> ClientChoice:
    """`client: java | librdkafka | kafka-python`: whose defaults the keys the spec leaves out take."""
    if not isinstance(node, ScalarNode) or is_null(node):
        raise source.error(f"expected the name of a client ({', '.join(CLIENTS)}), not {describe(node)}",
                           node=node, key="client")
    if node.value not in CLIENTS:
        raise source.error(f"{node.value!r}: not a client whose defaults are known"
                           + did_you_mean(node.value, CLIENTS), node=node, key="client")
    return ClientChoice(node.value, Origin(source.name, source.line_of(node)))


def _limits(node: Node, source: Source) -> Limits:
    if is_null(node):
        return Limits()
    values = {}
    for name, key_node, value_node in mapping_items(node, source, what="limits", key="limits"):
        key = f"limits.{name}"
        if name not in LIMITS:
            raise source.error("unknown key" + did_you_mean(name, LIMITS), node=key_node, key=key)
        if is_null(value_node):
            continue                                   # an explicit null: no such limit
        allowed = (INT_TAG, FLOAT_TAG) if name == "time-limit" else (INT_TAG,)
        if not isinstance(value_node, ScalarNode) or value_node.tag not in allowed:
            kind = "a number of seconds" if name == "time-limit" else "a whole number"
            raise source.error(f"expected {kind}, not {describe(value_node)}", node=value_node, key=key)
        value = python_value(value_node)
        problem = limit_problem(value)
        if problem is not None:
            raise source.error(problem, node=value_node, key=key)
        values[LIMITS[name]] = value
    return Limits(**values)


def limit_problem(value: float) -> str | None:
    """Why `value` cannot bound a search (None when it can): a limit is a finite number above 0.

    The rule for `limits:` in a spec and for `--time-limit` (the command line's whole-number limits are
    click ranges from 1): nan would never stop a search and infinity is no limit (leave it out instead).
    """
    if math.isnan(value) or math.isinf(value):
        return f"must be a finite number above 0, not {value}; leave the limit out for none"
    if not value > 0:
        return f"must be above 0, not {value}"
    return None


def _check_rules_match(spec: Spec, points, source: Source):
    """Refuse an expectation rule with a condition that no configuration of the spec meets."""
    if isinstance(spec.expect, dict):
        return
    for rule in spec.expect:
        if rule.when and not any(rule.matches(point.config) for point in points):
            conditions = ", ".join(f"{key} in [{', '.join(map(format_value, values))}]" if len(values) > 1
                                   else f"{key}={format_value(values[0])}"
                                   for key, values in rule.when.items())
            raise InvalidSpec(f"this rule's condition ({conditions}) matches no configuration of the spec",
                              file=source.name, line=rule.line, key="expect.when")
