"""The first step that made a violation inevitable (`engine.inevitable`), and how reports mark it.

Oracles: hand-built consumer models whose point of no return is known by reasoning (the crash between
the write and the commit, or between the commit and the write); random small graphs checked against a
brute force over every maximal path (acyclic graphs, `networkx.all_simple_paths`) and against the
graph-theoretic definition (reachable terminal states and cycles, `networkx` strongly connected
components) for graphs with cycles.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import transition_system
from modelcheck.engine import Action, Model, StepLabel, Trace, TraceStep, always, at_end, explore
from modelcheck.engine.inevitable import (BOUNDED, FOUND, NOT_APPLICABLE, first_inevitable_step,
                                          inevitability)
from modelcheck.report import explain
from modelcheck.report.html import render_html
from modelcheck.report.json_report import outcome_to_dict
from modelcheck.report.mermaid import render_property
from modelcheck.report.svg import render_svg
from modelcheck.report.text import render_trace
from modelcheck.spec.outcome import Outcome
from test_report_models import broken_two_phase_commit, retry_model, shop_model


# --- a consumer of two records, with one crash ------------------------------------------------------

class Consumer(NamedTuple):
    position: int = 0             # next offset to read (volatile: lost in a crash)
    fetched: tuple = ()           # records polled, not yet processed (volatile)
    committed: int = 0            # the group's committed offset (durable)
    database: tuple = ()          # rows written (durable)
    crashes: int = 0


LOG = ("e1", "e2")


def consumer_model(commit_first: bool) -> Model:
    """commit_first: commit the offset of a polled record before writing it (at-most-once)."""

    def poll(s: Consumer):
        if s.fetched or s.position >= len(LOG):
            return []
        return [(StepLabel("consumer", f"polls {LOG[s.position]}"),
                 s._replace(position=s.position + 1, fetched=(LOG[s.position],)))]

    def write(s: Consumer):
        if not s.fetched or (commit_first and s.committed < s.position):
            return []
        return [(StepLabel("consumer", f"writes {s.fetched[0]}", peer="database"),
                 s._replace(fetched=(), database=s.database + s.fetched))]

    def commit(s: Consumer):
        ready = s.position > s.committed and (commit_first or not s.fetched)
        if not ready:
            return []
        return [(StepLabel("consumer", f"commits offset {s.position}", peer="group"),
                 s._replace(committed=s.position))]

    def crash(s: Consumer):
        if s.crashes or (s.position == s.committed and not s.fetched):
            return []
        return [(StepLabel("consumer", "crashes", fault=True),
                 s._replace(position=s.committed, fetched=(), crashes=1))]

    return Model(
        name="commit-first" if commit_first else "write-first",
        initial_states=[Consumer()],
        actions=[Action("poll", poll), Action("write", write), Action("commit", commit),
                 Action("crash", crash)],
        properties=[always("no-duplicate", lambda s: len(set(s.database)) == len(s.database)),
                    at_end("no-loss", lambda s: set(LOG) <= set(s.database))])


def labels(trace) -> list[str]:
    return [str(step.label) for step in trace.steps]


def test_write_then_commit_duplicates_from_the_crash_after_the_write():
    model = consumer_model(commit_first=False)
    result = explore(model)
    assert result.properties["no-loss"].verdict == "holds"
    trace = result.properties["no-duplicate"].trace
    assert labels(trace) == ["consumer polls e1", "consumer writes e1", "consumer crashes",
                             "consumer polls e1", "consumer writes e1"]
    # after the write a commit could still have saved it; after the crash the rewrite is certain
    assert first_inevitable_step(model, trace, "no-duplicate") == 3


def walk(model, texts) -> Trace:
    """The trace that takes, from the initial state, the steps with these labels."""
    state, steps = model.get_initial_states()[0], []
    for text in texts:
        action, label, state = next((action, label, nxt) for action, label, nxt in model.successors(state)
                                    if str(label) == text)
        steps.append(TraceStep(action, label, state))
    return Trace(model.get_initial_states()[0], tuple(steps))


def test_commit_then_write_loses_from_the_crash_after_the_commit():
    model = consumer_model(commit_first=True)
    result = explore(model)
    assert result.properties["no-duplicate"].verdict == "holds"
    shortest = result.properties["no-loss"].trace
    assert labels(shortest) == ["consumer polls e1", "consumer commits offset 1", "consumer writes e1",
                                "consumer polls e2", "consumer commits offset 2", "consumer crashes"]
    assert first_inevitable_step(model, shortest, "no-loss") == 6       # the crash, at the very end
    # losing e1 instead: sealed by the crash at step 3, three steps before the run ends
    losing_e1 = walk(model, ["consumer polls e1", "consumer commits offset 1", "consumer crashes",
                             "consumer polls e2", "consumer commits offset 2", "consumer writes e2"])
    assert first_inevitable_step(model, losing_e1, "no-loss") == 3


def test_a_bug_that_no_run_avoids_is_inevitable_from_the_initial_state():
    model = Model(name="always-drops", initial_states=[0],
                  actions=[Action("drop", lambda n: [("drop", n + 1)] if n < 3 else [])],
                  properties=[at_end("kept", lambda n: n == 0)])
    trace = explore(model).properties["kept"].trace
    assert len(trace.steps) == 3
    assert inevitability(model, trace, "kept") == (0, FOUND, 4)


def test_a_cycle_escapes_at_end_and_a_stutter_does_not():
    # 0 -> 1 (bad end) or 0 -> 2; from 2 a retry goes back and forth with 3; 4 only stutters
    edges = [(0, "fail", 1), (0, "wait", 2), (2, "retry", 3), (3, "retry", 2)]
    model = transition_system([0], edges, properties=[at_end("ok", lambda s: s != 1)])
    trace = explore(model).properties["ok"].trace
    assert trace.states == [0, 1]
    assert first_inevitable_step(model, trace, "ok") == 1          # 0 could cycle for ever
    # the same with the cycle replaced by a stutter beside a bad end: the stutter is no way out
    edges = [(0, "fail", 1), (0, "wait", 2), (2, "retry", 2), (2, "give up", 1)]
    model = transition_system([0], edges, properties=[at_end("ok", lambda s: s != 1)])
    assert first_inevitable_step(model, explore(model).properties["ok"].trace, "ok") == 0
    # a state whose only step is a stutter stays put for ever: an escape
    edges = [(0, "fail", 1), (0, "wait", 2), (2, "retry", 2)]
    model = transition_system([0], edges, properties=[at_end("ok", lambda s: s != 1)])
    assert first_inevitable_step(model, explore(model).properties["ok"].trace, "ok") == 1


def test_a_deadlock_is_an_at_end_property_of_the_done_states():
    # a transaction: begin, then commit (done) or a coordinator crash that leaves it hanging for ever
    edges = [("idle", "begin", "open"), ("open", "prepare", "prepared"), ("prepared", "commit", "done"),
             ("open", "crash", "hung"), ("prepared", "abort", "idle")]
    model = transition_system(["idle"], edges, done=lambda s: s in ("done", "idle"))
    prop = explore(model).properties["deadlock"]
    assert prop.verdict == "violated" and prop.trace.states == ["idle", "open", "hung"]
    assert first_inevitable_step(model, prop.trace, "deadlock") == 2
    # with a way back from the hang (a timeout that aborts), the hang is no longer a dead end
    model = transition_system(["idle"], edges + [("hung", "time out", "prepared"), ("prepared", "crash", "stuck")],
                              done=lambda s: s in ("done", "idle"))
    prop = explore(model).properties["deadlock"]
    assert prop.trace.states[-1] == "stuck"
    assert first_inevitable_step(model, prop.trace, "deadlock") == len(prop.trace.steps)


def test_always_cuts_the_trace_at_its_first_violation_and_rejects_a_trace_without_one():
    edges = [(0, "a", 1), (1, "b", 2), (1, "c", 3), (2, "d", 4)]
    model = transition_system([0], edges, properties=[always("not-2", lambda s: s != 2),
                                                      at_end("end-3", lambda s: s == 3)])
    longer = Trace(0, (TraceStep("do a", "a", 1), TraceStep("do b", "b", 2), TraceStep("do d", "d", 4)))
    assert first_inevitable_step(model, longer, "not-2") == 2        # 1 could go to 3, a good end
    with pytest.raises(ValueError, match="does not violate"):
        first_inevitable_step(model, Trace(0, (TraceStep("do a", "a", 1),)), "not-2")
    with pytest.raises(ValueError, match="terminal state"):
        first_inevitable_step(model, Trace(0, (TraceStep("do a", "a", 1),)), "end-3")
    with pytest.raises(ValueError, match="no property named"):
        first_inevitable_step(model, longer, "missing")


def test_eventually_and_sometimes_are_not_applicable():
    model = retry_model()
    prop = explore(model).properties["delivered"]
    assert inevitability(model, prop.trace, prop) == (None, NOT_APPLICABLE, 0)
    shop = shop_model()
    witness = explore(shop).properties["all-written"]
    assert first_inevitable_step(shop, witness.trace, witness) is None


def test_undecided_beyond_max_states():
    # from 0: a bad step, or counting up for ever (no terminal state, no cycle): escape unknowable
    def step(n):
        return ([("bad", -1)] if n == 0 else []) + ([("up", n + 1)] if n >= 0 else [])

    model = Model(name="endless", initial_states=[0], actions=[Action("step", step)],
                  properties=[always("never-bad", lambda n: n != -1)])
    trace = Trace(0, (TraceStep("step", "bad", -1),))
    assert inevitability(model, trace, "never-bad", max_states=500) == (None, BOUNDED, 500)
    assert first_inevitable_step(model, trace, "never-bad", max_states=500) is None


def chain() -> Model:
    """A chain of 40 good states before a step into a bad one: deciding the first state needs them all."""
    def step(n):
        if n < 40:
            return [("next", n + 1)]
        return [("bad", -1)] if n == 40 else []

    return Model(name="chain", initial_states=[0], actions=[Action("step", step)],
                 properties=[always("never-bad", lambda n: n != -1)])


def test_the_bound_counts_expanded_states():
    model = chain()
    trace = explore(model).properties["never-bad"].trace
    answer = inevitability(model, trace, "never-bad")
    assert answer.step == 0 and answer.status == FOUND and answer.expanded == 41
    assert inevitability(model, trace, "never-bad", max_states=40).status == BOUNDED


# --- random graphs against brute force ----------------------------------------------------------------

def moving_edges(nodes, edges) -> nx.DiGraph:
    """The step graph after the stutter rule: a self-loop counts only where nothing else can happen."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    for node in nodes:
        if graph.has_edge(node, node) and graph.out_degree(node) > 1:
            graph.remove_edge(node, node)
    return graph


def doomed_by_paths(dag: nx.DiGraph, node, good, kind) -> bool:
    """Brute force on an acyclic graph: every maximal path from `node` breaks the property."""
    ends = [n for n in nx.descendants(dag, node) | {node} if dag.out_degree(n) == 0]
    paths = [[node]] if dag.out_degree(node) == 0 else [
        path for end in ends for path in nx.all_simple_paths(dag, node, end)]
    if kind == "always":
        return all(any(not good[n] for n in path) for path in paths)
    return all(not good[path[-1]] for path in paths)


def doomed_by_components(graph: nx.DiGraph, node, good, kind) -> bool:
    """The definition on any graph: no reachable escape (a good terminal state, or a cycle)."""
    if kind == "always":
        if not good[node]:
            return True
        region = graph.subgraph([n for n in graph if good[n]])
        terminal = lambda n: graph.out_degree(n) == 0                       # noqa: E731
    else:
        region = graph
        terminal = lambda n: graph.out_degree(n) == 0 and good[n]           # noqa: E731
    on_cycle = {n for component in nx.strongly_connected_components(region)
                for n in component if len(component) > 1 or region.has_edge(n, n)}
    reachable = nx.descendants(region, node) | {node}
    return not any(terminal(n) or n in on_cycle for n in reachable)


@st.composite
def graphs(draw, acyclic: bool):
    size = draw(st.integers(2, 8))
    nodes = list(range(size))
    pairs = [(a, b) for a in nodes for b in nodes if (a < b if acyclic else True)]
    edges = draw(st.lists(st.sampled_from(pairs), max_size=18, unique=True)) if pairs else []
    good = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    good[0] = True
    kind = draw(st.sampled_from(["always", "at_end"]))
    return nodes, edges, dict(enumerate(good)), kind


def check_against(oracle, nodes, edges, good, kind, data):
    prop = (always if kind == "always" else at_end)("p", lambda s: good[s])
    model = transition_system([0], [(a, "go", b) for a, b in edges], properties=[prop])
    graph = moving_edges(nodes, edges)
    if kind == "always":
        targets = [n for n in nodes if not good[n]]
        usable = graph.subgraph([n for n in nodes if good[n]] )
    else:
        targets = [n for n in nodes if graph.out_degree(n) == 0 and not good[n]]
        usable = graph
    # a path to a violation whose earlier states are all usable (good ones, for always)
    paths = []
    for target in targets:
        for source in [0]:
            with_target = graph.subgraph(list(usable.nodes) + [target]).copy()
            if kind == "always":
                with_target.remove_edges_from(list(with_target.out_edges(target)))
            paths.extend(nx.all_simple_paths(with_target, source, target))
    assume(paths)
    path = data.draw(st.sampled_from(sorted(paths)))
    trace = Trace(path[0], tuple(TraceStep("do go", "go", state) for state in path[1:]))
    doomed = [oracle(graph, state, good, kind) for state in path]
    assert doomed[-1]
    # monotone along the trace: free up to some index, doomed from it on
    assert doomed == sorted(doomed)
    expected = doomed.index(True)
    assert first_inevitable_step(model, trace, "p") == expected
    assert inevitability(model, trace, "p", max_states=10_000).status == FOUND


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(graphs(acyclic=True), st.data())
def test_acyclic_graphs_against_every_maximal_path(graph, data):
    check_against(doomed_by_paths, *graph, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(graphs(acyclic=False), st.data())
def test_graphs_with_cycles_against_components(graph, data):
    check_against(doomed_by_components, *graph, data)


# --- reports --------------------------------------------------------------------------------------------

def shop_no_duplicate():
    model = shop_model()
    result = explore(model)
    return model, result, result.properties["no-duplicate"]


def test_text_marks_the_crash_of_the_shop():
    model, _result, prop = shop_no_duplicate()
    assert explain.inevitable_step(prop, model) == 4
    lines = render_trace(prop, model).splitlines()
    mark = next(i for i, line in enumerate(lines) if "⚑" in line)
    assert lines[mark].strip() == ("⚑ step 4 makes the violation inevitable: before it a run could "
                                   "still avoid it, from it on none can")
    assert re.match(r"\s+4\s+consumer\s+\[fault\] crashes", lines[mark + 1])
    assert sum("⚑" in line for line in lines) == 1
    assert "⚑" not in render_trace(prop)                    # without the model nothing is searched


def test_text_marks_the_initial_state_and_says_when_undecided(monkeypatch):
    model = Model(name="always-drops", initial_states=[0],
                  actions=[Action("drop", lambda n: [("drop", n + 1)] if n < 3 else [])],
                  properties=[at_end("kept", lambda n: n == 0)])
    prop = explore(model).properties["kept"]
    lines = render_trace(prop, model).splitlines()
    assert lines[2].strip().startswith("⚑ the violation is inevitable from the initial state")
    assert lines[3].strip().startswith("0  initial state")
    monkeypatch.setattr(explain, "INEVITABLE_MAX_STATES", 2)
    again = explore(model).properties["kept"]                # a new trace: not in the memo
    text = render_trace(again, model)
    assert "⚑" not in text
    assert "the step that made the violation inevitable was not decided within 2 states" in text


def test_the_search_runs_once_per_trace(monkeypatch):
    model, result, prop = shop_no_duplicate()
    calls = []
    real = explain.inevitability
    monkeypatch.setattr(explain, "inevitability", lambda *a, **k: calls.append(a) or real(*a, **k))
    outcome = Outcome("tests/shop.py", "shop", result, model)
    first = render_html([outcome])
    render_trace(prop, model), render_property(prop, model), outcome_to_dict(outcome)
    assert len(calls) == 2                                   # no-duplicate and no-loss, once each
    assert render_html([outcome]) == first


def test_html_highlights_the_step():
    model, result, _prop = shop_no_duplicate()
    page = render_html([Outcome("tests/shop.py", "shop", result, model)])
    section = re.search(r'id="o1-no-duplicate".*?</ol>', page, re.S).group(0)
    assert re.search(r'<li class="inevitable-mark">⚑ step 4 makes the violation inevitable', section)
    assert re.search(r'<li value="4" class="fault inevitable">', section)
    assert section.count("inevitable\">") == 1 and section.count("inevitable-mark\">") == 1


def test_diagrams_carry_a_note_before_the_step():
    model, _result, prop = shop_no_duplicate()
    mermaid = render_property(prop, model).splitlines()
    note = next(i for i, line in enumerate(mermaid) if "⚑" in line)
    assert re.match(r"    Note over a\d+,a\d+: ⚑ from here on the violation is inevitable$", mermaid[note])
    assert ": ⚡ 4. crashes#59; restarts at offset 0" in mermaid[note + 1]
    svg = render_svg(prop.trace, model, prop)
    marker = re.search(r'<g class="inevitable">.*?</g>', svg).group(0)
    assert "⚑ from here on the violation is inevitable" in marker
    # the marker is drawn above the crash note
    marker_y = float(re.search(r'y1="([\d.]+)"', marker).group(1))
    crash_y = float(re.search(r'<g class="note fault"><rect x="[\d.]+" y="([\d.]+)"', svg).group(1))
    assert marker_y < crash_y
    assert "⚑" not in render_svg(prop.trace, None, prop)


def test_json_has_inevitable_from_per_violated_property():
    model, result, _prop = shop_no_duplicate()
    document = outcome_to_dict(Outcome("tests/shop.py", "shop", result, model))
    properties = document["properties"]
    assert properties["no-duplicate"]["inevitable_from"] == 4
    assert properties["no-loss"]["inevitable_from"] == 4          # the lost request
    assert "inevitable_from" not in properties["key-order"]       # holds: nothing to mark
    json.dumps(document)
    lasso_model = retry_model()
    lasso = outcome_to_dict(Outcome("tests/retry.py", "retry", explore(lasso_model), lasso_model))
    assert "inevitable_from" not in lasso["properties"]["delivered"]


def test_plain_labels_and_the_last_step():
    model = broken_two_phase_commit(2)
    prop = explore(model).properties["TCConsistent"]
    # rm1 may still receive Commit after the hasty commit (TwoPhase's receive has no guard), so only
    # rm0's receipt of Commit seals it: the violating step itself
    assert explain.inevitable_step(prop, model) == len(prop.trace.steps)


def test_the_memory_limit_ends_the_analysis_as_a_limit():
    """A run's --max-memory bounds the analysis too: a megabyte is less than the process holds, so the
    search stops at its first expansion and says the run's limit stopped it."""
    from modelcheck.engine.inevitable import LIMIT

    model = chain()
    trace = explore(model).properties["never-bad"].trace
    assert inevitability(model, trace, "never-bad", max_memory=1) == (None, LIMIT, 0)
    assert inevitability(model, trace, "never-bad", max_memory=100_000).status == FOUND
