"""Reading a user's Kafka client configuration files: each property as written, with its file and line.

The kinds of file `modelcheck init` reads, told apart by name and content:

- Java `.properties` (`producer.properties`, `consumer.properties`, a broker's `server.properties`, a
  topic's settings): `key=value`, `key: value` or `key value`, comments `#` and `!`, a `\\` at the end
  of a line continues it (java.util.Properties' format; Unicode escapes are read too);
- Spring Boot `application.properties` or `application.yml` (`spring.kafka.producer.*`,
  `spring.kafka.consumer.*`, `spring.kafka.properties.*` with Kafka's names, `spring.kafka.listener.ack-mode`);
  other `spring.*` keys are not Kafka's and are skipped;
- a Python file that assigns a dict literal with a Kafka property in it (`conf = {"acks": "all", ...}`;
  other dicts are not configurations) or calls a client with
  literal arguments (`KafkaProducer(acks="all", ...)`, `Producer({...})`): confluent-kafka and
  kafka-python. The file is parsed, never run: `ast.literal_eval` reads each literal, and a value
  that is not a literal (a variable, a call) is kept as unknown;
- a JSON object of properties, or of `producer` and `consumer` objects of properties.

Each value is kept as written (text, number, boolean); the registry (`kafka.client_properties`) and
`spec.init` interpret it. The role of a file (producer, consumer, broker or topic) comes from its name,
its Spring prefix, its Python variable or call, or else from the properties in it.

Sources: java.util.Properties.load (line format); Spring Boot's `KafkaProperties` (the
`spring.kafka.*` names; relaxed binding of kebab-case names) and Spring for Apache Kafka's
`ContainerProperties.AckMode`.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelcheck.errors import InvalidSpec
from modelcheck.kafka.client_properties import lookup
from modelcheck.spec.nodes import Source, compose
from modelcheck.spec.yaml_spec import read_text

UNKNOWN = object()     # a Python value that is not a literal: read as "not known"

ROLES = ("producer", "consumer", "broker", "topic")


@dataclass(frozen=True)
class Found:
    """One property as a configuration file wrote it."""

    name: str                     # the Kafka property (Spring's and Python's spellings as Kafka's)
    value: Any                    # as written: text, number, boolean, None; UNKNOWN for a non-literal
    file: str
    line: int | None
    role: str | None              # producer, consumer, broker or topic when the file says; None if not
    written: str = ""             # the name as written, when it differs (spring.kafka.producer.acks)

    @property
    def where(self) -> str:
        return f"{self.file} line {self.line}" if self.line else self.file

    @property
    def shown(self) -> str:
        """The name as written."""
        return self.written or self.name


def read_client_file(path: str | Path) -> list[Found]:
    """The properties of one configuration file, in the order written; InvalidSpec when it cannot be
    read as any kind `modelcheck init` knows."""
    path = Path(path)
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".py":
        return _python(text, str(path))
    if suffix == ".json":
        return _json(text, str(path))
    if suffix in (".yml", ".yaml"):
        return _spring_yaml(text, str(path))
    if suffix in (".properties", ".conf", ".cfg", "") or suffix.startswith(".prop"):
        pairs = _java_properties(text, str(path))
        if any(name.startswith("spring.") for name, _value, _line in pairs):
            return _spring(pairs, str(path))
        role = _role_of_name(path.name)
        return [Found(name, value, str(path), line, role) for name, value, line in pairs]
    raise InvalidSpec(f"not a configuration file modelcheck init reads (.properties, application.yml, .py, "
                      f".json), but {suffix or 'a file without extension'}", file=str(path))


def _role_of_name(name: str) -> str | None:
    lowered = name.lower()
    for role, words in (("producer", ("producer", "publisher")), ("consumer", ("consumer", "subscriber")),
                        ("broker", ("server", "broker")), ("topic", ("topic",))):
        if any(word in lowered for word in words):
            return role
    return None


# -- java.util.Properties --------------------------------------------------------------------------------

def _java_properties(text: str, file: str) -> list[tuple[str, str, int]]:
    """(key, value, line) of a .properties text, as java.util.Properties.load reads it."""
    pairs = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index
        logical = lines[index].lstrip()
        index += 1
        if not logical or logical[0] in "#!":
            continue
        while _continues(logical) and index < len(lines):
            logical = logical[:-1] + lines[index].lstrip()
            index += 1
        if _continues(logical):
            logical = logical[:-1]
        key, value = _split(logical)
        try:
            key, value = _unescape(key), _unescape(value)
        except ValueError as error:
            raise InvalidSpec(f"not a valid .properties line: {error}", file=file, line=start + 1) from None
        pairs.append((key, value, start + 1))
    return pairs


def _continues(line: str) -> bool:
    """A line ending in an odd number of backslashes continues on the next."""
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def _split(line: str) -> tuple[str, str]:
    escaped = False
    for position, character in enumerate(line):
        if escaped:
            escaped = False
            continue
        if character == "\\":
            escaped = True
            continue
        if character in "=: \t\f":
            key = line[:position]
            rest = line[position:].lstrip(" \t\f")
            if rest[:1] in ("=", ":") and character in " \t\f":
                rest = rest[1:].lstrip(" \t\f")
            elif character in "=:":
                rest = rest[1:].lstrip(" \t\f")
            return key, rest
    return line, ""


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, index = [], 0
    while index < len(text):
        character = text[index]
        if character != "\\" or index + 1 == len(text):
            out.append(character)
            index += 1
            continue
        following = text[index + 1]
        if following == "u":
            digits = text[index + 2:index + 6]
            if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                raise ValueError(f"\\u must be followed by four hexadecimal digits, not {digits!r}")
            out.append(chr(int(digits, 16)))
            index += 6
            continue
        out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(following, following))
        index += 2
    return "".join(out)


# -- Spring Boot ----------------------------------------------------------------------------------------

# Spring Boot's names (after `spring.kafka.producer.` or `.consumer.`) that are not Kafka's name in
# kebab-case; the value is the Kafka property they set.
SPRING_NAMES = {
    "transaction-id-prefix": "transactional.id",
    "fetch-max-wait": "fetch.max.wait.ms",
    "fetch-min-size": "fetch.min.bytes",
    "heartbeat-interval": "heartbeat.interval.ms",
    "auto-commit-interval": "auto.commit.interval.ms",
    "batch-size": "batch.size",
    "buffer-memory": "buffer.memory",
}
# Spring Kafka's own settings (not Kafka properties): kept under these names for init to read.
SPRING_ACK_MODE = "spring.kafka.listener.ack-mode"


def _spring_yaml(text: str, file: str) -> list[Found]:
    root = compose(text, Source(file))
    if root is None:
        raise InvalidSpec("the file is empty", file=file)
    flat: list[tuple[str, Any, int]] = []
    _flatten(root, "", flat)
    if not any(name.startswith("spring.kafka.") for name, _value, _line in flat):
        raise InvalidSpec("not a Spring Boot application.yml with spring.kafka settings (a modelcheck spec is "
                          "run with `modelcheck explore`, not read by init)", file=file)
    return _spring(flat, file)


def _flatten(node, prefix: str, out: list):
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value).strip("[]")          # Spring's "[sasl.jaas.config]" keeps the dots
            name = f"{prefix}.{key}" if prefix else key
            _flatten(value_node, name, out)
    elif isinstance(node, yaml.SequenceNode):
        out.append((prefix, ",".join(str(item.value) for item in node.value
                                     if isinstance(item, yaml.ScalarNode)), node.start_mark.line + 1))
    else:
        out.append((prefix, node.value, node.start_mark.line + 1))


def _spring(pairs, file: str) -> list[Found]:
    found = []
    for written, value, line in pairs:
        if not written.startswith("spring.kafka."):
            continue                                   # spring.datasource and the like: not Kafka's
        rest = written[len("spring.kafka."):]
        section, _, name = rest.partition(".")
        if section in ("producer", "consumer") and name.startswith("properties."):
            found.append(Found(name[len("properties."):], value, file, line, section, written))
        elif section in ("producer", "consumer"):
            kafka = SPRING_NAMES.get(name, name.replace("-", "."))
            found.append(Found(kafka, value, file, line, section, written))
        elif section == "properties":
            found.append(Found(name, value, file, line, None, written))
        elif rest == "bootstrap-servers" or rest == "client-id":
            found.append(Found(rest.replace("-", "."), value, file, line, None, written))
        else:
            # Spring Kafka's own settings (listener, template, admin, streams, ssl, security, jaas,
            # retry): kept with their Spring name; init reads listener.ack-mode and notes the others.
            found.append(Found(written, value, file, line, None, written))
    if not found:
        raise InvalidSpec("no spring.kafka settings in this Spring Boot configuration", file=file)
    return found


# -- Python (never run) ---------------------------------------------------------------------------------

_CLIENT_CALLS = {"KafkaProducer": "producer", "Producer": "producer", "AIOKafkaProducer": "producer",
                 "SerializingProducer": "producer", "KafkaConsumer": "consumer", "Consumer": "consumer",
                 "AIOKafkaConsumer": "consumer", "DeserializingConsumer": "consumer"}


def _python(text: str, file: str) -> list[Found]:
    try:
        tree = ast.parse(text, filename=file)
    except SyntaxError as error:
        raise InvalidSpec(f"not valid Python: {error.msg}", file=file, line=error.lineno) from None
    found: list[Found] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = " ".join(target.id for target in targets if isinstance(target, ast.Name))
            entries = _python_dict(node.value, file, _role_of_name(names))
            # Only a dict with at least one Kafka property is a client configuration (not `headers = {...}`).
            if any(lookup(entry.name) is not None for entry in entries):
                found.extend(entries)
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            role = _CLIENT_CALLS.get(called)
            if role is None:
                continue
            for argument in node.args:
                if isinstance(argument, ast.Dict):
                    found.extend(_python_dict(argument, file, role))
            for keyword in node.keywords:
                if keyword.arg is not None:
                    found.append(Found(keyword.arg, _literal(keyword.value), file, keyword.value.lineno, role))
    if not found:
        raise InvalidSpec("no configuration found: expected a dict literal assigned to a name "
                          "(conf = {\"acks\": \"all\"}) or a client called with literal arguments", file=file)
    seen, unique = set(), []
    for item in sorted(found, key=lambda each: each.line or 0):
        if (item.name, item.line, item.role) not in seen:     # a dict both assigned and passed
            seen.add((item.name, item.line, item.role))
            unique.append(item)
    return unique


def _python_dict(node: ast.Dict, file: str, role: str | None) -> list[Found]:
    out = []
    for key, value in zip(node.keys, node.values):
        if key is None:                                  # {**other}: not a literal
            continue
        name = _literal(key)
        if isinstance(name, str):
            out.append(Found(name, _literal(value), file, key.lineno, role))
    return out


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


# -- JSON -----------------------------------------------------------------------------------------------

def _json(text: str, file: str) -> list[Found]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidSpec(f"not valid JSON: {error.msg}", file=file, line=error.lineno) from None
    if not isinstance(document, dict):
        raise InvalidSpec("expected a JSON object of properties", file=file, line=1)
    lines = _json_key_lines(text)

    def line_of(name: str) -> int | None:
        return lines[name].pop(0) if lines.get(name) else None

    found = []
    for key, value in document.items():
        line = line_of(key)
        if key in ROLES and isinstance(value, dict):
            for name, inner in value.items():
                found.append(Found(name, inner, file, line_of(name), key))
        else:
            found.append(Found(key, value, file, line, _role_of_name(Path(file).name)))
    return found


def _json_key_lines(text: str) -> dict[str, list[int]]:
    """The lines of each key, in the order written (JSON's parser does not keep positions; keys are
    read back in document order, which for the two levels read here is the order of the text)."""
    lines: dict[str, list[int]] = {}
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*:', text):
        lines.setdefault(json.loads(f'"{match.group(1)}"'), []).append(text.count("\n", 0, match.start()) + 1)
    return lines
