"""Two-phase commit over a lossy network, written on the actors layer (`modelcheck.actors`).

A transaction manager (TM) asks `rms` resource managers (RMs) to prepare, collects their votes,
decides, and sends its decision until every RM has acknowledged it. Unlike `two_phase_commit.py` (the
TLA+ TwoPhase, where messages are never lost and nobody crashes), here:

- the network is TCP-like (per-connection FIFO, request/response) and may lose `loss` messages;
- the TM may crash `crashes` times; it keeps its decision in a durable log only when `log_decision`
  is true, and after a restart it either resends the logged decision or starts the vote again;
- a request whose answer will never come times out: a lost vote makes the TM abort, a lost
  acknowledgement makes it send the decision again.

Properties: `consistent` (no RM commits while another aborts), `all-decided` (at the end, every RM has
committed or aborted), and the guard `commits` (some RM commits: the happy path is reachable).

With `log_decision=True` every property holds. With `log_decision=False` the TM can decide to commit,
tell one RM, crash, forget, ask again, hear "no" from the RM that committed, and abort the other:
`consistent` is violated. With `resend=False` a TM that gets no acknowledgement of its decision does not
send it again, and an RM whose decision was lost stays prepared for ever: `all-decided` is violated
(tests/test_actors_example.py checks all three). Run it:
`modelcheck explore specs/two_phase_actors.py --param log_decision=false`.

The system says which actors its properties read (`observes`: the RMs) and each actor whom it sends to
(`sends_to`), so `--reduction por` applies (docs/actors.md, "Partial-order reduction"); it gains little
here (benchmarks/reduction.md).

Nothing in it is Kafka: the point of the example is that the actors layer is generic.
"""

from typing import NamedTuple

from modelcheck.actors import Actor, ActorState, ActorSystem, Network, Out, Reply, Request
from modelcheck.engine import always, at_end, sometimes

MODELCHECK_SPEC = True   # a spec: `modelcheck check DIR` runs it (docs/spec-format.md, "Python specs")

WORKING, PREPARED, COMMITTED, ABORTED = 0, 1, 2, 3
RM_STATE_NAMES = ("working", "prepared", "committed", "aborted")
UNDECIDED, COMMIT, ABORT = 0, 1, 2
DECISION_NAMES = ("undecided", "commit", "abort")
TM = 0


# -- messages ------------------------------------------------------------------------------------------

class Prepare(NamedTuple):
    pass


class Vote(NamedTuple):
    rm: int
    yes: bool


class Decision(NamedTuple):
    decision: int


class Ack(NamedTuple):
    rm: int


# -- the transaction manager -------------------------------------------------------------------------

START, VOTING, DECIDED, RECOVERING = 0, 1, 2, 3


class TmLog(NamedTuple):
    decision: int = UNDECIDED          # the durable decision (stays UNDECIDED when it is not logged)


class TmMemory(NamedTuple):
    phase: int = START
    yes: int = 0                       # bit set of the RMs that voted yes
    acked: int = 0                     # bit set of the RMs that acknowledged the decision
    decision: int = UNDECIDED          # the decision as the TM remembers it


class AsksForVotes(NamedTuple):
    pass


class CountsVote(NamedTuple):
    rm: int
    yes: bool
    decision: int                      # the decision this vote leads to (UNDECIDED: none yet)


class GivesUp(NamedTuple):
    pass


class ResendsDecision(NamedTuple):
    rms: tuple


class Recovers(NamedTuple):
    decision: int


class CountsAck(NamedTuple):
    rm: int


class TransactionManager(Actor):
    role = "tm"
    kinds = (AsksForVotes, CountsVote, GivesUp, ResendsDecision, Recovers, CountsAck)

    def __init__(self, rms: int, log_decision: bool, resend: bool = True):
        super().__init__("TM")
        self.rms = tuple(range(1, rms + 1))
        self.sends_to = self.rms           # it asks the RMs; they only answer (partial-order reduction)
        self.everyone = (1 << rms) - 1
        self.log_decision = log_decision
        self.resend = resend

    def initial(self) -> ActorState:
        return ActorState(TmLog(), TmMemory())

    def restart(self, durable) -> ActorState:
        return ActorState(durable, TmMemory(phase=RECOVERING))

    def _decide(self, state: ActorState, memory: TmMemory, decision: int) -> tuple[ActorState, tuple]:
        log = TmLog(decision) if self.log_decision else state.durable
        memory = memory._replace(phase=DECIDED, decision=decision)
        return ActorState(log, memory), tuple(Request(rm, Decision(decision)) for rm in self.rms)

    def steps(self, state):
        memory = state.volatile
        if memory.phase == START:
            return [Out(AsksForVotes(), ActorState(state.durable, memory._replace(phase=VOTING)),
                        tuple(Request(rm, Prepare()) for rm in self.rms))]
        if memory.phase == RECOVERING:
            decision = state.durable.decision
            if decision == UNDECIDED:
                return [Out(Recovers(decision), ActorState(state.durable, TmMemory()))]
            after, sends = self._decide(state, TmMemory(), decision)
            return [Out(Recovers(decision), after, sends)]
        return []

    def receive(self, state, envelope):
        memory, message = state.volatile, envelope.message
        if isinstance(message, Vote):
            if memory.phase != VOTING:
                return [Out(CountsVote(message.rm, message.yes, UNDECIDED), state)]
            yes = memory.yes | (1 << (message.rm - 1)) if message.yes else memory.yes
            memory = memory._replace(yes=yes)
            if not message.yes or yes == self.everyone:
                decision = COMMIT if message.yes else ABORT
                after, sends = self._decide(state, memory, decision)
                return [Out(CountsVote(message.rm, message.yes, decision), after, sends)]
            return [Out(CountsVote(message.rm, message.yes, UNDECIDED), ActorState(state.durable, memory))]
        if isinstance(message, Ack):
            return [Out(CountsAck(message.rm), ActorState(state.durable, memory._replace(
                acked=memory.acked | (1 << (message.rm - 1)))))]
        return []

    def failed(self, state, link, requests):
        memory = state.volatile
        if memory.phase == VOTING:
            after, sends = self._decide(state, memory, ABORT)
            return [Out(GivesUp(), after, sends)]
        if memory.phase == DECIDED and self.resend:
            rm = link.acceptor
            if any(isinstance(request, Decision) for request in requests) and not memory.acked & (1 << (rm - 1)):
                return [Out(ResendsDecision((rm,)), state, (Request(rm, Decision(memory.decision)),))]
        return []

    def describe(self, what) -> str:
        kind = type(what)
        if kind is AsksForVotes:
            return "asks every RM to prepare"
        if kind is CountsVote:
            text = f"gets {'yes' if what.yes else 'no'} from rm{what.rm}"
            return text + (f" and decides to {DECISION_NAMES[what.decision]}" if what.decision else "")
        if kind is GivesUp:
            return "gives up on the vote and decides to abort"
        if kind is ResendsDecision:
            return "sends its decision again to " + ", ".join(f"rm{rm}" for rm in what.rms)
        if kind is Recovers:
            if what.decision == UNDECIDED:
                return "recovers with no decision in its log and starts the vote again"
            return f"recovers the decision to {DECISION_NAMES[what.decision]} from its log and resends it"
        if kind is CountsAck:
            return f"gets rm{what.rm}'s acknowledgement"
        return super().describe(what)

    def describe_message(self, message) -> str:
        return _message_text(message)


# -- a resource manager -------------------------------------------------------------------------------

class AbortsAlone(NamedTuple):
    pass


class AnswersPrepare(NamedTuple):
    yes: bool


class Applies(NamedTuple):
    decision: int


class ResourceManager(Actor):
    role = "rm"
    sends_to = ()                      # it only answers the TM's requests
    kinds = (AbortsAlone, AnswersPrepare, Applies)

    def __init__(self, index: int):
        super().__init__(f"rm{index}")
        self.index = index

    def initial(self) -> ActorState:
        return ActorState(WORKING, 0)

    def steps(self, state):
        if state.durable == WORKING:
            return [Out(AbortsAlone(), ActorState(ABORTED, state.volatile))]
        return []

    def receive(self, state, envelope):
        message, status = envelope.message, state.durable
        if isinstance(message, Prepare):
            yes = status in (WORKING, PREPARED)
            after = ActorState(PREPARED if yes else status, state.volatile)
            return [Out(AnswersPrepare(yes), after, (Reply(envelope.link, Vote(self.index, yes)),))]
        if isinstance(message, Decision):
            if status in (WORKING, PREPARED):
                status = COMMITTED if message.decision == COMMIT else ABORTED
            return [Out(Applies(message.decision), ActorState(status, state.volatile),
                        (Reply(envelope.link, Ack(self.index)),))]
        return []

    def describe(self, what) -> str:
        kind = type(what)
        if kind is AbortsAlone:
            return "aborts on its own"
        if kind is AnswersPrepare:
            return "prepares and votes yes" if what.yes else "votes no"
        if kind is Applies:
            return f"applies the decision to {DECISION_NAMES[what.decision]} and acknowledges it"
        return super().describe(what)

    def describe_message(self, message) -> str:
        return _message_text(message)

    def describe_state(self, state) -> str:
        return RM_STATE_NAMES[state.durable]

    def explain(self, before, after) -> list[str]:
        if before.durable != after.durable:
            return [f"state: {RM_STATE_NAMES[before.durable]} -> {RM_STATE_NAMES[after.durable]}"]
        return []


def _message_text(message) -> str:
    if isinstance(message, Prepare):
        return "Prepare"
    if isinstance(message, Vote):
        return f"Vote({'yes' if message.yes else 'no'} from rm{message.rm})"
    if isinstance(message, Decision):
        return f"Decision({DECISION_NAMES[message.decision]})"
    if isinstance(message, Ack):
        return f"Ack(rm{message.rm})"
    return repr(message)


# -- the system -----------------------------------------------------------------------------------------

def _truth(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def model(rms: int = 2, loss: int = 1, crashes: int = 1, log_decision: bool = True, resend: bool = True):
    """The model for `rms` RMs, `loss` lost messages, `crashes` TM crashes, and whether the TM logs its
    decision and sends it again when it is not acknowledged; see the module docstring."""
    rms, loss, crashes = int(rms), int(loss), int(crashes)
    if rms < 1:
        raise ValueError("rms must be at least 1")
    log_decision = _truth(log_decision)
    resend = _truth(resend)
    actors = [TransactionManager(rms, log_decision, resend)] + [ResourceManager(i) for i in range(1, rms + 1)]
    ids = range(1, rms + 1)

    def rm_states(state):
        return [state.actors[i].durable for i in ids]

    properties = [
        always("consistent", lambda s: not (COMMITTED in rm_states(s) and ABORTED in rm_states(s)),
               "no RM commits while another aborts"),
        at_end("all-decided", lambda s: all(r in (COMMITTED, ABORTED) for r in rm_states(s)),
               "at the end every RM has committed or aborted"),
        sometimes("commits", lambda s: COMMITTED in rm_states(s), "some RM commits"),
    ]
    system = ActorSystem(actors, Network(ordering="fifo", request_response=True),
                         {"loss": loss, "crash:tm": crashes},
                         properties=properties, observes=ids, name="two-phase commit over a lossy network",
                         description=__doc__.split("\n\n")[0])
    built = system.model()
    built.parameters = {"rms": rms, "loss": loss, "crashes": crashes, "log_decision": log_decision,
                        "resend": resend}
    built.expect = {"consistent": "holds" if log_decision else "violated",
                    "all-decided": "holds" if resend or loss == 0 else "violated", "commits": "holds"}
    return built
