# The two commands of the README. Each does all setup on a fresh machine (Debian or Ubuntu with
# python3 >= 3.11 and its venv module, root or sudo for the browser): a virtual environment in .venv,
# so that the system's Python is left alone (Debian's refuses pip installs outside one, PEP 668).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: check test install install-test browser wheel reports benchmark benchmark-kafka-growth fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .

# The test dependencies, and Ray for tests/test_ray.py (which starts a two-node cluster on this machine).
install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,ray]'

# Chromium renders the HTML report in the browser test (Debian's package; no download of its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The main job: check every bundled spec against its expect: block.
check: install
	$(BIN)/modelcheck check specs/

# A wheel in dist/, with the bundled specs inside: `pip install dist/modelcheck-*.whl` installs modelcheck
# anywhere (build/ is removed first: setuptools would put what an earlier build left there in the wheel).
wheel: $(BIN)/python
	rm -rf build dist/modelcheck-*.whl
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w dist .

# The test suite (tests/test_packaging.py builds a wheel and installs it in a fresh virtual environment).
test: install-test browser
	$(BIN)/python -m pytest

# The fuzzer's long run: ten thousand generated specs and command lines (the test suite runs 500).
fuzz: install-test
	FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/test_fuzz.py --hypothesis-show-statistics -p no:cacheprovider

# Regenerate reports/ for the bundled specs (CI fails when the committed ones differ).
reports: install
	$(BIN)/modelcheck report specs/ --out reports/

# Engine speed (TwoPhase, with SPIN side by side when installed), the anchor models against SPIN, and the
# bundled specs' figures.
benchmark: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/anchors.py
	$(BIN)/python benchmarks/specs.py

# The Kafka model's growth table of benchmarks/kafka.md (messages x brokers x partitions x consumers,
# 60 s each; up to about half an hour).
benchmark-kafka-growth: install
	$(BIN)/python benchmarks/kafka_growth.py
