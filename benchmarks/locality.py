"""How well a partition key suits the parallel search, on TwoPhase: locality and balance per level.

    python3 benchmarks/locality.py                # rms = 7, 2 workers
    python3 benchmarks/locality.py --rms 8 --workers 4

The parallel search (`modelcheck/engine/parallel.py`) gives each state to one worker, by the hash of the
state or, when the model names one, of its `partition` key. This script explores TwoPhase on one process,
level by level, and for each candidate key assigns the states to workers exactly as the parallel search
would at the start (`parallel.owner_function`; the buckets the search moves between workers to even out
their shares stay put here), then prints:

- `stay`: the share of generated successors (every step, duplicates included) that belong to the owner of
  the state they were generated from; the others are looked up by a worker that does not own them;
- `shipped`: the distinct states that some worker generates but does not own, summed over the workers,
  as a share of all distinct states: each is hashed, stored and sent once more than in one process;
- `owned`: states per worker;
- `level balance`: the sum over BFS levels of the busiest worker's share of the level, over the sum of
  the even shares (1.00 is perfect; the search waits for the busiest worker at every level), before
  the search moves buckets.

The candidates are the model's own key (`model.partition`, the TM's set of received Prepared messages),
no key (hash of the whole state, the default), and other keys one might try, for comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def candidates(model) -> dict:
    """Name -> partition key (None: hash of the whole state). States are (rm_state, tm_state,
    tm_prepared, msgs), see specs/two_phase_commit.py."""
    return {
        "whole state (no key)": None,
        "model.partition (tm_prepared)": model.partition,
        "tm_state, tm_prepared": lambda state: (state[1], state[2]),
        "rm_state[0]": lambda state: state[0][0],
        "rm_state[0:2]": lambda state: state[0][:2],
        "rm_state[0:3]": lambda state: state[0][:3],
        "msgs": lambda state: state[3],
    }


def measure(model, workers: int) -> list[tuple[str, dict]]:
    from modelcheck.engine.parallel import owner_function

    keys = candidates(model)
    owner_functions = {name: owner_function(key, workers) for name, key in keys.items()}
    steps = [action.step for action in model.get_actions()]
    owners = {name: {} for name in keys}                # name -> state -> owner
    stay = dict.fromkeys(keys, 0)
    shipped = {name: [set() for _ in range(workers)] for name in keys}
    per_level = {name: [] for name in keys}             # name -> [owned per worker] per level
    generated = 0
    level = list(dict.fromkeys(model.get_initial_states()))
    seen = set(level)
    while level:
        for name, owner_of in owner_functions.items():
            counts = [0] * workers
            table = owners[name]
            for state in level:
                table[state] = owner = owner_of(state)
                counts[owner] += 1
            per_level[name].append(counts)
        next_level = []
        for state in level:
            successors = [successor for step in steps for _label, successor in step(state)]
            generated += len(successors)
            for successor in successors:
                if successor not in seen:
                    seen.add(successor)
                    next_level.append(successor)
            for name, owner_of in owner_functions.items():
                table = owners[name]
                mine = table[state]
                out = shipped[name][mine]
                for successor in successors:
                    owner = table.get(successor)
                    if owner is None:
                        owner = owner_of(successor)
                    if owner == mine:
                        stay[name] += 1
                    else:
                        out.add(successor)
        level = next_level
    distinct = len(seen)
    rows = []
    for name in keys:
        levels = per_level[name]
        rows.append((name, {
            "stay": stay[name] / generated,
            "shipped": sum(len(out) for out in shipped[name]) / distinct,
            "owned": [sum(counts[w] for counts in levels) for w in range(workers)],
            "balance": sum(max(counts) for counts in levels) / (distinct / workers),
        }))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rms", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("two_phase_commit", ROOT / "specs" / "two_phase_commit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.model(args.rms, symmetry=False)
    print(f"TwoPhase(rms={args.rms}), {args.workers} workers\n")
    print("| key | stay | shipped | owned per worker | level balance |")
    print("|---|---:|---:|---|---:|")
    for name, row in measure(model, args.workers):
        owned = " / ".join(f"{count:,}" for count in row["owned"])
        print(f"| {name} | {row['stay']:.1%} | {row['shipped']:.1%} | {owned} | {row['balance']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
