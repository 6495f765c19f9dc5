"""The composed Kafka model: write and read sides interleaved in one engine Model, its report hooks, and
the bundled write-side specs loaded from YAML.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from modelcheck.engine import HOLDS, VIOLATED, StepLabel, check_replays, explore, sometimes
from modelcheck.kafka.cluster import readable_logs
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.model import build_model
from modelcheck.runner import run_spec

SPECS = Path(__file__).resolve().parent.parent / "specs"
WRITE_SIDE_SPECS = (
    "producer-acks-lost-request", "broker-acks-1-failover", "broker-min-insync-replicas",
    "broker-unclean-election", "producer-retry-duplicates", "producer-in-flight-reorder",
    "producer-idempotence-restart", "partition-unkeyed-reorder", "app-dual-write-outbox",
)


def config_of(**settings) -> KafkaConfig:
    config = KafkaConfig()
    for key, value in settings.items():
        config = config.with_value(key.replace("__", "."), value)
    return config


CONFIGS = {
    "default": config_of(),
    "failover": config_of(cluster__brokers=2, cluster__replication__factor=2, producer__acks="1",
                          faults__broker__crash=1),
    "outbox-crash": config_of(producer__source="outbox", faults__producer__crash=1,
                              producer__enable__idempotence=True),
    "pipelined": config_of(producer__max__in__flight__requests__per__connection=2, faults__request__lost=1,
                           faults__request__delayed=1),
    "unkeyed": config_of(cluster__partitions=2, workload__keyed=False, consumer__commit="before-process",
                         faults__consumer__crash=1),
}


def reachable(model):
    """Every reachable state with its successors (a plain search, independent of the engine's)."""
    graph, frontier = {}, list(model.get_initial_states())
    while frontier:
        state = frontier.pop()
        if state in graph:
            continue
        graph[state] = model.successors(state)
        frontier.extend(successor for _, _, successor in graph[state] if successor not in graph)
    return graph


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_step_changes_exactly_one_side_and_something(name):
    model = build_model(CONFIGS[name])
    graph = reachable(model)
    assert any(not successors for successors in graph.values()), "no terminal state: at_end would be vacuous"
    for state, successors in graph.items():
        for action, label, successor in successors:
            assert successor != state, f"{action} {label} changes nothing"
            assert (successor.write == state.write) != (successor.read == state.read), f"{action} {label}"
            assert isinstance(label, StepLabel)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_engine_counts_what_a_plain_search_finds(name):
    model = build_model(CONFIGS[name])
    graph = reachable(model)
    result = explore(model)
    assert result.stats.distinct == len(graph)
    assert result.stats.terminal == sum(1 for successors in graph.values() if not successors)
    assert explore(model).stats.distinct == result.stats.distinct


def test_consumers_poll_only_what_is_readable():
    config = config_of(cluster__brokers=2, cluster__replication__factor=2, producer__acks="1",
                       faults__broker__crash=1, cluster__unclean__leader__election__enable=True)
    model = build_model(config)
    polls = 0
    for state, successors in reachable(model).items():
        logs = readable_logs(config, state.write)
        for _, label, successor in successors:
            for old, new in zip(state.read.consumers, successor.read.consumers):
                if new.batch is not None and new.batch != old.batch and new.batch.handled == 0:
                    polls += 1
                    log = logs[new.batch.partition]
                    assert tuple(new.batch.events) == tuple(r.event for r in log[new.batch.start:new.batch.end])
    assert polls


def test_report_hooks_tell_what_changed():
    model = build_model(CONFIGS["failover"])
    result = explore(model)
    trace = result.properties["acked-durable"].trace
    changes = [model.explain_step(before, step.label, step.state)
               for before, step in zip(trace.states, trace.steps)]
    flat = [line for lines in changes for line in lines]
    assert "log of p0 on broker[0]: [] -> [e1]" in flat
    assert any(line.startswith("leader of p0: broker[0] -> broker[1]") for line in flat)
    assert any(line.startswith("acknowledged to the producer: e1") for line in flat)
    assert "p0 leader broker[1]" in model.describe_state(trace.last)
    evidence = model.explain_violation("acked-durable", trace)
    assert evidence.startswith("e1 was acknowledged at step")


def test_duplicate_evidence_names_the_steps():
    model = build_model(config_of(faults__response__lost=1, producer__enable__idempotence=False))
    result = explore(model)
    trace = result.properties["no-duplicate"].trace
    evidence = model.explain_violation("no-duplicate", trace)
    assert evidence.startswith("e1 took effect in the sink 2 times: steps ")
    steps = [int(n) for n in evidence.split("steps ")[1].replace(" and", ",").split(",")]
    for number in steps:
        assert "inserts row e1" in str(trace.steps[number - 1].label)


def _fake_read_side():
    """A stand-in read side built on the documented contract only: it takes every readable record once,
    in log order per partition, into the sink."""
    def initial_read(config):
        return ((0,) * config.cluster.partitions, ())

    def read_steps(config, read, logs):
        positions, effects = read
        out = []
        for p, log in enumerate(logs):
            if log is not None and positions[p] < len(log):
                moved = positions[:p] + (positions[p] + 1,) + positions[p + 1:]
                out.append((StepLabel("consumer[0]", f"takes e{log[positions[p]].event}"),
                            (moved, effects + (log[positions[p]].event,))))
        return out

    def read_pending(config, read, logs):
        left = [p for p, log in enumerate(logs) if log is None or read[0][p] < len(log)]
        return f"partitions {left} not read" if left else None

    return types.SimpleNamespace(
        initial_read=initial_read, read_steps=read_steps, sink_effects=lambda read: read[1],
        read_pending=read_pending, read_explain=lambda config, before, after: [],
        read_properties=lambda config, get_read: [sometimes("sink-written", lambda s: bool(get_read(s)[1]))])


def test_a_stand_in_read_side_composes_through_the_contract():
    fake = _fake_read_side()
    model = build_model(config_of(faults__response__lost=1, producer__enable__idempotence=False), read_side=fake)
    result = explore(model)
    assert [a.name for a in model.get_actions()][-1] == "read"
    assert result.properties["no-duplicate"].verdict == VIOLATED
    assert result.properties["no-loss"].verdict == HOLDS
    assert check_replays(model, result.properties["no-duplicate"].trace)


@pytest.mark.parametrize("spec", WRITE_SIDE_SPECS)
def test_bundled_write_side_specs_meet_their_expectations(spec):
    outcomes = run_spec(SPECS / f"{spec}.yaml")
    assert outcomes
    for outcome in outcomes:
        assert outcome.expected, f"{outcome.name}: no expectation applies"
        assert outcome.passed, (outcome.name, outcome.mismatches)
        assert outcome.result.stats.seconds < 20
        for prop in outcome.result.violated:
            assert check_replays(outcome.model, prop.trace), (outcome.name, prop.name)
