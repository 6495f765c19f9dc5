"""The independence of an actor system's steps, for the engine's partial-order reduction.

The engine (`engine.reduction`) expands, where it can, the steps of one actor A instead of every step
enabled. It asks three things, answered here:

- owner: an actor's own steps, its deliveries, its timeouts, its restart and its resumption are A's,
  and so are its crash and its pause when their budget is A's alone (a role of one actor). Any other
  fault (a crash or pause whose budget others share, an actor-declared fault, a loss, a delay, a close)
  has no owner: faults that spend one budget depend on each other (one may exhaust it for the other),
  so they are never in an ample set;
- visible: a step of A is visible when A is one of the actors the properties read (`observes`) and the
  step changes A's state or status, or when `observes` holds "spent" and the step spends a fault unit.
  Assumed, and the user's to vouch for when giving `observes`: the `always` and `sometimes` properties
  read only the `ActorState` and status of those actors (and the units spent, if named), nothing of the
  wire. (`at_end` properties and `done` may read anything: the reduction keeps
  every terminal state.) A's step changes A's part in the same way wherever it is taken after steps of
  other actors that the conditions below allow, since those do not touch A's part;
- persistent (Peled's C1): whatever the others do before A acts, nothing they do depends on A's
  enabled steps. Steps of different actors touch different parts of the state (each its own state, the
  connection it takes from, the connections it sends on), so they commute, except where they meet:
  another actor B sends to A (a new delivery to A, which does not commute with A's other deliveries),
  a fault hits A or A's connections (a loss disables a delivery, a crash of a peer makes A's requests
  fail or refuses what A sends), or a connection's numbering changes under A (a closed connection of A
  emptied by its acceptor). So A is persistent in a state when: A can suffer no fault of a budget it shares
  (no budget left, or `Actor.exposed` says the fault changes nothing), and if it may crash or pause on
  a budget of its own, nobody monitors it and no reply of A nor message A sent to an acceptor that
  abandons closed connections waits to be taken; no network fault can happen, or
  none of A's connections holds a message, a request awaiting an answer or a stuck request; no
  connection of A is closed; no other actor that may crash, pause or is down is one A monitors, has a
  connection with, or may send to; and no actor that may act before A does may send to A. An actor
  may act if it has an enabled step, or if one that may act may send to it (`Actor.sends_to`, by
  default anyone; a request awaiting its answer lets the acceptor reply to the initiator), or if a
  fault that may happen would wake it (a timeout, a `Down` notice).

An actor with quiescent steps (`Actor.quiescent_steps`, a timer that fires once nothing else can
happen) makes every step depend on it: the reduction is then off for the whole system, with a warning.

Declaring `Actor.sends_to` (the actors it may ever send to of its own accord; replies go back on the
connection a request came on and need not be declared) is what lets an actor be found persistent
while others are busy: with the default (anyone), an actor is persistent only when the others have
nothing to do. A wrong declaration (an actor that sends to one it did not list) makes the reduction
unsound, so the system raises an error when a step sends to an actor its list leaves out.

Sources: Godefroid, "Partial-Order Methods for the Verification of Concurrent Systems" (LNCS 1032),
ch. 3-4, for persistent sets built from the processes' local steps and the channels they share;
Holzmann and Peled, "An improvement in formal verification" (FORTE 1994), for SPIN's local,
exclusive-send and exclusive-receive steps, the idea this follows for connections.
"""

from __future__ import annotations

from modelcheck.actors.actions import Close, Crash, Delay, Lose, Pause
from modelcheck.actors.actor import REQUEST
from modelcheck.actors.system import DOWN, UP
from modelcheck.engine.reduction import Independence
from modelcheck.errors import InvalidModel

SPENT = "spent"                        # in `observes`: the properties read the fault units spent

_UNOWNED = (Crash, Pause, Lose, Delay, Close)


class ActorIndependence:
    """The `Independence` of one `ActorSystem` whose properties read the actors `observes`."""

    def __init__(self, system, observes):
        self.system = system
        observes = frozenset(observes)
        self.reads_spent = SPENT in observes
        self.observes = observes - {SPENT}
        count = len(system.actors)
        self.count = count
        for index in self.observes:
            if not isinstance(index, int) or not 0 <= index < count:
                raise InvalidModel(f"observes names {index!r}, which is neither an actor id (0 to {count - 1}) "
                                   f"nor {SPENT!r} (the fault units spent)")
        everyone = frozenset(range(count))
        self.sends_to = [everyone if actor.sends_to is None else frozenset(actor.sends_to)
                         for actor in system.actors]
        self.monitors = [frozenset(actor.monitors) for actor in system.actors]
        self.watchers = system._monitors                   # per actor, who monitors it
        budgets = system.budgets
        self.actor_faults = [tuple(key for key in (budgets.index(fault, actor.role) for fault in
                                                   getattr(actor, "faults", ())) if key is not None)
                             for actor in system.actors]
        crash_keys, pause_keys = system._crash, system._pause
        self.own_crash = [key is not None and crash_keys.count(key) == 1 for key in crash_keys]
        self.own_pause = [key is not None and pause_keys.count(key) == 1 for key in pause_keys]
        self.may_fault = [system._crash[i] is not None or system._pause[i] is not None or bool(self.actor_faults[i])
                          for i in range(count)]
        self._facts_of = None                # the state `_facts` was last worked out for
        self._facts_value: tuple = ()
        self.network_keys = tuple(index for index, key in enumerate(budgets.keys)
                                  if key.partition(":")[0] in ("loss", "delay", "close"))

    def independence(self) -> Independence:
        return Independence(owner=self.owner, persistent=self.persistent, visible=self.visible, off=self._off())

    def _off(self) -> str | None:
        """A quiescent step (`Actor.quiescent_steps`) is enabled only while no other actor has a step:
        any step of anyone, even of an actor it never talks to, disables it, so no actor's steps are
        independent of it."""
        waiting = [self.system.actors[index].name for index in self.system._waiting_for_quiescence]
        if not waiting:
            return None
        return (f"{', '.join(waiting)} {'has' if len(waiting) == 1 else 'have'} quiescent steps, which every "
                f"step of every actor may disable")

    def owner(self, label):
        kind = type(label)
        if kind is Crash:
            return label.actor if self.own_crash[label.actor] else None
        if kind is Pause:
            return label.actor if self.own_pause[label.actor] else None
        if kind in _UNOWNED or getattr(label, "fault", None) is not None:
            return None
        return label.actor

    def visible(self, state, label, after) -> bool:
        actor = self.owner(label)
        if actor is None:
            return True
        if self.reads_spent and state.spent != after.spent:
            return True
        if actor not in self.observes:
            return False
        return state.actors[actor] != after.actors[actor] or state.status[actor] != after.status[actor]

    # -- C1 --------------------------------------------------------------------------------------------

    def _may_fail(self, state, index: int, exposed: bool = False) -> tuple[bool, bool]:
        """Whether actor `index` may suffer a fault before it next acts: (one whose budget another actor
        may spend too, or an actor-declared one; a crash or pause whose budget is its alone). `exposed`:
        ask `Actor.exposed` too, which is right only for the actor about to act (the state it is asked
        about is the one it keeps until then)."""
        system = self.system
        locals_, status, _wire, spent = state
        if status[index] == DOWN:
            return False, False
        budgets = system.budgets
        actor = system.actors[index]
        shared = own = False
        for fault, key, alone in (("crash", system._crash[index], self.own_crash[index]),
                                  ("pause", system._pause[index], self.own_pause[index])):
            if key is None or not budgets.can_spend(spent, key):
                continue
            if fault == "pause" and status[index] != UP:
                continue
            if exposed and not actor.exposed(fault, locals_[index]):
                continue
            if alone:
                own = True
            else:
                shared = True
        if any(budgets.can_spend(spent, key) for key in self.actor_faults[index]):
            shared = True
        return shared, own

    def _facts(self, state) -> tuple:
        """What `persistent` needs of `state` whatever the actor asked about, worked out once per state:
        whether a network fault may happen, the actors that may suffer a fault and those that are down,
        each actor's connections, the actors a fault may wake, and who awaits an answer from whom."""
        if state is self._facts_of:
            return self._facts_value
        system = self.system
        _locals, status, wire, spent = state
        network_faults = system._lossy or any(system.budgets.can_spend(spent, key) for key in self.network_keys)
        failing = [other for other in range(self.count) if self.may_fault[other] and any(self._may_fail(state, other))]
        down = [other for other in range(self.count) if status[other] == DOWN]
        connections_of: dict[int, list] = {}
        woken = set()                                        # actors a fault may wake
        repliers: dict[int, set] = {}                        # acceptor -> initiators awaiting its answer
        for connection in wire.connections:
            initiator, acceptor, _number = connection.link
            connections_of.setdefault(initiator, []).append(connection)
            connections_of.setdefault(acceptor, []).append(connection)
            if network_faults and (connection.outbound or connection.inbound or connection.awaiting or connection.stuck):
                woken.add(initiator)
            if connection.awaiting or any(kind == REQUEST for kind, _message in connection.outbound):
                repliers.setdefault(acceptor, set()).add(initiator)
        for other in failing:
            woken.add(other)                                 # it restarts or resumes
            woken.update(self.watchers[other])
            woken.update(c.link.initiator for c in connections_of.get(other, ()) if c.link.acceptor == other)
        self._facts_of = state
        self._facts_value = (network_faults, failing, down, connections_of, woken, repliers)
        return self._facts_value

    def persistent(self, state, actor: int, owners: frozenset) -> bool:
        network_faults, failing, down, connections_of, woken, repliers = self._facts(state)
        if self.may_fault[actor]:
            shared, own = self._may_fail(state, actor, exposed=True)
            if shared or (own and self.watchers[actor]):
                return False                 # a fault another may spend first, or a notice to a monitor
        else:
            own = False
        abandoning = self.system._abandoning
        peers = set()                                        # actors A has a connection with
        for connection in connections_of.get(actor, ()):
            initiator, acceptor, _number = connection.link
            if connection.closed or connection.stuck or (network_faults and (
                    connection.outbound or connection.inbound or connection.awaiting)):
                return False
            if own and ((acceptor == actor and connection.inbound)
                        or (initiator == actor and connection.outbound and acceptor in abandoning)):
                return False                 # A's crash would take back what the other may take now
            peers.add(acceptor if initiator == actor else initiator)
        may_send = self.sends_to[actor]
        for other in down:
            if other != actor and other in may_send:
                return False                 # what A sends is refused or not, as the other restarts
        for other in failing:
            if other != actor and (other in self.monitors[actor] or other in peers or other in may_send):
                return False
        # The actors that may act before A does, and whom they may send to.
        active = [other for other in owners | woken if other != actor]
        reached = set(active)
        sends_to = self.sends_to
        while active:
            other = active.pop()
            targets = sends_to[other]
            answered = repliers.get(other)
            if answered:
                targets = targets | answered
            if actor in targets:
                return False
            for target in targets:
                if target not in reached and target != actor:
                    reached.add(target)
                    active.append(target)
        return True


__all__ = ["SPENT", "ActorIndependence"]
