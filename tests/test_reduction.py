"""Partial-order reduction (`engine.reduction`, `actors.independence`): the same verdicts as the full
search, on the bundled actor systems and on random ones.

The strongest check is on random actor systems (hypothesis): the reduced search reaches exactly the
same values of what the properties read (each observed actor's state and status) and exactly the same
terminal states as the full search, so no property over them can tell the two apart; it never visits
more states; and every counterexample it gives replays through the model and violates its property.
A model with a cycle checks the proviso (without it the reduced search would miss the violation), and
one model must be reduced strictly.
"""

from __future__ import annotations

import json
import random
from typing import NamedTuple
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from modelcheck.actors import (Actor, ActorState, ActorSystem, Network, Out, Reply, Request, Send)
from modelcheck.actors.actor import REQUEST
from modelcheck.engine import VIOLATED, Action, Independence, Model, always, at_end, check_replays, explore, sometimes
from modelcheck.engine import reduction as reductions
from modelcheck.errors import InvalidModel, ModelcheckError


# -- random actor systems --------------------------------------------------------------------------------

class Moves(NamedTuple):
    to: int            # the phase it moves to


class RandomActor(Actor):
    """An actor with a phase (durable, 0 to `top`) and a table, drawn from `seed`, of what it does: its
    own steps and its answer to each message in each phase. A step that sends moves the phase up, so the
    system is finite; a delivery may also keep the phase and only consume the message."""

    kinds = (Moves,)

    def __init__(self, index: int, count: int, role: str, seed: int, top: int = 2, declare: bool = True):
        super().__init__(f"a{index}")
        self.role = role
        self.index = index
        draw = random.Random(seed)
        others = [i for i in range(count) if i != index]
        if draw.random() < 0.7:                  # most actors talk to one other actor at most
            others = draw.sample(others, min(len(others), draw.choice((0, 1, 1))))
        self.top = top

        def sends():
            if not others or draw.random() < 0.4:
                return ()
            kind = Request if draw.random() < 0.5 else Send
            return (kind(draw.choice(others), draw.randrange(2)),)

        self.own = {phase: [(phase + 1, sends())] if draw.random() < 0.6 else [] for phase in range(top)}
        self.own[top] = []
        self.answers = {}
        for phase in range(top + 1):
            for message in range(2):
                choices = []
                if phase < top and draw.random() < 0.7:
                    choices.append((phase + 1, sends(), draw.random() < 0.7))
                if draw.random() < 0.5 or not choices:
                    choices.append((phase, (), draw.random() < 0.5))
                self.answers[phase, message] = choices
        self.reacts = draw.random() < 0.5
        used = {send.dst for outs in self.own.values() for _to, out in outs for send in out}
        used |= {send.dst for choices in self.answers.values() for _to, out, _r in choices for send in out}
        self.sends_to = tuple(sorted(used)) if declare else None

    def initial(self):
        return ActorState(0, 0)

    def steps(self, state):
        return [Out(Moves(to), ActorState(to, state.volatile), out) for to, out in self.own[state.durable]]

    def receive(self, state, envelope):
        result = []
        message = envelope.message
        message = message % 2 if isinstance(message, int) else 1          # a Down notice counts as 1
        for to, out, reply in self.answers[state.durable, message]:
            if reply and envelope.kind == REQUEST:
                out = out + (Reply(envelope.link, self.index),)
            result.append(Out(Moves(to), ActorState(to, state.volatile), out))
        return result

    def failed(self, state, link, requests):
        if self.reacts and state.durable < self.top:
            return [Out(Moves(state.durable + 1), ActorState(state.durable + 1, state.volatile))]
        return []


def _random_system(seed: int, *, observed=None, extra=()):
    """A random actor system from `seed`: 2 or 3 actors, a random network and budgets, and random
    `always`, `sometimes` and `at_end` properties over the phases of the actors it observes."""
    draw = random.Random(seed)
    count = draw.choice((2, 3, 3, 4))
    roles = [draw.choice(("x", "y")) if draw.random() < 0.5 else f"r{i}" for i in range(count)]
    actors = [RandomActor(i, count, roles[i], draw.randrange(10**9), declare=draw.random() < 0.8)
              for i in range(count)]
    for actor in actors:
        if draw.random() < 0.2:
            actor.monitors = (draw.choice([i for i in range(count) if i != actor.index]),)
    network = Network(draw.choice(("fifo", "unordered")), request_response=draw.random() < 0.5)
    budgets = {}
    for fault in ("loss", "crash", "pause", "delay", "close"):
        if draw.random() < 0.15:
            budgets[fault] = 1
    if draw.random() < 0.3:
        budgets[f"crash:{roles[0]}"] = 1
    if observed is None:
        observed = sorted(draw.sample(range(count), draw.choice((1, 1, 2))))
    properties = list(extra)
    for number in range(draw.choice((1, 2))):
        i, j = draw.choice(observed), draw.choice(observed)
        a, b = draw.randrange(3), draw.randrange(3)
        properties.append(always(f"never-{number}", lambda s, i=i, j=j, a=a, b=b:
                                 not (s.actors[i].durable == a and s.actors[j].durable == b)))
        properties.append(sometimes(f"reached-{number}", lambda s, i=i, a=a: s.actors[i].durable == a))
    properties.append(at_end("ends-high", lambda s: sum(local.durable for local in s.actors) >= count))
    system = ActorSystem(actors, network, budgets, properties=properties, observes=observed,
                         name=f"random-{seed}")
    return system, observed


def _recorded(seed: int, reduction: str, *, shortest: bool = False):
    """The values of the observed parts and the terminal states that one search reaches (of the reduced
    graph alone: without `shortest`, the search that makes the counterexamples shortest afterwards, which
    explores the full graph, is left out)."""
    values, ends = set(), set()

    def project(state):
        return tuple((state.actors[i], state.status[i]) for i in observed)

    recorders = [always("record", lambda s: values.add(project(s)) or True),
                 at_end("record-end", lambda s: ends.add(s) or True)]
    system, observed = _random_system(seed, extra=recorders)
    if shortest:
        result = explore(system.model(), reduction=reduction, max_states=30_000)
    else:
        with mock.patch.object(reductions, "shortest_counterexamples", lambda model, result, *_a, **_k: result):
            result = explore(system.model(), reduction=reduction, max_states=30_000)
    return result, values, ends, system


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9))
def test_random_actor_systems_reach_the_same_observed_values_and_ends(seed):
    full, full_values, full_ends, _ = _recorded(seed, "none")
    if full.stopped_by is not None:
        return                                  # too big for a unit test: drawn again
    reduced, reduced_values, reduced_ends, system = _recorded(seed, "por")
    assert reduced.stopped_by is None
    assert reduced_values == full_values
    assert reduced_ends == full_ends
    assert reduced.stats.distinct <= full.stats.distinct
    model = system.model()
    for name, prop in full.properties.items():
        assert reduced.properties[name].verdict == prop.verdict, name
    for prop in reduced.properties.values():
        if prop.verdict == VIOLATED and prop.trace is not None:
            assert check_replays(model, prop.trace)
            predicate = next(p.predicate for p in model.get_properties() if p.name == prop.name)
            assert not predicate(prop.trace.last)


def test_random_systems_include_violations_and_reductions():
    """The random systems exercise what the property test claims: some violate a property, and on
    some the reduction visits strictly fewer states."""
    violated = reduced = 0
    for seed in range(40):
        full, _, _, _ = _recorded(seed, "none")
        if full.stopped_by is not None:
            continue
        por, _, _, _ = _recorded(seed, "por")
        violated += any(p.verdict == VIOLATED for p in full.properties.values())
        reduced += por.stats.distinct < full.stats.distinct
    assert violated >= 5
    assert reduced >= 5


def test_the_reduced_searchs_counterexamples_are_made_shortest():
    """The reduced graph's shortest counterexample may be longer than the full graph's; the final search
    over the violating region gives the full graph's length back, and on some random systems it had to."""
    shortened = 0
    for seed in range(30):
        full, _, _, system = _recorded(seed, "none")
        if full.stopped_by is not None:
            continue
        raw, _, _, _ = _recorded(seed, "por")
        restored, _, _, _ = _recorded(seed, "por", shortest=True)
        model = system.model()
        for name, prop in full.properties.items():
            if prop.verdict != VIOLATED or prop.trace is None:
                continue
            found = restored.properties[name]
            assert found.verdict == VIOLATED and len(found.trace) == len(prop.trace), (seed, name)
            assert check_replays(model, found.trace)
            shortened += len(raw.properties[name].trace) > len(prop.trace)
    assert shortened >= 1


# -- the bundled actor systems ---------------------------------------------------------------------------

TWO_PHASE = [{}, {"log_decision": False}, {"resend": False}, {"loss": 0, "crashes": 0},
             {"rms": 3, "loss": 0, "crashes": 0}]


@pytest.mark.parametrize("params", TWO_PHASE, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "default")
def test_two_phase_actors_same_verdicts(load_python_spec, params):
    model = load_python_spec("two_phase_actors").model(**params)
    full = explore(model)
    reduced = explore(model, reduction="por")
    assert not reduced.warnings
    assert {n: p.verdict for n, p in reduced.properties.items()} == {n: p.verdict for n, p in full.properties.items()}
    assert reduced.stats.distinct <= full.stats.distinct
    for prop in reduced.properties.values():
        if prop.verdict == VIOLATED:
            assert check_replays(model, prop.trace)


def test_two_phase_actors_without_faults_is_reduced(load_python_spec):
    model = load_python_spec("two_phase_actors").model(rms=3, loss=0, crashes=0)
    assert explore(model, reduction="por").stats.distinct < explore(model).stats.distinct


# -- independent clients: where the reduction pays ------------------------------------------------------

class Counts(NamedTuple):
    to: int


class Worker(Actor):
    """Counts to `top` by itself, then tells the log; nobody sends to it."""

    role = "worker"
    kinds = (Counts,)

    def __init__(self, index: int, top: int = 3):
        super().__init__(f"worker{index}")
        self.top = top
        self.sends_to = (0,)

    def initial(self):
        return ActorState(0, None)

    def steps(self, state):
        if state.durable < self.top:
            sends = (Send(0, state.durable + 1),) if state.durable + 1 == self.top else ()
            return [Out(Counts(state.durable + 1), ActorState(state.durable + 1, None), sends)]
        return []


class Log(Actor):
    role = "log"
    kinds = (Counts,)
    sends_to = ()

    def initial(self):
        return ActorState(0, None)

    def receive(self, state, envelope):
        return [Out(Counts(state.durable + 1), ActorState(state.durable + 1, None))]


def _workers(count: int, limit: int):
    actors = [Log()] + [Worker(i) for i in range(1, count + 1)]
    return ActorSystem(actors, properties=[always("few", lambda s: s.actors[0].durable <= limit)],
                       observes=(0,), name="workers").model()


def test_independent_workers_are_reduced_and_keep_their_verdicts():
    holds, violated = _workers(3, 3), _workers(3, 2)
    full, reduced = explore(holds), explore(holds, reduction="por")
    assert (full.stats.distinct, reduced.stats.distinct) == (125, 17)
    assert reduced.verdict("few") == full.verdict("few") == "holds"
    found = explore(violated, reduction="por").properties["few"]
    assert found.verdict == VIOLATED
    assert check_replays(violated, found.trace)
    shortest = explore(violated).properties["few"].trace
    assert len(found.trace) == len(shortest)


def test_a_wrong_sends_to_is_an_error():
    class Liar(Worker):
        def __init__(self):
            super().__init__(1)
            self.sends_to = ()
    model = ActorSystem([Log(), Liar()], observes=(0,)).model()
    with pytest.raises(InvalidModel, match="sends_to"):
        explore(model, reduction="por")


# -- the engine: the proviso and the cases where the reduction stays off --------------------------------

def _spinner(independence=True):
    """Process 0 spins between 0 and 1 for ever (invisible); process 1 sets a flag once (visible). Without
    the cycle proviso, the reduced search would spin and never set the flag."""
    def spin(state):
        return [(("spin", 0), (1 - state[0], state[1]))]

    def flag(state):
        return [(("flag", 1), (state[0], 1))] if state[1] == 0 else []

    declared = Independence(owner=lambda label: label[1], persistent=lambda state, owner, owners: True,
                            visible=lambda state, label, after: label[1] == 1)
    return Model(name="spinner", initial_states=[(0, 0)], actions=[Action("spin", spin), Action("flag", flag)],
                 properties=[always("unflagged", lambda s: s[1] == 0)],
                 independence=declared if independence else None)


def test_the_cycle_proviso_keeps_a_step_from_being_ignored():
    result = explore(_spinner(), reduction="por")
    assert result.verdict("unflagged") == VIOLATED


def test_reduction_refused_or_off_where_it_does_not_apply():
    off = explore(_spinner(independence=False), reduction="por")
    assert any("declares no independence" in warning for warning in off.warnings)
    with pytest.raises(ModelcheckError, match="one-process"):
        explore(_spinner(), reduction="por", workers=2)
    with pytest.raises(ModelcheckError, match="not one of"):
        explore(_spinner(), reduction="partial")


# -- the command line ------------------------------------------------------------------------------------

def _cli(*args):
    from click.testing import CliRunner
    from modelcheck.cli import main
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_reduction_keeps_the_expected_verdicts_and_refuses_workers():
    from conftest import SPECS
    spec = SPECS / "two_phase_actors.py"
    reduced = _cli("explore", spec, "--param", "log_decision=false", "--reduction", "por", "--format", "json", "-q")
    assert reduced.exit_code == 0
    report = json.loads(reduced.output)
    assert report["gate"] == "as expected"
    assert report["stats"]["distinct"] == 13_079            # 13,088 without the reduction
    assert _cli("check", spec, "--reduction", "por", "-q").exit_code == 0
    refused = _cli("explore", spec, "--reduction", "por", "--workers", "2")
    assert refused.exit_code == 2 and "one process" in refused.output
    assert "--reduction [none|por]" in _cli("check", "--help").output
    other = _cli("explore", SPECS / "two_phase_commit.py", "--reduction", "por", "-q")
    assert other.exit_code == 0 and "declares no independence" in other.output


def test_api_check_takes_the_reduction():
    import modelcheck
    from conftest import SPECS
    checked = modelcheck.check(SPECS / "two_phase_actors.py", params={"log_decision": False}, reduction="por")
    assert checked.passed
    assert checked.outcomes[0].result.stats.distinct == 13_079


def test_observes_must_name_actors():
    with pytest.raises(InvalidModel, match="neither an actor id"):
        ActorSystem([Log(), Worker(1)], observes=(0, 5)).model()
