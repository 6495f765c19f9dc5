"""Hypothesis strategies for spec files and command lines, drawn from the spec key table, for the fuzzer.

`spec_texts()` draws a YAML spec from one of these families:
- searched: keys that rarely conflict, so that most of these specs are explored;
- valid: a subset of `config.KEYS` with values of the right type, inside their bounds;
- almost valid: one key misspelled, one value out of range, of the wrong type or null;
- odd numbers: values at and past the bounds, floats where ints belong, `.inf`, `.nan`, huge integers;
- tags: `!!int abc`, `!!bool maybe`, `!custom x`, `!!binary`;
- deep nesting: a value nested several hundred levels deep;
- broken YAML: tabs, unbalanced brackets, control characters, duplicate keys, anchors.

`command_lines()` draws the options after `explore SPEC` (or `check SPEC`): `--set`, `--sweep`,
`--param`, limits (always with small `--max-states` and `--time-limit`, so a search stays short),
`--format`, `--workers`, `--continue`, `--counterexamples`, `--checkpoint`/`--resume` (into a fresh
directory), `--reduction`, `--seen-set` and `--shard` (a `check` option: `explore` refuses it). The
searched and valid specs sometimes name a `client:`, a known one or not.

The rule the fuzzer checks (tests/test_fuzz.py): the exit code is 0, 1, 2 or 3 (4 is an internal error:
a bug), no Python traceback is printed, a JSON document parses, and the command ends within its time
limit plus the model's build.
"""

from __future__ import annotations

from hypothesis import strategies as st

from modelcheck.kafka.config import KEYS
from modelcheck.kafka.properties import PROPERTY_NAMES

SECTIONS = sorted({key.split(".")[0] for key in KEYS})
KEY_NAMES = sorted(KEYS)


def _valid_value(key: str) -> st.SearchStrategy:
    spec = KEYS[key]
    if spec.choices is not None:
        values = st.sampled_from(spec.choices)
    elif spec.type is bool:
        values = st.booleans()
    elif spec.type is int:
        low = spec.minimum if spec.minimum is not None else 0
        values = st.integers(low, min(low + 3, spec.maximum if spec.maximum is not None else low + 3))
    elif spec.type is tuple:
        values = st.lists(st.sampled_from(["k1", "k2", "k3"]), min_size=1, max_size=3, unique=True)
    else:
        values = st.sampled_from(["tx", "orders-tx-${instance}", "a b", ""])
    if spec.nullable:
        values = st.one_of(values, st.none())
    return values


def _yaml(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return str(value)


ODD = ["-1", "0", "1.5", ".inf", "-.inf", ".nan", "1e309", "99999999999999999999", "0x10", "1_000", "~", "''",
       "[]", "{}", "[1, 2]", "{a: 1}", "yes", "no", "on", "'3'", "-0"]
TAGS = ["!!int abc", "!!bool maybe", "!custom x", "!!float nope", "!!binary xyz", "!!str 3", "!!null x", "!!int 3"]


@st.composite
def _settings(draw, values) -> dict:
    keys = draw(st.lists(st.sampled_from(KEY_NAMES), max_size=6, unique=True))
    return {key: draw(values(key)) for key in keys}


def _render(name: str, settings: dict, extra: str = "") -> str:
    sections: dict = {}
    for key, text in settings.items():
        section, _, rest = key.partition(".")
        sections.setdefault(section, []).append(f"  {rest}: {text}")
    lines = [f"name: {name}"]
    for section, items in sections.items():
        lines.append(f"{section}:")
        lines.extend(items)
    return "\n".join(lines) + "\n" + extra


@st.composite
def valid_specs(draw) -> str:
    settings = draw(_settings(lambda key: _valid_value(key).map(_yaml)))
    expect = draw(st.dictionaries(st.sampled_from(PROPERTY_NAMES), st.sampled_from(["holds", "violated"]),
                                  max_size=3))
    extra = ""
    if expect:
        extra = "expect:\n" + "".join(f"  {name}: {verdict}\n" for name, verdict in expect.items())
    if draw(st.booleans()):
        key = draw(st.sampled_from(KEY_NAMES))
        values = draw(st.lists(_valid_value(key), min_size=1, max_size=3, unique_by=repr))
        extra += f"sweep:\n  {key}: [{', '.join(_yaml(v) for v in values)}]\n"
    return _render("fuzz", settings, extra + draw(_client_line()))


@st.composite
def almost_valid_specs(draw) -> str:
    settings = draw(_settings(lambda key: _valid_value(key).map(_yaml)))
    key = draw(st.sampled_from(KEY_NAMES))
    how = draw(st.sampled_from(["misspelled", "odd", "tag", "wrong type", "null", "unknown section"]))
    if how == "misspelled":
        section, _, rest = key.partition(".")
        settings[f"{section}.{rest[:-1] or 'x'}"] = _yaml(draw(_valid_value(key)))
    elif how == "odd":
        settings[key] = draw(st.sampled_from(ODD))
    elif how == "tag":
        settings[key] = draw(st.sampled_from(TAGS))
    elif how == "wrong type":
        settings[key] = draw(st.sampled_from(['"text"', "[a, b]", "{x: 1}", "3.7", "true"]))
    elif how == "null":
        settings[key] = "null"
    else:
        settings[f"nosuch.{key.partition('.')[2]}"] = "1"
    return _render("fuzz", settings)


@st.composite
def deep_specs(draw) -> str:
    depth = draw(st.integers(50, 1200))
    key = draw(st.sampled_from(KEY_NAMES))
    section, _, rest = key.partition(".")
    nested = draw(st.sampled_from(["[" * depth + "1" + "]" * depth, "{a: " * depth + "1" + "}" * depth]))
    return f"name: deep\n{section}:\n  {rest}: {nested}\n"


BROKEN = ["\t", "[", "]", "{", "}", ":", "- ", "&a ", "*a", "!!", "%YAML 1.1", "---", "...", "|", ">", "#", "'", '"',
          "\x00", "\x07", "\x1b", "\u2028", "\ufeff", "key: value", "name: x", "faults:", "  consumer.crash: 1",
          "expect:", "sweep:", "limits:", "\n", "  ", "<<: *a"]


@st.composite
def broken_specs(draw) -> str:
    pieces = draw(st.lists(st.sampled_from(BROKEN), min_size=1, max_size=25))
    return "".join(pieces)


@st.composite
def searched_specs(draw) -> str:
    """Specs Kafka accepts, from keys that rarely conflict, so that most of them are explored."""
    settings = {"workload.messages": str(draw(st.integers(1, 3)))}
    for key in draw(st.lists(st.sampled_from(SEARCHED), max_size=4, unique=True)):
        settings[key] = _yaml(draw(_valid_value(key) if not key.startswith("faults.") else st.integers(0, 2)))
    return _render("searched", settings, draw(_client_line()))


CLIENTS = ["java", "librdkafka", "kafka-python", "rdkafka", "[java]", "null", "'1'"]


@st.composite
def _client_line(draw) -> str:
    """A `client:` line one time in three: a known client, a near miss or a value of the wrong type."""
    if draw(st.integers(0, 2)):
        return ""
    return f"client: {draw(st.sampled_from(CLIENTS))}\n"


SEARCHED = ["producer.acks", "producer.retries", "consumer.commit", "consumer.max.poll.records",
            "consumer.isolation.level", "cluster.brokers", "cluster.partitions", "workload.keyed",
            "producer.transactional.id", "faults.consumer.crash", "faults.producer.crash", "faults.broker.crash",
            "faults.request.lost", "faults.response.lost", "faults.request.delayed", "faults.transaction.abort",
            "faults.producer.pause", "faults.group.coordinator.crash", "producer.instances", "producer.source"]


def spec_texts() -> st.SearchStrategy:
    return st.one_of(searched_specs(), searched_specs(), valid_specs(), almost_valid_specs(), deep_specs(),
                     broken_specs(), st.text(max_size=200))


@st.composite
def command_lines(draw) -> list[str]:
    args = ["--max-states", str(draw(st.integers(1, 400))), "--time-limit", "2", "--quiet"]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        key = draw(st.one_of(st.sampled_from(KEY_NAMES), st.text(max_size=12)))
        value = draw(st.one_of(_valid_value(key).map(_yaml) if key in KEYS else st.just("1"),
                               st.sampled_from(ODD + TAGS), st.text(max_size=10)))
        args += [draw(st.sampled_from(["--set", "--sweep"])), f"{key}={value}"]
    if draw(st.booleans()):
        args += ["--param", draw(st.sampled_from(["rms=2", "x=1", "=", "rms", "rms=2.5"]))]
    if draw(st.booleans()):
        args += ["--max-depth", draw(st.sampled_from(["5", "0", "-1", "x"]))]
    if draw(st.booleans()):
        args += ["--workers", draw(st.sampled_from(["1", "2", "0", "300"]))]
    if draw(st.integers(0, 3)) == 0:
        args += ["--continue"]
    if draw(st.integers(0, 3)) == 0:
        args += ["--counterexamples", draw(st.sampled_from(["1", "3", "0", "-2", "x"]))]
    if draw(st.integers(0, 3)) == 0:               # CHECKPOINT: a fresh directory (test_fuzz._check)
        args += [draw(st.sampled_from(["--checkpoint", "--resume"])), "CHECKPOINT"]
        if draw(st.booleans()):
            args += ["--checkpoint-interval", draw(st.sampled_from(["0.01", "5", "0", "nan", "x"]))]
    if draw(st.integers(0, 3)) == 0:
        args += ["--reduction", draw(st.sampled_from(["none", "por", "x"]))]
    if draw(st.integers(0, 3)) == 0:
        args += ["--seen-set", draw(st.sampled_from(["exact", "fingerprint", "bloom"]))]
    if draw(st.integers(0, 5)) == 0:
        args += ["--shard", draw(st.sampled_from(["1/2", "2/2", "0/2", "3/2", "x"]))]
    args += ["--format", draw(st.sampled_from(["text", "json", "markdown", "mermaid"]))]
    return args
