"""The `expect:` block: which verdict each property should get, plainly or by rules for a sweep.

Two forms (SPEC-FORMAT.md, "Sweeps"):

- a mapping `property: holds | violated`, which applies to every configuration;
- a list of rules, each such a mapping with an optional `when:` mapping of dotted keys to values (a
  list of values matches any of them); where several rules match a point, later ones win.

Property names are the Kafka properties of `modelcheck.kafka.properties`; `bounded` is a result, never
an expectation (a search stopped by a limit proves nothing either way). The optional top-level
`properties:` list, parsed here too, restricts which properties are reported.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from modelcheck.engine.result import HOLDS, VIOLATED
from modelcheck.kafka.properties import GUARD_NAMES, PROPERTY_NAMES
from modelcheck.spec.document import Rule
from modelcheck.spec.nodes import Source, describe, did_you_mean, is_null, mapping_items
from modelcheck.spec.values import config_key, value_of

VERDICTS = (HOLDS, VIOLATED)


def parse_expect(node: Node, source: Source, reported: tuple[str, ...] | None
                 ) -> tuple[dict[str, str] | tuple[Rule, ...], dict[str, int]]:
    """The expectations written as `node` and, for the mapping form, the line of each property's entry
    (a rule keeps its own, `Rule.lines`); `reported` is the `properties:` list, if any."""
    if is_null(node):
        return {}, {}
    if isinstance(node, SequenceNode):
        return tuple(_rule(item, source, reported) for item in node.value), {}
    if isinstance(node, MappingNode):
        verdicts, _when, lines = _verdicts(node, source, reported, allow_when=False)
        return verdicts, lines
    raise source.error(f"expected a mapping of property: holds | violated, or a list of rules, not "
                       f"{describe(node)}", node=node, key="expect")


def _rule(node: Node, source: Source, reported) -> Rule:
    if not isinstance(node, MappingNode):
        raise source.error(f"each rule must be a mapping such as {{no-loss: holds}}, not {describe(node)}",
                           node=node, key="expect")
    verdicts, when, lines = _verdicts(node, source, reported, allow_when=True)
    if not verdicts:
        raise source.error("a rule must give at least one property: holds | violated", node=node,
                           key="expect")
    return Rule(verdicts=verdicts, when=when, line=source.line_of(node), lines=lines)


def _verdicts(node: MappingNode, source: Source, reported, *, allow_when: bool):
    verdicts: dict[str, str] = {}
    when: dict[str, tuple] = {}
    lines: dict[str, int] = {}
    for name, key_node, value_node in mapping_items(node, source, what="expect", key="expect"):
        if name == "when" and allow_when:
            when = _conditions(value_node, source)
            continue
        key = f"expect.{name}"
        if name == "when":
            raise source.error("a condition belongs to a rule: write expect as a list of rules, e.g. "
                               "- when: {consumer.commit: after-process}", node=key_node, key=key)
        if name not in PROPERTY_NAMES and name not in GUARD_NAMES:
            names = PROPERTY_NAMES + GUARD_NAMES
            hint = did_you_mean(name, names + ("when",) if allow_when else names)
            raise source.error(f"unknown property{hint}", node=key_node, key=key)
        if reported is not None and name not in reported:
            raise source.error(f"{name} is not among the reported properties ({', '.join(reported)})",
                               node=key_node, key=key)
        verdict = value_node.value if isinstance(value_node, ScalarNode) else None
        if verdict not in VERDICTS:
            shown = repr(verdict) if verdict is not None else describe(value_node)
            why = (" (bounded is what a search stopped by a limit reports, never an expectation)"
                   if verdict == "bounded" else "")
            raise source.error(f"{shown} is not one of holds, violated{why}", node=value_node, key=key)
        verdicts[name] = verdict
        if source.line_of(key_node) is not None:
            lines[name] = source.line_of(key_node)
    return verdicts, when, lines


def _conditions(node: Node, source: Source) -> dict[str, tuple]:
    when: dict[str, tuple] = {}
    for name, key_node, value_node in mapping_items(node, source, what="when", key="expect.when"):
        key = config_key(name, source, key_node)
        # A list of values matches any of them; workload.keys, itself a list, needs a list of lists.
        listed = isinstance(value_node, SequenceNode) and (
            key != "workload.keys" or any(isinstance(item, SequenceNode) for item in value_node.value))
        items = value_node.value if listed else [value_node]
        if not items:
            raise source.error("a condition needs at least one value", node=value_node, key=key)
        when[key] = tuple(value_of(key, item, source) for item in items)
    return when


def parse_properties(node: Node, source: Source) -> tuple[str, ...]:
    """The `properties:` list: the property names to report."""
    if not isinstance(node, SequenceNode) or not node.value:
        raise source.error(f"expected a non-empty list of property names, not {describe(node)}", node=node,
                           key="properties")
    names = []
    for item in node.value:
        name = item.value if isinstance(item, ScalarNode) else None
        if name not in PROPERTY_NAMES:
            hint = did_you_mean(str(name), PROPERTY_NAMES) if name is not None else ""
            raise source.error(f"{name!r} is not a property{hint}" if name is not None else
                               f"expected a property name, not {describe(item)}", node=item, key="properties")
        if name in names:
            raise source.error(f"{name} is listed twice", node=item, key="properties")
        names.append(name)
    return tuple(names)
