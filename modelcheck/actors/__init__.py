"""The actors layer: a distributed system as actors on a network, with faults as budgeted steps.

Between the engine (which knows only states and steps) and a domain such as Kafka: an `Actor` has a
durable and a volatile state and steps that depend on its own state and on the message delivered to it;
a `Network` is a chosen semantics (per-connection FIFO or unordered, request/response, lossy); faults
(crash and restart, pause and resume, loss, delay, connection close) are steps of the layer, bounded by
budgets; `ActorSystem(actors, network, budgets, properties=...)` is the engine model. Nothing here knows
of Kafka: docs/actors.md has the guide and specs/two_phase_actors.py an example.

Modules: `actor` (what an actor is), `network` (the network's semantics and state), `faults` (the fault
registry and budgets), `actions` (the structured labels of steps), `system` (all of it as a Model).
"""

from modelcheck.actors.actions import Act, Close, Crash, Delay, Deliver, Lose, Pause, Restart, Resume, Timeout
from modelcheck.actors.actor import (Actor, ActorState, Disconnect, Down, Envelope, Link, Out, Reply, Request, Send)
from modelcheck.actors.faults import FAULT_KINDS, UNLIMITED, Budgets
from modelcheck.actors.network import FIFO, UNORDERED, Network, Wire
from modelcheck.actors.system import DOWN, PAUSED, UP, ActorSystem, SystemState

__all__ = [
    "Act", "Actor", "ActorState", "ActorSystem", "Budgets", "Close", "Crash", "DOWN", "Delay", "Deliver", "Disconnect",
    "Down", "Envelope", "FAULT_KINDS", "FIFO", "Link", "Lose", "Network", "Out", "PAUSED", "Pause", "Reply",
    "Request", "Restart", "Resume", "Send", "SystemState", "Timeout", "UNLIMITED", "UNORDERED", "UP", "Wire",
]
