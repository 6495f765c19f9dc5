"""Benchmark: TwoPhase (two-phase commit, TLA+ examples) with modelcheck on one process and on all
cores, and SPIN's compiled verifier on the same model when `spin` and `gcc` are installed.

    python3 benchmarks/run.py                 # rms = 5..9, one process and all cores, SPIN if present
    python3 benchmarks/run.py --quick         # rms = 5..7
    python3 benchmarks/run.py --rms 7,8 --repeat 3 --no-spin
    python3 benchmarks/run.py --no-hash-row   # skip the parallel run without the partition key
    python3 benchmarks/run.py --fixed-deal    # add a parallel run whose key buckets never move

Prints a Markdown table: distinct and generated states, seconds, distinct states per second, peak memory
and bytes per distinct state, and the speed-up of all cores over one process. The parallel search runs
twice: with the model's partition key (`Model.partition`, the TM's received Prepared messages, see
specs/two_phase_commit.py), and without it, states going to workers by the hash of the whole state (the
rows "whole-state hash"); with `--fixed-deal` a third time, with the key but without moving its buckets
between workers (rows "buckets fixed"). Every measurement runs in a fresh process, so peak memory (the
largest resident size, of the parent plus its workers) belongs to that run alone; with `--repeat N` the
fastest of N runs is shown (the configurations take turns, one run each per round). Symmetry reduction
is off, so the counts are TLC's and SPIN's. SPIN builds `benchmarks/anchors/twophase.pml` (the team's
anchor model; benchmarks/anchors/README.md says where it comes from) with `spin -DN=<rms> -a` and
`gcc -O2 -DNOREDUCE`, and runs `./pan -m100000` (exhaustive, no partial-order reduction); its "transitions" (stored + matched states) count what modelcheck calls
generated, and agree with it exactly. TLC is not installed here: benchmarks/README.md quotes the
anchor figures, labelled.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANCHOR = ROOT / "benchmarks" / "anchors" / "twophase.pml"


def measure_modelcheck(rms: int, workers: int, key: int = 1) -> dict:
    """One search of TwoPhase(rms) in this process (called in a fresh child by `run_modelcheck`); with
    `key` 0 the model's partition key is removed, with `key` 2 it is kept but its buckets never move
    between workers (the fixed deal of `parallel.bucket_owners`)."""
    sys.path.insert(0, str(ROOT))
    from modelcheck.engine import bfs, explore, parallel  # noqa: F401 (imported before the clock starts)
    spec = importlib.util.spec_from_file_location("two_phase_commit", ROOT / "specs" / "two_phase_commit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.model(rms, symmetry=False)
    if not key:
        model.partition = None
    if key == 2:
        parallel._REBALANCE_FROM = float("inf")
    before = _cpu_seconds()
    result = explore(model, workers=workers)
    cpu = _cpu_seconds() - before
    stats = result.stats
    verdicts = {name: prop.verdict for name, prop in result.properties.items()}
    return {"distinct": stats.distinct, "generated": stats.generated, "depth": stats.depth,
            "seconds": stats.seconds, "cpu": cpu, "peak": stats.peak_memory_bytes, "workers": stats.workers,
            "verdicts": verdicts, "stopped_by": result.stopped_by}


def _cpu_seconds() -> float:
    """User and system time of this process and of its finished children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_modelcheck(rms: int, workers: int, key: int = 1) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", str(rms), str(workers), str(int(key))],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_spin(rms: int, directory: Path) -> Path | None:
    """Compile SPIN's verifier for TwoPhase(rms); None when spin, gcc or the model is missing."""
    if not (shutil.which("spin") and shutil.which("gcc") and ANCHOR.exists()):
        return None
    work = directory / f"rms{rms}"
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(ANCHOR, work / "twophase.pml")
    subprocess.run(["spin", f"-DN={rms}", "-a", "twophase.pml"], cwd=work, check=True, capture_output=True)
    subprocess.run(["gcc", "-O2", "-DNOREDUCE", "-o", "pan", "pan.c"], cwd=work, check=True, capture_output=True)
    return work / "pan"


def run_spin(pan: Path) -> dict:
    """Run a compiled verifier; its own counts and time, and its peak resident size from wait4."""
    process = subprocess.Popen([str(pan), "-m100000"], cwd=pan.parent, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)

    exact = True

    def number(pattern):
        nonlocal exact
        found = re.search(pattern, output)
        if not found:
            raise RuntimeError(f"unexpected output of {pan}:\n{output}")
        text = found.group(1)
        exact = exact and "e" not in text       # pan prints large counts as 1.2355840e+08
        return float(text)

    transitions = number(r"([\d.e+]+) states, stored") + number(r"([\d.e+]+) states, matched")
    return {"distinct": int(number(r"([\d.e+]+) states, stored")), "generated": int(transitions),
            "generated_exact": exact,
            "seconds": number(r"elapsed time ([\d.e+-]+) seconds"),
            "cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss * 1024, "workers": 1, "errors": int(number(r"errors: (\d+)"))}


TOOLS = {1: "modelcheck", 0: "modelcheck, whole-state hash", 2: "modelcheck, key, buckets fixed"}


def fastest(runs: list[dict]) -> dict:
    return min(runs, key=lambda measured: measured["seconds"])


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return (f"{model}, {os.cpu_count()} cores, {memory:.0f} GiB; Python {platform.python_version()}; "
            f"{platform.system()} {platform.release()}")


def spin_version() -> str:
    out = subprocess.run(["spin", "-V"], capture_output=True, text=True)
    return out.stdout.strip()


def table(rows: list[dict]) -> str:
    lines = ["| rms | tool | workers | distinct | generated | seconds | CPU seconds | distinct states/s | peak memory "
             "| bytes/state | speed vs modelcheck on 1 process |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        speed = row["distinct"] / row["seconds"] if row["seconds"] else 0.0
        ratio = row.get("ratio")
        lines.append(
            f"| {row['rms']} | {row['tool']} | {row['workers']} | {row['distinct']:,} "
            f"| {'' if row.get('generated_exact', True) else '≈ '}{row['generated']:,} "
            f"| {row['seconds']:.2f} | {row['cpu']:.2f} | {speed:,.0f} | {row['peak'] / 2 ** 20:,.0f} MiB "
            f"| {row['peak'] / row['distinct']:,.0f} | {f'{ratio:.2f}×' if ratio else ''} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rms", default=None, help="comma-separated numbers of resource managers "
                                                   "(default 5,6,7,8,9)")
    parser.add_argument("--quick", action="store_true", help="rms = 5,6,7 only")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes for the parallel run (default: all cores)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is shown")
    parser.add_argument("--no-spin", action="store_true", help="skip SPIN even when installed")
    parser.add_argument("--no-hash-row", action="store_true",
                        help="skip the parallel run without the model's partition key")
    parser.add_argument("--fixed-deal", action="store_true",
                        help="also run the parallel search with the key but without moving its buckets")
    parser.add_argument("--measure", nargs=3, type=int, metavar=("RMS", "WORKERS", "KEY"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_modelcheck(*args.measure)))
        return 0
    sizes = [int(n) for n in args.rms.split(",")] if args.rms else ([5, 6, 7] if args.quick else [5, 6, 7, 8, 9])
    use_spin = not args.no_spin and shutil.which("spin") and shutil.which("gcc") and ANCHOR.exists()

    print(f"Machine: {machine()}")
    print(f"Date: {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}; "
          f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"Command: python3 benchmarks/run.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    if use_spin:
        print(f"SPIN: {spin_version()}")
    elif not args.no_spin:
        print("SPIN: not installed (apt-get install -y spin gcc), so not measured")
    print()
    rows = []

    def add(row):
        rows.append(row)
        print(table([row]).splitlines()[-1], file=sys.stderr, flush=True)

    keys = ([1] + [0] * (not args.no_hash_row) + [2] * args.fixed_deal) if args.workers > 1 else []
    with tempfile.TemporaryDirectory(prefix="twophase-spin-") as spin_dir:
        for rms in sizes:
            pan = build_spin(rms, Path(spin_dir)) if use_spin else None
            # Round-robin: one run of each configuration per round, so a burst of load from another job
            # lands on one run of each rather than on all runs of one; the fastest of each is kept.
            runs = {"one": [], **{key: [] for key in keys}, "spin": []}
            for _round in range(args.repeat):
                runs["one"].append(run_modelcheck(rms, 1))
                for key in keys:
                    runs[key].append(run_modelcheck(rms, args.workers, key))
                if pan is not None:
                    runs["spin"].append(run_spin(pan))
            one = fastest(runs["one"])
            add({"rms": rms, "tool": "modelcheck", **one})
            for key in keys:
                many = fastest(runs[key])
                if (many["distinct"], many["generated"], many["verdicts"]) != (
                        one["distinct"], one["generated"], one["verdicts"]):
                    raise SystemExit(f"rms={rms}: the parallel search disagrees with one process: "
                                     f"{many} != {one}")
                many["ratio"] = one["seconds"] / many["seconds"] if many["seconds"] else None
                add({"rms": rms, "tool": TOOLS[key], **many})
            if pan is not None:
                spin = fastest(runs["spin"])
                if spin["distinct"] != one["distinct"] or spin["errors"]:
                    raise SystemExit(f"rms={rms}: SPIN stored {spin['distinct']} states with "
                                     f"{spin['errors']} errors; modelcheck found {one['distinct']}")
                spin["ratio"] = one["seconds"] / spin["seconds"] if spin["seconds"] else None
                add({"rms": rms, "tool": "SPIN (pan, C)", **spin})
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
