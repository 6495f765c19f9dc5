"""The seen-set's cost: exact states against 64-bit fingerprints, on TwoPhase, memory and CPU per state.

    python3 benchmarks/seen_set.py                        # rms = 7, 8, both seen-sets (about 2 minutes)
    python3 benchmarks/seen_set.py --rms 9 --seen-set fingerprint     # about 5 CPU minutes, 240 MB
    python3 benchmarks/seen_set.py --out benchmarks/seen_set.md       # the table, with the machine

Each search runs in a process of its own (`modelcheck explore`'s engine call, `engine.explore` with
`seen_set`), so its peak resident size (`ru_maxrss`) is its own. The table gives distinct and generated
states (equal between the seen-sets when no collision happened, else the script stops with an error),
CPU seconds of the search (user + system time of the process, which a shared machine disturbs less than
wall time), the peak resident size over the distinct states (the interpreter and modelcheck's modules
included: `baseline`, the size of a process that imported them and searched nothing, is given too),
what the fingerprint search's own structures hold (the table, the parent numbers and positions), and
the collision probability it printed. Issue 10, item 3 asks for at most 24 bytes a state at rms = 9
(10,340,352 states) in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from modelcheck.engine import explore
from modelcheck.spec import load_python_spec
model = load_python_spec({spec!r}, {{"rms": "{rms}"}})
if {search}:
    started = time.process_time()
    result = explore(model, seen_set={seen_set!r}, keep_going=True)
    cpu = time.process_time() - started
    stats = result.stats
    fingerprints = stats.fingerprints
    print(json.dumps({{"distinct": stats.distinct, "generated": stats.generated, "depth": stats.depth, "cpu": cpu,
                      "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "table": fingerprints.table_bytes if fingerprints else None,
                      "links": fingerprints.link_bytes if fingerprints else None,
                      "probability": fingerprints.probability if fingerprints else None}}))
else:
    print(json.dumps({{"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}}))
"""


def child(rms: int, seen_set: str | None) -> dict:
    code = CHILD.format(root=str(ROOT), spec=str(ROOT / "specs" / "two_phase_commit.py"), rms=rms,
                        search=seen_set is not None, seen_set=seen_set)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


ENCODING = """
import hashlib, json, sys, time
sys.path.insert(0, {root!r})
from modelcheck.engine import encoding
from modelcheck.engine.encoding import Encoder
from modelcheck.runner import load_models
from modelcheck.spec import load_python_spec

def generated(model, limit):
    # the successors a breadth-first search computes, in its order, duplicates included
    steps = [action.step for action in model.get_actions()]
    level = list(model.get_initial_states())
    seen, out = set(level), []
    while level and len(out) < limit:
        following = []
        for state in level:
            for step in steps:
                for _label, successor in step(state):
                    out.append(successor)
                    if successor not in seen:
                        seen.add(successor)
                        following.append(successor)
        level = following
    return out[:limit]

def per_state(function, states):
    started = time.process_time()
    for state in states:
        function(state)
    return (time.process_time() - started) / len(states) * 1e6

rows = []
for name, model in (("TwoPhase rms=7", load_python_spec({two_phase!r}, {{"rms": "7"}})),
                    ("Kafka transaction-read-committed", list(load_models({kafka!r}))[-1].model)):
    states = generated(model, 100_000)
    python_hash = per_state(hash, states)
    encoder = Encoder()
    encode = per_state(encoder.canonical_bytes, states)
    fast = sum(encoder.encode(state)[1] for state in states) / len(states)
    encoding.MEMO_BOUND = 1              # the general path without its memory of sub-values
    forgetful = per_state(Encoder().general_bytes, states[:5_000])
    encoding.MEMO_BOUND = 1 << 14
    data = [encoder.canonical_bytes(state) for state in states]
    blake = per_state(lambda item: int.from_bytes(hashlib.blake2b(item, digest_size=8).digest(), "little"), data)
    rows.append([name, len(states), python_hash, encode, fast, forgetful, blake, sum(map(len, data)) / len(data)])
print(json.dumps(rows))
"""


def encoding_rows() -> list[str]:
    code = ENCODING.format(root=str(ROOT), two_phase=str(ROOT / "specs" / "two_phase_commit.py"),
                           kafka=str(ROOT / "specs" / "transaction-read-committed.yaml"))
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    rows = []
    for name, count, python_hash, encode, fast, forgetful, blake, size in json.loads(output):
        rows.append(f"| {name} | {count:,} | {python_hash:.2f} | {encode:.2f} | {fast:.0%} | {forgetful:.2f} | "
                    f"{blake:.2f} | {size:.0f} |")
    return rows


def mib(count: int) -> str:
    return f"{count / 2 ** 20:,.1f} MiB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rms", default="7,8", help="resource managers, comma-separated (default 7,8)")
    parser.add_argument("--seen-set", choices=("exact", "fingerprint", "both"), default="both")
    parser.add_argument("--out", type=Path, default=None, help="also write the table (Markdown) to this file")
    arguments = parser.parse_args(argv)
    seen_sets = ("exact", "fingerprint") if arguments.seen_set == "both" else (arguments.seen_set,)
    load = os.getloadavg()[0]
    started = time.strftime('%Y-%m-%dT%H:%M%z')
    baseline = child(3, None)["peak"]
    rows = []
    for rms in (int(part) for part in arguments.rms.split(",")):
        found = {}
        for seen_set in seen_sets:
            measured = child(rms, seen_set)
            found[seen_set] = measured
            distinct = measured["distinct"]
            structures = ("" if measured["table"] is None else
                          f"{mib(measured['table'])} + {mib(measured['links'])}")
            probability = "" if measured["probability"] is None else f"{measured['probability']:.1E}"
            rows.append(f"| TwoPhase rms={rms} | {seen_set} | {distinct:,} | {measured['generated']:,} | "
                        f"{measured['cpu']:.1f} | {distinct / measured['cpu']:,.0f} | {mib(measured['peak'])} | "
                        f"{measured['peak'] / distinct:.1f} | {(measured['peak'] - baseline) / distinct:.1f} | "
                        f"{structures} | {probability} |")
            print(rows[-1], file=sys.stderr)
        if len(found) == 2:
            exact, compact = found["exact"], found["fingerprint"]
            if (exact["distinct"], exact["generated"]) != (compact["distinct"], compact["generated"]):
                print(f"error: the seen-sets disagree at rms={rms}: {exact} {compact}", file=sys.stderr)
                return 1
            rows.append(f"| | fingerprint / exact | | | {compact['cpu'] / exact['cpu']:.2f}× | | "
                        f"{compact['peak'] / exact['peak']:.2f}× | | | | |")
    header = [
        "```",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}; {platform.system()} {platform.release()}",
        f"Date: {started}; load average at start: {load:.2f}",
        f"Command: python3 benchmarks/seen_set.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip(),
        f"Baseline (a process that imported modelcheck and searched nothing): {mib(baseline)}",
        "```",
        "",
        "| model | seen-set | distinct | generated | CPU seconds | distinct states/CPU s | peak memory | "
        "bytes/state | bytes/state above baseline | fingerprint table + parent links | collision probability |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    encoding = [
        "",
        "The encoding of a state, per generated state (µs of CPU; `engine/encoding.py`): Python's own `hash()`",
        "of the state for comparison (not usable: salted for strings), the canonical encoding as the search",
        "computes it, the share of states that took marshal's fast path, the general path without its memory",
        "of sub-values, and BLAKE2b of the encoding.",
        "",
        "| states of | generated states | `hash()` | encoding | fast path | encoding without memory | BLAKE2b-64 | "
        "bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ] + encoding_rows()
    table = "\n".join(header + rows + encoding) + "\n"
    print(table)
    if arguments.out is not None:
        arguments.out.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
