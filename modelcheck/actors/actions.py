"""The action alphabet of an actor system: one small NamedTuple per kind of step, formatted only when shown.

Every step of a system built on the actors layer is labelled with one of these values. They are plain
data (ids, envelopes and the actor's own structured `what`), so building one per successor costs a
tuple, not a sentence; `step_label` turns one into the engine's `StepLabel` ("broker[0] appends e1 at
offset 0", with the peer it talked to and whether it was a fault) only when a trace, a diagram or a
coverage table is shown.

- `Act`: an actor's own step (`Actor.steps`);
- `Deliver`: an actor takes a message addressed to it (`Actor.receive`);
- `Timeout`: an actor gives up on a connection whose requests will never be answered, and closes it
  (`Actor.failed` says how it reacts); not a fault but the consequence of one;
- `Crash`, `Restart`, `Pause`, `Resume`: the life of an actor (`faults`);
- `Lose`, `Delay`, `Close`: the faults of the network (`faults`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from modelcheck.actors.actor import KIND_NAMES, NOTICE, Envelope, Link
from modelcheck.engine.label import StepLabel


class Act(NamedTuple):
    actor: int
    what: Any
    fault: str | None = None   # the actor-declared fault this step is, if any
    to: int = -1               # the actor its first message goes to (a sequence diagram's arrow), -1 none


class Deliver(NamedTuple):
    actor: int
    envelope: Envelope
    what: Any
    fault: str | None = None
    to: int = -1


class Timeout(NamedTuple):
    actor: int
    link: Link
    what: Any                  # the actor's reaction (None: it only forgets the requests)


class Crash(NamedTuple):
    actor: int


class Restart(NamedTuple):
    actor: int


class Pause(NamedTuple):
    actor: int


class Resume(NamedTuple):
    actor: int


class Lose(NamedTuple):
    envelope: Envelope


class Delay(NamedTuple):
    envelope: Envelope
    what: Any                  # the sender's reaction to its failed requests


class Close(NamedTuple):
    link: Link
    what: Any


FAULTS = (Crash, Pause, Lose, Delay, Close)


def is_fault(action) -> bool:
    """Whether a step is a fault: one of the layer's (`FAULTS`) or one an actor declares (`Out.fault`).
    The engine never counts a fault towards fairness."""
    return type(action) in FAULTS or getattr(action, "fault", None) is not None


def acting_actor(action) -> int:
    """The id of the actor that takes a step (-1 for the network's): the key of fairness per actor."""
    return getattr(action, "actor", -1)


def step_label(action, actors) -> StepLabel:
    """The `StepLabel` of `action` in a system of `actors` (a list of `Actor`)."""
    def name(index: int) -> str:
        return actors[index].name

    def message(envelope: Envelope) -> str:
        sender = actors[envelope.src]
        if envelope.kind == NOTICE:
            return f"the notice that {name(envelope.message.actor)} {envelope.message.reason}"
        return f"{KIND_NAMES[envelope.kind]} {sender.describe_message(envelope.message)}"

    def reaction(actor: int, what) -> str:
        return "" if what is None else f"; {actors[actor].describe(what)}"

    kind = type(action)
    if kind in (Act, Deliver):
        peer = name(action.to) if action.to >= 0 else None
        return StepLabel(name(action.actor), actors[action.actor].describe(action.what), peer=peer,
                         fault=bool(action.fault))
    if kind is Timeout:
        peer = action.link.acceptor
        return StepLabel(name(action.actor), f"times out waiting for {name(peer)} and closes the connection"
                         + reaction(action.actor, action.what), peer=name(peer))
    if kind is Crash:
        return StepLabel(name(action.actor), "crashes", fault=True)
    if kind is Restart:
        return StepLabel(name(action.actor), "restarts")
    if kind is Pause:
        return StepLabel(name(action.actor), "pauses (stalls while the others go on)", fault=True)
    if kind is Resume:
        return StepLabel(name(action.actor), "resumes")
    if kind is Lose:
        envelope = action.envelope
        return StepLabel("network", f"loses the {message(envelope)} from {name(envelope.src)} to "
                         f"{name(envelope.dst)}", peer=name(envelope.dst), fault=True)
    if kind is Delay:
        envelope = action.envelope
        return StepLabel("network", f"holds up the {message(envelope)} to {name(envelope.dst)} past "
                         f"{name(envelope.src)}'s timeout; {name(envelope.src)} closes the connection"
                         + reaction(envelope.src, action.what), peer=name(envelope.dst), fault=True)
    if kind is Close:
        link = action.link
        return StepLabel("network", f"closes the connection from {name(link.initiator)} to "
                         f"{name(link.acceptor)}" + reaction(link.initiator, action.what),
                         peer=name(link.initiator), fault=True)
    return StepLabel("system", str(action))

