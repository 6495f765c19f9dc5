"""The Kafka domain: producer, brokers, group coordinator, consumers and sinks, and their properties.

`client_properties` is the registry of Kafka's own client and broker property names (which the model
uses, and why the others do not matter); `commit_modes` the consumer's commit strategies.
"""

# The Kafka behaviour the model follows where it changed between versions (docs/kafka-model.md, "Which
# Kafka"): shown by `modelcheck --version`.
MODELLED_KAFKA = ("Apache Kafka 3.6 brokers (the high watermark still advances below min.insync.replicas: "
                  "before KAFKA-15583), Java client 3.x defaults (idempotence on, KIP-679); transactions: "
                  "transaction.version 1 as before KIP-890 part 2, with the partition verification of 3.6+ brokers "
                  "(KIP-890 part 1; transaction.partition.verification.enable), "
                  "2 as Kafka 4.0 (epoch bump per transaction), KIP-447 offsets")
