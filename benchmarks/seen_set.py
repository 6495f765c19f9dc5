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
        f"Date: {time.strftime('%Y-%m-%dT%H:%M%z')}; load average at start: {load:.2f}",
        f"Command: python3 benchmarks/seen_set.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip(),
        f"Baseline (a process that imported modelcheck and searched nothing): {mib(baseline)}",
        "```",
        "",
        "| model | seen-set | distinct | generated | CPU seconds | distinct states/CPU s | peak memory | "
        "bytes/state | bytes/state above baseline | fingerprint table + parent links | collision probability |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    table = "\n".join(header + rows) + "\n"
    print(table)
    if arguments.out is not None:
        arguments.out.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
