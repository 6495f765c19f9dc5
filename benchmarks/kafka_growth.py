"""How the Kafka model grows: `benchmarks/kafka-big.yaml` over messages x brokers x partitions x
consumers, each configuration checked once with a time limit, as a Markdown table.

    python3 benchmarks/kafka_growth.py                       # messages 1-4, brokers 1-3, partitions
                                                             # 1-2, consumers 1-2; 60 s each
    python3 benchmarks/kafka_growth.py --messages 1,2 --time-limit 10

Each configuration is one `modelcheck check benchmarks/kafka-big.yaml --set ... --time-limit T
--format json` in a fresh process, one after the other (never two at once: the machine is shared), so
the figures are those a user gets from the command line: distinct and generated states, depth, the
verdicts, and the CPU seconds of the whole command (start-up, search and the work on its verdicts;
user + system time, less sensitive to other jobs than wall time). The replication factor is
min(2, brokers), since a topic cannot have more replicas than brokers; every other key is the file's.

A configuration stopped by the time limit shows "> T s" with the states it had found. A configuration
at least as large in every dimension as one that was stopped is not run (states never shrink when a
message, broker, partition or consumer is added) and is marked "skipped", naming the stopped one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import machine  # noqa: E402

BIG = ROOT / "benchmarks" / "kafka-big.yaml"


def sets_for(messages: int, brokers: int, partitions: int, consumers: int) -> list[str]:
    """The `--set` overrides of one configuration."""
    return [f"workload.messages={messages}", f"cluster.brokers={brokers}",
            f"cluster.replication.factor={min(2, brokers)}", f"cluster.partitions={partitions}",
            f"consumer.instances={consumers}"]


def check(sets: list[str], time_limit: float) -> dict:
    """One `modelcheck check` of kafka-big.yaml with `sets`: its JSON figures and its CPU seconds."""
    command = [sys.executable, "-m", "modelcheck.cli", "check", str(BIG), *[a for s in sets for a in ("--set", s)],
               "--time-limit", str(time_limit), "--format", "json", "-q"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile("w+") as output, tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=errors, text=True, env=environment)
        _pid, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        output.seek(0)
        errors.seek(0)
        if code not in (0, 1, 3):
            raise SystemExit(f"{' '.join(sets)}: modelcheck exited with {code}:\n{errors.read()}")
        document = json.load(output)
    stats = document["stats"]
    return {"distinct": stats["distinct"], "generated": stats["generated"], "depth": stats["depth"],
            "stopped_by": stats["stopped_by"], "cpu": usage.ru_utime + usage.ru_stime,
            "verdicts": {name: p["verdict"] for name, p in document["properties"].items()}}


def by_verdict(measured: dict) -> dict[str, list[str]]:
    """The properties that did not hold, by verdict (violated, bounded); every other one held."""
    grouped: dict[str, list[str]] = {}
    for name, verdict in measured["verdicts"].items():
        if verdict != "holds":
            grouped.setdefault(verdict, []).append(name)
    return grouped or {"all hold": []}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", default="1,2,3,4")
    parser.add_argument("--brokers", default="1,2,3")
    parser.add_argument("--partitions", default="1,2")
    parser.add_argument("--consumers", default="1,2")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per configuration")
    args = parser.parse_args(argv)
    axes = [[int(n) for n in text.split(",")] for text in (args.messages, args.brokers, args.partitions,
                                                              args.consumers)]
    limit = f"> {args.time_limit:g} s"
    print(f"Machine: {machine()}")
    print(f"Date: {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}; "
          f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"Command: python3 benchmarks/kafka_growth.py {' '.join(argv if argv is not None else sys.argv[1:])}"
          .rstrip())
    print()
    print("| messages | brokers | partitions | consumers | distinct | generated | depth | CPU seconds | verdicts not holding |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    stopped: list[tuple[int, ...]] = []
    for configuration in product(*axes):
        larger_than = next((small for small in stopped
                            if all(a >= b for a, b in zip(configuration, small))), None)
        cells = " | ".join(str(n) for n in configuration)
        if larger_than is not None:
            print(f"| {cells} | skipped | | | | contains {'/'.join(map(str, larger_than))}, "
                  f"which took {limit} |", flush=True)
            continue
        measured = check(sets_for(*configuration), args.time_limit)
        verdicts = "; ".join(f"{verdict}: {', '.join(names)}".rstrip(": ") for verdict, names in by_verdict(measured).items())
        if measured["stopped_by"]:
            stopped.append(configuration)
            cpu = f"{limit} ({measured['stopped_by']}, {measured['cpu']:.1f})"
        else:
            cpu = f"{measured['cpu']:.1f}"
        print(f"| {cells} | {measured['distinct']:,} | {measured['generated']:,} | {measured['depth']} | {cpu} "
              f"| {verdicts} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
