"""Reading YAML as a tree of nodes that remember their line, so every error can point at it.

PyYAML's `compose` (with the safe loader) gives the document as nodes before any Python value is built;
each node carries the position it was read from. The spec layer walks that tree itself instead of
`yaml.safe_load`, which forgets positions and silently keeps the last of two equal keys.

`Source` names where a piece of YAML came from: a spec file (with line numbers) or a command-line
option such as `--set producer.acks` (a one-line text whose line numbers would mean nothing).
Leaves out: YAML tags beyond the safe loader's, and merge keys (`<<`), which a spec has no use for.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from modelcheck.errors import InvalidSpec

NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Source:
    """Where YAML text came from: `name` as errors show it; `has_lines` is False for command-line text."""

    name: str
    has_lines: bool = True

    def line_of(self, node: Node | None) -> int | None:
        if node is None or not self.has_lines:
            return None
        return node.start_mark.line + 1

    def error(self, message: str, *, node: Node | None = None, key: str | None = None) -> InvalidSpec:
        return InvalidSpec(message, file=self.name, line=self.line_of(node), key=key)


def compose(text: str, source: Source) -> Node | None:
    """The one YAML document in `text` as a node tree (None for an empty document)."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None and source.has_lines else None
        problem = " ".join(part for part in (error.context, error.problem) if part)
        if "expected a single document" in problem:
            problem = "a spec holds one YAML document; remove the extra '---'"
        raise InvalidSpec(f"not valid YAML: {problem}", file=source.name, line=line) from None
    except yaml.YAMLError as error:
        raise InvalidSpec(f"not valid YAML: {error}", file=source.name) from None


def python_value(node: Node) -> Any:
    """The plain Python value of a node, as `yaml.safe_load` would build it."""
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except ConstructorError as error:
        raise InvalidSpec(f"not valid YAML: {error.problem}") from None


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def mapping_items(node: Node, source: Source, *, what: str, key: str | None = None
                  ) -> Iterator[tuple[str, Node, Node]]:
    """(key text, key node, value node) of a mapping, refusing non-mappings, non-text and repeated keys."""
    if not isinstance(node, MappingNode):
        raise source.error(f"{what} must be a mapping of names to values, not {describe(node)}",
                           node=node, key=key)
    seen: dict[str, Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == NULL_TAG:
            raise source.error(f"{what}: a key must be a name, not {describe(key_node)}", node=key_node,
                               key=key)
        name = str(key_node.value)
        if name in seen:
            full = f"{key}.{name}" if key else name
            first = source.line_of(seen[name])
            again = f" (first given on line {first})" if first else ""
            raise source.error(f"given twice{again}", node=key_node, key=full)
        seen[name] = key_node
        yield name, key_node, value_node


def describe(node: Node) -> str:
    """A node in words, for 'expected X, not Y' messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "null"
    if node.tag == BOOL_TAG:
        return f"the boolean {node.value}"
    if node.tag in (INT_TAG, FLOAT_TAG):
        return f"the number {node.value}"
    return f"the text {node.value!r}"


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to a misspelled `name`, if one is near enough.

    Spellings that differ only in case or in `_` / `-` / `.` (enable_idempotence, on_abort) match first.
    """
    candidates = list(candidates)

    def plain(text: str) -> str:
        return text.lower().replace("_", ".").replace("-", ".")

    for candidate in candidates:
        if plain(candidate) == plain(name):
            return candidate
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """'; did you mean X?' when a candidate is near, else the list of valid names."""
    candidates = list(candidates)
    nearest = suggest(name, candidates)
    if nearest is not None:
        return f"; did you mean {nearest}?"
    return f"; expected one of {', '.join(candidates)}"
