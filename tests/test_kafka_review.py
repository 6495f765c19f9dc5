"""The bundled Kafka specs as a whole: every property the model builds is shown both ways, every verdict
is pinned, and every article claim has its spec and its row in docs/kafka-model.md.

A property that no bundled spec violates proves nothing (the model might not be able to break it), and
one that no spec lets hold proves nothing either. Each configuration's `expect:` names every property
its model builds, except the verdicts listed in UNPINNED, which rest on a simplification of the model
(the spec's description says which one).
"""

import re
import time
from pathlib import Path

import pytest

from modelcheck.engine import explore
from modelcheck.engine.model import SOMETIMES
from modelcheck.kafka.model import build_model
from modelcheck.runner import run_spec
from modelcheck.spec import load_spec
from modelcheck.spec.configuration import build_config

ROOT = Path(__file__).resolve().parents[1]
YAML_SPECS = sorted((ROOT / "specs").glob("*.yaml"))
DOC = ROOT / "docs" / "kafka-model.md"
ARTICLE = re.compile(r'\barticle (\d{3}) \("([^"]+)"\)')     # article 004 ("Pretending to know Kafka")


def article_titles() -> dict[str, str]:
    """The source articles' numbers and English titles, from the table in docs/kafka-model.md."""
    rows = re.findall(r"^\| (\d{3}) \| ([^|]+?) \|", DOC.read_text(), re.M)
    return dict(rows)

# Verdicts a spec deliberately leaves out of expect:, with the reason (see the spec's description).
UNPINNED = {
    ("producer-in-flight-reorder",
     (("producer.enable.idempotence", False), ("producer.max.in.flight.requests.per.connection", 2))):
        {"no-duplicate", "no-log-duplicate"},   # a lost request times out alone; Kafka closes the connection
}

# Properties the model builds but no configuration can violate yet, with why (docs/kafka-model.md).
NEVER_VIOLATED: dict[str, str] = {}


@pytest.fixture(scope="module")
def outcomes():
    """Every configuration of every bundled YAML spec, explored once, with its wall time."""
    out = []
    for path in YAML_SPECS:
        started = time.perf_counter()
        results = run_spec(path)
        elapsed = time.perf_counter() - started
        out.extend((path, outcome, elapsed) for outcome in results)
    return out


def _built(outcome) -> dict[str, str]:
    """property -> verdict, for the properties (not the guards) the configuration's model builds."""
    return {name: prop.verdict for name, prop in outcome.result.properties.items() if prop.kind != SOMETIMES}


def test_every_built_property_is_violated_somewhere_and_holds_somewhere(outcomes):
    seen: dict[str, set[str]] = {}
    for _path, outcome, _elapsed in outcomes:
        for name, verdict in _built(outcome).items():
            seen.setdefault(name, set()).add(verdict)
    assert {"no-loss", "no-duplicate", "no-log-duplicate", "key-order", "acked-durable", "consistency",
            "progress"} <= set(seen)
    for name, verdicts in sorted(seen.items()):
        if name in NEVER_VIOLATED:
            assert verdicts == {"holds"}, (
                f"{name} is now violated somewhere: pin it in that spec and drop it from NEVER_VIOLATED")
        else:
            assert verdicts == {"holds", "violated"}, f"{name}: only {sorted(verdicts)} across the bundled specs"


def test_never_violated_properties_are_explained_in_the_doc():
    text = DOC.read_text()
    for name in NEVER_VIOLATED:
        assert f"`{name}`" in text and "never violated" in text


def test_every_configuration_pins_every_built_property(outcomes):
    for path, outcome, _elapsed in outcomes:
        key = (outcome.name, tuple(sorted(outcome.config.items())))
        left_out = UNPINNED.get(key, set())
        missing = set(_built(outcome)) - set(outcome.expected) - left_out
        assert not missing, f"{path.name} {outcome.config}: no expectation for {sorted(missing)}"
        assert not (left_out & set(outcome.expected)), f"{path.name} pins a verdict listed as unpinned"
        assert outcome.mismatches == [], f"{path.name} {outcome.config}: {outcome.mismatches}"


def test_unpinned_verdicts_belong_to_real_configurations(outcomes):
    keys = {(outcome.name, tuple(sorted(outcome.config.items()))) for _p, outcome, _e in outcomes}
    assert set(UNPINNED) <= keys


# A bundled spec stays small enough for `make check` and CI: its configurations together stay under this
# many distinct states (counted, not timed: these machines are shared and their clocks noisy; the
# seconds are in benchmarks/specs.md).
MAX_STATES_PER_SPEC = 300_000


def test_every_bundled_spec_explores_completely_and_stays_small(outcomes):
    per_spec: dict[Path, int] = {}
    for path, outcome, _elapsed in outcomes:
        assert outcome.result.complete, f"{path.name}: stopped by {outcome.result.stopped_by}"
        per_spec[path] = per_spec.get(path, 0) + outcome.result.stats.distinct
    large = {path.name: states for path, states in per_spec.items() if states >= MAX_STATES_PER_SPEC}
    assert not large, f"specs with more than {MAX_STATES_PER_SPEC:,} states: {large}"


@pytest.mark.parametrize("path", YAML_SPECS, ids=lambda p: p.stem)
def test_spec_description_names_its_article_by_title(path):
    """By the number and title of docs/kafka-model.md's table, never by a file name."""
    description = " ".join((load_spec(path).description or "").split())
    cited = ARTICLE.findall(description)
    assert cited, f"{path.name}: the description names no source article"
    titles = article_titles()
    assert len(titles) == 5
    for number, title in cited:
        assert titles.get(number) == title, f"{path.name}: article {number} is {titles.get(number)!r}, not {title!r}"
    assert not re.search(r"\b00[0-4]_[0-9a-f]{16}\.txt\b", description), f"{path.name}: a file name, not a title"


def test_doc_claim_table_lists_every_bundled_spec():
    text = DOC.read_text()
    rows = [line for line in text.splitlines() if line.startswith("|")]
    for path in YAML_SPECS:
        assert any(f"`{path.stem}`" in row for row in rows), f"{path.stem} has no row in {DOC.name}"
    named = set(re.findall(r"`([a-z0-9-]+)`", "\n".join(rows)))
    stems = {path.stem for path in YAML_SPECS}
    spec_like = {name for name in named if name.split("-")[0] in
                 {"app", "broker", "consumer", "database", "http", "partition", "producer", "transaction", "transform"}}
    assert spec_like <= stems, f"rows name specs that do not exist: {sorted(spec_like - stems)}"


# -- a model bug found in review, kept fixed ---------------------------------------------------------

def _key_order(idempotent: bool) -> str:
    config = build_config({
        "workload.messages": 3, "producer.enable.idempotence": idempotent,
        "producer.max.in.flight.requests.per.connection": 2, "producer.retries": 1,
        "faults.request.lost": 2}, {})
    return explore(build_model(config), max_states=100_000).properties["key-order"].verdict


def test_idempotent_producer_keeps_order_across_an_epoch_bump():
    """e1's request is lost twice, so e1 fails for good and the producer bumps its epoch while e2 (old
    epoch) is still in flight. The Java client does not send e3 in the new epoch until e2 is back
    (RecordAccumulator.shouldStopDrainBatchesForPartition); before the fix e3 got sequence 0 of the new
    epoch and was written before e2."""
    assert _key_order(idempotent=True) == "holds"


def test_the_same_faults_reorder_without_idempotence():
    assert _key_order(idempotent=False) == "violated"
