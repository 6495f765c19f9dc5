"""The ways a consumer commits what it consumed (`consumer.commit`): one registry.

Each mode says when the consumer commits a batch to the group coordinator (before processing it, after,
or not per batch), whether it is the consumer's automatic commit, whether the offset is stored with
each row in the sink's database instead, and whether the offsets go into a producer's transaction. The
spec key's choices, the rules between settings (`rules`), both Kafka models' consumers and the list of
refused settings read it, so a mode is one entry here and no mode is a string compared in five files.

Sources: see `consumer` (the Java client's commitSync, automatic commits in poll, storing offsets
outside Kafka) and, for the transactional modes, KIP-98 and KIP-447 (`sendOffsetsToTransaction`).
"""

from __future__ import annotations

from typing import NamedTuple

BEFORE, AFTER = "before", "after"


class CommitMode(NamedTuple):
    name: str                     # as a spec spells it
    batch_commit: str | None      # BEFORE or AFTER processing a batch, its end offset is committed; None: not
    automatic: bool = False       # the consumer's automatic commit (enable.auto.commit)
    offsets_in_sink: bool = False  # the offset is stored with each row, in the sink's database
    in_transaction: bool = False  # the offsets go into the producer's transaction (transactions)
    needs_sink: str | None = None  # the `sink.type` it needs


COMMIT_MODES: dict[str, CommitMode] = {mode.name: mode for mode in (
    CommitMode("before-process", BEFORE),
    CommitMode("after-process", AFTER),
    CommitMode("auto", None, automatic=True),
    CommitMode("sink", None, offsets_in_sink=True, needs_sink="database"),
    CommitMode("transactional", None, in_transaction=True, needs_sink="topic"),
    CommitMode("transactional-legacy", None, in_transaction=True, needs_sink="topic"),
)}
