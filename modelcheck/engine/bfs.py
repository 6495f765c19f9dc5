"""Exhaustive breadth-first search on one process.

The search goes level by level, so the first state found to violate a property lies on a shortest path,
and its trace (rebuilt by `trace.replay`) is a shortest counterexample. It keeps one dictionary: each
state found, mapped to the state it was first reached from (None for an initial state). States are
stored as they are (no hashing into fingerprints), so two different states are never merged.

Properties are checked as states are found (`always`, `sometimes`), as steps are computed
(`always_step`), as states turn out to be terminal (`at_end`, deadlocks), and after the search on the
recorded graph (the temporal properties, see `liveness`). A model's `constraint` is TLC's: a successor
outside it is counted and checked against the invariants, then dropped (its trace is a `trace.Beyond`,
one step past a recorded state). With `counterexamples` > 1 a violated property stays checked until
that many violating states are found; `keep_going` (TLC's -continue) never stops the search early.
A search stopped by a limit or by Ctrl-C says so in `Result.stopped_by`, and every property it could
not decide is `bounded`. The clock is looked at about every 50 ms whatever the model's speed (the
number of expansions between two looks follows it, `limits.next_check`), so a search overruns
`time_limit` by at most about one expansion; `max_memory` is looked at at the same time
(`memory.resident_megabytes`).

Which counterexample: per property the first state found (in this breadth-first order) and the path by
which it was first reached. The parallel search computes the same order and gives the same traces.

Checkpoints (`checkpoint`): given a `Checkpoint`, the search writes a snapshot of itself at its
intervals and when it ends, and starts from the last one when asked to resume; a resumed search reaches
the counts, verdicts and traces of one never stopped. With a checkpoint, Ctrl-C (on the main thread)
asks the search to stop at its next look at the clock, where it is consistent and can be written; a
second Ctrl-C stops it at once, and the last snapshot written stays the one to resume from.

Speed: the cyclic garbage collector is switched off during the search (states are acyclic tuples, and
with millions of them alive every full collection would walk them all), and the loop over successors
has a plain path for the common case (no symmetry, no recorded graph, depth bound not reached).
Verdicts and traces are made by `verdicts`, shared with the parallel search.

Partial-order reduction (`reduction="por"`, `reduction`): the one hook is the list of steps a state is
expanded with, which the `Reducer` narrows to an ample set; once the search ends,
`reduction.shortest_counterexamples` makes its counterexamples the full graph's shortest.
"""

from __future__ import annotations

import gc
import resource
import signal
import threading
import time

from modelcheck.engine import liveness
from modelcheck.engine import reduction as reductions
from modelcheck.engine.checkpoint import Checkpoint, Snapshot
from modelcheck.engine.limits import Limits, Progress, ProgressCallback, next_check
from modelcheck.engine.model import ALWAYS, ALWAYS_STEP, AT_END, SOMETIMES, TEMPORAL
from modelcheck.engine.result import Result, Stats
from modelcheck.engine.trace import Beyond, path_to
from modelcheck.engine.memory import resident_megabytes
from modelcheck.engine.verdicts import UNDECIDED, Violations, all_decided, coverage_of, decide, never_fired_warning
from modelcheck.errors import InvalidModel, ModelcheckError
from modelcheck.engine.diagnose import model_error

class _LimitReached(Exception):
    """Raised in the search loop the moment max_states distinct states are found."""


def bfs(model, limits: Limits = Limits(), *, symmetry: bool = True,
        progress: ProgressCallback | None = None, progress_interval: float = 1.0,
        checkpoint: Checkpoint | None = None, counterexamples: int = 1, keep_going: bool = False,
        reduction: str = reductions.NONE) -> Result:
    """Explore every state of `model` reachable within `limits`; see the module docstring."""
    started = time.perf_counter()
    actions = model.get_actions()
    if not actions:
        raise InvalidModel(f"model {model.name!r} has no actions")
    steps = [action.step for action in actions]
    properties = model.get_properties()
    warnings: list[str] = []
    canonical = model.canonical if symmetry else None
    needs_graph = any(p.kind in TEMPORAL for p in properties)
    if canonical is not None and needs_graph:
        canonical = None
        warnings.append("symmetry reduction is off: the model has temporal properties, checked under "
                        "fairness on the concrete state graph")
    constraint = getattr(model, "constraint", None)
    reducer = reductions.reducer_for(reduction, model, steps, properties, canonical, constraint, warnings,
                                     checkpoint=checkpoint is not None)

    invariants = [(p.name, p.predicate) for p in properties if p.kind == ALWAYS]
    at_ends = [(p.name, p.predicate) for p in properties if p.kind == AT_END]
    open_sometimes = [(p.name, p.predicate) for p in properties if p.kind == SOMETIMES]
    step_checks = [(p.name, p.predicate) for p in properties if p.kind == ALWAYS_STEP]
    found_violations = Violations(counterexamples)
    violations = found_violations.first     # property -> first state found violating it (BFS order)
    more = found_violations.more            # property -> further violating references (counterexamples > 1)
    record, complete = found_violations.record, found_violations.complete
    witnesses: dict[str, object] = {}       # sometimes-property -> first state satisfying it
    wanted = counterexamples
    edges: list | None = [] if needs_graph else None
    terminal_states: list | None = [] if needs_graph else None

    parents: dict = {}
    fired = [0] * len(actions)
    generated = 0
    terminal = 0
    stopped_by = None
    max_states = limits.max_states
    max_depth = limits.max_depth
    deadline = started + limits.time_limit if limits.time_limit else None
    next_report = started + progress_interval

    checking = bool(invariants or open_sometimes)

    def found(state):
        """Check a newly found state against the invariants and the open sometimes-properties."""
        nonlocal invariants, open_sometimes, checking
        for name, predicate in invariants:
            if not predicate(state):
                if record(name, state):
                    invariants = [inv for inv in invariants if inv[0] != name]
        for name, predicate in open_sometimes:
            if predicate(state):
                witnesses[name] = state
                open_sometimes = [s for s in open_sometimes if s[0] != name]
        checking = bool(invariants or open_sometimes)

    level: list = []                        # the level being expanded
    next_level: list = []                   # the part of the next level found so far
    start = 0                               # the states of `level` already expanded
    earlier_seconds = 0.0
    snapshot = checkpoint.load() if checkpoint is not None else None
    if snapshot is not None:
        parents, level, start, next_level = snapshot.parents, snapshot.level, snapshot.position, snapshot.next_level
        depth, generated, terminal, fired = snapshot.depth, snapshot.generated, snapshot.terminal, snapshot.fired
        violations.update(snapshot.violations)
        witnesses.update(snapshot.witnesses)
        more.update({name: list(found) for name, found in snapshot.more.items()})
        if needs_graph:
            edges, terminal_states = snapshot.edges, snapshot.terminal_states
        invariants = [inv for inv in invariants if inv[0] not in complete()]
        open_sometimes = [s for s in open_sometimes if s[0] not in witnesses]
        step_checks = [check for check in step_checks if check[0] not in complete()]
        checking = bool(invariants or open_sometimes)
        earlier_seconds = snapshot.seconds
        warnings.append(f"resumed from the checkpoint {checkpoint.path} ({len(parents):,} states, depth {depth}, "
                        f"{snapshot.seconds:.1f} s of search before)")
    else:
        for state in model.get_initial_states():
            generated += 1
            if canonical is not None:
                state = canonical(state)
            try:
                if state in parents:
                    continue
            except TypeError as error:
                raise InvalidModel(f"model {model.name!r}: an initial state is not hashable ({error}): states "
                                   f"must be tuples, frozensets or NamedTuples of hashable values") from None
            try:
                if constraint is not None and not constraint(state):
                    for name, predicate in invariants:  # checked, as TLC does, but not explored
                        if not predicate(state):
                            record(name, Beyond(None, None, state), outside=True)
                    invariants = [inv for inv in invariants if inv[0] not in complete()]
                    checking = bool(invariants or open_sometimes)
                    continue
                parents[state] = None
                level.append(state)
                found(state)
            except ModelcheckError:
                raise
            except Exception as error:
                raise model_error(model, actions, properties, state, error, initial=True) from error
        depth = 1 if level else 0

    def snapshot_at(position: int, kept: bool = True) -> Snapshot:
        """The search as it stands, with the states of `level` before `position` expanded. A snapshot
        `kept` past the next step copies the recorded graph (which the search goes on growing); one
        written at once shares it (a copy of millions of edges at every checkpoint is memory for nothing)."""
        share = not kept or edges is None
        return Snapshot(identity=checkpoint.identity, parents=parents, level=level, position=position,
                        next_level=next_level, depth=depth, generated=generated, terminal=terminal,
                        fired=list(fired), violations=dict(violations), witnesses=dict(witnesses),
                        more={name: list(found) for name, found in more.items()},
                        edges=edges if share else list(edges),
                        terminal_states=terminal_states if share else list(terminal_states),
                        seconds=earlier_seconds + time.perf_counter() - started)

    interval = countdown = 1                # expansions between looks at the clock (limits.next_check)
    last_check = time.perf_counter()
    indexed_steps = list(enumerate(steps))
    collecting = gc.isenabled()
    stop_requested: list[bool] = []         # Ctrl-C, seen at the next look at the clock (checkpoints only)
    final: Snapshot | None = None           # the snapshot to write when the search ends
    level_start: Snapshot | None = None     # a level closed by max_depth, as it was before its expansion
    position = index = 0
    state = None
    resume_at = None                        # where a search stopped part way through a level would go on

    def request_stop(_signum, _frame):
        if stop_requested:
            raise KeyboardInterrupt
        stop_requested.append(True)

    previous_handler = None
    if checkpoint is not None and threading.current_thread() is threading.main_thread():
        previous_handler = signal.signal(signal.SIGINT, request_stop)
    if (snapshot is not None and start == 0 and level and not keep_going
            and all_decided(properties, complete(), witnesses)):
        level_done = True                   # the snapshot was written after an early stop
    else:
        level_done = False
    gc.disable()
    try:
        while level and not level_done:
            if not start:
                if max_states is not None and len(parents) >= max_states:
                    stopped_by = "max_states"
                    break
            closed = max_depth is not None and depth >= max_depth
            if closed and checkpoint is not None:
                level_start = snapshot_at(start)
            plain = (canonical is None and edges is None and not closed and max_states is None
                     and constraint is None and not step_checks)
            append = next_level.append
            resume_at = None
            for position in range(start, len(level)):
                state = level[position]
                enabled = 0
                for index, step in (indexed_steps if reducer is None else reducer.steps(state, depth, parents)):
                    successors = step(state)
                    if not successors:
                        continue
                    count = len(successors)
                    enabled += count
                    fired[index] += count
                    if plain:
                        for _label, successor in successors:
                            if successor not in parents:
                                parents[successor] = state
                                append(successor)
                                if checking:
                                    found(successor)
                        continue
                    for label, successor in successors:
                        if step_checks:
                            for name, predicate in step_checks:
                                if not predicate(state, label, successor):
                                    if record(name, Beyond(state, label, successor if canonical is None
                                                           else canonical(successor))):
                                        step_checks = [c for c in step_checks if c[0] != name]
                        if canonical is not None:
                            successor = canonical(successor)
                        if constraint is not None and not constraint(successor):
                            # TLC's CONSTRAINT: generated and checked, never stored nor expanded.
                            for name, predicate in invariants:
                                if not predicate(successor) and record(name, Beyond(state, label, successor),
                                                                       outside=True):
                                    invariants = [inv for inv in invariants if inv[0] != name]
                                    checking = bool(invariants or open_sometimes)
                            continue
                        if edges is not None:
                            edges.append((state, successor, label, index))
                        if successor in parents:
                            continue
                        if closed:
                            stopped_by = "max_depth"
                            continue
                        parents[successor] = state
                        append(successor)
                        if checking:
                            found(successor)
                        if max_states is not None and len(parents) >= max_states:
                            raise _LimitReached
                generated += enabled
                if not enabled:
                    terminal += 1
                    if terminal_states is not None:
                        terminal_states.append(state)
                    for name, predicate in at_ends:
                        if (name not in violations or (wanted > 1 and name not in complete())) \
                                and not predicate(state):
                            record(name, state)
                countdown -= 1
                if not countdown:
                    now = time.perf_counter()
                    interval = next_check(interval, now - last_check)
                    countdown, last_check = interval, now
                    if stop_requested:
                        stopped_by = "interrupted"
                    elif deadline is not None and now >= deadline:
                        stopped_by = "time_limit"
                    elif limits.max_memory is not None and resident_megabytes() >= limits.max_memory:
                        stopped_by = "max_memory"
                    if stopped_by in ("interrupted", "time_limit", "max_memory"):
                        resume_at = position + 1
                        break
                    if checkpoint is not None and checkpoint.due(now):
                        checkpoint.write(level_start if closed else snapshot_at(position + 1, kept=False))
                    if progress is not None and now >= next_report:
                        next_report = now + progress_interval
                        progress(Progress(len(parents), generated, len(next_level), depth, now - started))
            start = 0
            if resume_at is not None:
                if checkpoint is not None:
                    final = level_start if closed else snapshot_at(resume_at, kept=False)
                break
            if closed:
                if checkpoint is not None:
                    final = level_start
                break
            level = next_level
            next_level = []                 # (a snapshot taken part way into the first expansion of a
            if level:                       # level keeps the successors it had found: see _LimitReached)
                depth += 1
            if not keep_going and all_decided(properties, complete(), witnesses):
                break
    except KeyboardInterrupt:
        stopped_by = "interrupted"
        if checkpoint is not None:
            warnings.append(f"stopped during an expansion: the checkpoint to resume from is the last one written "
                            f"({checkpoint.path}, if any)")
    except _LimitReached:
        stopped_by = "max_states"
        resume_at = position
        if checkpoint is not None:
            # The state at `position` was partly expanded: the snapshot takes its counts back, so a resumed search
            # expands it again from the start (its successors found so far are recognised as found).
            final = snapshot_at(position)
            for earlier, step in indexed_steps[:index + 1]:
                final.fired[earlier] -= len(step(state) or ())
            while final.edges and final.edges[-1][0] is state:
                final.edges.pop()
    except ModelcheckError:
        raise
    except Exception as error:
        raise model_error(model, actions, properties, state, error) from error
    finally:
        if collecting:
            gc.enable()
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    if checkpoint is not None and (stopped_by != "interrupted" or final is not None):
        try:
            checkpoint.write(final or snapshot_at(0, kept=False))   # at a level boundary: the next level
            if stopped_by is not None:
                warnings.append(f"checkpoint written, to go on from: {checkpoint.path}")
        except KeyboardInterrupt:
            stopped_by = "interrupted"
            warnings.append(f"Ctrl-C while the checkpoint was written: {checkpoint.path} is the one written "
                            f"before, if any")

    seconds = time.perf_counter() - started
    early = (stopped_by is None and bool(level) and not keep_going
             and all_decided(properties, complete(), witnesses))
    if resume_at is not None:               # stopped part way through a level
        queued = len(level) - resume_at + len(next_level)
    else:
        queued = len(level) if stopped_by or early else 0
    coverage = coverage_of(actions, fired)
    if stopped_by is None and not early:
        never = never_fired_warning(coverage, actions)
        if never:
            warnings.append(never)

    graph = []
    out_of_time = []
    cut_by: list[str] = []                  # the limit that cut the temporal checks short

    def lasso(prop):
        if "interrupted" in cut_by:         # Ctrl-C during an earlier property's check: no more checks
            out_of_time.append(prop.name)
            return UNDECIDED
        try:
            if not graph:
                graph.append(liveness.FairGraph(model, parents, edges, deadline=deadline,
                                                max_memory=limits.max_memory))
            return liveness.counterexample(graph[0], prop)
        except liveness.OutOfTime as cut:
            out_of_time.append(prop.name)
            cut_by.append(cut.reason)
            return UNDECIDED
        except KeyboardInterrupt:
            out_of_time.append(prop.name)
            cut_by.append("interrupted")
            return UNDECIDED

    results = decide(model, properties, violations=violations, witnesses=witnesses,
                     path_of=lambda state: path_to(parents, state), canonical=canonical,
                     stopped_by=stopped_by, early=early, liveness=lasso, more=more)
    if graph or out_of_time:
        seconds = time.perf_counter() - started    # the temporal checks are part of the work
    if out_of_time:
        stopped_by = cut_by[0]
        limit = {"time_limit": "the time limit ran out", "max_memory": "the memory limit was reached",
                 "interrupted": "Ctrl-C came"}[stopped_by]
        warnings.append(f"{limit} while the temporal properties were checked after the search "
                        f"(every state was explored): {', '.join(out_of_time)} bounded")
    stats = Stats(distinct=len(parents), generated=generated, depth=depth, seconds=seconds,
                  terminal=terminal, queue=queued,
                  peak_memory_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  workers=1, coverage=coverage)
    result = Result(model=model.name, properties=results, stats=stats, stopped_by=stopped_by,
                    warnings=warnings, parameters=dict(getattr(model, "parameters", {}) or {}), limits=limits)
    if reducer is not None and stopped_by != "interrupted":
        result = reductions.shortest_counterexamples(model, result, limits, symmetry=symmetry, progress=progress)
    return result
