"""The classic TLA+ examples against the figures TLC gives for them: TwoPhase and TCommit (safety),
SimpleAllocator (liveness under strong fairness per client) and AsyncTerminationDetection (a state
constraint, an action property and leads-to under weak fairness); and the KafkaALO anchor model against
TLC's and SPIN's figures.

Figures are counted as TLC counts them (distinct states, states generated, depth). For three resource
managers they are those of the tlaplus/Examples manifest (specifications/transaction_commit/manifest.json:
TwoPhase 288 / 1,146 / 11, TCommit 34 / 94 / 7); for more resource managers they are TLC's figures for
the same modules. Two figures also follow from a count by hand, pinned as formulas: TCommit's states are
the tuples over {working, prepared, aborted} plus those over {prepared, committed} with a commit
(3^n + 2^n - 1), and the deepest state of either model is the last RM learning the decision after every
RM has prepared (TwoPhase: n prepares, n receipts at the TM, the decision, n deliveries; TCommit: n
prepares, n commits).

The specs give their canonical form (RMs are interchangeable) with `model(rms, symmetry=True)`; the
engine's own `symmetry` switch turns its use off again. Symmetry reduction is checked against an oracle that does not use the models' `canonical`: the number of
orbits of the unreduced reachable states under every permutation of the RMs.

KafkaALO (specs/kafka_alo.py) is the at-least-once pipeline of the anchor models (benchmarks/anchors/):
its distinct states for N = 1..4, 10 and 20 and its generated states for N = 2..4 are the published
TLC and SPIN figures of those models; the generated states for N = 1, 10 and 20 are SPIN 6.5.2's
"transitions" for benchmarks/anchors/kafka_alo.pml (`spin -DN=<N> -DCHECK_NOLOSS -a`, `gcc -O2
-DNOREDUCE`), which equal TLC's "states generated" on these models.

SimpleAllocator and AsyncTerminationDetection: distinct / generated / depth from the tlaplus/Examples
manifests (specifications/allocator and specifications/ewd998), and the verdicts their configurations
give (every property holds). Each liveness property is also shown failing when the fairness it needs is
taken away: strong fairness of allocation (weak is not enough), fairness per client (one condition for
all lets a client starve), the spec's own SimpleAllocator2 (whose failures the TLA+ module lists), and
the detection's weak fairness.
"""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import pytest

from modelcheck.engine import Action, always, check_replays, explore


def reachable(model) -> set:
    """Every reachable state, by a plain search over `model.successors` (no symmetry)."""
    seen = set(model.get_initial_states())
    frontier = list(seen)
    while frontier:
        state = frontier.pop()
        for _action, _label, successor in model.successors(state):
            if successor not in seen:
                seen.add(successor)
                frontier.append(successor)
    return seen


def permute_two_phase(state, order):
    """TwoPhase's state with RM i renamed order[i]: the RM tuple and both RM bit sets."""
    rm_state, tm_state, tm_prepared, msgs = state
    rms = len(rm_state)
    moved_state = [None] * rms
    prepared = sent = 0
    for rm, new in enumerate(order):
        moved_state[new] = rm_state[rm]
        prepared |= ((tm_prepared >> rm) & 1) << new
        sent |= ((msgs >> rm) & 1) << new
    return (tuple(moved_state), tm_state, prepared, (msgs >> rms << rms) | sent)


def permute_tcommit(state, order):
    moved = [None] * len(state)
    for rm, new in enumerate(order):
        moved[new] = state[rm]
    return tuple(moved)


def orbits(states, rms, permute) -> int:
    orders = list(permutations(range(rms)))
    return len({min(permute(state, order) for order in orders) for state in states})


@pytest.mark.parametrize("rms, distinct, generated", [
    (3, 288, 1_146),
    (4, 1_568, 8_258),
    (5, 8_832, 58_146),
    (6, 50_816, 402_306),
    (7, 296_448, 2_744_706),
])
def test_two_phase_matches_tlc(load_python_spec, rms, distinct, generated):
    result = explore(load_python_spec("two_phase_commit").model(rms), symmetry=False)
    assert (result.stats.distinct, result.stats.generated, result.stats.depth) == (distinct, generated, 3 * rms + 2)
    assert result.complete
    assert {name: p.verdict for name, p in result.properties.items()} == {
        "TCConsistent": "holds", "some-commit": "holds", "some-abort": "holds"}


@pytest.mark.parametrize("rms, distinct, generated", [(3, 34, 94), (5, 274, 1_296)])
def test_tcommit_matches_tlc(load_python_spec, rms, distinct, generated):
    result = explore(load_python_spec("tcommit").model(rms), symmetry=False)
    assert distinct == 3 ** rms + 2 ** rms - 1
    assert (result.stats.distinct, result.stats.generated, result.stats.depth) == (distinct, generated, 2 * rms + 1)
    assert {name: p.verdict for name, p in result.properties.items()} == {
        "TCConsistent": "holds", "all-committed": "holds"}


@pytest.mark.parametrize("rms", [3, 4])
def test_two_phase_symmetry_counts_the_orbits(load_python_spec, rms):
    model = load_python_spec("two_phase_commit").model(rms, symmetry=True)
    reduced = explore(model)
    assert reduced.stats.distinct == orbits(reachable(model), rms, permute_two_phase)
    assert reduced.stats.depth == 3 * rms + 2


@pytest.mark.parametrize("rms, distinct", [(3, 80), (5, 314)])
def test_two_phase_symmetry_figures_and_verdicts(load_python_spec, rms, distinct):
    model = load_python_spec("two_phase_commit").model(rms, symmetry=True)
    reduced, plain = explore(model), explore(model, symmetry=False)
    assert reduced.stats.distinct == distinct
    assert plain.stats.distinct == explore(load_python_spec("two_phase_commit").model(rms)).stats.distinct
    assert {n: p.verdict for n, p in reduced.properties.items()} == {n: p.verdict for n, p in plain.properties.items()}


@pytest.mark.parametrize("rms", [2, 3, 4])
def test_tcommit_symmetry_agrees(load_python_spec, rms):
    model = load_python_spec("tcommit").model(rms, symmetry=True)
    reduced, plain = explore(model), explore(model, symmetry=False)
    assert reduced.stats.distinct == orbits(reachable(model), rms, permute_tcommit)
    assert {n: p.verdict for n, p in reduced.properties.items()} == {n: p.verdict for n, p in plain.properties.items()}
    assert reduced.stats.depth == plain.stats.depth


@pytest.mark.parametrize("spec, committed", [("two_phase_commit", lambda s: 2 in s[0]), ("tcommit", lambda s: 2 in s)])
def test_symmetry_traces_are_concrete_shortest_and_replay(load_python_spec, spec, committed):
    model = load_python_spec(spec).model(3, symmetry=True)
    model.properties = list(model.properties) + [always("nobody-commits", lambda s: not committed(s))]
    reduced, plain = explore(model, symmetry=True), explore(model, symmetry=False)
    for result in (reduced, plain):
        assert result.properties["nobody-commits"].verdict == "violated"
        assert check_replays(model, result.properties["nobody-commits"].trace)
    assert len(reduced.properties["nobody-commits"].trace) == len(plain.properties["nobody-commits"].trace)
    for name in ("TCConsistent", "nobody-commits"):
        assert reduced.properties[name].verdict == plain.properties[name].verdict


@pytest.mark.parametrize("messages, distinct, generated", [
    (1, 80, 150),
    (2, 297, 579),
    (3, 738, 1_461),
    (4, 1_506, 3_004),
    (10, 21_017, 42_327),
    (20, 212_082, 426_852),
])
def test_kafka_alo_matches_tlc_and_spin(load_python_spec, messages, distinct, generated):
    result = explore(load_python_spec("kafka_alo").model(messages))
    assert (result.stats.distinct, result.stats.generated) == (distinct, generated)
    assert result.complete
    assert {name: p.verdict for name, p in result.properties.items()} == {
        "NoDuplicateInSink": "violated", "NoLoss": "holds", "Terminated": "holds"}


@pytest.mark.parametrize("messages", [1, 3])
def test_kafka_alo_shortest_duplicate_replays(load_python_spec, messages):
    """The shortest duplicate: the consumer writes m1, crashes before committing, and writes it again."""
    model = load_python_spec("kafka_alo").model(messages)
    trace = explore(model).properties["NoDuplicateInSink"].trace
    assert [step.action for step in trace.steps] == ["Send", "Poll", "Process", "Crash", "Poll", "Process"]
    assert trace.last[-1] == (1, 1)
    assert check_replays(model, trace)


def test_kafka_alo_loses_nothing_only_because_the_consumer_rereads(load_python_spec):
    """NoLoss can fail: with a crash that skips the uncommitted record instead of going back to the
    committed offset, a terminated run misses a message (the property is not vacuous)."""
    module = load_python_spec("kafka_alo")
    model = module.model(2)
    skipping = [action for action in model.actions if action.name != "Crash"]

    def crash_keeping_position(state):
        log, next_message, waiting, ack_lost, position, _consumer, _held, committed, crashed, sink = state
        if crashed:
            return ()
        return [("crashes, keeps its position", (log, next_message, waiting, ack_lost, position, module.IDLE, 0,
                                                 committed, True, sink))]

    model.actions = skipping + [Action("Crash", crash_keeping_position)]
    result = explore(model)
    assert result.properties["NoLoss"].verdict == "violated"
    assert check_replays(model, result.properties["NoLoss"].trace)
def verdicts(result) -> dict:
    return {name: p.verdict for name, p in result.properties.items()}


def test_simple_allocator_matches_tlc(load_python_spec):
    result = explore(load_python_spec("simple_allocator").model())
    assert (result.stats.distinct, result.stats.generated, result.stats.depth) == (400, 1_633, 6)
    assert verdicts(result) == {"ResourceMutex": "holds", "ClientsWillReturn": "holds", "ClientsWillObtain": "holds",
                                "InfOftenSatisfied": "holds"}


@pytest.mark.parametrize("change, violated", [
    ({"allocate": "weak"}, ["ClientsWillObtain", "InfOftenSatisfied"]),
    ({"per_client": False}, ["ClientsWillReturn", "ClientsWillObtain", "InfOftenSatisfied"]),
    ({"weaker_return": True}, ["ClientsWillObtain", "InfOftenSatisfied"]),
], ids=["weak-allocation", "fair-as-a-whole", "SimpleAllocator2"])
def test_simple_allocator_needs_its_fairness(load_python_spec, change, violated):
    model = load_python_spec("simple_allocator").model(**change)
    result = explore(model)
    assert (result.stats.distinct, result.stats.generated) == (400, 1_633)
    assert sorted(name for name, verdict in verdicts(result).items() if verdict == "violated") == sorted(violated)
    assert model.expect == {name: "violated" for name in violated}
    for name in violated:
        trace = result.properties[name].trace
        assert check_replays(model, trace)
        if trace.loop_start is not None:                     # a lasso: some client waits for ever
            assert trace.states[-1] == trace.states[trace.loop_start]
        else:                                                # stuck: only unfair steps are enabled
            assert change == {"weaker_return": True}


def test_async_termination_detection_matches_tlc(load_python_spec):
    result = explore(load_python_spec("async_termination_detection").model())
    assert (result.stats.distinct, result.stats.generated, result.stats.depth) == (4_097, 53_271, 14)
    assert verdicts(result) == {"Safe": "holds", "Quiescence": "holds", "Live": "holds"}


def test_async_termination_detection_without_fair_detection(load_python_spec):
    model = load_python_spec("async_termination_detection").model(n=2, detect="unfair")
    result = explore(model)
    assert verdicts(result) == {"Safe": "holds", "Quiescence": "holds", "Live": "violated"}
    trace = result.properties["Live"].trace
    assert check_replays(model, trace)
    assert trace.loop_start is None and trace.steps == ()   # terminated from the start; nobody notices
    assert trace.initial == ((0, 0), (0, 0), 0)


PYTHON_SPECS = sorted((Path(__file__).resolve().parents[1] / "specs").glob("*.py"))


@pytest.mark.parametrize("path", PYTHON_SPECS, ids=lambda p: p.stem)
def test_every_bundled_python_spec_meets_its_expectations_and_its_traces_replay(path):
    from modelcheck.runner import run_spec
    for outcome in run_spec(path):
        assert outcome.result.complete and outcome.mismatches == []
        for name, prop in outcome.result.properties.items():
            if prop.verdict == "violated" and prop.kind != "sometimes":
                assert prop.trace is not None and check_replays(outcome.model, prop.trace), name
