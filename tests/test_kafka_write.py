"""The write side of the Kafka model: its pieces on their own, and each write-side claim explored.

Every claim is explored from a `KafkaConfig` built here; each violated property's trace must replay
through the model and end in a state that breaks the property, and every guard must hold (so a verdict
of `holds` is not the vacuous kind).
"""

from __future__ import annotations

import pytest

from modelcheck.engine import AT_END, HOLDS, SOMETIMES, VIOLATED, check_replays, explore
from modelcheck.kafka import cluster as clusters
from modelcheck.kafka import idempotence, producer as producers
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.model import build_model
from modelcheck.kafka.partition import Replica, divergence, high_watermark, new_partition, readable
from modelcheck.kafka.records import Record


def config_of(**settings) -> KafkaConfig:
    """A KafkaConfig from dotted keys written with underscores for dots: producer__acks="1"."""
    config = KafkaConfig()
    for key, value in settings.items():
        config = config.with_value(key.replace("__", "."), value)
    return config


def check(config: KafkaConfig, expected: dict[str, str]):
    """Explore `config`, assert the expected verdicts, the replay of every counterexample, the failure
    of the property at the trace's end, and every guard."""
    model = build_model(config)
    result = explore(model)
    assert result.complete
    found = {name: result.properties[name].verdict for name in expected}
    assert found == expected
    properties = {p.name: p for p in model.get_properties()}
    for prop in result.properties.values():
        if prop.kind == SOMETIMES:
            assert prop.verdict == HOLDS, f"guard {prop.name} never satisfied"
            continue
        if prop.verdict != VIOLATED:
            continue
        trace = prop.trace
        assert check_replays(model, trace), prop.name
        assert not properties[prop.name].predicate(trace.last), prop.name
        if prop.kind == AT_END:
            assert model.successors(trace.last) == [], f"{prop.name}: trace does not end in a terminal state"
        assert model.explain_violation(prop.name, trace)
    return model, result


def labels(trace) -> list[str]:
    return [str(step.label) for step in trace.steps]


# -- pieces ---------------------------------------------------------------------------------------------

def test_idempotence_checks_follow_the_brokers_producer_state():
    e = [Record(event, 0, producer_id=7, producer_epoch=0, sequence=event - 1) for event in range(1, 8)]
    assert idempotence.check_sequence((), e[0]) == (idempotence.APPEND, -1)
    assert idempotence.check_sequence((), e[1]) == (idempotence.UNKNOWN_PRODUCER, -1)
    log = tuple(e[:2])
    assert idempotence.check_sequence(log, e[1]) == (idempotence.DUPLICATE, 1)
    assert idempotence.check_sequence(log, e[2]) == (idempotence.APPEND, -1)
    assert idempotence.check_sequence(log, e[3]) == (idempotence.OUT_OF_ORDER, -1)
    # only the last 5 batches are remembered: a retry of an older one is out of order
    log = tuple(e[:7])
    assert idempotence.check_sequence(log, e[2]) == (idempotence.DUPLICATE, 2)
    assert idempotence.check_sequence(log, e[1]) == (idempotence.OUT_OF_ORDER, -1)
    # epochs: an older one is fenced, a newer one starts at sequence 0
    bumped = Record(9, 0, producer_id=7, producer_epoch=1, sequence=0)
    assert idempotence.check_sequence(log, bumped) == (idempotence.APPEND, -1)
    assert idempotence.check_sequence(log + (bumped,), e[6]) == (idempotence.INVALID_EPOCH, -1)
    assert idempotence.check_sequence(log, bumped._replace(sequence=1)) == (idempotence.OUT_OF_ORDER, -1)
    # a producer that is not idempotent is never checked
    assert idempotence.check_sequence((Record(1, 0),), Record(1, 0)) == (idempotence.APPEND, -1)


def test_high_watermark_is_what_every_isr_member_shares():
    e1, e2, e3 = (Record(n, 0) for n in (1, 2, 3))
    partition = new_partition((0, 1))
    partition = partition.with_replica(0, Replica((e1, e2), (0, 0))).with_replica(1, Replica((e1,), (0,)))
    assert high_watermark(partition) == 1
    assert readable(partition) == (e1,)
    assert high_watermark(partition._replace(isr=frozenset({0}))) == 2
    # a follower that diverged (e3 written in epoch 0 by an old leader) shares only the common prefix
    diverged = Replica((e1, e3), (0, 0))
    leader = Replica((e1, e2), (0, 1))
    assert divergence(leader, diverged) == 1
    assert readable(partition._replace(leader=None)) is None


def test_a_fetch_truncates_a_diverged_follower_and_rejoins_the_isr():
    config = config_of(cluster__brokers=2, cluster__replication__factor=2)
    cluster = clusters.initial_cluster(config)
    e1, e2, e3 = (Record(n, 0) for n in (1, 2, 3))
    partition = cluster.partitions[0]._replace(leader=1, leader_epoch=1, isr=frozenset({1}))
    partition = partition.with_replica(0, Replica((e1, e3), (0, 0))).with_replica(1, Replica((e1, e2), (0, 1)))
    cluster = cluster.with_partition(0, partition)
    [(follower, index, text, after)] = clusters.fetch_steps(cluster)
    assert (follower, index) == (0, 0)
    assert "truncates e3 from offset 1" in text and "copies e2" in text
    assert after.partitions[0].replica_on(0) == partition.replica_on(1)
    assert after.partitions[0].isr == frozenset({0, 1})


def test_leader_crash_elections():
    clean = config_of(cluster__brokers=2, cluster__replication__factor=2)
    cluster = clusters.initial_cluster(clean)
    [(notes, after)] = clusters.crash(clean, cluster, 0)
    assert after.partitions[0].leader == 1 and after.partitions[0].leader_epoch == 1
    assert "clean" in notes
    # the follower dropped out of the ISR: no clean candidate, offline unless unclean election is on
    shrunk = cluster.with_partition(0, cluster.partitions[0]._replace(isr=frozenset({0})))
    [(notes, after)] = clusters.crash(clean, shrunk, 0)
    assert after.partitions[0].leader is None and after.partitions[0].isr == frozenset({0})
    unclean = clean.with_value("cluster.unclean.leader.election.enable", True)
    [(notes, after)] = clusters.crash(unclean, shrunk, 0)
    assert after.partitions[0].leader == 1 and after.partitions[0].isr == frozenset({1})
    assert "unclean" in notes
    # the old leader comes back and leads the offline partition again
    [(_, offline)] = clusters.crash(clean, shrunk, 0)
    notes, back = clusters.restart(clean, offline, 0)
    assert back.partitions[0].leader == 0 and "leads p0 again" in notes


def test_min_insync_replicas_refuses_acks_all_writes():
    config = config_of(cluster__brokers=2, cluster__replication__factor=2, cluster__min__insync__replicas=2)
    cluster = clusters.initial_cluster(config)
    shrunk = cluster.with_partition(0, cluster.partitions[0]._replace(isr=frozenset({0})))
    assert clusters.append(config, shrunk, 0, 0, Record(1, 0))[0] == clusters.NOT_ENOUGH_REPLICAS
    assert clusters.append(config, cluster, 0, 0, Record(1, 0))[0] == "append"
    assert clusters.append(config, cluster, 1, 0, Record(1, 0))[0] == clusters.NOT_LEADER


def test_retries_go_to_the_front_and_idempotent_retries_keep_sequence_order():
    plain = config_of(producer__max__in__flight__requests__per__connection=2)
    producer = producers.new_producer(plain)
    producer = producers.enqueue(producers.enqueue(producer, 0, Record(1, 0)), 0, Record(2, 0))
    producer, first = producers.take_head(plain, producer, 0)
    producer, second = producers.take_head(plain, producer, 0)
    requeued = producers.requeue(plain, producer, first)
    assert [b.record.event for b in requeued.queues[0]] == [1]
    idempotent = plain.with_value("producer.enable.idempotence", True)
    producer = producers.new_producer(idempotent)
    producer = producers.enqueue(producers.enqueue(producer, 0, Record(1, 0)), 0, Record(2, 0))
    producer, first = producers.take_head(idempotent, producer, 0)
    producer, second = producers.take_head(idempotent, producer, 0)
    assert (first.record.sequence, second.record.sequence) == (0, 1)
    producer = producers.requeue(idempotent, producers.requeue(idempotent, producer, second), first)
    assert [b.record.sequence for b in producer.queues[0]] == [0, 1]
    # the retry of sequence 1 waits while sequence 0 is in flight
    waiting = producer._replace(queues=((second,),), in_flight=(producers.InFlight(0, first),))
    assert not producers.can_send_head(idempotent, waiting, 0)
    assert producers.can_send_head(idempotent, waiting._replace(in_flight=()), 0)


def test_a_sequence_gap_bumps_the_epoch_and_restarts_the_sequences():
    config = config_of(producer__enable__idempotence=True, producer__retries=2)
    producer = producers.new_producer(config)
    producer = producers.enqueue(producers.enqueue(producer, 0, Record(1, 0)), 0, Record(2, 0))
    producer, first = producers.take_head(config, producer, 0)
    producer, second = producers.take_head(config, producer, 0)
    # e1 is still unacknowledged: the rejection of e2 is a plain retry
    waiting = producer._replace(in_flight=(producers.InFlight(0, first, producers.WAITING),))
    retried, failed = producers.retry_or_fail(config, waiting, second, idempotence.UNKNOWN_PRODUCER)
    assert not failed and retried.producer_epoch == 0
    # e1 is acknowledged (say, then lost in an unclean election): a real gap, so a new epoch from 0
    bumped, failed = producers.retry_or_fail(config, producer, second, idempotence.UNKNOWN_PRODUCER)
    assert not failed and bumped.producer_epoch == 1 and bumped.next_sequence == (0,)
    bumped, resent = producers.take_head(config, bumped, 0)
    assert (resent.record.event, resent.record.producer_epoch, resent.record.sequence) == (2, 1, 0)
    # a batch out of retries fails, and the epoch moves on so later batches do not wait behind the gap
    spent = second._replace(attempts=3)
    after, failed = producers.retry_or_fail(config, producer, spent, "request timed out")
    assert failed and after.producer_epoch == 1


def test_one_request_in_flight_mutes_the_partition():
    config = config_of()
    producer = producers.enqueue(producers.new_producer(config), 0, Record(2, 0))
    busy = producer._replace(in_flight=(producers.InFlight(1, producers.Batch(0, Record(1, 0), 1)),))
    assert not producers.can_send_head(config, busy, 0)
    assert producers.can_send_head(config.with_value("producer.max.in.flight.requests.per.connection", 2), busy, 0)


def test_keyed_records_go_to_one_partition_unkeyed_to_any():
    config = config_of(cluster__partitions=3)
    assert producers.partitions_for(config, 0) == (0,)
    assert producers.partitions_for(config, 4) == (1,)
    assert producers.partitions_for(config, None) == (0, 1, 2)


# -- the claims ------------------------------------------------------------------------------------------

TWO_BROKERS = dict(cluster__brokers=2, cluster__replication__factor=2)


@pytest.mark.parametrize("acks, lost", [("0", True), ("1", False), ("all", False)])
def test_acks_0_loses_a_record_whose_request_is_lost(acks, lost):
    verdict = VIOLATED if lost else HOLDS
    model, result = check(config_of(producer__acks=acks, faults__request__lost=1),
                          {"no-loss": verdict, "acked-durable": verdict, "no-duplicate": HOLDS})
    if lost:
        assert any("loses the request" in text for text in labels(result.properties["no-loss"].trace))


def test_acks_1_loses_an_acknowledged_record_on_failover():
    model, result = check(config_of(**TWO_BROKERS, producer__acks="1", faults__broker__crash=1),
                          {"acked-durable": VIOLATED, "no-loss": VIOLATED})
    steps = labels(result.properties["acked-durable"].trace)
    assert any("producer gets the ack" in s for s in steps)
    assert "crashes" in steps[-1] and "elects broker[1]" in steps[-1]


def test_acks_all_keeps_acknowledged_records_on_failover():
    check(config_of(**TWO_BROKERS, producer__acks="all", faults__broker__crash=1),
          {"acked-durable": HOLDS, "no-loss": HOLDS, "progress": HOLDS})


def test_min_insync_replicas_2_keeps_acknowledged_records_but_may_refuse_writes():
    model, result = check(config_of(**TWO_BROKERS, cluster__min__insync__replicas=2, producer__acks="all",
                                    faults__broker__crash=1),
                          {"acked-durable": HOLDS, "no-loss": VIOLATED})
    assert any("NOT_ENOUGH_REPLICAS" in s for s in labels(result.properties["no-loss"].trace))


@pytest.mark.parametrize("unclean", [False, True])
def test_unclean_election_loses_an_acknowledged_record(unclean):
    verdict = VIOLATED if unclean else HOLDS
    model, result = check(config_of(**TWO_BROKERS, producer__acks="all", faults__broker__crash=1,
                                    cluster__unclean__leader__election__enable=unclean),
                          {"acked-durable": verdict, "no-loss": verdict})
    if unclean:
        steps = labels(result.properties["acked-durable"].trace)
        assert any("drops broker[1] from the ISR" in s for s in steps)
        assert "unclean" in steps[-1]


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_retry_after_a_lost_response_duplicates_without_idempotence(idempotent):
    verdict = HOLDS if idempotent else VIOLATED
    model, result = check(config_of(producer__acks="all", producer__enable__idempotence=idempotent,
                                    faults__response__lost=1),
                          {"no-log-duplicate": verdict, "no-duplicate": verdict, "no-loss": HOLDS})
    if not idempotent:
        steps = labels(result.properties["no-log-duplicate"].trace)
        assert any("the response is lost" in s for s in steps)


@pytest.mark.parametrize("in_flight, idempotent, verdict", [
    (1, False, HOLDS), (2, False, VIOLATED), (2, True, HOLDS), (5, True, HOLDS)])
def test_pipelining_reorders_without_idempotence(in_flight, idempotent, verdict):
    model, result = check(config_of(producer__max__in__flight__requests__per__connection=in_flight,
                                    producer__enable__idempotence=idempotent, faults__request__lost=1),
                          {"key-order": verdict, "no-loss": HOLDS})
    if idempotent and in_flight > 1:
        # the leader does reject a later sequence while an earlier one is missing
        coverage_model = build_model(config_of(producer__max__in__flight__requests__per__connection=in_flight,
                                               producer__enable__idempotence=True, faults__request__lost=1))
        assert _reachable_label(coverage_model, "UNKNOWN_PRODUCER_ID") or \
            _reachable_label(coverage_model, "OUT_OF_ORDER_SEQUENCE_NUMBER")


def _reachable_label(model, text: str) -> bool:
    seen, frontier = set(model.get_initial_states()), list(model.get_initial_states())
    while frontier:
        state = frontier.pop()
        for _, label, successor in model.successors(state):
            if text in str(label):
                return True
            if successor not in seen:
                seen.add(successor)
                frontier.append(successor)
    return False


def test_idempotence_does_not_survive_a_producer_restart():
    base = dict(producer__acks="all", producer__enable__idempotence=True, producer__source="outbox")
    check(config_of(**base), {"no-log-duplicate": HOLDS, "no-loss": HOLDS})
    model, result = check(config_of(**base, faults__producer__crash=1),
                          {"no-log-duplicate": VIOLATED, "no-loss": HOLDS, "consistency": HOLDS})
    trace = result.properties["no-log-duplicate"].trace
    assert any("crashes and restarts" in s for s in labels(trace))
    ids = {record.producer_id for log in trace.last.write.cluster.partitions[0].replicas for record in log.log}
    assert len(ids) == 2        # the same event under two producer ids


@pytest.mark.parametrize("keyed, verdict", [(False, VIOLATED), (True, HOLDS)])
def test_unkeyed_events_of_one_entity_reorder_across_partitions(keyed, verdict):
    model, result = check(config_of(cluster__partitions=2, workload__keys=("post-1",), workload__keyed=keyed),
                          {"key-order": verdict, "no-loss": HOLDS})
    if not keyed:
        last = result.properties["key-order"].trace.last
        logs = [p.replica_on(p.leader).log for p in last.write.cluster.partitions]
        assert all(len(log) == 1 for log in logs)   # e1 and e2 on different partitions


def test_dual_write_loses_an_event_on_a_crash_and_the_outbox_does_not():
    model, result = check(config_of(producer__source="dual-write", faults__producer__crash=1),
                          {"no-loss": VIOLATED, "consistency": VIOLATED})
    trace = result.properties["consistency"].trace
    assert any("commits e" in s for s in labels(trace)) and any("crashes" in s for s in labels(trace))
    check(config_of(producer__source="outbox", faults__producer__crash=1),
          {"no-loss": HOLDS, "consistency": HOLDS, "no-log-duplicate": VIOLATED})


def test_without_faults_nothing_goes_wrong():
    for config in (config_of(), config_of(**TWO_BROKERS), config_of(producer__source="outbox"),
                   config_of(producer__enable__idempotence=True, workload__messages=3)):
        check(config, {"no-loss": HOLDS, "no-duplicate": HOLDS, "no-log-duplicate": HOLDS, "key-order": HOLDS,
                       "acked-durable": HOLDS, "progress": HOLDS})
