"""The ways a consumer commits what it consumed (`consumer.commit`): one registry.

Each mode says when the consumer commits a batch to the group coordinator (before processing it, after,
or not per batch), whether it is the consumer's automatic commit, whether the offset is stored with
each row in the sink's database instead, and whether the offsets go into a producer's transaction. The
spec key's choices, the rules between settings (`rules`), both Kafka models' consumers and the list of
refused settings read it, so a mode is one entry here and no mode is a string compared in five files.

`STRATEGIES` says the same in the application's terms: what its code does (`enable.auto.commit`,
`commitSync()` after or before processing, `commitAsync()`, librdkafka's offset store, offsets in the
sink's transaction, `sendOffsetsToTransaction`), and the mode each is modelled as, with where the model
differs. `modelcheck init --commit` and the docs read it.

Sources: see `consumer` (the Java client's commitSync, automatic commits in poll, storing offsets
outside Kafka) and, for the transactional modes, KIP-98 and KIP-447 (`sendOffsetsToTransaction`);
librdkafka 2.x CONFIGURATION.md (`enable.auto.offset.store`: the offset of a message is stored as it
is handed to the application; `enable.auto.commit`: stored offsets are committed in the background);
the Java client's `commitAsync` javadoc (a failed asynchronous commit is not retried).
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


class CommitStrategy(NamedTuple):
    """What an application's code does about offsets, and the commit mode that models it."""

    name: str                     # as `modelcheck init --commit` spells it
    summary: str                  # the code in a few words (init's help)
    code: str                     # what the code does, in Kafka's terms
    mode: str                     # the `consumer.commit` that models it
    note: str = ""                # where the model differs from it, if anywhere
    auto_commit: bool = False     # enable.auto.commit=true


STRATEGIES: dict[str, CommitStrategy] = {strategy.name: strategy for strategy in (
    CommitStrategy("auto-commit", "enable.auto.commit=true (Java, kafka-python)",
                   "enable.auto.commit=true: poll() commits the offsets the previous polls "
                   "returned (the Java client and kafka-python)", "auto", auto_commit=True),
    CommitStrategy("auto-commit-stored-on-delivery", "librdkafka auto commit, enable.auto.offset.store=true",
                   "librdkafka with enable.auto.commit=true and enable.auto.offset.store=true: the offset of a "
                   "message is stored as poll() hands it to your code, and a background timer commits it",
                   "before-process",
                   "the timer may commit before your code has processed the message, which loses it on a "
                   "crash: modelled as a commit before processing; a commit after processing replays "
                   "instead, which this mode does not show", auto_commit=True),
    CommitStrategy("store-offsets-after-processing", "librdkafka: store_offsets() after processing",
                   "librdkafka with enable.auto.offset.store=false: your code calls store_offsets() after "
                   "processing, and the background timer commits what was stored", "auto",
                   "the model's auto commit commits what was processed, at a later poll: the same outcomes",
                   auto_commit=True),
    CommitStrategy("commit-sync-after-processing", "commitSync() after processing (assumed by default)",
                   "enable.auto.commit=false, and commitSync() (commit() in "
                   "Python clients) after processing each batch", "after-process"),
    CommitStrategy("commit-sync-before-processing", "commitSync() before processing",
                   "enable.auto.commit=false, and commitSync() right after "
                   "poll(), before processing", "before-process"),
    CommitStrategy("commit-async-after-processing", "commitAsync() after processing",
                   "enable.auto.commit=false, and commitAsync() after "
                   "processing each batch", "after-process",
                   "a failed commitAsync() is not retried and a later commit covers it; the model's commit "
                   "may be cut off by a crash, which gives the same replay"),
    CommitStrategy("offsets-in-sink-transaction", "offsets stored with the results in one DB transaction",
                   "the offsets are written with the results in one database "
                   "transaction, and the consumer seeks to them when it gets a partition", "sink"),
    CommitStrategy("send-offsets-to-transaction", "sendOffsetsToTransaction (consume-transform-produce)",
                   "consume-transform-produce: a transactional producer commits "
                   "the offsets in its transaction (sendOffsetsToTransaction)", "transactional"),
)}


def _check_strategies():
    for strategy in STRATEGIES.values():
        assert strategy.mode in COMMIT_MODES, strategy
        assert strategy.auto_commit == COMMIT_MODES[strategy.mode].automatic or strategy.mode == "before-process"


_check_strategies()
