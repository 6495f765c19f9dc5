"""The Kafka model's read side: group coordinator, consumers, sinks.

Most tests run the read side on its own, under a stand-in producer that appends the workload's events
to the logs one step at a time (as the write side does with acks=all and no faults), so every claim of
the bundled consumer-side specs is checked without the rest of the model; the last tests run the same
specs through the composed `build_model`. no-loss and no-duplicate are written here from their
definitions in SPEC-FORMAT.md, as the oracle.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import NamedTuple

import pytest

from modelcheck.engine import AT_END, Action, Model, StepLabel, at_end, always, check_replays, explore
from modelcheck.errors import InvalidSpec
from modelcheck.kafka import read_side as rs
from modelcheck.kafka import sink as sinks
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.consumer import UNKNOWN, Batch, Status
from modelcheck.kafka.records import Record
from modelcheck.spec.sweep import expand
from modelcheck.spec.yaml_spec import load_spec

SPECS = Path(__file__).resolve().parent.parent / "specs"
READ_SPECS = ("consumer-commit-before-process", "consumer-commit-after-process", "consumer-auto-commit",
              "consumer-auto-offset-reset", "database-plain-insert", "database-processed-table",
              "database-in-batch-dedupe", "database-stored-offsets", "database-stored-offsets-zombie",
              "http-without-idempotency-key", "http-idempotency-key", "consumer-pause-zombie",
              "transform-topic-without-transactions", "consumer-rebalance")


def config_of(**values) -> KafkaConfig:
    config = KafkaConfig()
    for key, value in values.items():
        config = config.with_value(key.replace("__", "."), value)
    return config


def logs_of(config: KafkaConfig, produced: int):
    """The logs after the first `produced` events, placed as the write side places them (by key)."""
    partitions = config.cluster.partitions
    logs = [[] for _ in range(partitions)]
    for event in range(1, produced + 1):
        key = (event - 1) % len(config.workload.keys) if config.workload.keyed else None
        logs[(key or 0) % partitions].append(Record(event, key))
    return tuple(tuple(log) for log in logs)


class Alone(NamedTuple):
    produced: int
    read: rs.ReadSide


def no_loss(effects, events) -> bool:
    return set(events) <= set(effects)


def no_duplicate(effects) -> bool:
    return len(effects) == len(set(effects))


def read_alone(config: KafkaConfig) -> Model:
    """The read side under a stand-in producer that writes e1..eN, one step each."""
    messages = config.workload.messages

    def produce(state):
        if state.produced == messages:
            return []
        return [(StepLabel("app", f"emits e{state.produced + 1}"), Alone(state.produced + 1, state.read))]

    def read(state):
        logs = logs_of(config, state.produced)
        return [(label, Alone(state.produced, after)) for label, after in rs.read_steps(config, state.read, logs)]

    properties = [
        at_end("no-loss", lambda s: no_loss(rs.sink_effects(s.read), range(1, messages + 1))),
        always("no-duplicate", lambda s: no_duplicate(rs.sink_effects(s.read))),
        *rs.read_properties(config, lambda s: s.read),
    ]
    return Model(name="read-alone", initial_states=[Alone(0, rs.initial_read(config))],
                 actions=[Action("produce", produce), Action("read", read)], properties=properties,
                 done=lambda s: s.produced == messages
                 and rs.read_pending(config, s.read, logs_of(config, s.produced)) is None)


def spec_points() -> list:
    return [pytest.param(point, id=f"{name}[{point.label}]" if point.label else name)
            for name in READ_SPECS for point in expand(load_spec(SPECS / f"{name}.yaml"))]


def step_texts(config, read, logs) -> list[str]:
    return [str(label) for label, _ in rs.read_steps(config, read, logs)]


def only_step(config, read, logs, starting: str):
    found = [(label, after) for label, after in rs.read_steps(config, read, logs) if str(label).startswith(starting)]
    assert len(found) == 1, [str(label) for label, _ in rs.read_steps(config, read, logs)]
    return found[0]


def run_steps(config, read, logs, *prefixes: str):
    for prefix in prefixes:
        _, read = only_step(config, read, logs, prefix)
    return read


# --- the initial state and the configuration ----------------------------------------------------------

def test_a_new_group_has_the_range_assignment_and_nothing_committed():
    config = config_of(cluster__partitions=3, consumer__instances=2, faults__consumer__pause=1)
    read = rs.initial_read(config)
    assert read.group.owners == (0, 0, 1)
    assert read.group.committed == (-1, -1, -1)
    assert [c.status for c in read.consumers] == [Status.MEMBER, Status.MEMBER, Status.STANDBY]
    assert all(c.positions == (UNKNOWN,) * 3 and c.batch is None for c in read.consumers)


@pytest.mark.parametrize("commit", ["transactional", "transactional-legacy"])
def test_transactional_commits_are_refused_as_not_modelled_yet(commit):
    with pytest.raises(InvalidSpec) as caught:
        rs.initial_read(config_of(consumer__commit=commit))
    assert caught.value.key == "consumer.commit"
    assert "not modelled yet" in str(caught.value)


@pytest.mark.parametrize("values, key", [
    ({"consumer__commit": "sink", "sink__type": "http"}, "consumer.commit"),
    ({"sink__dedupe": "idempotency-key"}, "sink.dedupe"),
    ({"sink__type": "http", "sink__dedupe": "processed-table"}, "sink.dedupe"),
])
def test_sink_combinations_that_cannot_work_are_refused(values, key):
    with pytest.raises(InvalidSpec) as caught:
        rs.initial_read(config_of(**values))
    assert caught.value.key == key


# --- position lookup ----------------------------------------------------------------------------------

def test_earliest_starts_at_offset_zero_and_latest_at_the_log_end():
    logs = logs_of(config_of(), 3)
    for reset, position in (("earliest", 0), ("latest", 3)):
        config = config_of(consumer__auto__offset__reset=reset)
        label, after = only_step(config, rs.initial_read(config), logs, "consumer[0] finds no committed offset")
        assert after.consumers[0].positions == (position,)
        assert f"auto.offset.reset={reset} -> offset {position}" in label.text


def test_a_committed_offset_wins_over_auto_offset_reset_and_needs_no_leader():
    config = config_of(consumer__auto__offset__reset="latest")
    read = rs.initial_read(config)
    read = read._replace(group=read.group._replace(committed=(1,)))
    _, after = only_step(config, read, (None,), "consumer[0] resumes p0 at offset 1")
    assert after.consumers[0].positions == (1,)


def test_without_a_leader_and_without_a_committed_offset_nothing_can_start():
    config = config_of()
    assert rs.read_steps(config, rs.initial_read(config), (None,)) == []
    assert rs.read_pending(config, rs.initial_read(config), (None,)) == "p0 has no leader"


def test_commit_mode_sink_resumes_from_the_offset_stored_in_the_database():
    config = config_of(consumer__commit="sink")
    read = rs.initial_read(config)
    read = read._replace(group=read.group._replace(committed=(0,)),
                         sink=read.sink._replace(stored_offsets=(2,)))
    _, after = only_step(config, read, logs_of(config, 3), "consumer[0] resumes p0 at offset 2 (from the database)")
    assert after.consumers[0].positions == (2,)


def test_a_position_past_the_log_end_is_reset_by_auto_offset_reset():
    for reset, position in (("earliest", 0), ("latest", 1)):
        config = config_of(consumer__auto__offset__reset=reset)
        read = rs.initial_read(config)
        read = read._replace(consumers=(read.consumers[0]._replace(positions=(3,)),))
        label, after = only_step(config, read, logs_of(config, 1), "consumer[0] fetches p0 at offset 3")
        assert "OFFSET_OUT_OF_RANGE" in label.text
        assert after.consumers[0].positions == (position,)


# --- poll, process, commit ----------------------------------------------------------------------------

def test_poll_returns_at_most_max_poll_records_and_moves_the_position():
    config = config_of(consumer__max__poll__records=2, workload__messages=3)
    logs = logs_of(config, 3)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds")
    label, after = only_step(config, read, logs, "consumer[0] polls")
    assert label.text == "polls e1..e2 at offset 0 of p0"
    assert after.consumers[0].positions == (2,)
    assert after.consumers[0].batch == Batch(0, 0, (1, 2), 0, False)


def test_nothing_is_offered_once_everything_readable_is_processed_and_committed():
    config = config_of(consumer__max__poll__records=2, workload__messages=2, faults__consumer__crash=1)
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls",
                     "consumer[0] inserts row e1", "consumer[0] inserts row e2", "consumer[0] commits offset 2")
    assert read.group.committed == (2,)
    assert rs.read_steps(config, read, logs) == []
    assert rs.read_pending(config, read, logs) is None
    # a record written later makes the consumer poll again
    assert step_texts(config, read, logs_of(config.with_value("workload.messages", 3), 3)) == [
        "consumer[0] polls e3 at offset 2 of p0"]


def test_before_process_commits_the_batch_end_before_any_record_is_processed():
    config = config_of(consumer__commit="before-process")
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls")
    assert step_texts(config, read, logs) == ["consumer[0] commits offset 2 of p0", ]
    read = run_steps(config, read, logs, "consumer[0] commits offset 2")
    assert read.group.committed == (2,)
    assert step_texts(config, read, logs)[0] == "consumer[0] inserts row e1"


def test_after_process_commits_only_once_the_whole_batch_is_processed():
    config = config_of(consumer__commit="after-process")
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls",
                     "consumer[0] inserts row e1")
    assert not any("commits" in text for text in step_texts(config, read, logs))
    read = run_steps(config, read, logs, "consumer[0] inserts row e2", "consumer[0] commits offset 2")
    assert read.consumers[0].batch is None


def test_auto_commit_commits_in_a_later_poll_what_earlier_polls_returned():
    config = config_of(consumer__commit="auto", consumer__max__poll__records=1, workload__messages=2)
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls e1",
                     "consumer[0] inserts row e1")
    assert read.group.committed == (-1,)                     # processing did not commit
    # the timer may or may not have elapsed at the next poll; if it has, the poll commits offset 1 first
    assert step_texts(config, read, logs) == [
        "consumer[0] polls e2 at offset 1 of p0",
        "consumer[0] auto-commits offset 1 of p0, then polls e2 at offset 1 of p0",
    ]
    read = run_steps(config, read, logs, "consumer[0] auto-commits offset 1", "consumer[0] inserts row e2")
    assert read.group.committed == (1,)
    # nothing is left to fetch: a poll that returns nothing still auto-commits, once
    assert step_texts(config, read, logs) == ["consumer[0] polls nothing new and auto-commits offset 2 of p0"]
    read = run_steps(config, read, logs, "consumer[0] polls nothing new")
    assert rs.read_steps(config, read, logs) == []


def test_a_crash_loses_the_batch_and_the_position_but_not_the_committed_offset():
    config = config_of(faults__consumer__crash=1)
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls",
                     "consumer[0] inserts row e1", "consumer[0] crashes")
    consumer = read.consumers[0]
    assert (consumer.batch, consumer.positions, read.crashes) == (None, (UNKNOWN,), 1)
    assert rs.sink_effects(read) == (1,)                     # the row stays: the database is durable
    assert not any("crashes" in text for text in step_texts(config, read, logs))   # budget spent


def test_no_crash_is_offered_where_the_consumer_would_restart_from_where_it_stands():
    config = config_of(faults__consumer__crash=1)
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds")
    assert read.consumers[0].positions == (0,)
    assert not any("crashes" in text for text in step_texts(config, read, logs))


# --- pause (zombie) and rebalance -----------------------------------------------------------------------

def test_a_stalled_consumer_is_evicted_and_its_commit_is_rejected_for_its_stale_generation():
    config = config_of(faults__consumer__pause=1)
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls",
                     "consumer[0] stalls past max.poll.interval.ms")
    assert read.group.generation == 2
    assert read.group.owners == (1,)
    assert read.consumers[0].status == Status.EVICTED and read.consumers[0].batch is not None
    assert read.consumers[1].status == Status.MEMBER and read.consumers[1].generation == 2
    read = run_steps(config, read, logs, "consumer[0] inserts row e1", "consumer[0] inserts row e2")
    label, after = only_step(config, read, logs, "group-coordinator rejects consumer[0]'s commit")
    assert "ILLEGAL_GENERATION" in label.text
    assert after.group.committed == (-1,)
    assert after.consumers[0].batch is None
    # the zombie wrote e1 and e2 even so; the new owner will read them again from offset 0
    assert rs.sink_effects(after) == (1, 2)


def test_a_rebalance_waits_until_no_member_holds_a_batch_and_auto_commits_first():
    config = config_of(cluster__partitions=2, consumer__instances=2, consumer__commit="auto",
                       workload__keys=("k1", "k2"), faults__rebalance=1, consumer__max__poll__records=1)
    logs = logs_of(config, 2)
    read = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls")
    assert not any("rebalances" in text for text in step_texts(config, read, logs))
    read = run_steps(config, read, logs, "consumer[0] inserts row e1")
    rebalances = [(label, after) for label, after in rs.read_steps(config, read, logs)
                  if "rebalances" in label.text]
    assert rebalances
    for label, after in rebalances:
        assert "consumer[0] auto-commits offset 1 of p0" in label.text
        assert after.group.committed[0] == 1 and after.group.generation == 2


# --- sinks ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sink_type, dedupe, applied", [
    ("database", "none", (1, 1)),
    ("database", "processed-table", (1,)),
    ("database", "in-batch", (1, 1)),          # the second write comes in another batch
    ("http", "none", (1, 1)),
    ("http", "idempotency-key", (1,)),
    ("topic", "none", (1, 1)),
])
def test_a_replayed_event_takes_effect_again_unless_the_sink_dedupes_durably(sink_type, dedupe, applied):
    sink = sinks.initial_sink(1)
    for _ in range(2):
        _, sink = sinks.write(sink, sink_type, dedupe, 1, (), False, 0, 1)
    assert sink.effects == applied


def test_in_batch_dedupe_skips_a_repeat_within_one_batch():
    text, sink = sinks.write(sinks.SinkState((1,), (-1,)), "database", "in-batch", 1, (1,), False, 0, 2)
    assert sink.effects == (1,) and "already seen in this batch" in text


def test_commit_mode_sink_stores_the_offset_with_the_row():
    text, sink = sinks.write(sinks.initial_sink(1), "database", "none", 1, (), True, 0, 1)
    assert sink == sinks.SinkState((1,), (1,))
    assert text == "inserts row e1 and stores offset 1 of p0 (one transaction)"


# --- explanations and pending work ----------------------------------------------------------------------

def test_read_explain_says_what_changed_in_kafka_words():
    config = config_of()
    logs = logs_of(config, 2)
    before = run_steps(config, rs.initial_read(config), logs, "consumer[0] finds", "consumer[0] polls",
                       "consumer[0] inserts row e1")
    after = run_steps(config, before, logs, "consumer[0] inserts row e2")
    assert "database rows: e1, e2" in rs.read_explain(config, before, after)
    committed = run_steps(config, after, logs, "consumer[0] commits")
    changes = rs.read_explain(config, after, committed)
    assert "committed offset of p0: none -> 2" in changes
    assert "consumer[0] batch: none" in changes


def test_read_pending_names_the_work_left():
    config = config_of()
    logs = logs_of(config, 2)
    read = rs.initial_read(config)
    assert rs.read_pending(config, read, logs) == "consumer[0] has not looked up its position on p0"
    read = run_steps(config, read, logs, "consumer[0] finds")
    assert rs.read_pending(config, read, logs) == "e1..e2 of p0 not consumed yet"
    read = run_steps(config, read, logs, "consumer[0] polls", "consumer[0] inserts row e1")
    assert rs.read_pending(config, read, logs) == "consumer[0] holds unprocessed e2 of p0"


TERMINAL_CONFIGS = [
    {"consumer__commit": commit, "faults__consumer__crash": 1, "faults__consumer__pause": 1,
     "workload__messages": 3, "consumer__auto__offset__reset": reset}
    for commit in ("before-process", "after-process", "auto", "sink") for reset in ("earliest", "latest")
] + [{"cluster__partitions": 2, "consumer__instances": 2, "workload__keys": ("k1", "k2"), "faults__rebalance": 1,
      "faults__consumer__crash": 1, "consumer__commit": "auto", "consumer__max__poll__records": 1}]


@pytest.mark.parametrize("values", TERMINAL_CONFIGS)
def test_terminal_states_are_done_and_done_states_offer_no_ordinary_step(values):
    config = config_of(**values)
    model = read_alone(config)
    result = explore(model, max_states=200_000)
    assert result.stopped_by is None
    assert result.properties["deadlock"].verdict == "holds"     # every terminal state is done
    seen = {model.get_initial_states()[0]}
    frontier = list(seen)
    checked = 0
    while frontier:              # a done state offers no ordinary step (no idle poll, no empty commit)
        state = frontier.pop()
        logs = logs_of(config, state.produced)
        steps = rs.read_steps(config, state.read, logs)
        if state.produced == config.workload.messages and rs.read_pending(config, state.read, logs) is None:
            # only a fault that changes what comes next, e.g. a crash where a zombie rewound the
            # offset stored in the database
            assert all(label.fault for label, _ in steps), [str(label) for label, _ in steps]
            checked += 1
        for _, _, nxt in model.successors(state):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert checked > 0 and len(seen) == result.stats.distinct


@pytest.mark.parametrize("values", TERMINAL_CONFIGS + [{"consumer__commit": "auto"}, {"consumer__commit": "sink"}])
def test_the_families_read_actions_leaves_out_never_have_a_step(values):
    config = config_of(**values)
    kept = {name for name, _ in rs.read_actions(config)}
    left_out = [(name, step) for name, step in rs.READ_ACTIONS if name not in kept]
    model = read_alone(config)
    seen = set(model.get_initial_states())
    frontier = list(seen)
    while frontier:
        state = frontier.pop()
        logs = logs_of(config, state.produced)
        for name, step in left_out:
            assert step(rs.settings(config), state.read, logs) == [], name
        for _, _, nxt in model.successors(state):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert left_out


# --- the claims of the bundled specs, on the read side alone ----------------------------------------------

@pytest.mark.parametrize("point", spec_points())
def test_each_claim_gets_its_expected_verdicts_on_the_read_side_alone(point):
    model = read_alone(point.config)
    result = explore(model)
    assert result.stopped_by is None
    expected = {name: verdict for name, verdict in point.expected.items() if name in result.properties}
    assert expected, "the spec expects nothing of the read side's properties"
    verdicts = {name: result.properties[name].verdict for name in expected}
    assert verdicts == expected
    stuck = point.expected.get("progress") == "violated"       # e.g. auto.offset.reset=none
    assert result.properties["deadlock"].verdict == ("violated" if stuck else "holds")
    for prop in rs.read_properties(point.config, lambda s: s.read):    # every budgeted fault happens
        assert result.properties[prop.name].verdict == point.expected.get(prop.name, "holds"), prop.name
    assert result.stats.seconds < 3


@pytest.mark.parametrize("point", spec_points())
def test_every_counterexample_replays_and_fails_at_its_last_state(point):
    model = read_alone(point.config)
    result = explore(model)
    properties = {p.name: p for p in model.get_properties()}
    violated = [name for name in ("no-loss", "no-duplicate") if result.properties[name].verdict == "violated"]
    assert violated == [name for name, verdict in point.expected.items()
                        if verdict == "violated" and name in ("no-loss", "no-duplicate")]
    for name in violated:
        trace = result.properties[name].trace
        assert check_replays(model, trace)
        assert not properties[name].predicate(trace.last)
        assert all(properties[name].predicate(state) for state in trace.states[:-1]) or \
            properties[name].kind == AT_END
        if properties[name].kind == AT_END:
            assert model.successors(trace.last) == []


def test_the_zombie_counterexample_shows_both_consumers_writing_the_same_event():
    point = expand(load_spec(SPECS / "consumer-pause-zombie.yaml"))[0]
    trace = explore(read_alone(point.config)).properties["no-duplicate"].trace
    writers = [step.label.actor for step in trace.steps if "inserts row" in step.label.text]
    assert {"consumer[0]", "consumer[1]"} <= set(writers)
    assert any(step.label.fault and "max.poll.interval.ms" in step.label.text for step in trace.steps)


def test_an_evicted_consumer_can_still_write_after_its_eviction():
    point = expand(load_spec(SPECS / "consumer-pause-zombie.yaml"))[0]
    model = read_alone(point.config)
    seen = set(model.get_initial_states())
    frontier = list(seen)
    zombie_writes = 0
    while frontier:
        state = frontier.pop()
        for _, label, nxt in model.successors(state):
            actor = getattr(label, "actor", "")
            if actor.startswith("consumer[") and "inserts row" in label.text:
                index = int(actor[len("consumer["):-1])
                zombie_writes += state.read.consumers[index].status == Status.EVICTED
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert zombie_writes > 0


def test_latest_loses_exactly_the_events_written_before_the_first_lookup():
    point = [p for p in expand(load_spec(SPECS / "consumer-auto-offset-reset.yaml"))
             if p.config.consumer.auto_offset_reset == "latest"][0]
    trace = explore(read_alone(point.config)).properties["no-loss"].trace
    labels = [str(step.label) for step in trace.steps]
    lookup = next(i for i, text in enumerate(labels) if "auto.offset.reset=latest" in text)
    written_before = sum(1 for text in labels[:lookup] if text.startswith("app emits"))
    assert written_before >= 1
    missing = set(range(1, point.config.workload.messages + 1)) - set(rs.sink_effects(trace.last.read))
    assert missing == set(range(1, written_before + 1))


# --- through the composed model -------------------------------------------------------------------------

@pytest.mark.parametrize("point", spec_points())
def test_each_claim_gets_its_expected_verdicts_through_the_composed_model(point):
    from modelcheck.kafka.model import build_model
    model = build_model(point.config)
    result = explore(model, time_limit=30)
    assert result.stopped_by is None
    expected = {name: verdict for name, verdict in point.expected.items() if name in result.properties}
    assert expected, "the spec expects nothing of the read side's properties"
    verdicts = {name: result.properties[name].verdict for name in expected}
    assert verdicts == expected
    # every terminal state has nothing pending, unless the spec says the consumer gets stuck
    assert result.properties["progress"].verdict == point.expected.get("progress", "holds")
    for prop in rs.read_properties(point.config, lambda s: s.read):
        assert result.properties[prop.name].verdict == point.expected.get(prop.name, "holds"), prop.name
    properties = {p.name: p for p in model.get_properties()}
    for name, verdict in verdicts.items():
        if verdict == "violated" and result.properties[name].kind != "sometimes":   # a guard has no trace
            trace = result.properties[name].trace
            assert check_replays(model, trace)
            assert not properties[name].predicate(trace.last)
    assert result.stats.seconds < 3


def test_the_composed_model_agrees_with_the_oracle_on_the_read_side():
    """The write side's no-loss / no-duplicate and this file's oracle give the same verdicts."""
    from modelcheck.kafka.model import build_model
    for point in [p.values[0] for p in spec_points()]:
        model = build_model(point.config)
        messages = point.config.workload.messages
        oracle = dataclasses.replace(model, properties=[
            at_end("no-loss", lambda s: no_loss(rs.sink_effects(s.read), range(1, messages + 1))),
            always("no-duplicate", lambda s: no_duplicate(rs.sink_effects(s.read)))])
        ours, theirs = explore(oracle), explore(model)
        for name in ("no-loss", "no-duplicate"):
            assert ours.properties[name].verdict == theirs.properties[name].verdict, (point.label, name)
