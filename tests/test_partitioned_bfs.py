"""The search split over partitions that own the fingerprints (`engine.partitioned_bfs`), its partitions
in this process (`LocalPartitions`): the counts, verdicts and traces of the one-process fingerprint
search for any number of partitions, limits that leave verdicts bounded, and what it refuses. The same
search over Ray actors on a cluster is tested in tests/test_ray.py."""

from __future__ import annotations

import pytest

from modelcheck.engine import Action, Model, always
from modelcheck.engine.fingerprint_bfs import fingerprint_bfs
from modelcheck.engine.limits import Limits
from modelcheck.engine.partitioned_bfs import INITIAL, LocalPartitions, partitioned_bfs
from modelcheck.errors import ModelcheckError, NondeterminismError
from modelcheck.runner import load_models
from modelcheck.spec import load_python_spec
from test_fingerprints import SPECS, assert_traces_reproduce, counter_model, fickle_model, summary


def limited(options: dict) -> Limits:
    return Limits(**{name: options.pop(name) for name in ("max_states", "max_depth", "time_limit") if name in options})


def searched(model, count, **options):
    limits = limited(options)
    return partitioned_bfs(model, LocalPartitions(model, count), limits, **options)


def assert_same_as_one_process(model, counts=(1, 2, 3), **options):
    limits = limited(options)
    one = fingerprint_bfs(model, limits, **options)
    for count in counts:
        result = partitioned_bfs(model, LocalPartitions(model, count), limits, **options)
        assert summary(result) == summary(one), count
        assert {name: prop.trace for name, prop in result.properties.items()} == \
               {name: prop.trace for name, prop in one.properties.items()}       # the very traces
        assert result.stats.workers == count
        assert_traces_reproduce(model, result)
    return one


@pytest.mark.parametrize("name, params", [("tcommit.py", {"rms": "5"}), ("two_phase_actors.py", {}),
                                          ("two_phase_commit.py", {"rms": "4", "symmetry": "true"})])
def test_python_specs_give_what_one_process_gives(name, params):
    one = assert_same_as_one_process(load_python_spec(SPECS / name, params))
    assert one.stats.distinct > 100


@pytest.mark.parametrize("name", ["producer-retry-duplicates.yaml", "broker-acks-1-failover.yaml",
                                  "database-in-batch-dedupe.yaml"])
def test_kafka_specs_with_violations_give_what_one_process_gives(name):
    verdicts = set()
    for job in load_models(SPECS / name):
        one = assert_same_as_one_process(job.model, counts=(2, 3))
        verdicts |= {prop.verdict for prop in one.properties.values()}
    assert "violated" in verdicts                  # the comparison covers counterexamples


@pytest.mark.parametrize("options", [{}, {"keep_going": True}, {"max_depth": 3}])
def test_constraint_step_and_at_end_properties_as_in_one_process(options):
    one = assert_same_as_one_process(counter_model(), counts=(1, 2, 4), **options)
    assert {prop.verdict for prop in one.properties.values()} >= {"violated", "holds"}


def test_max_states_stops_between_levels_and_leaves_the_open_verdicts_bounded():
    model = load_python_spec(SPECS / "two_phase_commit.py", {"rms": "5"})
    result = searched(model, 3, max_states=500)
    assert result.stopped_by == "max_states" and result.stats.queue > 0
    assert 500 <= result.stats.distinct < fingerprint_bfs(model).stats.distinct
    assert result.properties["TCConsistent"].verdict == "bounded"      # never "holds"
    assert result.properties["some-abort"].verdict == "holds"          # a witness found is one


def test_a_time_limit_stops_the_search_with_its_verdicts_bounded():
    model = load_python_spec(SPECS / "two_phase_commit.py", {"rms": "8"})
    result = searched(model, 2, time_limit=0.3, keep_going=True)
    assert result.stopped_by == "time_limit"
    assert result.properties["TCConsistent"].verdict == "bounded"
    assert 0 < result.stats.queue < result.stats.distinct < 1_745_408


def test_positions_past_255_and_many_initial_states_replay_to_the_right_states():
    def fan_out(state):
        return [(f"to {index}", ("fan", index)) for index in range(1000)] if state == ("start", 299) else []

    model = Model(name="wide", initial_states=[("start", index) for index in range(300)],
                  actions=[Action("Fan", fan_out)], properties=[always("not-the-last", lambda s: s != ("fan", 999))])
    result = searched(model, 3)
    assert summary(result) == summary(fingerprint_bfs(model))
    assert result.properties["not-the-last"].trace.steps[-1].label == "to 999"


def test_parent_links_cross_partitions_back_to_an_initial_state():
    model = load_python_spec(SPECS / "tcommit.py", {"rms": "7"})
    partitions = LocalPartitions(model, 3)
    partitioned_bfs(model, partitions, keep_going=True)
    owners = set()
    for index, partition in enumerate(partitions.partitions):
        for number in range(len(partition.positions)):
            owners.add(partition.link(number)[0] == index)
    assert owners == {True, False}                 # some parents in the same partition, some elsewhere
    assert sum(len(partition.positions) for partition in partitions.partitions) == 2314
    assert [partition.link(0)[0] for partition in partitions.partitions].count(INITIAL) == 1


def test_a_trace_that_replays_elsewhere_is_called_nondeterminism():
    with pytest.raises(NondeterminismError, match="nondeterministic"):
        searched(fickle_model(), 2)


def test_temporal_properties_are_refused_with_what_to_do():
    model = load_python_spec(SPECS / "simple_allocator.py", {})
    with pytest.raises(ModelcheckError, match="temporal properties .* search it without --ray-partitions"):
        searched(model, 2)
