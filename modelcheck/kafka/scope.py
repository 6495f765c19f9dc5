"""What a check of a Kafka configuration explored, and what it left out that matters for its settings.

A verdict is only as wide as the configuration behind it: `no-loss holds` for `acks=1` means little
when no broker could crash. `scope_of(config)` says, in the user's terms, the topology (brokers,
partitions, replication factor, consumers, producing applications), the workload (events, keys), the
fault budget (`faults.budgeted`: the faults that can happen, with their counts) and a short list of what
was not explored. Every report opens with it.

`HINTS` is the registry of "not explored" sentences: each names the faults whose absence it is about
(spec keys of `faults.FAULTS`), when it applies to the configured settings, and what it says. A hint is
shown when its settings apply and none of its faults can happen in the configuration. One entry per
concept; a new one is a line here.

Leaves out: the model's own simplifications (bounded retries, one transaction per event), which the
module docstrings of `config` and `models` state; it describes the configuration, not the model.

Sources for the sentences (Kafka 3.x documentation, "Producer Configs": `acks`, `enable.idempotence`,
`retries`; "Broker Configs": `unclean.leader.election.enable`, `min.insync.replicas`): acks=1 returns
once the leader wrote the record, so the record is lost only when that leader fails before a follower
copies it; acks=0 does not wait for the broker at all; retries and idempotence only matter once a
request or its response goes missing; an unclean election only happens when no in-sync replica is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

from modelcheck.kafka.commit_modes import COMMIT_MODES
from modelcheck.kafka.faults import FAULTS, budgeted


@dataclass(frozen=True)
class Scope:
    """What was explored, as (what, said) pairs in order, and the sentences about what was not."""

    explored: tuple[tuple[str, str], ...]
    not_explored: tuple[str, ...] = ()


class Hint(NamedTuple):
    faults: tuple[str, ...]            # spec keys below `faults.`: the hint is shown when none can happen
    applies: Callable                  # config -> whether the configured settings make it matter
    says: Callable                     # config -> the sentence


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _commit(config) -> str:
    return config.consumer.commit if not config.consumer.enable_auto_commit else "auto"


HINTS: tuple[Hint, ...] = (
    Hint(tuple(FAULTS), lambda c: True,
         lambda c: "no fault was allowed: every verdict is about runs where nothing fails"),
    Hint(("broker.crash",), lambda c: c.producer.acks == "1",
         lambda c: "no broker crash was allowed; acks=1 loses only when the leader fails"),
    Hint(("broker.crash",), lambda c: c.cluster.replication_factor > 1,
         lambda c: f"no broker crash was allowed; replication factor {c.cluster.replication_factor} "
                   f"only matters when a leader fails"),
    Hint(("broker.crash",), lambda c: c.cluster.unclean_leader_election_enable,
         lambda c: "no broker crash was allowed; an unclean leader election only happens after one"),
    Hint(("isr.shrink",), lambda c: c.cluster.replication_factor == 1 and c.producer.acks != "0",
         lambda c: "one replica per partition: no follower could take over, so acks=1 and acks=all behave "
                   "alike here"),
    Hint(("request.lost",), lambda c: c.producer.acks == "0",
         lambda c: "no request was lost; acks=0 loses exactly when one is"),
    Hint(("request.lost", "response.lost", "request.delayed", "broker.crash"),
         lambda c: c.producer.retries > 0 or c.producer.enable_idempotence,
         lambda c: "no request or response went missing; retries and idempotence were never needed"),
    Hint(("producer.crash",), lambda c: c.producer.transactional_id is not None,
         lambda c: "no producer crash was allowed; a transaction is tested by a crash in the middle of it"),
    Hint(("consumer.crash", "rebalance", "consumer.pause"),
         lambda c: COMMIT_MODES[c.consumer.commit].batch_commit is not None or c.consumer.enable_auto_commit,
         lambda c: f"no consumer crash, stall or rebalance was allowed, so the commit strategy "
                   f"({_commit(c)}) was not tested"),
)


def _possible(config) -> set[str]:
    return {kind.key for kind in budgeted(config)}


def not_explored(config) -> tuple[str, ...]:
    """The `HINTS` sentences that apply to `config`, in registry order."""
    possible = _possible(config)
    return tuple(hint.says(config) for hint in HINTS
                 if hint.applies(config) and not possible.intersection(hint.faults))


def scope_of(config) -> Scope:
    """The explored scope of a `KafkaConfig`: topology, workload, fault budget, and what was not explored."""
    cluster, workload = config.cluster, config.workload
    topology = [_plural(cluster.brokers, "broker"), _plural(cluster.partitions, "partition"),
                f"replication factor {cluster.replication_factor}",
                _plural(config.consumer.instances, "consumer"),
                _plural(config.producer.instances, "producing application")]
    keys = (f"{_plural(len(workload.keys), 'key')} ({', '.join(workload.keys)})" if workload.keyed
            else "no keys")
    faults = [f"{getattr(config.faults, kind.field)} {kind.key}" for kind in budgeted(config)]
    explored = (("topology", ", ".join(topology)),
                ("workload", f"{_plural(workload.messages, 'event')}, {keys}"),
                ("faults", ("at most " + ", ".join(faults)) if faults else "none"))
    return Scope(explored, not_explored(config))
