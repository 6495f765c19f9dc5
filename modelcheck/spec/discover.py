"""Finding the spec files `modelcheck check SPEC_OR_DIR ...` should run, and only those.

A file named on the command line is taken as it is (if it has a spec's suffix): naming it says it is a
spec, and if it is not one, loading it says why. A directory stands for the spec files among its own
`*.yaml`, `*.yml` and `*.py` files, sorted by name, leaving out those whose name starts with `_`
(helpers, `__init__.py`); it does not descend into subdirectories. In a directory a file is a spec when
it says so, read without running anything:

- a YAML file is a spec when its one document is a mapping with at least one top-level key that only
  a spec has (`SPEC_KEYS`: the configuration sections, `expect`, `limits`, `sweep`, `properties`, or a
  dotted key such as `producer.acks` that belongs inside a section). `name` and `description` do not
  count: a docker-compose file or a GitHub workflow has a `name:` too. Other YAML (several documents,
  a list, no such key) is skipped with a note. YAML that cannot be read at all is not skipped: it
  may be a spec with a typo, so loading it reports the error with its line.
- a Python file is a spec when it assigns `MODELCHECK_SPEC = True` at module level, found by parsing
  the file (`ast`), never by importing it: a stray script in the folder is not run. A file that does
  not parse counts as a spec when a line starts with that assignment (loading it then reports the
  syntax error), and is skipped otherwise.

A path that does not exist, or a directory with no spec in it, is an error: a CI gate that silently
checks nothing would pass forever.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml
from yaml.nodes import MappingNode, ScalarNode

from modelcheck.errors import InvalidSpec
from modelcheck.spec.values import SECTIONS
from modelcheck.spec.yaml_spec import MAX_BYTES, TOP_LEVEL

SUFFIXES = (".yaml", ".yml", ".py")
# The top-level keys that make a YAML file a spec: all of a spec's own but the two other files share.
SPEC_KEYS = tuple(key for key in TOP_LEVEL if key not in ("name", "description"))
PYTHON_MARKER = "MODELCHECK_SPEC"
_MARKER_LINE = re.compile(rf"^{PYTHON_MARKER}\s*(:[^=\n]*)?=\s*True\b", re.MULTILINE)


@dataclass(frozen=True)
class Skipped:
    """A file of a directory that is not a spec, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


@dataclass
class Discovered:
    specs: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def find_specs(paths: Iterable[str | Path]) -> Discovered:
    """The spec files named by `paths`, in order, each once, and the files of directories skipped."""
    found = Discovered()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = []
            for child in sorted(path.iterdir(), key=lambda child: child.name):
                if not (child.is_file() and child.suffix in SUFFIXES and not child.name.startswith("_")):
                    continue
                reason = not_a_spec(child)
                if reason is None:
                    candidates.append(child)
                else:
                    found.skipped.append(Skipped(child, reason))
            if not candidates:
                skipped = [each.path.name for each in found.skipped if each.path.parent == path]
                also = f" (skipped, not specs: {', '.join(skipped)})" if skipped else ""
                raise InvalidSpec(f"no spec files ({', '.join('*' + s for s in SUFFIXES)}) in this directory"
                                  f"{also}", file=str(given))
        elif path.is_file():
            if path.suffix not in SUFFIXES:
                raise InvalidSpec(f"not a spec file: a spec ends in {', '.join(SUFFIXES)}", file=str(given))
            candidates = [path]
        else:
            raise InvalidSpec("no such file or directory", file=str(given))
        for candidate in candidates:
            if candidate not in found.specs:
                found.specs.append(candidate)
    return found


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The spec files named by `paths` (`find_specs` without the skipped files)."""
    return find_specs(paths).specs


def is_python_spec(path: str | Path) -> bool:
    return Path(path).suffix == ".py"


def not_a_spec(path: Path) -> str | None:
    """Why the file at `path`, found in a directory, is not a spec; None when it is one."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return f"larger than a spec ({MAX_BYTES:,} bytes at most)"
        data = path.read_bytes()
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    if is_python_spec(path):
        return _python_not_a_spec(data)
    return _yaml_not_a_spec(data)


def python_spec_summary(path: str | Path) -> str:
    """The first paragraph of a Python spec's module docstring, read without running the file ("" when
    it has none or cannot be parsed)."""
    try:
        docstring = ast.get_docstring(ast.parse(Path(path).read_bytes())) or ""
    except (OSError, SyntaxError, ValueError):
        return ""
    return docstring.strip().split("\n\n")[0]


def _python_not_a_spec(data: bytes) -> str | None:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        text = data.decode("utf-8", errors="replace")
        return None if _MARKER_LINE.search(text) else f"not valid Python and no {PYTHON_MARKER} = True line"
    for statement in tree.body:
        targets = (statement.targets if isinstance(statement, ast.Assign)
                   else [statement.target] if isinstance(statement, ast.AnnAssign) else [])
        value = getattr(statement, "value", None)
        if any(isinstance(target, ast.Name) and target.id == PYTHON_MARKER for target in targets) \
                and isinstance(value, ast.Constant) and value.value is True:
            return None
    return f"a Python file without {PYTHON_MARKER} = True (not imported)"


def _yaml_not_a_spec(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):
        return None                          # loading it reports the error, with its line
    documents = [document for document in documents if document is not None]
    if len(documents) != 1:
        return "no YAML document" if not documents else f"{len(documents)} YAML documents; a spec is one"
    root = documents[0]
    if not isinstance(root, MappingNode):
        return "its YAML is not a mapping of keys"
    keys = [key.value for key, _value in root.value if isinstance(key, ScalarNode)]
    if any(key in SPEC_KEYS or str(key).partition(".")[0] in SECTIONS for key in keys):
        return None
    return f"no top-level key of a spec ({', '.join(SPEC_KEYS)})"
