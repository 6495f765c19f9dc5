# The two commands of the README. Each does all setup on a fresh machine (Debian, Python 3.11+, root or sudo).
PYTHON ?= python3

.PHONY: check test install install-test browser reports benchmark

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e .

install-test:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'

# Chromium renders the HTML report in the browser test (Debian's package; no download of its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The main job: check every bundled spec against its expect: block.
check: install
	modelcheck check specs/

# The test suite.
test: install-test browser
	$(PYTHON) -m pytest

# Regenerate reports/ for the bundled specs (CI fails when the committed ones differ).
reports: install
	modelcheck report specs/ --out reports/

benchmark: install
	$(PYTHON) benchmarks/run.py
