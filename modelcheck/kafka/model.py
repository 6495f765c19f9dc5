"""The Kafka model: the write side and the read side composed into one engine `Model`.

(Interface placeholder; properties and explanations come in the next commits.)
"""

from __future__ import annotations

from modelcheck.engine import Action, Model
from modelcheck.kafka.cluster import readable_logs
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.state import KafkaState
from modelcheck.kafka.write_side import initial_write, write_steps


def build_model(config: KafkaConfig, read_side=None) -> Model:
    """The engine model of `config`. `read_side` defaults to `modelcheck.kafka.read_side` (a test may
    pass a stand-in module with the same functions)."""
    if read_side is None:
        from modelcheck.kafka import read_side
    initial = KafkaState(initial_write(config), read_side.initial_read(config))

    def write(state):
        return [(label, KafkaState(after, state.read)) for label, after in write_steps(config, state.write)]

    def read(state):
        logs = readable_logs(config, state.write)
        return [(label, KafkaState(state.write, after)) for label, after in read_side.read_steps(config, state.read, logs)]

    return Model(name="kafka", initial_states=[initial], actions=[Action("write", write), Action("read", read)])
