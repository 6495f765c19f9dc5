"""Reading YAML as a tree of nodes that remember their line, so every error can point at it.

PyYAML's `compose` (with the safe loader) gives the document as nodes before any Python value is built;
each node carries the position it was read from. The spec layer walks that tree itself instead of
`yaml.safe_load`, which forgets positions and silently keeps the last of two equal keys.

`Source` names where a piece of YAML came from: a spec file (with line numbers) or a command-line
option such as `--set producer.acks` (a one-line text whose line numbers would mean nothing).
`compose` refuses, with a line, what would otherwise escape as a Python exception: control characters,
nesting deeper than any spec needs (PyYAML's composer recurses once per level), values their tag
cannot read (`!!int abc`, `!!bool maybe`, an unknown `!tag`), so every later `python_value` succeeds,
and text that cannot be written out (a lone surrogate such as "\ud800").
Leaves out: YAML tags beyond the safe loader's, and merge keys (`<<`), which a spec has no use for.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.reader import ReaderError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from modelcheck.errors import InvalidSpec

NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
MERGE_TAG = "tag:yaml.org,2002:merge"

# Mappings and lists nested deeper than this are refused. A spec is at most four levels deep (expect:, a
# rule, when:, a list); the bound only keeps a pathological file from exhausting Python's stack.
MAX_NESTING = 32


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
    """The one YAML document in `text` as a node tree (None for an empty document).

    Every scalar of the tree can be built as its tag says, and no collection carries a tag, so the
    spec layer meets no YAML error later; any problem is an InvalidSpec with the line and, inside a
    mapping, the dotted key.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except ReaderError as error:
        # Not a MarkedYAMLError: it carries a character offset, not a line.
        line = text.count("\n", 0, error.position) + 1 if source.has_lines else None
        what = f"U+{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        raise InvalidSpec(f"not valid YAML: the control character {what} is not allowed (inside double "
                          f"quotes, write it as an escape such as \\x01)", file=source.name,
                          line=line) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None and source.has_lines else None
        problem = " ".join(part for part in (error.context, error.problem) if part)
        if "expected a single document" in problem:
            problem = "a spec holds one YAML document; remove the extra '---'"
        raise InvalidSpec(f"not valid YAML: {problem}", file=source.name, line=line) from None
    except yaml.YAMLError as error:
        raise InvalidSpec(f"not valid YAML: {error}", file=source.name) from None
    if root is not None:
        _check_values(root, source)
    return root


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than MAX_NESTING with the line where it goes too deep.

    PyYAML's composer calls itself once per level, so a thousand `[` would otherwise end in a
    RecursionError instead of an error message.
    """

    nesting = 0

    def compose_node(self, parent, index):
        if self.nesting >= MAX_NESTING:
            raise ComposerError(None, None, f"nested more than {MAX_NESTING} levels deep; a spec needs a few",
                                self.peek_event().start_mark)
        self.nesting += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.nesting -= 1


def _check_values(root: Node, source: Source):
    """Refuse, first in the file, what no spec holds: a scalar its tag cannot read, an unknown tag, a
    tagged mapping or list, a merge key, and text that is not valid Unicode (a lone surrogate).

    The walk is iterative and visits a node shared through an alias once, so neither deep nor
    self-referencing YAML can make it recurse or repeat.
    """
    constructor = SafeConstructor()
    stack: list[tuple[Node, str | None]] = [(root, None)]
    seen: set[int] = set()
    while stack:
        node, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.tag == MERGE_TAG:
                raise source.error("a spec has no merge keys (<<); write the keys out", node=node, key=key)
            try:
                constructor.construct_object(node)
            except Exception:   # noqa: BLE001 -- PyYAML raises ValueError, KeyError, ConstructorError...
                raise source.error(f"not valid YAML: {_shown(node.value)} cannot be read as "
                                   f"{_tag_name(node.tag)}", node=node, key=key) from None
            try:
                str(node.value).encode("utf-8")
            except UnicodeEncodeError:          # a lone surrogate, from an escape such as "\ud800"
                raise source.error(f"{_shown(node.value)} is not valid Unicode text (a lone surrogate)",
                                   node=node, key=key) from None
            continue
        expected = SEQ_TAG if isinstance(node, SequenceNode) else MAP_TAG
        if node.tag != expected:
            raise source.error(f"not valid YAML here: a spec uses no tag such as {_tag_name(node.tag)} on "
                               f"{describe(node)}", node=node, key=key)
        if isinstance(node, SequenceNode):
            stack.extend((item, key) for item in reversed(node.value))
            continue
        for key_node, value_node in reversed(node.value):
            name = str(key_node.value) if isinstance(key_node, ScalarNode) else None
            stack.append((value_node, f"{key}.{name}" if key and name else name or key))
            stack.append((key_node, key))


def _shown(text: str, limit: int = 40) -> str:
    """`text` quoted for a message, cut short when it is long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def _tag_name(tag: str) -> str:
    """'!!int' for YAML's own tags, the tag itself otherwise."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


def python_value(node: Node) -> Any:
    """The plain Python value of a node, as `yaml.safe_load` would build it."""
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except ConstructorError as error:
        raise InvalidSpec(f"not valid YAML: {error.problem}") from None
    except Exception as error:   # noqa: BLE001 -- not reached for a tree from `compose`, which checks
        raise InvalidSpec(f"not valid YAML: {_shown(node.value)} cannot be read as {_tag_name(node.tag)} "
                          f"({type(error).__name__})") from None


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def mapping_items(node: Node, source: Source, *, what: str, key: str | None = None,
                  errors: list[InvalidSpec] | None = None) -> Iterator[tuple[str, Node, Node]]:
    """(key text, key node, value node) of a mapping, refusing non-mappings, non-text and repeated keys.

    With an `errors` list, a bad or repeated key is added to it and skipped, so that the caller goes
    on to the next one (a spec reports every problem at once); without, it is raised.
    """
    if not isinstance(node, MappingNode):
        raise source.error(f"{what} must be a mapping of names to values, not {describe(node)}",
                           node=node, key=key)
    seen: dict[str, Node] = {}
    for key_node, value_node in node.value:
        problem = None
        if not isinstance(key_node, ScalarNode) or key_node.tag == NULL_TAG:
            problem = source.error(f"{what}: a key must be a name, not {describe(key_node)}", node=key_node,
                                   key=key)
        elif str(key_node.value) in seen:
            name = str(key_node.value)
            full = f"{key}.{name}" if key else name
            first = source.line_of(seen[name])
            again = f" (first given on line {first})" if first else ""
            problem = source.error(f"given twice{again}", node=key_node, key=full)
        if problem is not None:
            if errors is None:
                raise problem
            errors.append(problem)
            continue
        name = str(key_node.value)
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
    return f"the text {_shown(node.value)}"


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
