"""Requests on the wire that no client waits for.

A request the producer is waiting on is an entry of its in-flight list (`producer.InFlight`). Some
requests are still on the wire with nobody waiting: `acks=0` sends (fire and forget), a request that
was delayed past the producer's timeout (the producer has already retried it), and requests in flight
when the producer crashed. Such a request may still reach its broker and be appended; no answer goes
back.

Ordering: a broker handles the requests of one connection in order, one at a time (the broker mutes a
connection until it has answered its current request), so `acks=0` sends arrive in the order they were
sent; a delayed or orphaned request was sent on a connection that is gone, and may arrive at any time,
after requests sent later. (Kafka's SocketServer / RequestChannel: one request in process per
connection.)
"""

from __future__ import annotations

from typing import NamedTuple

from modelcheck.kafka.producer import Batch


class Request(NamedTuple):
    broker: int
    batch: Batch
    ordered: bool          # True: an acks=0 send, in order with its connection; False: may arrive any time


def deliverable(requests: tuple[Request, ...]) -> list[int]:
    """The indexes of the requests that may reach their broker next."""
    out, passed = [], set()
    for index, request in enumerate(requests):
        if not request.ordered:
            out.append(index)
        elif request.broker not in passed:
            passed.add(request.broker)
            out.append(index)
    return out


def drop(requests: tuple[Request, ...], index: int) -> tuple[Request, ...]:
    return requests[:index] + requests[index + 1:]
