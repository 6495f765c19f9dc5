"""`modelcheck init`: a ready-to-run spec written from a user's own Kafka configuration files.

Every property read (`spec.client_files`) is looked up in the registry (`kafka.client_properties`):
those the model uses become spec keys, with the file and line they came from in a comment; a property
the files do not set takes the default of the client the user names (`--client`), said so in a
comment; every other property is listed at the end of the spec, as not modelled with no effect on
delivery guarantees, or not modelled and may matter, with the reason. An unknown name is an error
with the nearest known name; every error of every file is reported at once.

What the application's code does about offsets (`enable.auto.commit`, `commitSync()` after or before
processing, ...) decides `consumer.commit` (`kafka.commit_modes.STRATEGIES`): from the files where
they say it (enable.auto.commit, librdkafka's enable.auto.offset.store, Spring's listener ack-mode),
else from `--commit`, else assumed (commitSync after processing) and said so.

What the files cannot say is chosen to keep the first exploration small and meaningful, and said in
comments: two events of one key, one broker crash and one consumer crash (no ISR shrink: with one,
the model's bounded retries run out while a refused write waits for a follower, which stands for
`delivery.timeout.ms` running out and would be the first thing every spec shows), a database sink. Numbers the
model must bound are bounded with the reason: retries (the real client retries until
`delivery.timeout.ms`), requests in flight (no more than the events), partitions (one key uses one).
A topology the files do not give is 3 brokers, replication factor 3, min.insync.replicas 2, the usual
production setting (Kafka's own defaults, 1 and 1, would leave no replica to fail over to).

Sources: the client defaults and property names of `kafka.client_properties`; Spring for Apache Kafka
2.3 turned the consumer's enable.auto.commit off unless set (spring-kafka GH-945, commit 637738b), and
its `ContainerProperties.AckMode` javadoc (every ack mode commits after the listener has processed the
records; MANUAL and MANUAL_IMMEDIATE when it acknowledges); librdkafka's CONFIGURATION.md for
`enable.auto.offset.store`; the Java client's `ProducerConfig` and kafka-python's KafkaProducer for
idempotence turned off, not refused, when acks, retries or in-flight requests conflict and it was not
asked for (KAFKA-13673).

Leaves out: Kafka Streams and Kafka Connect configurations, several topics or applications, and
reading Java or Python code to find what it does (the user says it with `--commit`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.errors import InvalidSpec, raise_all
from modelcheck.kafka import client_properties as registry
from modelcheck.kafka.client_properties import (BROKER, CLIENT_NAMES, CONSUMER, DEFAULTS, JAVA, KAFKA_PYTHON,
                                                LIBRDKAFKA, MAY_MATTER, NO_EFFECT, PRODUCER, TOPIC,
                                                OFFSET_RESET_VALUES, lookup)
from modelcheck.kafka.commit_modes import STRATEGIES, CommitStrategy
from modelcheck.kafka.config import KEYS, MAX_COUNT
from modelcheck.spec.client_files import SPRING_ACK_MODE, UNKNOWN, Found, read_client_file
from modelcheck.spec.configuration import build_config
from modelcheck.spec.document import Origin
from modelcheck.spec.nodes import suggest

MESSAGES = 2
KEYS_WRITTEN = ("k1",)
DEFAULT_TOPOLOGY = {"cluster.replication.factor": 3, "cluster.min.insync.replicas": 2}
# The fault budget written: what can go wrong in one run (every run within it is explored).
BUDGET = {"broker.crash": 1, "consumer.crash": 1}
BUDGET_MEANING = {
    "broker.crash": "a broker crashes once, at any point; when it led the partition, a replica in the ISR takes "
                    "over and the producer retries what had no answer",
    "consumer.crash": "the consumer crashes once, at any point, and restarts from the committed offset",
    "producer.crash": "the producing application crashes and restarts (0: not explored)",
    "request.lost": "a produce request lost on the network (0: not explored)",
    "response.lost": "a produce response lost: the producer times out and retries (0: not explored; a "
                     "broker crash already makes an answer go missing)",
    "request.delayed": "a request overtaken by later ones (0: not explored)",
    "consumer.pause": "the consumer stalls past max.poll.interval.ms, its partition moves, then it wakes (0: not "
                      "explored)",
    "rebalance": "the group rebalances (0: not explored; needs consumer.instances above 1)",
    "isr.shrink": "a leader drops a lagging follower from the ISR (replica.lag.time.max.ms); 0: not explored. "
                  "With 1 and a broker crash, the ISR can fall below min.insync.replicas: acks=all writes are "
                  "refused (NOT_ENOUGH_REPLICAS) until the follower catches up, the model's bounded retries run "
                  "out first, and the producer gives up, as yours does when delivery.timeout.ms runs out",
}
TRANSACTION_BUDGET_MEANING = {
    "transaction.abort": "the application aborts a transaction (0: not explored)",
    "transaction.timeout": "the coordinator aborts a transaction open past transaction.timeout.ms while its "
                           "producer is still at work (0: only once nothing else can happen, as it always does)",
    "transaction.coordinator.crash": "the transaction coordinator crashes (0: not explored)",
}
RETRY_FAULTS = ("broker.crash", "request.lost", "response.lost", "request.delayed")

# Spring Kafka's listener ack modes (ContainerProperties.AckMode): each commits after the listener has
# processed records; MANUAL and MANUAL_IMMEDIATE when the listener calls acknowledge().
SPRING_ACK_MODES = ("record", "batch", "time", "count", "count_time", "manual", "manual_immediate")


@dataclass
class _Value:
    value: Any
    source: Found | None              # None: the client's default
    comment: str = ""


@dataclass
class _Reading:
    """What the files say, interpreted: modelled values, notes, and errors."""

    values: dict[str, _Value] = field(default_factory=dict)           # property -> value
    notes: list[tuple[str, Found, str, str]] = field(default_factory=list)   # (fate, found, shown name, why)
    errors: list[InvalidSpec] = field(default_factory=list)
    roles: set = field(default_factory=set)
    ack_mode: tuple[str, Found] | None = None
    spring: bool = False


def init_spec(paths: list[str | Path], *, client: str = JAVA, commit: str | None = None,
              name: str | None = None) -> str:
    """The text of a spec written from the configuration files `paths`; InvalidSpec (naming file, line
    and property; several at once) when a file cannot be read or sets an unknown property or value."""
    if client not in DEFAULTS:
        raise InvalidSpec(f"unknown client {client!r}; one of {', '.join(DEFAULTS)}")
    reading = _Reading()
    found: list[Found] = []
    for path in paths:
        try:
            found.extend(read_client_file(path))
        except InvalidSpec as error:
            reading.errors.append(error)
    for item in found:
        _read(item, reading)
    raise_all(reading.errors)
    writer = _Writer(paths, client, reading, commit, name)
    return writer.text()


# -- interpreting what the files say ---------------------------------------------------------------------

def _read(item: Found, reading: _Reading):
    if item.shown.startswith("spring."):
        reading.spring = True
    if item.name == SPRING_ACK_MODE:
        mode = str(item.value).strip().lower()
        if mode not in SPRING_ACK_MODES:
            reading.errors.append(InvalidSpec(f"{item.value!r} is not one of {', '.join(SPRING_ACK_MODES)}",
                                              file=item.file, line=item.line, key=item.shown))
        else:
            reading.ack_mode = (mode, item)
        return
    if item.name.startswith("spring.kafka."):
        matters = item.name.startswith(("spring.kafka.listener.", "spring.kafka.retry."))
        why = ("Spring Kafka's listener container and retry settings decide how many consumers run "
               "(concurrency: consumer.instances) and how a failed record is retried; modelcheck reads only "
               "listener.ack-mode" if matters else "a Spring Kafka setting, not a Kafka property")
        reading.notes.append((MAY_MATTER if matters else NO_EFFECT, item, item.shown, why))
        return
    entry = lookup(item.name)
    if entry is None:
        reading.errors.append(InvalidSpec("not a Kafka client, broker or topic property" + _nearest(item.name),
                                          file=item.file, line=item.line, key=item.shown))
        return
    role = entry.role if entry.role in (PRODUCER, CONSUMER, TOPIC, BROKER) else item.role
    if role in (PRODUCER, CONSUMER, TOPIC, BROKER):
        reading.roles.add(role)
    if item.role in (PRODUCER, CONSUMER) and entry.role in (PRODUCER, CONSUMER, TOPIC, BROKER) \
            and entry.role != item.role:
        where = "set it on the topic or broker" if entry.role in (TOPIC, BROKER) else "the client ignores it"
        reading.notes.append((MAY_MATTER if entry.modelled else NO_EFFECT, item, item.shown,
                              f"a {entry.role} property in a {item.role} configuration: {where}"))
        return
    if not entry.modelled or item.value is UNKNOWN:
        why = entry.why if item.value is not UNKNOWN else "its value is not a literal, so the client's default is used"
        fate = entry.fate if item.value is not UNKNOWN else MAY_MATTER
        reading.notes.append((fate, item, item.shown, why))
        if entry.name == "enable.auto.offset.store" and item.value is not UNKNOWN:
            _keep(reading, entry.name, item, _boolean)
        return
    _keep(reading, entry.name, item, _PARSERS[entry.name])


def _keep(reading: _Reading, name: str, item: Found, parse):
    try:
        value = parse(item.value)
    except ValueError as error:
        reading.errors.append(InvalidSpec(str(error), file=item.file, line=item.line, key=item.shown))
        return
    if name in reading.values and reading.values[name].value != value:
        first = reading.values[name].source
        reading.errors.append(InvalidSpec(f"given twice with different values: {value} here, "
                                          f"{reading.values[name].value} in {first.where}",
                                          file=item.file, line=item.line, key=item.shown))
        return
    reading.values.setdefault(name, _Value(value, item))


def _nearest(name: str) -> str:
    names = list(registry.REGISTRY) + list(registry.ALIASES)
    nearest = suggest(name.replace("_", ".").replace("-", "."), names)
    return f"; did you mean {nearest}?" if nearest is not None else ""


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(f"expected true or false, not {value!r}")


def _whole(value) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, not {value!r}")
    if isinstance(value, float) and value == float("inf"):
        return 2147483647                               # kafka-python's retries=float('inf')
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise ValueError(f"expected a whole number, not {value!r}")


def _acks(value) -> str:
    text = str(value).strip().lower()
    if text in ("all", "-1"):
        return "all"
    if text in ("0", "1"):
        return text
    raise ValueError(f"{value!r} is not one of 0, 1, all (or -1, which means all)")


def _choice(*choices):
    def parse(value) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return text
    return parse


def _offset_reset(value) -> str:
    text = str(value).strip().lower()
    if text not in OFFSET_RESET_VALUES:
        raise ValueError(f"{value!r} is not one of earliest, latest, none (librdkafka: smallest, largest, error)")
    return OFFSET_RESET_VALUES[text]


def _text(value) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


_PARSERS = {
    "acks": _acks, "enable.idempotence": _boolean, "retries": _whole,
    "max.in.flight.requests.per.connection": _whole, "transactional.id": _text, "enable.auto.commit": _boolean,
    "isolation.level": _choice("read_uncommitted", "read_committed"), "auto.offset.reset": _offset_reset,
    "max.poll.records": _whole, "min.insync.replicas": _whole, "unclean.leader.election.enable": _boolean,
    "replication.factor": _whole, "default.replication.factor": _whole, "partitions": _whole,
    "num.partitions": _whole,
}


# -- writing the spec ------------------------------------------------------------------------------------

class _Writer:
    """Chooses every spec key's value, with the comment that says where it came from, and writes YAML."""

    def __init__(self, paths, client: str, reading: _Reading, commit: str | None, name: str | None):
        self.paths = [str(path) for path in paths]
        self.client = client
        self.reading = reading
        self.values = reading.values
        self.defaults = DEFAULTS[client]
        if reading.spring:            # Spring for Apache Kafka sets enable.auto.commit=false unless told (2.3+)
            self.defaults = {**self.defaults, "enable.auto.commit": False}
        self.name = name
        self.sections: dict[str, list[tuple[str, Any, str]]] = {s: [] for s in
                                                                ("cluster", "workload", "producer", "consumer",
                                                                 "sink", "faults")}
        self.settings: dict[str, Any] = {}
        self.origins: dict[str, Origin] = {}
        self.commit = self._strategy(commit)

    # values ---------------------------------------------------------------------------------------------

    def get(self, name: str) -> _Value:
        """The value of a client property: from the files, or the client's default."""
        if name in self.values:
            return self.values[name]
        return _Value(self.defaults[name], None)

    def origin(self, name: str) -> str:
        value = self.get(name)
        if value.source is not None:
            return f"from {value.source.where}"
        if name == "enable.auto.commit" and self.reading.spring:
            return "not in your files: Spring for Apache Kafka sets it false (since 2.3)"
        return f"not in your files: the default of {CLIENT_NAMES[self.client]}"

    def put(self, section: str, key: str, value: Any, comment: str, source: Found | None = None):
        self.sections[section].append((key, value, comment))
        self.settings[f"{section}.{key}"] = value
        if source is not None:
            self.origins[f"{section}.{key}"] = Origin(source.file, source.line)

    # the commit strategy -----------------------------------------------------------------------------

    def _strategy(self, commit: str | None) -> tuple[CommitStrategy, str]:
        """The commit strategy and why it was chosen."""
        auto = self.get("enable.auto.commit")
        if commit is not None:
            strategy = STRATEGIES[commit]
            if auto.source is not None and strategy.auto_commit != auto.value and strategy.name != "store-offsets-after-processing":
                raise InvalidSpec(f"enable.auto.commit={str(auto.value).lower()} disagrees with --commit {commit} "
                                  f"({'an automatic' if strategy.auto_commit else 'not an automatic'} commit)",
                                  file=auto.source.file, line=auto.source.line, key=auto.source.shown)
            return strategy, "as you said with --commit"
        if self.reading.spring and auto.source is None:
            mode, item = self.reading.ack_mode or ("batch", None)
            where = f"{item.where}" if item else "Spring's default"
            why = (f"Spring for Apache Kafka turns enable.auto.commit off (since 2.3) and its listener container "
                   f"commits after your listener has processed the records (ack-mode {mode}, {where})")
            if mode.startswith("manual"):
                why += "; with a manual ack mode your listener calls acknowledge(): assumed after processing"
            return STRATEGIES["commit-sync-after-processing"], why
        if auto.value:
            if self.client == LIBRDKAFKA:
                store = self.get("enable.auto.offset.store")
                name = "auto-commit-stored-on-delivery" if store.value else "store-offsets-after-processing"
                return STRATEGIES[name], (f"enable.auto.commit=true ({self.origin('enable.auto.commit')}) and "
                                          f"enable.auto.offset.store={str(store.value).lower()} "
                                          f"({self.origin('enable.auto.offset.store')})")
            return STRATEGIES["auto-commit"], f"enable.auto.commit=true ({self.origin('enable.auto.commit')})"
        return STRATEGIES["commit-sync-after-processing"], (
            f"enable.auto.commit=false ({self.origin('enable.auto.commit')}), so your code commits: ASSUMED "
            f"commitSync() after processing; if it does otherwise, run init again with --commit")

    # sections ------------------------------------------------------------------------------------------

    def build(self):
        self._cluster()
        self._workload()
        self._producer()
        self._consumer()
        self._sink()
        self._faults()
        self._check()

    def _cluster(self):
        replication = self.values.get("replication.factor") or self.values.get("default.replication.factor")
        min_insync = self.values.get("min.insync.replicas")
        usual = ("not in your files; the usual production setting (Kafka's defaults, replication factor 1 and "
                 "min.insync.replicas 1, leave no replica to fail over to): set yours")
        if replication is None:
            factor, factor_comment = DEFAULT_TOPOLOGY["cluster.replication.factor"], usual
        else:
            factor, factor_comment = replication.value, f"from {replication.source.where}"
            if not 1 <= factor <= 16:
                raise InvalidSpec(f"{factor} replicas: the model holds 1 to 16 brokers",
                                  file=replication.source.file, line=replication.source.line,
                                  key=replication.source.shown)
        if min_insync is not None:
            insync, insync_comment = min_insync.value, f"from {min_insync.source.where}"
        elif replication is None:
            insync, insync_comment = DEFAULT_TOPOLOGY["cluster.min.insync.replicas"], usual
        else:
            insync, insync_comment = 1, "not in your files: Kafka's default"
        self.put("cluster", "brokers", factor, "one broker per replica")
        self.put("cluster", "replication.factor", factor, factor_comment, replication.source if replication else None)
        self.put("cluster", "min.insync.replicas", insync, insync_comment, min_insync.source if min_insync else None)
        unclean = self.values.get("unclean.leader.election.enable")
        if unclean is not None:
            self.put("cluster", "unclean.leader.election.enable", unclean.value, f"from {unclean.source.where}",
                     unclean.source)
        partitions = self.values.get("partitions") or self.values.get("num.partitions")
        said = f"your topic has {partitions.value} (from {partitions.source.where}); " if partitions else ""
        self.put("cluster", "partitions", 1, said + "one key's events all go to one partition, so the model "
                 "uses one")

    def _workload(self):
        self.put("workload", "messages", MESSAGES, "the producing application emits events e1, e2, in this order")
        self.put("workload", "keys", tuple(KEYS_WRITTEN), "both events have one key, so key-order is checked")

    def _producer(self):
        acks = self.get("acks")
        self.put("producer", "acks", acks.value, self.origin("acks"), acks.source)
        retries = self.get("retries")
        budget = sum(BUDGET.get(fault, 0) for fault in RETRY_FAULTS) + 1
        modelled = min(retries.value, budget, MAX_COUNT)
        if modelled < retries.value:
            comment = (f"yours: {retries.value} ({self.origin('retries')}), retried until delivery.timeout.ms runs "
                       f"out; the model retries a batch {modelled} times, more than the faults below can "
                       f"cause, but a broker that refuses a write (NOT_ENOUGH_REPLICAS) can use them up: a "
                       f"producer that then 'gives up' stands for delivery.timeout.ms running out, and the "
                       f"record is lost unless your send callback sends it again")
        else:
            comment = self.origin("retries")
        self.put("producer", "retries", modelled, comment, retries.source)
        in_flight = self.get("max.in.flight.requests.per.connection")
        idempotence, why = self._idempotence(acks.value, retries.value, in_flight.value)
        self.put("producer", "enable.idempotence", idempotence[0], why, idempotence[1])
        written = min(in_flight.value, MESSAGES)
        comment = self.origin("max.in.flight.requests.per.connection")
        if written < in_flight.value:
            comment = (f"yours: {in_flight.value} ({comment}); with {MESSAGES} events no more than {MESSAGES} "
                       f"requests can be in flight")
            if idempotence[0] and in_flight.value > 5 and in_flight.source is not None:
                raise InvalidSpec(f"the idempotent producer allows at most 5 requests in flight, not "
                                  f"{in_flight.value}; the client refuses this configuration",
                                  file=in_flight.source.file, line=in_flight.source.line, key=in_flight.source.shown)
        self.put("producer", "max.in.flight.requests.per.connection", written, comment, in_flight.source)
        transactional = self.values.get("transactional.id")
        if transactional is not None:
            self.put("producer", "transactional.id", transactional.value, f"from {transactional.source.where}",
                     transactional.source)

    def _idempotence(self, acks: str, retries: int, in_flight: int) -> tuple[tuple[bool, Found | None], str]:
        given = self.values.get("enable.idempotence")
        if given is not None:
            return (given.value, given.source), f"from {given.source.where}"
        default = self.defaults["enable.idempotence"]
        if self.values.get("transactional.id") is not None:
            return (True, None), "a transactional producer is an idempotent one"
        if default:
            conflicts = [text for text, conflicting in (
                (f"acks={acks}", acks != "all"), ("retries=0", retries == 0),
                (f"max.in.flight.requests.per.connection={in_flight}", in_flight > 5)) if conflicting]
            if conflicts:
                return (False, None), (f"{CLIENT_NAMES[self.client]}'s default is true, but it turns idempotence "
                                       f"off when you set {', '.join(conflicts)} (KIP-679, KAFKA-13673)")
        return (default, None), self.origin("enable.idempotence")

    def _consumer(self):
        strategy, why = self.commit
        comment = f"your code: {strategy.code}; chosen because {why}"
        if strategy.note:
            comment += f". Where the model differs: {strategy.note}"
        auto = self.get("enable.auto.commit")
        if auto.value and not strategy.auto_commit:
            comment += (f". enable.auto.commit is true ({self.origin('enable.auto.commit')}): poll() also "
                        f"commits what earlier polls returned, which your code has processed by then")
        self.put("consumer", "commit", strategy.mode, comment)
        reset = self.get("auto.offset.reset")
        comment = self.origin("auto.offset.reset")
        if reset.value == "latest":
            comment += (". latest: a new group starts at the end of the log, so events written before the "
                        "consumer's first lookup are never read, which no-loss reports; if your group "
                        "already has committed offsets, that start never happens")
        self.put("consumer", "auto.offset.reset", reset.value, comment, reset.source)
        isolation = self.get("isolation.level")
        self.put("consumer", "isolation.level", isolation.value, self.origin("isolation.level"), isolation.source)
        records = self.get("max.poll.records")
        if records.value > KEYS["consumer.max.poll.records"].maximum:
            raise InvalidSpec(f"must be at most {KEYS['consumer.max.poll.records'].maximum}",
                              file=records.source.file, line=records.source.line, key=records.source.shown)
        self.put("consumer", "max.poll.records", records.value, self.origin("max.poll.records"), records.source)

    def _sink(self):
        strategy, _why = self.commit
        if strategy.mode in ("transactional", "transactional-legacy"):
            self.put("sink", "type", "topic", "consume-transform-produce: the results go to an output topic")
            return
        self.put("sink", "type", "database", "where processing takes effect: database (one row per event), "
                 "http (a call per event) or topic")
        self.put("sink", "dedupe", "none", "none: a replayed event is written again; processed-table if your "
                 "code records processed event ids in the same transaction")

    def _faults(self):
        transactional = "transactional.id" in self.values
        meanings = dict(BUDGET_MEANING, **(TRANSACTION_BUDGET_MEANING if transactional else {}))
        for fault, meaning in meanings.items():
            self.put("faults", fault, BUDGET.get(fault, 0), meaning)

    def _check(self):
        """Refuse a combination Kafka refuses, naming the user's file and line (exit code 2)."""
        strategy, _why = self.commit
        if strategy.mode in ("transactional", "transactional-legacy") and "transactional.id" not in self.values:
            raise InvalidSpec("--commit send-offsets-to-transaction needs a transactional producer: set "
                              "transactional.id in the producer configuration", file=self.paths[0])
        auto = self.get("enable.auto.commit")
        if strategy.mode in ("transactional", "transactional-legacy") and auto.value:
            where = auto.source or Found("enable.auto.commit", True, self.paths[-1], None, CONSUMER)
            raise InvalidSpec(f"--commit send-offsets-to-transaction needs enable.auto.commit=false (it is true: "
                              f"{self.origin('enable.auto.commit')}): an automatic commit outside the transaction "
                              f"undoes exactly-once", file=where.file, line=where.line, key="enable.auto.commit")
        build_config(self.settings, self.origins)

    # text --------------------------------------------------------------------------------------------

    def text(self) -> str:
        self.build()
        name = self.name or "my-kafka-setup"
        lines = [
            f"# Written by `modelcheck init` from {', '.join(self.paths)}.",
            f"# Client: {CLIENT_NAMES[self.client]}: where your files are silent, its defaults apply.",
            "# Each key says where its value came from. Run it with `modelcheck explore` on this file;",
            "# change what does not match your setup (the fault budget, the sink, the commit strategy).",
            f"name: {name}",
            "description: >",
            f"  Imported from {', '.join(Path(path).name for path in self.paths)}: the producer writes two "
            "events of one key,",
            f"  the consumer processes them into {self._sink_words()}, and a broker and the consumer may each "
            "crash once.",
        ]
        for section, entries in self.sections.items():
            if section == "faults":
                lines.append("# The fault budget: how many of each fault one run may contain. Every run within it")
                lines.append("# is explored; a budget of 0 is never explored, so a verdict says nothing about it.")
            lines.append(f"{section}:")
            for key, value, comment in entries:
                lines.extend(_comment(comment, "  "))
                lines.append(f"  {key}: {_yaml(value)}")
        lines.extend(self._notes())
        return "\n".join(lines) + "\n"

    def _sink_words(self) -> str:
        return "an output topic" if self.settings.get("sink.type") == "topic" else "a database"

    def _notes(self) -> list[str]:
        out = []
        for fate, title in ((MAY_MATTER, "Not modelled, may matter"),
                            (NO_EFFECT, "Not modelled, no effect on delivery guarantees")):
            notes = [(found, shown, why) for each_fate, found, shown, why in self.reading.notes if each_fate == fate]
            if not notes:
                continue
            out.append(f"# {title}:")
            for found, shown, why in notes:
                value = "(not a literal)" if found.value is UNKNOWN else _shown_value(found.value, shown)
                out.extend(_comment(f"{shown} = {value} ({found.where}): {why}", "#   ", plain=True))
        return out


def _comment(text: str, indent: str, *, plain: bool = False, width: int = 100) -> list[str]:
    """`text` as comment lines of at most `width` characters."""
    prefix = indent if plain else indent + "# "
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(prefix) + len(line) + 1 + len(word) > width:
            lines.append(prefix + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(prefix + line)
    if plain:
        lines[1:] = ["#     " + each[len(prefix):] for each in lines[1:]]
    return lines


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    text = str(value)
    return text if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*", text) and text not in (
        "true", "false", "null", "yes", "no", "on", "off") else json.dumps(text)


# Properties whose values are secrets: the spec names them but does not copy their values.
SECRET = re.compile(r"password|secret|jaas|token|credential|\.pem$|keytab|ssl[._]key($|[._])", re.IGNORECASE)


def _shown_value(value: Any, name: str = "") -> str:
    if SECRET.search(name):
        return "(a secret: not copied)"
    text = value if isinstance(value, str) else json.dumps(value) if not isinstance(value, float) else str(value)
    text = " ".join(str(text).split())
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["init_spec", "JAVA", "LIBRDKAFKA", "KAFKA_PYTHON"]
