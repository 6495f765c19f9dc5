"""`client:` in a spec: the defaults of the Kafka client the application runs, for the keys it leaves out.

A spec's own defaults are the model's (docs/spec-format.md, the key table): the Java client's where a
claim does not care, otherwise chosen so that a claim shows in few states (no auto commit, a new group
reads from the start). `client: java | librdkafka | kafka-python` makes every modelled client property
that the spec, its sweep point or `--set` does not give take that client's default instead
(`kafka.client_properties.DEFAULTS`, which cites each client's source), so a spec written by hand
explores what the application really runs: every client commits automatically and starts a new group
at the log's end (`auto.offset.reset=latest`); librdkafka's producer is not idempotent and its
consumer reads committed.

Left to the spec, each for a reason:
- `retries`: every client retries until `delivery.timeout.ms` runs out (2147483647 times); the model
  bounds retries, and the spec's value (by default 1) stands for that timeout.
- `enable.idempotence` where the client turns it on: the spec's rule already is the Java client's (on
  unless acks, retries or requests in flight conflict, KIP-679), so only an "off" default is written.
- `enable.auto.commit` when the spec says how the application commits (`consumer.commit`): a commit
  strategy is what the code does, and says whether automatic commits are on.
A number beyond the model's bound is cut to it: librdkafka's 1,000,000 requests in flight become the
bound (more than the events of any spec, so nothing is lost by the cut). A spec that turns idempotence
on (`enable.idempotence: true` or a `transactional.id`) gets at most 5 requests in flight by default,
as librdkafka adjusts it when the user has not (CONFIGURATION.md, `enable.idempotence`; the Java
client's default is 5 anyway).

Every value filled in is said to come from the `client:` line, so an error it leads to names that line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from modelcheck.kafka.client_properties import CLIENT_NAMES, CLIENTS, DEFAULTS, REGISTRY
from modelcheck.kafka.config import KEYS

if TYPE_CHECKING:
    from modelcheck.spec.document import Origin

LEFT_TO_THE_SPEC = ("retries",)
COMMIT_STRATEGY_KEY = "consumer.commit"
IN_FLIGHT_KEY = "producer.max.in.flight.requests.per.connection"
IDEMPOTENT_IN_FLIGHT = 5        # what librdkafka sets when idempotence is on and the user set none


@dataclass(frozen=True)
class ClientChoice:
    """The `client:` a spec names, and where."""

    name: str                       # one of kafka.client_properties.CLIENTS
    origin: Origin

    @property
    def title(self) -> str:
        return CLIENT_NAMES[self.name]


def client_defaults(client: str) -> dict[str, Any]:
    """The spec keys `client`'s defaults set (dotted key -> value), before what a spec writes."""
    out = {}
    for name, value in DEFAULTS[client].items():
        entry = REGISTRY.get(name)
        if entry is None or entry.spec_key is None or name in LEFT_TO_THE_SPEC:
            continue
        if name == "enable.idempotence" and value:
            continue
        bound = KEYS[entry.spec_key].maximum
        if isinstance(value, int) and not isinstance(value, bool) and bound is not None:
            value = min(value, bound)
        out[entry.spec_key] = value
    return out


def with_client_defaults(choice: ClientChoice | None, settings: Mapping[str, Any],
                         origins: Mapping[str, Origin]) -> tuple[dict[str, Any], dict[str, Origin]]:
    """`settings` and `origins` with the defaults of `choice` added for every key `settings` leaves out."""
    settings, origins = dict(settings), dict(origins)
    if choice is None:
        return settings, origins
    for key, value in client_defaults(choice.name).items():
        if key in settings:
            continue
        if key == "consumer.enable.auto.commit" and COMMIT_STRATEGY_KEY in settings:
            continue
        if key == IN_FLIGHT_KEY and _idempotent(settings):
            value = min(value, IDEMPOTENT_IN_FLIGHT)
        settings[key] = value
        origins[key] = choice.origin
    return settings, origins


def _idempotent(settings: Mapping[str, Any]) -> bool:
    """The spec itself turns idempotence on."""
    return settings.get("producer.enable.idempotence") is True or \
        settings.get("producer.transactional.id") is not None


__all__ = ["CLIENTS", "ClientChoice", "client_defaults", "with_client_defaults"]
