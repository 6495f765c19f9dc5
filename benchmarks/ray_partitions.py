"""One TwoPhase search split over 1, 2 and 4 Ray actors (`--ray-partitions`), on a Ray cluster of two nodes
that this script starts on this machine and stops.

Prints a table for benchmarks/README.md ("One search over Ray actors"): per number of partitions, the
seconds to start the actors (each rebuilds the model), the search's wall seconds and distinct states per
wall second, the CPU seconds of all the partitions' calls (their expansions and receptions), the busiest
partition's CPU seconds summed over the rounds (what the wall time would be on idle cores of their own,
less the driver, Ray's calls and the object store), the bytes of batches shipped between partitions per
distinct state, and per partition its states, the bytes a state of its own takes in its fingerprint
table and parent links, and its process's peak resident memory. The one-process fingerprint search
(`--seen-set fingerprint`) of the same model is the first row. Needs Ray (`pip install 'modelcheck[ray]'`).

    python3 benchmarks/ray_partitions.py                    # TwoPhase rms = 7, 1 2 4 partitions (a minute)
    python3 benchmarks/ray_partitions.py --rms 8 --partitions 1 2 4 8
    python3 benchmarks/ray_partitions.py --spec benchmarks/kafka-big.yaml --set workload.messages=2
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

from modelcheck.engine.fingerprint_bfs import fingerprint_bfs  # noqa: E402
from modelcheck.engine.partitioned_bfs import partitioned_bfs  # noqa: E402
from modelcheck.ray_partitions import RayPartitions  # noqa: E402
from modelcheck.ray_runner import configurations, connect, import_ray  # noqa: E402
from modelcheck.runner import RunOptions  # noqa: E402


class Timed:
    """The partitions of `RayPartitions`, with the busiest partition's seconds and the bytes shipped added up."""

    def __init__(self, partitions):
        self.partitions = partitions
        self.busiest = self.work = self.shipped = 0.0

    def __getattr__(self, name):
        return getattr(self.partitions, name)

    def round(self, control):
        expanded, received = self.partitions.round(control)
        self.busiest += max(e.seconds + r.seconds for e, r in zip(expanded, received))
        self.work += sum(e.seconds + r.seconds for e, r in zip(expanded, received))
        self.shipped += sum(e.shipped for e in expanded)
        return expanded, received


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rms", type=int, default=7)
    parser.add_argument("--partitions", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--spec", default=None, help="a YAML spec's first configuration instead of TwoPhase")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    arguments = parser.parse_args()
    ray = import_ray()
    from ray.cluster_utils import Cluster
    per_node = {"num_cpus": max(1, (max(arguments.partitions) + 1) // 2), "object_store_memory": 300 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={**per_node, "include_dashboard": False})
    try:
        cluster.add_node(**per_node)
        cluster.wait_for_nodes()
        connect(ray, cluster.address)
        if arguments.spec is None:
            options = RunOptions(params=(("rms", str(arguments.rms)),))
            item = configurations([ROOT / "specs" / "two_phase_commit.py"], options)[0]
        else:
            options = RunOptions(sets=tuple(arguments.sets))
            item = configurations([arguments.spec], options)[0]
        model = item.job.model
        print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python "
              f"{platform.python_version()}; Ray {ray.__version__}; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        print(f"{model.name}; a cluster of 2 nodes on this machine, {per_node['num_cpus']} CPUs each; "
              f"load average at start {os.getloadavg()[0]:.1f}")
        print()
        print("partitions  start s  wall s  states/s  CPU s  busiest CPU s  shipped B/state  "
              "per partition: states, table+links B/state, peak MiB")
        started, cpu = time.perf_counter(), time.process_time()
        one = fingerprint_bfs(model)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        own = one.stats.fingerprints.table_bytes + one.stats.fingerprints.link_bytes
        print(f"{'1 process':>10}  {'':>7}  {seconds:6.2f}  {one.stats.distinct / seconds:8,.0f}  {cpu:5.2f}  "
              f"{cpu:13.2f}  {'':>15}  {one.stats.distinct:,}, {own / one.stats.distinct:.1f}")
        for count in arguments.partitions:
            started = time.perf_counter()
            partitions = Timed(RayPartitions(ray, item.task, count))
            start = time.perf_counter() - started
            try:
                started = time.perf_counter()
                result = partitioned_bfs(model, partitions)
                seconds = time.perf_counter() - started
                footprints = partitions.footprints()
            finally:
                partitions.close()
            assert result.stats.distinct == one.stats.distinct and result.stats.generated == one.stats.generated
            shares = "; ".join(f"{f.states:,}, {(f.table_bytes + f.link_bytes) / f.states:.1f}, "
                               f"{f.peak_memory_bytes / 2 ** 20:.0f}" for f in footprints)
            print(f"{count:>10}  {start:7.2f}  {seconds:6.2f}  {result.stats.distinct / seconds:8,.0f}  "
                  f"{partitions.work:5.2f}  {partitions.busiest:13.2f}  "
                  f"{partitions.shipped / result.stats.distinct:15.1f}  {shares}")
        print(f"\nload average at end {os.getloadavg()[0]:.1f}")
    finally:
        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    main()
