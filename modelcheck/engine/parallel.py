"""Exhaustive breadth-first search on several processes of one machine.

The states are partitioned among `workers` processes: a worker owns some of the states (which ones:
"Partition", below), keeps the parent link of each of them, and expands them. The search is
level-synchronous: every worker expands its part of level d, keeps the successors it owns, ships the
others to their owners in one batch per owner, merges what it receives, and only then does level d+1
start. So every level holds exactly the states at that distance from an initial state, the counts
(`distinct`, `generated`, `depth`, `terminal`, coverage) are those of the one-process `bfs`, and every
counterexample is a shortest one: the very one `bfs` gives ("Which counterexample", below).

Processes rather than threads, because CPython runs one thread at a time. They are started with the
`fork` start method (Linux, macOS), so a model built from closures and lambdas needs no pickling: each
worker inherits the model, and `hash()` of strings agrees between workers because they share the
parent's hash seed. Where `fork` is not available the search raises `ModelcheckError`; use `workers=1`.

What a worker keeps: the list of the states it owns in the order found, which is also its queue; a
dictionary from each of them to its position in that list; and, by position, the global number of its
parent (position in the owner's list of states times `workers` plus the owner's number), in an array.
A worker also keeps in that dictionary each foreign state it has already shipped (with no position),
so a state is shipped to its owner at most once by each worker and most duplicates die where they are
generated, at the cost of memory: a foreign state lives in the dictionaries of every worker that
generated it. Batches travel through pipes, encoded with `marshal` (plain tuples, ints, strings,
frozensets) or `pickle` (NamedTuples, enums) when `marshal` cannot encode them.

Partition. Without a key a state belongs to worker `hash(state) % workers`. That spreads the states
evenly but scatters every state's successors: in TwoPhase nearly every state is a successor of some
state in each worker's share, so each worker meets (hashes, stores, ships) almost every state, and the
work done on a state's first meeting is done twice overall. A model that gives `Model.partition`, a key
of a state that most steps leave unchanged, keeps most successors with their parent's owner: the idea of
Lerda and Sisto ("Distributed-memory model checking with SPIN", SPIN Workshop 1999), who partition by
the local state of one process. The key (of the canonical state under symmetry) is hashed into one of
`_BUCKETS` buckets, and the buckets are dealt out to the workers in a fixed shuffled order, an equal
number each, so keys that are small integers (whose hash is the integer itself) spread pseudo-randomly,
not by their parity. A poor key costs speed, never correctness: with a constant key one worker owns
every state. `benchmarks/locality.py` measures a key: the share of successors that stay with their
parent's owner, the states the workers ship, and the workers' shares of every level.

Balance. The keys that keep successors together are seldom equally frequent (in TwoPhase some keys hold
twice the states of others), so a fixed deal of buckets leaves one worker with more of a level than the
other, and the level-synchronous search waits for the busiest worker at every level. With a key the
buckets therefore move: each worker keeps, per bucket, the positions of the states it owns (and the
states handed over to it with the bucket), and reports per bucket how many of the next level's states
it holds; between two levels the parent estimates each worker's work at the next level from these
counts and moves buckets from the busiest worker to the idlest (`_rebalance`). The giver sends the
bucket's states (the taker adds them to its dictionary, so duplicates are still recognised) and the
bucket's states of the coming level with their numbers (the taker expands them; they stay numbered,
counted and recorded by the giver, so parent numbers and counts do not change); from then on new states
of the bucket go to the taker. Ownership changes only between levels, when no batch is in flight, so
every state is still stored by exactly one worker.

A trace is rebuilt by asking the owners for the parent chain of the state, hop by hop, then replaying
it through the model (`trace.replay`), as in `bfs`.

Which counterexample. `bfs` takes, per property, the first state in its order that violates it (or, for
`sometimes`, satisfies it), and the path by which that state was first reached. Its order within a
level is that of the parents, then of each parent's successors; so it is the lexicographic order of
each state's least sequence of successor numbers from an initial state, and the path is that sequence.
The workers compute that order without talking to each other: every state of the queue carries a *key*,
its sequence as bytes (`order_keys`: order-preserving, none a prefix of another, so bytes compare as the
sequences do; the number of a successor is its rank among its parent's successors met for the first
time there, which orders them as their positions do). A worker expands its share of a level in key
order, so the first time it meets a state is its least key from that worker; a shipped state travels
with its key, and the owner keeps the least key and the parent that gave it, which is the parent `bfs`
records. A property decided at a level stays checked to the end of the level; each worker reports its
deciding state of least key, and the parent takes the least of those. Keys are kept for the current
and the next level only, and sort the queue before each level. The trace is therefore the same for any
number of workers, any partition, any moves of buckets and any hash seed; searches stopped by a limit
part way through a level are the exception (each worker has then expanded a different part of it).
The cost, measured on TwoPhase (rms = 7, 2 workers): about 5% more CPU time than a search that takes
any state of the first violating level.

Limits: `time_limit`, `max_states` and `max_memory` (each worker its share) are looked at by the workers
about every 50 ms, the number of expansions between two looks following the model's speed
(`limits.next_check`; the state count there is a lower bound: the states owned so far, without those
in transit), `max_depth` at the level boundary; a limit ends the search with `stopped_by` set and
undecided verdicts `bounded`.
Ctrl-C in the parent (on the main thread) asks the workers to stop; the search returns what it found
with `stopped_by="interrupted"`; a second Ctrl-C raises `KeyboardInterrupt`. Workers ignore Ctrl-C, are
daemons, and ask the kernel to kill them if the parent dies (Linux), so none is left behind.

Peak memory in the statistics is the parent's peak resident size plus each worker's own peak as the
worker reports it before it exits (`RUSAGE_SELF`; `RUSAGE_CHILDREN` would give only the largest child, and
would count children of earlier runs), or `RUSAGE_CHILDREN` for a worker that could not report. Pages
shared by `fork` count once per process, so this is an upper bound.

State constraints and `always_step` properties are checked by the worker that expands a state, each step
at its place in the one-process search's order (`_careful`), so their traces are those of `bfs` too.

Left out: temporal properties need the whole state graph in one place; for a model that has any, the
search falls back to `bfs` on one process and says so in `Result.warnings`. Progress reports come
from counters in shared memory, updated by the workers at each look at the clock.
"""

from __future__ import annotations

import bisect
import functools
import gc
import marshal
import multiprocessing
import os
import pickle
import random
import resource
import select
import signal
import sys
import threading
import time
import traceback
from array import array
from multiprocessing.connection import wait as wait_for

from modelcheck.engine.bfs import bfs
from modelcheck.engine.limits import Limits, Progress, ProgressCallback, next_check
from modelcheck.engine.memory import resident_megabytes
from modelcheck.engine.order_keys import PARTS as _PARTS, key_part as _key_part
from modelcheck.engine.model import ALWAYS, ALWAYS_STEP, AT_END, SOMETIMES, TEMPORAL
from modelcheck.engine.result import Result, Stats
from modelcheck.engine.trace import Beyond, RecordedPath
from modelcheck.engine.verdicts import all_decided, coverage_of, decide, never_fired_warning
from modelcheck.errors import InvalidModel, ModelcheckError

_NO_PARENT = -1                 # the parent number of an initial state
_STOP_REASONS = {1: "time_limit", 2: "max_states", 3: "interrupted", 4: "max_memory"}
_TIME_LIMIT, _MAX_STATES, _INTERRUPTED, _MAX_MEMORY = 1, 2, 3, 4
_COUNTERS = 3                   # per worker in shared memory: states owned, generated, queue
_HEADER = 8                     # bytes of the length that precedes a batch in a pipe
_PIPE_BYTES = 1 << 20           # pipe buffer asked of the kernel (F_SETPIPE_SZ), if it allows
_BUCKETS = 4093                 # partition keys hash into this many buckets (a prime), dealt out to workers
_SHUFFLE_SEED = 1999            # fixed, so a model's partition is the same in every run and process
_REBALANCE_FROM = 2048          # levels smaller than this are not rebalanced
_TOLERANCE = 0.01               # a worker's estimated work may exceed the mean by this much
_FIND_COST = 1.0                # work of storing a new state, in successors generated
_HELD_PER_SHARE = 32            # a bucket moves only if it holds at most this many states per new one
_MAX_MOVES = 64                 # buckets moved at one level boundary, at most


_ABSENT = object()


def _first(item):
    return item[0]


def parallel_bfs(model, limits: Limits = Limits(), *, workers: int, symmetry: bool = True,
                 progress: ProgressCallback | None = None, progress_interval: float = 1.0,
                 counterexamples: int = 1, keep_going: bool = False) -> Result:
    """Explore `model` with `workers` processes; same counts and verdicts as `bfs` (module docstring)."""
    properties = model.get_properties()
    if counterexamples > 1:
        result = bfs(model, limits, symmetry=symmetry, progress=progress, progress_interval=progress_interval,
                     counterexamples=counterexamples, keep_going=keep_going)
        result.warnings.append(f"searched on one process, not {workers}: more than one counterexample per "
                               "property is collected by the one-process search only")
        return result
    if any(p.kind in TEMPORAL for p in properties):
        result = bfs(model, limits, symmetry=symmetry, progress=progress, progress_interval=progress_interval,
                     keep_going=keep_going)
        result.warnings.append(f"searched on one process, not {workers}: temporal properties need the "
                               "whole state graph in one process")
        return result
    actions = model.get_actions()
    if not actions:
        raise InvalidModel(f"model {model.name!r} has no actions")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    canonical = model.canonical if symmetry else None
    partition = getattr(model, "partition", None)
    initial_states = model.get_initial_states()
    try:
        for state in initial_states:
            hash(canonical(state) if canonical is not None else state)
    except TypeError as error:
        raise InvalidModel(f"model {model.name!r}: an initial state is not hashable ({error})") from None
    if partition is not None:
        try:
            for state in initial_states:
                hash(partition(canonical(state) if canonical is not None else state))
        except TypeError as error:
            raise InvalidModel(f"model {model.name!r}: the partition key of an initial state is not "
                               f"hashable ({error})") from None
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        raise ModelcheckError("the parallel search needs the 'fork' start method, which this platform "
                              "lacks; search with workers=1") from None
    search = _Search(model, properties, actions, canonical, partition, limits, workers, context)
    search.keep_going = keep_going
    try:
        return search.run(len(initial_states), progress, progress_interval)
    except _ModelFailedInWorker as failure:
        # A worker does not know which state it was expanding; the one-process search meets the same
        # error (the model is deterministic) and names the action or property that raised
        # (engine/diagnose.py). Should it get through, the worker's own error stands.
        bfs(model, limits, symmetry=symmetry)
        raise failure.error from None


class _ModelFailedInWorker(Exception):
    """A worker's model code raised; `error` is what to raise if the one-process search does not."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def _rebalance(reports) -> list[tuple[int, int, int]]:
    """Buckets to move, as (bucket, from worker, to worker), so the next level's work is even.

    Each report gives the worker's share of the next level (`frontier`), what it did at the last level
    (states expanded, successors generated, new states found: the `frontier`), and, per bucket it owns
    that grew in the last level, (states of the bucket in the next level, states of the bucket it holds).
    A worker's next level is estimated as its share times its last cost per state expanded (successors
    generated plus `_FIND_COST` per new state found), from counts rather than clocks, so the moves, and
    with them which counterexample a worker finds first, are the same in every run. While the busiest
    worker's estimate exceeds the mean by more than `_TOLERANCE`, a bucket moves from it to the idlest
    worker: the one whose work is nearest half their difference, and less than all of it, so that every
    move lowers the largest estimate. A bucket holding more than `_HELD_PER_SHARE` states per state of
    the next level stays (sending a state costs a few percent of expanding one, and those states would
    all be sent). Levels smaller than `_REBALANCE_FROM` states are left as they are.
    """
    total = sum(report["frontier"] for report in reports)
    if total < _REBALANCE_FROM:
        return []
    costs = [(report["level_generated"] + _FIND_COST * report["frontier"]) / report["expanded"]
             if report["expanded"] else None for report in reports]
    known = [cost for cost in costs if cost]
    typical = sum(known) / len(known) if known else 1.0
    costs = [cost or typical for cost in costs]
    loads = [report["frontier"] * cost for report, cost in zip(reports, costs)]
    mean = sum(loads) / len(loads)
    movable = [dict(report["buckets"]) for report in reports]
    moves = []
    while len(moves) < _MAX_MOVES:
        busiest = max(range(len(loads)), key=loads.__getitem__)
        idlest = min(range(len(loads)), key=loads.__getitem__)
        gap = loads[busiest] - loads[idlest]
        if loads[busiest] <= mean * (1 + _TOLERANCE):
            break
        cost = costs[busiest]
        best, best_work = None, 0.0
        for bucket, (share, held) in movable[busiest].items():
            work = share * cost
            if work < gap and held <= _HELD_PER_SHARE * share and (
                    best is None or abs(gap - 2 * work) < abs(gap - 2 * best_work)):
                best, best_work = bucket, work
        if best is None:
            break
        del movable[busiest][best]
        loads[busiest] -= best_work
        loads[idlest] += best_work
        moves.append((best, busiest, idlest))
    return moves


def bucket_owners(workers: int) -> list[int]:
    """The worker that owns each bucket of partition keys: equal shares, in a fixed shuffled order."""
    return list(_dealt(workers))


@functools.lru_cache(maxsize=8)
def _dealt(workers: int) -> tuple[int, ...]:
    owners = [bucket % workers for bucket in range(_BUCKETS)]
    random.Random(_SHUFFLE_SEED).shuffle(owners)
    return tuple(owners)


def owner_function(partition, workers: int):
    """`state -> number of the worker that owns it`, for an already canonical state (module docstring)."""
    if partition is None:
        return lambda state: hash(state) % workers
    owners = bucket_owners(workers)
    return lambda state: owners[hash(partition(state)) % _BUCKETS]


class _Search:
    """The parent's side: starts the workers, steps them level by level, gathers the result."""

    def __init__(self, model, properties, actions, canonical, partition, limits, workers, context):
        self.model = model
        self.properties = properties
        self.actions = actions
        self.canonical = canonical
        self.partition = partition
        self.limits = limits
        self.workers = workers
        self.context = context
        self.stop = context.RawValue("i", 0)
        self.counters = context.RawArray("q", workers * _COUNTERS)
        self.processes = []
        self.connections = []
        self.interrupts = 0
        self.parent_pid = os.getpid()
        self.keep_going = False             # explore the whole graph even when every verdict is decided

    # -- running -------------------------------------------------------------------------------

    def run(self, initial_count, progress, progress_interval) -> Result:
        started = time.monotonic()
        deadline = started + self.limits.time_limit if self.limits.time_limit else None
        previous_handler = None
        on_main_thread = threading.current_thread() is threading.main_thread()
        if on_main_thread:
            previous_handler = signal.signal(signal.SIGINT, self._on_interrupt)
            if previous_handler is None:        # installed outside Python: put back the default
                previous_handler = signal.SIG_DFL
        try:
            self._start(deadline)
            return self._levels(started, initial_count, progress, progress_interval)
        finally:
            if on_main_thread:
                signal.signal(signal.SIGINT, previous_handler)
            self._shut_down()

    def _on_interrupt(self, _signum, _frame):
        if os.getpid() != self.parent_pid:
            return                          # a worker before it starts ignoring Ctrl-C
        self.interrupts += 1
        if self.interrupts > 1:
            raise KeyboardInterrupt
        if self.stop.value == 0:
            self.stop.value = _INTERRUPTED

    def _start(self, deadline):
        count = self.workers
        pipes = {(sender, receiver): os.pipe() for sender in range(count) for receiver in range(count)
                 if sender != receiver}
        for read_end, write_end in pipes.values():
            _enlarge_pipe(write_end)
        for number in range(count):
            parent_end, child_end = self.context.Pipe()
            reads = {sender: pipes[sender, number][0] for sender in range(count) if sender != number}
            writes = {receiver: pipes[number, receiver][1] for receiver in range(count) if receiver != number}
            keep = set(reads.values()) | set(writes.values())
            others = [fd for pair in pipes.values() for fd in pair if fd not in keep]
            worker = _Worker(number, count, self.model, self.properties, self.actions, self.canonical,
                             self.partition, self.limits.max_states, deadline, self.stop, self.counters,
                             reads, writes,
                             None if self.limits.max_memory is None else self.limits.max_memory / count)
            process = self.context.Process(target=worker.main, args=(child_end, others),
                                           name=f"modelcheck-worker-{number}", daemon=True)
            process.start()
            child_end.close()
            self.processes.append(process)
            self.connections.append(parent_end)
        for pair in pipes.values():
            for fd in pair:
                os.close(fd)

    def _levels(self, started, initial_count, progress, progress_interval) -> Result:
        properties = self.properties
        violations: dict[str, int] = {}
        witnesses: dict[str, int] = {}
        max_states, max_depth = self.limits.max_states, self.limits.max_depth
        reports = self._gather(progress, progress_interval, started, depth=0, generated_before=initial_count)
        self._merge_findings(reports, violations, witnesses)
        frontier = sum(report["frontier"] for report in reports)
        depth = 1 if frontier else 0
        stopped_by = None
        unexpanded = 0
        while frontier:
            distinct = sum(report["distinct"] for report in reports)
            if max_states is not None and distinct >= max_states:
                stopped_by = "max_states"
                break
            closed = max_depth is not None and depth >= max_depth
            decided = frozenset(violations) | frozenset(witnesses)
            moves = [] if closed or self.partition is None else _rebalance(reports)
            for connection in self.connections:
                connection.send(("expand", closed, decided, moves))
            reports = self._gather(progress, progress_interval, started, depth, initial_count)
            self._merge_findings(reports, violations, witnesses)
            frontier = sum(report["frontier"] for report in reports)
            unexpanded = sum(report["unexpanded"] for report in reports)
            if self.stop.value:
                stopped_by = _STOP_REASONS[self.stop.value]
                break
            if closed:
                if any(report["depth_cut"] for report in reports):
                    stopped_by = "max_depth"
                break
            if frontier:
                depth += 1
            if not self.keep_going and all_decided(properties, violations, witnesses):
                break

        seconds = time.monotonic() - started
        distinct = sum(report["distinct"] for report in reports)
        generated = initial_count + sum(report["generated"] for report in reports)
        terminal = sum(report["terminal"] for report in reports)
        fired = [sum(counts) for counts in zip(*(report["fired"] for report in reports))]
        early = (stopped_by is None and bool(frontier) and not self.keep_going
                 and all_decided(properties, violations, witnesses))
        warnings: list[str] = []
        coverage = coverage_of(self.actions, fired)
        if stopped_by is None and not early:
            never = never_fired_warning(coverage, self.actions)
            if never:
                warnings.append(never)
        results = decide(self.model, properties, violations=violations, witnesses=witnesses,
                         path_of=self._path_of, canonical=self.canonical, stopped_by=stopped_by, early=early)
        stats = Stats(distinct=distinct, generated=generated, depth=depth, seconds=seconds, terminal=terminal,
                      queue=frontier + unexpanded if stopped_by or early else 0,
                      peak_memory_bytes=self._peak_memory(), workers=self.workers, coverage=coverage)
        return Result(model=self.model.name, properties=results, stats=stats, stopped_by=stopped_by,
                      warnings=warnings, parameters=dict(getattr(self.model, "parameters", {}) or {}),
                      limits=self.limits)

    def _merge_findings(self, reports, violations, witnesses):
        """Per property decided at this level, the number of the state of least key among the workers':
        the state the one-process search finds first (module docstring, "Which counterexample")."""
        for found, kind in ((violations, "violations"), (witnesses, "witnesses")):
            best: dict[str, tuple] = {}
            for report in reports:
                for name, (key, reference) in report[kind].items():
                    if name not in found and (name not in best or key < best[name][0]):
                        best[name] = (key, reference)
            for name, (_key, reference) in best.items():
                found[name] = reference

    def _gather(self, progress, progress_interval, started, depth, generated_before) -> list[dict]:
        """One report from every worker; progress reports while waiting."""
        reports: list[dict | None] = [None] * self.workers
        waiting = {connection: number for number, connection in enumerate(self.connections)}
        sentinels = {self.processes[number].sentinel: number for number in range(self.workers)}
        next_report = time.monotonic() + progress_interval
        while waiting:
            timeout = max(0.0, next_report - time.monotonic()) if progress is not None else None
            ready = wait_for(list(waiting) + list(sentinels), timeout)
            for handle in ready:
                if handle in waiting:
                    number = waiting.pop(handle)
                    reports[number] = self._receive(handle, number)
                elif handle in sentinels:
                    number = sentinels[handle]
                    connection = self.connections[number]
                    if connection not in waiting:
                        del sentinels[handle]       # it has reported; do not wake up for it again
                    elif not connection.poll():
                        raise ModelcheckError(
                            f"worker {number} of the parallel search ended unexpectedly (exit code "
                            f"{self.processes[number].exitcode}); out of memory? Try fewer workers or "
                            f"max_states")
            if progress is not None and time.monotonic() >= next_report:
                next_report = time.monotonic() + progress_interval
                values = list(self.counters)
                progress(Progress(distinct=sum(values[0::_COUNTERS]),
                                  generated=generated_before + sum(values[1::_COUNTERS]),
                                  queue=sum(values[2::_COUNTERS]), depth=depth,
                                  seconds=time.monotonic() - started))
        return reports

    def _receive(self, connection, number):
        try:
            kind, payload = connection.recv()
        except EOFError:
            raise ModelcheckError(f"worker {number} of the parallel search closed its pipe unexpectedly") from None
        if kind == "error":
            self._raise_worker_error(number, payload)
        return payload

    def _raise_worker_error(self, number, payload):
        error_bytes, kind, text, where = payload
        if kind == "TypeError":
            key = ", or its partition key is not hashable" if self.partition is not None else ""
            raise _ModelFailedInWorker(InvalidModel(
                f"model {self.model.name!r}: a step returned something that is not a list of (label, "
                f"hashable state) pairs{key} ({text})"))
        error = None
        if error_bytes is not None:
            try:
                error = pickle.loads(error_bytes)
            except Exception:
                error = None
        if isinstance(error, BaseException):
            error.add_note(f"(raised in worker {number} of the parallel search)\n{where}")
            if isinstance(error, Exception) and not isinstance(error, ModelcheckError):
                raise _ModelFailedInWorker(error)
            raise error
        raise ModelcheckError(f"worker {number} of the parallel search failed: {kind}: {text}\n{where}")

    def _path_of(self, reference) -> list:
        """The recorded states from an initial state to the state numbered `reference` (or, for a
        `Beyond`, to the state numbered its `before`, then its step)."""
        if type(reference) is Beyond:
            if reference.before is None:
                return [reference.after]
            path = self._path_of(reference.before)
            return RecordedPath(path + [reference.after], [None] * (len(path) - 1) + [reference.label])
        path = []
        while reference != _NO_PARENT:
            owner = reference % self.workers
            connection = self.connections[owner]
            connection.send(("entry", reference))
            state, reference = self._receive(connection, owner)
            path.append(state)
        path.reverse()
        return path

    def _peak_memory(self) -> int:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        total, missing = own, 0
        for number, connection in enumerate(self.connections):
            try:
                connection.send(("finish",))
                total += self._receive(connection, number)
            except (OSError, EOFError, ModelcheckError):
                missing += 1
        if missing:
            total += missing * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        return total

    def _shut_down(self):
        if self.stop.value == 0:
            self.stop.value = _INTERRUPTED  # workers still expanding (after an error) end their level
        for connection in self.connections:
            try:
                connection.send(("finish",))
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 2.0
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in self.processes:
            if process.is_alive():
                process.kill()
                process.join()
        for connection in self.connections:
            connection.close()


class _Worker:
    """One process's share of the search: the states that fall to it."""

    def __init__(self, number, count, model, properties, actions, canonical, partition, max_states, deadline,
                 stop, counters, reads, writes, max_memory=None):
        self.number = number
        self.count = count
        self.model = model
        self.properties = properties
        self.steps = [action.step for action in actions]
        self.canonical = canonical
        self.partition = partition
        # With a partition key: bucket -> owner (changed by moves); per bucket the states this worker
        # answers for: the positions in `order` of those it owns (ascending) and the states handed over to
        # it with the bucket; `marks` the numbers of positions at the last report, so the positions after
        # the mark are the bucket's share of the next level.
        self.owners = bucket_owners(count) if partition is not None else None
        self.positions = [array("q") for _ in range(_BUCKETS)] if partition is not None else None
        self.handed: dict[int, list] = {}
        self.marks = [0] * _BUCKETS if partition is not None else None
        self.skip: set | None = None        # positions of own next-level states handed to another worker
        self.adopted: tuple[list, list, list] = ([], [], [])  # next-level states of other workers to
        #                                     expand here: the states, their numbers, their keys
        self.max_states = max_states
        self.max_memory = max_memory        # megabytes: its share of the search's memory limit
        self.deadline = deadline
        self.stop = stop
        self.counters = counters
        self.reads = reads                  # sender -> fd to read its batches from
        self.writes = writes                # receiver -> fd to write batches to
        self.seen: dict = {}                # state -> its position in `order` (own) or None (shipped)
        self.order: list = []               # own states in the order found; the queue is a slice of it
        self.parents = array("q")           # the parent number of each own state, by position
        self.frontier_start = 0
        self.frontier_keys: list = []       # the key of each state of the queue, by position from its start
        self.found_keys: list = []          # the same for the level being found (the least key so far)
        self.frontier_rank: list = []       # offsets into the queue, in the order of their keys
        self.interval = 1                   # expansions between looks at the clock (limits.next_check)
        self.generated = 0
        self.level_expanded = 0             # states expanded and successors generated at the last level
        self.level_generated = 0
        self.terminal = 0
        self.fired = [0] * len(actions)
        self.violations: dict[str, tuple] = {}     # property -> (key, number) of its first state
        self.witnesses: dict[str, tuple] = {}
        self.decided: frozenset = frozenset()       # properties the parent has decided
        self.candidates: dict[str, list] = {}       # property -> positions of own violating new states
        self.witness_candidates: dict[str, list] = {}
        self.terminal_best: dict[str, tuple] = {}   # at_end property -> (key, number) at this level
        self.beyond_best: dict[str, tuple] = {}     # property -> (key, Beyond) of a step at this level
        self.constraint = getattr(model, "constraint", None)
        self.step_checks: list = []
        self.invariants: list = []
        self.open_sometimes: list = []
        self.at_ends: list = []
        self.depth_cut = False
        self.parent_pid = os.getpid()            # the parent: this runs before the fork

    # -- process lifetime ----------------------------------------------------------------------

    def main(self, connection, foreign_fds):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent(self.parent_pid)
        for fd in foreign_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        for fd in self.writes.values():
            os.set_blocking(fd, False)
        gc.disable()
        try:
            self._serve(connection)
        except BaseException as error:      # tell the parent, which raises it
            try:
                try:
                    error_bytes = pickle.dumps(error)
                except Exception:
                    error_bytes = None
                connection.send(("error", (error_bytes, type(error).__name__, str(error),
                                           traceback.format_exc())))
            except Exception:
                pass
        finally:
            connection.close()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

    def _serve(self, connection):
        self._update_checks(frozenset())
        self._initial()
        connection.send(("level", self._report(0)))
        while True:
            try:
                message = connection.recv()
            except EOFError:
                return
            if message[0] == "expand":
                _kind, closed, decided, moves = message
                self._update_checks(decided)
                if moves:
                    self._move(moves)
                unexpanded = self._expand(closed)
                connection.send(("level", self._report(unexpanded)))
            elif message[0] == "entry":
                reference = message[1]
                state = self.order[reference // self.count]
                connection.send(("entry", (state, self.parents[reference // self.count])))
            elif message[0] == "finish":
                connection.send(("memory", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
                return

    def _report(self, unexpanded) -> dict:
        frontier = len(self.order) - self.frontier_start
        self._publish(len(self.order), frontier)
        return {"distinct": len(self.order), "frontier": frontier, "unexpanded": unexpanded,
                "expanded": self.level_expanded, "level_generated": self.level_generated,
                "generated": self.generated, "terminal": self.terminal, "fired": self.fired,
                "violations": self.violations, "witnesses": self.witnesses, "depth_cut": self.depth_cut,
                "buckets": self._bucket_shares()}

    def _bucket_shares(self) -> dict[int, tuple[int, int]]:
        """Per bucket that grew since the last report: (its new states, all the states it holds)."""
        lists, marks, handed = self.positions, self.marks, self.handed
        if lists is None:
            return {}
        shares = {}
        for bucket, positions in enumerate(lists):
            own = len(positions)
            if own != marks[bucket]:
                shares[bucket] = (own - marks[bucket], own + len(handed.get(bucket, ())))
                marks[bucket] = own
        return shares

    def _publish(self, distinct, queue):
        base = self.number * _COUNTERS
        self.counters[base] = distinct
        self.counters[base + 1] = self.generated
        self.counters[base + 2] = queue

    # -- checking states -----------------------------------------------------------------------

    def _update_checks(self, decided=None):
        """The properties still worth evaluating: those neither the parent nor this worker has decided."""
        if decided is not None:
            self.decided = decided
        decided = self.decided

        def open_(kind):
            return [(p.name, p.predicate) for p in self.properties
                    if p.kind == kind and p.name not in decided and p.name not in self.violations
                    and p.name not in self.witnesses]
        self.invariants = open_(ALWAYS)
        self.open_sometimes = open_(SOMETIMES)
        self.at_ends = open_(AT_END)
        self.step_checks = open_(ALWAYS_STEP)

    def _found(self, state, position):
        """Check an own state of the level being found. A property it decides stays checked to the end of
        the level, which picks the state of least key (`_settle`)."""
        for name, predicate in self.invariants:
            if not predicate(state):
                self.candidates.setdefault(name, []).append(position)
        for name, predicate in self.open_sometimes:
            if predicate(state):
                self.witness_candidates.setdefault(name, []).append(position)

    def _beyond(self, checks, key, before, label, after, arguments: tuple):
        """Check one step of the level being expanded, at its place `key` in the search's order (see
        `_careful`): the `always_step` properties on (state, label, successor), or the invariants on a
        successor outside the constraint. The least key per property at this level is kept."""
        best = self.beyond_best
        for name, predicate in checks:
            if not predicate(*arguments):
                if name not in best or key < best[name][0]:
                    best[name] = (key, Beyond(before, label, after))

    def _careful(self, state, reference, key, met, successors) -> list:
        """The successors of `state` (canonical) that are inside the constraint, after checking each step
        against the `always_step` properties and each successor outside the constraint against the
        invariants. A step's place in the one-process search's order is given by a key between those of
        the states `state` meets for the first time before and after it: `key` itself before the first,
        else the key of the last one met followed by a byte (the parts are prefix-free, so it sorts
        after that state and before the next)."""
        canonical, constraint, seen = self.canonical, self.constraint, self.seen
        kept = []
        fresh: set = set()
        for label, successor in successors:
            place = key if not met else key + (_PARTS[met - 1] if met <= len(_PARTS) else _key_part(met - 1)) \
                + b"\xff"
            concrete = successor
            if canonical is not None:
                successor = canonical(successor)
            if self.step_checks:
                self._beyond(self.step_checks, place, reference, label, successor, (state, label, concrete))
            if constraint is not None and not constraint(successor):
                self._beyond(self.invariants, place, reference, label, successor, (successor,))
                continue
            if successor not in seen and successor not in fresh:
                fresh.add(successor)
                met += 1
            kept.append((label, successor))
        return kept

    def _terminal(self, state, reference, key):
        self.terminal += 1
        for name, predicate in self.at_ends:
            if not predicate(state):
                best = self.terminal_best.get(name)
                if best is None or key < best[0]:
                    self.terminal_best[name] = (key, reference)

    def _settle(self):
        """End of a level: the keys of its own new states are final (the least over every worker that met
        them), and so are their parents. Order the new queue by key, and keep, per property decided at this
        level, the deciding state of least key."""
        start = self.frontier_start
        keys = self.frontier_keys = self.found_keys
        self.found_keys = []
        self.frontier_rank = sorted(range(len(keys)), key=keys.__getitem__)
        count, me = self.count, self.number
        for found, into in ((self.candidates, self.violations), (self.witness_candidates, self.witnesses)):
            for name, positions in found.items():
                position = min(positions, key=lambda position: keys[position - start])
                into[name] = (keys[position - start], position * count + me)
            found.clear()
        self.violations.update(self.terminal_best)
        self.terminal_best.clear()
        for name, found in self.beyond_best.items():
            if name not in self.violations or found[0] < self.violations[name][0]:
                self.violations[name] = found
        self.beyond_best.clear()
        self._update_checks()

    # -- the search ----------------------------------------------------------------------------

    def _initial(self):
        canonical, seen, order = self.canonical, self.seen, self.order
        for index, state in enumerate(self.model.get_initial_states()):
            if canonical is not None:
                state = canonical(state)
            if self._owner(state) != self.number or state in seen:
                continue
            if self.constraint is not None and not self.constraint(state):
                self._beyond(self.invariants, _key_part(index), None, None, state, (state,))
                continue
            seen[state] = len(order)
            order.append(state)
            self.parents.append(_NO_PARENT)
            self.found_keys.append(_key_part(index))
            self._hold(state)
            self._found(state, len(order) - 1)
        self._settle()

    def _owner(self, state) -> int:
        if self.partition is None:
            return hash(state) % self.count
        return self.owners[hash(self.partition(state)) % _BUCKETS]

    def _hold(self, state):
        """Note the position of the own state last found in its bucket (with a partition key)."""
        if self.positions is not None:
            self.positions[hash(self.partition(state)) % _BUCKETS].append(len(self.order) - 1)

    def _move(self, moves):
        """Hand over buckets between workers before a level (module docstring, "Balance").

        The giver sends every state of the bucket it holds, which the taker adds to its dictionary as
        known (it does not record their parents: their owner numbers still point to the giver), and the
        bucket's states of the coming level with their numbers and keys, which the taker expands in the
        giver's place. From then on successors in the bucket go to the taker.
        """
        me, seen, order, count = self.number, self.seen, self.order, self.count
        start, keys = self.frontier_start, self.frontier_keys
        giving = {}
        for bucket, giver, taker in moves:
            self.owners[bucket] = taker
            if giver == me:
                giving[bucket] = taker
        outgoing = {receiver: [] for receiver in self.writes}
        if giving:
            skip = set()
            for bucket, taker in giving.items():
                positions = self.positions[bucket]
                coming = positions[bisect.bisect_left(positions, start):]
                skip.update(coming)
                held = [order[position] for position in positions] + self.handed.pop(bucket, [])
                outgoing[taker].append((bucket, held, [order[position] for position in coming],
                                        [position * count + me for position in coming],
                                        [keys[position - start] for position in coming]))
                self.positions[bucket] = array("q")
                self.marks[bucket] = 0
            self.skip = skip
        received = self._exchange({receiver: _encode(batch) for receiver, batch in outgoing.items()})
        adopted_states, adopted_references, adopted_keys = self.adopted
        for payload in received:
            for bucket, held, states, references, state_keys in _decode(payload):
                for state in held:
                    if state not in seen:
                        seen[state] = None
                self.handed.setdefault(bucket, []).extend(held)
                self.marks[bucket] = len(self.positions[bucket])
                adopted_states.extend(states)
                adopted_references.extend(references)
                adopted_keys.extend(state_keys)

    def _plan(self, start):
        """The states to expand at this level, as (state, number, key) in the order of their keys (the
        one-process search's order): the own ones from `start` (less those handed over), and those
        adopted."""
        order, count, me = self.order, self.count, self.number
        keys, rank, skip = self.frontier_keys, self.frontier_rank, self.skip
        states, references, adopted_keys = self.adopted
        if skip is None and not states:
            for offset in rank:
                position = start + offset
                yield order[position], position * count + me, keys[offset]
            return
        items = [(keys[offset], order[start + offset], (start + offset) * count + me) for offset in rank
                 if skip is None or start + offset not in skip]
        items.extend(zip(adopted_keys, states, references))
        items.sort(key=_first)
        for key, state, reference in items:
            yield state, reference, key

    def _expand(self, closed) -> int:
        """Expand this worker's part of the current level, exchange successors; the unexpanded count.

        A successor met for the first time gets the key of its parent followed by its number among the
        parent's successors met for the first time (`_key_part`); the owner keeps, for a state met by
        several workers, the least key and the parent that gave it.
        """
        count, me = self.count, self.number
        seen, order, fired = self.seen, self.order, self.fired
        append, add_parent, add_key = order.append, self.parents.append, self.found_keys.append
        found_keys, parents_of = self.found_keys, self.parents
        canonical, partition, owners, lists = self.canonical, self.partition, self.owners, self.positions
        indexed_steps = list(enumerate(self.steps))
        outgoing = {receiver: ([], [], []) for receiver in self.writes}
        targets = [outgoing.get(owner, (None, None, None)) for owner in range(count)]
        start, end = self.frontier_start, len(order)
        plan = self._plan(start)
        expanding = len(self.frontier_rank) - len(self.skip or ()) + len(self.adopted[0])
        self.frontier_start = end
        expanded = 0
        generated_before = self.generated
        generated = 0
        checking = bool(self.invariants or self.open_sometimes)
        careful = self.constraint is not None or bool(self.step_checks)
        parts, part_count = _PARTS, len(_PARTS)
        interval = countdown = self.interval
        last_check = time.monotonic()
        bucket = 0
        for state, reference, key in plan:
            enabled = 0
            met = 0
            for index, step in indexed_steps:
                successors = step(state)
                if not successors:
                    continue
                number = len(successors)
                enabled += number
                fired[index] += number
                if careful:
                    successors = self._careful(state, reference, key, met, successors)
                elif canonical is not None:
                    successors = [(None, canonical(successor)) for _label, successor in successors]
                for _label, successor in successors:
                    if successor in seen:
                        continue
                    child = key + (parts[met] if met < part_count else _key_part(met))
                    met += 1
                    if partition is None:
                        owner = hash(successor) % count
                    else:
                        bucket = hash(partition(successor)) % _BUCKETS
                        owner = owners[bucket]
                    if owner == me:
                        if closed:
                            self.depth_cut = True
                            continue
                        seen[successor] = len(order)
                        append(successor)
                        add_parent(reference)
                        add_key(child)
                        if lists is not None:
                            lists[bucket].append(len(order) - 1)
                        if checking:
                            self._found(successor, len(order) - 1)
                    else:
                        seen[successor] = None
                        states, parents, keys = targets[owner]
                        states.append(successor)
                        parents.append(reference)
                        keys.append(child)
            generated += enabled
            if not enabled:
                self._terminal(state, reference, key)
            expanded += 1
            countdown -= 1
            if not countdown:
                self.generated += generated
                generated = 0
                now = time.monotonic()
                interval = next_check(interval, now - last_check)
                countdown, last_check = interval, now
                if self._should_stop(now):
                    break
        self.generated += generated
        self.interval = interval
        self.skip = None
        self.adopted = ([], [], [])
        self.level_expanded = expanded
        self.level_generated = self.generated - generated_before
        self._publish(len(order), len(order) - end)
        received = self._exchange({receiver: _encode(batch) for receiver, batch in outgoing.items()})
        del outgoing, targets
        absent = _ABSENT
        for payload in received:
            states, parents, keys = _decode(payload)
            for state, parent, key in zip(states, parents, keys):
                position = seen.get(state, absent)
                if position is not absent:
                    if position is not None and position >= end and key < found_keys[position - end]:
                        found_keys[position - end] = key       # found at this level, by a lesser path
                        parents_of[position] = parent
                    continue
                if closed:
                    self.depth_cut = True
                    continue
                seen[state] = len(order)
                append(state)
                add_parent(parent)
                add_key(key)
                if lists is not None:
                    lists[hash(partition(state)) % _BUCKETS].append(len(order) - 1)
                if checking:
                    self._found(state, len(order) - 1)
        self._settle()
        return expanding - expanded

    def _should_stop(self, now) -> bool:
        """Publish the counters; look at the stop flag, the clock and the state count.

        The count is the states the workers own so far, a lower bound of the distinct states (the
        successors shipped this level are counted by their owners only when they arrive), so a search
        stopped by `max_states` has found at least that many.
        """
        self._publish(len(self.order), len(self.order) - self.frontier_start)
        if self.stop.value:
            return True
        if self.deadline is not None and now >= self.deadline:
            self.stop.value = _TIME_LIMIT
            return True
        if self.max_states is not None and sum(self.counters[0::_COUNTERS]) >= self.max_states:
            self.stop.value = _MAX_STATES
            return True
        if self.max_memory is not None and resident_megabytes() >= self.max_memory:
            self.stop.value = _MAX_MEMORY
            return True
        return False

    def _exchange(self, outgoing: dict[int, bytes]) -> list[bytes]:
        """Send one batch to every other worker and receive one from each, without deadlock."""
        poller = select.poll()
        sending = {}
        for receiver, payload in outgoing.items():
            fd = self.writes[receiver]
            sending[fd] = [memoryview(len(payload).to_bytes(_HEADER, "little") + payload), 0]
            poller.register(fd, select.POLLOUT)
        receiving = {}
        for fd in self.reads.values():
            receiving[fd] = [bytearray(_HEADER), 0, False]      # buffer, filled, header done
            poller.register(fd, select.POLLIN)
        done = []
        while sending or receiving:
            for fd, event in poller.poll():
                if fd in sending:
                    view, offset = sending[fd]
                    try:
                        offset += os.write(fd, view[offset:])
                    except BlockingIOError:
                        continue
                    if offset == len(view):
                        del sending[fd]
                        poller.unregister(fd)
                    else:
                        sending[fd][1] = offset
                elif fd in receiving:
                    entry = receiving[fd]
                    buffer, filled, header_done = entry
                    got = os.readv(fd, [memoryview(buffer)[filled:]])
                    if got == 0:
                        raise ModelcheckError("a worker of the parallel search ended in the middle of an "
                                              "exchange")
                    filled += got
                    if filled == len(buffer):
                        if header_done:
                            done.append(buffer)
                            del receiving[fd]
                            poller.unregister(fd)
                            continue
                        size = int.from_bytes(buffer, "little")
                        buffer, filled, header_done = bytearray(size), 0, True
                        if size == 0:
                            done.append(buffer)
                            del receiving[fd]
                            poller.unregister(fd)
                            continue
                    entry[:] = [buffer, filled, header_done]
        return done


def _encode(batch) -> bytes:
    """A batch of (states, parent numbers) as bytes: marshal when it can, pickle otherwise."""
    try:
        return b"M" + marshal.dumps(batch)
    except ValueError:
        return b"P" + pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(payload):
    view = memoryview(payload)
    if view[:1] == b"M":
        return marshal.loads(view[1:])
    return pickle.loads(view[1:])


def _enlarge_pipe(fd):
    """Ask for a larger pipe buffer (Linux), so a batch crosses in fewer system calls."""
    try:
        import fcntl
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError):
        pass


def _die_with_parent(parent_pid):
    """On Linux, have the kernel kill this worker if the parent process dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:          # the parent died before the request took effect
        os._exit(1)
