"""Kafka's roles on the actors layer, and the system they make for a configuration.

One module per role, each a `role.KafkaRole` (an actor of `modelcheck.actors`): `application` (the
producing application with its producer client), `replicas` (a partition's replicas, leader, ISR and
high watermark, and the broker processes they live on), `group_coordinator`, `consumer`, `sink`, and
for transactions `transaction_coordinator`, `transactional` (a producing application with a
transactional producer) and `transform` (a consume-transform-produce application), sharing
`txn_client`; `leaders` is what a client knows of where each partition leads. The messages between
them are `modelcheck.kafka.rpc`'s. `system.build_system(config)` puts them on a request/response
network with the spec's fault budgets; `system.unsupported(config)` says what a configuration needs
that these roles do not model yet. `modelcheck check` runs them for configurations with a
`transactional.id` and the write/read-side model (`modelcheck.kafka.model`) for the others
(`kafka.models`); tests/test_kafka_roles.py checks that the two agree.
"""
