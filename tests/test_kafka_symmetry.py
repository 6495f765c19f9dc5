"""Symmetry of the write/read model (modelcheck.kafka.symmetry): where the consumers are interchangeable,
the steps commute with every permutation of the consumer slots, the reduced search finds exactly one
state per class of the plain search's states and the same verdicts, and its counterexamples replay.
"""

from __future__ import annotations

import dataclasses
from itertools import permutations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from modelcheck.engine import VIOLATED, check_replays, explore
from modelcheck.errors import NondeterminismError
from modelcheck.kafka import symmetry
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.model import build_model
from modelcheck.kafka.models import on_actors
from modelcheck.kafka.state import KafkaState
from modelcheck.spec import expand, load_spec
from test_specs_classic import reachable

SPECS = Path(__file__).resolve().parent.parent / "specs"


def config_of(**settings_) -> KafkaConfig:
    config = KafkaConfig()
    for key, value in settings_.items():
        config = config.with_value(key.replace("__", "."), value)
    return config


def group_config(instances=2, partitions=2, rebalance=1, pause=0, crash=0, commit="after-process", messages=2):
    return config_of(cluster__partitions=partitions, workload__messages=messages, workload__keys=["k1", "k2"],
                     consumer__instances=instances, consumer__commit=commit, faults__rebalance=rebalance,
                     faults__consumer__pause=pause, faults__consumer__crash=crash)


def permuted(state: KafkaState, order: tuple[int, ...]) -> KafkaState:
    """`state` with consumer slot `order[i]` moved to slot i and the owners renamed to match."""
    read = state.read
    place = {old: new for new, old in enumerate(order)}
    return state._replace(read=read._replace(
        consumers=tuple(read.consumers[old] for old in order),
        group=read.group._replace(owners=tuple(place[owner] for owner in read.group.owners))))


def verdicts(result) -> dict:
    return {name: prop.verdict for name, prop in result.properties.items()}


def bundled_points() -> list:
    """(spec file stem, Point) of every bundled YAML configuration on the write/read model."""
    return [(path.stem, point) for path in sorted(SPECS.glob("*.yaml")) for point in expand(load_spec(path))
            if not on_actors(point.config)]


# -- where it applies ------------------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ({}, True),                                           # two members, a rebalance
    ({"instances": 3}, True),
    ({"rebalance": 0}, False),                            # owners never change: nothing to reduce
    ({"instances": 1, "rebalance": 0, "pause": 1}, False),   # the one member and its spare never swap roles
    ({"rebalance": 0, "pause": 1}, False),                # a stall hands partitions on once; the zombie stays apart
    ({"pause": 1}, True),                                 # with two members the stall's heir is forced
    ({"instances": 3, "pause": 1}, False),                # with three it is the lowest-numbered other member
])
def test_the_configuration_decides_where_consumers_are_interchangeable(values, expected):
    config = group_config(**values)
    assert symmetry.interchangeable_consumers(config) is expected
    assert (build_model(config).canonical is not None) is expected


def test_of_the_bundled_specs_only_the_rebalancing_group_is_reduced():
    reduced = {name for name, point in bundled_points() if symmetry.interchangeable_consumers(point.config)}
    assert reduced == {"consumer-rebalance"}


# -- the canonical form ----------------------------------------------------------------------------

def test_every_permutation_of_a_state_has_the_same_representative_and_it_is_one_of_them():
    model = build_model(group_config(instances=3, crash=1))
    states = reachable(dataclasses.replace(model, canonical=None))
    moved = [s for s in states if s.read.rebalances and any(c.batch for c in s.read.consumers)]
    assert moved
    for state in moved[:200]:
        images = [permuted(state, order) for order in permutations(range(len(state.read.consumers)))]
        representatives = {model.canonical(image) for image in images}
        assert len(representatives) == 1
        (representative,) = representatives
        assert representative in images and model.canonical(representative) == representative


@pytest.mark.parametrize("values", [{}, {"instances": 3, "crash": 1}, {"pause": 1, "commit": "auto"}])
def test_every_step_commutes_with_every_permutation_of_the_consumers(values):
    """succ(pi(s)) = pi(succ(s)) on every reachable state: the condition for the reduction to be sound."""
    model = dataclasses.replace(build_model(group_config(**values)), canonical=None)
    for state in reachable(model):
        after = {successor for _a, _l, successor in model.successors(state)}
        for order in permutations(range(len(state.read.consumers))):
            image = permuted(state, order)
            assert {s for _a, _l, s in model.successors(image)} == {permuted(s, order) for s in after}


def test_a_stall_with_three_members_does_not_commute_which_is_why_it_is_left_out():
    model = build_model(group_config(instances=3, pause=1))
    assert model.canonical is None
    broken = []
    for state in reachable(model):
        after = {successor for _a, _l, successor in model.successors(state)}
        image = permuted(state, (0, 2, 1, 3))
        if {s for _a, _l, s in model.successors(image)} != {permuted(s, (0, 2, 1, 3)) for s in after}:
            broken.append(state)
    assert broken


# -- the reduced search ----------------------------------------------------------------------------

def assert_reduction_exact(config) -> tuple[int, int]:
    """The reduced search finds one state per class of the plain one's states, with the same verdicts;
    every counterexample it reports replays concretely and fails its property. (plain, reduced) counts."""
    model = build_model(config)
    assert model.canonical is not None
    plain, reduced = explore(model, symmetry=False), explore(model)
    assert verdicts(reduced) == verdicts(plain)
    classes = {model.canonical(state) for state in reachable(model)}
    assert reduced.stats.distinct == len(classes) <= plain.stats.distinct == len(reachable(model))
    predicates = {p.name: p.predicate for p in model.get_properties()}
    for name, prop in reduced.properties.items():
        if prop.verdict == VIOLATED and prop.kind != "sometimes":
            assert check_replays(model, prop.trace)
            assert not predicates[name](prop.trace.last)
            assert len(prop.trace) == len(plain.properties[name].trace)     # still a shortest one
    return plain.stats.distinct, reduced.stats.distinct


def test_every_bundled_configuration_with_interchangeable_consumers_keeps_its_verdicts():
    counts = [assert_reduction_exact(point.config) for _name, point in bundled_points()
              if symmetry.interchangeable_consumers(point.config)]
    assert counts and any(reduced < plain for plain, reduced in counts)


@pytest.mark.parametrize("values", [{"commit": "before-process", "crash": 1},       # no-loss violated
                                    {"instances": 3, "commit": "auto", "crash": 1},   # no-duplicate violated
                                    {"pause": 1}])                                    # a zombie duplicates
def test_counterexamples_found_under_symmetry_replay(values):
    plain, reduced = assert_reduction_exact(group_config(**values))
    assert reduced < plain


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances=st.integers(2, 3), partitions=st.integers(1, 2), rebalance=st.integers(0, 1),
       pause=st.integers(0, 1), crash=st.integers(0, 1), messages=st.integers(1, 2),
       commit=st.sampled_from(["after-process", "before-process", "auto"]))
def test_random_group_configurations_keep_their_verdicts(instances, partitions, rebalance, pause, crash,
                                                         messages, commit):
    config = group_config(instances, partitions, rebalance, pause, crash, commit, messages)
    if symmetry.interchangeable_consumers(config):
        assert_reduction_exact(config)
    else:
        assert build_model(config).canonical is None


@pytest.mark.parametrize("values", [{}, {"commit": "before-process", "crash": 1}])
def test_a_canonical_form_that_forgets_to_rename_the_owners_is_caught(values):
    """Sorting the consumer slots without renaming the owners with them is not a symmetry: the search
    then meets states no run reaches, and the replay of its first witness or counterexample from the
    concrete initial state diverges."""
    model = build_model(group_config(**values))

    def unsound(state):
        return state._replace(read=state.read._replace(consumers=tuple(sorted(
            state.read.consumers, key=lambda c: (c.status, c.generation, c.positions, c.batch or ())))))
    with pytest.raises(NondeterminismError):
        explore(dataclasses.replace(model, canonical=unsound), max_states=20_000)
