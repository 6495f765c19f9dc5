"""The network between actors: a value with a chosen semantics, and what travels on it.

`Network` is the semantics, chosen when a system is built:

- `ordering`: `"fifo"` (per connection: the messages of one connection arrive in the order they were
  sent, as TCP gives them; messages of different connections interleave freely) or `"unordered"` (any
  message in flight may arrive next);
- `request_response`: an acceptor takes the next request of a connection only once it has answered the
  previous one (Kafka's SocketServer mutes a connection until its response is sent; HTTP/1.1 without
  pipelining does the same), so requests are also *handled* in order;
- `lossy`: messages may be lost at any time, with no budget (Stateright's lossy network). Without it,
  loss is a budgeted fault (`faults`).

`Wire` is the network's part of a system state: the connections and the notices in flight. A
connection (`Connection`) is opened by its initiator the first time it sends to an acceptor, and is
identified by a `Link`. It carries:

- `outbound`: requests and one-way messages from the initiator, oldest first;
- `inbound`: replies from the acceptor, oldest first, each with the request it answers;
- `awaiting`: requests the acceptor has taken and not answered yet (it answers the oldest first);
- `stuck`: requests that will never be answered (the request or its reply was lost, or the acceptor
  crashed): their sender's timeout may now fire.

A closed connection is no longer used to send; what was still on its way from the initiator may yet
arrive (a crashed client's requests reach the server, in order), replies on it are dropped, and the
initiator stops waiting for its answers. A new connection between the same two actors gets the next
number, and its messages may overtake those of the closed one: reordering happens only across
connections. A connection that is closed and empty is forgotten, so numbers stay small.

Notices (`Down`) travel outside every connection: they cannot be lost and may arrive at any time, but
before anything the actor they are about sends to the monitor afterwards (a monitor learns of a crash
before it hears from the restarted actor, as a KRaft controller fences a broker's old incarnation when
the new one registers).

Left out: bandwidth and sizes (a message is one unit), duplication by the network itself (TCP does
not duplicate; a retry is the sender's), partitions that cut some links and not others (a loss or a
close on each affected connection stands for them).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import NamedTuple

from modelcheck.actors.actor import (NOTICE, ONE_WAY, REPLY, REQUEST, Disconnect, Down, Envelope, Link, Reply,
                                     Request, Send)
from modelcheck.errors import InvalidModel

FIFO = "fifo"
UNORDERED = "unordered"
ORDERINGS = (FIFO, UNORDERED)


@dataclass(frozen=True)
class Network:
    """The semantics of the network (see the module docstring)."""

    ordering: str = FIFO
    request_response: bool = False
    lossy: bool = False

    def __post_init__(self):
        if self.ordering not in ORDERINGS:
            raise InvalidModel(f"network ordering {self.ordering!r} is not one of {', '.join(ORDERINGS)}")


class Connection(NamedTuple):
    link: Link
    outbound: tuple = ()          # (kind, typed message) from the initiator, oldest first
    inbound: tuple = ()           # (typed request, typed reply) from the acceptor, oldest first
    awaiting: tuple = ()          # typed requests the acceptor has taken, not answered
    stuck: tuple = ()             # typed requests that will never be answered
    closed: bool = False

    def pending(self) -> tuple:
        """The requests sent on this connection whose replies the initiator has not received, as typed
        messages, oldest first as far as the connection can tell (answered, lost, taken, on their way)."""
        return tuple(request for request, _reply in self.inbound) + self.stuck + self.awaiting + \
            tuple(message for kind, message in self.outbound if kind == REQUEST)


class Wire(NamedTuple):
    connections: tuple = ()       # Connection, sorted by link
    notices: tuple = ()           # (monitor, Down), sorted


# Where a message in flight sits, so that it can be taken or dropped: (connection index, OUT or IN,
# position in that queue), or (NOTICES, -1, position).
OUT, IN = 0, 1
NOTICES = -1


class Slot(NamedTuple):
    connection: int
    side: int
    position: int


EMPTY = Wire()


_TAGS: dict[type, int] = {}
_TAGGED: dict[int, str] = {}


def typed_message(message) -> tuple:
    """`(tag, message)`: the message with a number that stands for its class. NamedTuples of different
    classes with equal fields are equal as values, so the wire keeps each message's class beside it,
    or a JoinGroup(0) and an OffsetFetch(0) would be one and the same message. The tag is a CRC of the
    class's qualified name: the same in every process and on every run."""
    kind = type(message)
    tag = _TAGS.get(kind)
    if tag is None:
        name = f"{kind.__module__}.{kind.__qualname__}"
        tag = zlib.crc32(name.encode())
        other = _TAGGED.setdefault(tag, name)
        if other != name:
            raise InvalidModel(f"message classes {other} and {name} have the same tag; rename one")
        _TAGS[kind] = tag
    return (tag, message)


_new = tuple.__new__         # a NamedTuple from its fields, without the keyword handling of its __new__


def in_flight(wire: Wire, network: Network) -> list[tuple[Slot, Envelope]]:
    """Every message that may arrive next, in a fixed order: per connection its outbound messages then
    its replies (only the first of each with `fifo` ordering), then the notices."""
    out = []
    fifo = network.ordering == FIFO
    told = {(monitor, notice.actor) for monitor, notice in wire.notices}
    for index, connection in enumerate(wire.connections):
        link = connection.link
        if told and (link.acceptor, link.initiator) in told:
            continue              # a monitor takes the notice of a crash before what the restarted actor sends
        blocked = network.request_response and connection.awaiting
        for position, (kind, (tag, message)) in enumerate(connection.outbound):
            if kind == REQUEST and blocked:
                if fifo:
                    break
                continue
            out.append((Slot(index, OUT, position),
                        Envelope(link.initiator, link.acceptor, link, kind, message, tag)))
            if fifo:
                break
        if not connection.closed:
            for position, (_request, (tag, reply)) in enumerate(connection.inbound):
                out.append((Slot(index, IN, position), Envelope(link.acceptor, link.initiator, link, REPLY, reply, tag)))
                if fifo:
                    break
    for position, (monitor, notice) in enumerate(wire.notices):
        out.append((Slot(NOTICES, -1, position), Envelope(notice.actor, monitor, None, NOTICE, notice)))
    return out


def losable(wire: Wire) -> list[tuple[Slot, Envelope]]:
    """Every message the network could lose now: any message on a connection, wherever it sits in its
    queue (notices are not lost)."""
    out = []
    for index, connection in enumerate(wire.connections):
        link = connection.link
        for position, (kind, (tag, message)) in enumerate(connection.outbound):
            out.append((Slot(index, OUT, position), Envelope(link.initiator, link.acceptor, link, kind, message, tag)))
        if not connection.closed:
            for position, (_request, (tag, reply)) in enumerate(connection.inbound):
                out.append((Slot(index, IN, position), Envelope(link.acceptor, link.initiator, link, REPLY, reply, tag)))
    return out


def take(wire: Wire, slot: Slot) -> Wire:
    """`wire` with the message at `slot` delivered: gone from its queue; a request joins `awaiting`."""
    index, side, position = slot
    if index == NOTICES:
        return _new(Wire, (wire.connections, _without(wire.notices, position)))
    link, outbound, inbound, awaiting, stuck, closed = wire.connections[index]
    if side == OUT:
        kind, message = outbound[position]
        outbound = outbound[:position] + outbound[position + 1:]
        if kind == REQUEST:
            awaiting = awaiting + (message,)
    else:
        inbound = inbound[:position] + inbound[position + 1:]
    return _with_connection(wire, index, _new(Connection, (link, outbound, inbound, awaiting, stuck, closed)))


def lose(wire: Wire, slot: Slot) -> Wire:
    """`wire` with the message at `slot` lost; the request it was or answered is now stuck."""
    index, side, position = slot
    link, outbound, inbound, awaiting, stuck, closed = wire.connections[index]
    if side == OUT:
        kind, message = outbound[position]
        outbound = outbound[:position] + outbound[position + 1:]
        if kind == REQUEST and not closed:
            stuck = stuck + (message,)
    else:
        request, _reply = inbound[position]
        inbound = inbound[:position] + inbound[position + 1:]
        stuck = stuck + (request,)
    return _with_connection(wire, index, _new(Connection, (link, outbound, inbound, awaiting, stuck, closed)))


def send(wire: Wire, src: int, output) -> Wire:
    """`wire` with `output` (a `Send`, `Request` or `Reply` of actor `src`) on its way, or with the
    connection a `Disconnect` closes closed."""
    if isinstance(output, Reply):
        return _reply(wire, src, output)
    if isinstance(output, Disconnect):
        index = open_connection(wire, src, output.dst)
        if index is None:
            return wire
        connection = wire.connections[index]
        return _with_connection(wire, index, connection._replace(inbound=(), stuck=(), closed=True))
    if isinstance(output, Request):
        kind = REQUEST
    elif isinstance(output, Send):
        kind = ONE_WAY
    else:
        raise InvalidModel(f"an actor step sends {output!r}: a send must be a Send, Request, Reply or Disconnect")
    typed = typed_message(output.message)
    index = open_connection(wire, src, output.dst)
    if index is None:
        link = Link(src, output.dst, _next_number(wire, src, output.dst))
        return _insert(wire, Connection(link, outbound=((kind, typed),)))
    link, outbound, inbound, awaiting, stuck, closed = wire.connections[index]
    return _with_connection(wire, index, _new(Connection, (link, outbound + ((kind, typed),), inbound,
                                                           awaiting, stuck, closed)))


def _reply(wire: Wire, src: int, output: Reply) -> Wire:
    index = _find(wire, output.link)
    if index is None:
        return wire                   # the connection is gone: nobody reads the reply
    link, outbound, inbound, awaiting, stuck, closed = wire.connections[index]
    if link.acceptor != src or not awaiting:
        raise InvalidModel(f"actor {src} replies on {tuple(output.link)} with no request of it awaiting an "
                           f"answer there")
    if not closed:
        inbound = inbound + ((awaiting[0], typed_message(output.message)),)
    return _with_connection(wire, index, _new(Connection, (link, outbound, inbound, awaiting[1:], stuck, closed)))


def refuse(wire: Wire, initiator: int, acceptor: int) -> Wire:
    """What `initiator` sent to `acceptor` while the acceptor is down never arrives (the connection is
    refused): one-way messages are gone, requests will never be answered."""
    index = open_connection(wire, initiator, acceptor)
    if index is None:
        return wire
    connection = wire.connections[index]
    requests = tuple(message for kind, message in connection.outbound if kind == REQUEST)
    return _with_connection(wire, index, connection._replace(outbound=(), stuck=connection.stuck + requests))


def open_connection(wire: Wire, initiator: int, acceptor: int) -> int | None:
    """The index of the open connection from `initiator` to `acceptor`, if there is one."""
    for index, connection in enumerate(wire.connections):
        link = connection.link
        if link.initiator == initiator and link.acceptor == acceptor and not connection.closed:
            return index
    return None


def close(wire: Wire, index: int, abandoned: bool = False) -> tuple[Wire, tuple]:
    """Close connection `index` (its initiator gives up on it): (wire, the requests that failed, typed).
    `abandoned`: its acceptor discards what was still on its way (see `Actor.abandons_closed`)."""
    connection = wire.connections[index]
    failed = connection.pending()
    connection = connection._replace(inbound=(), stuck=(), closed=True)
    if abandoned:
        connection = connection._replace(outbound=())
    return _with_connection(wire, index, connection), failed


def crash(wire: Wire, actor: int, monitors: tuple[int, ...], abandoning: frozenset = frozenset()) -> Wire:
    """`actor` crashed: the connections it opened are closed (what it sent may still arrive, unless the
    acceptor is one of `abandoning`), what was on its way to it is gone (requests become stuck), its
    unanswered requests stay unanswered, and each of its monitors is told."""
    connections = []
    for connection in wire.connections:
        link = connection.link
        if link.initiator == actor:
            connection = connection._replace(inbound=(), stuck=(), closed=True)
            if link.acceptor in abandoning:
                connection = connection._replace(outbound=())
        elif link.acceptor == actor:
            requests = tuple(message for kind, message in connection.outbound if kind == REQUEST)
            answered = tuple(request for request, _reply in connection.inbound)
            stuck = () if connection.closed else connection.stuck + answered + connection.awaiting + requests
            connection = connection._replace(outbound=(), inbound=(), awaiting=(), stuck=stuck)
        connections.append(connection)
    notices = tuple(entry for entry in wire.notices if entry[0] != actor)
    wire = Wire(_tidy(connections), notices)
    return notify(wire, actor, "crashed", monitors)


def notify(wire: Wire, actor: int, reason: str, monitors: tuple[int, ...]) -> Wire:
    """`wire` with a `Down(actor, reason)` notice on its way to each of `monitors`."""
    if not monitors:
        return wire
    notices = wire.notices + tuple((monitor, Down(actor, reason)) for monitor in monitors)
    return wire._replace(notices=tuple(sorted(notices)))


def _tidy(connections) -> tuple:
    return tuple(c for c in connections if not (c.closed and not c.outbound and not c.awaiting))


def _find(wire: Wire, link: Link) -> int | None:
    for index, connection in enumerate(wire.connections):
        if connection.link == link:
            return index
    return None


def _next_number(wire: Wire, initiator: int, acceptor: int) -> int:
    numbers = [c.link.number for c in wire.connections
               if c.link.initiator == initiator and c.link.acceptor == acceptor]
    return max(numbers) + 1 if numbers else 0


def _insert(wire: Wire, connection: Connection) -> Wire:
    connections = tuple(sorted(wire.connections + (connection,), key=lambda c: c.link))
    return wire._replace(connections=connections)


def _with_connection(wire: Wire, index: int, connection: Connection) -> Wire:
    connections = wire.connections
    if connection[5] and not connection[1] and not connection[3]:      # closed, nothing out, none awaiting
        return _new(Wire, (connections[:index] + connections[index + 1:], wire.notices))
    return _new(Wire, (connections[:index] + (connection,) + connections[index + 1:], wire.notices))


def _without(items: tuple, position: int) -> tuple:
    return items[:position] + items[position + 1:]


def describe_wire(wire: Wire, name_of, describe_message) -> list[str]:
    """The messages in flight, one line per connection with any: "producer -> broker[0] #0: ..."."""
    lines = []
    for connection in wire.connections:
        link = connection.link
        parts = [describe_message(link.acceptor, message) for _kind, (_tag, message) in connection.outbound]
        back = [describe_message(link.initiator, reply) for _request, (_tag, reply) in connection.inbound]
        where = f"{name_of(link.initiator)} -> {name_of(link.acceptor)} #{link.number}"
        if connection.closed:
            where += " (closed)"
        text = ", ".join(parts) if parts else ""
        if back:
            text += ("; " if text else "") + "replies " + ", ".join(back)
        if connection.awaiting:
            text += ("; " if text else "") + f"{len(connection.awaiting)} awaiting an answer"
        if connection.stuck:
            text += ("; " if text else "") + f"{len(connection.stuck)} never to be answered"
        if text:
            lines.append(f"{where}: {text}")
    for monitor, notice in wire.notices:
        lines.append(f"notice to {name_of(monitor)}: {name_of(notice.actor)} {notice.reason}")
    return lines


__all__ = ["FIFO", "UNORDERED", "Connection", "Network", "Slot", "Wire"]
