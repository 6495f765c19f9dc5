"""One configuration's search split over Ray actors (`check --ray ADDRESS --ray-partitions N`).

`--ray` alone sends each configuration to a node as one task (`ray_runner`). With `--ray-partitions N`
each configuration is searched by N Ray actors instead, one per partition of the fingerprints
(`engine.partitioned_bfs`): each actor owns the states whose fingerprint is its number modulo N, holds
their fingerprints, parent links and queue, and expands them; the successors travel from actor to actor
in one batch per owner and round. An actor's `expand` returns its N batches as N objects of Ray's
(`num_returns`), and this machine passes their references to the owners' `receive`: a batch of 100 KiB or
more stays in the object store of the node that made it and goes from there to the owner's node; a
smaller one is kept by the caller, this machine, and travels through it (Ray's ownership model: an
object under `max_direct_call_object_size` is held in its owner's memory). This machine drives the
rounds, adds up the counts, rebuilds the traces by asking the actors for the parent links and
replaying the model, and writes the reports. The counts, verdicts and traces are those of
`--seen-set fingerprint` on one process.

An actor gets what a task of `ray_runner` gets (`ray_runner.Task`: the spec's text, the configuration's
place among the spec's, the options, the digest of this machine's modelcheck) and rebuilds the model
from the text (`ray_runner.job_of`), so a node needs modelcheck and Ray, no checkout. Each asks Ray for
one CPU, and Ray's SPREAD strategy deals them over the nodes; a cluster with fewer CPUs than partitions
is refused (the actors would wait for CPUs that never come). The configurations of a run are searched
one after another, each on its own N actors, ended when its search ends.

A model with temporal properties is searched on this machine with the exact one-process search (the
temporal properties are checked on the whole state graph, which no actor holds), and its result says
so. Refused (exit code 2): more than one counterexample per property (`--counterexamples`), `--workers`
and `--reduction` (the actors are the processes, and the reduction is the exact search's). Ctrl-C ends
the search with what the rounds before it found, and ends the actors.

Sources: Ray 2.60's documentation of actors (`ray.remote` on a class, `ray.kill`), of
`.options(num_returns=...)` on an actor method and of passing object references as arguments (Ray
resolves a reference given as a top-level argument before the call, and moves the object between nodes
itself), of the SPREAD scheduling strategy and of `ray.cluster_resources` (docs.ray.io, "Ray Core API");
where small objects live: the Ray 2.x architecture whitepaper ("Object management", the owner's
in-process store for objects under 100 KiB).
"""

from __future__ import annotations

import socket
from typing import Callable, Iterable

from modelcheck.engine import explore
from modelcheck.engine.model import TEMPORAL
from modelcheck.engine.partitioned_bfs import (INITIAL, Control, Expanded, Footprint, Partition, Received,
                                               check_partitionable, pack, partitioned_bfs)
from modelcheck.engine.result import Result
from modelcheck.errors import ModelcheckError
from modelcheck.ray_runner import INSTALL, Task, job_of, on_cluster
from modelcheck.runner import Job, RunOptions, Shard, check_job, interrupted
from modelcheck.spec.outcome import Outcome


class PartitionOnNode(Partition):
    """A partition as a Ray actor: its model rebuilt on its node from the task's spec text."""

    def __init__(self, task: Task, index: int, count: int):
        self.failure = None
        try:
            model = job_of(task).model
        except Exception as error:          # raised by `node`: Ray would report a failed creation without it
            self.failure = error
            return
        super().__init__(model, index, count, symmetry=task.options.symmetry)

    def node(self) -> str:
        """The name of the machine the actor runs on, once the model is rebuilt (or why it is not)."""
        if self.failure is not None:
            raise self.failure
        return socket.gethostname()


class RayPartitions:
    """The `count` partitions of one search as Ray actors (what `engine.partitioned_bfs` calls)."""

    def __init__(self, ray, task: Task, count: int):
        self.ray, self.count = ray, count
        actor = ray.remote(PartitionOnNode).options(num_cpus=1, scheduling_strategy="SPREAD")
        self.actors = [actor.remote(task, index, count) for index in range(count)]
        self.nodes = self._get([each.node.remote() for each in self.actors])    # each has built its model

    def start(self, control: Control, batches: list) -> list[Received]:
        return self._get([each.receive.remote(control, [INITIAL], [pack(batch)])
                          for each, batch in zip(self.actors, batches)])

    def round(self, control: Control) -> tuple[list[Expanded], list[Received]]:
        outputs = [each.expand.options(num_returns=self.count + 1).remote(control) for each in self.actors]
        received = [each.receive.remote(control, None, *(output[index] for output in outputs))
                    for index, each in enumerate(self.actors)]
        return self._get([output[-1] for output in outputs]), self._get(received)

    def link(self, partition: int, number: int) -> tuple[int, int, int]:
        return self._get(self.actors[partition].link.remote(number))

    def footprints(self) -> list[Footprint]:
        return self._get([each.footprint.remote() for each in self.actors])

    def close(self):
        for each in self.actors:
            self.ray.kill(each)
        self.actors = []

    def _get(self, references):
        """`ray.get`, an actor's error raised as the error it is (an invalid model, another modelcheck on
        the node), a dead actor as a ModelcheckError."""
        from ray import exceptions
        try:
            return self.ray.get(references)
        except exceptions.RayTaskError as error:
            cause = error.cause
            if isinstance(cause, ImportError):
                raise ModelcheckError(f"a Ray node could not rebuild the model: {cause}; install modelcheck on "
                                      f"every node ({INSTALL})") from None
            raise cause from None
        except exceptions.RayError as error:
            text = str(error).splitlines()[0] if str(error) else ""
            raise ModelcheckError(f"a partition of the distributed search failed: {type(error).__name__}: {text} "
                                  f"(a node that ran out of memory? bound the search with --max-memory)") from None


def search_on_ray(ray, task: Task, count: int) -> Callable[[Job, object, object], Result]:
    """The search of the configuration `task` names over `count` actors, as `runner.check_job` calls it."""
    options = task.options

    def search(job: Job, limits, progress) -> Result:
        model = job.model
        temporal = [p.name for p in model.get_properties() if p.kind in TEMPORAL]
        if temporal:
            result = explore(model, max_states=limits.max_states, max_depth=limits.max_depth,
                             time_limit=limits.time_limit, max_memory=limits.max_memory, symmetry=options.symmetry,
                             progress=progress, keep_going=options.keep_going)
            result.warnings.insert(0, f"searched on this machine by one process, not over {count} Ray partitions: "
                                      f"the temporal properties ({', '.join(temporal)}) are checked on the "
                                      f"whole state graph")
            return result
        check_partitionable(model, options.counterexamples)
        partitions = RayPartitions(ray, task, count)
        try:
            return partitioned_bfs(model, partitions, limits, symmetry=options.symmetry, progress=progress,
                                   keep_going=options.keep_going)
        finally:
            partitions.close()

    return search


def run_partitioned(paths: Iterable, options: RunOptions, address: str, count: int, *,
                    chosen: Shard | None = None, progress: Callable | None = None,
                    on_connected: Callable[[str, dict], None] | None = None) -> list[Outcome]:
    """Check every configuration of the specs in `paths` (or those the shard `chosen` takes), in order,
    each searched over `count` actors of the Ray cluster at `address`; stops after a search Ctrl-C cut
    short, as a local run does."""
    with on_cluster(paths, options, address, chosen, on_connected) as (ray, work):
        cpus = ray.cluster_resources().get("CPU", 0)
        if cpus < count:
            raise ModelcheckError(f"--ray-partitions {count}: the cluster has {cpus:g} CPUs, one per partition "
                                  f"is needed: give at most that many partitions, or add nodes")
        outcomes = []
        for item in work:
            outcome = check_job(item.job, item.task.path, options, progress,
                                search=search_on_ray(ray, item.task, count))
            outcomes.append(outcome)
            if interrupted(outcome):
                break
        return outcomes
