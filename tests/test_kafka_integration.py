"""The bundled Kafka specs through the whole stack: spec file -> KafkaConfig -> model -> exploration.

Every configuration of every bundled YAML spec meets its `expect:` block, every counterexample replays
through the model and fails its property at its last state, and every guard holds.
"""

from pathlib import Path

import pytest

from modelcheck.engine import AT_END, VIOLATED, check_replays
from modelcheck.kafka.models import build_model as checked_model
from modelcheck.kafka.models import on_actors
from modelcheck.kafka.cluster import readable_logs
from modelcheck.kafka.model import build_model, logs_can_shrink
from modelcheck.runner import run_spec
from modelcheck.spec import expand, load_spec

ROOT = Path(__file__).resolve().parents[1]
YAML_SPECS = sorted((ROOT / "specs").glob("*.yaml"))


def test_there_are_bundled_kafka_specs():
    assert len(YAML_SPECS) >= 20


@pytest.mark.parametrize("path", YAML_SPECS, ids=lambda p: p.stem)
def test_spec_meets_its_expectations_and_every_trace_replays(path):
    outcomes = run_spec(path)
    assert outcomes
    for outcome in outcomes:
        assert outcome.expected, f"{path.name} states no expectation"
        assert outcome.result.complete, f"{outcome.name}: stopped by {outcome.result.stopped_by}"
        assert outcome.mismatches == [], f"{outcome.name} {outcome.config}: {outcome.mismatches}"
        predicates = {p.name: p for p in outcome.model.get_properties()}
        for name, prop in outcome.result.properties.items():
            if prop.verdict != VIOLATED or prop.kind == "sometimes":
                continue
            trace = prop.trace
            assert trace is not None and check_replays(outcome.model, trace), f"{name} trace does not replay"
            assert not predicates[name].predicate(trace.last), f"{name} holds at the trace's last state"
            if prop.kind == AT_END:
                assert outcome.model.successors(trace.last) == [], f"{name}: trace does not end in a terminal state"


@pytest.mark.parametrize("path", YAML_SPECS, ids=lambda p: p.stem)
def test_readable_logs_only_grow_unless_an_unclean_election_can_happen(path):
    """The justification for not offering the consumer's out-of-range step (model.logs_can_shrink)."""
    for point in expand(load_spec(path)):
        if logs_can_shrink(point.config) or on_actors(point.config):   # the write/read-side model's justification
            continue
        model = build_model(point.config)
        # Explore (state, last log seen readable on the path) pairs, so that a log going offline and
        # coming back shorter is caught too.
        config = point.config
        start = [(state, readable_logs(config, state.write)) for state in model.get_initial_states()]
        seen = set(start)
        frontier = list(start)
        while frontier:
            state, last = frontier.pop()
            for _action, _label, after in model.successors(state):
                now = readable_logs(config, after.write)
                for old, new in zip(last, now):
                    if old is not None and new is not None:
                        assert new[:len(old)] == old, f"{path.name}: a readable log shrank or changed"
                remembered = tuple(new if new is not None else old for old, new in zip(last, now))
                if (after, remembered) not in seen:
                    seen.add((after, remembered))
                    frontier.append((after, remembered))


@pytest.mark.parametrize("name", ["broker-acks-1-failover", "consumer-pause-zombie"])
def test_kafka_results_do_not_depend_on_the_hash_seed(name):
    """Same counts, verdicts and traces under any PYTHONHASHSEED (the model iterates in a fixed order)."""
    import json
    import os
    import subprocess
    import sys
    documents = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-m", "modelcheck.cli", "explore", str(ROOT / "specs" / f"{name}.yaml"),
                              "--format", "json", "--quiet"], capture_output=True, text=True, env=env, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        document = json.loads(out.stdout)
        for config in document.get("configs", [document]):
            config["stats"].pop("seconds")
        documents.append(document)
    assert documents[0] == documents[1] == documents[2]


def test_every_guard_a_bundled_spec_builds_is_a_known_guard_name():
    from modelcheck.engine import SOMETIMES
    from modelcheck.kafka.properties import GUARD_NAMES
    for path in YAML_SPECS:
        for point in expand(load_spec(path)):
            for prop in checked_model(point.config).get_properties():
                if prop.kind == SOMETIMES:
                    assert prop.name in GUARD_NAMES, f"{path.name}: guard {prop.name} is not in GUARD_NAMES"


def test_parallel_search_agrees_with_one_process_on_every_bundled_configuration():
    from modelcheck.engine import explore
    for path in YAML_SPECS:
        for point in expand(load_spec(path)):
            model = checked_model(point.config)
            one, two = explore(model), explore(model, workers=2)
            where = f"{path.name} {point.label}"
            assert (one.stats.distinct, one.stats.generated, one.stats.depth, one.stats.terminal) == \
                (two.stats.distinct, two.stats.generated, two.stats.depth, two.stats.terminal), where
            for name, prop in one.properties.items():
                other = two.properties[name]
                assert prop.verdict == other.verdict, f"{where}: {name}"
                if prop.verdict == VIOLATED and prop.kind != "sometimes":
                    assert len(prop.trace) == len(other.trace), f"{where}: {name} trace length"
                    assert check_replays(model, other.trace)
