"""Kafka's roles on the actors layer, and the system they make for a configuration.

One module per role, each an `Actor` (`modelcheck.actors`): `application` (the producing application
with its producer client), `broker` (partition leaders), `group_coordinator`, `consumer`, `sink`. The
messages between them are `modelcheck.kafka.rpc`'s. `system.build_system(config)` puts them on a
request/response network with the spec's fault budgets; `system.unsupported(config)` says what a
configuration needs that these roles do not model yet (replication and leader election, the
dual-write and outbox sources, automatic commits, rebalances and pauses, transactions): such
configurations still run on the write/read-side model (`modelcheck.kafka.model`) until the move is
complete.
"""
