"""The faults of the actors layer, one registry, and the budgets that bound them.

Every fault is a step of the layer, never of an actor: the layer decides when it may happen, and the
actor only reacts (it restarts from its durable state, it learns that requests failed, it is told that
an actor it monitors went down). Each fault spends one unit of a budget, and the units spent are part
of the state, so a run never has more faults than the budget allows:

- `crash`: the actor stops; its volatile state is gone, its durable state kept; the connections it
  opened close (what it sent may still arrive), messages on their way to it are gone, its monitors are
  told. It comes back with `restart` (a step of its own, not budgeted, at any later point);
- `pause`: the actor stalls (a long GC pause, a stopped VM): it takes no step and receives nothing
  while the others move on, its monitors are told it is down, and it resumes (not budgeted) with the
  state it had, a zombie if the others have replaced it meanwhile;
- `loss`: one message in flight is lost (a request or reply that was lost will never be answered, so
  its sender's timeout may fire). With a lossy network, loss is free and unbudgeted;
- `delay`: a message is held up past its sender's timeout: the sender's connection closes, every
  request on it fails as far as the sender can tell, and the held-up messages may still arrive later,
  after what the sender sends on a new connection;
- `close`: a connection with requests outstanding closes (a network blip, an idle-connection reaper):
  every request on it fails, as far as the sender can tell; those still on their way may yet arrive.

An actor may also have faults of its own kind (a replica falling behind), declared by the steps that
are faults (`Out.fault`); they are budgeted the same way, under their own names.

A budget is given per fault, optionally per role: `{"crash": 1}` allows one crash of any actor,
`{"crash:broker": 1, "crash:client": 2}` one broker crash and two client crashes. For the faults of the
network the role is that of the connection's initiator (the client side), and a loss may be narrowed
further to the direction of the message: `{"loss:client:request": 1, "loss:client:reply": 0}` loses one
request a client sent and no reply it awaited ("message" names a one-way message). The most specific
budget that is given applies. A fault with no budget never happens.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple

from modelcheck.errors import InvalidModel


class FaultKind(NamedTuple):
    name: str
    what: str            # for docs and error messages


FAULT_KINDS: dict[str, FaultKind] = {kind.name: kind for kind in (
    FaultKind("crash", "an actor crashes, losing its volatile state, and may later restart"),
    FaultKind("pause", "an actor stalls while the others move on, then resumes"),
    FaultKind("loss", "a message in flight is lost"),
    FaultKind("delay", "a message is held up past its sender's timeout"),
    FaultKind("close", "a connection with requests outstanding closes"),
)}

UNLIMITED = None
DIRECTIONS = ("request", "reply", "message")     # of a lost message, seen from the connection's initiator


class Budgets:
    """The budget of each fault the system allows, and where the units spent are counted.

    `keys` are "fault" or "fault:role"; the units spent are a tuple in the state, one per key in the
    order of `keys`. `index(fault, role)` is the key that a fault of an actor of `role` spends: the
    role's own budget if it has one, else the fault's, else None (the fault cannot happen).
    """

    def __init__(self, budgets: Mapping[str, int | None], actor_faults: set[str] = frozenset(),
                 roles: set[str] = frozenset()):
        known = set(FAULT_KINDS) | set(actor_faults)
        for key, limit in budgets.items():
            fault, _, rest = key.partition(":")
            role, _, direction = rest.partition(":")
            if fault not in known:
                raise InvalidModel(f"budget {key!r}: no fault is called {fault!r}; the faults are "
                                   f"{', '.join(sorted(known))}")
            if role and role not in roles:
                raise InvalidModel(f"budget {key!r}: no actor has the role {role!r}; the roles are "
                                   f"{', '.join(sorted(roles))}")
            if direction and (fault != "loss" or direction not in DIRECTIONS):
                raise InvalidModel(f"budget {key!r}: only a loss is narrowed to a direction, one of "
                                   f"{', '.join(DIRECTIONS)}")
            if limit is not UNLIMITED and (not isinstance(limit, int) or limit < 0):
                raise InvalidModel(f"budget {key!r}: {limit!r} is not a count (a whole number >= 0)")
        self.keys = tuple(sorted(budgets))
        self.limits = tuple(budgets[key] for key in self.keys)
        self._index = {key: index for index, key in enumerate(self.keys)}
        self.none_spent = (0,) * len(self.keys)

    def index(self, fault: str, role: str | None = None, direction: str | None = None) -> int | None:
        if role is not None:
            if direction is not None:
                found = self._index.get(f"{fault}:{role}:{direction}")
                if found is not None:
                    return found
            found = self._index.get(f"{fault}:{role}")
            if found is not None:
                return found
        return self._index.get(fault)

    def allows(self, fault: str, role: str | None = None) -> bool:
        """Whether the budgets allow `fault` (of an actor of `role`, or of any actor) at all."""
        if role is None:
            return any(limit != 0 for key, limit in zip(self.keys, self.limits) if key.partition(":")[0] == fault)
        index = self.index(fault, role)
        narrower = [limit for key, limit in zip(self.keys, self.limits) if key.startswith(f"{fault}:{role}:")]
        return (index is not None and self.limits[index] != 0) or any(limit != 0 for limit in narrower)

    def can_spend(self, spent: tuple[int, ...], index: int | None) -> bool:
        if index is None:
            return False
        limit = self.limits[index]
        return limit is UNLIMITED or spent[index] < limit

    def spend(self, spent: tuple[int, ...], index: int) -> tuple[int, ...]:
        if self.limits[index] is UNLIMITED:
            return spent               # an unbudgeted fault (a lossy network) is not counted
        return spent[:index] + (spent[index] + 1,) + spent[index + 1:]
