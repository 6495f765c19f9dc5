"""Breadth-first search over partitions that each own a share of the fingerprints (`--ray-partitions`).

The search of `fingerprint_bfs`, split over N partitions, each a process of its own, possibly on another
machine (`ray_partitions` runs them as Ray actors; `LocalPartitions`, here, runs them in this process,
for tests). A state belongs to the partition `fingerprint % N`: the fingerprint is the one
`fingerprint_bfs` computes (BLAKE2b of the canonical encoding, `fingerprints`), the same on every
machine, so every partition agrees on the owner of every state. A partition keeps, for the states it
owns, the fingerprints (`fingerprints.FingerprintSet`), a parent link per state (the parent's partition
and number there, and which of the parent's successors it was) and its share of the level to expand
(`frontier.Frontier`).

The search is level-synchronous. A round has two calls per partition, which the driver (this process)
starts and waits for:

1. `expand`: the partition expands its share of the level, in key order (below), checks the
   `always_step` properties, the state constraint and the `at_end` properties there, and returns one
   batch per partition: the successors that partition owns, each with its fingerprint, its encoding
   (or the state itself when the encoding cannot restore it), its key and its parent link. A successor
   it owns and has seen already, and one it has already put in a batch in this round, are left out.
2. `receive`: the partition takes the batches meant for it from every partition, keeps the states it
   has not seen, each with its least key and the parent that gave it, numbers them in key order, checks
   the invariants and the `sometimes` properties on them, and queues them for the next round.

The driver adds up the counts, and per property takes the least key among what the partitions report:
that is the first state (or step) `bfs` would meet ("Which counterexample", `parallel`'s docstring;
`order_keys`). So the counts (`distinct`, `generated`, `depth`, `terminal`, coverage), the verdicts and
the traces are those of `bfs` and `fingerprint_bfs`, for any number of partitions (when no two states
share a fingerprint: see `fingerprints` for the odds, printed with the result). A trace is rebuilt as
`fingerprint_bfs` rebuilds one: the driver follows the parent links back, one partition call a step,
to an initial state, then replays the model forward along the recorded positions
(`trace.follow_positions`); it does so the round a property is decided, so Ctrl-C later loses no
trace. The search stops after the round in which every property is decided, as `bfs` does.

Limits. `max_depth` and a round's end are where `bfs` checks them. `max_states` is looked at between
rounds: the search stops before expanding a level once that many states are found, so it may end with
more than `max_states` states (up to a level more); the verdicts left open are `bounded`, never
`holds`. `time_limit` is looked at by the partitions while they expand (about every 50 ms) and by the
driver between rounds; `max_memory` is each partition's own process's (its resident memory), looked at
with the clock. Ctrl-C in the driver ends the search at once with what the rounds before had found.

Left out: temporal properties (checked on the recorded state graph, which no partition has whole) and
more than one counterexample per property, each refused with a `ModelcheckError` that says what to do;
the partial-order reduction, checkpoints. No partition calls another: the driver passes each
partition's batches to their owners (`ray_partitions` says how Ray moves them), and the batches of a
round are in memory, packed in chunks of `CHUNK` records as they fill (`pack`).

Sources: the owner of a state chosen by a hash of the state, and states sent to their owners, is the
scheme of Stern and Dill's parallel Murphi ("Parallelizing the Murphi verifier", CAV 1997); the least
key per state is this project's (`parallel`'s docstring).
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import pickle
import resource
import time
from array import array
from dataclasses import dataclass
from typing import Any, NamedTuple

from modelcheck.engine.diagnose import initial_states, model_error
from modelcheck.engine.encoding import Encoder, UnencodableState
from modelcheck.engine.fingerprint_bfs import RECENT
from modelcheck.engine.fingerprints import WIDTH, FingerprintSet, blake2b, collision_probability, fingerprint
from modelcheck.engine.frontier import Frontier
from modelcheck.engine.limits import CHECK_SECONDS, Limits, Progress, ProgressCallback
from modelcheck.engine.memory import resident_megabytes
from modelcheck.engine.model import ALWAYS, ALWAYS_STEP, AT_END, SOMETIMES, TEMPORAL
from modelcheck.engine.order_keys import PARTS, key_part
from modelcheck.engine.parent_links import largest, widen
from modelcheck.engine.result import FingerprintStats, Result, Stats
from modelcheck.engine.trace import Beyond, RecordedPath, follow_positions
from modelcheck.engine.verdicts import all_decided, coverage_of, decide, never_fired_warning
from modelcheck.errors import InvalidModel, ModelcheckError

INITIAL = 0xFFFF                    # the parent partition of an initial state (so at most 65,535 partitions)
NO_PARENT = 0
MAX_PARTITIONS = INITIAL - 1
MARSHALLED, PICKLED = b"M", b"P"    # how a chunk of a batch is packed (`pack`)
CHUNK = 4096                        # records per chunk: a batch is a list of chunks, each packed once full


@dataclass(frozen=True)
class Control:
    """What the driver tells the partitions in a round."""

    open: frozenset                 # the properties still checked (the others are decided)
    closed: bool = False            # the level is at max_depth: successors are looked up, never added
    seconds_left: float | None = None
    max_memory: int | None = None   # megabytes a partition's process may hold


@dataclass(frozen=True)
class Found:
    """A state a partition recorded: its partition, its number there, and the state (to check a replay)."""

    partition: int
    number: int
    state: Any


class Expanded(NamedTuple):
    """What a partition says of its expansion of a level."""

    generated: int
    terminal: int
    fired: list
    findings: dict                  # property -> (key, Found or Beyond): the least it met
    left: int                       # states of the level it did not expand (a limit cut it short)
    cut: str | None                 # the limit that cut it short
    seconds: float                  # the CPU seconds the expansion took (its batches packed)
    shipped: int                    # bytes of the batches for the other partitions


class Received(NamedTuple):
    """What a partition says of the states it received in a round."""

    new: int                        # states it had not seen (added; or, in a closed round, 0)
    findings: dict                  # property -> (key, Found): the least new state violating or witnessing it
    unseen: bool                    # a closed round met a state not seen
    seconds: float                  # the CPU seconds the call took


class Footprint(NamedTuple):
    """What a partition holds: its states, and the bytes of its fingerprints, parent links and queue."""

    states: int
    table_bytes: int
    link_bytes: int
    queue_bytes: int
    peak_memory_bytes: int


class Partition:
    """One partition of the search: the states whose fingerprint is `index` modulo `count`."""

    def __init__(self, model, index: int, count: int, *, symmetry: bool = True, width: int = WIDTH):
        self.model = model
        self.index, self.count, self.width = index, count, width
        self.actions = model.get_actions()
        self.properties = model.get_properties()
        self.canonical = model.canonical if symmetry else None
        self.constraint = getattr(model, "constraint", None)
        self.encoder = Encoder()
        self.seen = FingerprintSet(width)
        self.owners = array("H")                # per state: its parent's partition (INITIAL: none)
        self.parents = array("I")               # ... its parent's number there
        self.positions = array("B")             # ... its position among its parent's successors
        self.level = Frontier()                 # the states to expand next, in key order
        self.keys: list[bytes] = []             # ... their keys
        self.level_base = 0                     # ... the number of the first
        self.own: list = []                     # the batch of a round's successors this partition owns
        self.recent: set = set()                # the successors met last, as in `fingerprint_bfs` (RECENT)
        self.older: set = set()

    def _checks(self, kind, control: Control) -> list:
        return [(p.name, p.predicate) for p in self.properties if p.kind == kind and p.name in control.open]

    def expand(self, control: Control) -> list:
        """Expand the level; the batches for partitions 0 to count - 1, then an `Expanded`."""
        with _collector_off():
            return self._expand(control)

    def receive(self, control: Control, sources, *batches) -> Received:
        """Take the batches of a round (`sources[i]` the partition batch i came from, None for 0 to
        count - 1; INITIAL for the initial states): keep the states not seen, each with its least key."""
        with _collector_off():
            return self._receive(control, sources, batches)

    def _expand(self, control: Control) -> list:
        began = time.process_time()
        count, index, width = self.count, self.index, self.width
        batches: list[list] = [[] for _ in range(count)]       # per owner: its chunks packed
        pending: list[list] = [[] for _ in range(count)]       # ... and the records of its next chunk
        sent: set = set()                       # fingerprints put in a batch in this round
        recent, older = self.recent, self.older
        shift, from_bytes = 64 - width, int.from_bytes
        seen = self.seen
        encode = self.encoder.encode
        canonical, constraint = self.canonical, self.constraint
        step_checks = self._checks(ALWAYS_STEP, control)
        invariants = self._checks(ALWAYS, control) if constraint is not None else []
        at_ends = self._checks(AT_END, control)
        findings: dict = {}
        indexed_steps = list(enumerate(action.step for action in self.actions))
        fired = [0] * len(self.actions)
        generated = terminal = expanded = 0
        deadline = None if control.seconds_left is None else time.monotonic() + control.seconds_left
        clocked = deadline is not None or control.max_memory is not None
        last_look = time.monotonic()
        cut = None
        size = len(self.level)
        number = self.level_base - 1
        state = None
        try:
            for key, state in zip(self.keys, self.level.drain()):
                number += 1
                enabled = 0
                here = None
                for action_index, step in indexed_steps:
                    successors = step(state)
                    if not successors:
                        continue
                    fired[action_index] += len(successors)
                    for choice, (label, successor) in enumerate(successors, enabled):
                        if step_checks:
                            for name, predicate in step_checks:
                                if name not in findings and not predicate(state, label, successor):
                                    here = here or Found(index, number, state)
                                    findings[name] = (key + _part(choice), Beyond(
                                        here, label, successor if canonical is None else canonical(successor)))
                        if canonical is not None:
                            successor = canonical(successor)
                        if constraint is not None and not constraint(successor):
                            for name, predicate in invariants:
                                if name not in findings and not predicate(successor):
                                    here = here or Found(index, number, state)
                                    findings[name] = (key + _part(choice), Beyond(here, label, successor))
                            continue
                        if successor in recent or successor in older:
                            continue
                        recent.add(successor)
                        if len(recent) >= RECENT:
                            older, recent = recent, set()
                        data, restores = encode(successor)
                        number_print = from_bytes(blake2b(data, digest_size=8).digest(), "little") >> shift or 1
                        owner = number_print % count
                        if number_print in sent or (owner == index and number_print in seen):
                            continue
                        sent.add(number_print)
                        records = pending[owner]
                        records.append((number_print, key + _part(choice), data if restores else (successor,),
                                        number, choice))
                        if len(records) >= CHUNK:
                            batches[owner].append(pack(records, owner == index))
                            pending[owner] = []
                    enabled += len(successors)
                generated += enabled
                expanded += 1
                if not enabled:
                    terminal += 1
                    for name, predicate in at_ends:
                        if name not in findings and not predicate(state):
                            findings[name] = (key, Found(index, number, state))
                if clocked and not expanded % 64:
                    now = time.monotonic()
                    if now - last_look >= CHECK_SECONDS:
                        last_look = now
                        if deadline is not None and now >= deadline:
                            cut = "time_limit"
                        elif control.max_memory is not None and resident_megabytes() >= control.max_memory:
                            cut = "max_memory"
                        if cut:
                            break
        except UnencodableState as error:
            raise unencodable(self.model, error) from None
        except ModelcheckError:
            raise
        except Exception as error:
            raise model_error(self.model, self.actions, self.properties, state, error) from error
        self.level, self.keys = Frontier(), []
        self.recent, self.older = recent, older
        for owner, records in enumerate(pending):
            if records:
                batches[owner].append(pack(records, owner == index))
        self.own, batches[index] = batches[index], []     # kept here: `receive` takes it from here
        shipped = sum(map(len, (chunk for batch in batches for chunk in batch)))
        return batches + [Expanded(generated, terminal, fired, findings, size - expanded, cut,
                                  time.process_time() - began, shipped)]

    def _receive(self, control: Control, sources, batches) -> Received:
        began = time.process_time()
        seen = self.seen
        if sources is None:                     # a round: this partition's own batch stayed here
            sources = range(self.count)
            batches = tuple(self.own if source == self.index else batch
                            for source, batch in enumerate(batches))
            self.own = []
        if control.closed:
            unseen = any(record[0] not in seen
                         for batch in batches for chunk in batch for record in unpack(chunk))
            return Received(0, {}, unseen, time.process_time() - began)
        best: dict = {}                         # fingerprint -> (source, record) of least key, for states not seen
        for source, batch in zip(sources, batches):
            for chunk in batch:
                for record in unpack(chunk):
                    number_print = record[0]
                    if number_print in seen:
                        continue
                    known = best.get(number_print)
                    if known is None or record[1] < known[1][1]:
                        best[number_print] = (source, record)
        new = sorted(best.values(), key=_key_of)
        invariants = self._checks(ALWAYS, control)
        wanted = self._checks(SOMETIMES, control)
        checking = bool(invariants or wanted)
        findings: dict = {}
        level, keys = Frontier(), []
        owners, parents, positions = self.owners, self.parents, self.positions
        number = len(positions)
        self.level_base = number
        state = None
        try:
            for source, (number_print, key, record, parent, position) in new:
                seen.add(number_print)
                while position > largest(positions):
                    positions = self.positions = widen(positions)
                owners.append(source)
                parents.append(parent)
                positions.append(position)
                keys.append(key)
                if type(record) is bytes:
                    level.append(record)
                    state = marshal.loads(record) if checking else None
                else:
                    state = record[0]
                    level.append_state(state)
                if checking:
                    for name, predicate in invariants:
                        if name not in findings and not predicate(state):
                            findings[name] = (key, Found(self.index, number, state))
                    for name, predicate in wanted:
                        if name not in findings and predicate(state):
                            findings[name] = (key, Found(self.index, number, state))
                number += 1
        except ModelcheckError:
            raise
        except Exception as error:
            raise model_error(self.model, self.actions, self.properties, state, error) from error
        self.level, self.keys = level, keys
        return Received(len(new), findings, False, time.process_time() - began)

    def link(self, number: int) -> tuple[int, int, int]:
        """State `number`'s parent (its partition, INITIAL for none, and its number there) and position."""
        return self.owners[number], self.parents[number], self.positions[number]

    def footprint(self) -> Footprint:
        links = sum(numbers.itemsize * len(numbers) for numbers in (self.owners, self.parents, self.positions))
        return Footprint(len(self.positions), self.seen.nbytes, links, self.level.nbytes,
                         resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


@contextlib.contextmanager
def _collector_off():
    """The cyclic garbage collector off during a call, as `bfs` has it off during its search: states are
    acyclic, and with millions alive every full collection would walk them all."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def pack(records: list, kept: bool = False) -> bytes | list:
    """A chunk of a batch's records as bytes: by `marshal` when its states are their encodings (tuples of
    ints, bytes and strings; twice as fast as `pickle` and as Ray's own serialisation of a list), else
    by `pickle`. Packed as they come, the records of a level take a few tens of bytes each, where the
    Python tuples would take a few hundred. A chunk `kept` by the partition that made it (its own
    states) stays a list when marshal cannot write it: unpickled, states no longer share their parts
    with the others (the Kafka model's memo finds sides by identity first), which costs more than the
    memory saved."""
    try:
        return MARSHALLED + marshal.dumps(records)
    except ValueError:
        return records if kept else PICKLED + pickle.dumps(records, pickle.HIGHEST_PROTOCOL)


def unpack(data: bytes | list) -> list:
    if type(data) is list:
        return data
    return marshal.loads(memoryview(data)[1:]) if data[:1] == MARSHALLED else pickle.loads(memoryview(data)[1:])


def _part(choice: int) -> bytes:
    return PARTS[choice] if choice < 1024 else key_part(choice)


def _key_of(item) -> bytes:
    return item[1][1]


def unencodable(model, error: UnencodableState) -> InvalidModel:
    return InvalidModel(f"model {model.name!r}: {error}: the distributed search keeps fingerprints, which need "
                        f"a canonical encoding of every state")


class LocalPartitions:
    """The partitions of a search as objects of this process, called in turn: what `ray_partitions` does
    across machines, without the machines (for tests and for comparing the two)."""

    def __init__(self, model, count: int, *, symmetry: bool = True, width: int = WIDTH):
        self.count = count
        self.partitions = [Partition(model, index, count, symmetry=symmetry, width=width) for index in range(count)]

    def start(self, control: Control, batches: list) -> list[Received]:
        """The initial states, in one batch per partition."""
        return [partition.receive(control, [INITIAL], [pack(batch)])
                for partition, batch in zip(self.partitions, batches)]

    def round(self, control: Control) -> tuple[list[Expanded], list[Received]]:
        outputs = [partition.expand(control) for partition in self.partitions]
        received = [partition.receive(control, None, *(output[index] for output in outputs))
                    for index, partition in enumerate(self.partitions)]
        return [output[-1] for output in outputs], received

    def link(self, partition: int, number: int) -> tuple[int, int, int]:
        return self.partitions[partition].link(number)

    def footprints(self) -> list[Footprint]:
        return [partition.footprint() for partition in self.partitions]

    def close(self):
        self.partitions = []


def check_partitionable(model, counterexamples: int = 1):
    """Raise a `ModelcheckError` for what the distributed search leaves out (the module docstring)."""
    temporal = [p.name for p in model.get_properties() if p.kind in TEMPORAL]
    if temporal:
        raise ModelcheckError(f"model {model.name!r} has temporal properties ({', '.join(temporal)}), checked on "
                              f"the recorded state graph, which no partition of a distributed search holds "
                              f"whole: search it without --ray-partitions")
    if counterexamples > 1:
        raise ModelcheckError("the distributed search gives one counterexample per property: leave out "
                              "--counterexamples or --ray-partitions")


def partitioned_bfs(model, partitions, limits: Limits = Limits(), *, symmetry: bool = True,
                    progress: ProgressCallback | None = None, keep_going: bool = False,
                    width: int = WIDTH) -> Result:
    """Explore `model` on `partitions` (a `LocalPartitions` or `ray_partitions.RayPartitions`, built for
    the same model); the counts, verdicts and traces of `fingerprint_bfs` (see the module docstring)."""
    started = time.perf_counter()
    actions = model.get_actions()
    if not actions:
        raise InvalidModel(f"model {model.name!r} has no actions")
    check_partitionable(model)
    properties = model.get_properties()
    canonical = model.canonical if symmetry else None
    constraint = getattr(model, "constraint", None)
    count = partitions.count
    if not 1 <= count <= MAX_PARTITIONS:
        raise ModelcheckError(f"a distributed search takes 1 to {MAX_PARTITIONS} partitions, not {count}")
    paths: dict[str, list] = {}             # property -> the path to its first violating (or witnessing) state
    violations: dict[str, str] = {}
    witnesses: dict[str, str] = {}
    open_names = {p.name for p in properties}
    deadline = started + limits.time_limit if limits.time_limit else None

    def walk(reference) -> list:
        if type(reference) is Beyond:
            if reference.before is None:
                return [reference.after]
            path = walk(reference.before)
            return RecordedPath(path + [reference.after], [None] * (len(path) - 1) + [reference.label])
        way = []
        partition, number = reference.partition, reference.number
        while True:
            owner, parent, position = partitions.link(partition, number)
            if owner == INITIAL:
                break
            way.append(position)
            partition, number = owner, parent
        way.reverse()
        return follow_positions(model, position, way, reference.state, canonical)

    def settle(reports: list[dict]):
        """Per property, the least key the partitions report: its first state, whose path is walked now."""
        least: dict = {}
        for findings in reports:
            for name, (key, reference) in findings.items():
                if name in open_names and (name not in least or key < least[name][0]):
                    least[name] = (key, reference)
        for prop in properties:
            if prop.name in least:
                paths[prop.name] = walk(least[prop.name][1])
                (witnesses if prop.kind == SOMETIMES else violations)[prop.name] = prop.name
                open_names.discard(prop.name)

    def control(closed: bool = False) -> Control:
        left = None if deadline is None else max(0.0, deadline - time.perf_counter())
        return Control(frozenset(open_names), closed, left, limits.max_memory)

    generated = distinct = terminal = depth = remaining = level = 0
    fired = [0] * len(actions)
    stopped_by = None
    early = False
    try:
        batches: list[list] = [[] for _ in range(count)]
        outside: dict = {}
        invariants = [(p.name, p.predicate) for p in properties if p.kind == ALWAYS]
        encoder = Encoder()
        for position, state in initial_states(model, canonical):
            generated += 1
            try:
                if constraint is not None and not constraint(state):
                    for name, predicate in invariants:
                        if name not in outside and not predicate(state):
                            outside[name] = (key_part(position), Beyond(None, None, state))
                    continue
                data, restores = encoder.encode(state)
            except UnencodableState as error:
                raise unencodable(model, error) from None
            except ModelcheckError:
                raise
            except Exception as error:
                raise model_error(model, actions, properties, state, error, initial=True) from error
            number_print = fingerprint(data, width)
            batches[number_print % count].append((number_print, key_part(position),
                                                  data if restores else (state,), NO_PARENT, position))
        received = partitions.start(control(), batches)
        settle([outside] + [report.findings for report in received])
        level = sum(report.new for report in received)
        distinct += level
        depth = 1 if level else 0
        while level:
            if max_states_reached(limits, distinct):
                stopped_by, remaining = "max_states", level
                break
            if deadline is not None and time.perf_counter() >= deadline:
                stopped_by, remaining = "time_limit", level
                break
            closed = limits.max_depth is not None and depth >= limits.max_depth
            expanded, received = partitions.round(control(closed))
            generated += sum(report.generated for report in expanded)
            terminal += sum(report.terminal for report in expanded)
            for report in expanded:
                fired = [a + b for a, b in zip(fired, report.fired)]
            settle([report.findings for report in expanded] + [report.findings for report in received])
            new = sum(report.new for report in received)
            distinct += new
            cut = next((report.cut for report in expanded if report.cut), None)
            if closed:
                if any(report.unseen for report in received):
                    stopped_by = "max_depth"
                remaining = level
                break
            if cut:
                stopped_by, remaining = cut, sum(report.left for report in expanded) + new
                break
            level = new
            if level:
                depth += 1
            if progress is not None:
                progress(Progress(distinct, generated, level, depth, time.perf_counter() - started))
            if not keep_going and all_decided(properties, violations, witnesses):
                early, remaining = level > 0, level
                break
    except KeyboardInterrupt:
        stopped_by, remaining = "interrupted", level
    footprints = partitions.footprints() if stopped_by != "interrupted" else []

    coverage = coverage_of(actions, fired)
    warnings = []
    if stopped_by is None and not early:
        remaining = 0
        never = never_fired_warning(coverage, actions)
        if never:
            warnings.append(never)
    results = decide(model, properties, violations=violations, witnesses=witnesses, path_of=paths.__getitem__,
                     canonical=canonical, stopped_by=stopped_by, early=early)
    fingerprint_stats = FingerprintStats(
        width=width, probability=collision_probability(distinct, generated, width),
        table_bytes=sum(footprint.table_bytes for footprint in footprints),
        link_bytes=sum(footprint.link_bytes for footprint in footprints))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    stats = Stats(distinct=distinct, generated=generated, depth=depth, seconds=time.perf_counter() - started,
                  terminal=terminal, queue=remaining,
                  peak_memory_bytes=peak + sum(footprint.peak_memory_bytes for footprint in footprints),
                  workers=count, coverage=coverage, fingerprints=fingerprint_stats)
    return Result(model=model.name, properties=results, stats=stats, stopped_by=stopped_by, warnings=warnings,
                  parameters=dict(getattr(model, "parameters", {}) or {}), limits=limits)


def max_states_reached(limits: Limits, distinct: int) -> bool:
    return limits.max_states is not None and distinct >= limits.max_states
