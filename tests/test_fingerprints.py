"""The fingerprint seen-set (`--seen-set fingerprint`): the same counts, verdicts and shortest traces as
the exact search, a canonical encoding that is the same in every process, a collision's probability
printed, and clear refusals where it does not apply."""

from __future__ import annotations

import enum
import json
import marshal
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from modelcheck.cli import main
from modelcheck.engine import (Action, Model, always, always_step, at_end, check_replays, explore, sometimes,
                               TEMPORAL)
from modelcheck.engine import frontier as frontier_module
from modelcheck.engine.encoding import Encoder
from modelcheck.engine.fingerprint_bfs import fingerprint_bfs
from modelcheck.engine.fingerprints import FingerprintSet, collision_probability, fingerprint
from modelcheck.engine.frontier import Frontier
from modelcheck.errors import InvalidModel, ModelcheckError, NondeterminismError
from modelcheck.report.text import COLLISION_NOTE, render_summary
from modelcheck.runner import load_models
from modelcheck.spec import load_python_spec

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
SMALL_KAFKA_SPECS = ("producer-retry-duplicates.yaml", "producer-acks-lost-request.yaml",
                     "consumer-rebalance.yaml", "database-in-batch-dedupe.yaml", "transaction-read-committed.yaml")


class Point(NamedTuple):
    x: int
    y: int


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclass(frozen=True)
class Box:
    content: object
    label: str = "box"


def canonical(value) -> bytes:
    return Encoder().canonical_bytes(value)


# --- the encoding -------------------------------------------------------------------------------------

def test_equal_states_have_one_encoding_whatever_their_history_or_type():
    forward = frozenset()
    for word in ("alpha", "beta", "gamma", "delta", "epsilon"):
        forward |= {word}
    backward = frozenset(reversed(["alpha", "beta", "gamma", "delta", "epsilon"]))
    assert list(forward) != list(backward) or True          # iteration order is not what is encoded
    assert canonical((1, forward)) == canonical((1, backward))
    assert canonical(Point(1, 2)) == canonical((1, 2))      # a NamedTuple equals the plain tuple
    assert canonical((Level.LOW, True, 2.0)) == canonical((1, 1, 2))
    assert canonical(frozenset({Point(1, 2)})) == canonical(frozenset({(1, 2)}))


def test_different_values_have_different_encodings():
    values = [(1, 2), (2, 1), ((1,), 2), (1, (2,)), frozenset({1, 2}), (frozenset({1}), 2), "12", (None,), (),
              Colour.RED, Colour.BLUE, "red", Box(1), Box(1, "crate"), (Box(1),), 1.5, b"1", (b"1", "1")]
    encodings = [canonical(value) for value in values]
    assert len(set(encodings)) == len(values)


plain = st.recursive(st.one_of(st.integers(-2**40, 2**40), st.text(max_size=4), st.none()),
                     lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=4).map(tuple), max_leaves=12)
hashable = st.recursive(st.one_of(st.integers(-3, 300), st.booleans(), st.text("ab>TFgy", max_size=3), st.none(),
                                  st.sampled_from([Colour.RED, Level.HIGH, 0.5, 2.0])),
                        lambda inner: (st.lists(inner, max_size=3).map(tuple) | st.frozensets(inner, max_size=3)
                                       | st.builds(Point, inner, inner) | st.builds(Box, inner)), max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(plain)
def test_marshal_fast_path_gives_the_general_path_bytes_and_restores_the_state(value):
    data, restores = Encoder().encode(value)
    assert data == Encoder().general_bytes(value)
    if restores:
        assert marshal.loads(data) == value


@settings(max_examples=300, deadline=None)
@given(hashable, hashable)
def test_encodings_are_equal_exactly_when_the_values_are(first, second):
    encoder = Encoder()                         # one memory across both, as in a search
    assert (encoder.canonical_bytes(first) == encoder.canonical_bytes(second)) == (first == second)


def test_a_value_without_a_known_equality_is_refused_with_its_type():
    class Opaque:
        pass

    model = Model(name="opaque", initial_states=[(Opaque(),)], actions=[Action("Stay", lambda s: [])],
                  properties=[always("any", lambda s: True)])
    with pytest.raises(InvalidModel, match=r"Opaque.*--seen-set exact"):
        explore(model, seen_set="fingerprint")


STATES_SCRIPT = """
import enum, json, sys
from typing import NamedTuple
from modelcheck.engine.encoding import Encoder
from modelcheck.engine.fingerprints import fingerprint
class Colour(enum.Enum):
    RED = "red"
class Pair(NamedTuple):
    left: object
    right: object
states = [("consumer", frozenset({"a", "b", "c", "d", "e", "f"})), Pair(frozenset({("x", 1), ("y", 2)}), Colour.RED),
          (frozenset({frozenset({"p", "q"}), frozenset({"r"})}), "s", None, True, 2.5)]
print(json.dumps([fingerprint(Encoder().canonical_bytes(s)) for s in states]))
"""


def test_fingerprints_are_the_same_in_processes_with_different_hash_seeds():
    prints = []
    for seed in ("0", "1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        output = subprocess.run([sys.executable, "-c", STATES_SCRIPT], env=environment, capture_output=True,
                                text=True, check=True, cwd=ROOT).stdout
        prints.append(json.loads(output))
    assert prints[0] == prints[1] == prints[2]
    assert len(set(prints[0])) == 3


# --- the table and the frontier -----------------------------------------------------------------------

def test_the_fingerprint_set_is_a_set_through_its_growths():
    rng = random.Random(7)
    numbers = [rng.getrandbits(64) or 1 for _ in range(20_000)]
    numbers += numbers[:5_000]                  # some again
    table, reference = FingerprintSet(), set()
    for number in numbers:
        assert table.add(number) == (number not in reference)
        reference.add(number)
    assert len(table) == len(reference)
    assert all(number in table for number in reference)
    assert not any(rng.getrandbits(64) | 1 in table for _ in range(1_000))
    assert table.nbytes <= 8 * len(reference) / 0.375 + 8 * 256 * 64


def test_the_frontier_gives_back_its_states_in_order(monkeypatch):
    monkeypatch.setattr(frontier_module, "CHUNK_BYTES", 64)     # many chunks
    queue = Frontier()
    states = []
    for index in range(300):
        if index % 50 < 25:
            states.append((index, "x" * (index % 7)))
            queue.append(marshal.dumps(states[-1], 2))
        else:
            states.append(Point(index, index))
            queue.append_state(states[-1])
    assert len(queue) == 300
    assert list(queue.drain()) == states
    assert len(queue) == 0


def test_parent_links_count_their_way_back_to_the_parent(monkeypatch):
    from array import array
    from modelcheck.engine import parent_links
    monkeypatch.setattr(parent_links, "BLOCK", 8)               # many blocks, some without a new state
    rng = random.Random(3)
    initial, children, parents = 3, array("B"), [None] * 3
    for expanded in range(400):
        count = rng.choice([0, 0, 0, 1, 2, 5]) if expanded < 150 or expanded % 40 else 0
        children.append(count)
        parents += [expanded] * count
        if len(parents) <= expanded + 1:
            break
    links = parent_links.ParentLinks(initial, children, array("B", [0] * len(parents)))
    assert [links.parent(number) for number in range(len(parents))] == parents


# --- the search against the exact one -----------------------------------------------------------------

def summary(result):
    return ((result.stats.distinct, result.stats.generated, result.stats.depth, result.stats.terminal,
             result.stats.queue, result.stopped_by, result.stats.coverage),
            {name: (prop.verdict, len(prop.trace) if prop.trace else None, [len(trace) for trace in prop.more])
             for name, prop in result.properties.items()})


def assert_traces_reproduce(model, result):
    predicates = {prop.name: prop for prop in model.get_properties()}
    for name, prop in result.properties.items():
        for trace in ([prop.trace] if prop.trace else []) + list(prop.more):
            assert check_replays(model, trace)
            if prop.verdict == "violated" and prop.kind == "always":
                assert not predicates[name].predicate(trace.last)


def python_specs():
    return sorted(path.name for path in SPECS.glob("*.py") if "MODELCHECK_SPEC = True" in path.read_text())


@pytest.mark.parametrize("name", python_specs())
def test_bundled_python_specs_give_what_the_exact_search_gives(name):
    model = load_python_spec(SPECS / name, {})
    if any(prop.kind in TEMPORAL for prop in model.get_properties()):
        searched = explore(model, seen_set="fingerprint")         # with the exact seen-set, and said so
        assert "the fingerprint seen-set is off: the temporal properties" in searched.warnings[0]
        assert summary(searched) == summary(explore(model)) and searched.stats.fingerprints is None
        return
    exact, compact = explore(model), explore(model, seen_set="fingerprint")
    assert summary(compact) == summary(exact)
    assert compact.stats.fingerprints is not None and exact.stats.fingerprints is None
    assert_traces_reproduce(model, compact)


@pytest.mark.parametrize("name", SMALL_KAFKA_SPECS)
def test_small_kafka_specs_give_what_the_exact_search_gives(name):
    for job in load_models(SPECS / name):
        exact = explore(job.model, max_states=job.limits.max_states, max_depth=job.limits.max_depth)
        compact = explore(job.model, max_states=job.limits.max_states, max_depth=job.limits.max_depth,
                          seen_set="fingerprint")
        assert summary(compact) == summary(exact)
        assert_traces_reproduce(job.model, compact)


def counter_model() -> Model:
    """Two counters stepped apart, with a constraint, an action property, an at-end property and a
    violated invariant: every path of the exact search besides the plain one."""
    def bump(index):
        def step(state):
            if state[index] >= 4:
                return []
            return [(f"c{index} + {amount}", state[:index] + (state[index] + amount,) + state[index + 1:])
                    for amount in (1, 2)]
        return step

    return Model(name="counters", initial_states=[(0, 0), (0, 0), (1, 0)],
                 actions=[Action("Bump0", bump(0)), Action("Bump1", bump(1))],
                 properties=[always("small-sum", lambda s: s[0] + s[1] < 6),
                             always_step("one-at-a-time", lambda before, label, after: after[1] - before[1] < 2),
                             at_end("balanced", lambda s: s[0] == s[1]),
                             sometimes("reach-four", lambda s: 4 in s)],
                 constraint=lambda s: s != (2, 2))


@pytest.mark.parametrize("options", [{}, {"counterexamples": 3}, {"keep_going": True}, {"max_states": 7},
                                     {"max_depth": 3}, {"counterexamples": 2, "keep_going": True}])
def test_limits_constraint_and_step_properties_as_in_the_exact_search(options):
    model = counter_model()
    exact, compact = explore(model, **options), explore(model, seen_set="fingerprint", **options)
    assert summary(compact) == summary(exact)
    assert_traces_reproduce(model, compact)


def test_a_time_limit_stops_the_search_with_its_verdicts_bounded():
    model = load_python_spec(SPECS / "two_phase_commit.py", {"rms": "8"})
    result = explore(model, seen_set="fingerprint", time_limit=0.3, keep_going=True)
    assert result.stopped_by == "time_limit"
    assert result.properties["TCConsistent"].verdict == "bounded"
    assert 0 < result.stats.queue < result.stats.distinct < 1_745_408


def test_symmetry_reduction_applies_to_fingerprints_too():
    model = load_python_spec(SPECS / "two_phase_commit.py", {"rms": "4", "symmetry": "true"})
    assert summary(explore(model, seen_set="fingerprint")) == summary(explore(model))


def test_positions_past_255_widen_the_recorded_successor_positions():
    """Three hundred initial states, and a state with 70,000 successors: the positions outgrow one byte,
    then two, and the traces still replay to the right states."""
    def fan_out(state):
        if state == ("start", 299):
            return [(f"to {index}", ("fan", index)) for index in range(70_000)]
        return []

    model = Model(name="wide", initial_states=[("start", index) for index in range(300)],
                  actions=[Action("Fan", fan_out)],
                  properties=[always("not-the-last", lambda s: s != ("fan", 69_999)),
                              sometimes("the-last-start", lambda s: s == ("start", 299))])
    result = explore(model, seen_set="fingerprint")
    assert summary(result) == summary(explore(model))
    assert result.properties["not-the-last"].trace.steps[-1].label == "to 69999"
    assert result.properties["the-last-start"].trace.initial == ("start", 299)


# --- collisions and nondeterminism --------------------------------------------------------------------

def test_a_tiny_fingerprint_hides_states_and_says_how_likely_that_was():
    model = load_python_spec(SPECS / "two_phase_commit.py", {})
    full = fingerprint_bfs(model)
    assert full.stats.distinct == 288
    assert full.stats.fingerprints.probability == 288 * (1146 - 288) / 2 ** 64
    tiny = fingerprint_bfs(model, width=8)                  # 255 fingerprints for 288 states
    assert tiny.stats.distinct < 288
    assert tiny.stats.fingerprints.probability == 1.0
    text = render_summary(tiny)
    assert "calculated (optimistic): val = 1.0E0" in text and COLLISION_NOTE in text
    assert "val = 1.3E-14" in render_summary(full)
    assert collision_probability(10, 10) == 0.0
    assert fingerprint(b"state", 8) < 256


def fickle_model() -> Model:
    """A model that lists its successors the other way round once a state violated its invariant."""
    violated = []

    def below_seven(state):
        if state >= 7:
            violated.append(state)
        return state < 7

    def move(state):
        successors = [("up", state + 1), ("jump", state + 3)] if state < 9 else []
        return successors[::-1] if violated else successors

    return Model(name="fickle", initial_states=[0], actions=[Action("Move", move)],
                 properties=[always("below-seven", below_seven)])


def test_a_trace_that_replays_elsewhere_is_called_nondeterminism():
    with pytest.raises(NondeterminismError, match="nondeterministic"):
        explore(fickle_model(), seen_set="fingerprint")


# --- the command line ---------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_the_command_line_prints_the_collision_estimate_in_text_and_json():
    text = run("explore", SPECS / "two_phase_commit.py", "--seen-set", "fingerprint", "-q")
    assert text.exit_code == 0, text.output
    assert "calculated (optimistic): val = 1.3E-14" in text.output and COLLISION_NOTE in text.output
    exact = run("explore", SPECS / "two_phase_commit.py", "-q")
    assert "optimistic" not in exact.output
    document = json.loads(run("explore", SPECS / "two_phase_commit.py", "--seen-set", "fingerprint", "-q",
                              "--format", "json").output)
    assert document["fingerprints"]["width"] == 64
    assert document["fingerprints"]["collision_probability"] == 288 * (1146 - 288) / 2 ** 64
    assert document["stats"]["distinct"] == 288


@pytest.mark.parametrize("extra, words", [
    (("--workers", "2"), ("--seen-set fingerprint", "--workers")),
    (("--checkpoint", "{tmp}"), ("--seen-set fingerprint", "--checkpoint")),
])
def test_what_fingerprints_cannot_do_is_refused_on_the_command_line(tmp_path, extra, words):
    result = run("explore", SPECS / "two_phase_commit.py", "--seen-set", "fingerprint",
                 *[part.format(tmp=tmp_path) for part in extra])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert all(word in result.output for word in words)


def test_a_spec_with_temporal_properties_is_searched_exactly_and_says_so():
    """`check DIR --seen-set fingerprint` goes on over a spec whose temporal properties need the states."""
    result = run("check", SPECS / "simple_allocator.py", "--seen-set", "fingerprint", "-q")
    assert result.exit_code == 0, result.output
    assert "the fingerprint seen-set is off" in result.output and "searched with the exact seen-set" in result.output


def test_the_engine_refuses_workers_and_checkpoints_with_fingerprints(tmp_path):
    from modelcheck.engine import Checkpoint
    model = load_python_spec(SPECS / "two_phase_commit.py", {})
    with pytest.raises(ModelcheckError, match="one-process"):
        explore(model, seen_set="fingerprint", workers=2)
    with pytest.raises(ModelcheckError, match="checkpoints"):
        explore(model, seen_set="fingerprint", checkpoint=Checkpoint(tmp_path / "c", identity="x"))
    with pytest.raises(ValueError, match="seen_set"):
        explore(model, seen_set="bloom")


def test_the_python_api_takes_the_seen_set():
    import modelcheck
    result = modelcheck.explore(str(SPECS / "two_phase_commit.py"), seen_set="fingerprint")
    assert result.stats.distinct == 288 and result.stats.fingerprints.width == 64
    assert modelcheck.check(str(SPECS / "tcommit.py"), seen_set="fingerprint").passed
