"""Partial-order reduction: states and CPU seconds with and without it, as Markdown tables.

    python3 benchmarks/reduction.py > benchmarks/reduction.md

Three tables:

1. every bundled Python spec whose model declares the independence of its steps (an actor system given
   `observes`), in its default configuration and in the configurations listed in `CONFIGURATIONS`: the
   states and CPU seconds of the full search and of the reduced one, the reduction factor, whether the
   verdicts agree, and the length of the longest counterexample of each;
2. the random actor systems of tests/test_reduction.py (seeds 0-199): how often the reduction removes
   states, and how much longer its counterexamples are than the shortest ones;
3. Kafka's roles (`modelcheck.kafka.roles`) on a few bundled configurations. They declare neither what
   their properties read nor whom each role sends to, so the measurement supplies both: the actors the
   properties read are all but the brokers (and the fault units spent), the `acked-durable` invariant
   (which reads the messages in flight, where no step is invisible) is left out, and each actor's
   `sends_to` is what it was seen to send to in the full search.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from modelcheck.engine import VIOLATED, explore  # noqa: E402
from modelcheck.spec import discover, is_python_spec, load_python_spec  # noqa: E402

CONFIGURATIONS = {
    "two_phase_actors.py": [{}, {"log_decision": "false"}, {"resend": "false"}, {"rms": "3"},
                            {"loss": "0", "crashes": "0"}, {"rms": "3", "loss": "0", "crashes": "0"},
                            {"rms": "4", "loss": "0", "crashes": "0"}],
}
KAFKA = ["producer-retry-duplicates.yaml", "consumer-commit-after-process.yaml", "broker-acks-1-failover.yaml"]


def timed(model, reduction: str):
    started = time.process_time()
    result = explore(model, reduction=reduction)
    return result, time.process_time() - started


def longest_trace(result) -> int:
    return max((len(p.trace) for p in result.properties.values() if p.verdict == VIOLATED and p.trace), default=0)


def bundled() -> list[str]:
    rows = []
    for path in discover([str(ROOT / "specs")]):
        if not is_python_spec(path):
            continue
        name = Path(path).name
        for params in CONFIGURATIONS.get(name, [{}]):
            model = load_python_spec(path, params)
            if getattr(model, "independence", None) is None:
                break                              # the spec declares no independence: not applicable
            full, full_seconds = timed(model, "none")
            reduced, reduced_seconds = timed(model, "por")
            same = {n: p.verdict for n, p in full.properties.items()} == \
                   {n: p.verdict for n, p in reduced.properties.items()}
            traces = f"{longest_trace(full)} / {longest_trace(reduced)}" if longest_trace(full) else "-"
            config = ", ".join(f"{k}={v}" for k, v in params.items()) or "default"
            rows.append(f"| {name} | {config} | {full.stats.distinct:,} | {reduced.stats.distinct:,} | "
                        f"{full.stats.distinct / reduced.stats.distinct:.3f} | {full_seconds:.2f} | "
                        f"{reduced_seconds:.2f} | {'yes' if same else 'NO'} | {traces} |")
    return rows


def random_systems(seeds=range(200)) -> list[str]:
    from test_reduction import _random_system
    measured = reduced = traces = longer = 0
    full_states = reduced_states = 0
    extra_steps = []
    for seed in seeds:
        system, _observed = _random_system(seed)
        model = system.model()
        full = explore(model, max_states=30_000)
        if full.stopped_by is not None:
            continue
        por = explore(model, reduction="por")
        measured += 1
        full_states += full.stats.distinct
        reduced_states += por.stats.distinct
        reduced += por.stats.distinct < full.stats.distinct
        for name, prop in full.properties.items():
            if prop.verdict == VIOLATED and prop.trace is not None and prop.kind != "at_end":
                traces += 1
                extra = len(por.properties[name].trace) - len(prop.trace)
                longer += extra > 0
                extra_steps.append(extra)
    return [f"- systems measured: {measured}; with fewer states under the reduction: {reduced}; states in all: "
            f"{full_states:,} full, {reduced_states:,} reduced ({full_states / max(1, reduced_states):.2f}x)",
            f"- counterexamples of `always` properties: {traces}; longer under the reduction: {longer}; "
            f"most extra steps: {max(extra_steps, default=0)}; mean extra steps: "
            f"{sum(extra_steps) / max(1, len(extra_steps)):.2f}"]


def kafka_roles() -> list[str]:
    from modelcheck.actors import ActorSystem
    from modelcheck.actors import system as actor_system
    from modelcheck.kafka.roles.system import KafkaSystem
    from modelcheck.runner import load_models
    rows = []
    for spec in KAFKA:
        config = next(iter(load_models(ROOT / "specs" / spec))).config
        sends: dict = defaultdict(set)

        def build(observes=None):
            kafka = KafkaSystem(config)
            system = kafka.build()
            properties = [p for p in system.properties if p.name != "acked-durable"]
            if observes is not None:
                for index, actor in enumerate(kafka.actors):
                    actor.sends_to = tuple(sorted(sends[index]))
            budgets = dict(zip(system.budgets.keys, system.budgets.limits))
            return kafka, ActorSystem(kafka.actors, system.network, budgets, properties=properties,
                                      done=system.done, name="kafka", observes=observes)

        apply = actor_system.ActorSystem._apply

        def recording(self, state, index, step, wire, spent):
            for output in step.sends:
                if getattr(output, "dst", None) is not None:
                    sends[index].add(output.dst)
            return apply(self, state, index, step, wire, spent)

        actor_system.ActorSystem._apply = recording
        try:
            kafka, system = build()
            full, full_seconds = timed(system.model(), "none")
        finally:
            actor_system.ActorSystem._apply = apply
        observed = [i for i in range(len(kafka.actors)) if i not in kafka.brokers] + ["spent"]
        _kafka, system = build(observed)
        reduced, reduced_seconds = timed(system.model(), "por")
        rows.append(f"| {spec} | {full.stats.distinct:,} | {reduced.stats.distinct:,} | "
                    f"{full.stats.distinct / reduced.stats.distinct:.3f} | {full_seconds:.2f} | {reduced_seconds:.2f} |")
    return rows


def main() -> int:
    print("# Partial-order reduction: states and CPU seconds\n")
    print(f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; `python3 benchmarks/reduction.py` (one run each, CPU seconds of "
          f"the search). What the reduction is and when it applies: docs/engine.md, \"Partial-order reduction\".\n")
    print("## Bundled specs that declare the independence of their steps\n")
    print("| spec | configuration | states, full | states, POR | factor | CPU s, full | CPU s, POR | same verdicts "
          "| longest counterexample, full / POR |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|")
    print("\n".join(bundled()))
    print("\n## Random actor systems (tests/test_reduction.py, seeds 0-199)\n")
    print("\n".join(random_systems()))
    print("\n## Kafka's roles (measured, not wired: see the script's docstring for what it supplies)\n")
    print("| spec | states, full | states, POR | factor | CPU s, full | CPU s, POR |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(kafka_roles()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
