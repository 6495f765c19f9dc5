"""The explicit-state model checking engine: generic, and ignorant of actors and of Kafka.

`explore(model)` enumerates every reachable state of a `Model` breadth-first and returns a `Result`
with a verdict per property and a shortest counterexample trace for every violation; `simulate(model)`
checks the safety properties on random runs instead (`simulation`), for models too big to explore.
"""

from __future__ import annotations

from modelcheck.engine.checkpoint import Checkpoint, CheckpointError
from modelcheck.engine.fingerprint_bfs import EXACT, FINGERPRINT, SEEN_SETS
from modelcheck.engine.label import StepLabel
from modelcheck.engine.limits import Limits, Progress
from modelcheck.engine.model import (ALWAYS, ALWAYS_EVENTUALLY, ALWAYS_STEP, AT_END, DEADLOCK, EVENTUALLY,
                                     EVENTUALLY_ALWAYS, LEADS_TO, SOMETIMES, STRONG, TEMPORAL, UNFAIR, WEAK,
                                     Action, Model, Property, always, always_eventually, always_step, at_end,
                                     eventually, eventually_always, leads_to, sometimes)
from modelcheck.engine.result import (BOUNDED, HOLDS, VIOLATED, PropertyResult, Result, Stats, Trace,
                                      TraceStep)
from modelcheck.engine.reduction import Independence
from modelcheck.engine.simulation import simulate
from modelcheck.engine.trace import check_replays
from modelcheck.errors import ModelcheckError


def explore(model, *, max_states: int | None = None, max_depth: int | None = None,
            time_limit: float | None = None, workers: int = 1, symmetry: bool = True,
            progress=None, max_memory: int | None = None, checkpoint: Checkpoint | None = None,
            counterexamples: int = 1, keep_going: bool = False, reduction: str = "none",
            seen_set: str = EXACT) -> Result:
    """Explore `model` exhaustively within the limits; see `modelcheck.engine.bfs`.

    `workers` > 1 searches with that many processes (`modelcheck.engine.parallel`), with the same
    counts and verdicts; 0 means one per core. `max_memory` (megabytes) stops the search when its
    process holds that much (with workers, each worker its share). `checkpoint` writes the search to a
    file at intervals and when it ends, and resumes from it (`modelcheck.engine.checkpoint`); only the
    one-process search does. `counterexamples` > 1 keeps checking a violated safety property until that
    many violating states (or steps) are found, each given its shortest trace (`PropertyResult.more`);
    `keep_going` explores the whole graph even when every verdict is decided (TLC's -continue).
    `reduction="por"` applies partial-order reduction where the model declares the independence of its
    steps (`modelcheck.engine.reduction`); the parallel search does not.
    `seen_set` "fingerprint" keeps 64-bit fingerprints of the states instead of the states
    (`modelcheck.engine.fingerprint_bfs`): a few bytes a state, at a small, printed risk of a collision
    hiding states; one process, no checkpoints. A model with temporal properties, which are checked on
    the recorded state graph, is searched with the exact seen-set instead, and its result says so.
    """
    if counterexamples < 1:
        raise ValueError(f"counterexamples must be at least 1, not {counterexamples}")
    if seen_set not in SEEN_SETS:
        raise ValueError(f"seen_set must be one of {', '.join(SEEN_SETS)}, not {seen_set!r}")
    limits = Limits(max_states=max_states, max_depth=max_depth, time_limit=time_limit, max_memory=max_memory)
    if workers == 0:
        import os
        workers = os.cpu_count() or 1
    if seen_set == FINGERPRINT:
        if workers > 1:
            raise ModelcheckError("the fingerprint seen-set is kept by the one-process search: leave out "
                                  "--workers, or use the exact seen-set")
        if checkpoint is not None:
            raise ModelcheckError("checkpoints are written by the exact search (they hold its states): leave "
                                  "out --checkpoint and --resume, or use the exact seen-set")
        if reduction != "none":
            raise ModelcheckError("partial-order reduction is the exact search's: leave out --reduction, or "
                                  "use the exact seen-set")
        temporal = [p.name for p in model.get_properties() if p.kind in TEMPORAL]
        if not temporal:
            from modelcheck.engine.fingerprint_bfs import fingerprint_bfs
            return fingerprint_bfs(model, limits, symmetry=symmetry, progress=progress,
                                   counterexamples=counterexamples, keep_going=keep_going)
        from modelcheck.engine.bfs import bfs
        result = bfs(model, limits, symmetry=symmetry, progress=progress, counterexamples=counterexamples,
                     keep_going=keep_going)
        result.warnings.insert(0, f"the fingerprint seen-set is off: the temporal properties ({', '.join(temporal)}) "
                                  f"are checked on the recorded state graph, which needs the states; searched with "
                                  f"the exact seen-set")
        return result
    if workers > 1:
        if checkpoint is not None:
            raise ModelcheckError("checkpoints are written by the one-process search: leave out workers")
        if reduction != "none":
            raise ModelcheckError("partial-order reduction is for the one-process search: leave out workers "
                                  "or --reduction")
        from modelcheck.engine.parallel import parallel_bfs
        return parallel_bfs(model, limits, workers=workers, symmetry=symmetry, progress=progress,
                            counterexamples=counterexamples, keep_going=keep_going)
    from modelcheck.engine.bfs import bfs
    return bfs(model, limits, symmetry=symmetry, progress=progress, checkpoint=checkpoint,
               counterexamples=counterexamples, keep_going=keep_going, reduction=reduction)


__all__ = [
    "StepLabel", "EXACT", "FINGERPRINT", "SEEN_SETS",
    "ALWAYS", "ALWAYS_EVENTUALLY", "ALWAYS_STEP", "AT_END", "BOUNDED", "DEADLOCK", "EVENTUALLY",
    "EVENTUALLY_ALWAYS", "HOLDS", "LEADS_TO", "SOMETIMES", "STRONG", "TEMPORAL", "UNFAIR", "VIOLATED", "WEAK",
    "Action", "Checkpoint", "CheckpointError", "Independence", "Limits", "Model", "Progress", "Property", "PropertyResult", "Result", "Stats", "Trace",
    "TraceStep", "always", "always_eventually", "always_step", "at_end", "check_replays", "eventually",
    "eventually_always", "explore", "leads_to", "simulate", "sometimes",
]
