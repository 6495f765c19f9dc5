"""Breadth-first search with a compact seen-set: fingerprints, parent numbers, a compressed frontier.

The same search as `bfs` (levels in the same order, the same properties checked at the same points,
the same counts, verdicts and shortest traces when no two states share a fingerprint), with what it
keeps per state cut from a Python object to a few bytes:

- the seen-set is a `fingerprints.FingerprintSet` of 64-bit fingerprints (11 to 21 bytes a state);
- states are numbered in the order they are found; each keeps which of its parent's successors it was,
  and each expanded state how many new states it found, from which the parent of a state is counted
  (`parent_links`: about 2 bytes a state, where a parent's number would take 4; Stateright's `path.rs`
  and TLC's trace file keep a parent link per state too);
- the states waiting to be expanded are kept as compressed bytes (`frontier.Frontier`);
- the last few thousand successors met are kept as they are (`RECENT`), so that most repeated visits
  are recognised without encoding and hashing the state.

A trace is rebuilt by replay: follow the parent numbers back to an initial state, then compute the
model's successors again along the path and take the recorded one at each step. The state reached
must be the one recorded; when it is not, the model is nondeterministic and `NondeterminismError`
says so, as `trace.replay` does.

A collision (two states with one fingerprint) hides the second state. The result says how likely one
was (`Stats.fingerprints`, printed as TLC prints its estimate): a violation found is real, but a
"holds" holds with that probability.

Left out, each refused with a `ModelcheckError` that says what to do: the temporal properties (they
are checked on the recorded state graph, which this search does not keep; `engine.explore` searches
such a model with the exact seen-set instead, and says so), checkpoints, the parallel search and the
partial-order reduction of `bfs`.
"""

from __future__ import annotations

import gc
import resource
import time
from array import array
from typing import Any, NamedTuple

from marshal import dumps

from modelcheck.engine.encoding import MARSHAL_VERSION, NOT_PLAIN, Encoder, UnencodableState
from modelcheck.engine.fingerprints import WIDTH, FingerprintSet, blake2b, collision_probability, fingerprint
from modelcheck.engine.frontier import Frontier
from modelcheck.engine.limits import Limits, Progress, ProgressCallback, next_check
from modelcheck.engine.memory import resident_megabytes
from modelcheck.engine.parent_links import ParentLinks, largest, widen
from modelcheck.engine.model import ALWAYS, ALWAYS_STEP, AT_END, SOMETIMES, TEMPORAL
from modelcheck.engine.diagnose import initial_states, model_error
from modelcheck.engine.result import FingerprintStats, Result, Stats
from modelcheck.engine.trace import Beyond, RecordedPath, follow_positions
from modelcheck.engine.verdicts import Violations, all_decided, coverage_of, decide, never_fired_warning
from modelcheck.errors import InvalidModel, ModelcheckError

EXACT = "exact"                     # the seen-sets a search may keep: states as they are (`bfs`)
FINGERPRINT = "fingerprint"         # or their fingerprints (this module)
SEEN_SETS = (EXACT, FINGERPRINT)
# The successors met last, kept as they are (two generations of RECENT, the older dropped when the newer
# fills): a successor among them is a state found already, known without encoding it. Most repeats come
# soon after the first visit in breadth-first order (the two paths round a diamond start from states
# expanded near each other): on TwoPhase rms = 7, 85% of the 2.4 million repeats are caught, and a
# membership test costs a fifth of an encoding and a hash. 8,192 states at most: 2 MB on TwoPhase.
RECENT = 1 << 12


class Numbered(NamedTuple):
    """A reference to a recorded state: its number and the state (to check its replay against)."""

    number: int
    state: Any


class _LimitReached(Exception):
    """Raised in the search loop the moment max_states distinct states are found."""


def fingerprint_bfs(model, limits: Limits = Limits(), *, symmetry: bool = True,
                    progress: ProgressCallback | None = None, progress_interval: float = 1.0,
                    counterexamples: int = 1, keep_going: bool = False, width: int = WIDTH) -> Result:
    """Explore every state of `model` reachable within `limits`, keeping fingerprints of `width` bits
    (64; fewer only to test what a collision does); see the module docstring."""
    started = time.perf_counter()
    actions = model.get_actions()
    if not actions:
        raise InvalidModel(f"model {model.name!r} has no actions")
    properties = model.get_properties()
    temporal = [p.name for p in properties if p.kind in TEMPORAL]
    if temporal:
        raise ModelcheckError(f"model {model.name!r} has temporal properties ({', '.join(temporal)}), checked on "
                              f"the recorded state graph, which the fingerprint search does not keep: use the "
                              f"exact seen-set (--seen-set exact)")
    steps = [action.step for action in actions]
    indexed_steps = list(enumerate(steps))
    canonical = model.canonical if symmetry else None
    constraint = getattr(model, "constraint", None)
    invariants = [(p.name, p.predicate) for p in properties if p.kind == ALWAYS]
    at_ends = [(p.name, p.predicate) for p in properties if p.kind == AT_END]
    open_sometimes = [(p.name, p.predicate) for p in properties if p.kind == SOMETIMES]
    step_checks = [(p.name, p.predicate) for p in properties if p.kind == ALWAYS_STEP]
    found_violations = Violations(counterexamples)
    violations, more = found_violations.first, found_violations.more
    record, complete = found_violations.record, found_violations.complete
    witnesses: dict[str, object] = {}
    wanted = counterexamples
    warnings: list[str] = []

    encoder = Encoder()
    encode = encoder.encode
    general = encoder.general_bytes
    shift = 64 - width
    from_bytes = int.from_bytes
    seen = FingerprintSet(width)
    add = seen.add
    positions = array("B")                  # per state found: its position among its parent's successors
    children = array("B")                   # per state expanded: the new states it found (`parent_links`)
    widest = largest(positions)
    most = largest(children)
    generated = terminal = 0
    fired = [0] * len(actions)
    stopped_by = None
    max_states, max_depth = limits.max_states, limits.max_depth
    deadline = started + limits.time_limit if limits.time_limit else None
    next_report = started + progress_interval
    checking = bool(invariants or open_sometimes)

    def found(state, number):
        nonlocal invariants, open_sometimes, checking
        for name, predicate in invariants:
            if not predicate(state):
                if record(name, Numbered(number, state)):
                    invariants = [inv for inv in invariants if inv[0] != name]
        for name, predicate in open_sometimes:
            if predicate(state):
                witnesses[name] = Numbered(number, state)
                open_sometimes = [s for s in open_sometimes if s[0] != name]
        checking = bool(invariants or open_sometimes)

    def fingerprint_of(state) -> tuple[int, bytes, bool]:
        canonical_bytes, restores = encode(state)
        return fingerprint(canonical_bytes, width), canonical_bytes, restores

    level = Frontier()
    for position, state in initial_states(model, canonical):
        generated += 1
        try:
            number_print, canonical_bytes, restores = fingerprint_of(state)
            if constraint is not None and not constraint(state):
                for name, predicate in invariants:
                    if not predicate(state):
                        record(name, Beyond(None, None, state), outside=True)
                invariants = [inv for inv in invariants if inv[0] not in complete()]
                checking = bool(invariants or open_sometimes)
                continue
            if not add(number_print):
                continue
            while position > widest:
                positions = widen(positions)
                widest = largest(positions)
            positions.append(position)
            if restores:
                level.append(canonical_bytes)
            else:
                level.append_state(state)
            found(state, len(positions) - 1)
        except UnencodableState as error:
            raise _unencodable(model, error) from None
        except ModelcheckError:
            raise
        except Exception as error:
            raise model_error(model, actions, properties, state, error, initial=True) from error
    initial = len(positions)
    depth = 1 if level else 0
    level_base = 0                          # the number of the first state of `level`
    interval = countdown = 1
    last_check = time.perf_counter()
    collecting = gc.isenabled()
    remaining = 0                           # states found but not expanded when the search stopped
    state = None
    number = -1                             # the number of the state being expanded
    before = 0                              # the states found before its expansion
    recent: set = set()                     # the successors met last, in two generations (RECENT)
    older: set = set()
    gc.disable()
    try:
        while level:
            if max_states is not None and len(positions) >= max_states:
                stopped_by = "max_states"
                remaining = len(level)
                break
            closed = max_depth is not None and depth >= max_depth
            plain = (canonical is None and not closed and max_states is None and constraint is None
                     and not step_checks)
            next_level = Frontier()
            append, append_state = next_level.append, next_level.append_state
            size = len(level)
            number = level_base - 1
            for state in level.drain():
                number += 1
                enabled = 0
                before = len(positions)
                for index, step in indexed_steps:
                    successors = step(state)
                    if not successors:
                        continue
                    count = len(successors)
                    fired[index] += count
                    if plain:               # encoding.Encoder.encode and fingerprints.fingerprint, inlined
                        for choice, (_label, successor) in enumerate(successors, enabled):
                            if successor in recent or successor in older:
                                continue
                            recent.add(successor)
                            if len(recent) >= RECENT:
                                older, recent = recent, set()
                            try:
                                canonical_bytes = dumps(successor, MARSHAL_VERSION)
                                restores = len(canonical_bytes.translate(None, NOT_PLAIN)) == len(canonical_bytes)
                            except ValueError:
                                restores = False
                            if not restores:
                                canonical_bytes = general(successor)
                            if add(from_bytes(blake2b(canonical_bytes, digest_size=8).digest(), "little")
                                   >> shift or 1):
                                while choice > widest:
                                    positions = widen(positions)
                                    widest = largest(positions)
                                positions.append(choice)
                                if restores:
                                    append(canonical_bytes)
                                else:
                                    append_state(successor)
                                if checking:
                                    found(successor, len(positions) - 1)
                        enabled += count
                        continue
                    for choice, (label, successor) in enumerate(successors, enabled):
                        if step_checks:
                            for name, predicate in step_checks:
                                if not predicate(state, label, successor):
                                    if record(name, Beyond(Numbered(number, state), label, successor
                                                           if canonical is None else canonical(successor))):
                                        step_checks = [c for c in step_checks if c[0] != name]
                        if canonical is not None:
                            successor = canonical(successor)
                        if constraint is not None and not constraint(successor):
                            for name, predicate in invariants:
                                if not predicate(successor) and record(
                                        name, Beyond(Numbered(number, state), label, successor), outside=True):
                                    invariants = [inv for inv in invariants if inv[0] != name]
                                    checking = bool(invariants or open_sometimes)
                            continue
                        number_print, canonical_bytes, restores = fingerprint_of(successor)
                        if closed:
                            if number_print not in seen:
                                stopped_by = "max_depth"
                            continue
                        if not add(number_print):
                            continue
                        while choice > widest:
                            positions = widen(positions)
                            widest = largest(positions)
                        positions.append(choice)
                        if restores:
                            append(canonical_bytes)
                        else:
                            append_state(successor)
                        if checking:
                            found(successor, len(positions) - 1)
                        if max_states is not None and len(positions) >= max_states:
                            raise _LimitReached
                    enabled += count
                generated += enabled
                new = len(positions) - before
                while new > most:
                    children = widen(children)
                    most = largest(children)
                children.append(new)
                if not enabled:
                    terminal += 1
                    for name, predicate in at_ends:
                        if (name not in violations or (wanted > 1 and name not in complete())) \
                                and not predicate(state):
                            record(name, Numbered(number, state))
                countdown -= 1
                if not countdown:
                    now = time.perf_counter()
                    interval = next_check(interval, now - last_check)
                    countdown, last_check = interval, now
                    if deadline is not None and now >= deadline:
                        stopped_by = "time_limit"
                    elif limits.max_memory is not None and resident_megabytes() >= limits.max_memory:
                        stopped_by = "max_memory"
                    if stopped_by in ("time_limit", "max_memory"):
                        break
                    if progress is not None and now >= next_report:
                        next_report = now + progress_interval
                        progress(Progress(len(positions), generated, len(positions) - number - 1, depth,
                                          now - started))
            if stopped_by in ("time_limit", "max_memory"):
                remaining = len(positions) - number - 1
                break
            if closed:
                remaining = size
                break
            level_base += size
            level = next_level
            if level:
                depth += 1
            if not keep_going and all_decided(properties, complete(), witnesses):
                remaining = len(level)
                break
    except KeyboardInterrupt:
        stopped_by = "interrupted"
        remaining = len(positions) - max(number, level_base)
    except _LimitReached:
        stopped_by = "max_states"
        remaining = len(positions) - number
    except UnencodableState as error:
        raise _unencodable(model, error) from None
    except ModelcheckError:
        raise
    except Exception as error:
        raise model_error(model, actions, properties, state, error) from error
    finally:
        if collecting:
            gc.enable()
        if len(children) == number:         # stopped part way through an expansion: what it found so far
            while len(positions) - before > largest(children):
                children = widen(children)
            children.append(len(positions) - before)
    links = ParentLinks(initial, children, positions)

    seconds = time.perf_counter() - started
    early = (stopped_by is None and remaining > 0 and not keep_going
             and all_decided(properties, complete(), witnesses))
    if stopped_by is None and not early:
        remaining = 0
    coverage = coverage_of(actions, fired)
    if stopped_by is None and not early:
        never = never_fired_warning(coverage, actions)
        if never:
            warnings.append(never)

    def path_of(reference) -> list:
        if type(reference) is Beyond:
            if reference.before is None:
                return [reference.after]
            path = path_of(reference.before)
            return RecordedPath(path + [reference.after], [None] * (len(path) - 1) + [reference.label])
        return _rebuild(model, links, reference, canonical)

    results = decide(model, properties, violations=violations, witnesses=witnesses, path_of=path_of,
                     canonical=canonical, stopped_by=stopped_by, early=early, more=more)
    distinct = len(positions)
    print_stats = FingerprintStats(width=width, probability=collision_probability(distinct, generated, width),
                                   table_bytes=seen.nbytes,
                                   link_bytes=links.nbytes)
    stats = Stats(distinct=distinct, generated=generated, depth=depth, seconds=seconds, terminal=terminal,
                  queue=remaining, peak_memory_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  workers=1, coverage=coverage, fingerprints=print_stats)
    return Result(model=model.name, properties=results, stats=stats, stopped_by=stopped_by, warnings=warnings,
                  parameters=dict(getattr(model, "parameters", {}) or {}), limits=limits)


def _unencodable(model, error: UnencodableState) -> InvalidModel:
    return InvalidModel(f"model {model.name!r}: {error}; or search with the exact seen-set (--seen-set exact)")


def _rebuild(model, links: ParentLinks, reference: Numbered, canonical) -> list:
    """The recorded states from an initial state to the one `reference` names, by replay."""
    number, expected = reference
    way = []
    parent = links.parent(number)
    while parent is not None:
        way.append(links.positions[number])
        number, parent = parent, links.parent(parent)
    way.reverse()
    return follow_positions(model, links.positions[number], way, expected, canonical)
