"""The Kafka properties a spec can name (see SPEC-FORMAT.md, "Properties").

(Property predicates are built in this module by the Kafka model; the names below are the contract
with spec files.)
"""

PROPERTY_NAMES = (
    "no-loss", "no-duplicate", "no-log-duplicate", "key-order", "acked-durable", "no-aborted-read",
    "transaction-atomicity", "zombie-fenced", "consistency", "progress",
)
