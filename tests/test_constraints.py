"""State constraints (TLC's CONSTRAINT) and action properties (`always_step`), in the one-process search,
the parallel one (which hands them to the one-process search) and checkpoints.

A constraint's semantics is TLC's: a successor outside it is counted as generated and checked against
the invariants, but not stored, not counted as distinct and not expanded. The figures below are counted
by hand for a counter that can add one or two.
"""

from __future__ import annotations

from modelcheck.engine import (TEMPORAL, WEAK, Action, Checkpoint, Limits, Model, always, always_step, check_replays,
                               eventually, explore, sometimes)
from modelcheck.engine.bfs import bfs
from modelcheck.engine.checkpoint import identity_of


def counter(**extra) -> Model:
    """n -> n + 1 and n -> n + 2, for ever; kept below 5 by the constraint."""
    def add(n):
        return [("+1", n + 1), ("+2", n + 2)]
    defaults = dict(name="counter", initial_states=[0], actions=[Action("Add", add)],
                    constraint=lambda n: n < 5)
    defaults.update(extra)
    return Model(**defaults)


def test_a_successor_outside_the_constraint_is_generated_but_not_stored():
    result = explore(counter(properties=[sometimes("reaches-five", lambda n: n == 5)]))
    # States 0..4; each of the 5 is expanded into 2 successors; 1 initial: 11 generated.
    assert (result.stats.distinct, result.stats.generated, result.stats.depth) == (5, 11, 3)
    assert result.verdict("reaches-five") == "violated"      # 5 is never reached: it is not stored
    assert result.stats.terminal == 0                        # 4 has successors (outside): not a deadlock


def test_a_successor_outside_the_constraint_is_checked_against_the_invariants():
    model = counter(properties=[always("below-six", lambda n: n < 6)])
    verdict = explore(model).properties["below-six"]
    assert verdict.verdict == "violated"
    assert verdict.trace.states == [0, 2, 4, 6]              # shortest: three steps of +2, the last outside
    assert check_replays(model, verdict.trace)


def test_an_initial_state_outside_the_constraint_is_checked_but_not_explored():
    model = counter(initial_states=[7, 0], properties=[always("small", lambda n: n < 7),
                                                       sometimes("negative", lambda n: n < 0)])
    result = explore(model)
    assert result.stats.distinct == 5 and result.stats.generated == 12
    assert result.properties["small"].trace.states == [7]


def test_an_action_property_is_checked_on_every_step_with_a_shortest_trace():
    model = counter(properties=[always_step("one-at-a-time", lambda before, label, after: after == before + 1),
                                always_step("never-from-three", lambda before, label, after: before != 3),
                                always_step("grows", lambda before, label, after: after > before)])
    result = explore(model)
    first = result.properties["one-at-a-time"]
    assert first.verdict == "violated"
    assert [step.label for step in first.trace.steps] == ["+2"]
    third = result.properties["never-from-three"]
    assert third.trace.states == [0, 1, 3, 4]                # 3 is first found from 1 (expanded before 2)
    assert [step.label for step in third.trace.steps][-1] == "+1"
    assert check_replays(model, third.trace)
    assert result.verdict("grows") == "holds"


def test_a_step_property_names_the_step_even_when_its_target_was_reached_otherwise():
    # 0 -> 1 -> 2 and 0 -> 2: the step 1 -> 2 labelled "late" breaks the property; 2 was first found from 0.
    def step(n):
        return {0: [("a", 1), ("b", 2)], 1: [("late", 2)]}.get(n, [])
    model = Model(name="m", initial_states=[0], actions=[Action("Step", step)],
                  properties=[always_step("no-late", lambda before, label, after: label != "late")])
    verdict = explore(model).properties["no-late"]
    assert [step.label for step in verdict.trace.steps] == ["a", "late"]
    assert check_replays(model, verdict.trace)


def test_the_parallel_search_gives_the_same_counts_and_traces():
    model = counter(properties=[always("below-six", lambda n: n < 6),
                                always_step("one-at-a-time", lambda b, label, a: a == b + 1)])
    one, two = explore(model), explore(model, workers=2)
    assert (two.stats.distinct, two.stats.generated, two.stats.workers) == (one.stats.distinct, one.stats.generated, 2)
    assert {n: p.trace.states for n, p in two.properties.items()} == \
        {n: p.trace.states for n, p in one.properties.items()}


def signature(result):
    return ((result.stats.distinct, result.stats.generated, result.stats.depth, result.stats.terminal),
            {name: (p.verdict, p.trace and [(step.action, step.label, step.state) for step in p.trace.steps],
                    p.trace and p.trace.initial) for name, p in result.properties.items()})


def test_the_parallel_search_finds_the_first_step_in_the_one_process_order(load_python_spec):
    # The ring of 3 nodes with a tighter constraint than its own: invariants broken both inside and only
    # outside the constraint, and step properties broken at several places of a level.
    model = load_python_spec("async_termination_detection").model(n=3, max_pending=2)
    model.properties = [p for p in model.properties if p.kind not in TEMPORAL] + [
        always("few-pending", lambda s: sum(s[1]) < 4),                   # first broken inside
        always("no-node-full", lambda s: max(s[1]) < 3),                  # broken only outside
        always_step("no-message-to-self", lambda b, label, a: not (label[0] == "send" and label[1] == label[2])),
        always_step("node-two-stays-idle", lambda b, label, a: a[0][2] == 0 or b[0][2] == 1),
        always_step("no-second-message", lambda b, label, a: sum(a[1]) < 2 or sum(b[1]) > 0 or label[0] != "send"),
        sometimes("three-pending", lambda s: sum(s[1]) == 3)]
    one = explore(model)
    assert {name: p.verdict for name, p in one.properties.items()}["no-node-full"] == "violated"
    assert max(one.properties["no-node-full"].trace.last[1]) == 3          # a state outside the constraint
    for workers in (2, 3):
        assert signature(explore(model, workers=workers)) == signature(one)


def test_a_step_and_a_new_state_of_one_expansion_are_ordered_as_the_one_process_search_orders_them():
    # From 0: 1 (stored), 100 (outside), 101 (outside), 2 (stored), 3 (stored), 102 (outside).
    def step(n):
        return [(f"to {t}", t) for t in (1, 100, 101, 2, 3, 102)] if n == 0 else []
    model = Model(name="fan", initial_states=[0], actions=[Action("Step", step)], constraint=lambda n: n < 100,
                  properties=[always("new-first", lambda n: n not in (1, 100)),
                              always("outside-first", lambda n: n not in (101, 2)),
                              always("outside-between", lambda n: n not in (3, 101, 102)),
                              always_step("steps-in-order", lambda b, label, a: a not in (102, 3, 101))])
    expected = {"new-first": 1, "outside-first": 101, "outside-between": 101, "steps-in-order": 101}
    for workers in (1, 2, 3):
        result = explore(model, workers=workers)
        assert {name: p.trace.last for name, p in result.properties.items()} == expected


def test_liveness_sees_only_the_steps_inside_the_constraint():
    # Inside the constraint 4 has no step: a behaviour stays there, so "reaches five" is violated even
    # under weak fairness (the step to 5 is outside the model the constraint leaves).
    model = counter(actions=[Action("Add", lambda n: [("+1", n + 1)], fairness=WEAK)],
                    properties=[eventually("reaches-four", lambda n: n == 4),
                                eventually("reaches-five", lambda n: n == 5)])
    result = explore(model)
    assert result.verdict("reaches-four") == "holds"
    assert result.properties["reaches-five"].trace.states == [0, 1, 2, 3, 4]


def test_a_checkpointed_search_with_a_constraint_resumes_to_the_same_result(tmp_path):
    model = counter(properties=[always("below-six", lambda n: n < 6), sometimes("four", lambda n: n == 4),
                                always_step("small-steps", lambda b, label, a: a - b < 3)],
                    actions=[Action("Add", lambda n: [("+1", n + 1), ("+2", n + 2), ("+3", n + 3)])],
                    constraint=lambda n: n < 12)
    direct = bfs(model)
    path = tmp_path / "search.checkpoint"
    for limits in (Limits(max_states=3), Limits(max_depth=2)):
        checkpoint = Checkpoint(path, identity=identity_of(model, symmetry=True), interval=0.0)
        stopped = bfs(model, limits, checkpoint=checkpoint)
        assert stopped.stopped_by is not None
        again = Checkpoint(path, identity=identity_of(model, symmetry=True), resume=True)
        resumed = bfs(model, checkpoint=again)
        assert (resumed.stats.distinct, resumed.stats.generated, resumed.stats.depth) == \
            (direct.stats.distinct, direct.stats.generated, direct.stats.depth)
        assert {n: (p.verdict, p.trace and p.trace.states) for n, p in resumed.properties.items()} == \
            {n: (p.verdict, p.trace and p.trace.states) for n, p in direct.properties.items()}
