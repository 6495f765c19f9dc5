"""A Kafka configuration as an actor system: who the actors are, their budgets, and the properties.

Actors, by id: the producing applications (0..N-1, `producer.instances`; one unless transactional
applications run side by side), the brokers, the partitions (one actor each,
with their replicas: `replicas`), the group coordinator, the consumers (the members, then one spare
instance per `consumer.pause` the budget allows), the sink and, with a `transactional.id`, the
transaction coordinator (and the application is a `TransactionalApplication`); in consume-transform-
produce the output partition; with `faults.producer.pause`, one standby instance of the application per
pause and the position store. Partition p's replicas live on brokers
p, p+1, ... mod B, the first leading at the start, as `cluster.initial_cluster` places them. The
network is per-connection FIFO with request/response (Kafka's connections and its SocketServer).

Fault budgets, from the spec's `faults.*`:

| spec key | actors-layer budget |
| --- | --- |
| producer.crash | crash:producer (the application with its producer; it restarts with a new producer id) |
| consumer.crash | crash:consumer |
| broker.crash | crash:broker (its logs survive; its partitions elect new leaders, and what it owed its clients fails) |
| consumer.pause | pause:consumer |
| producer.pause | pause:producer (a standby instance takes over; the paused one resumes as a zombie) |
| rebalance | rebalance (the group coordinator's own fault) |
| isr.shrink | isr.shrink (a fault of the partition's actor: its leader drops a lagging follower) |
| request.lost | loss:producer:request and loss:producer:message (an acks=0 send is one-way) |
| response.lost | loss:producer:reply |
| request.delayed | delay:producer (the request outlives request.timeout.ms: the producer closes the connection and retries; the old request may still arrive) |
| transaction.abort | transaction.abort (a fault of the transactional application: it aborts its transaction) |
| transaction.timeout | transaction.timeout (a fault of the transaction coordinator: it aborts an open transaction) |
| transaction.coordinator.crash | crash:transaction-coordinator (its transaction log survives) |
| group.coordinator.crash | crash:group-coordinator (its log, `__consumer_offsets`, survives: committed and pending offsets, generation and assignment; what was in flight to it fails) |

The properties are those of SPEC-FORMAT.md, over the actors' states: the events the application
recorded (its durable input position), the sink's effects, the partition logs, the records the
producer was told were written. Their guards (`sometimes`) keep the names of
`modelcheck.kafka.properties`, so a spec's `expect:` reads the same on either model.
"""

from __future__ import annotations

from modelcheck.actors import ActorSystem, Network
from modelcheck.actors.actor import ONE_WAY
from modelcheck.engine import always, at_end, sometimes
from modelcheck.kafka import group as groups
from modelcheck.kafka import rpc
from modelcheck.kafka.cluster import leader_log
from modelcheck.kafka.config import unmodelled
from modelcheck.kafka.faults import FAULTS, budgeted
from modelcheck.kafka.partition import readable
from modelcheck.kafka.properties import entity_of, order_breaks, repeated
from modelcheck.kafka.roles import evidence
from modelcheck.kafka.roles.application import ProducingApplication
from modelcheck.kafka.roles.consumer import NO_RESET, Consumer
from modelcheck.kafka.roles.group_coordinator import GroupCoordinator
from modelcheck.kafka.roles.position_store import PositionStore
from modelcheck.kafka.roles.replicas import BrokerProcess, ReplicatedPartition
from modelcheck.kafka.roles.sink import Sink
from modelcheck.kafka.roles.transaction_coordinator import PREPARED, STATE_NAMES, ONGOING, TransactionCoordinator
from modelcheck.kafka.roles.transactional import TransactionalApplication
from modelcheck.kafka.roles.txn_client import STOPPED
from modelcheck.kafka.roles.transform import TransformingConsumer
from modelcheck.kafka.application import key_of
from modelcheck.kafka.commit_modes import COMMIT_MODES
from modelcheck.kafka.producer import partitions_for
from modelcheck.kafka.records import Record
from modelcheck.kafka import transactions

PRODUCER = 0                     # the first producing application (the only one without `producer.instances`)


def unsupported(config) -> list[str]:
    """What `config` asks for that the roles do not model yet (empty: the actor system models it): the
    settings no model has yet (`config.unmodelled`)."""
    return [key for key, _why in unmodelled(config)]


class KafkaSystem:
    """The actors of a configuration and where each sits."""

    def __init__(self, config):
        self.config = config
        cluster = config.cluster
        count = cluster.brokers
        applications = config.producer.instances
        self.producers = tuple(range(applications))
        self.brokers = tuple(range(applications, applications + count))
        self.partitions = tuple(range(applications + count, applications + count + cluster.partitions))
        self.coordinator = applications + count + cluster.partitions
        first = tuple(p % count for p in range(cluster.partitions))
        instances = config.consumer.instances
        spares = config.faults.consumer_pause          # one new instance per member that may be evicted
        self.consumers = tuple(range(self.coordinator + 1, self.coordinator + 1 + instances + spares))
        self.sink = self.coordinator + 1 + instances + spares
        self.transactional = config.producer.transactional_id is not None
        # consume-transform-produce in transactions: the input is written before the run, each consumer
        # instance produces the output partition in its transactions.
        self.transform = self.transactional and COMMIT_MODES[config.consumer.commit].in_transaction
        self.transaction_coordinator = self.sink + 1 if self.transactional else None
        self.output = self.sink + 2 if self.transform else None
        # A producer-only application that may stall has standby instances, one per pause the budget allows,
        # each ready to take over from the one before it, and a store for its position.
        paused = not self.transform and config.faults.producer_pause > 0
        tail = self.sink + 1 + self.transactional + self.transform
        self.standbys = tuple(range(tail, tail + config.faults.producer_pause)) if paused else ()
        self.store = tail + len(self.standbys) if paused else None
        self.instances = self.producers + self.standbys      # every producing instance, standbys included
        owners = groups.initial_group(cluster.partitions, instances).owners
        input_logs = self._input(config) if self.transform else [() for _ in range(cluster.partitions)]
        partitions = [ReplicatedPartition(p, config, self.brokers, records=input_logs[p],
                                          transaction_coordinator=self.transaction_coordinator)
                      for p in range(cluster.partitions)]
        output = [ReplicatedPartition(cluster.partitions, config, self.brokers, name="out",
                                      transaction_coordinator=self.transaction_coordinator)] if self.transform else []
        placed = list(zip(self.partitions + ((self.output,) if self.transform else ()), partitions + output))
        hosted = [tuple(actor for actor, partition in placed if b in partition.assignment) for b in range(count)]
        extra = []
        if self.transform:
            written = frozenset((p, record.event) for p, log in enumerate(input_logs) for record in log)
            applications = [ProducingApplication(config, self.partitions, first, written=written)]
        elif self.transactional:
            applications = [TransactionalApplication(config, self.partitions, first, self.transaction_coordinator,
                                                     index=i, name="producer[0]" if self.standbys else None,
                                                     store=self.store) for i in self.producers]
        else:
            applications = [ProducingApplication(config, self.partitions, first, index=i,
                                                 name="producer[0]" if self.standbys else None, store=self.store)
                            for i in self.producers]
        application = applications[0]
        consumers = []
        for i in range(instances + spares):
            owned = tuple(p for p, owner in enumerate(owners) if owner == i)
            if self.transform:
                consumers.append(TransformingConsumer(
                    i, config, owned, self.partitions, self.coordinator, self.sink, first, member=i < instances,
                    transaction_coordinator=self.transaction_coordinator, output=self.output,
                    output_index=cluster.partitions, output_leader=cluster.partitions % count))
            else:
                consumers.append(Consumer(i, config, owned, self.partitions, self.coordinator, self.sink,
                                          member=i < instances, first_leaders=first))
        if self.transactional:
            if self.transform:
                per_instance = consumers[0].per_instance
                ids = len(consumers) * consumers[0].incarnations if per_instance else 1
            else:
                ids = len(self.instances) * application.incarnations if application.per_instance else 1
            extra.append(TransactionCoordinator(
                self.partitions + ((self.output,) if self.transform else ()), ids, cluster.transaction_version,
                group_coordinator=self.coordinator,
                two_phase_commit=config.producer.transaction_two_phase_commit_enable,
                instances=self.instances if self.standbys else ()))
        standbys = [(TransactionalApplication(config, self.partitions, first, self.transaction_coordinator, index=k,
                                              work=PRODUCER, name=f"producer[{k}]", store=self.store,
                                              replaces=(self.instances[k - 1], f"producer[{k - 1}]"))
                     if self.transactional else
                     ProducingApplication(config, self.partitions, first, index=k, work=PRODUCER, name=f"producer[{k}]",
                                          store=self.store, replaces=(self.instances[k - 1], f"producer[{k - 1}]")))
                    for k in range(1, len(self.standbys) + 1)]
        store = [PositionStore((applications[PRODUCER].first_event,))] if self.store is not None else []
        self.actors = (
            applications
            + [BrokerProcess(b, hosted[b]) for b in range(count)]
            + partitions
            + [GroupCoordinator(cluster.partitions, instances, self.consumers, observes_takeovers=self.transform,
                                transaction_coordinator=self.transaction_coordinator
                                if self.transform and cluster.transaction_version >= 2 else None)]
            + consumers
            + [Sink(config)] + extra + output + standbys + store)

    @staticmethod
    def _input(config) -> list[tuple]:
        """The input topic of a consume-transform-produce application, written before the run: each
        event in its key's partition (unkeyed events round-robin), in order."""
        logs = [[] for _ in range(config.cluster.partitions)]
        for event in range(1, config.workload.messages + 1):
            key = key_of(config, event)
            choices = partitions_for(config, key)
            logs[choices[(event - 1) % len(choices)]].append(Record(event, key))
        return [tuple(log) for log in logs]

    # -- what the properties look at ----------------------------------------------------------------

    @property
    def events(self) -> int:
        """The events of the workload, those of every producing application."""
        return self.config.workload.messages * len(self.producers)

    def acknowledged(self, state) -> frozenset:
        """(partition, event) acknowledged to any producing application."""
        return frozenset().union(*(state.actors[index].durable.acknowledged for index in self.instances))

    def recorded(self, state) -> frozenset:
        """The events the applications recorded: every one they emitted, or with a database (dual write,
        outbox) every one committed there."""
        if self.config.producer.source == "direct":
            return frozenset(event for index in self.instances
                             for event in range(self.actors[index].first_event, state.actors[index].durable.next_event))
        return frozenset().union(*(state.actors[index].durable.database for index in self.instances))

    def inconsistency(self, state) -> tuple[list, list]:
        """(events only in the application's database, events only in the topic)."""
        database = frozenset().union(*(state.actors[index].durable.database for index in self.instances))
        topic = set(self.topic_events(state))
        return sorted(database - topic), sorted(topic - database)

    def effects(self, state) -> tuple:
        """What took effect: the sink's effects, or in consume-transform-produce what a downstream reader
        of the output topic with `consumer.isolation.level` takes in."""
        if self.transform:
            return tuple(event for event, _offset, _fate in self._output_view(state))
        return state.actors[self.sink].durable.effects

    def _output_view(self, state) -> list:
        """(event, offset, fate) of the output partition's records a downstream reader is handed: below
        the last stable offset and committed with read_committed, every data record below the high
        watermark with read_uncommitted."""
        partition = state.actors[self.output].durable.partition
        log = readable(partition)
        if log is None:
            return []
        read_committed = self.config.consumer.isolation_level == transactions.READ_COMMITTED
        end = transactions.last_stable_offset(log, len(log)) if read_committed else len(log)
        ended = transactions.fates(log)
        return [(record.event, offset, ended[offset]) for offset, record in enumerate(log[:end])
                if not record.control and not (read_committed and ended[offset] == transactions.ABORT)]

    def topic_events(self, state) -> list:
        """The events of the readable part of every partition (below the high watermark), leaving out
        transaction markers and the records of aborted or still open transactions; in consume-transform-produce with
        transactions, of the output topic (the input is written before the run)."""
        topic = (self.output,) if self.transform else self.partitions
        return [event for actor in topic
                for event in transactions.written(readable(state.actors[actor].durable.partition) or ())]

    def uncommitted_reads(self, state) -> list:
        """(event, partition, offset, fate) for each effect in the sink read from a record of a
        transaction that was aborted or still open when it took effect."""
        if self.transform:
            return [(event, self.config.cluster.partitions, offset, transactions.FATE_NAMES[fate])
                    for event, offset, fate in self._output_view(state)
                    if fate in (transactions.ABORT, transactions.OPEN)]
        out = []
        effects = self.effects(state)
        for event, (p, offset) in zip(effects, state.actors[self.sink].durable.sources):
            log = leader_log(state.actors[self.partitions[p]].durable.partition)
            if log is None or offset >= len(log):
                continue
            fate = transactions.fate(log, offset)
            if fate in (transactions.ABORT, transactions.OPEN):
                out.append((event, p, offset, transactions.FATE_NAMES[fate]))
        return out

    def atomicity_breaks(self, state) -> list:
        """(writer, transaction, fates, told) for each transaction whose records did not all end alike
        (some committed, some aborted) or ended otherwise than their writer was told."""
        fates: dict = {}
        topic = self.partitions + ((self.output,) if self.transform else ())
        for actor in topic:
            log = leader_log(state.actors[actor].durable.partition) or ()
            for record, fate in zip(log, transactions.fates(log)):
                if record.written_in and fate in (transactions.COMMIT, transactions.ABORT):
                    fates.setdefault(record.written_in, set()).add(fate)
        told = {}
        for index in self.instances + self.consumers:
            durable = state.actors[index].durable
            for transaction, committed in getattr(durable, "outcomes", ()):
                told[(self.actors[index].name, transaction)] = transactions.COMMIT if committed else transactions.ABORT
        breaks = []
        for key, found in sorted(fates.items()):
            outcome = told.get(key)
            if len(found) > 1 or (outcome is not None and found != {outcome}):
                breaks.append((key[0], key[1], tuple(sorted(transactions.FATE_NAMES[f] for f in found)),
                               None if outcome is None else transactions.FATE_NAMES[outcome]))
        return breaks

    def hanging(self, state) -> list:
        """(partition, offset, producer id) of each record of a transaction its coordinator no longer has
        open with that partition (ended, never begun, or without the partition): a hanging transaction,
        which holds the last stable offset back with no marker to come (KIP-664; KIP-890's motivation)."""
        entries = {entry.producer_id: entry for entry in state.actors[self.transaction_coordinator].durable
                   if entry is not None}
        topic = self.partitions + ((self.output,) if self.transform else ())
        out = []
        for index, actor in enumerate(topic):
            log = leader_log(state.actors[actor].durable.partition) or ()
            for offset, (record, fate) in enumerate(zip(log, transactions.fates(log))):
                if fate != transactions.OPEN:
                    continue
                entry = entries.get(record.producer_id)
                covered = entry is not None and (entry.state in PREPARED or
                                                 entry.state == ONGOING and index in entry.partitions)
                if not covered:
                    out.append((index, offset, record.producer_id))
        return out

    def zombie_commits(self, state) -> tuple:
        """The commits of zombies: in consume-transform-produce (member, partition, offset) of each offset
        a transaction committed for a partition another instance had started from (the group
        coordinator's record); for a producer-only application the instances (actor ids) whose commit
        the transaction coordinator decided after a replacement of theirs got its producer id."""
        if self.transform:
            return state.actors[self.coordinator].durable.zombie_commits
        return tuple(instance for entry in state.actors[self.transaction_coordinator].durable if entry is not None
                     for instance in entry.zombie_commits)

    def missing_acknowledged(self, state) -> list:
        """(partition, event) acknowledged and neither in its leader's log nor on its way there (acks=0)."""
        out = []
        for partition, event in sorted(self.acknowledged(state)):
            log = leader_log(state.actors[self.partitions[partition]].durable.partition)
            if log is None or any(record.event == event for record in log):
                continue
            if any(kind == ONE_WAY and type(message) is rpc.ProduceRequest and message.partition == partition
                   and message.record.event == event
                   for connection in state.wire.connections for kind, (_tag, message) in connection.outbound):
                continue
            out.append((partition, event))
        return out

    def pending(self, state) -> str | None:
        """What is left to do, or None: the application's events, the producer's batches, the consumers'
        work, and messages still travelling (a fetch held at the end of a log is no work left)."""
        todo = []
        for index in self.instances:
            todo.extend(self._producer_pending(index, *state.actors[index]))
        if self.transactional:
            for txn, entry in enumerate(state.actors[self.transaction_coordinator].durable):
                if entry is not None and (entry.state == ONGOING or entry.state in PREPARED):
                    todo.append(f"the transaction of transactional id {txn} is {STATE_NAMES[entry.state]}")
        logs = [readable(state.actors[actor].durable.partition) for actor in self.partitions]
        group = state.actors[self.coordinator].durable
        if group.rebalance is not None:
            todo.append("the group is rebalancing")
        for index in self.consumers:
            consumer = self.actors[index]
            membership, memory = state.actors[index]
            if memory is None:
                todo.append(f"{consumer.name} is down")
                continue
            if memory.batch is not None:
                todo.append(f"{consumer.name} holds a batch")
            if memory.rejoin or memory.joining:
                todo.append(f"{consumer.name} has not rejoined the group")
            if consumer.auto_commit and any(memory.positions[p] >= 0 and memory.positions[p] != memory.committed[p]
                                            for p in membership.partitions):
                todo.append(f"{consumer.name}'s automatic commit of its positions is not done yet")
            for p in membership.partitions:
                position = memory.positions[p]
                if position == NO_RESET:
                    todo.append(f"{consumer.name} has no offset for p{p} (auto.offset.reset=none)")
                elif position < 0:
                    todo.append(f"{consumer.name} has no position on p{p}")
                elif logs[p] is None:
                    todo.append(f"p{p} has no leader")
                elif position < len(logs[p]):
                    todo.append(f"{consumer.name} has not consumed p{p} from offset {position}")
        for index, up in enumerate(state.status):
            if up != 0:
                todo.append(f"{self.actors[index].name} is not running")
        return "; ".join(todo) if todo else None

    def _producer_pending(self, index: int, durable, memory) -> list[str]:
        """What producing application `index` has left to do."""
        todo = []
        application = self.actors[index]
        whose = f"{application.name}'s " if len(self.instances) > 1 else ""
        if durable.standby or (memory is not None and memory.transaction is not None
                               and memory.transaction.phase == STOPPED):
            return todo               # a standby not started, or an instance replaced and shut down
        if durable.next_event <= application.last_event:
            verb = ("committed to its database" if self.config.producer.source != "direct"
                    else "committed in a transaction" if self.transactional else "emitted")
            todo.append(f"e{durable.next_event}..e{application.last_event} not {verb}")
        if durable.outbox:
            todo.append("outbox rows " + ", ".join(f"e{e}" for e in sorted(durable.outbox)) + " not marked sent")
        if memory is not None:
            if memory.producer.in_flight or any(memory.producer.queues):
                todo.append(f"{whose or 'the '}producer still holds batches")
            if memory.awaiting_send:
                todo.append(f"e{memory.awaiting_send} committed, not sent")
        return todo

    # -- the system --------------------------------------------------------------------------------

    def budgets(self) -> dict:
        """The actors layer's budgets, from the spec's (`faults.FAULTS` says which is which)."""
        return {budget: getattr(self.config.faults, kind.field)
                for kind in FAULTS.values() for budget in kind.actor_budgets if getattr(self.config.faults, kind.field)}

    def properties(self) -> list:
        config = self.config
        props = [
            at_end("no-loss", lambda s: self.recorded(s) <= set(self.effects(s)),
                   "every event the application recorded takes effect in the sink"),
            always("no-duplicate", lambda s: not repeated(self.effects(s)),
                   "no event takes effect in the sink more than once"),
            always("no-log-duplicate", lambda s: not repeated(self.topic_events(s)),
                   "no event is written to the topic more than once"),
            always("key-order", lambda s: not order_breaks(config, self.effects(s)),
                   "events of one entity take effect in the order the application emitted them"),
            always("acked-durable", lambda s: not self.missing_acknowledged(s),
                   "a record once acknowledged to the producer is never lost from the log"),
            at_end("progress", lambda s: self.pending(s) is None, "nothing is left pending"),
            *([always("no-aborted-read", lambda s: not self.uncommitted_reads(s),
                      "no record of an aborted or still open transaction takes effect in the sink")]
              if self.transactional else []),
            *([always("no-hanging-transaction", lambda s: not self.hanging(s),
                      "no partition holds a record of a transaction its coordinator does not have open there "
                      "(a hanging transaction holds read_committed readers back for good)")]
              if self.transactional else []),
            *([always("transaction-atomicity", lambda s: not self.atomicity_breaks(s),
                      "a transaction's records all end as the transaction did: committed together or aborted "
                      "together")]
              if self.transactional else []),
            *([always("zombie-fenced", lambda s: not self.zombie_commits(s),
                      "no transaction of an instance that was replaced (a zombie) commits once its replacement "
                      "has taken over")]
              if self.transform or self.standbys and self.transactional else []),
            *([at_end("consistency", lambda s: self.inconsistency(s) == ([], []),
                      "the application's database and the topic agree on which events happened")]
              if config.producer.source != "direct" else []),
            sometimes("event-recorded", lambda s: bool(self.recorded(s)), "the application records an event"),
            sometimes("record-acknowledged", lambda s: bool(self.acknowledged(s)),
                      "the producer is told a record was written"),
            sometimes("sink-written", lambda s: bool(self.effects(s)), "some record takes effect in the sink"),
        ]
        workload = config.workload
        entities = [workload.key_of(e) for e in range(1, workload.messages + 1)]
        if len(set(entities)) < len(entities):
            props.append(sometimes("entity-events-in-sink", lambda s: _two_of_one_entity(config, self.effects(s)),
                                   "two events of one entity take effect in the sink"))
        return props

    def build(self) -> ActorSystem:
        system = ActorSystem(self.actors, Network("fifo", request_response=True), self.budgets(),
                             properties=self.properties(), name="kafka",
                             explain_violation=lambda name, trace: evidence.explain_violation(self, name, trace))
        system.properties.extend(self._fault_guards(system))
        return system

    def _fault_guards(self, system: ActorSystem) -> list:
        """A `sometimes` guard per budgeted fault (`faults.FAULTS` names them) and one that a batch is
        sent again, so that a budget that can never be spent does not pass unnoticed."""
        config, faults = self.config, self.config.faults
        keys = system.budgets.keys
        guards = []
        for kind in budgeted(config):
            where = tuple(keys.index(budget) for budget in kind.actor_budgets)
            guards.append(sometimes(kind.guard, lambda s, where=where: any(s.spent[i] for i in where),
                                    f"{kind.what} happens"))
        retry_faults = faults.request_lost + faults.response_lost + faults.request_delayed + faults.broker_crash
        if config.producer.retries > 0 and config.producer.acks != "0" and retry_faults:
            guards.append(sometimes("retry-sent", lambda s: any(_retry_sent(s.actors[i].volatile) for i in self.instances),
                                    "the producer sends a batch again"))
        return guards


def _retry_sent(memory) -> bool:
    """Whether the producing application's producer (`memory`: its volatile state) sent a batch again."""
    if memory is None:
        return False
    producer = memory.producer
    return any(b.attempts > 1 for q in producer.queues for b in q) or \
        any(entry.batch.attempts > 1 for entry in producer.in_flight)


def _two_of_one_entity(config, effects) -> bool:
    entities = [entity_of(config, event) for event in set(effects)]
    return len(set(entities)) < len(entities)


def build_system(config) -> ActorSystem:
    return KafkaSystem(config).build()


__all__ = ["KafkaSystem", "build_system", "unsupported", "rpc"]
