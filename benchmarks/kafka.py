"""Exploration speed of the Kafka model: distinct states per second, as a Markdown table.

    python3 benchmarks/kafka.py                    # kafka-big.yaml for 30 s, its 2-message variant to
                                                   # the end, three bundled specs (about a minute)
    python3 benchmarks/kafka.py --time-limit 10    # a shorter look at kafka-big.yaml
    python3 benchmarks/kafka.py --repeat 5         # fastest of 5 runs for the bundled specs

Rows:

- `kafka-big.yaml` (3 messages, 2 keys, 2 brokers with replication factor 2, 2 partitions, 2 consumers,
  one consumer crash, one lost response, one broker crash) does not finish in minutes; it runs for
  `--time-limit` seconds and its states/s is the figure to compare;
- the same spec with `workload.messages=2` runs to the end (about 300,000 states), so its counts can
  be compared as well as its speed;
- three bundled specs with the most states, fastest of `--repeat` runs (they take a fraction of a
  second, so their figures are noisy and include the search's start-up).

One process (`workers=1`); the figures come from the exploration's own statistics (`Result.stats`).
The machine is shared: the load average printed at the top tells whether it was quiet.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelcheck.engine import explore  # noqa: E402
from modelcheck.kafka.model import build_model  # noqa: E402
from modelcheck.spec import apply_command_line, expand, load_spec  # noqa: E402

BIG = ROOT / "benchmarks" / "kafka-big.yaml"
BUNDLED = ("broker-min-insync-replicas.yaml", "app-dual-write-outbox.yaml", "consumer-rebalance.yaml")


def measure(path: Path, sets: tuple[str, ...], time_limit: float | None, repeat: int) -> list[str]:
    """One table row per configuration of the spec at `path` (with `--set`-style `sets` applied)."""
    spec = apply_command_line(load_spec(path), sets, ())
    rows = []
    for point in expand(spec):
        runs = [explore(build_model(point.config), time_limit=time_limit) for _ in range(repeat)]
        fastest = min(runs, key=lambda result: result.stats.seconds)
        stats = fastest.stats
        configuration = ", ".join([*sets, point.label] if point.label else sets)
        ended = fastest.stopped_by or "complete"
        rows.append(f"| {path.name} | {configuration} | {ended} | {stats.distinct:,} | {stats.generated:,} | "
                    f"{stats.depth} | {stats.seconds:.2f} | {stats.distinct / stats.seconds:,.0f} |")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds for kafka-big.yaml")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each bundled spec (fastest counts)")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, load average at start {load:.2f}; "
          f"`python3 benchmarks/kafka.py{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}`\n")
    print("| spec | configuration | ended | distinct | generated | depth | seconds | distinct states/s |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    rows = [
        *measure(BIG, (), args.time_limit, 1),
        *measure(BIG, ("workload.messages=2",), None, 1),
    ]
    for name in BUNDLED:
        rows.extend(measure(ROOT / "specs" / name, (), None, max(1, args.repeat)))
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
