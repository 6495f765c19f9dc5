"""`modelcheck check specs/` on one process and with `--ray` on a Ray cluster of two nodes on this machine.

Prints wall seconds and CPU seconds of both runs, for benchmarks/README.md ("Every bundled spec on a
Ray cluster"). The cluster (`ray.cluster_utils.Cluster`: a head and a second node, one CPU each) is
started by this script and stopped at its end. The local run's CPU is its process's (user + system). The
Ray run's CPU is the driver's plus what the cluster's processes (Ray's own and the workers that ran the
searches) used meanwhile, read from /proc every tenth of a second (a worker's last tenth before it ends
may be missed). Needs Ray (`pip install 'modelcheck[ray]'`) and Linux.

    python3 benchmarks/ray_fanout.py              # about two minutes on 2 cores
    python3 benchmarks/ray_fanout.py --repeat 3   # the fastest of 3 runs each, by wall seconds
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("specs", nargs="?", default="specs/")
    arguments = parser.parse_args()
    from ray.cluster_utils import Cluster
    small = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={**small, "include_dashboard": False})
    try:
        cluster.add_node(**small)
        cluster.wait_for_nodes()
        print(f"{os.cpu_count()} cores; load average at start: {os.getloadavg()[0]:.2f}")
        local = min((run_local(arguments.specs) for _ in range(arguments.repeat)), key=lambda row: row[0])
        on_ray = min((run_on_ray(arguments.specs, cluster.address) for _ in range(arguments.repeat)),
                     key=lambda row: row[0])
        print(f"local (one process):           {local[0]:6.1f} s wall, {local[1]:6.1f} s CPU")
        print(f"--ray (2 nodes, 1 CPU each):   {on_ray[0]:6.1f} s wall, {on_ray[1]:6.1f} s CPU "
              f"(driver {on_ray[2]:.1f}, cluster {on_ray[3]:.1f})")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        cluster.shutdown()


def command(specs: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "modelcheck.cli", "check", specs, "--quiet", *extra]


def run_local(specs: str) -> tuple[float, float]:
    wall, cpu = timed(command(specs))
    return wall, cpu


def run_on_ray(specs: str, address: str) -> tuple[float, float, float, float]:
    sampler = TreeSampler(os.getpid())
    sampler.start()
    wall, driver = timed(command(specs, "--ray", address))
    cluster = sampler.stop() - driver          # the driver is in the tree too: count it once
    return wall, driver + cluster, driver, cluster


def timed(arguments: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of the command; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(arguments, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


class TreeSampler:
    """The CPU seconds the processes under `root` use from `start` to `stop`, sampled from /proc."""

    def __init__(self, root: int):
        self.root, self.done = root, threading.Event()
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}

    def start(self):
        self.first = self.sample()
        self.last = dict(self.first)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.done.wait(0.1):
            for pid, used in self.sample().items():
                self.last[pid] = max(self.last.get(pid, 0), used)

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return sum(used - self.first.get(pid, 0) for pid, used in self.last.items()
                   if pid != os.getpid()) / TICK

    def sample(self) -> dict[int, int]:
        """Clock ticks of CPU (user + system) of every process under the root, by process id."""
        children: dict[int, list[int]] = {}
        used: dict[int, int] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(name))
            used[int(name)] = int(fields[11]) + int(fields[12])
        out, todo = {}, [self.root]
        while todo:
            pid = todo.pop()
            out[pid] = used.get(pid, 0)
            todo.extend(children.get(pid, []))
        return out


if __name__ == "__main__":
    main()
