"""Checkpoints: a breadth-first search written to a file, so a killed or stopped run can be resumed.

A `Snapshot` is everything `bfs` needs to go on exactly where it was: the parent link of every state
found, the level being expanded and how far into it the search got, the part of the next level found
so far, the counters (generated, terminal, per-action coverage, depth, seconds), the states that
decided a property (and the further counterexamples found), and for models with temporal properties
the recorded edges (with the index of the action of each) and terminal states. A search resumed from
one reaches the counts, verdicts and traces of a search never stopped: the queue keeps its order, so
the first violating state of each property, and the path by which it was first reached, are the same
(`tests/test_checkpoint.py` kills a run with SIGKILL midway and compares).

A snapshot is written only where the search is consistent: between two expansions (never during
one), at the start of a level that a depth bound closes (so a larger bound can go on), and after a
state limit with the partly expanded state's counts taken back. `bfs` writes one at intervals
(`Checkpoint.interval` seconds) and when the search ends, whatever ended it.

The file is a pickle (the states are the model's own values, which only pickle can write in general),
written to a temporary file, flushed to disk and renamed over the last one, so a kill during the
write leaves the previous checkpoint whole. A checkpoint names what it was written for (`identity`:
the model's name, parameters, actions and properties, whether symmetry was on, the version of
modelcheck, and what the caller adds, such as a Kafka spec's settings); resuming it for anything else
is refused, because the counts would silently mix two models. Reading a checkpoint runs pickle, so
resume only checkpoints you wrote (as with any pickle).

Left out: the parallel search (`parallel`) writes no checkpoint; a run with several workers is
resumed on one process. Writing costs time and, while pickle walks the states, memory about the size
of the states again; the interval bounds the time.

TLC's `-checkpoint` / `-recover` are the model (TLC writes its fingerprint set and queue every 30
minutes by default).
"""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from modelcheck.errors import ModelcheckError

FORMAT = 2                       # the layout of a Snapshot; a file of another layout is refused
DEFAULT_INTERVAL = 300.0         # seconds between two checkpoints of a running search


class CheckpointError(ModelcheckError):
    """A checkpoint that cannot be read, written or resumed for this model."""


@dataclass
class Snapshot:
    """The state of a breadth-first search between two expansions."""

    identity: str
    parents: dict
    level: list
    position: int                 # the states of `level` before this one are expanded
    next_level: list
    depth: int
    generated: int
    terminal: int
    fired: list
    violations: dict
    witnesses: dict
    edges: list | None = None
    terminal_states: list | None = None
    seconds: float = 0.0          # search time spent before this snapshot, over every run
    more: dict = field(default_factory=dict)    # further counterexamples found (counterexamples > 1)
    format: int = FORMAT
    written: float = field(default_factory=time.time)


def identity_of(model, *, symmetry: bool, extra: str = "") -> str:
    """What a checkpoint of `model` was written for, as text (compared whole when resuming)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        release = version("modelcheck")
    except PackageNotFoundError:           # pragma: no cover - running from a source tree
        release = "source"
    actions = ",".join(action.name if action.fairness == "unfair" else f"{action.name}:{action.fairness}"
                       for action in model.get_actions())
    properties = ",".join(f"{prop.name}:{prop.kind}" for prop in model.get_properties())
    parameters = ",".join(f"{name}={value!r}" for name, value in sorted((getattr(model, "parameters", None)
                                                                          or {}).items()))
    return "\n".join([f"model: {model.name}", f"parameters: {parameters}", f"actions: {actions}",
                      f"properties: {properties}", f"symmetry: {'on' if symmetry else 'off'}",
                      f"constraint: {'yes' if getattr(model, 'constraint', None) is not None else 'no'}",
                      f"modelcheck: {release}", extra])


class Checkpoint:
    """Where one search's snapshots go, how often, and whether to start from the last one."""

    def __init__(self, path: str | os.PathLike, *, identity: str, interval: float = DEFAULT_INTERVAL,
                 resume: bool = False):
        self.path = Path(path)
        self.identity = identity
        self.interval = interval
        self.resume = resume
        self.written = 0                  # snapshots written by this run
        self.next_write = time.perf_counter() + interval

    def due(self, now: float) -> bool:
        return now >= self.next_write

    def load(self) -> Snapshot | None:
        """The snapshot to resume from, or None when there is none (the search then starts afresh)."""
        if not self.resume or not self.path.exists():
            return None
        collecting = gc.isenabled()
        gc.disable()                      # millions of tuples: the collector would walk them repeatedly
        try:
            with open(self.path, "rb") as file:
                snapshot = pickle.load(file)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError,
                TypeError) as error:
            raise CheckpointError(f"cannot read the checkpoint {self.path}: {error}") from None
        finally:
            if collecting:
                gc.enable()
        if not isinstance(snapshot, Snapshot) or snapshot.format != FORMAT:
            raise CheckpointError(f"{self.path} is not a checkpoint of this version of modelcheck")
        if snapshot.identity != self.identity:
            raise CheckpointError(
                f"the checkpoint {self.path} was written for another model or configuration; resume it "
                f"with the same spec, settings and options, or delete it to start afresh "
                f"({_first_difference(snapshot.identity, self.identity)})")
        return snapshot

    def write(self, snapshot: Snapshot) -> None:
        """Replace the last snapshot with `snapshot`, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp",
                                                 dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "wb") as file:
                pickle.dump(snapshot, file, protocol=pickle.HIGHEST_PROTOCOL)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException as error:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            if isinstance(error, (OSError, pickle.PicklingError, TypeError, AttributeError)):
                raise CheckpointError(f"cannot write the checkpoint {self.path}: {error}") from None
            raise
        self.written += 1
        self.next_write = time.perf_counter() + self.interval


def _first_difference(saved: str, wanted: str) -> str:
    """The first line of two identities that differs, short enough to read."""
    for before, now in zip(saved.splitlines(), wanted.splitlines()):
        if before != now:
            what = before.partition(":")[0]
            if len(before) + len(now) <= 120:
                return f"written for {before!r}, now {now!r}"
            return f"its {what} differ"
    return "its description differs"
