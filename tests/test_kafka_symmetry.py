"""Symmetry of the write/read model (modelcheck.kafka.symmetry): where consumers or brokers are
interchangeable, the steps commute with their permutations, the reduced search finds exactly one state per
class of the plain search's states and the same verdicts, and its counterexamples replay.
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
    assert not any(symmetry.interchangeable_brokers(point.config) for _name, point in bundled_points())


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
              if build_model(point.config).canonical is not None]
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


# -- brokers -------------------------------------------------------------------------------------------

def broker_config(brokers=3, factor=3, partitions=1, **values):
    values = {"cluster__brokers": brokers, "cluster__replication__factor": factor, "cluster__partitions": partitions,
              "workload__messages": 2, "faults__broker__crash": 1, **values}
    return config_of(**values)


def swapped(state: KafkaState, first: int, second: int) -> KafkaState:
    """`state` with brokers `first` and `second` swapped on the write side, built here from the fields."""
    swap = {first: second, second: first}

    def broker(b):
        return swap.get(b, b)
    cluster = state.write.cluster
    partitions = tuple(p._replace(leader=None if p.leader is None else broker(p.leader),
                                  isr=frozenset(broker(b) for b in p.isr),
                                  replicas=tuple(p.replica_on(broker(b)) for b in p.brokers))
                       for p in cluster.partitions)
    up = tuple(cluster.up[broker(b)] for b in range(len(cluster.up)))
    write = state.write
    return state._replace(write=write._replace(
        cluster=cluster._replace(up=up, partitions=partitions),
        producer=write.producer._replace(in_flight=tuple(e._replace(broker=broker(e.broker))
                                                         for e in write.producer.in_flight)),
        requests=tuple(r._replace(broker=broker(r.broker)) for r in write.requests)))


@pytest.mark.parametrize("brokers, factor, partitions, classes", [
    (3, 3, 1, ((1, 2),)),      # the two followers of the one partition
    (3, 3, 2, ()),             # broker 1 leads p1: only broker 2 leads nothing
    (2, 2, 1, ()),
    (4, 2, 1, ((2, 3),)),      # two brokers that hold no replica
    (3, 2, 2, ()),             # the growth table's: p0 on 0, 1 and p1 on 1, 2
    (1, 1, 1, ()),
])
def test_followers_with_the_same_partitions_are_interchangeable(brokers, factor, partitions, classes):
    config = broker_config(brokers, factor, partitions)
    assert symmetry.interchangeable_brokers(config) == classes
    assert (build_model(config).canonical is not None) is bool(classes)


@pytest.mark.parametrize("values", [{}, {"producer__acks": "1", "cluster__unclean__leader__election__enable": True},
                                    {"faults__request__lost": 1, "faults__isr__shrink": 1}])
def test_every_step_commutes_with_swapping_two_interchangeable_followers(values):
    model = dataclasses.replace(build_model(broker_config(workload__messages=1, **values)), canonical=None)
    for state in reachable(model):
        after = {successor for _a, _l, successor in model.successors(state)}
        assert {s for _a, _l, s in model.successors(swapped(state, 1, 2))} == {swapped(s, 1, 2) for s in after}


def test_swapping_the_first_leader_with_its_follower_commutes_but_merges_no_reachable_state():
    """Why a broker that leads at the start is left out: the swap is a symmetry of the steps, but its
    images are reachable only through elections, and with one crash none is."""
    model = dataclasses.replace(build_model(broker_config(2, 2, 1, workload__messages=1)), canonical=None)
    states = reachable(model)
    for state in states:
        after = {successor for _a, _l, successor in model.successors(state)}
        assert {s for _a, _l, s in model.successors(swapped(state, 0, 1))} == {swapped(s, 0, 1) for s in after}
    assert not any(swapped(state, 0, 1) in states for state in states)


def test_both_images_of_a_write_side_have_the_same_representative():
    model = build_model(broker_config())
    states = reachable(dataclasses.replace(model, canonical=None))
    moved = [state for state in states if swapped(state, 1, 2) != state]
    assert moved
    for state in moved[:300]:
        assert model.canonical(state) == model.canonical(swapped(state, 1, 2)) in (state, swapped(state, 1, 2))


@pytest.mark.parametrize("values", [{}, {"producer__acks": "1"},
                                    {"consumer__instances": 2, "cluster__partitions": 1, "faults__rebalance": 1,
                                     "faults__consumer__crash": 1}])
def test_interchangeable_followers_keep_the_verdicts(values):
    plain, reduced = assert_reduction_exact(broker_config(**values))
    assert reduced < plain


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.sampled_from([(3, 3, 1), (4, 2, 1), (3, 3, 2), (4, 3, 1)]), acks=st.sampled_from(["all", "1"]),
       crash=st.integers(0, 1), lost=st.integers(0, 1), unclean=st.booleans())
def test_random_broker_configurations_keep_their_verdicts(shape, acks, crash, lost, unclean):
    brokers, factor, partitions = shape
    config = broker_config(brokers, factor, partitions, workload__messages=1, producer__acks=acks,
                           faults__broker__crash=crash, faults__request__lost=lost,
                           cluster__unclean__leader__election__enable=unclean)
    if build_model(config).canonical is not None:
        assert_reduction_exact(config)
