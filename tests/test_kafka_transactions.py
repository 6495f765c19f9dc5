"""Transactions: the log's view (fates, last stable offset, what each isolation level hands over), the
epoch fencing at the partition, and the transactional roles' behaviour in exploration.

The bundled transaction specs' verdicts and replays are checked with every other spec
(tests/test_kafka_integration.py); here each mechanism is checked on its own, with a property that
could fail and, where it matters, a configuration where it does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.actors import ActorState
from modelcheck.actors.actor import REPLY, REQUEST, Envelope, Link
from modelcheck.cli import main
from modelcheck.engine import HOLDS, VIOLATED, always, check_replays, explore, sometimes
from modelcheck.kafka import idempotence, rpc, transactions
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.partition import high_watermark
from modelcheck.kafka.records import ABORT, COMMIT, Record, marker
from modelcheck.kafka.roles.system import KafkaSystem, build_system
from modelcheck.kafka.roles.transaction_coordinator import PREPARED
from modelcheck.report.explain import explain_trace
from modelcheck.spec.sweep import expand
from modelcheck.spec.yaml_spec import load_spec

SPECS = Path(__file__).resolve().parents[1] / "specs"


def txn(event: int, producer_id: int = 7, epoch: int = 0, sequence: int = 0) -> Record:
    return Record(event, 0, producer_id, epoch, sequence, True)


# -- the log ----------------------------------------------------------------------------------------

def test_a_record_takes_the_fate_of_the_first_marker_of_its_producer_after_it():
    log = (txn(1), Record(9, 0), txn(2, producer_id=8), marker(7, 0, commit=False), txn(3, sequence=1),
           marker(7, 1, commit=True))
    assert transactions.fate(log, 0) == ABORT
    assert transactions.fate(log, 1) is None                 # written outside a transaction
    assert transactions.fate(log, 2) == transactions.OPEN    # producer 8 has no marker yet
    assert transactions.fate(log, 3) is None                 # a marker is no data record
    assert transactions.fate(log, 4) == COMMIT


def test_the_last_stable_offset_stops_at_the_first_open_transaction_and_never_passes_the_high_watermark():
    log = (Record(1, 0), txn(2), txn(3, producer_id=8), marker(7, 0, commit=True))
    assert transactions.last_stable_offset(log, 4) == 2      # producer 8's record is still open
    assert transactions.last_stable_offset(log, 1) == 1
    closed = log + (marker(8, 0, commit=False),)
    assert transactions.last_stable_offset(closed, 5) == 5
    assert transactions.fetch_bound(log, 4, "read_uncommitted") == 4
    assert transactions.fetch_bound(log, 4, "read_committed") == 2


def test_each_isolation_level_hands_over_what_it_should():
    log = (txn(1), marker(7, 0, commit=False), txn(1, epoch=1), marker(7, 1, commit=True))
    aborted = transactions.aborted_offsets(log, 0, 4)
    assert aborted == (0,)
    assert transactions.handed_over(log, 0, aborted) == ((1,), (2,))            # read_committed
    assert transactions.handed_over(log, 0, ()) == ((1, 1), (0, 2))             # read_uncommitted
    assert transactions.written(log) == [1]


def test_a_marker_of_a_newer_epoch_fences_the_older_one_and_restarts_the_sequences():
    log = (txn(1), marker(7, 1, commit=False))               # transaction.version 2: the abort bumped to 1
    assert idempotence.check_sequence(log, txn(2, sequence=1))[0] == idempotence.INVALID_EPOCH
    assert idempotence.check_sequence(log, txn(2, epoch=1, sequence=0))[0] == idempotence.APPEND
    assert idempotence.check_sequence(log, txn(2, epoch=1, sequence=3))[0] == idempotence.OUT_OF_ORDER
    same_epoch = (txn(1), marker(7, 0, commit=False))        # transaction.version 1: the epoch is kept
    assert idempotence.check_sequence(same_epoch, txn(2, sequence=1))[0] == idempotence.APPEND


# -- the roles, explored -----------------------------------------------------------------------------

def _config(spec: str, **settings) -> KafkaConfig:
    point = next(iter(expand(load_spec(SPECS / spec))))
    config = point.config
    for key, value in settings.items():
        config = config.with_value(key.replace("__", "."), value)
    return config


def _explore_with(config: KafkaConfig, *extra):
    system = KafkaSystem(config)
    built = system.build()
    for make in extra:
        built.properties.append(make(system))
    model = built.model()
    return model, explore(model)


def _below_stable_offset(system: KafkaSystem):
    """Every consumer's position is at or below its partition's last stable offset."""
    def holds(state):
        for index in system.consumers:
            membership, memory = state.actors[index]
            if memory is None:
                continue
            for p in membership.partitions:
                partition = state.actors[system.partitions[p]].durable.partition
                log = partition.replica_on(partition.leader).log
                if memory.positions[p] > transactions.last_stable_offset(log, high_watermark(partition)):
                    return False
        return True
    return always("below-last-stable-offset", holds)


@pytest.mark.parametrize("level,verdict", [("read_committed", HOLDS), ("read_uncommitted", VIOLATED)])
def test_only_a_read_committed_consumer_stays_below_the_last_stable_offset(level, verdict):
    config = _config("transaction-read-committed.yaml", consumer__isolation__level=level)
    model, result = _explore_with(config, _below_stable_offset)
    found = result.properties["below-last-stable-offset"]
    assert result.complete and found.verdict == verdict
    if verdict == VIOLATED:
        assert check_replays(model, found.trace)


def test_a_restarted_incarnation_aborts_the_open_transaction_of_its_predecessor():
    """With a stable transactional.id the InitProducerId of the new incarnation fences the old epoch:
    every state where the old incarnation's transaction was left open (Ongoing at the coordinator after
    a crash) is eventually followed by its abort, and no run ends with a transaction not complete."""
    config = _config("transaction-producer-crash.yaml")
    model, result = _explore_with(config)
    assert result.properties["progress"].verdict == HOLDS
    assert result.properties["no-aborted-read"].verdict == HOLDS
    assert result.stats.coverage["transaction-coordinator.fences"] > 0


def test_the_duplicate_of_a_crashed_producer_comes_from_a_commit_whose_answer_was_lost():
    config = _config("transaction-producer-crash.yaml")
    model, result = _explore_with(config)
    trace = result.properties["no-duplicate"].trace
    assert check_replays(model, trace)
    sentences = [step.sentence for step in explain_trace(trace, model)]
    commit = next(i for i, s in enumerate(sentences) if "sends EndTxn(commit)" in s)
    crash = next(i for i, s in enumerate(sentences) if "producer crashes" in s or s.endswith("crashes"))
    prepared = next(i for i, s in enumerate(sentences) if "writes PrepareCommit" in s)
    assert commit < crash and commit < prepared
    assert not any("learns the commit succeeded" in s for s in sentences[commit:crash])


@pytest.mark.parametrize("version", [1, 2])
def test_a_late_produce_request_joins_the_next_transaction_only_before_kip_890(version):
    config = _config("transaction-version-hanging.yaml", cluster__transaction__version=version)
    model, result = _explore_with(config)
    assert result.complete
    duplicate = result.properties["no-duplicate"]
    if version == 2:
        assert duplicate.verdict == HOLDS and result.properties["progress"].verdict == HOLDS
        return
    assert duplicate.verdict == VIOLATED and check_replays(model, duplicate.trace)
    sentences = [step.sentence for step in explain_trace(duplicate.trace, model)]
    aborted = next(i for i, s in enumerate(sentences) if "appends the ABORT marker" in s)
    appends = [i for i, s in enumerate(sentences) if "appends e1" in s]
    assert len(appends) == 2 and appends[-1] > aborted    # e1 arrives after its transaction was aborted


def test_a_new_coordinator_sends_the_markers_of_a_prepared_transaction_again():
    config = _config("transaction-coordinator-failover.yaml")
    model, result = _explore_with(config)
    assert result.stats.coverage["transaction-coordinator.writes-markers"] > 0     # only after a restart
    assert all(prop.verdict == HOLDS for prop in result.properties.values())


def test_a_broken_coordinator_that_forgets_its_prepared_transactions_is_caught():
    """The failover spec's properties can fail: a coordinator that loses its log's prepared state on a
    restart leaves a transaction half done."""
    config = _config("transaction-coordinator-failover.yaml")
    system = KafkaSystem(config)
    coordinator = system.actors[system.transaction_coordinator]
    original = coordinator.restart

    def forgetful(durable):
        state = original(durable)
        entries = tuple(None if entry is not None and entry.state in PREPARED else entry for entry in state.durable)
        return state._replace(durable=entries)
    coordinator.restart = forgetful
    model = system.build().model()
    result = explore(model)
    assert result.properties["progress"].verdict == VIOLATED
    assert check_replays(model, result.properties["progress"].trace)


# -- the spec's contract -------------------------------------------------------------------------------

def _run(tmp_path, text: str, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    with pytest.raises(SystemExit) as stopped:
        main(["check", str(spec)])
    return stopped.value.code, capsys.readouterr().err


def test_a_transaction_fault_without_a_transactional_id_is_refused_with_its_line(tmp_path, capsys):
    code, err = _run(tmp_path, "name: t\nfaults:\n  transaction.abort: 1\n", capsys)
    assert code == 2
    assert "line 3" in err and "faults.transaction.abort" in err and "producer.transactional.id" in err


def test_several_transform_instances_with_one_transactional_id_are_refused(tmp_path, capsys):
    code, err = _run(tmp_path, "name: t\nproducer:\n  transactional.id: tx\nconsumer:\n  commit: transactional\n"
                               "  instances: 2\nsink:\n  type: topic\n", capsys)
    assert code == 2 and "fences the other" in err and "consumer.instances" in err


def test_two_transform_instances_each_with_its_own_id_write_one_output_exactly_once():
    """Two instances, one input partition each, both writing the output partition in their own
    transactions (their own transactional ids and producer ids): each result is committed once."""
    config = _config("transform-exactly-once.yaml", consumer__instances=2, cluster__partitions=2,
                     workload__keys=("k1", "k2"), faults__consumer__crash=0,
                     producer__transactional__id="transform-tx-${instance}")
    system = KafkaSystem(config)
    assert len(system.consumers) == 2
    ids = {system.actors[index].transactional_id(system.actors[index].initial().durable) for index in system.consumers}

    def both_wrote(state):
        log = state.actors[system.output].durable.partition.replica_on(0).log
        return {record.producer_id for record in log if record.control == COMMIT} == {0, 1}
    model, result = _explore_with(config, lambda _system: sometimes("both-instances-committed", both_wrote))
    assert result.complete
    assert {name for name, prop in result.properties.items() if prop.verdict != HOLDS} == set()
    assert ids == {0, 1}


# -- consume-transform-produce ------------------------------------------------------------------------

def test_the_committed_offset_waits_for_the_transaction_and_moves_with_its_commit_marker():
    """Offsets sent in a transaction are pending at the group coordinator until the marker: a fetch of
    the offset that requires stable offsets is answered UNSTABLE_OFFSET_COMMIT meanwhile, an ABORT drops
    them, a COMMIT commits them."""
    config = _config("transform-exactly-once.yaml")
    system = KafkaSystem(config)
    coordinator = system.actors[system.coordinator]
    group = coordinator.initial().durable._replace(pending=((0, 0, 2, 0),))
    state = ActorState(group, None)

    def answer(message, src=system.consumers[0]):
        envelope = Envelope(src, system.coordinator, Link(src, system.coordinator, 0), REQUEST, message)
        (out,) = coordinator.receive(state, envelope)
        return out

    fetched = answer(rpc.OffsetFetchRequest(0, 0, require_stable=True))       # a read_committed consumer
    assert fetched.sends[0].message.error == rpc.UNSTABLE_OFFSET_COMMIT
    unstable_ok = answer(rpc.OffsetFetchRequest(0, 0))                         # read_uncommitted: no waiting
    assert unstable_ok.sends[0].message.error == rpc.NONE
    aborted = answer(rpc.WriteTxnMarkersRequest(rpc.GROUP, 0, 1, commit=False))
    assert aborted.state.durable.pending == () and aborted.state.durable.committed == (rpc.NO_OFFSET,)
    committed = answer(rpc.WriteTxnMarkersRequest(rpc.GROUP, 0, 1, commit=True))
    assert committed.state.durable.pending == () and committed.state.durable.committed == (2,)


def test_kip_447_refuses_the_offsets_of_a_member_that_left_and_the_legacy_form_does_not():
    config = _config("transform-zombie-fencing.yaml")
    system = KafkaSystem(config)
    coordinator = system.actors[system.coordinator]
    group = coordinator.initial().durable
    left = ActorState(group._replace(members=(1,), owners=(1,)), None)
    member = Link(system.consumers[0], system.coordinator, 0)
    for generation, error in ((group.generation, rpc.ILLEGAL_GENERATION), (-1, rpc.NONE)):
        request = rpc.TxnOffsetCommitRequest(0, 0, member=0, generation=generation, offsets=((0, 1),))
        (asks,) = coordinator.receive(left, Envelope(member.initiator, member.acceptor, member, REQUEST, request))
        # transaction.version 2: the offsets are added to the transaction first (KIP-890 part 2)
        add = asks.sends[0].message
        assert type(add) is rpc.AddPartitionsToTxnRequest and add.partition == rpc.GROUP and not add.verify_only
        tc = Link(system.coordinator, system.transaction_coordinator, 0)
        added = rpc.AddPartitionsToTxnResponse(rpc.GROUP, rpc.NONE, 0)
        (out,) = coordinator.receive(asks.state, Envelope(tc.acceptor, tc.initiator, tc, REPLY, added))
        assert out.sends[0].message.error == error and out.state.durable.adding == ()


def test_under_version_2_the_group_coordinator_passes_the_transaction_coordinators_refusal_on():
    """A TxnOffsetCommit whose offsets the transaction coordinator will not add is answered with its error
    (PRODUCER_FENCED: fatal; CONCURRENT_TRANSACTIONS: retried) and nothing is kept pending; a crash of the
    transaction coordinator under the request is answered NETWORK_EXCEPTION (retried)."""
    config = _config("transform-exactly-once.yaml")
    system = KafkaSystem(config)
    coordinator = system.actors[system.coordinator]
    start = coordinator.initial()
    member = Link(system.consumers[0], system.coordinator, 0)
    tc = Link(system.coordinator, system.transaction_coordinator, 0)
    request = rpc.TxnOffsetCommitRequest(0, 0, member=0, generation=start.durable.generation, offsets=((0, 1),))
    (asks,) = coordinator.receive(start, Envelope(member.initiator, member.acceptor, member, REQUEST, request))
    for error in (rpc.PRODUCER_FENCED, rpc.CONCURRENT_TRANSACTIONS):
        refused = rpc.AddPartitionsToTxnResponse(rpc.GROUP, error, 0)
        (out,) = coordinator.receive(asks.state, Envelope(tc.acceptor, tc.initiator, tc, REPLY, refused))
        assert out.sends[0].message == rpc.TxnOffsetCommitResponse(error)
        assert out.state.durable.pending == () and out.state.durable.adding == ()
    (lost,) = coordinator.failed(asks.state, tc, (asks.sends[0].message,))
    assert lost.sends[0].message == rpc.TxnOffsetCommitResponse(rpc.NETWORK_EXCEPTION)
    assert lost.state.durable.adding == ()


def test_a_zombies_commit_is_caught_by_zombie_fenced_and_is_the_duplicate():
    point = next(p for p in expand(load_spec(SPECS / "transform-zombie-fencing.yaml"))
                 if "${instance}" in p.label and "legacy" in p.label)
    model = build_system(point.config).model()
    result = explore(model)
    trace = result.properties["zombie-fenced"].trace
    assert check_replays(model, trace)
    sentences = [step.sentence for step in explain_trace(trace, model)]
    pause = next(i for i, s in enumerate(sentences) if "pauses" in s)
    resumed = next(i for i, s in enumerate(sentences) if "resumes" in s)
    legacy = [i for i, s in enumerate(sentences) if "group id only" in s]
    assert pause < resumed and any(i > resumed for i in legacy)   # the zombie sends its offsets after it resumed


def test_without_the_kip_447_check_the_zombie_is_not_fenced():
    """The KIP-447 check is what fences a zombie with an id per instance: a group coordinator that takes
    TxnOffsetCommit without looking at the member lets its transaction commit."""
    config = _config("transform-zombie-fencing.yaml", producer__transactional__id="transform-tx-${instance}")
    system = KafkaSystem(config)
    coordinator = system.actors[system.coordinator]
    original = coordinator._txn_commit

    def unchecked(state, group, envelope, request):
        return original(state, group, envelope, request._replace(generation=-1))
    coordinator._txn_commit = unchecked
    model = system.build().model()
    result = explore(model)
    assert result.properties["zombie-fenced"].verdict == VIOLATED
    assert result.properties["no-duplicate"].verdict == VIOLATED


def test_a_downstream_reader_is_judged_by_its_isolation_level():
    """The same run seen by a read_committed and a read_uncommitted reader: only the latter takes the
    results of an open or aborted transaction."""
    for level, verdict in (("read_committed", HOLDS), ("read_uncommitted", VIOLATED)):
        config = _config("transform-exactly-once.yaml", consumer__isolation__level=level)
        _model, result = _explore_with(config)
        assert result.properties["no-aborted-read"].verdict == verdict


# -- the database boundary ----------------------------------------------------------------------------

def _boundary(label_part: str) -> KafkaConfig:
    return next(point.config for point in expand(load_spec(SPECS / "database-transaction-boundary.yaml"))
                if label_part in point.label)


def test_two_phase_commit_recovers_a_kept_transaction_as_the_database_decided():
    config = _boundary("two.phase")
    model, result = _explore_with(config)
    assert result.stats.coverage["producer.recovers"] > 0
    assert result.properties["consistency"].verdict == HOLDS


def test_a_recovery_that_ignores_the_database_breaks_the_unit():
    """The KIP-939 recovery is what keeps the unit: an application that aborts every kept transaction,
    whatever its database committed, loses the events its database has."""
    config = _boundary("two.phase")
    system = KafkaSystem(config)
    application = system.actors[0]
    original = application.receive

    def forgetful(state, envelope):
        message = envelope.message
        if type(message) is rpc.InitProducerIdResponse and message.ongoing:
            state = ActorState(state.durable._replace(prepared=()), state.volatile)
        return original(state, envelope)
    application.receive = forgetful
    model = system.build().model()
    result = explore(model)
    assert result.properties["consistency"].verdict == VIOLATED
    assert check_replays(model, result.properties["consistency"].trace)


@pytest.mark.parametrize("text, key", [
    ("producer:\n  transaction.two.phase.commit.enable: true\n  transactional.id: tx\n",
     "producer.transaction.two.phase.commit.enable"),
    ("producer:\n  transaction.two.phase.commit.enable: true\n  transactional.id: tx\n  source: dual-write\n"
     "  database.commit: after-kafka\n", "producer.database.commit"),
])
def test_two_phase_commit_needs_a_database_that_decides(tmp_path, capsys, text, key):
    code, err = _run(tmp_path, "name: t\n" + text, capsys)
    assert code == 2 and key in err


def test_transaction_atomicity_catches_a_record_of_an_aborted_transaction_committed_with_the_next():
    config = _config("transaction-version-hanging.yaml", cluster__transaction__version=1)
    model, result = _explore_with(config)
    found = result.properties["transaction-atomicity"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)
    sentences = [step.sentence for step in explain_trace(found.trace, model)]
    aborted = next(i for i, s in enumerate(sentences) if "learns the abort succeeded" in s)
    assert "appends the COMMIT marker" in sentences[-1] and aborted < len(sentences) - 1
    system = KafkaSystem(config)
    ((writer, transaction, fates, told),) = system.atomicity_breaks(found.trace.last)
    assert (writer, transaction, fates, told) == ("producer", 1, ("committed",), "aborted")


def test_a_fenced_producer_is_closed_with_its_connections():
    """close() on a fenced producer closes its connections, so answers meant for it are dropped and never
    block the new producer's answers behind them on the same connection."""
    from modelcheck.actors.actor import Disconnect
    from modelcheck.kafka.roles.transactional import COMMIT_SENT, _with
    config = _config("transaction-read-committed.yaml")
    system = KafkaSystem(config)
    application = system.actors[0]
    state = application.initial()
    state = ActorState(state.durable, _with(state.volatile, phase=COMMIT_SENT))
    link = Link(0, system.transaction_coordinator, 0)
    answer = Envelope(system.transaction_coordinator, 0, link, REPLY, rpc.EndTxnResponse(rpc.PRODUCER_FENCED, True))
    (out,) = application.receive(state, answer)
    closed = {send.dst for send in out.sends if type(send) is Disconnect}
    assert closed == set(system.partitions) | {system.transaction_coordinator}


# -- several producing applications -------------------------------------------------------------------

def test_concurrent_applications_have_their_own_events_ids_and_producer_ids():
    config = _config("transaction-concurrent-producers.yaml", faults__producer__crash=1)
    system = KafkaSystem(config)
    first, second = (system.actors[index] for index in system.producers)
    assert (first.name, second.name) == ("producer[0]", "producer[1]")
    assert (first.first_event, first.last_event, second.first_event, second.last_event) == (1, 1, 2, 2)
    durable = first.initial().durable
    assert [first.transactional_id(durable._replace(session=s)) for s in (0, 1)] == [0, 1]
    assert [second.transactional_id(durable._replace(session=s)) for s in (0, 1)] == [2, 3]
    # Both transactions commit in some run, each under its own producer id, interleaved in one log.
    def both_committed(state):
        log = state.actors[system.partitions[0]].durable.partition.replica_on(0).log
        return {record.producer_id for record in log if record.control == COMMIT} == {0, 1}
    model, result = _explore_with(_config("transaction-concurrent-producers.yaml"),
                                  lambda _system: sometimes("both-committed", both_committed))
    assert result.complete and result.properties["both-committed"].verdict == HOLDS


def _last_writer_only(log, high_watermark, isolation_level):
    """A broken fetch bound: the last stable offset of the producer that wrote last, as if only one
    producer wrote the partition (right for a single writer, wrong for concurrent ones)."""
    if isolation_level != transactions.READ_COMMITTED:
        return high_watermark
    data = [record for record in log[:high_watermark] if not record.control]
    if not data:
        return high_watermark
    mine = tuple(record for record in log[:high_watermark] if record.producer_id == data[-1].producer_id)
    first = transactions.first_open(mine)
    return high_watermark if first is None else log.index(mine[first])


def test_a_fetch_bound_that_forgets_the_other_producers_open_transaction_is_caught(monkeypatch):
    """Only concurrent writers tell a last stable offset per producer from the partition's: the single-writer
    spec holds under the broken bound, the concurrent one does not."""
    monkeypatch.setattr(transactions, "fetch_bound", _last_writer_only)
    single = _config("transaction-read-committed.yaml", consumer__isolation__level="read_committed",
                     faults__transaction__abort=0)
    assert explore(build_system(single).model()).verdict("no-aborted-read") == HOLDS
    concurrent = _config("transaction-concurrent-producers.yaml")
    assert concurrent.consumer.isolation_level == "read_committed"
    model = build_system(concurrent).model()
    found = explore(model).properties["no-aborted-read"]
    assert found.verdict == VIOLATED
    assert check_replays(model, found.trace)


@pytest.mark.parametrize("text,reason", [
    ("producer:\n  instances: 2\nsink:\n  type: topic\n", "consume-transform-produce"),
    ("producer:\n  instances: 2\n  transactional.id: tx\n", "fences the other"),
    ("producer:\n  instances: 2\n  transactional.id: tx-${instance}\n  source: dual-write\n", "dual-write or outbox"),
])
def test_several_applications_are_refused_where_they_are_not_modelled(tmp_path, capsys, text, reason):
    code, err = _run(tmp_path, "name: t\n" + text, capsys)
    assert code == 2 and "producer.instances" in err and reason in err and "line 3" in err


# -- KIP-890 part 1: partition verification ------------------------------------------------------------

def _hanging(verification: bool) -> KafkaConfig:
    config = _config("transaction-version-hanging.yaml", cluster__transaction__version=1)
    return config.with_value("cluster.transaction.partition.verification.enable", verification)


def test_verification_refuses_a_late_record_that_would_hang_and_without_it_the_record_hangs():
    for verification, verdict in ((False, VIOLATED), (True, HOLDS)):
        model = build_system(_hanging(verification)).model()
        found = explore(model).properties["no-hanging-transaction"]
        assert found.verdict == verdict, verification
        if verdict == VIOLATED:
            assert check_replays(model, found.trace)
            words = [model.step_label(step.label).text for step in found.trace.steps]
            marker = next(i for i, w in enumerate(words) if "ABORT marker" in w)
            assert any("appends e1" in w for w in words[marker:])        # the late e1, after the abort
            assert "the transaction is complete" in words[-1]


def test_a_coordinator_that_verifies_everything_lets_the_late_record_hang(monkeypatch):
    """The verification is what stops the hanging: a coordinator that answers every verification with
    NONE (as if the partition were always in the transaction) brings it back."""
    from modelcheck.actors import Out, Reply
    from modelcheck.kafka.roles import transaction_coordinator as coordinators

    def verifies_all(state, envelope):
        message = envelope.message
        response = rpc.AddPartitionsToTxnResponse(message.partition, rpc.NONE, message.producer_id)
        return Out(coordinators.Verifies(message.producer_id, message.partition, rpc.NONE), state,
                   (Reply(envelope.link, response),))

    monkeypatch.setattr(coordinators.TransactionCoordinator, "_verify", staticmethod(verifies_all))
    model = build_system(_hanging(True)).model()
    found = explore(model).properties["no-hanging-transaction"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)


def test_the_leader_verifies_under_version_1_and_adds_the_partition_under_version_2():
    """Under transaction.version 1 the leader only verifies, and only with verification on; under 2 it
    always asks the coordinator, to add the partition (KIP-890 part 2), whatever the setting."""
    from modelcheck.kafka.roles.replicas import ReplicatedPartition
    for version, verification, asks, adds in ((1, True, True, False), (1, False, False, False),
                                              (2, True, True, True), (2, False, True, True)):
        config = _hanging(verification).with_value("cluster.transaction.version", version)
        system = KafkaSystem(config)
        partition = system.actors[system.partitions[0]]
        assert isinstance(partition, ReplicatedPartition)
        assert (partition.verifier == system.transaction_coordinator) is asks
        assert partition.adds_partition is adds


# -- KIP-890 part 2: transaction.version 2 adds the partitions on the brokers ----------------------------

def _delivered(trace, kind):
    """(sender, message) of every message of envelope `kind` delivered along `trace`."""
    from modelcheck.actors.actions import Deliver
    return [(step.label.envelope.src, step.label.envelope.message) for step in trace.steps
            if type(step.label) is Deliver and step.label.envelope.kind == kind]


@pytest.mark.parametrize("spec,partitions", [("transaction-read-committed.yaml", {0}),
                                             ("transform-exactly-once.yaml", {1, rpc.GROUP})])
def test_under_version_2_the_brokers_add_the_partitions_and_the_client_sends_no_add_request(spec, partitions):
    """Along the shortest successful run the client sends neither AddPartitionsToTxn nor AddOffsetsToTxn:
    the partition's leader (and for offsets the group coordinator) has the coordinator add each partition
    of the transaction, which it does; under version 1 the client adds them itself."""
    from modelcheck.kafka.cost import shortest_successful_run
    for version in (2, 1):
        config = _config(spec, consumer__isolation__level="read_committed", cluster__transaction__version=version)
        trace, system, _stopped = shortest_successful_run(config)
        requests = _delivered(trace, REQUEST)
        adds = [(src, message) for src, message in requests if type(message) is rpc.AddPartitionsToTxnRequest]
        clients = set(system.producers) | set(system.consumers)
        if version == 1:              # the client adds; a leader only verifies (KIP-890 part 1)
            assert any(src in clients for src, _message in adds)
            assert all(message.verify_only for src, message in adds if src not in clients)
            continue
        assert not any(type(message) is rpc.AddOffsetsToTxnRequest for _src, message in requests)
        assert adds and not any(src in clients for src, _message in adds)
        assert all(not message.verify_only and message.transactional_id < 0 for _src, message in adds)
        assert {message.partition for _src, message in adds} == partitions
        added = {message.partition for _src, message in _delivered(trace, REPLY)
                 if type(message) is rpc.AddPartitionsToTxnResponse and message.error == rpc.NONE}
        assert added == partitions


def test_under_version_2_a_late_add_of_an_ended_transaction_is_fenced_by_its_epoch(monkeypatch):
    """A produce request held up past the abort of its transaction (which had nothing added: the request
    never arrived) reaches the leader with the old epoch; the coordinator refuses to add the partition
    (PRODUCER_FENCED), so nothing reopens. A coordinator that ignores the epoch of a broker's request
    lets the late record open a transaction that the next one then commits."""
    from modelcheck.actors import Out, Reply
    from modelcheck.kafka.roles import transaction_coordinator as coordinators
    config = _config("transaction-version-hanging.yaml", cluster__transaction__version=2)
    model, result = _explore_with(config)
    assert result.complete
    for name in ("transaction-atomicity", "no-duplicate", "no-hanging-transaction", "progress"):
        assert result.properties[name].verdict == HOLDS, name

    def adds_any_epoch(state, envelope):
        entries, markers = state
        message = envelope.message
        txn = coordinators._txn_of(entries, message.producer_id)
        entry = entries[txn]
        error = rpc.CONCURRENT_TRANSACTIONS if entry.state in coordinators.PREPARED else rpc.NONE
        after = state if error else ActorState(coordinators._with(entries, txn,
                                                                  coordinators._adding(entry, message.partition)),
                                               markers)
        response = rpc.AddPartitionsToTxnResponse(message.partition, error, message.producer_id)
        return Out(coordinators.AddsPartition(txn, message.partition, error, True), after,
                   (Reply(envelope.link, response),))

    monkeypatch.setattr(coordinators.TransactionCoordinator, "_add_for_broker", staticmethod(adds_any_epoch))
    model, result = _explore_with(config)
    found = result.properties["transaction-atomicity"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)


def test_under_version_2_a_marker_keeps_the_add_of_the_next_transaction_in_the_same_epoch():
    """The epoch bump lets a producer start its next transaction before the markers of the last one are
    written; the marker, which carries the new epoch, leaves the leader's pending add of that next
    transaction in place (as Kafka 4.x does), while under version 1 any marker ends the verification."""
    from modelcheck.kafka.roles.replicas import Owed
    for version, kept in ((2, True), (1, False)):
        config = _config("transaction-version-hanging.yaml", cluster__transaction__version=version)
        system = KafkaSystem(config)
        partition = system.actors[system.partitions[0]]
        state = partition.initial()
        client = Link(system.producers[0], system.partitions[0], 0)
        waiting = rpc.ProduceRequest(0, txn(1, producer_id=0, epoch=1), 1, 0)
        state = ActorState(state.durable, Owed(verifying=((client, waiting, 0),), guards=frozenset({0})))
        coordinator = Link(system.transaction_coordinator, system.partitions[0], 0)
        request = rpc.WriteTxnMarkersRequest(0, 0, 1, False)
        (out,) = partition.receive(state, Envelope(coordinator.initiator, coordinator.acceptor, coordinator,
                                                   REQUEST, request))
        assert (0 in out.state.volatile.guards) is kept


def test_under_version_2_an_abort_with_nothing_added_bumps_the_epoch_and_completes_at_once():
    """The client sent records no broker added (KIP-890 part 2 lets it): EndTxn(abort) from Empty is
    accepted, bumps the epoch and needs no marker; its retry is answered as done; a commit with nothing
    added is refused. Under version 1 the client never sends it, and the coordinator refuses it."""
    from modelcheck.kafka.roles import transaction_coordinator as coordinators
    for version in (2, 1):
        coordinator = coordinators.TransactionCoordinator((10,), 1, version)
        client = Link(20, 30, 0)

        def ask(state, request):
            (out,) = coordinator.receive(state, Envelope(client.initiator, client.acceptor, client, REQUEST, request))
            return out.state, out.sends[0].message

        state, answer = ask(coordinator.initial(), rpc.InitProducerIdRequest(0))
        assert answer.producer_epoch == 0
        aborted, answer = ask(state, rpc.EndTxnRequest(0, answer.producer_id, 0, commit=False))
        if version == 1:
            assert answer.error == rpc.INVALID_TXN_STATE and aborted == state
            continue
        entry = aborted.durable[0]
        assert answer.error == rpc.NONE and answer.producer_epoch == 1
        assert entry.state == coordinators.COMPLETE_ABORT and entry.partitions == () and not coordinator.steps(aborted)
        _same, retried = ask(aborted, rpc.EndTxnRequest(0, 0, 0, commit=False))
        assert retried.error == rpc.NONE and retried.producer_epoch == 1
        _same, committed = ask(aborted, rpc.EndTxnRequest(0, 0, 1, commit=True))
        assert committed.error == rpc.INVALID_TXN_STATE


# -- zombie producers: a standby instance takes over from a stalled one (faults.producer.pause) ----------

def _zombie(transactional_id: str = "orders") -> KafkaConfig:
    return _config("transaction-zombie-producer.yaml", producer__transactional__id=transactional_id)


def test_a_standby_starts_only_when_the_instance_it_stands_by_for_stalls():
    from modelcheck.actors import Down
    from modelcheck.actors.actor import NOTICE
    system = KafkaSystem(_zombie())
    (standby,) = system.standbys
    actor = system.actors[standby]
    waiting = actor.initial()
    assert waiting.durable.standby and not actor.steps(waiting)
    assert not actor.exposed("crash", waiting) and not actor.exposed("pause", waiting)

    def told(reason):
        (out,) = actor.receive(waiting, Envelope(system.producers[0], standby, None, NOTICE,
                                                 Down(system.producers[0], reason)))
        return out
    assert told("crashed").state == waiting                    # a crash restarts the instance itself
    started = told("paused").state
    assert not started.durable.standby
    assert [type(out.what).__name__ for out in actor.steps(started)] == ["InitsProducer"]


def test_a_zombie_commit_under_an_id_per_instance_comes_after_its_replacement_registered():
    model = build_system(_zombie("orders-${instance}")).model()
    found = explore(model).properties["zombie-fenced"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)
    sentences = [step.sentence for step in explain_trace(found.trace, model)]
    paused = next(i for i, s in enumerate(sentences) if "pauses" in s)
    started = next(i for i, s in enumerate(sentences) if "takes over its work" in s)
    registered = next(i for i, s in enumerate(sentences) if "gives transactional id 1" in s)
    assert paused < started < registered and "commit" in sentences[-1]


def test_a_coordinator_that_lets_an_older_epoch_commit_is_caught_by_zombie_fenced(monkeypatch):
    """With a stable id only the epoch check stands between the zombie and its late commit."""
    from modelcheck.kafka.roles.transaction_coordinator import TransactionCoordinator
    original = TransactionCoordinator._end

    def careless(self, state, envelope):
        message = envelope.message
        entry = state.durable[message.transactional_id]
        if entry is not None and message.producer_epoch < entry.producer_epoch:
            envelope = envelope._replace(message=message._replace(producer_epoch=entry.producer_epoch))
        return original(self, state, envelope)
    monkeypatch.setattr(TransactionCoordinator, "_end", careless)
    model = build_system(_zombie()).model()
    found = explore(model, max_states=50_000).properties["zombie-fenced"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)


def test_a_replaced_instance_that_kept_retrying_would_fence_its_standby_without_end(monkeypatch):
    """The zombie shuts down at its first error: one that retried like a live instance would take turns
    with its standby in fencing each other, each round adding records to the log (an unbounded search)."""
    from modelcheck.engine import BOUNDED
    from modelcheck.kafka.roles.transactional import TransactionalApplication
    assert explore(build_system(_zombie()).model(), max_states=60_000).properties["progress"].verdict == HOLDS
    monkeypatch.setattr(TransactionalApplication, "resumed", lambda self, state: state)
    assert explore(build_system(_zombie()).model(), max_states=60_000).properties["progress"].verdict == BOUNDED


@pytest.mark.parametrize("text,key,reason", [
    ("producer:\n  source: dual-write\nfaults:\n  producer.pause: 1\n", "faults.producer.pause", "not modelled yet"),
    ("producer:\n  transactional.id: t-${instance}\n  instances: 2\nfaults:\n  producer.pause: 1\n",
     "faults.producer.pause", "one application"),
    ("producer:\n  transactional.id: t\nconsumer:\n  commit: transactional\nsink:\n  type: topic\n"
     "faults:\n  producer.pause: 1\n", "faults.producer.pause", "consumer.pause"),
])
def test_a_pause_is_refused_where_no_standby_is_modelled(tmp_path, capsys, text, key, reason):
    code, err = _run(tmp_path, "name: t\n" + text, capsys)
    assert code == 2 and key in err and reason in err


# -- several producing applications without transactions -------------------------------------------------

def test_applications_without_transactions_have_producer_ids_of_their_own(monkeypatch):
    """The leader keeps idempotence state per producer id: were the two applications' producers to share
    one, the second application's first batch would be taken for a retry of the first's and dropped,
    although it was acknowledged."""
    from modelcheck.kafka.roles.application import ProducingApplication
    config = _config("producer-idempotence-per-producer.yaml")
    system = KafkaSystem(config)
    assert len({system.actors[i].producer_id(0) for i in system.producers}) == len(system.producers) == 2
    assert explore(system.build().model()).properties["acked-durable"].verdict == HOLDS
    monkeypatch.setattr(ProducingApplication, "producer_id", lambda self, session: session)
    model = build_system(config).model()
    found = explore(model).properties["acked-durable"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)


# -- an outbox relay with a transactional producer ---------------------------------------------------------

def test_a_transactional_relay_publishes_an_aborted_transactions_rows_again(monkeypatch):
    """The relay marks rows sent only once their transaction is committed: after an abort they are still in
    the outbox and go out in the next transaction. A relay that marked the rows of an aborted transaction
    loses them."""
    from modelcheck.kafka.roles.transactional import TransactionalApplication
    config = _config("app-outbox-transactional-relay.yaml", faults__producer__crash=0,
                     faults__transaction__abort=1, workload__messages=1)
    result = explore(build_system(config).model())
    assert result.properties["no-loss"].verdict == HOLDS
    assert result.properties["transaction-abort-happens"].verdict == HOLDS
    original = TransactionalApplication._after_abort

    def marking(self, memory):
        after = original(self, memory)
        return after._replace(relay_acked=after.relay_acked | set(memory.transaction.rows))
    monkeypatch.setattr(TransactionalApplication, "_after_abort", marking)
    model = build_system(config).model()
    found = explore(model).properties["no-loss"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)


# -- a group coordinator failover ---------------------------------------------------------------------------

def test_a_group_coordinator_that_lost_the_pending_offsets_at_a_failover_would_duplicate(monkeypatch):
    """The new coordinator loads the transactional offsets still waiting for their marker from
    __consumer_offsets; one that lost them would commit nothing with the transaction, and the restarted
    consumer would process the batch again."""
    from modelcheck.kafka.roles.group_coordinator import GroupCoordinator
    config = _config("transform-group-coordinator-failover.yaml")
    assert explore(build_system(config).model()).properties["no-duplicate"].verdict == HOLDS
    original = GroupCoordinator.restart
    monkeypatch.setattr(GroupCoordinator, "restart", lambda self, durable: original(self, durable._replace(pending=())))
    model = build_system(config).model()
    found = explore(model).properties["no-duplicate"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)
    assert any("crashes" in step.sentence for step in explain_trace(found.trace, model))


def test_a_group_coordinator_crash_puts_a_configuration_on_the_roles():
    from modelcheck.kafka.models import on_actors
    assert on_actors(KafkaConfig().with_value("faults.group.coordinator.crash", 1))
    assert not on_actors(KafkaConfig())
