"""Random simulation: many random runs of a model too big to explore, checking its safety properties.

`simulate(model, runs=, depth=, seed=)` starts each run in a random initial state and takes a random
enabled step, each with the same chance, until the run has `depth` steps, reaches a terminal state, or
steps outside the model's constraint. Every state a run visits is checked against the `always`
properties, every step against the `always_step` properties, and every terminal state against the
`at_end` properties (deadlocks included); a state outside the constraint against the invariants only,
as the exhaustive search does. The first violation of a property is kept, with its run.

A run is replayable: run `i` of seed `s` draws from `random.Random(f"{s}:{i}")`, whose sequence is the
same in every process and under every PYTHONHASHSEED, and the model's steps are a function of the state
(the engine's contract). The trace of a violation is the run up to it, replayed through the model like
any other trace (`trace.replay`), so it is concrete even under symmetry; it is not a shortest one.

A simulation never proves anything about all behaviours: a property it did not see violated is
`bounded`, never `holds` (`Result.stopped_by` is "simulation"). A `sometimes` property is `holds` only
when a run reached a state satisfying it, which is a proof. Temporal properties are not checked
(`bounded`). Counters: `distinct` is the number of different states the runs visited, `generated` the
initial states drawn plus the successors computed, `depth` the number of states of the longest run.

TLC's `-simulate` (with `-depth` and `-seed`) and Stateright's simulation checker are the model.
"""

from __future__ import annotations

import random
import time

from modelcheck.engine.limits import Limits
from modelcheck.engine.model import ALWAYS, ALWAYS_STEP, AT_END, SOMETIMES
from modelcheck.engine.result import BOUNDED, HOLDS, VIOLATED, PropertyResult, Result, Stats
from modelcheck.engine.trace import RecordedPath, replay
from modelcheck.engine.verdicts import coverage_of

SIMULATION = "simulation"        # Result.stopped_by of a simulation: no verdict is a proof of `holds`


def run_random(seed: int, run: int) -> random.Random:
    """The random numbers of run `run` of seed `seed` (module docstring)."""
    return random.Random(f"{seed}:{run}")


def simulate(model, *, runs: int = 100, depth: int = 100, seed: int = 0, time_limit: float | None = None) -> Result:
    """Check `model`'s safety properties on `runs` random runs of at most `depth` steps each."""
    if runs < 1 or depth < 1:
        raise ValueError("runs and depth must be at least 1")
    started = time.perf_counter()
    deadline = started + time_limit if time_limit else None
    actions = model.get_actions()
    properties = model.get_properties()
    constraint = getattr(model, "constraint", None)
    initial_states = model.get_initial_states()
    invariants = [p for p in properties if p.kind == ALWAYS]
    step_checks = [p for p in properties if p.kind == ALWAYS_STEP]
    at_ends = [p for p in properties if p.kind == AT_END]
    sometimes = [p for p in properties if p.kind == SOMETIMES]
    found: dict[str, tuple] = {}           # property -> (run, recorded path)
    seen: set = set()
    fired = [0] * len(actions)
    generated = longest = terminal = 0
    stopped_by = SIMULATION
    completed = 0
    for run in range(runs):
        if deadline is not None and time.perf_counter() >= deadline:
            stopped_by = "time_limit"
            break
        rng = run_random(seed, run)
        state = initial_states[rng.randrange(len(initial_states))]
        generated += 1
        states, labels = [state], []

        def note(name, step=None):
            """Keep the run so far (and `step`, a (label, state) not yet taken) for a first violation."""
            if name not in found:
                extra = [] if step is None else [step]
                found[name] = (run, RecordedPath(states + [s for _l, s in extra], labels + [l for l, _s in extra]))

        inside = constraint is None or constraint(state)
        seen.add(state)
        for prop in invariants:
            if not prop.predicate(state):
                note(prop.name)
        for prop in sometimes:
            if prop.predicate(state):
                note(prop.name)
        while inside and len(labels) < depth:
            successors = []
            for index, action in enumerate(actions):
                steps = action.step(state)
                fired[index] += len(steps)
                successors.extend(steps)
            generated += len(successors)
            if not successors:
                terminal += 1
                for prop in at_ends:
                    if not prop.predicate(state):
                        note(prop.name)
                break
            label, after = successors[rng.randrange(len(successors))]
            for prop in step_checks:
                if not prop.predicate(state, label, after):
                    note(prop.name, (label, after))
            state = after
            states.append(state)
            labels.append(label)
            inside = constraint is None or constraint(state)
            if inside:
                seen.add(state)
            for prop in invariants:
                if not prop.predicate(state):
                    note(prop.name)
            if inside:
                for prop in sometimes:
                    if prop.predicate(state):
                        note(prop.name)
        longest = max(longest, len(states))
        completed += 1

    results = {}
    for prop in properties:
        verdict, trace = BOUNDED, None
        if prop.name in found:
            _run, path = found[prop.name]
            trace = replay(model, path)
            verdict = HOLDS if prop.kind == SOMETIMES else VIOLATED
        results[prop.name] = PropertyResult(prop.name, prop.kind, verdict, prop.description, trace)
    stats = Stats(distinct=len(seen), generated=generated, depth=longest,
                  seconds=time.perf_counter() - started, terminal=terminal, workers=1,
                  coverage=coverage_of(actions, fired))
    warnings = [f"random simulation: {completed:,} run{'s' if completed != 1 else ''} of at most {depth} steps, "
                f"seed {seed}; a property not seen violated is bounded, not proved"]
    runs_of = {name: run for name, (run, _path) in found.items()}
    for name, run in sorted(runs_of.items(), key=lambda item: item[1]):
        if results[name].verdict == VIOLATED:
            warnings.append(f"{name}: found in run {run} of seed {seed}")
    return Result(model=model.name, properties=results, stats=stats, stopped_by=stopped_by, warnings=warnings,
                  parameters=dict(getattr(model, "parameters", {}) or {}),
                  limits=Limits(max_depth=depth, time_limit=time_limit))
