"""The write side's fault budget: how many of each fault the spec allows, and how many were spent.

The counts spent are part of the state, so a run never spends more than the spec's `faults.*` budget
and the `sometimes` guards can ask whether a fault of each kind can happen at all. Restarts are not
budgeted: every crash may be followed by its restart, at any later point.
"""

from __future__ import annotations

from typing import NamedTuple

# Spec key (faults.*) -> field of FaultsUsed, for the faults the write side can inject.
WRITE_FAULTS = {
    "producer.crash": "producer_crash",
    "broker.crash": "broker_crash",
    "request.lost": "request_lost",
    "response.lost": "response_lost",
    "request.delayed": "request_delayed",
    "isr.shrink": "isr_shrink",
}


class FaultsUsed(NamedTuple):
    producer_crash: int = 0
    broker_crash: int = 0
    request_lost: int = 0
    response_lost: int = 0
    request_delayed: int = 0
    isr_shrink: int = 0


def budget(config, kind: str) -> int:
    """The spec's budget for fault `kind` (a key of WRITE_FAULTS)."""
    return getattr(config.faults, WRITE_FAULTS[kind])


def can_spend(config, used: FaultsUsed, kind: str) -> bool:
    field = WRITE_FAULTS[kind]
    return getattr(used, field) < getattr(config.faults, field)


def spend(used: FaultsUsed, kind: str) -> FaultsUsed:
    field = WRITE_FAULTS[kind]
    return used._replace(**{field: getattr(used, field) + 1})
