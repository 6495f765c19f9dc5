"""Running specs on a Ray cluster: one task per configuration (`check --ray` and `explore --ray`).

The run is the runner's (`runner.run_specs`), spread over the nodes of a cluster. This machine reads each
spec file once and enumerates its configurations (spec file, sweep point) as a local run does, dealing
them to shards the same way with `--shard`. Each configuration becomes one Ray task, which runs
`runner.check_job` on a node: the search, then the configuration's cost and, with `--suggest`, its
suggestions, within the limits of that one configuration, as a local run applies them (the time limit
counts from when the task starts on its node, not from when it was queued). A task asks for as many
CPUs as `--workers`, and Ray's SPREAD strategy places it: a search keeps its CPUs busy for seconds to
hours, so idle nodes should take the next one first.

What ships with a task is the spec's text, not its path, with the name the user gave it, the index of
the configuration among the spec's and the run's options: a node needs modelcheck and Ray installed, no
checkout and no shared file system. A node rebuilds the model from the text (`runner.load_models`), so
the model's closures never travel; a Python spec's text is imported there under the module name it has
here (`python_spec.module_name`), so the classes of its states unpickle here as this machine's own. The
task returns the `Outcome` without its model; this machine rebuilds each model (cheap: building is not
searching) and puts it back, so that reports and the analysis of violations (`report.explain`) work as
after a local run. Outcomes come back in the order of a local run whatever order the tasks finish in.

A node must run the same modelcheck as this machine: a task compares a digest of the package's source
files with the one computed here and refuses to run otherwise (a different model would give different
verdicts under the same name). modelcheck itself is not shipped with the tasks (Ray's `runtime_env`
could upload the package): installed once per node, it costs a task nothing to start, and the digest
catches a node left on other code. The nodes' Python and Ray versions must match this machine's, as Ray
requires. What a spec's code prints on a node stays in that node's Ray logs.

Ctrl-C keeps the outcomes already back and cancels the other tasks, running or queued. Ray sends back
nothing of a cancelled task (`ray.get` raises TaskCancelledError), so a search cut short has no partial counts (a local one has): each
configuration not back is reported as interrupted, every verdict bounded and nothing explored. The run
then ends with exit code 3, as a local run cut short does, and the report names what was not checked.

Left out: one configuration is never split over nodes by this module (`--ray-partitions` does that:
`ray_partitions`); `--checkpoint` and `--resume` are refused (a checkpoint would be written on a node's disk);
a node's crash (out of memory, say) is an error naming the configuration, after Ray's own retries.

Ray is an optional extra (`pip install 'modelcheck[ray]'`): only this module imports it, and only when
`--ray` is given; without it the command says what to install (exit code 2). Sources: Ray 2.60's
documentation of `ray.init` (address "auto" or HOST:PORT), `ray.remote`, `ray.wait` and `ray.cancel`
(docs.ray.io, "Ray Core API"); Ray's rule that a cluster's nodes and drivers run the same Python and Ray
versions ("Ray cluster: installing Ray on every node").
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import socket
import sys
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Callable, Iterable

from modelcheck.engine.model import SOMETIMES
from modelcheck.engine.result import BOUNDED, PropertyResult, Result, Stats
from modelcheck.errors import ModelcheckError
from modelcheck.runner import Job, RunOptions, Shard, check_job, limits_for, load_models
from modelcheck.spec import is_python_spec
from modelcheck.spec.outcome import Outcome
from modelcheck.spec.python_spec import module_name
from modelcheck.spec.yaml_spec import read_text

INSTALL = "pip install 'modelcheck[ray]'"
CONNECT_TIMEOUT = 10.0    # seconds to reach the cluster's address before saying it cannot be reached


def import_ray():
    """The `ray` module, or a ModelcheckError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ModelcheckError(f"--ray needs Ray, an optional extra of modelcheck: {INSTALL} "
                              "(on this machine and on every node of the cluster)") from None
    return ray


@dataclass(frozen=True)
class Task:
    """What one Ray task gets: a configuration named by its spec's text and its place among the spec's."""

    path: str                 # the spec file as the user named it (for messages and reports only)
    text: str                 # the spec file's text
    module_as: str | None     # a Python spec's module name on this machine (None for a YAML spec)
    index: int                # the configuration's place in `load_models` order
    options: RunOptions
    code: str                 # `code_digest()` of the machine that sent the task


@dataclass(frozen=True)
class Configuration:
    """One configuration of the run: the job as this machine built it, and the task that checks it."""

    job: Job
    task: Task


def check_configuration(task: Task) -> Outcome:
    """Run on a node: check the configuration `task` names and return its outcome, without the model."""
    job = job_of(task)
    with contextlib.redirect_stdout(sys.stderr):          # a spec's prints go to the node's logs
        outcome = check_job(job, task.path, task.options)
    outcome.model = None
    return outcome


def job_of(task: Task) -> Job:
    """Run on a node: the configuration `task` names, its model rebuilt from the spec's text, once the
    node is known to run this machine's modelcheck (`code_digest`)."""
    if code_digest() != task.code:
        raise ModelcheckError(f"the Ray node {socket.gethostname()} runs another modelcheck than the machine "
                              f"that sent the task (the package's source files differ): install the same "
                              f"modelcheck on every node")
    with contextlib.redirect_stdout(sys.stderr):
        jobs = load_models(task.path, task.options, text=task.text, module_as=task.module_as)
        return next(itertools.islice(jobs, task.index, None))


@cache
def code_digest() -> str:
    """A digest of modelcheck's Python source files, the same on two machines when the code is the same."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*.py")):
        if "specs" in file.relative_to(package).parts:    # the bundled specs ship as text with each task
            continue
        digest.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def configurations(paths: Iterable[str | Path], options: RunOptions,
                   chosen: Shard | None = None) -> list[Configuration]:
    """Every configuration of the specs in `paths`, in the order of a local run (or those of them the
    shard `chosen` takes), each spec read once: the same text is built here and shipped to the node."""
    sent = replace(options, shard=None)
    out = []
    for path in paths:
        text = read_text(path)
        module_as = module_name(path) if is_python_spec(path) else None
        for index, job in enumerate(load_models(path, options, text=text, module_as=module_as)):
            if chosen is not None and not chosen.takes_next():
                continue
            out.append(Configuration(job, Task(str(path), text, module_as, index, sent, code_digest())))
    return out


def run_on_ray(paths: Iterable[str | Path], options: RunOptions, address: str, *,
               chosen: Shard | None = None, on_progress: Callable[[int, int], None] | None = None,
               on_connected: Callable[[str, dict], None] | None = None) -> list[Outcome]:
    """Check every configuration of the specs in `paths` as tasks on the Ray cluster at `address`
    ("auto" or HOST:PORT); the outcomes in the order of a local run (see the module docstring).
    `on_progress(done, total)` follows the tasks; `on_connected` gets the cluster's address (what "auto"
    found) and its resources."""
    with on_cluster(paths, options, address, chosen, on_connected) as (ray, work):
        return _gather(ray, work, options, on_progress)


@contextlib.contextmanager
def on_cluster(paths: Iterable[str | Path], options: RunOptions, address: str, chosen: Shard | None,
               on_connected: Callable[[str, dict], None] | None):
    """The `ray` module joined to the cluster at `address`, and the configurations of the specs in `paths`
    (those the shard takes); leaves the cluster at the end if it joined it here. `on_connected` gets the
    cluster's address (what "auto" found) and its resources."""
    ray = import_ray()
    if chosen is None and options.shard is not None:
        chosen = Shard(*options.shard)
    work = configurations(paths, options, chosen)
    connected = connect(ray, address)
    try:
        if on_connected is not None:
            on_connected(ray.get_runtime_context().gcs_address, ray.cluster_resources())
        yield ray, work
    finally:
        if connected:
            ray.shutdown()


def connect(ray, address: str) -> bool:
    """Join the cluster at `address`; False when this process had already joined one (which it keeps)."""
    if ray.is_initialized():
        return False
    if address != "auto":
        host, colon, port = address.rpartition(":")
        if not colon or not port.isdigit() or not host:
            raise ModelcheckError(f"--ray {address!r}: give HOST:PORT (the head node's address, as `ray start "
                                  f"--head` prints it) or auto")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
        except OSError as error:
            raise ModelcheckError(f"--ray {address}: no Ray cluster answers there ({error.strerror or error}); "
                                  f"start one with `ray start --head` on that machine") from None
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ModelcheckError(f"--ray {address}: cannot join the Ray cluster: {error}") from None
    return True


def _gather(ray, work: list[Configuration], options: RunOptions, on_progress) -> list[Outcome]:
    """Submit one task per configuration and collect the outcomes in order; Ctrl-C keeps those back."""
    check = ray.remote(check_configuration).options(num_cpus=max(1, options.workers), scheduling_strategy="SPREAD")
    pending = {check.remote(item.task): number for number, item in enumerate(work)}
    outcomes: list[Outcome | None] = [None] * len(work)
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for reference in done:
                number = pending.pop(reference)
                outcomes[number] = _returned(ray, reference, work[number])
            if on_progress is not None:
                on_progress(len(work) - len(pending), len(work))
    except KeyboardInterrupt:
        _cancel(ray, pending, work, outcomes)
    except BaseException:
        for reference in pending:
            ray.cancel(reference, force=True)
        raise
    return [outcome if outcome is not None else not_checked(item.job, item.task)
            for outcome, item in zip(outcomes, work)]


def _cancel(ray, pending: dict, work: list[Configuration], outcomes: list):
    """Ctrl-C: keep the outcomes already back, and stop the tasks still running or queued (their nodes'
    processes are ended: Ray sends back nothing of a cancelled task, so a search cut short has no
    partial counts to give)."""
    done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0) if pending else ([], [])
    for reference in done:
        number = pending.pop(reference)
        with contextlib.suppress(ModelcheckError):
            outcomes[number] = _returned(ray, reference, work[number])
    for reference in pending:
        ray.cancel(reference, force=True)


def _returned(ray, reference, item: Configuration) -> Outcome | None:
    """The outcome a task sent back, with this machine's model; None for a cancelled task; an error of
    the task (an invalid spec, another modelcheck on the node, a node that died) as a ModelcheckError."""
    from ray import exceptions
    job = item.job
    try:
        outcome = ray.get(reference)
    except exceptions.TaskCancelledError:
        return None
    except exceptions.RayTaskError as error:
        cause = error.cause
        if isinstance(cause, ModelcheckError):
            raise cause from None
        if isinstance(cause, ImportError):
            raise ModelcheckError(f"a Ray node could not run the task for {job.model.name} ({item.task.path}): "
                                  f"{cause}; install modelcheck on every node ({INSTALL})") from None
        raise cause from None
    except exceptions.RayError as error:
        raise ModelcheckError(f"the Ray task for {job.model.name} ({item.task.path}) failed: "
                              f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} "
                              f"(a node that ran out of memory? bound the search with --max-memory)") from None
    outcome.model = job.model
    return outcome


def not_checked(job: Job, task: Task) -> Outcome:
    """The outcome of a configuration whose task was cancelled before it came back: nothing explored,
    every verdict bounded, stopped by `interrupted`."""
    limits = limits_for(job.limits, task.options)
    properties = {prop.name: PropertyResult(prop.name, prop.kind, BOUNDED, prop.description)
                  for prop in job.model.get_properties()
                  if job.properties is None or prop.name in job.properties or prop.kind == SOMETIMES}
    result = Result(model=job.model.name, properties=properties, stats=Stats(), stopped_by="interrupted",
                    parameters=dict(job.model.parameters), limits=limits)
    return Outcome(spec_path=task.path, name=job.name, result=result, model=job.model,
                   description=job.description.strip(), config=job.values, expected=job.expected,
                   expected_lines=job.expected_lines, notes=list(job.notes), scope=job.scope)
