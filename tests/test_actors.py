"""The actors layer: the network's semantics, the faults and their budgets, the memo, the labels.

Each test builds a small system of the two test actors below and asks the exploration whether some
state is reachable (`reachable`) or whether a predicate holds in every reachable state (`invariant`),
so every claim about the layer's semantics is checked on every interleaving.
"""

from typing import NamedTuple

import pytest

from modelcheck.actors.actor import NOTICE, REQUEST
from modelcheck.actors import (Actor, ActorState, ActorSystem, Deliver, Disconnect, Network, Out, Reply, Request,
                               Send, UP, DOWN, PAUSED)
from modelcheck.engine import HOLDS, VIOLATED, always, always_step, at_end, check_replays, explore, sometimes
from modelcheck.errors import InvalidModel
from modelcheck.report.explain import explain_trace


class Sent(NamedTuple):
    message: int


class Got(NamedTuple):
    message: int


class Answered(NamedTuple):
    message: int


class Failed(NamedTuple):
    messages: tuple


class Client(Actor):
    """Sends `messages` to actor 1 in order, one step each (requests when `requests`); its durable
    state counts the messages sent, its volatile state records replies and failures."""

    role = "client"
    kinds = (Sent, Got, Failed)

    def __init__(self, messages=(1, 2), requests=False, on_failure=True):
        super().__init__("client")
        self.messages = tuple(messages)
        self.requests = requests
        self.on_failure = on_failure

    def initial(self):
        return ActorState(0, ((), ()))          # durable: next message index; volatile: (replies, failed)

    def steps(self, state):
        if state.durable >= len(self.messages):
            return []
        message = self.messages[state.durable]
        send = Request(1, message) if self.requests else Send(1, message)
        return [Out(Sent(message), ActorState(state.durable + 1, state.volatile), (send,))]

    def receive(self, state, envelope):
        replies, failed = state.volatile
        return [Out(Got(envelope.message), ActorState(state.durable, (replies + (envelope.message,), failed)))]

    def failed(self, state, link, requests):
        if not self.on_failure:
            return []
        replies, failed = state.volatile
        return [Out(Failed(tuple(requests)), ActorState(state.durable, (replies, failed + tuple(requests))))]


class Server(Actor):
    """Logs every message it takes in its durable log; answers a request with its number + 100, at
    once, or later (`defer`: it holds the link in its volatile state and answers in a step of its own)."""

    role = "server"
    kinds = (Got, Answered)

    def __init__(self, defer=False, monitors=()):
        super().__init__("server")
        self.defer = defer
        self.monitors = tuple(monitors)

    def initial(self):
        return ActorState((), ())               # durable: log; volatile: deferred (link, message)

    def receive(self, state, envelope):
        if envelope.kind == NOTICE:                     # Down(actor): logged as the actor's id
            return [Out(Got(envelope.message.actor), ActorState(state.durable + (envelope.message.actor,),
                                                                state.volatile))]
        log = state.durable + (envelope.message,)
        if envelope.kind == REQUEST and not self.defer:
            return [Out(Got(envelope.message), ActorState(log, state.volatile),
                        (Reply(envelope.link, envelope.message + 100),))]
        if envelope.kind == REQUEST:
            return [Out(Got(envelope.message), ActorState(log, state.volatile + ((envelope.link, envelope.message),)))]
        return [Out(Got(envelope.message), ActorState(log, state.volatile))]

    def steps(self, state):
        if not state.volatile:
            return []
        (link, message), rest = state.volatile[0], state.volatile[1:]
        return [Out(Answered(message), ActorState(state.durable, rest), (Reply(link, message + 100),))]


def system(client=None, server=None, network=Network(), budgets=None, properties=()):
    return ActorSystem([client or Client(), server or Server()], network, budgets, properties=properties)


def reachable(built: ActorSystem, predicate) -> bool:
    result = explore(ActorSystem(built.actors, built.network, _budgets(built),
                                 properties=[sometimes("target", predicate)]).model())
    assert result.stopped_by is None
    return result.properties["target"].verdict == HOLDS


def invariant(built: ActorSystem, predicate) -> bool:
    result = explore(ActorSystem(built.actors, built.network, _budgets(built),
                                 properties=[always("invariant", predicate)]).model())
    assert result.stopped_by is None
    return result.properties["invariant"].verdict == HOLDS


def _budgets(built: ActorSystem) -> dict:
    return dict(zip(built.budgets.keys, built.budgets.limits))


def server_log(state):
    return state.actors[1].durable


def quiet(state) -> bool:
    """Nothing in flight and nothing awaiting an answer."""
    return not any(c.outbound or c.inbound or c.awaiting for c in state.wire.connections)


# -- ordering ------------------------------------------------------------------------------------------

def test_fifo_delivers_one_connection_in_order():
    fifo = system(network=Network("fifo"))
    assert reachable(fifo, lambda s: server_log(s) == (1, 2))
    assert invariant(fifo, lambda s: server_log(s) in ((), (1,), (1, 2)))


def test_unordered_delivers_in_any_order():
    assert reachable(system(network=Network("unordered")), lambda s: server_log(s) == (2, 1))


def test_an_unknown_ordering_is_refused():
    with pytest.raises(InvalidModel, match="ordering"):
        Network("lifo")


def test_request_response_mode_takes_the_next_request_only_after_answering():
    client, deferring = Client(requests=True), Server(defer=True)
    piped = system(client, deferring, Network("fifo", request_response=False))
    assert reachable(piped, lambda s: len(s.actors[1].volatile) == 2)     # two taken, none answered
    one_at_a_time = system(client, deferring, Network("fifo", request_response=True))
    assert invariant(one_at_a_time, lambda s: len(s.actors[1].volatile) <= 1)
    assert reachable(one_at_a_time, lambda s: s.actors[0].volatile[0] == (101, 102))


# -- loss ----------------------------------------------------------------------------------------------

def test_loss_is_bounded_by_its_budget():
    once = system(budgets={"loss": 1})
    assert reachable(once, lambda s: server_log(s) == (2,))
    assert not reachable(once, lambda s: s.actors[0].durable == 2 and server_log(s) == () and quiet(s))
    twice = system(budgets={"loss": 2})
    assert reachable(twice, lambda s: s.actors[0].durable == 2 and server_log(s) == () and quiet(s))


def test_a_loss_budget_narrowed_to_replies_loses_no_request():
    replies_only = system(Client(messages=(1,), requests=True), budgets={"loss:client:reply": 1},
                          network=Network(request_response=True))
    assert invariant(replies_only, lambda s: server_log(s) == (1,) or s.spent == (0,))
    assert reachable(replies_only, lambda s: s.actors[0].volatile[1] == (1,) and server_log(s) == (1,))
    requests_only = system(Client(messages=(1,), requests=True), budgets={"loss:client:request": 1},
                           network=Network(request_response=True))
    assert invariant(requests_only, lambda s: not (s.spent == (1,) and server_log(s) == (1,)))
    with pytest.raises(InvalidModel, match="only a loss is narrowed"):
        system(budgets={"crash:client:request": 1})


def test_a_lossy_network_loses_without_budget():
    lossy = system(network=Network(lossy=True))
    assert reachable(lossy, lambda s: s.actors[0].durable == 2 and server_log(s) == () and quiet(s))
    assert lossy.budgets.keys == ()


def test_no_budget_means_no_fault():
    assert invariant(system(), lambda s: s.status == (UP, UP) and s.spent == ())


def test_a_lost_request_times_out_and_its_sender_learns_it_failed():
    lossy = system(Client(messages=(1,), requests=True), budgets={"loss": 1},
                   network=Network(request_response=True))
    assert reachable(lossy, lambda s: s.actors[0].volatile[1] == (1,) and server_log(s) == ())
    # a lost reply: the server took the request, the client still learns it failed
    assert reachable(lossy, lambda s: s.actors[0].volatile[1] == (1,) and server_log(s) == (1,))
    # never both answered and failed
    assert invariant(lossy, lambda s: not (s.actors[0].volatile[0] and s.actors[0].volatile[1]))


def test_an_actor_that_does_not_handle_failures_never_times_out():
    class Patient(Client):
        failed = Actor.failed

    patient = system(Patient(messages=(1,), requests=True), budgets={"loss": 1})
    assert "client.timeout" not in [action.name for action in patient.model().get_actions()]
    assert reachable(patient, lambda s: any(c.stuck for c in s.wire.connections))
    assert invariant(patient, lambda s: s.actors[0].volatile[1] == () and len(s.wire.connections) <= 1)


# -- crash and restart -----------------------------------------------------------------------------------

def test_a_crash_drops_the_volatile_state_and_keeps_the_durable_one():
    crashing = system(Client(requests=True), budgets={"crash:client": 1}, network=Network(request_response=True))
    assert reachable(crashing, lambda s: s.status[0] == DOWN and s.actors[0] == ActorState(1, None))
    # after the restart the client goes on from its durable count, with a fresh volatile state
    assert reachable(crashing, lambda s: s.status[0] == UP and s.spent == (1,) and s.actors[0].durable == 2
                     and s.actors[0].volatile == ((), ()))
    assert invariant(crashing, lambda s: s.status[1] == UP)           # the server's budget is 0


def test_a_crashed_clients_requests_still_arrive_in_order():
    crashing = system(Client(messages=(1, 2, 3), requests=True), budgets={"crash:client": 1},
                      network=Network(request_response=True))
    assert reachable(crashing, lambda s: s.status[0] == DOWN and server_log(s) == (1, 2))
    # the restarted client's next request goes on a new connection and may overtake them
    assert reachable(crashing, lambda s: server_log(s) == (3, 1, 2))
    assert invariant(system(Client(messages=(1, 2, 3), requests=True), network=Network(request_response=True)),
                     lambda s: list(server_log(s)) == sorted(server_log(s)))


def test_an_acceptor_that_abandons_closed_connections_never_takes_a_crashed_clients_requests():
    class Database(Server):
        abandons_closed = True

    crashing = system(Client(messages=(1, 2), requests=True), Database(), budgets={"crash:client": 1},
                      network=Network(request_response=True))
    # the first request was sent before the crash and never taken: it is gone, not late
    assert invariant(crashing, lambda s: not (s.status[0] == DOWN and any(c.outbound for c in s.wire.connections)))
    assert not reachable(crashing, lambda s: server_log(s) == (2, 1))
    assert reachable(system(Client(messages=(1, 2), requests=True), Server(), budgets={"crash:client": 1},
                            network=Network(request_response=True)),
                     lambda s: s.status[0] == DOWN and any(c.outbound for c in s.wire.connections))


class Incarnated(Client):
    """Sends 1, 2 in its first life and 11, 12 in its second: durable (next index, incarnation)."""

    def initial(self):
        return ActorState((0, 0), ((), ()))

    def restart(self, durable):
        return ActorState((durable[0], durable[1] + 1), ((), ()))

    def steps(self, state):
        index, incarnation = state.durable
        if index >= len(self.messages):
            return []
        message = incarnation * 10 + self.messages[index]
        return [Out(Sent(message), ActorState((index + 1, incarnation), state.volatile), (Send(1, message),))]


def test_a_monitor_hears_of_a_crash_before_the_restarted_actor_reaches_it():
    watched = system(Incarnated(messages=(1, 2)), Server(monitors=(0,)), budgets={"crash:client": 1})
    log = server_log
    assert reachable(watched, lambda s: 12 in log(s))
    assert invariant(watched, lambda s: all(0 in log(s)[:log(s).index(m)] for m in log(s) if m >= 10))
    # without the monitor, the restarted client's message may come first
    assert reachable(system(Incarnated(messages=(1, 2)), Server(), budgets={"crash:client": 1}),
                     lambda s: 12 in log(s) and 0 not in log(s))


def test_reordering_happens_only_across_connections():
    # a crash between two sends: the second goes on a new connection and may overtake the first
    crashing = system(Client(messages=(1, 2)), budgets={"crash:client": 1})
    assert reachable(crashing, lambda s: server_log(s) == (2, 1))
    assert invariant(system(Client(messages=(1, 2))), lambda s: server_log(s) != (2, 1))


def test_messages_to_a_crashed_actor_are_gone_and_its_requests_time_out():
    server_crash = system(Client(messages=(1,), requests=True), budgets={"crash:server": 1},
                          network=Network(request_response=True))
    assert reachable(server_crash, lambda s: s.status[1] == UP and server_log(s) == () and s.spent == (1,)
                     and s.actors[0].volatile[1] == (1,) and quiet(s))


def test_a_role_budget_of_zero_spares_that_role():
    spared = system(budgets={"crash": 1, "crash:server": 0})
    assert invariant(spared, lambda s: s.status[1] == UP)
    assert reachable(spared, lambda s: s.status[0] == DOWN)


# -- pause ---------------------------------------------------------------------------------------------

def test_a_paused_actor_takes_no_step_and_its_monitors_are_told():
    watched = system(server=Server(monitors=(0,)), budgets={"pause:client": 1})
    told = lambda s: 0 in server_log(s)            # noqa: E731 -- the server logs a Down notice as 0
    assert reachable(watched, lambda s: s.status[0] == PAUSED and told(s))
    assert invariant(watched, lambda s: not told(s) or s.spent == (1,))
    # while paused it sends nothing; it resumes with the state it had and goes on
    assert reachable(watched, lambda s: s.status[0] == PAUSED and s.actors[0].durable == 0 and told(s))
    assert reachable(watched, lambda s: s.status[0] == UP and s.spent == (1,) and server_log(s) == (0, 1, 2))
    assert invariant(watched, lambda s: s.status[0] != PAUSED or len(server_log(s)) <= 3)


# -- delay and close -------------------------------------------------------------------------------------

def test_a_delayed_message_arrives_after_later_ones_on_a_new_connection():
    delayed = system(Client(messages=(1, 2), requests=True), budgets={"delay": 1},
                     network=Network(request_response=True))
    assert reachable(delayed, lambda s: server_log(s) == (2, 1))
    # the sender was told its first request failed, though the server took it
    assert reachable(delayed, lambda s: s.actors[0].volatile[1] == (1,) and server_log(s) == (2, 1))
    assert invariant(system(Client(messages=(1, 2), requests=True), network=Network(request_response=True)),
                     lambda s: server_log(s) != (2, 1))


def test_a_closed_connection_fails_every_request_on_it_and_drops_its_replies():
    closing = system(Client(messages=(1, 2), requests=True), budgets={"close": 1},
                     network=Network(request_response=False))
    assert reachable(closing, lambda s: s.actors[0].volatile[1] == (1, 2))
    # a request answered but whose reply was on the closed connection counts as failed
    assert reachable(closing, lambda s: s.actors[0].volatile[1] == (1, 2) and server_log(s) == (1, 2)
                     and quiet(s))
    assert invariant(closing, lambda s: not set(s.actors[0].volatile[0]) & {r + 100 for r in s.actors[0].volatile[1]})


# -- actor-declared faults ---------------------------------------------------------------------------------

class Skip(NamedTuple):
    pass


class Skipper(Client):
    """Sometimes skips a message: a fault of its own kind, budgeted as "skip"."""

    kinds = Client.kinds + (Skip,)
    faults = ("skip",)

    def steps(self, state):
        out = list(super().steps(state))
        if state.durable < len(self.messages):
            out.append(Out(Skip(), ActorState(state.durable + 1, state.volatile), fault="skip"))
        return out


def test_an_actor_fault_is_budgeted_like_the_layers():
    assert not reachable(system(Skipper(messages=(1, 2))), lambda s: s.actors[0].durable == 2 and quiet(s)
                         and len(server_log(s)) < 2)
    once = system(Skipper(messages=(1, 2)), budgets={"skip": 1})
    assert reachable(once, lambda s: server_log(s) == (2,))
    assert not reachable(once, lambda s: s.actors[0].durable == 2 and server_log(s) == () and quiet(s))


def test_bad_budgets_are_refused_with_what_exists():
    with pytest.raises(InvalidModel, match="no fault is called 'explode'"):
        system(budgets={"explode": 1})
    with pytest.raises(InvalidModel, match="no actor has the role 'broker'"):
        system(budgets={"crash:broker": 1})
    with pytest.raises(InvalidModel, match="not a count"):
        system(budgets={"loss": -1})


def test_an_undeclared_kind_of_step_is_named():
    class Sloppy(Client):
        kinds = (Got,)

    with pytest.raises(InvalidModel, match="Sent.*add it to Sloppy.kinds"):
        explore(system(Sloppy()).model())


# -- the memo, the labels, replay --------------------------------------------------------------------------

def _graph(built: ActorSystem):
    """Every reachable state with its (label, successor) list, by a plain search over `expand`."""
    initial = built.initial_state()
    seen, frontier, graph = {initial}, [initial], {}
    while frontier:
        state = frontier.pop()
        successors = [pair for family in built.expand(state) for pair in family]
        graph[state] = successors
        for _label, after in successors:
            if after not in seen:
                seen.add(after)
                frontier.append(after)
    return graph


@pytest.mark.parametrize("budgets", [{"loss": 1, "crash": 1}, {"delay": 1, "pause": 1, "close": 1}])
def test_the_memo_changes_nothing(budgets):
    def make(limit):
        return ActorSystem([Client(messages=(1, 2), requests=True), Server(defer=True, monitors=(0,))],
                           Network(request_response=True), budgets, memo_limit=limit)
    remembered, forgetful = _graph(make(200_000)), _graph(make(1))
    assert remembered == forgetful
    assert len(remembered) > 100


def test_labels_are_structured_and_read_as_sentences():
    built = system(Client(messages=(1,), requests=True), network=Network(request_response=True),
                   properties=[always("never-answered", lambda s: not s.actors[0].volatile[0])])
    model = built.model()
    result = explore(model)
    trace = result.properties["never-answered"].trace
    assert result.properties["never-answered"].verdict == VIOLATED
    assert check_replays(model, trace)
    assert isinstance(trace.steps[1].label, Deliver)            # a value, not a sentence
    sentences = [step.sentence for step in explain_trace(trace, model)]
    assert sentences == ["client Sent(message=1)", "server Got(message=1)", "client Got(message=101)"]
    explained = explain_trace(trace, model)
    assert [step.peer for step in explained] == ["server", "client", None]     # where each step's message goes
    assert any("in flight" in line for line in explained[0].changes)


def test_coverage_counts_each_kind_of_step():
    result = explore(system(budgets={"crash:server": 1}).model())
    coverage = result.stats.coverage
    assert coverage["client.sent"] > 0 and coverage["server.got"] > 0
    assert coverage["server.crash"] > 0 and coverage["server.restart"] > 0


# -- the actor's own hooks: exposed, resumed, Disconnect ---------------------------------------------------

class Careful(Client):
    """Can crash only once it has sent everything; marks its resumption in its volatile state."""

    def exposed(self, fault, state):
        return state.durable >= len(self.messages)

    def resumed(self, state):
        replies, failed = state.volatile
        return ActorState(state.durable, (replies + ("resumed",), failed))


def test_a_fault_is_offered_only_where_the_actor_is_exposed_to_it():
    careful = system(Careful(messages=(1, 2)), budgets={"crash:client": 1, "pause:client": 1})
    assert invariant(careful, lambda s: s.status[0] == UP or s.actors[0].durable == 2)
    assert reachable(careful, lambda s: s.status[0] == DOWN)


def test_an_actor_resumes_with_the_state_its_resumed_hook_gives():
    careful = system(Careful(messages=(1,)), budgets={"pause:client": 1})
    assert reachable(careful, lambda s: s.status[0] == UP and s.spent == (1,)
                     and s.actors[0].volatile[0] == ("resumed",))
    assert invariant(careful, lambda s: s.status[0] != PAUSED or "resumed" not in s.actors[0].volatile[0])


class Quitter(Client):
    """Sends one request, then may give up on it: Disconnect(server)."""

    kinds = Client.kinds + (Skip,)

    def steps(self, state):
        out = list(super().steps(state))
        if state.durable == len(self.messages):
            out.append(Out(Skip(), ActorState(state.durable + 1, state.volatile), (Disconnect(1),)))
        return out


def test_disconnect_abandons_the_pending_request_and_drops_its_reply():
    quitter = system(Quitter(messages=(1,), requests=True), network=Network(request_response=True))
    # after it disconnects, no reply ever reaches it, though the server may still take the request
    assert invariant(quitter, lambda s: s.actors[0].durable < 2 or not s.actors[0].volatile[0]
                     or s.actors[0].volatile[0] == (101,))
    assert reachable(quitter, lambda s: s.actors[0].durable == 2 and server_log(s) == (1,)
                     and not s.actors[0].volatile[0] and quiet(s))
    assert reachable(quitter, lambda s: s.actors[0].durable == 2 and server_log(s) == ())


# -- quiescent steps -------------------------------------------------------------------------------------

class Flushed(NamedTuple):
    pass


class Idles(NamedTuple):
    pass


class Flusher(Server):
    """Once nothing else can happen, appends 0 to its log (a quiescent step: a timer sure to fire), once."""

    kinds = Server.kinds + (Flushed,)

    def quiescent_steps(self, state):
        if 0 in state.durable:
            return []
        return [Out(Flushed(), ActorState(state.durable + (0,), state.volatile))]


class Idler(Client):
    """Once it has sent everything, has a step that leaves its state as it is (a stutter)."""

    kinds = Client.kinds + (Idles,)

    def steps(self, state):
        if state.durable >= len(self.messages):
            return [Out(Idles(), state)]
        return super().steps(state)


def _flushes(label) -> bool:
    return type(getattr(label, "what", None)) is Flushed


def _explore_flusher(client, budgets=None, extra=()):
    flusher = ActorSystem([client, Flusher()], Network(), budgets, properties=[
        always_step("flushes-only-when-nothing-else-can", lambda before, label, after: not _flushes(label) or (
            before.actors[0].durable == len(client.messages) and server_log(before) == client.messages
            and quiet(before) and before.status == (UP, UP))),
        *extra])
    return flusher.model(), explore(flusher.model())


def test_a_quiescent_step_comes_only_once_nothing_but_faults_can_happen():
    model, result = _explore_flusher(Client(messages=(1, 2)), extra=[
        at_end("flushed-at-the-end", lambda s: server_log(s) == (1, 2, 0))])
    assert result.properties["flushes-only-when-nothing-else-can"].verdict == HOLDS
    assert result.properties["flushed-at-the-end"].verdict == HOLDS
    assert result.stats.coverage["server.flushed"] == 1


def test_a_fault_still_possible_or_a_step_back_to_the_same_state_does_not_hold_a_quiescent_step_back():
    _model, result = _explore_flusher(Client(messages=(1,)), budgets={"crash:client": 1}, extra=[
        sometimes("flushed-before-the-crash", lambda s: 0 in server_log(s) and s.spent == (0,))])
    assert result.properties["flushes-only-when-nothing-else-can"].verdict == HOLDS
    assert result.properties["flushed-before-the-crash"].verdict == HOLDS
    _model, result = _explore_flusher(Idler(messages=(1,)), extra=[
        sometimes("flushed", lambda s: 0 in server_log(s))])
    assert result.properties["flushed"].verdict == HOLDS


def test_a_quiescent_step_offered_early_is_caught(monkeypatch):
    """The check above can fail: a layer that offered quiescent steps as ordinary ones is caught, with
    a trace that replays."""
    monkeypatch.setattr(Flusher, "steps", lambda self, state: list(Server.steps(self, state))
                        + list(self.quiescent_steps(state)))
    model, result = _explore_flusher(Client(messages=(1, 2)))
    found = result.properties["flushes-only-when-nothing-else-can"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)


def test_partial_order_reduction_is_off_where_an_actor_has_quiescent_steps():
    """Any step of any actor disables a quiescent step, so no step is independent of it: asked for,
    the reduction says it is off and the search is the full one."""
    system = ActorSystem([Client(messages=(1, 2)), Flusher()], Network(), {"crash:client": 1}, observes=(1,),
                         properties=[always("short-log", lambda s: len(server_log(s)) <= 3)])
    full = explore(system.model())
    reduced = explore(system.model(), reduction="por")
    assert any("partial-order reduction is off: server has quiescent steps" in w for w in reduced.warnings)
    assert reduced.stats.distinct == full.stats.distinct
