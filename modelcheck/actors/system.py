"""Actors, a network and fault budgets turned into one engine `Model`.

A state of the system is a `SystemState`: each actor's `ActorState`, each actor's status (up, down
after a crash, paused), the network's `Wire` and the fault units spent. The steps of a state are:

- for each actor that is up: its own steps (`Actor.steps`), the delivery to it of each message that
  may arrive next (`Actor.receive`, `network.in_flight`), and the timeout of each connection it opened
  whose requests will never be answered (`Actor.failed` says how it reacts; an actor that does not
  override `failed` has no timeout and waits for ever);
- the faults the budgets allow (`faults`): a crash of an actor that is up or paused, its restart, a
  pause and its resumption, the loss or the delay of a message, the close of a connection;
- only when none of the above but faults would change the state (the system is quiescent), the
  quiescent steps of each actor that is up (`Actor.quiescent_steps`): a timer that is sure to fire,
  taken at the latest point it can. SPIN's `timeout` works so (the Promela reference, timeout(5): true
  only in global states where no statement of any process is executable; a premature expiry is
  modelled apart, as a timer that may fire at any point, which is what an actor's budgeted fault is).

An actor's steps depend only on its own state and on the message delivered, so they are worked out
once per (actor, state) and per (actor, state, message), and remembered (`_Memo`): the search meets the
same actor state in many system states (a broker's log beside every position of every consumer), and
each meeting after the first costs a dictionary look-up. The actor states a step returns are replaced
by the memo's own object for their value, so that equal states met later are the same object and
compare at once.

Each kind of step is its own engine action (a "family": `broker.append`, `client.crash`,
`network.lose`), so coverage counts how often each fired and warns about one that never did. An actor
names the kinds of its steps in `Actor.kinds` (the classes of its `what` values); one that does not
gets one family per sort of step (`role.step`, `role.receive`, `role.failed`). A timeout counts in the
family of the actor's reaction, or in `role.timeout` when it had none; a delay or a close counts as the
fault it is.

Labels are `actions` values, formatted by the model's `step_label` hook only when shown.

Fairness (for the engine's temporal properties): the families of faults (crash, pause, loss, delay,
close) are fault actions and never fair, and a step an actor declares a fault is left out of its
family's fairness (`actions.is_fault`). Every other family has the system's `fairness` (unfair by
default; `fairness=WEAK` makes each actor's steps of each family weakly fair on their own).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from modelcheck.actors import network as net
from modelcheck.actors.actions import (FAULTS, Act, Close, Crash, Delay, Deliver, Lose, Pause, Restart, Resume,
                                       Timeout, acting_actor, is_fault, step_label)
from modelcheck.actors.actor import REQUEST, Actor, ActorState, Disconnect, Out
from modelcheck.actors.faults import Budgets
from modelcheck.actors.network import Network, Wire
from modelcheck.engine.model import UNFAIR, Action, Model, Property
from modelcheck.errors import InvalidModel

UP, DOWN, PAUSED = 0, 1, 2
_new = tuple.__new__         # a NamedTuple from its fields, without the keyword handling of its __new__
STATUS_NAMES = ("up", "down", "paused")


class SystemState(NamedTuple):
    actors: tuple                 # ActorState per actor
    status: tuple                 # UP / DOWN / PAUSED per actor
    wire: Wire
    spent: tuple                  # fault units spent, per budget key (Budgets.keys)


class _Memo:
    """An actor's steps per (actor, state) and per (actor, state, message); forgets all at `limit`."""

    def __init__(self, limit: int):
        self.limit = limit
        self.table: dict = {}
        self.canonical: dict = {}

    def clear_if_full(self):
        if len(self.table) >= self.limit:
            self.table.clear()
        if len(self.canonical) >= self.limit:
            self.canonical.clear()

    def outs(self, key, work_out: Callable[[], Iterable[Out]]) -> tuple:
        found = self.table.get(key)
        if found is None:
            self.clear_if_full()
            canonical = self.canonical
            found = []
            for out in work_out():
                if not isinstance(out, Out):
                    raise InvalidModel(f"a step returned {out!r}: actor steps return Out(what, state, sends)")
                state = canonical.setdefault(out.state, out.state)
                if state is not out.state:
                    out = out._replace(state=state)
                found.append(out)
            found = tuple(found)
            self.table[key] = found
        return found


def _first_destination(step: Out) -> int:
    """The actor the step's first message goes to (where a sequence diagram draws its arrow), or -1."""
    for output in step.sends:
        destination = getattr(output, "dst", None)
        if destination is None and hasattr(output, "link"):
            destination = output.link.initiator
        if destination is not None and not isinstance(output, Disconnect):
            return destination
    return -1


def _handles_failures(actor: Actor) -> bool:
    """Whether `actor` reacts to failed requests (overrides `Actor.failed`): only such an actor times
    out; one that does not waits for ever, as a client with no timeout would."""
    return type(actor).failed is not Actor.failed


def _quiescent(state: SystemState, out: list[list]) -> bool:
    """Whether no step in `out` but a fault changes `state`: a step back to the same state is no
    activity (as it does not count for fairness either), and faults are never sure to happen."""
    for family in out:
        for action, after in family:
            if not is_fault(action) and after != state:
                return False
    return True


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class ActorSystem:
    """A distributed system: `actors` (their ids are their positions), the `network`'s semantics, and
    fault `budgets` (see `faults.Budgets`). `model()` gives the engine model.

    `properties` and `done` are over `SystemState`s: `state.actors[i]` is actor i's `ActorState`
    (`durable`, `volatile`), `state.status[i]` whether it is up, and `state.wire` the messages in flight.
    `explain_violation(name, trace)`, when given, is the evidence a report prints under a violation.
    `observes`, when given, are the ids of the actors whose state and status the `always` and
    `sometimes` properties read, and "spent" if they read the fault units spent (nothing else of the
    state, the wire in particular, may be read by them): the model then declares the
    independence of its steps, and partial-order reduction can apply (`independence`).
    """

    def __init__(self, actors: Sequence[Actor], network: Network = Network(), budgets=None, *,
                 properties: Sequence[Property] = (), done: Callable[[SystemState], bool] | None = None,
                 name: str = "actors", description: str = "", memo_limit: int = 200_000,
                 explain_violation: Callable[[str, Any], str | None] | None = None,
                 fairness: str = UNFAIR, observes: Iterable[int] | None = None):
        if not actors:
            raise InvalidModel("an actor system needs at least one actor")
        self.actors = list(actors)
        self.network = network
        actor_faults = {fault for actor in self.actors for fault in getattr(actor, "faults", ())}
        self.budgets = Budgets(dict(budgets or {}), actor_faults, {actor.role for actor in self.actors})
        self.properties = list(properties)
        self.done = done
        self.explain_violation = explain_violation     # the evidence at the end of a trace, in the domain's words
        self.fairness = fairness         # of every family that is not a fault, per actor (engine.model)
        self.observes = None if observes is None else tuple(observes)
        self._sends_to = [None if actor.sends_to is None else frozenset(actor.sends_to) for actor in self.actors]
        self.name = name
        self.description = description
        self._memo = _Memo(memo_limit)
        self._monitors = self._monitors_of()
        self._abandoning = frozenset(index for index, actor in enumerate(self.actors) if actor.abandons_closed)
        self._waiting_for_quiescence = tuple(index for index, actor in enumerate(self.actors)
                                             if type(actor).quiescent_steps is not Actor.quiescent_steps)
        self._crash = [self.budgets.index("crash", a.role) if self.budgets.allows("crash", a.role) else None
                       for a in self.actors]
        self._pause = [self.budgets.index("pause", a.role) if self.budgets.allows("pause", a.role) else None
                       for a in self.actors]
        self._network_fault = {fault: self.budgets.allows(fault) for fault in ("loss", "delay", "close")}
        self._lossy = network.lossy
        self._families, self._family_of = self._make_families()
        self._expanded_state = None
        self._expanded: list = []

    # -- the model ---------------------------------------------------------------------------------

    def initial_state(self) -> SystemState:
        return SystemState(tuple(actor.initial() for actor in self.actors), (UP,) * len(self.actors),
                           net.EMPTY, self.budgets.none_spent)

    def model(self) -> Model:
        actions = []
        for index, name in enumerate(self._families):
            fault = index in self._fault_families
            actions.append(Action(name, self._family_step(index), expected=False, fault=fault,
                                  fairness=UNFAIR if fault else self.fairness, per=acting_actor))
        independence = None
        if self.observes is not None:
            from modelcheck.actors.independence import ActorIndependence
            independence = ActorIndependence(self, self.observes).independence()
        return Model(name=self.name, description=self.description, initial_states=[self.initial_state()],
                     actions=actions, properties=self.properties, done=self.done, fault=is_fault,
                     independence=independence,
                     step_label=lambda action: step_label(action, self.actors),
                     describe_state=self.describe_state, state_parts=self.state_parts,
                     explain_step=self.explain_step,
                     explain_violation=self.explain_violation)

    def _family_step(self, index: int):
        def steps(state):
            if state is not self._expanded_state:
                self._expanded = self.expand(state)
                self._expanded_state = state
            return self._expanded[index]
        return steps

    def _make_families(self) -> tuple[list[str], dict]:
        families: list[str] = []
        family_of: dict = {}

        def add(key, name):
            if name not in families:
                families.append(name)
            family_of[key] = families.index(name)

        budgets = self.budgets
        stuck_possible = self._lossy or budgets.allows("loss") or any(
            budgets.allows("crash", actor.role) for actor in self.actors)
        for actor in self.actors:
            role = actor.role
            kinds = tuple(getattr(actor, "kinds", ()))
            if kinds:
                for kind in kinds:
                    add((role, kind), f"{role}.{_kebab(kind.__name__)}")
            else:
                add((role, "step"), f"{role}.step")
                add((role, "receive"), f"{role}.receive")
                add((role, "failed"), f"{role}.failed")
            if stuck_possible and _handles_failures(actor):
                add((role, Timeout), f"{role}.timeout")
            if budgets.allows("crash", role):
                add((role, Crash), f"{role}.crash")
                add((role, Restart), f"{role}.restart")
            if budgets.allows("pause", role):
                add((role, Pause), f"{role}.pause")
                add((role, Resume), f"{role}.resume")
        if self._lossy or budgets.allows("loss"):
            add(Lose, "network.lose")
        if budgets.allows("delay"):
            add(Delay, "network.delay")
        if budgets.allows("close"):
            add(Close, "network.close")
        self._fault_families = {family_of[key] for key in family_of
                                 if key in FAULTS or (isinstance(key, tuple) and key[1] in FAULTS)}
        return families, family_of

    def _family(self, actor: Actor, what, sort: str) -> int:
        family_of = self._family_of
        found = family_of.get((actor.role, type(what)))
        if found is not None:
            return found
        found = family_of.get((actor.role, sort))
        if found is None:
            kinds = ", ".join(kind.__name__ for kind in getattr(actor, "kinds", ()))
            raise InvalidModel(f"{actor.name} took a step described by a {type(what).__name__}, which is not "
                               f"one of the kinds it declares ({kinds}): add it to {type(actor).__name__}.kinds")
        return found

    def _monitors_of(self) -> list[tuple[int, ...]]:
        """Per actor, the ids of the actors that monitor it."""
        watchers: list[list[int]] = [[] for _ in self.actors]
        for watcher, actor in enumerate(self.actors):
            for watched in actor.monitors:
                if not 0 <= watched < len(self.actors):
                    raise InvalidModel(f"{actor.name} monitors actor {watched}, which does not exist")
                watchers[watched].append(watcher)
        return [tuple(w) for w in watchers]

    # -- successors --------------------------------------------------------------------------------

    def expand(self, state: SystemState) -> list[list]:
        """The successors of `state`, per family: lists of (action, next state)."""
        out: list[list] = [[] for _ in self._families]
        locals_, status, wire, spent = state
        memo = self._memo
        deliveries: dict[int, list] = {}
        for slot, envelope in net.in_flight(wire, self.network):
            deliveries.setdefault(envelope.dst, []).append((slot, envelope))
        for index, actor in enumerate(self.actors):
            if status[index] != UP:
                continue
            local = locals_[index]
            for step in memo.outs((index, local), lambda: actor.steps(local)):
                after = self._apply(state, index, step, wire, spent)
                if after is not None:
                    out[self._family(actor, step.what, "step")].append(
                        (Act(index, step.what, step.fault, _first_destination(step)), after))
            for slot, envelope in deliveries.get(index, ()):
                taken = None
                for step in memo.outs((index, local, envelope), lambda: actor.receive(local, envelope)):
                    if taken is None:
                        taken = net.take(wire, slot)
                    after = self._apply(state, index, step, taken, spent)
                    if after is not None:
                        out[self._family(actor, step.what, "receive")].append(
                            (Deliver(index, envelope, step.what, step.fault, _first_destination(step)), after))
            timeout = self._family_of.get((actor.role, Timeout))
            if timeout is None:
                continue
            for position, connection in enumerate(wire.connections):
                link = connection.link
                if link.initiator == index and connection.stuck and not connection.closed:
                    for what, after in self._closed(state, position, spent):
                        family = timeout if what is None else self._family(actor, what, "failed")
                        out[family].append((Timeout(index, link, what), after))
        self._faults(state, out)
        if self._waiting_for_quiescence and _quiescent(state, out):
            self._quiescent_steps(state, out)
        return out

    def _quiescent_steps(self, state: SystemState, out: list[list]) -> None:
        """Add to `out` the quiescent steps of every actor that is up (`Actor.quiescent_steps`)."""
        locals_, status, wire, spent = state
        for index in self._waiting_for_quiescence:
            if status[index] != UP:
                continue
            actor, local = self.actors[index], locals_[index]
            for step in self._memo.outs((index, "quiescent", local), lambda: actor.quiescent_steps(local)):
                after = self._apply(state, index, step, wire, spent)
                if after is not None:
                    out[self._family(actor, step.what, "step")].append(
                        (Act(index, step.what, step.fault, _first_destination(step)), after))

    def _apply(self, state: SystemState, index: int, step: Out, wire: Wire, spent: tuple) -> SystemState | None:
        """`state` after actor `index` took `step` (the message it took, if any, already off `wire`);
        None when the step is a fault the budget does not allow."""
        if step.fault is not None:
            key = self.budgets.index(step.fault, self.actors[index].role)
            if not self.budgets.can_spend(spent, key):
                return None
            spent = self.budgets.spend(spent, key)
        status = state.status
        allowed = self._sends_to[index]
        for output in step.sends:
            wire = net.send(wire, index, output)
            destination = getattr(output, "dst", None)
            if allowed is not None and destination is not None and destination not in allowed:
                raise InvalidModel(f"{self.actors[index].name} sends to actor {destination}, which is not in its "
                                   f"sends_to {tuple(sorted(allowed))}: add it there")
            if destination is not None and status[destination] == DOWN and not isinstance(output, Disconnect):
                wire = net.refuse(wire, index, destination)
        locals_ = state.actors
        return _new(SystemState, (locals_[:index] + (step.state,) + locals_[index + 1:], status, wire, spent))

    def _closed(self, state: SystemState, position: int, spent: tuple) -> list[tuple[Any, SystemState]]:
        """Connection `position` closes and its initiator learns that its requests failed: one
        (reaction, state) per way the initiator may react (None: it had nothing to react to)."""
        wire = state.wire
        link = wire.connections[position].link
        closed, failed = net.close(wire, position, link.acceptor in self._abandoning)
        initiator = link.initiator
        if not failed or state.status[initiator] != UP:
            return [(None, state._replace(wire=closed, spent=spent))]
        actor = self.actors[initiator]
        local = state.actors[initiator]
        requests = tuple(message for _tag, message in failed)
        reactions = self._memo.outs((initiator, local, link, failed), lambda: actor.failed(local, link, requests))
        if not reactions:
            return [(None, state._replace(wire=closed, spent=spent))]
        results = []
        for step in reactions:
            after = self._apply(state, initiator, step, closed, spent)
            if after is not None:
                results.append((step.what, after))
        return results

    def _faults(self, state: SystemState, out: list[list]) -> None:
        locals_, status, wire, spent = state
        budgets = self.budgets
        family_of = self._family_of
        for index, actor in enumerate(self.actors):
            role = actor.role
            crash = self._crash[index]
            if crash is not None:
                if status[index] == DOWN:
                    durable = locals_[index].durable
                    restarted = self._memo.outs((index, "restart", durable),
                                                lambda: [Out(None, actor.restart(durable))])[0].state
                    out[family_of[(role, Restart)]].append((Restart(index), SystemState(
                        locals_[:index] + (restarted,) + locals_[index + 1:],
                        status[:index] + (UP,) + status[index + 1:], wire, spent)))
                elif budgets.can_spend(spent, crash) and actor.exposed("crash", locals_[index]):
                    down = ActorState(locals_[index].durable, None)
                    out[family_of[(role, Crash)]].append((Crash(index), SystemState(
                        locals_[:index] + (down,) + locals_[index + 1:],
                        status[:index] + (DOWN,) + status[index + 1:],
                        net.crash(wire, index, self._monitors[index], self._abandoning),
                        budgets.spend(spent, crash))))
            pause = self._pause[index]
            if pause is not None:
                if status[index] == PAUSED:
                    local = locals_[index]
                    resumed = self._memo.outs((index, "resumed", local),
                                              lambda: [Out(None, actor.resumed(local))])[0].state
                    out[family_of[(role, Resume)]].append((Resume(index), SystemState(
                        locals_[:index] + (resumed,) + locals_[index + 1:],
                        status[:index] + (UP,) + status[index + 1:], wire, spent)))
                elif status[index] == UP and budgets.can_spend(spent, pause) and actor.exposed("pause", locals_[index]):
                    out[family_of[(role, Pause)]].append((Pause(index), SystemState(
                        locals_, status[:index] + (PAUSED,) + status[index + 1:],
                        net.notify(wire, index, "paused", self._monitors[index]), budgets.spend(spent, pause))))
        actors = self.actors
        if self._lossy or self._network_fault["loss"]:
            family = family_of[Lose]
            for slot, envelope in net.losable(wire):
                if self._lossy:
                    after_spent = spent
                else:
                    direction = "reply" if slot.side == net.IN else \
                        "request" if envelope.kind == REQUEST else "message"
                    key = budgets.index("loss", actors[envelope.link.initiator].role, direction)
                    if not budgets.can_spend(spent, key):
                        continue
                    after_spent = budgets.spend(spent, key)
                out[family].append((Lose(envelope), _new(SystemState, (locals_, status, net.lose(wire, slot),
                                                                       after_spent))))
        if self._network_fault["delay"]:
            family = family_of[Delay]
            for position, connection in enumerate(wire.connections):
                link = connection.link
                if connection.closed or status[link.initiator] != UP or not connection.outbound:
                    continue
                key = budgets.index("delay", actors[link.initiator].role)
                if not budgets.can_spend(spent, key):
                    continue
                kind, (tag, message) = connection.outbound[0]
                held = net.Envelope(link.initiator, link.acceptor, link, kind, message, tag)
                for what, after in self._closed(state, position, budgets.spend(spent, key)):
                    out[family].append((Delay(held, what), after))
        if self._network_fault["close"]:
            family = family_of[Close]
            for position, connection in enumerate(wire.connections):
                link = connection.link
                if connection.closed or status[link.initiator] != UP or not connection.pending():
                    continue
                key = budgets.index("close", actors[link.initiator].role)
                if not budgets.can_spend(spent, key):
                    continue
                for what, after in self._closed(state, position, budgets.spend(spent, key)):
                    out[family].append((Close(link, what), after))

    # -- words -------------------------------------------------------------------------------------

    def name_of(self, index: int) -> str:
        return self.actors[index].name

    def _message_text(self, receiver: int, message) -> str:
        return self.actors[receiver].describe_message(message)

    def state_parts(self, state: SystemState) -> list[tuple[str, str]]:
        """Each actor's state (and status, when not up), then each connection with messages in flight."""
        parts = []
        for index, actor in enumerate(self.actors):
            status = state.status[index]
            text = actor.describe_state(state.actors[index])
            if status == DOWN:
                text = f"down (durable {text})"
            elif status == PAUSED:
                text += " (paused)"
            parts.append((actor.name, text))
        for line in net.describe_wire(state.wire, self.name_of, self._describe_for):
            where, _separator, what = line.partition(": ")
            parts.append((where, what))
        return parts

    def describe_state(self, state: SystemState) -> str:
        return "; ".join(f"{name}: {text}" for name, text in self.state_parts(state))

    def _describe_for(self, receiver: int, message) -> str:
        return self.actors[receiver].describe_message(message)

    def explain_step(self, before: SystemState, action, after: SystemState) -> list[str]:
        """What a step changed: each actor's state that changed (in the actor's words), its status, and
        the messages that left or joined the network."""
        lines = []
        for index, actor in enumerate(self.actors):
            old, new = before.actors[index], after.actors[index]
            if old != new:
                lines.extend(f"{actor.name} {line}" for line in actor.explain(old, new))
            if before.status[index] != after.status[index]:
                lines.append(f"{actor.name}: {STATUS_NAMES[before.status[index]]} -> "
                             f"{STATUS_NAMES[after.status[index]]}")
        was = set(net.describe_wire(before.wire, self.name_of, self._describe_for))
        now = net.describe_wire(after.wire, self.name_of, self._describe_for)
        if set(now) != was:
            lines.append("in flight: " + (" | ".join(now) if now else "nothing"))
        return lines


__all__ = ["DOWN", "PAUSED", "UP", "ActorSystem", "SystemState"]
