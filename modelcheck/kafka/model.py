"""The Kafka model: the write side and the read side composed into one engine `Model`.

A state is a `KafkaState(write, read)`. The steps are the write side's (`write_side.write_actions`:
application, producer, network, brokers, faults), each acting on `state.write`, and the read side's
(`read_side.read_actions(config)`: consumers, group coordinator, sink), each acting on `state.read` with the
logs the write side makes readable at that moment (`cluster.readable_logs`). The two sides interleave
freely; the read side never changes the write side and the write side never looks at the read side.

Every step family is its own engine action, so the statistics count how often each fired and warn about
one that never did. The properties are `properties.build_properties`; the report hooks are
`explain`'s.
"""

from __future__ import annotations

from modelcheck.engine import Action, Model
from modelcheck.kafka import explain, properties
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.memo import SideMemos
from modelcheck.kafka.state import KafkaState
from modelcheck.kafka.write_side import initial_write, write_actions


_pair = tuple.__new__     # KafkaState(write, read) without the keyword-handling __new__ of a NamedTuple


def _write_action(config, index: int, name: str, step, memos: SideMemos) -> Action:
    """Engine action for write-side step family number `index`: its successors are worked out once per
    write side (`memo`) and paired with the state's read side."""
    entry_of, canonical = memos.write.entry, memos.write.canonical

    def steps(state):
        entry = entry_of(state.write)
        successors = entry.successors[index]
        if successors is None:
            successors = entry.successors[index] = tuple(
                (label, canonical(after)) for label, after in step(config, entry.side))
        read = state.read
        return [(label, _pair(KafkaState, (after, read))) for label, after in successors]
    return Action(name, steps)


def _read_action(config, read_side, index: int, families: int, name: str, step, memos: SideMemos) -> Action:
    """Engine action for read-side step family number `index`: its successors are worked out once per
    read side and readable logs (`memo`) and paired with the state's write side."""
    settings = read_side.settings(config)
    write_entry_of, read_entry_of, canonical = memos.write.entry, memos.read.entry, memos.read.canonical
    logs_of = memos.logs

    def steps(state):
        write = state.write
        logs = logs_of(write_entry_of(write))
        entry = read_entry_of(state.read)
        slots = entry.for_logs(logs, families)
        successors = slots[index]
        if successors is None:
            successors = slots[index] = tuple(
                (label, canonical(after)) for label, after in step(settings, entry.side, logs))
        return [(label, _pair(KafkaState, (write, after))) for label, after in successors]
    return Action(name, steps)


def logs_can_shrink(config: KafkaConfig) -> bool:
    """Whether records below a high watermark can disappear: only through an unclean election, which
    needs a broker to crash. Otherwise the readable logs only grow (tests/test_kafka_integration.py
    checks it on every transition of the bundled specs), and a consumer's position is never out of
    range, so that step is not offered."""
    return config.cluster.unclean_leader_election_enable and config.faults.broker_crash > 0


def build_model(config: KafkaConfig, read_side=None, name: str = "kafka") -> Model:
    """The engine model of `config`. `read_side` defaults to `modelcheck.kafka.read_side`; a test may pass
    a stand-in module with the same functions."""
    if read_side is None:
        from modelcheck.kafka import read_side
    initial = KafkaState(initial_write(config), read_side.initial_read(config))
    write_families = write_actions(config)
    if hasattr(read_side, "read_actions"):
        read_families = read_side.read_actions(config)
        if not logs_can_shrink(config):
            read_families = tuple((n, step) for n, step in read_families if n != "consumer.out-of-range")
    else:
        read_families = getattr(read_side, "READ_ACTIONS", None)
    separate = read_families is not None and hasattr(read_side, "settings")
    memos = SideMemos(config, len(write_families), len(read_families) if separate else 0)
    actions = [_write_action(config, index, action_name, step, memos)
               for index, (action_name, step) in enumerate(write_families)]
    if separate:
        actions += [_read_action(config, read_side, index, len(read_families), action_name, step, memos)
                    for index, (action_name, step) in enumerate(read_families)]
    else:
        def read_steps(state):
            write = state.write
            logs = memos.logs(memos.write.entry(write))
            return [(label, KafkaState(write, after))
                    for label, after in read_side.read_steps(config, state.read, logs)]
        actions.append(Action("read", read_steps))
    return Model(
        name=name,
        initial_states=[initial],
        actions=actions,
        properties=properties.build_properties(config, read_side, memos),
        describe_state=lambda state: explain.describe_state(config, read_side, state),
        explain_step=lambda before, label, after: explain.explain_step(config, read_side, before, label, after),
        explain_violation=lambda prop, trace: explain.explain_violation(config, read_side, prop, trace),
    )
