"""Time every bundled spec: distinct states, depth and seconds per configuration, as a Markdown table.

    python3 benchmarks/specs.py            # all of specs/, best of 3 runs each
    python3 benchmarks/specs.py --repeat 1 specs/producer-*.yaml

The figures come from the exploration (`Result.stats`); seconds are the fastest of the runs. While the
Kafka model moves onto the actors layer, each Kafka configuration is also explored with Kafka's roles
as actors (`modelcheck.kafka.roles`), once: its states and seconds are the last two columns ("-" where
the roles do not model the configuration yet).
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
from modelcheck.kafka.models import on_actors  # noqa: E402
from modelcheck.kafka.roles.system import build_system, unsupported  # noqa: E402
from modelcheck.report.matrix import config_text  # noqa: E402
from modelcheck.runner import load_models, run_spec  # noqa: E402
from modelcheck.spec import discover  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "specs")])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    slowest = 0.0
    for path in discover(args.paths):
        runs = [run_spec(path) for _ in range(max(1, args.repeat))]
        configs = [job.config for job in load_models(path)]
        for index, outcome in enumerate(runs[0]):
            seconds = min(run[index].result.stats.seconds for run in runs)
            slowest = max(slowest, seconds)
            stats = outcome.result.stats
            config = config_text(outcome.config)
            rows.append(f"| {Path(path).name} | {config} | {stats.distinct:,} | {stats.depth} | {seconds:.2f} | "
                        f"{_on_actors(configs[index])} |")
    print(f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; `python3 benchmarks/specs.py`\n")
    print("| spec | configuration | distinct states | depth | seconds | states on the actors layer | seconds there |")
    print("|---|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\nslowest configuration: {slowest:.2f} s")
    print("\nPartial-order reduction (`--reduction por`), per spec where it applies: reduction.md "
          "(`python3 benchmarks/reduction.py`).")
    print("\nSymmetry reduction (on unless `--no-symmetry`), per configuration where it applies, with and "
          "without it: symmetry.md (`python3 benchmarks/symmetry.py`).")
    return 0


def _on_actors(config) -> str:
    """States and seconds of `config` with Kafka's roles as actors, or dashes where they do not model it."""
    if config is None or unsupported(config):
        return "- | -"
    if on_actors(config):             # transactions: checked on the actors layer, the columns before say it
        return "= | ="
    result = explore(build_system(config).model())
    return f"{result.stats.distinct:,} | {result.stats.seconds:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
