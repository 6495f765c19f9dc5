"""A pytest plugin: a project's own test suite asserts the verdicts of its specs.

```python
import pytest

@pytest.mark.modelcheck_spec("specs/orders-consumer.yaml")
def test_orders_consumer_does_not_lose(verdict):
    assert verdict("no-loss") == "holds"
    assert verdict("no-duplicate") == "violated"      # at-least-once: known, and pinned
```

- The marker `modelcheck_spec(path, **options)` names a spec file, relative to pytest's rootdir (or
  absolute); `options` are those of `modelcheck.check` (`sets`, `sweeps`, `params`, `max_states`,
  `time_limit`, `max_memory`, `workers`).
- The fixture `verdict(property, config=None)` is `Checked.verdict` of that spec: "holds",
  "violated" or "bounded"; in a sweep, `config` ({"consumer.commit": "auto"}) picks the configuration.
- The fixture `modelcheck_check(path, **options)` is `modelcheck.check` for tests that want the
  outcomes themselves.

Each spec is explored once per test session for the same options, however many tests ask. An invalid
spec fails the test with the loader's message (file, line, key), not a traceback into modelcheck.

Installed with modelcheck, pytest loads the plugin through the `pytest11` entry point named
`modelcheck.pytest_plugin` (the module's own name, so that `-p modelcheck.pytest_plugin`, which works
without an install, never registers it twice). Leaves out: pytest-xdist sharing of the cache (each
worker explores a spec it needs once).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.errors import ModelcheckError

MARKER = "modelcheck_spec"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}(path, **options): the spec whose verdicts the `verdict` "
                                       "fixture gives (options as modelcheck.check's)")


@pytest.fixture(scope="session")
def _modelcheck_runs():
    """The session's cache: (spec file, options) -> Checked."""
    return {}


@pytest.fixture
def modelcheck_check(request, _modelcheck_runs):
    """`modelcheck.check(path, **options)` with paths relative to the rootdir, once per session each."""
    from modelcheck.api import check

    def run(path, **options):
        file = Path(path) if Path(path).is_absolute() else Path(request.config.rootpath) / path
        key = (str(file), repr(sorted(options.items())))
        if key not in _modelcheck_runs:
            try:
                _modelcheck_runs[key] = check(file, **options)
            except ModelcheckError as error:
                pytest.fail(f"modelcheck: {error}", pytrace=False)
        return _modelcheck_runs[key]

    return run


@pytest.fixture
def verdict(request, modelcheck_check):
    """`verdict(property, config=None)`: the verdict of a property of the spec the test's
    `@pytest.mark.modelcheck_spec(path)` names."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None or not marker.args:
        pytest.fail(f"the verdict fixture needs the spec it is about: @pytest.mark.{MARKER}(\"specs/NAME.yaml\")",
                    pytrace=False)
    checked = modelcheck_check(marker.args[0], **marker.kwargs)

    def lookup(name: str, config=None, *, spec: str | None = None) -> str:
        try:
            return checked.verdict(name, config, spec=spec)
        except ModelcheckError as error:
            pytest.fail(f"modelcheck: {error}", pytrace=False)

    return lookup
