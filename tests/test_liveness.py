"""Temporal properties under declared fairness, against a brute-force oracle that enumerates fair lassos.

The oracle works from the definitions rather than from the engine's pruning of strongly connected
components. A behaviour of a finite graph is a lasso: a prefix, then a set S of states visited for ever
(a single state may be stayed in: stuttering). Going round S along every step inside S is the fairest
way to visit exactly S, so a fair behaviour visiting S for ever exists when S is strongly connected and
that tour is fair: every weakly fair instance enabled in all of S, and every strongly fair instance
enabled in some state of S, is taken by a step inside S. The oracle tries every subset S of the
reachable states, and for each property asks the prefix condition of its negation directly (by
reachability in the right subgraph). Every counterexample the engine gives is checked on its own: it
replays, its cycle is fair by the definition, and the property is false on that lasso. Some systems
have a state constraint: the oracle then works on the system it leaves (initial states and steps
inside it), which is the engine's documented semantics.

Small hand-made models pin the cases a reader can check by eye: stuttering without fairness, weak
against strong fairness, fairness per process, and the fault that used to be assumed to happen.
"""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcheck.actors import Actor, ActorSystem
from modelcheck.engine import (STRONG, UNFAIR, WEAK, Action, Model, always, always_eventually, check_replays,
                               eventually, eventually_always, explore, leads_to)
from modelcheck.engine.label import StepLabel
from modelcheck.engine.lasso import judge_lasso
from modelcheck.errors import InvalidModel

NAMES = ("a", "b", "c")
KINDS = ("eventually", "always_eventually", "eventually_always", "leads_to")


# -- small systems ----------------------------------------------------------------------------------

@st.composite
def systems(draw, max_size: int = 5):
    """States 0..n-1; edges labelled (action name, process); per action a fairness, whether it is fair
    per process, and which labels are faults; two sets of states P and Q."""
    size = draw(st.integers(1, max_size))
    node = st.integers(0, size - 1)
    label = st.tuples(st.sampled_from(NAMES), st.integers(0, 1))
    edges = draw(st.lists(st.tuples(node, label, node), max_size=3 * size, unique=True))
    initial = draw(st.sets(node, min_size=1))
    fairness = {name: draw(st.sampled_from((UNFAIR, WEAK, STRONG))) for name in NAMES}
    per_process = {name: draw(st.booleans()) for name in NAMES}
    faults = draw(st.sets(st.sampled_from(sorted({lab for _s, lab, _t in edges})))) if edges else set()
    p = draw(st.sets(node))
    q = draw(st.sets(node))
    inside = draw(st.none() | st.sets(node))              # a state constraint, or none
    return {"size": size, "edges": tuple(edges), "initial": tuple(sorted(initial)), "fairness": fairness,
            "per": per_process, "faults": frozenset(faults), "p": frozenset(p), "q": frozenset(q),
            "inside": None if inside is None else frozenset(inside)}


def restricted(system):
    """The system the constraint leaves: initial states and steps inside it (the engine's semantics)."""
    inside = system["inside"]
    if inside is None:
        return system
    return dict(system, initial=tuple(s for s in system["initial"] if s in inside),
                edges=tuple(e for e in system["edges"] if e[0] in inside and e[2] in inside), inside=None)


def build(system, kind) -> Model:
    edges = system["edges"]

    def action(name):
        table: dict = {}
        for source, label, target in edges:
            if label[0] == name:
                table.setdefault(source, []).append((label, target))
        per = (lambda label: label[1]) if system["per"][name] else None
        return Action(f"do {name}", lambda s: list(table.get(s, ())), fairness=system["fairness"][name], per=per)

    p, q = system["p"], system["q"]
    if kind == "leads_to":
        prop = leads_to("prop", lambda s: s in p, lambda s: s in q)
    else:
        prop = {"eventually": eventually, "always_eventually": always_eventually,
                "eventually_always": eventually_always}[kind]("prop", lambda s: s in p)
    faults, inside = system["faults"], system["inside"]
    return Model(name="system", initial_states=list(system["initial"]), actions=[action(n) for n in NAMES],
                 properties=[prop], fault=lambda label: label in faults,
                 constraint=None if inside is None else (lambda s: s in inside))


def instance(system, source, label, target):
    """The fairness instance a step belongs to, or None (unfair action, fault, or a stuttering step)."""
    name, process = label
    if system["fairness"][name] == UNFAIR or label in system["faults"] or source == target:
        return None
    return name, (process if system["per"][name] else None)


def enabled(system, state) -> set:
    found = {instance(system, s, label, t) for s, label, t in system["edges"] if s == state}
    return found - {None}


def fair_tour(system, members, taken) -> bool:
    """Whether visiting `members` for ever while taking the instances `taken` is fair."""
    every = set.intersection(*(enabled(system, s) for s in members))
    some = set.union(*(enabled(system, s) for s in members))
    for inst in some:
        strong = system["fairness"][inst[0]] == STRONG
        if (inst in every or strong) and inst not in taken:
            return False
    return True


def oracle_violated(system, kind) -> bool:
    system = restricted(system)
    edges = system["edges"]
    graph = nx.DiGraph()
    graph.add_nodes_from(range(system["size"]))
    graph.add_edges_from((s, t) for s, _label, t in edges)
    reachable = set()
    for init in system["initial"]:
        reachable |= nx.descendants(graph, init) | {init}
    p, q = system["p"], system["q"]

    def reaches(sources, members, allowed) -> bool:
        """A path from one of `sources` to a state of `members` through states in `allowed` only."""
        sub = graph.subgraph([s for s in reachable if s in allowed])
        return any(source in sub and target in sub and nx.has_path(sub, source, target)
                   for source in sources for target in members)

    everything = set(range(system["size"]))
    for size in range(1, len(reachable) + 1):
        for subset in combinations(sorted(reachable), size):
            members = set(subset)
            inside = [(s, label, t) for s, label, t in edges if s in members and t in members]
            inner = nx.DiGraph()
            inner.add_nodes_from(members)
            inner.add_edges_from((s, t) for s, _label, t in inside)
            if not nx.is_strongly_connected(inner):
                continue
            taken = {instance(system, s, label, t) for s, label, t in inside} - {None}
            if not fair_tour(system, members, taken):
                continue
            if kind == "eventually":
                if members.isdisjoint(p) and reaches(system["initial"], members, everything - p):
                    return True
            elif kind == "always_eventually":
                if members.isdisjoint(p) and reaches(system["initial"], members, everything):
                    return True
            elif kind == "eventually_always":
                if not members <= p and reaches(system["initial"], members, everything):
                    return True
            else:
                starts = [s for s in reachable if s in p and s not in q]
                if members.isdisjoint(q) and reaches(starts, members, everything - q):
                    return True
    return False


def assert_fair_violating_lasso(system, kind, model, trace):
    assert check_replays(model, trace)
    system = restricted(system)
    states = trace.states
    if trace.loop_start is None:
        cycle_states, cycle_steps = [states[-1]], []
    else:
        assert 0 <= trace.loop_start < len(states) - 1
        assert states[-1] == states[trace.loop_start]
        cycle_states = states[trace.loop_start:]
        before = states[trace.loop_start:-1]
        cycle_steps = [(b, step.label, step.state) for b, step in zip(before, trace.steps[trace.loop_start:])]
    taken = {instance(system, s, label, t) for s, label, t in cycle_steps} - {None}
    assert fair_tour(system, set(cycle_states), taken), "the cycle shown is not fair"
    p, q = system["p"], system["q"]
    if kind == "eventually":
        assert not any(s in p for s in states)
    elif kind == "always_eventually":
        assert not any(s in p for s in cycle_states)
    elif kind == "eventually_always":
        assert any(s not in p for s in cycle_states)
    else:
        last = len(states) - 1 if trace.loop_start is None else trace.loop_start
        assert not any(s in q for s in cycle_states)
        assert any(states[i] in p and not any(s in q for s in states[i:]) for i in range(len(states))
                   if i <= last or states[i] in p)


@settings(max_examples=1000, deadline=None)
@given(systems(), st.sampled_from(KINDS))
def test_each_temporal_operator_agrees_with_the_brute_force_oracle(system, kind):
    model = build(system, kind)
    if system["inside"] is not None and not restricted(system)["initial"]:
        return                                            # no initial state inside: nothing to check
    result = explore(model)
    verdict = result.properties["prop"]
    expected = oracle_violated(system, kind)
    assert verdict.verdict == ("violated" if expected else "holds")
    if expected:
        assert_fair_violating_lasso(system, kind, model, verdict.trace)
        trace = verdict.trace                             # and the lasso judge, used by replay, agrees
        judged = judge_lasso(model, model.get_properties()[0], trace.states,
                             [(step.action, step.label) for step in trace.steps], trace.loop_start)
        assert judged.violates, judged.reason


@settings(max_examples=500, deadline=None)
@given(systems(), st.sampled_from(KINDS), st.lists(st.integers(0, 20), max_size=12))
def test_the_lasso_judge_agrees_with_the_brute_force_definitions(system, kind, choices):
    """Any lasso of a random system (a random walk until a state repeats, or to a state with no step):
    `judge_lasso` finds it a fair violating behaviour exactly when the definitions above do."""
    system = dict(system, inside=None)
    model = build(system, kind)
    state, states, steps, choices = system["initial"][0], [system["initial"][0]], [], list(choices)
    loop_start = None
    while True:
        out = [(label, target) for source, label, target in system["edges"] if source == state]
        if not out:
            break                                         # the behaviour stays here for ever
        label, state = out[(choices.pop(0) if choices else 0) % len(out)]
        steps.append((f"do {label[0]}", label))
        if state in states:
            loop_start = states.index(state)
            states.append(state)
            break
        states.append(state)
    if loop_start is None:
        cycle, cycle_steps = [states[-1]], []
    else:
        cycle = states[loop_start:-1]
        cycle_steps = [(states[i], steps[i][1], states[i + 1]) for i in range(loop_start, len(states) - 1)]
    taken = {instance(system, a, label, b) for a, label, b in cycle_steps} - {None}
    fair = fair_tour(system, set(cycle), taken)
    p, q = system["p"], system["q"]
    broken = {"eventually": lambda: not any(x in p for x in states),
              "always_eventually": lambda: not any(x in p for x in cycle),
              "eventually_always": lambda: any(x not in p for x in cycle),
              "leads_to": lambda: not any(x in q for x in cycle) and any(
                  states[i] in p and states[i] not in q and not any(x in q for x in states[i:])
                  for i in range(len(states)))}[kind]()
    judged = judge_lasso(model, model.get_properties()[0], states, steps, loop_start)
    assert judged.violates == (fair and broken), judged.reason
    if fair and not broken:
        assert "not fair" not in judged.reason
    if not fair:
        assert "not fair" in judged.reason


# -- hand-made models ---------------------------------------------------------------------------------

def counter(fairness, **extra):
    """0 -> 1 -> 2 -> 3, one increment at a time."""
    return Model(name="counter", initial_states=[0],
                 actions=[Action("Increment", lambda n: [("increment", n + 1)] if n < 3 else [],
                                 fairness=fairness)],
                 properties=[eventually("reaches-three", lambda n: n == 3)], **extra)


def test_without_fairness_a_behaviour_may_stop_anywhere():
    verdict = explore(counter(UNFAIR)).properties["reaches-three"]
    assert verdict.verdict == "violated"
    assert verdict.trace.states == [0] and verdict.trace.loop_start is None


def test_weak_fairness_makes_the_counter_reach_three():
    assert explore(counter(WEAK)).verdict("reaches-three") == "holds"


def flicker(fairness):
    """0 and 1 alternate for ever (Toggle, weakly fair); Go leads from 0 only to the goal 2."""
    def toggle(s):
        return [("toggle", 1 - s)] if s < 2 else []

    def go(s):
        return [("go", 2)] if s == 0 else []
    return Model(name="flicker", initial_states=[0],
                 actions=[Action("Toggle", toggle, fairness=WEAK), Action("Go", go, fairness=fairness)],
                 properties=[eventually("goal", lambda s: s == 2)])


def test_weak_fairness_allows_a_step_enabled_now_and_then_to_be_passed_over():
    verdict = explore(flicker(WEAK)).properties["goal"]
    assert verdict.verdict == "violated"
    assert verdict.trace.states == [0, 1, 0] and verdict.trace.loop_start == 0


def test_strong_fairness_takes_a_step_enabled_again_and_again():
    assert explore(flicker(STRONG)).verdict("goal") == "holds"


def tickers(per):
    """Two processes each flip a bit for ever; one action, fair per process or as a whole."""
    def tick(state):
        return [(("tick", i), state[:i] + (1 - state[i],) + state[i + 1:]) for i in range(2)]
    return Model(name="tickers", initial_states=[(0, 0)],
                 actions=[Action("Tick", tick, fairness=WEAK, per=per)],
                 properties=[always_eventually("second-ticks", lambda s: s[1] == 1)])


def test_fairness_of_the_whole_action_lets_one_process_starve():
    verdict = explore(tickers(per=None)).properties["second-ticks"]
    assert verdict.verdict == "violated"
    assert {state[1] for state in verdict.trace.states} == {0}


def test_fairness_per_process_is_one_key():
    assert explore(tickers(per=lambda label: label[1])).verdict("second-ticks") == "holds"


def test_a_stuttering_step_does_not_count_as_taking_the_action():
    # Step's only state-changing step leads to the goal; its self-loop in 0 is no excuse.
    model = Model(name="stutter", initial_states=[0],
                  actions=[Action("Step", lambda s: [("stay", 0), ("go", 1)] if s == 0 else [], fairness=WEAK)],
                  properties=[eventually("moves", lambda s: s == 1)])
    assert explore(model).verdict("moves") == "holds"


def test_leads_to_and_eventually_always():
    # A request (1) is granted (2), then the system returns to idle (0); all weakly fair.
    def step(s):
        return [("next", (s + 1) % 3)]
    model = Model(name="cycle", initial_states=[0], actions=[Action("Next", step, fairness=WEAK)],
                  properties=[leads_to("granted", lambda s: s == 1, lambda s: s == 2),
                              leads_to("never-back", lambda s: s == 1, lambda s: False),
                              eventually_always("settles", lambda s: s == 2)])
    result = explore(model)
    assert result.verdict("granted") == "holds"
    assert result.verdict("never-back") == "violated"
    assert result.verdict("settles") == "violated"
    assert result.properties["settles"].trace.loop_start == 0


# -- faults are never assumed to happen -----------------------------------------------------------------

def crashing_workers(crash_action: bool):
    """Two workers do their work (weakly fair, per worker); either may crash, a fault."""
    def work(state):
        return [(("work", i), state[:i] + ("done",) + state[i + 1:]) for i in range(2) if state[i] == "busy"]

    def crash(state):
        return [(StepLabel(f"worker[{i}]", "crashes", fault=True), state[:i] + ("crashed",) + state[i + 1:])
                for i in range(2) if state[i] == "busy"]
    return Model(name="workers", initial_states=[("busy", "busy")],
                 actions=[Action("Work", work, fairness=WEAK, per=lambda label: label[1]),
                          Action("Crash", crash, fault=crash_action)],
                 properties=[eventually("some-crash", lambda s: "crashed" in s),
                             eventually("all-finish", lambda s: "busy" not in s)])


@pytest.mark.parametrize("crash_action", [True, False], ids=["fault-action", "fault-label"])
def test_eventually_some_process_crashes_no_longer_holds(crash_action):
    # Under the old rule (every step label weakly fair) "eventually some process crashes" held: the
    # crash was assumed to happen. A fault is never fair now, so the workers may simply finish.
    result = explore(crashing_workers(crash_action))
    verdict = result.properties["some-crash"]
    assert verdict.verdict == "violated"
    assert verdict.trace.last == ("done", "done")
    assert result.verdict("all-finish") == "holds"


def test_a_fault_action_cannot_be_declared_fair():
    with pytest.raises(InvalidModel, match="fault"):
        Action("Crash", lambda s: [], fairness=WEAK, fault=True)


def test_an_unknown_fairness_is_refused():
    with pytest.raises(InvalidModel, match="fairness"):
        Action("Step", lambda s: [], fairness="sometimes")


class _Worker(Actor):
    """Counts to one and stops; its crash budget is the system's."""

    role = "worker"

    def initial(self):
        from modelcheck.actors import ActorState
        return ActorState(0, None)

    def steps(self, state):
        from modelcheck.actors import Out
        if state.durable == 0:
            return [Out("finishes", state._replace(durable=1))]
        return []


def test_the_actors_layer_never_assumes_a_crash():
    properties = [eventually("crashed", lambda s: any(status != 0 for status in s.status)),
                  eventually("finished", lambda s: s.actors[0].durable == 1)]
    system = ActorSystem([_Worker("worker")], budgets={"crash": 1}, properties=properties, fairness=WEAK)
    result = explore(system.model())
    assert result.verdict("crashed") == "violated"
    # It may crash before finishing and stay down: restarting is fair, so it comes back and finishes.
    assert result.verdict("finished") == "holds"


def test_liveness_is_decided_even_when_a_safety_property_is_already_violated():
    model = Model(name="m", initial_states=[0],
                  actions=[Action("Step", lambda s: [("step", 1)] if s == 0 else [], fairness=WEAK)],
                  properties=[always("never-one", lambda s: s != 1), eventually("reaches-two", lambda s: s == 2)])
    result = explore(model)
    assert result.verdict("never-one") == "violated"
    assert result.verdict("reaches-two") == "violated"


def test_an_unhashable_fairness_key_is_reported_as_a_model_error():
    model = Model(name="m", initial_states=[0],
                  actions=[Action("Step", lambda s: [("step", 1)] if s == 0 else [], fairness=WEAK,
                                  per=lambda label: [label])],
                  properties=[eventually("reaches-one", lambda s: s == 1)])
    with pytest.raises(InvalidModel, match="hashable"):
        explore(model)


@settings(max_examples=100, deadline=None)
@given(systems(), st.sampled_from(KINDS), st.sets(st.integers(0, 4), min_size=1, max_size=3))
def test_a_property_for_each_item_is_the_conjunction_of_its_items(system, kind, items):
    # Item k shifts the state numbers of P and Q by k: one property per item, and one over all items.
    p, q = system["p"], system["q"]
    size = system["size"]

    def shifted(states, k):
        return {(s + k) % size for s in states}
    if kind == "leads_to":
        each = [leads_to(f"item-{k}", lambda s, k=k: s in shifted(p, k), lambda s, k=k: s in shifted(q, k))
                for k in sorted(items)]
        together = leads_to("all", lambda s, k: s in shifted(p, k), lambda s, k: s in shifted(q, k),
                            for_each=sorted(items))
    else:
        constructor = {"eventually": eventually, "always_eventually": always_eventually,
                       "eventually_always": eventually_always}[kind]
        each = [constructor(f"item-{k}", lambda s, k=k: s in shifted(p, k)) for k in sorted(items)]
        together = constructor("all", lambda s, k: s in shifted(p, k), for_each=sorted(items))
    model = build(system, kind)
    model.properties = each + [together]
    result = explore(model)
    violated = [name for name, prop in result.properties.items() if prop.verdict == "violated" and name != "all"]
    assert result.verdict("all") == ("violated" if violated else "holds")
    if violated:
        shortest = min(len(result.properties[name].trace) for name in violated)
        assert len(result.properties["all"].trace) == shortest
        assert check_replays(model, result.properties["all"].trace)


def test_for_each_is_for_temporal_properties_and_needs_items():
    with pytest.raises(ValueError, match="temporal"):
        from modelcheck.engine import Property
        Property("p", "always", lambda s: True, for_each=(1,))
    with pytest.raises(InvalidModel, match="no items"):
        eventually("p", lambda s, item: True, for_each=[])


# -- limits ----------------------------------------------------------------------------------------------

def ring(size: int) -> Model:
    return Model(name="ring", initial_states=[0],
                 actions=[Action("Next", lambda n: [("next", (n + 1) % size)], fairness=WEAK)],
                 properties=[always("in-range", lambda n: 0 <= n < size),
                             always_eventually("back-at-zero", lambda n: n == 0)])


def test_the_temporal_check_stops_at_the_time_limit():
    from modelcheck.engine import liveness
    edges = [(n, (n + 1) % 5000, "next", 0) for n in range(5000)]
    parents = {n: (n - 1 if n else None) for n in range(5000)}
    with pytest.raises(liveness.OutOfTime):
        liveness.FairGraph(ring(5000), parents, edges, deadline=0.0)
    graph = liveness.FairGraph(ring(5000), parents, edges)
    assert liveness.counterexample(graph, ring(5000).properties[1]) is None


def test_a_search_whose_temporal_check_runs_out_of_time_says_so(monkeypatch):
    from modelcheck.engine import liveness

    def out_of_time(graph, prop):
        raise liveness.OutOfTime
    monkeypatch.setattr(liveness, "counterexample", out_of_time)
    result = explore(ring(10), time_limit=60)
    assert result.verdict("back-at-zero") == "bounded"
    assert result.verdict("in-range") == "holds"              # the search itself was complete
    assert result.stopped_by == "time_limit" and result.stats.distinct == 10
    assert any("back-at-zero bounded" in warning for warning in result.warnings)


def test_the_temporal_check_stops_at_the_memory_limit():
    from modelcheck.engine import liveness
    edges = [(n, (n + 1) % 5000, "next", 0) for n in range(5000)]
    parents = {n: (n - 1 if n else None) for n in range(5000)}
    with pytest.raises(liveness.OutOfTime) as cut:
        liveness.FairGraph(ring(5000), parents, edges, max_memory=0.001)     # every process holds more
    assert cut.value.reason == "max_memory"
    graph = liveness.FairGraph(ring(5000), parents, edges, max_memory=10**6)      # a limit not reached
    assert liveness.counterexample(graph, ring(5000).properties[1]) is None


def test_a_search_whose_temporal_check_runs_out_of_memory_says_so(monkeypatch):
    from modelcheck.engine import liveness

    def out_of_memory(graph, prop):
        raise liveness.OutOfTime("max_memory")
    monkeypatch.setattr(liveness, "counterexample", out_of_memory)
    result = explore(ring(10), max_memory=10**6)
    assert result.verdict("back-at-zero") == "bounded"
    assert result.stopped_by == "max_memory"
    assert any("memory limit was reached" in warning for warning in result.warnings)


def test_ctrl_c_in_the_temporal_check_keeps_the_search_and_says_so(monkeypatch):
    from modelcheck.engine import liveness

    def interrupted(graph, prop):
        raise KeyboardInterrupt
    monkeypatch.setattr(liveness, "counterexample", interrupted)
    result = explore(ring(10))
    assert result.verdict("back-at-zero") == "bounded"
    assert result.verdict("in-range") == "holds"              # what the search found is kept
    assert result.stopped_by == "interrupted" and result.stats.distinct == 10
    assert any("Ctrl-C came while the temporal properties were checked" in w for w in result.warnings)
