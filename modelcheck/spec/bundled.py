"""Where the bundled specs are: the specs that ship with modelcheck, one per claim it checks.

The repository keeps them in `specs/` at its root, where a reader of the repository looks for them.
`modelcheck/specs` is a symbolic link to that folder, so that building the package copies them into it:
a wheel carries them as `modelcheck/specs/` (`pyproject.toml`: the YAML files as package data, the
Python specs as the modules of `modelcheck.specs`), and an installed modelcheck finds them beside its
own code, from any working directory. In a source checkout the link leads back to `specs/`: one copy of
each spec either way, and no build step that copies files. What this leaves out: a checkout made without
symbolic links (git's `core.symlinks=false`, on Windows) has no bundled specs until it is built or
installed; `bundled_specs` then says so.
"""

from __future__ import annotations

from pathlib import Path

from modelcheck.errors import ModelcheckError

LINK = Path(__file__).resolve().parents[1] / "specs"


def bundled_specs() -> Path:
    """The directory of the bundled specs (`specs/` of the repository in a source checkout)."""
    directory = LINK.resolve()
    if not directory.is_dir():
        raise ModelcheckError(f"the bundled specs are missing: {LINK} is not a directory (a source checkout "
                              f"made without symbolic links? Install modelcheck, or name a directory)")
    return directory
