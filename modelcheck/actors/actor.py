"""What an actor is: an id, a durable and a volatile state, and steps that depend on those alone.

An `Actor` is a small state machine of a distributed system (a coordinator, a replica, a client). Its
state is an `ActorState(durable, volatile)`: what survives a crash (a log on disk, a database) and what
does not (buffers, requests in flight, timers). Its steps are of two sorts, and both are pure functions
of the actor's own state and, for a delivery, of the one message delivered:

- `steps(state)`: what it may do by itself (a client decides to send, a timer fires);
- `receive(state, envelope)`: what it may do with one message addressed to it (an empty answer means
  the message cannot be taken now and stays where it is, as an action's guard would say in TLA+);
- `failed(state, link, requests)`: its connection `link` closed under requests it had sent and not
  had answered (a timeout, a crash of the peer, a fault): each of them has failed, as far as it can
  tell, though some may still reach the peer;
- `quiescent_steps(state)`: what it does for sure once nothing else can happen (a timer that always
  fires in the end, such as a transaction timeout): the layer offers these steps only in states where
  no step of any actor, but faults, is enabled, so the timer fires at the latest point it can and never
  races the rest of the system;
- `restart(durable)`: the state it comes back with after a crash (by default the durable part with a
  fresh volatile part from `initial`); `resumed(state)`: the state it goes on with after a pause (by
  default the one it had).

Each step is an `Out`: a structured description of what the actor did (`what`, any NamedTuple the
actor defines; it is formatted by `describe` only when a trace is shown), the actor's next state, the
messages it sends, and, for a step that is itself a fault the actor can suffer (a replica falling out
of sync), the name of that fault so that the layer can charge its budget.

Messages: `Send(dst, message)` is a one-way message; `Request(dst, message)` expects a reply and is
tracked by the network until `Reply(link, message)` comes back on the same connection (`link` is the
connection the request arrived on, which `receive` finds in its envelope and may keep to answer
later). `Disconnect(dst)` closes the actor's own connection to `dst` (abandoning what is pending there,
as a client does with a request it no longer wants the answer to). What a message holds is the
actor's business: small NamedTuples of ints, so that states hash the same in every process.

An actor never implements a fault: crashes, pauses, lost or delayed messages and closed connections
are the layer's (`faults`), and an actor only says how it reacts (`restart`, `failed`, and a `Down`
notice delivered to the actors that `monitors` another).

Sources: Stateright's actor layer (`src/actor.rs`, `src/actor/model.rs`: an actor sees its own state
and one message; the system turns actors and a network into a model); Erlang/OTP's monitors (a `DOWN`
message when a watched process stops) for `Down`.
"""

from __future__ import annotations

from typing import Any, Hashable, NamedTuple, Sequence


class ActorState(NamedTuple):
    """An actor's state: `durable` survives a crash, `volatile` does not (None while it is down)."""

    durable: Hashable
    volatile: Hashable


class Link(NamedTuple):
    """A connection: opened by `initiator` to `acceptor`, the `number`-th between them still known."""

    initiator: int
    acceptor: int
    number: int


# Envelope kinds.
ONE_WAY, REQUEST, REPLY, NOTICE = 0, 1, 2, 3
KIND_NAMES = ("message", "request", "reply", "notice")


class Envelope(NamedTuple):
    """A message on its way: who sent it, to whom, on which connection, of which kind."""

    src: int
    dst: int
    link: Link | None              # None for a notice (it travels outside every connection)
    kind: int                      # ONE_WAY, REQUEST, REPLY or NOTICE
    message: Hashable
    tag: int = 0                   # stands for the message's class (`network.typed_message`)


class Send(NamedTuple):
    """A one-way message to actor `dst`."""

    dst: int
    message: Hashable


class Request(NamedTuple):
    """A request to actor `dst`, answered by a `Reply` on the same connection."""

    dst: int
    message: Hashable


class Reply(NamedTuple):
    """The answer to the oldest unanswered request that arrived on `link`."""

    link: Link
    message: Hashable


class Disconnect(NamedTuple):
    """The actor closes its connection to `dst` (if it has one open): it gives up on every request still
    pending there, without being told of them (it knows what it abandons); what was on its way may
    still arrive, and a reply is dropped. Its next message to `dst` opens a new connection."""

    dst: int


class Down(NamedTuple):
    """The notice a monitoring actor receives when the actor it watches crashes or pauses."""

    actor: int
    reason: str                    # "crashed" or "paused"


class Out(NamedTuple):
    """One step of an actor: what it did, its next state, what it sends, and the fault it spends."""

    what: Hashable
    state: ActorState
    sends: tuple = ()
    fault: str | None = None


class Actor:
    """Base class of an actor. Subclasses set `role` and override the steps they have.

    `name` is how traces call it ("broker[1]"); `monitors` are the ids of the actors whose crashes and
    pauses it is told of (`Down`). Ids are positions in the system's list of actors.
    """

    role: str = "actor"
    monitors: tuple[int, ...] = ()
    kinds: tuple[type, ...] = ()          # the classes of its steps' `what`: one coverage family each
    # As an acceptor, whether it discards what is still on its way on a connection its initiator closed
    # or lost by crashing (a database rolls back the transaction of a session that died), instead of
    # taking it as TCP delivers it (a broker handles the requests in its socket buffer).
    abandons_closed: bool = False
    faults: tuple[str, ...] = ()          # the faults of its own that its steps may be (`Out.fault`)
    # The ids of the actors it may ever send to of its own accord (Send, Request, Disconnect; replies
    # need not be listed); None: any. Partial-order reduction relies on it (`independence`), and a step
    # that sends to an actor not listed is an error.
    sends_to: tuple[int, ...] | None = None

    def __init__(self, name: str | None = None):
        self.name = name or self.role

    # -- the state machine ------------------------------------------------------------------------

    def initial(self) -> ActorState:
        raise NotImplementedError(f"{type(self).__name__} must define initial()")

    def steps(self, state: ActorState) -> Sequence[Out]:
        return ()

    def receive(self, state: ActorState, envelope: Envelope) -> Sequence[Out]:
        return ()

    def quiescent_steps(self, state: ActorState) -> Sequence[Out]:
        """Its steps that happen for sure, but only once the system is quiescent (no step of any actor
        but faults is enabled). By default none."""
        return ()

    def failed(self, state: ActorState, link: Link, requests: tuple) -> Sequence[Out]:
        """Requests (their messages, oldest first) sent on `link` failed when it closed. By default
        nothing happens: the actor forgets them."""
        return ()

    def restart(self, durable: Hashable) -> ActorState:
        return ActorState(durable, self.initial().volatile)

    def exposed(self, fault: str, state: ActorState) -> bool:
        """Whether `fault` ("crash" or "pause") may hit it in `state`: by default always. An actor narrows
        it where the fault would change nothing that matters (a process not started yet cannot crash; a
        stall matters only while it holds work another may take over), which keeps the state space small."""
        return True

    def resumed(self, state: ActorState) -> ActorState:
        """The state it goes on with after a pause. It learns nothing of what happened meanwhile, except
        what its own clock tells it (a timer that expired while it stalled); by default, nothing."""
        return state

    # -- words, for traces (called only when a trace or coverage is shown) --------------------------

    def describe(self, what: Any) -> str:
        """The sentence for a step's `what` ("sends e1 to broker[0]"); by default its fields."""
        return _fields_text(what)

    def describe_message(self, message: Any) -> str:
        return _fields_text(message)

    def describe_state(self, state: ActorState) -> str:
        """The actor's state in a few words, for a state shown whole."""
        if state.volatile is None:
            return _fields_text(state.durable)
        return f"{_fields_text(state.durable)} / {_fields_text(state.volatile)}"

    def explain(self, before: ActorState, after: ActorState) -> list[str]:
        """What changed in the actor's state, one "what: before -> after" line each."""
        lines = []
        for part, old, new in (("durable", before.durable, after.durable),
                               ("volatile", before.volatile, after.volatile)):
            if old == new:
                continue
            if old is not None and new is not None and hasattr(old, "_fields") and type(old) is type(new):
                lines.extend(f"{field}: {getattr(old, field)!r} -> {getattr(new, field)!r}"
                             for field in old._fields if getattr(old, field) != getattr(new, field))
            else:
                lines.append(f"{part}: {_fields_text(old) if old is not None else 'none'} -> "
                             f"{_fields_text(new) if new is not None else 'none'}")
        return lines


def _fields_text(value: Any) -> str:
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        words = type(value).__name__
        if value._fields:
            words += "(" + ", ".join(f"{field}={getattr(value, field)!r}" for field in value._fields) + ")"
        return words
    return str(value)
