"""The transaction coordinator's timeout that always fires in the end (`Expires`, a quiescent step).

Kafka's coordinator aborts every transaction left Ongoing past `transaction.timeout.ms`, whether or not
its producer is still there. The model fires that timer once nothing else can happen. These tests
check that it fires only then, that it ends a transaction nobody else would end (a crashed
incarnation's, under an id per instance; one reopened by a late AddPartitionsToTxn), that a
read_committed reader then moves on without reading an aborted record, that its traces replay, and
that without it those runs end with the reader stuck behind the last stable offset.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from modelcheck.actors import ActorState
from modelcheck.actors.actions import Act, is_fault
from modelcheck.engine import HOLDS, VIOLATED, always, check_replays, explore
from modelcheck.kafka import transactions
from modelcheck.kafka.roles.system import KafkaSystem
from modelcheck.kafka.roles.transaction_coordinator import (COMPLETE_ABORT, COMPLETE_COMMIT, EMPTY, ONGOING,
                                                            PREPARE_ABORT, PREPARE_COMMIT, Expires, Fences, Markers,
                                                            TransactionCoordinator, TxnEntry)
from modelcheck.spec.sweep import expand
from modelcheck.spec.yaml_spec import load_spec

SPECS = Path(__file__).resolve().parents[1] / "specs"
PER_INSTANCE = {"producer.transactional.id": "orders-tx-${instance}"}
LATE_ADD = {"cluster.transaction.version": 1, "cluster.transaction.partition.verification.enable": False}


def _config(spec: str, point: dict):
    """The configuration of `spec`'s sweep whose settings include `point`."""
    for found in expand(load_spec(SPECS / spec)):
        if all(found.values.get(key) == value for key, value in point.items()):
            return found.config
    raise AssertionError(f"{spec} has no configuration with {point}")


def _expires(label) -> bool:
    return type(label) is Act and type(label.what) is Expires


def _coordinator(system: KafkaSystem, state):
    return state.actors[system.transaction_coordinator].durable


# -- the step on its own ------------------------------------------------------------------------------

def test_the_timeout_fences_and_aborts_an_ongoing_transaction_as_the_budgeted_fault_does():
    coordinator = TransactionCoordinator((5,), ids=1, transaction_version=1)
    ongoing = ActorState((TxnEntry(0, 3, ONGOING, (0,)),), Markers())
    (expired,) = coordinator.quiescent_steps(ongoing)
    (fault,) = coordinator.steps(ongoing)
    assert expired.what == Expires(0, 4) and expired.fault is None
    assert type(fault.what) is Fences and fault.fault == "transaction.timeout"
    assert expired.state == fault.state
    assert expired.state.durable[0].producer_epoch == 4 and expired.state.durable[0].state == PREPARE_ABORT
    for state in (EMPTY, PREPARE_COMMIT, PREPARE_ABORT, COMPLETE_COMMIT, COMPLETE_ABORT):
        assert coordinator.quiescent_steps(ActorState((TxnEntry(0, 3, state, (0,)),), Markers())) == []
    kip_939 = TransactionCoordinator((5,), ids=1, transaction_version=2, two_phase_commit=True)
    assert kip_939.quiescent_steps(ongoing) == []       # a prepared transaction waits for its database


# -- explored -------------------------------------------------------------------------------------------

def test_the_timeout_fires_only_when_nothing_else_can_happen_and_whenever_a_transaction_is_left_open():
    """Every reachable state of the crash spec with an id per instance: the timeout is offered exactly
    where no step but faults would change the state and the coordinator has a transaction Ongoing."""
    system = KafkaSystem(_config("transaction-producer-crash.yaml", PER_INSTANCE))
    built = system.build()
    initial = built.initial_state()
    seen, queue, offered = {initial}, deque([initial]), 0
    while queue:
        state = queue.popleft()
        successors = [step for family in built.expand(state) for step in family]
        timeouts = [after for label, after in successors if _expires(label)]
        busy = any(after != state for label, after in successors if not is_fault(label) and not _expires(label))
        ongoing = sum(1 for entry in _coordinator(system, state) if entry is not None and entry.state == ONGOING)
        assert len(timeouts) == (0 if busy else ongoing), system.actors[0].describe_state(state.actors[0])
        offered += len(timeouts)
        for _label, after in successors:
            if after not in seen:
                seen.add(after)
                queue.append(after)
    assert offered > 0


def _reader_stuck_behind_the_open_transaction(system: KafkaSystem, state) -> bool:
    """The consumer's position on p0 is the last stable offset, held there by a transaction the
    coordinator has Ongoing, with records beyond it."""
    (index,) = system.consumers
    memory = state.actors[index].volatile
    log = state.actors[system.partitions[0]].durable.partition.replica_on(0).log
    stable = transactions.last_stable_offset(log, len(log))
    return (memory is not None and memory.positions[0] == stable < len(log)
            and any(entry is not None and entry.state == ONGOING for entry in _coordinator(system, state)))


@pytest.mark.parametrize("spec,point", [("transaction-producer-crash.yaml", PER_INSTANCE),
                                        ("transaction-version-hanging.yaml", LATE_ADD)])
def test_without_the_timeout_a_transaction_nobody_ends_holds_the_reader_back_for_ever(spec, point, monkeypatch):
    """The verdicts the timeout changed (with it nothing is left pending: both specs pin progress
    holding, and the crash spec is explored here too); without it (the model before, whose timeout was a
    budgeted fault only) a run ends with the transaction Ongoing at the coordinator and, after a crash,
    the read_committed consumer at the last stable offset, records unread beyond it."""
    if spec == "transaction-producer-crash.yaml":
        result = explore(KafkaSystem(_config(spec, point)).build().model())
        assert result.complete and result.properties["progress"].verdict == HOLDS
        assert result.stats.coverage["transaction-coordinator.expires"] > 0

    monkeypatch.setattr(TransactionCoordinator, "quiescent_steps", lambda self, state: [])
    system = KafkaSystem(_config(spec, point))
    model = system.build().model()
    result = explore(model)
    stuck = result.properties["progress"]
    assert stuck.verdict == VIOLATED and check_replays(model, stuck.trace)
    if spec == "transaction-producer-crash.yaml":     # the reader waits behind the crashed incarnation's records
        assert _reader_stuck_behind_the_open_transaction(system, stuck.trace.last)
    else:                                             # the late AddPartitionsToTxn's transaction stays open
        assert any(entry is not None and entry.state == ONGOING for entry in _coordinator(system, stuck.trace.last))


def test_after_the_timeout_the_reader_moves_on_and_reads_no_aborted_record():
    """With an id per instance, the shortest run in which the read_committed consumer gets past a
    record of the crashed incarnation that was never committed goes through the timeout (nothing else
    aborts it), and no run hands an aborted record to the sink."""
    system = KafkaSystem(_config("transaction-producer-crash.yaml", PER_INSTANCE))
    built = system.build()
    (index,) = system.consumers

    def past_an_aborted_record(state):
        memory = state.actors[index].volatile
        log = state.actors[system.partitions[0]].durable.partition.replica_on(0).log
        aborted = [offset for offset, record in enumerate(log)
                   if not record.control and transactions.fate(log, offset) == transactions.ABORT]
        return bool(aborted) and memory is not None and memory.positions[0] > aborted[0]
    built.properties.append(always("reader-stays-before-an-aborted-record", lambda s: not past_an_aborted_record(s)))
    model = built.model()
    result = explore(model)
    moved = result.properties["reader-stays-before-an-aborted-record"]
    assert moved.verdict == VIOLATED and check_replays(model, moved.trace)
    labels = [step.label for step in moved.trace.steps]
    assert any(_expires(label) for label in labels)
    assert result.properties["no-aborted-read"].verdict == HOLDS
    assert result.properties["no-loss"].verdict == HOLDS
