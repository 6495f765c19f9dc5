"""Symmetry reduction on the Kafka model: states and CPU seconds with and without it, as Markdown.

    python3 benchmarks/symmetry.py > benchmarks/symmetry.md            # about 2 minutes
    python3 benchmarks/symmetry.py --big > benchmarks/symmetry.md      # and kafka-big with 3 messages (+1 min)

Tables (what is interchangeable and when: docs/kafka-model.md, "Symmetry"; `modelcheck.kafka.symmetry`):

1. every bundled YAML configuration on the write/read model where something is interchangeable (the
   model has a `canonical` form, `symmetry.canonical_of`): states and CPU seconds of the search without symmetry
   (`--no-symmetry`) and with it, and whether the verdicts agree;
2. small consumer groups (2 messages, 2 keys, a rebalance): each commit mode with and without a consumer
   crash and a stall, 2 or 3 instances, 1 or 2 partitions;
3. interchangeable followers (`symmetry.interchangeable_brokers`): kafka-big.yaml with 3 brokers,
   replication factor 3 and one partition, 1 to 3 messages, 1 or 2 consumers;
4. benchmarks/kafka-big.yaml: whether the reduction applies, and, to show why it would not help there,
   how many classes its reachable states fall into when the consumer slots' permutations (and the swap
   of its two brokers) are applied anyway, and with `--big` the cost of forcing the consumers' canonical
   form (`symmetry.canonical_state`) on it with 3 messages; then the same file with a rebalance budget,
   where it applies.

CPU seconds are those of the search alone (`time.process_time`), one run each, in this process, each
on a model built afresh. On a shared machine they vary by about 10 % from run to run.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import platform
import sys
import time
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from modelcheck.engine import explore  # noqa: E402
from modelcheck.kafka.config import KafkaConfig  # noqa: E402
from modelcheck.kafka.model import build_model  # noqa: E402
from modelcheck.kafka.models import on_actors  # noqa: E402
from modelcheck.kafka.memo import SideMemos  # noqa: E402
from modelcheck.kafka.symmetry import canonical_read, canonical_state, interchangeable_consumers  # noqa: E402
from modelcheck.spec import expand, load_spec  # noqa: E402
from test_specs_classic import reachable  # noqa: E402

BIG = ROOT / "benchmarks" / "kafka-big.yaml"


def verdicts(result) -> dict:
    return {name: prop.verdict for name, prop in result.properties.items()}


def timed(config, symmetry: bool) -> tuple:
    """(result, CPU s) of a search of a model built afresh (its memos empty, as in a new process)."""
    model = build_model(config)
    started = time.process_time()
    result = explore(model, symmetry=symmetry)
    return result, time.process_time() - started


def row(label: str, config) -> str:
    plain, plain_seconds = timed(config, symmetry=False)
    reduced, reduced_seconds = timed(config, symmetry=True)
    same = "yes" if verdicts(plain) == verdicts(reduced) else "NO"
    violated = ", ".join(n for n, p in plain.properties.items() if p.verdict == "violated" and p.kind != "sometimes")
    return (f"| {label} | {plain.stats.distinct:,} | {reduced.stats.distinct:,} | "
            f"{plain.stats.distinct / reduced.stats.distinct:.2f} | {plain_seconds:.2f} | {reduced_seconds:.2f} | "
            f"{same} | {violated or 'none'} |")


HEADER = ["| configuration | states, plain | states, symmetry | factor | CPU s, plain | CPU s, symmetry | "
          "same verdicts | violated |", "|---|---:|---:|---:|---:|---:|---|---|"]


def bundled() -> list[str]:
    rows, left = [], 0
    for path in sorted((ROOT / "specs").glob("*.yaml")):
        for point in expand(load_spec(path)):
            if on_actors(point.config) or build_model(point.config).canonical is None:
                left += 1
                continue
            values = ", ".join(f"{k}={v}" for k, v in point.values.items()) or "default"
            rows.append(row(f"{path.name} ({values})", point.config))
    return [*HEADER, *rows, "", f"The other {left} bundled configurations (on the write/read model or the roles) are "
            "not reduced: no two of their consumers or brokers are interchangeable where it would merge states, or "
            "they run on the roles."]


def config_of(**values) -> KafkaConfig:
    config = KafkaConfig()
    for key, value in values.items():
        config = config.with_value(key, value)
    return config


def groups() -> list[str]:
    rows = []
    for commit, crash, pause, instances, partitions in product(
            ["after-process", "before-process", "auto"], [0, 1], [0, 1], [2, 3], [1, 2]):
        config = config_of(**{"cluster.partitions": partitions, "workload.messages": 2, "workload.keys": ["k1", "k2"],
                              "consumer.instances": instances, "consumer.commit": commit, "faults.rebalance": 1,
                              "faults.consumer.crash": crash, "faults.consumer.pause": pause})
        label = f"{commit}, crash {crash}, stall {pause}, {instances} instances, {partitions} partitions"
        if not interchangeable_consumers(config):
            rows.append(f"| {label} | not reduced: a stall hands partitions to the lowest-numbered member |"
                        " | | | | | |")
            continue
        rows.append(row(label, config))
    return [*HEADER, *rows]


def brokers() -> list[str]:
    rows = []
    for messages, partitions, consumers in [(1, 1, 1), (2, 1, 1), (3, 1, 1), (2, 1, 2), (3, 1, 2)]:
        config = big_config(messages, **{"cluster.brokers": 3, "cluster.replication.factor": 3,
                                         "cluster.partitions": partitions, "consumer.instances": consumers})
        rows.append(row(f"kafka-big.yaml, messages {messages}, 3 brokers, replication factor 3, "
                        f"{partitions} partition, consumer.instances {consumers}", config))
    return [*HEADER, *rows]


def big_config(messages: int, **values) -> KafkaConfig:
    config = expand(load_spec(BIG))[0].config.with_value("workload.messages", messages)
    for key, value in values.items():
        config = config.with_value(key, value)
    return config


def _swap_brokers(write):
    """`write` with brokers 0 and 1 swapped (kafka-big: both brokers hold both partitions)."""
    swap = {0: 1, 1: 0}
    partitions = tuple(p._replace(leader=None if p.leader is None else swap[p.leader],
                                  isr=frozenset(swap[b] for b in p.isr),
                                  replicas=tuple(p.replicas[p.brokers.index(swap[b])] for b in p.brokers))
                       for p in write.cluster.partitions)
    cluster = write.cluster._replace(up=(write.cluster.up[1], write.cluster.up[0]), partitions=partitions)
    producer = write.producer._replace(in_flight=tuple(e._replace(broker=swap[e.broker])
                                                       for e in write.producer.in_flight))
    return write._replace(cluster=cluster, producer=producer,
                          requests=tuple(r._replace(broker=swap[r.broker]) for r in write.requests))


def big(with_three: bool) -> list[str]:
    lines = []
    for messages in (3, 4):
        offered = build_model(big_config(messages)).canonical is not None
        lines.append(f"- {messages} messages: symmetry {'applies' if offered else 'does not apply'} "
                     "(no rebalance: each consumer keeps its partition)")
    seen = reachable(build_model(big_config(2)))
    consumer_classes = len({state._replace(read=canonical_read(state.read)) for state in seen})
    swapped = sum(1 for state in seen if state._replace(write=_swap_brokers(state.write)) in seen)
    lines.append(f"- 2 messages, every reachable state: {len(seen):,} states; {consumer_classes:,} classes under "
                 f"permutations of the consumer slots; {swapped} states whose image under the swap of the two "
                 "brokers is reachable")
    if with_three:
        plain, plain_seconds = timed(big_config(3), symmetry=False)
        forced = dataclasses.replace(build_model(big_config(3)),
                                     canonical=canonical_state(SideMemos(big_config(3)), consumers=True))
        started = time.process_time()
        result = explore(forced)
        lines.append(f"- 3 messages: {plain.stats.distinct:,} states in {plain_seconds:.1f} CPU s; with the "
                     f"consumer slots' permutations forced on, {result.stats.distinct:,} states in "
                     f"{time.process_time() - started:.1f} CPU s; same verdicts: "
                     f"{'yes' if verdicts(plain) == verdicts(result) else 'NO'}")
    lines += ["", "Each consumer of kafka-big owns its partition from the first state to the last, each broker "
              "starts as the leader of its own partition, and the two partitions receive different events: no "
              "reachable state is the image of another under a permutation of the consumers or the swap of the "
              "brokers (counted above), so symmetry cannot bring its 4 messages under 60 s (issue 10, item 5); "
              "that is for the other items (a compact seen-set, a faster hot path)."]
    lines += ["", "The same file with `faults.rebalance: 1`, where the reduction applies:", "", *HEADER]
    for messages in (1, 2):
        lines.append(row(f"kafka-big.yaml, workload.messages={messages}, faults.rebalance=1",
                         big_config(messages, **{"faults.rebalance": 1})))
    return lines


def main() -> None:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    arguments = " --big" if "--big" in sys.argv else ""
    print("# Symmetry reduction on the Kafka model: states and CPU seconds\n")
    print(f"{stamp} UTC, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"`python3 benchmarks/symmetry.py{arguments}` (one run each, CPU seconds of the search). What is "
          "interchangeable and when: docs/kafka-model.md, \"Symmetry\".\n")
    print("## Bundled configurations with interchangeable consumers or brokers\n")
    print("\n".join(bundled()))
    print("\n## Small consumer groups (2 messages, 2 keys, a rebalance)\n")
    print("\n".join(groups()))
    print("\n## Interchangeable followers: three brokers, replication factor 3, one partition\n")
    print("\n".join(brokers()))
    print("\n## benchmarks/kafka-big.yaml\n")
    print("\n".join(big("--big" in sys.argv)))


if __name__ == "__main__":
    main()
