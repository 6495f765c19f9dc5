"""Benchmark: the anchor models side by side, modelcheck on one process against SPIN's compiled verifier.

    python3 benchmarks/anchors.py                   # TwoPhase rms = 8 and KafkaALO N = 40
    python3 benchmarks/anchors.py --repeat 3        # fastest of 3 runs each (by CPU seconds)
    python3 benchmarks/anchors.py --two-phase 7 --kafka-alo 20 --no-spin

The anchors are the reference models of benchmarks/anchors/ (their README says where they come from):
TwoPhase, ported in specs/two_phase_commit.py (symmetry off, so the counts are TLC's and SPIN's), and
KafkaALO, ported in specs/kafka_alo.py. modelcheck runs each in a fresh process (`explore`, one
process); SPIN builds the Promela model as the anchors' notes say (`spin -DN=<size> -a`, with
`-DCHECK_NOLOSS` for KafkaALO so NoLoss is checked as modelcheck checks it, then `gcc -O2 -DNOREDUCE`:
exhaustive, no partial-order reduction) and runs `./pan -m100000`. SPIN is measured only when `spin`
and `gcc` are on PATH; otherwise the table says so and shows modelcheck alone.

Columns: distinct and generated states (TLC's counts; SPIN's "states, stored" and "transitions"; the
run stops with an error when the tools disagree), CPU seconds (user + system time of the search's
process: modelcheck's from just before `explore` to just after, SPIN's whole `pan`), distinct states
per CPU second, peak memory (largest resident size, the interpreter's ~35 MiB included), bytes per
distinct state, and modelcheck's states per CPU second as a fraction of SPIN's.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import _cpu_seconds, machine, run_spin, spin_version  # noqa: E402

ANCHORS = ROOT / "benchmarks" / "anchors"


class Anchor:
    """One anchor model: its bundled Python spec and its Promela source, with how each takes the size."""

    def __init__(self, name: str, spec: str, promela: str, parameter: str, defines: tuple[str, ...] = ()):
        self.name, self.spec, self.promela, self.parameter, self.defines = name, spec, promela, parameter, defines

    def model(self, size: int):
        loaded = importlib.util.spec_from_file_location(self.spec, ROOT / "specs" / f"{self.spec}.py")
        module = importlib.util.module_from_spec(loaded)
        loaded.loader.exec_module(module)
        return module.model(**{self.parameter: size})


MODELS = {
    "two-phase": Anchor("TwoPhase", "two_phase_commit", "twophase.pml", "rms"),
    "kafka-alo": Anchor("KafkaALO", "kafka_alo", "kafka_alo.pml", "N", ("-DCHECK_NOLOSS",)),
}


def measure_modelcheck(key: str, size: int) -> dict:
    """One search in this process (called in a fresh child by `run_modelcheck`)."""
    from modelcheck.engine import explore
    model = MODELS[key].model(size)
    before = _cpu_seconds()
    result = explore(model, symmetry=False)
    cpu = _cpu_seconds() - before
    return {"distinct": result.stats.distinct, "generated": result.stats.generated, "cpu": cpu,
            "seconds": result.stats.seconds, "peak": result.stats.peak_memory_bytes,
            "verdicts": {name: prop.verdict for name, prop in result.properties.items()},
            "stopped_by": result.stopped_by}


def run_modelcheck(key: str, size: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", key, str(size)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_spin(key: str, size: int, directory: Path) -> Path:
    """Compile SPIN's verifier for the anchor `key` at `size`."""
    anchor = MODELS[key]
    work = directory / f"{key}-{size}"
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(ANCHORS / anchor.promela, work / anchor.promela)
    subprocess.run(["spin", f"-DN={size}", *anchor.defines, "-a", anchor.promela], cwd=work, check=True,
                   capture_output=True)
    subprocess.run(["gcc", "-O2", "-DNOREDUCE", "-o", "pan", "pan.c"], cwd=work, check=True, capture_output=True)
    return work / "pan"


def table(rows: list[dict]) -> str:
    lines = ["| model | tool | distinct | generated | CPU seconds | distinct states/CPU s | peak memory | "
             "bytes/state | modelcheck vs SPIN (states/s) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        speed = row["distinct"] / row["cpu"] if row["cpu"] else 0.0
        ratio = row.get("ratio")
        lines.append(
            f"| {row['model']} | {row['tool']} | {row['distinct']:,} "
            f"| {'' if row.get('generated_exact', True) else '≈ '}{row['generated']:,} | {row['cpu']:.2f} "
            f"| {speed:,.0f} | {row['peak'] / 2 ** 20:,.0f} MiB | {row['peak'] / row['distinct']:,.0f} "
            f"| {f'{ratio:.2f}×' if ratio else ''} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--two-phase", type=int, default=8, help="resource managers of TwoPhase (default 8)")
    parser.add_argument("--kafka-alo", type=int, default=40, help="messages of KafkaALO (default 40)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is shown")
    parser.add_argument("--no-spin", action="store_true", help="skip SPIN even when installed")
    parser.add_argument("--measure", nargs=2, metavar=("MODEL", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_modelcheck(args.measure[0], int(args.measure[1]))))
        return 0
    have_spin = bool(shutil.which("spin") and shutil.which("gcc"))
    use_spin = have_spin and not args.no_spin
    print(f"Machine: {machine()}")
    print(f"Date: {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}; "
          f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"Command: python3 benchmarks/anchors.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    if use_spin:
        print(f"SPIN: {spin_version()}")
    elif not have_spin:
        print("SPIN: missing (`spin` or `gcc` is not on PATH; apt-get install -y spin gcc), so only "
              "modelcheck is measured")
    print()
    rows = []
    with tempfile.TemporaryDirectory(prefix="anchors-spin-") as spin_dir:
        for key, size in (("two-phase", args.two_phase), ("kafka-alo", args.kafka_alo)):
            anchor = MODELS[key]
            label = f"{anchor.name} {anchor.parameter}={size}"
            pan = build_spin(key, size, Path(spin_dir)) if use_spin else None
            ours, theirs = [], []
            for _round in range(args.repeat):
                ours.append(run_modelcheck(key, size))
                if pan is not None:
                    theirs.append(run_spin(pan))
            one = min(ours, key=lambda measured: measured["cpu"])
            if one["stopped_by"]:
                raise SystemExit(f"{label}: modelcheck's search stopped early ({one['stopped_by']})")
            rows.append({"model": label, "tool": "modelcheck, one process", **one})
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
            if pan is not None:
                spin = min(theirs, key=lambda measured: measured["cpu"])
                exact = spin["generated_exact"]
                if spin["distinct"] != one["distinct"] or (exact and spin["generated"] != one["generated"]):
                    raise SystemExit(f"{label}: SPIN counts {spin['distinct']} distinct, {spin['generated']} "
                                     f"generated; modelcheck {one['distinct']}, {one['generated']}")
                if spin["errors"]:
                    raise SystemExit(f"{label}: SPIN reports {spin['errors']} errors")
                spin_speed = spin["distinct"] / spin["cpu"] if spin["cpu"] else 0.0
                rows[-1]["ratio"] = (one["distinct"] / one["cpu"]) / spin_speed if spin_speed and one["cpu"] else None
                rows.append({"model": label, "tool": "SPIN (pan -O2 -DNOREDUCE)", **spin})
                print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
