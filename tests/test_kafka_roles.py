"""Kafka's roles on the actors layer (`modelcheck.kafka.roles`) against the write/read-side model.

While the move onto the actors layer is under way, every bundled configuration the roles can model is
explored with both models, and their verdicts must agree, except where a fidelity fix of the move
changes one on purpose (`CHANGED`, each with its reason). Every violation the roles' model finds has a
trace that replays through it and ends in a state that breaks the property.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.engine import VIOLATED, check_replays, explore
from modelcheck.kafka.model import build_model
from modelcheck.kafka.models import on_actors
from modelcheck.kafka.roles.system import build_system, unsupported
from modelcheck.spec.sweep import expand
from modelcheck.spec.yaml_spec import load_spec

SPECS = Path(__file__).resolve().parents[1] / "specs"

# (spec file, sweep point label, property) -> why the actors model's verdict differs, on purpose.
CHANGED = {
    ("producer-in-flight-reorder.yaml",
     "producer.max.in.flight.requests.per.connection=2, producer.enable.idempotence=false", "no-duplicate"):
        "a request timeout closes the connection and fails the other request in flight on it too "
        "(NetworkClient.handleTimedOutRequests); without idempotence its retry duplicates a batch already "
        "appended",
    ("producer-in-flight-reorder.yaml",
     "producer.max.in.flight.requests.per.connection=2, producer.enable.idempotence=false", "no-log-duplicate"):
        "the same retry appends e2 twice",
    ("delivery-semantics.yaml", "consumer.commit=before-process", "key-order"):
        "the crashed consumer's write of e1 to the output topic is already on the wire (a topic sink serves a "
        "request that was sent) and is appended after the restarted consumer's write of e2",
}


def _points():
    for path in sorted(SPECS.glob("*.yaml")):
        for point in expand(load_spec(path)):
            if not unsupported(point.config) and not on_actors(point.config):   # transactions: only the roles
                yield pytest.param(path.name, point, id=f"{path.stem}[{point.label}]" if point.label else path.stem)


POINTS = list(_points())


def test_the_roles_cover_most_bundled_configurations():
    assert len(POINTS) >= 20


@pytest.mark.parametrize("name,point", POINTS)
def test_verdicts_agree_with_the_write_read_side_model(name, point):
    old = explore(build_model(point.config))
    model = build_system(point.config).model()
    new = explore(model)
    assert new.stopped_by is None
    for prop, found in old.properties.items():
        if prop not in new.properties:
            assert prop not in point.expected, f"{prop} is expected but the roles' model does not build it"
            continue
        verdict = new.properties[prop].verdict
        if (name, point.label, prop) in CHANGED:
            assert verdict != found.verdict, f"{prop}: the fidelity change no longer shows"
        else:
            assert verdict == found.verdict, f"{prop}: {found.verdict} in the old model, {verdict} here"
    for prop, found in new.properties.items():
        if found.verdict == VIOLATED and found.trace is not None:
            assert check_replays(model, found.trace), prop
            predicate = next(p for p in model.get_properties() if p.name == prop).predicate
            if prop not in ("no-loss", "progress") and not prop.endswith("-happens") and prop != "retry-sent":
                assert not predicate(found.trace.last), prop


def test_a_request_timeout_fails_every_request_on_its_connection():
    """The fidelity fix of CHANGED, shown in its trace: one lost request, and the timeout that closes
    the connection makes the producer retry a batch the broker had already appended."""
    point = next(p.values[1] for p in POINTS
                 if p.values[0] == "producer-in-flight-reorder.yaml"
                 and p.values[1].label.endswith("=2, producer.enable.idempotence=false"))
    model = build_system(point.config).model()
    found = explore(model).properties["no-log-duplicate"]
    assert found.verdict == VIOLATED
    from modelcheck.report.explain import explain_trace
    sentences = [step.sentence for step in explain_trace(found.trace, model)]
    assert any("loses the request" in s for s in sentences)
    closing = next(s for s in sentences if "times out" in s)
    assert "will retry e1" in closing and "will retry e2" in closing
    assert any(sum(f"appends e{event} " in s for s in sentences) == 2 for event in (1, 2))


@pytest.mark.parametrize("build", [build_model, lambda config: build_system(config).model()],
                         ids=["write-read-side", "roles"])
def test_the_isr_shrink_budget_decides_whether_unclean_election_loses_an_acknowledged_record(build):
    """With no ISR shrink the lagging follower stays in the ISR, so an acks=all record is acknowledged
    only once it has it, and even an unclean election keeps it; one shrink is enough to lose it."""
    point = next(p.values[1] for p in POINTS
                 if p.values[0] == "broker-unclean-election.yaml" and p.values[1].label.endswith("=true"))
    verdicts = {budget: explore(build(point.config.with_value("faults.isr.shrink", budget))).properties
                for budget in (0, 1)}
    assert verdicts[0]["acked-durable"].verdict != VIOLATED
    assert "isr-shrink-happens" not in verdicts[0]
    assert verdicts[1]["acked-durable"].verdict == VIOLATED
    assert verdicts[1]["isr-shrink-happens"].verdict != VIOLATED


def test_a_consumer_rewinds_to_where_a_truncated_log_parts_from_what_it_read():
    """KIP-320: after an unclean election the new leader's log lacks what the consumer read; the consumer
    asks where the epoch of its last record ends there and rewinds to it, instead of skipping offsets
    or resetting (some run must show the rewind)."""
    from modelcheck.actors import Deliver
    from modelcheck.kafka.roles.consumer import Validated
    point = next(p.values[1] for p in POINTS
                 if p.values[0] == "broker-unclean-election.yaml" and p.values[1].label.endswith("=true"))
    system = build_system(point.config)
    initial = system.initial_state()
    seen, frontier, rewinds = {initial}, [initial], 0
    while frontier and not rewinds:
        state = frontier.pop()
        for family in system.expand(state):
            for label, after in family:
                what = getattr(label, "what", None)
                if isinstance(label, Deliver) and isinstance(what, Validated) and what.now < what.position:
                    rewinds += 1
                if after not in seen:
                    seen.add(after)
                    frontier.append(after)
    assert rewinds


@pytest.mark.parametrize("spec,label,prop,evidence", [
    ("consumer-commit-after-process.yaml", "", "no-duplicate", "e1 took effect in the sink 2 times: steps"),
    ("broker-acks-1-failover.yaml", "producer.acks=1", "acked-durable", "was acknowledged at step"),
    ("consumer-commit-before-process.yaml", "", "no-loss", "recorded but never took effect in the sink: e"),
    ("app-dual-write-outbox.yaml", "producer.source=dual-write", "consistency", "only in the database: e"),
])
def test_a_violation_ends_with_its_evidence_in_kafkas_words(spec, label, prop, evidence):
    point = next(p.values[1] for p in POINTS if p.values[0] == spec and p.values[1].label == label)
    model = build_system(point.config).model()
    found = explore(model).properties[prop]
    assert found.verdict == VIOLATED
    assert evidence in model.explain_violation(prop, found.trace)


def test_a_member_removed_from_the_group_cannot_commit_while_its_rebalance_runs():
    """Kafka answers UNKNOWN_MEMBER_ID to a commit of a member it removed (evicted after a stall), also
    before the rebalance that removal started has completed and the partitions have moved."""
    from modelcheck.actors import ActorState
    from modelcheck.actors.actor import REQUEST, Envelope, Link
    from modelcheck.kafka import rpc
    from modelcheck.kafka.roles.system import KafkaSystem
    point = next(iter(expand(load_spec(SPECS / "consumer-pause-zombie.yaml"))))
    system = KafkaSystem(point.config)
    coordinator = system.actors[system.coordinator]
    group = coordinator.initial().durable
    evicted = ActorState(group._replace(members=(1,)), None)          # owners unchanged: the rebalance runs
    request = rpc.OffsetCommitRequest(0, group.generation, ((0, 1),))
    src = system.consumers[0]
    (out,) = coordinator.receive(evicted, Envelope(src, system.coordinator, Link(src, system.coordinator, 0),
                                                   REQUEST, request))
    assert out.sends[0].message.error == rpc.ILLEGAL_GENERATION and "UNKNOWN_MEMBER_ID" in out.what.why
    (kept,) = coordinator.receive(ActorState(group, None), Envelope(src, system.coordinator,
                                                                    Link(src, system.coordinator, 0), REQUEST, request))
    assert kept.sends[0].message.error == rpc.NONE


# -- a standby instance without transactions (faults.producer.pause) ------------------------------------

def test_nothing_fences_the_zombie_of_a_producer_without_transactions():
    """The standby sends e1 again under its own producer id, after reading from the position store that it
    is not done; the leader keeps both copies. Every run that ends has the store at the end of the work."""
    from modelcheck.engine import HOLDS, at_end
    from modelcheck.kafka.cluster import leader_log
    from modelcheck.kafka.roles.system import KafkaSystem
    from modelcheck.report.explain import explain_trace
    config = next(iter(expand(load_spec(SPECS / "producer-pause-zombie.yaml")))).config
    system = KafkaSystem(config)
    built = system.build()
    built.properties.append(at_end("position-recorded", lambda s: s.actors[system.store].durable == (2,),
                                   "the position store ends past e1"))
    model = built.model()
    result = explore(model)
    assert result.properties["position-recorded"].verdict == HOLDS
    found = result.properties["no-log-duplicate"]
    assert found.verdict == VIOLATED and check_replays(model, found.trace)
    log = leader_log(found.trace.last.actors[system.partitions[0]].durable.partition)
    assert [record.event for record in log] == [1, 1]
    assert len({record.producer_id for record in log}) == 2
    sentences = [step.sentence for step in explain_trace(found.trace, model)]
    read = next(i for i, s in enumerate(sentences) if "learns the work stands at e1" in s)
    assert any("producer[1]" in s and "sends e1" in s for s in sentences[read:])
