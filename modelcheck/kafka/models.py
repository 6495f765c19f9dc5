"""Which Kafka model checks a configuration.

Two models of Kafka live side by side while the move onto the actors layer (docs/kafka-model.md, "The
move onto the actors layer") is under way: the write/read-side model (`kafka.model`), fast and checked
against TLC, and the roles on the actors layer (`kafka.roles`), which give the same verdicts on every
bundled configuration without transactions (tests/test_kafka_roles.py) and alone model transactions.
A configuration with a `transactional.id`, several producing applications, a producer pause or a group
coordinator crash is checked on the roles;
every other one on the write/read-side model, until the roles match its speed.
"""

from __future__ import annotations

from modelcheck.engine import Model
from modelcheck.kafka.config import KafkaConfig


def on_actors(config: KafkaConfig) -> bool:
    """Whether `config` is checked on the actors layer's roles: with a transactional.id, with several
    producing applications or a standby one (the write/read-side model has one application), or with a
    group coordinator that may crash (the write/read-side model's group is a value, not a role)."""
    return (config.producer.transactional_id is not None or config.producer.instances > 1
            or config.faults.group_coordinator_crash > 0 or config.faults.producer_pause > 0)


def build_model(config: KafkaConfig) -> Model:
    """The engine model that checks `config`."""
    if on_actors(config):
        from modelcheck.kafka.roles.system import build_system
        return build_system(config).model()
    from modelcheck.kafka.model import build_model as write_read_model
    return write_read_model(config)
