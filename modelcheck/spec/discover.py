"""Finding the spec files `modelcheck check SPEC_OR_DIR ...` should run.

A file named on the command line is taken as it is (if it has a spec's suffix). A directory stands for
its own `*.yaml`, `*.yml` and `*.py` files, sorted by name, leaving out those whose name starts with `_`
(helpers, `__init__.py`); it does not descend into subdirectories. A path that does not exist, or a
directory with no spec in it, is an error: a CI gate that silently checks nothing would pass forever.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from modelcheck.errors import InvalidSpec

SUFFIXES = (".yaml", ".yml", ".py")


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The spec files named by `paths`, in order, each once."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            specs = sorted((child for child in path.iterdir()
                            if child.is_file() and child.suffix in SUFFIXES and not child.name.startswith("_")),
                           key=lambda child: child.name)
            if not specs:
                raise InvalidSpec(f"no spec files ({', '.join('*' + s for s in SUFFIXES)}) in this directory",
                                  file=str(given))
            candidates = specs
        elif path.is_file():
            if path.suffix not in SUFFIXES:
                raise InvalidSpec(f"not a spec file: a spec ends in {', '.join(SUFFIXES)}", file=str(given))
            candidates = [path]
        else:
            raise InvalidSpec("no such file or directory", file=str(given))
        for candidate in candidates:
            if candidate not in found:
                found.append(candidate)
    return found


def is_python_spec(path: str | Path) -> bool:
    return Path(path).suffix == ".py"
