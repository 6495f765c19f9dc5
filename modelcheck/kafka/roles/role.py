"""The base of every Kafka role: an actor whose messages are Kafka's (`rpc`), shown by their names."""

from __future__ import annotations

from modelcheck.actors import Actor
from modelcheck.kafka import rpc


class KafkaRole(Actor):
    """An actor of the Kafka model: its traces show messages as Kafka's protocol names them."""

    def describe_message(self, message) -> str:
        return rpc.describe(message)
