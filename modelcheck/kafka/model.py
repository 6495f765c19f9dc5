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
from modelcheck.kafka.cluster import readable_logs
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.state import KafkaState
from modelcheck.kafka.write_side import initial_write, write_actions


def _write_action(config, name, step) -> Action:
    def steps(state):
        read = state.read
        return [(label, KafkaState(after, read)) for label, after in step(config, state.write)]
    return Action(name, steps)


def _logs_memo(config):
    """`readable_logs` remembered for the last write state asked about: the engine offers a state to
    every action in turn, so the read actions share one computation."""
    last = [None, None]

    def logs(write):
        if last[0] is not write:
            last[0], last[1] = write, readable_logs(config, write)
        return last[1]
    return logs


def _read_action(config, read_side, name, step, logs_of) -> Action:
    settings = read_side.settings(config)

    def steps(state):
        write = state.write
        return [(label, KafkaState(write, after)) for label, after in step(settings, state.read, logs_of(write))]
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
    actions = [_write_action(config, action_name, step) for action_name, step in write_actions(config)]
    if hasattr(read_side, "read_actions"):
        read_actions = read_side.read_actions(config)
        if not logs_can_shrink(config):
            read_actions = tuple((n, step) for n, step in read_actions if n != "consumer.out-of-range")
    else:
        read_actions = getattr(read_side, "READ_ACTIONS", None)
    if read_actions is not None and hasattr(read_side, "settings"):
        logs_of = _logs_memo(config)
        actions += [_read_action(config, read_side, action_name, step, logs_of)
                    for action_name, step in read_actions]
    else:
        def read_steps(state):
            write = state.write
            logs = readable_logs(config, write)
            return [(label, KafkaState(write, after))
                    for label, after in read_side.read_steps(config, state.read, logs)]
        actions.append(Action("read", read_steps))
    return Model(
        name=name,
        initial_states=[initial],
        actions=actions,
        properties=properties.build_properties(config, read_side),
        describe_state=lambda state: explain.describe_state(config, read_side, state),
        explain_step=lambda before, label, after: explain.explain_step(config, read_side, before, label, after),
        explain_violation=lambda prop, trace: explain.explain_violation(config, read_side, prop, trace),
    )
