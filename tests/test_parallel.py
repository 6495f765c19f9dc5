"""The parallel search (several processes) finds what the one-process search finds.

Oracle: `bfs` on one process. For every model below, `explore(..., workers=2 or 3)` must give the same
distinct, generated, depth and terminal counts, the same coverage and the same verdicts, and every
counterexample must be as short as the one-process one and replay through the model.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from dataclasses import replace
from typing import NamedTuple

import pytest

from modelcheck.engine import WEAK, Action, Model, at_end, check_replays, eventually, explore, sometimes
from modelcheck.errors import InvalidModel

TWO_PHASE_TLC = {3: (288, 1146, 11), 4: (1568, 8258, 14), 5: (8832, 58146, 17)}


def summary(result):
    stats = result.stats
    return {
        "distinct": stats.distinct, "generated": stats.generated, "depth": stats.depth,
        "terminal": stats.terminal, "coverage": stats.coverage, "stopped_by": result.stopped_by,
        "verdicts": {name: prop.verdict for name, prop in result.properties.items()},
        "trace lengths": {name: len(prop.trace) if prop.trace else None
                          for name, prop in result.properties.items()},
    }


def assert_same_search(model, workers=2, **limits):
    one = explore(model, workers=1, **limits)
    many = explore(model, workers=workers, **limits)
    assert summary(many) == summary(one)
    assert many.stats.workers == workers
    for prop in many.properties.values():
        if prop.trace is not None:
            assert check_replays(model, prop.trace), prop.name
    return one, many


@pytest.mark.parametrize("rms", [3, 4, 5])
@pytest.mark.parametrize("symmetry", [False, True])
def test_two_phase_commit_same_as_one_process(load_python_spec, rms, symmetry):
    two_phase = load_python_spec("two_phase_commit")
    one, many = assert_same_search(two_phase.model(rms, symmetry=symmetry))
    if not symmetry:
        assert (many.stats.distinct, many.stats.generated, many.stats.depth) == TWO_PHASE_TLC[rms]
    else:
        assert many.stats.distinct < TWO_PHASE_TLC[rms][0]


def test_tcommit_same_as_one_process_with_three_workers(load_python_spec):
    tcommit = load_python_spec("tcommit")
    _one, many = assert_same_search(tcommit.model(3), workers=3)
    assert (many.stats.distinct, many.stats.generated, many.stats.depth) == (34, 94, 7)
    assert_same_search(tcommit.model(5, symmetry=True))


def buggy_two_phase(two_phase, rms):
    """TwoPhase whose transaction manager commits as soon as one RM has prepared (a planted bug)."""
    correct = two_phase.model(rms)

    def tm_commits_early(state):
        rm_state, tm_state, tm_prepared, msgs = state
        if tm_state == two_phase.TM_INIT and tm_prepared:
            return [("TM commits early", (rm_state, two_phase.TM_DONE, tm_prepared, msgs | (1 << rms)))]
        return []

    actions = [Action("TMCommitEarly", tm_commits_early) if action.name == "TMCommit" else action
               for action in correct.actions]
    return Model(name=f"BuggyTwoPhase(rms={rms})", initial_states=correct.initial_states, actions=actions,
                 properties=correct.properties)


def test_planted_violation_gets_a_shortest_trace_that_replays(load_python_spec):
    model = buggy_two_phase(load_python_spec("two_phase_commit"), 5)
    one, many = assert_same_search(model)
    found = many.properties["TCConsistent"]
    assert found.verdict == "violated"
    assert len(found.trace) == len(one.properties["TCConsistent"].trace) == 5
    assert check_replays(model, found.trace)
    assert not model.properties[0].predicate(found.trace.last)


class Counter(NamedTuple):
    """A NamedTuple state: marshal cannot encode it, so batches travel as pickle."""

    left: int
    right: int


def deadlocking_counters(limit):
    def bump_left(state):
        return [("left + 1", Counter(state.left + 1, state.right))] if state.left < limit else []

    def bump_right(state):
        return [("right + 1", Counter(state.left, state.right + 1))] if state.right < state.left else []

    return Model(name="counters", initial_states=[Counter(0, 0)],
                 actions=[Action("bump left", bump_left), Action("bump right", bump_right)],
                 properties=[at_end("balanced", lambda s: s.left == s.right),
                             sometimes("right reaches 3", lambda s: s.right == 3)],
                 done=lambda s: s.right == limit)


def test_terminal_states_deadlocks_and_pickled_states():
    model = deadlocking_counters(12)
    one, many = assert_same_search(model, workers=3)
    assert many.stats.terminal == one.stats.terminal == 1
    assert many.properties["balanced"].verdict == "holds"
    assert many.properties["right reaches 3"].verdict == "holds"
    assert len(many.properties["right reaches 3"].trace) == 6


def test_at_end_violation_is_shortest():
    def step(state):
        return [("down", state - 1)] if state > 0 and state != 7 else []

    model = Model(name="stuck at 7", initial_states=[20], actions=[Action("down", step)],
                  properties=[at_end("reaches zero", lambda s: s == 0)])
    _one, many = assert_same_search(model)
    assert many.properties["reaches zero"].verdict == "violated"
    assert many.properties["reaches zero"].trace.last == 7


def test_max_states_gives_bounded(load_python_spec):
    model = load_python_spec("two_phase_commit").model(6)
    result = explore(model, workers=2, max_states=3000)
    assert result.stopped_by == "max_states"
    assert 3000 <= result.stats.distinct < 50816
    assert result.properties["TCConsistent"].verdict == "bounded"
    assert result.properties["some-abort"].verdict == "holds"       # witnessed before the stop


def test_max_depth_same_as_one_process(load_python_spec):
    model = load_python_spec("two_phase_commit").model(5)
    _one, many = assert_same_search(model, max_depth=6)
    assert many.stopped_by == "max_depth"
    assert many.properties["TCConsistent"].verdict == "bounded"


def test_eventually_falls_back_to_one_process_and_says_so():
    model = Model(name="loop", initial_states=[0], actions=[Action("tick", lambda s: [("tick", (s + 1) % 3)], fairness=WEAK)],
                  properties=[eventually("reaches 2", lambda s: s == 2)])
    result = explore(model, workers=2)
    assert result.stats.workers == 1
    assert result.properties["reaches 2"].verdict == "holds"
    assert any("one process" in warning for warning in result.warnings)


def test_peak_memory_counts_the_workers(load_python_spec):
    result = explore(load_python_spec("two_phase_commit").model(5), workers=2)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert result.stats.peak_memory_bytes > own


def test_worker_error_reaches_the_caller():
    def fails_deep(state):
        if state == 40:
            raise RuntimeError("step failed at 40")
        return [("next", state + 1)]

    model = Model(name="fails", initial_states=[0], actions=[Action("next", fails_deep)])
    with pytest.raises(InvalidModel, match="action 'next' raised RuntimeError: step failed at 40") as raised:
        explore(model, workers=2)
    assert isinstance(raised.value.__cause__, RuntimeError)     # as the one-process search reports it
    assert not _children()


def test_ctrl_c_returns_what_was_found_and_leaves_no_process(load_python_spec):
    model = load_python_spec("two_phase_commit").model(9)
    timer = threading.Timer(0.6, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        result = explore(model, workers=2)
    finally:
        timer.cancel()
    assert result.stopped_by == "interrupted"
    assert 0 < result.stats.distinct < 10_340_352
    assert result.properties["TCConsistent"].verdict == "bounded"
    assert result.properties["some-abort"].verdict == "holds"
    assert not _children()


def _children() -> list[int]:
    """Processes whose parent is this one (Linux /proc)."""
    me = os.getpid()
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me and fields[0] != "Z":
                children.append(int(entry))
    return children


def test_progress_reports_come_from_the_workers(load_python_spec):
    from modelcheck.engine.limits import Limits
    from modelcheck.engine.parallel import parallel_bfs

    reports = []
    result = parallel_bfs(load_python_spec("two_phase_commit").model(6), Limits(), workers=2,
                          progress=reports.append, progress_interval=0.02)
    assert reports
    assert all(0 <= report.distinct <= result.stats.distinct for report in reports)
    assert any(report.distinct > 0 and report.generated > 0 for report in reports)
    assert [report.seconds for report in reports] == sorted(report.seconds for report in reports)


# -- partition keys (Model.partition) and moving buckets between workers ----------------------------

def test_two_phase_commit_has_a_partition_key_that_keeps_most_successors_together(load_python_spec):
    from modelcheck.engine.parallel import owner_function

    model = load_python_spec("two_phase_commit").model(4)
    assert model.partition is not None
    owner_of = owner_function(model.partition, 2)
    stay = total = 0
    for state in _reachable(model):
        for _action, _label, successor in model.successors(state):
            total += 1
            stay += owner_of(successor) == owner_of(state)
    assert stay / total > 0.95
    whole_state = owner_function(None, 2)
    assert sum(whole_state(s) == whole_state(t) for s in _reachable(model)
               for _a, _l, t in model.successors(s)) / total < 0.8


def _reachable(model):
    seen = dict.fromkeys(model.get_initial_states())
    frontier = list(seen)
    while frontier:
        frontier = [t for s in frontier for _a, _l, t in model.successors(s) if t not in seen
                    and not seen.setdefault(t, None)]
    return list(seen)


@pytest.fixture
def recorded_moves(monkeypatch):
    """Rebalance at every level however small, and record every move the parent orders."""
    from modelcheck.engine import parallel

    moves = []
    rebalance = parallel._rebalance

    def recording(reports):
        chosen = rebalance(reports)
        moves.extend(chosen)
        return chosen

    monkeypatch.setattr(parallel, "_REBALANCE_FROM", 0)
    monkeypatch.setattr(parallel, "_TOLERANCE", 0.0)
    monkeypatch.setattr(parallel, "_rebalance", recording)
    return moves


@pytest.mark.parametrize("rms", [3, 4, 5])
@pytest.mark.parametrize("symmetry", [False, True])
def test_partition_key_and_moves_same_as_one_process(load_python_spec, recorded_moves, rms, symmetry):
    two_phase = load_python_spec("two_phase_commit")
    model = two_phase.model(rms, symmetry=symmetry)
    _one, many = assert_same_search(model)
    if not symmetry:
        assert (many.stats.distinct, many.stats.generated, many.stats.depth) == TWO_PHASE_TLC[rms]
    if rms == 5:
        assert recorded_moves          # the buckets did move
    _one, many = assert_same_search(model, workers=3)


def test_planted_violation_with_partition_key_and_moves(load_python_spec, recorded_moves):
    two_phase = load_python_spec("two_phase_commit")
    model = replace(buggy_two_phase(two_phase, 5), partition=lambda state: state[2])
    one, many = assert_same_search(model)
    assert len(many.properties["TCConsistent"].trace) == len(one.properties["TCConsistent"].trace) == 5
    correct = replace(two_phase.model(5), partition=lambda state: state[0][:2])
    _one, many = assert_same_search(correct, workers=3, max_depth=9)
    assert many.stopped_by == "max_depth"
    assert recorded_moves


def test_random_moves_change_nothing(load_python_spec, monkeypatch):
    """Whatever buckets move between levels, and back, the search finds the same."""
    import random

    from modelcheck.engine import parallel

    chooser = random.Random(7)
    moves = []

    def random_moves(reports):
        chosen = []
        for giver, report in enumerate(reports):
            for bucket in report["buckets"]:
                if chooser.random() < 0.5:
                    taker = chooser.choice([w for w in range(len(reports)) if w != giver])
                    chosen.append((bucket, giver, taker))
        moves.extend(chosen)
        return chosen

    monkeypatch.setattr(parallel, "_rebalance", random_moves)
    two_phase = load_python_spec("two_phase_commit")
    assert_same_search(two_phase.model(5), workers=3)
    assert_same_search(two_phase.model(5, symmetry=True), workers=2)
    assert_same_search(replace(buggy_two_phase(two_phase, 4), partition=lambda state: state[0][0]), workers=3)
    assert_same_search(replace(deadlocking_counters(12), partition=lambda state: state.left % 3), workers=3)
    assert len(moves) > 50
    assert len({bucket for bucket, _giver, _taker in moves}) < len(moves)     # some moved more than once


def test_constant_partition_key_one_worker_does_everything_and_still_right(load_python_spec, monkeypatch):
    from modelcheck.engine import parallel

    owned = []
    receive = parallel._Search._receive

    def recording(self, connection, number):
        payload = receive(self, connection, number)
        if isinstance(payload, dict):
            owned.append((number, payload["distinct"]))
        return payload

    monkeypatch.setattr(parallel._Search, "_receive", recording)
    model = replace(load_python_spec("two_phase_commit").model(5), partition=lambda state: "everything")
    _one, many = assert_same_search(model)
    assert (many.stats.distinct, many.stats.generated, many.stats.depth) == TWO_PHASE_TLC[5]
    last = dict(owned)                          # each worker's last report
    assert sorted(last.values()) == [0, TWO_PHASE_TLC[5][0]]
    planted = replace(buggy_two_phase(load_python_spec("two_phase_commit"), 5), partition=lambda state: 0)
    one, many = assert_same_search(planted)
    assert len(many.properties["TCConsistent"].trace) == 5


def test_unhashable_partition_key_is_a_clear_error(load_python_spec):

    model = replace(load_python_spec("two_phase_commit").model(3), partition=lambda state: list(state[0]))
    with pytest.raises(InvalidModel, match="partition key of an initial state is not hashable"):
        explore(model, workers=2)
    later = replace(model, partition=lambda state: [] if state[1] else 0)      # once the TM has decided
    with pytest.raises(InvalidModel, match="partition key is not hashable"):
        explore(later, workers=2)
    assert not _children()


def test_rebalance_moves_buckets_from_the_busiest_worker_and_only_to_lower_the_largest_share():
    from modelcheck.engine.parallel import _rebalance

    def report(frontier, buckets, expanded=0, generated=0):
        return {"frontier": frontier, "buckets": buckets, "expanded": expanded, "level_generated": generated}

    # worker 0: 9,000 of the next level in buckets of 5,000, 3,000 and 1,000; worker 1: 3,000
    moves = _rebalance([report(9000, {1: (5000, 20000), 2: (3000, 9000), 3: (1000, 1000)}),
                        report(3000, {4: (3000, 3000)})])
    assert moves == [(2, 0, 1)]                 # 6,000 / 6,000
    # one bucket holding everything never moves (moving it would only swap the roles)
    assert _rebalance([report(9000, {1: (9000, 9000)}), report(0, {})]) == []
    # within the tolerance: no move
    assert _rebalance([report(5050, {1: (50, 50)}), report(4950, {2: (50, 50)})]) == []
    # a bucket holding many states per new one stays
    assert _rebalance([report(9000, {1: (3000, 10 ** 6), 2: (6000, 6000)}), report(3000, {})]) == []
    # three workers: from the busiest to the idlest
    moves = _rebalance([report(4000, {5: (1000, 1000)}), report(12000, {6: (4000, 4000), 7: (8000, 8000)}),
                        report(8000, {8: (8000, 8000)})])
    assert moves[0] == (6, 1, 0)
    # equal shares, but worker 0's states cost twice as much (20 successors per state against 10)
    # (cost per state: successors generated plus one per new state found, per state expanded)
    moves = _rebalance([report(6000, {1: (3000, 3000), 2: (1200, 1200), 3: (1800, 1800)}, 3000, 54000),
                        report(6000, {4: (6000, 6000)}, 3000, 24000)])
    assert moves == [(2, 0, 1)]                 # 4,800 x 20 = 96,000 / 6,000 x 10 + 1,200 x 20 = 84,000
    assert _rebalance([report(6000, {1: (6000, 6000)}, 3000, 24000),
                       report(6000, {2: (1200, 1200), 3: (4800, 4800)}, 3000, 24000)]) == []
