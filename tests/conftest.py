"""Shared fixtures: loading the bundled Python specs, and models built from explicit transition systems.

Keep this file small and generic; fixtures that only one test module needs belong in that module.
The fixtures here are session-scoped factories, so hypothesis tests may use them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import settings

from modelcheck.engine import Action, Model

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"

# No time limit per hypothesis example: these machines are shared and their clocks noisy, and what the
# property tests check is what the search finds, not how fast (benchmarks/ measures that). Under load the
# default 200 ms deadline failed examples that pass on a rerun.
settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")


@pytest.fixture(autouse=True)
def _outside_environment_ignored(monkeypatch):
    """No test reads or writes what the environment points at outside the repository: `check` appends
    to $GITHUB_STEP_SUMMARY when it is set (as on GitHub's runners), and MODELCHECK_DEBUG changes
    what an internal error prints. Tests that need either set it themselves."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("MODELCHECK_DEBUG", raising=False)


@pytest.fixture(scope="session")
def load_python_spec():
    """`load_python_spec("tcommit")` imports specs/tcommit.py as a module (once per session)."""
    loaded = {}

    def load(name: str):
        if name not in loaded:
            path = SPECS / f"{name}.py"
            spec = importlib.util.spec_from_file_location(f"specs_{name}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            loaded[name] = module
        return loaded[name]

    return load


def transition_system(initial, edges, *, properties=(), done=None, labels=None,
                      name="transition-system") -> Model:
    """A `Model` over the states and labelled edges given explicitly.

    `edges` is a sequence of `(source, label, target)`; each label (of `labels`, by default those the
    edges use) becomes an action named `do <label>`, whose steps are that label's edges from a state,
    in the order given.
    """
    labels = sorted(set(labels or ()) | {label for _source, label, _target in edges})
    by_label = {label: {} for label in labels}
    for source, label, target in edges:
        by_label[label].setdefault(source, []).append((label, target))

    def action(label):
        table = by_label[label]
        return Action(f"do {label}", lambda state: list(table.get(state, ())))

    return Model(name=name, initial_states=list(initial), actions=[action(label) for label in labels],
                 properties=list(properties), done=done)


@pytest.fixture(scope="session")
def make_transition_system():
    """The `transition_system` factory: a model from explicit initial states and labelled edges."""
    return transition_system
