"""The faults a Kafka spec budgets (`faults.*`): one registry, and the write side's budget spent so far.

`FAULTS` has one entry per spec key: the `FaultBudget` field it fills, the name of the `sometimes`
guard that shows it can happen, what it is in words, the actors-layer budgets Kafka's roles give it
(`roles.system`), and whether the model honours it yet. The spec key table (`config.KEYS`), the guards
of both Kafka models and the roles' budgets all read it, so a new fault is one entry here.

The write/read-side model counts the faults of its write side in `FaultsUsed` (`WRITE_FAULTS`); the
counts spent are part of the state, so a run never spends more than the spec's budget. Restarts are not
budgeted: every crash may be followed by its restart, at any later point.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

LATER = ("is not modelled yet: it comes with the rest of transactions (several producing applications of every "
         "kind)")


def _transactional(config) -> bool:
    return config.producer.transactional_id is not None


class FaultKind(NamedTuple):
    key: str                      # the spec key below `faults.`
    what: str                     # what happens, as a noun phrase ("a broker crash": "... happens")
    actor_budgets: tuple          # the actors-layer budgets Kafka's roles give it (`roles.system`)
    write_side: bool = False      # counted by the write/read-side model's write side (`FaultsUsed`)
    refused: str | None = None    # why a spec may not set it yet (None: the model honours it)
    possible: Callable | None = None   # whether the configuration lets it happen at all (guards)
    needs: str | None = None      # the setting without which it cannot happen (refused without it)

    @property
    def field(self) -> str:
        """Its `FaultBudget` (and `FaultsUsed`) field."""
        return self.key.replace(".", "_")

    @property
    def guard(self) -> str:
        """The name of the `sometimes` guard that shows it can happen."""
        return f"{self.key.replace('.', '-')}-happens"


FAULTS: dict[str, FaultKind] = {kind.key: kind for kind in (
    FaultKind("producer.crash", "a producer crash", ("crash:producer",), write_side=True),
    FaultKind("consumer.crash", "a consumer crash", ("crash:consumer",)),
    FaultKind("broker.crash", "a broker crash", ("crash:broker",), write_side=True),
    FaultKind("request.lost", "a lost request", ("loss:producer:request", "loss:producer:message"),
              write_side=True),
    FaultKind("response.lost", "a lost response", ("loss:producer:reply",), write_side=True),
    FaultKind("producer.pause", "a producer pause", ("pause:producer",)),
    FaultKind("consumer.pause", "a consumer stall past max.poll.interval.ms", ("pause:consumer",)),
    FaultKind("request.delayed", "a delayed request", ("delay:producer",), write_side=True),
    FaultKind("rebalance", "a rebalance", ("rebalance",),
              possible=lambda config: config.consumer.instances > 1),
    FaultKind("transaction.timeout", "a transaction timeout (the coordinator aborts an open transaction)",
              ("transaction.timeout",), possible=_transactional, needs="producer.transactional.id"),
    FaultKind("transaction.abort", "a transaction abort (the application aborts its transaction)",
              ("transaction.abort",), possible=_transactional, needs="producer.transactional.id"),
    FaultKind("transaction.coordinator.crash", "a transaction coordinator crash (a new one takes over its log)",
              ("crash:transaction-coordinator",), possible=_transactional, needs="producer.transactional.id"),
    FaultKind("group.coordinator.crash", "a group coordinator crash (a new one loads the group from its log)",
              ("crash:group-coordinator",)),
    FaultKind("isr.shrink", "an ISR shrink (a leader drops a lagging follower)", ("isr.shrink",), write_side=True,
              possible=lambda config: config.cluster.replication_factor > 1),
)}


def budgeted(config) -> list[FaultKind]:
    """The faults `config` budgets and allows to happen (one `sometimes` guard each)."""
    return [kind for kind in FAULTS.values() if getattr(config.faults, kind.field) and kind.refused is None
            and (kind.possible is None or kind.possible(config))]


# Spec key (faults.*) -> field of FaultsUsed, for the faults the write side can inject.
WRITE_FAULTS = {kind.key: kind.field for kind in FAULTS.values() if kind.write_side}


class FaultsUsed(NamedTuple):
    producer_crash: int = 0
    broker_crash: int = 0
    request_lost: int = 0
    response_lost: int = 0
    request_delayed: int = 0
    isr_shrink: int = 0


def can_spend(config, used: FaultsUsed, kind: str) -> bool:
    field = WRITE_FAULTS[kind]
    return getattr(used, field) < getattr(config.faults, field)


def spend(used: FaultsUsed, kind: str) -> FaultsUsed:
    field = WRITE_FAULTS[kind]
    return used._replace(**{field: getattr(used, field) + 1})
