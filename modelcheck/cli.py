"""The `modelcheck` command line: explore, check, replay, simulate, graph, report, schema, init, specs.

Standard output carries the requested document (text, JSON, Markdown, Mermaid); progress and messages go
to standard error, and progress only when standard error is a terminal; while specs load and run, what
a Python spec prints goes to standard error too, so that `--format json` stays one JSON document.

Exit codes (SPEC-FORMAT.md): 0 every verdict as expected, 1 a violation or a mismatch, 2 an invalid spec
or usage (the message names file, line and key), 3 a limit left a verdict bounded, 4 an internal error
(a bug of modelcheck: the message asks for a bug report). No input gives a Python traceback: an
exception no command expects is a spec error when a Python spec's own code raised it, and an internal
error otherwise (`Main`), never exit code 1, which means a violation.
"""

from __future__ import annotations

import contextlib
import os
import sys
import sysconfig
import traceback
from pathlib import Path

import click

from modelcheck.engine.checkpoint import DEFAULT_INTERVAL
from modelcheck.engine.reduction import NONE, REDUCTIONS
from modelcheck.engine.fingerprint_bfs import EXACT, SEEN_SETS
from modelcheck.engine.partitioned_bfs import MAX_PARTITIONS
from modelcheck.errors import InvalidSpec, ModelcheckError
from modelcheck.kafka import MODELLED_KAFKA
from modelcheck.kafka.commit_modes import STRATEGIES
from modelcheck.runner import RunOptions, Shard, exit_code, run_specs
from modelcheck.spec.yaml_spec import limit_problem

FORMATS = ("text", "json", "markdown", "mermaid", "html")
EXIT_INVALID = 2
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130
MAX_WORKERS = 256               # processes for --workers: far more than any machine has cores
PACKAGE = Path(__file__).resolve().parent


class Progress:
    """A live status line on standard error while a search runs; silent unless it is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.shown = False

    def __call__(self, progress):
        if not self.enabled:
            return
        line = (f"  {progress.distinct:,} states, {progress.states_per_second:,.0f} states/s, "
                f"queue {progress.queue:,}, depth {progress.depth}, {progress.seconds:.0f}s")
        sys.stderr.write("\r" + line.ljust(78)[:100])
        sys.stderr.flush()
        self.shown = True

    def tasks(self, done: int, total: int):
        """The Ray run's progress (`--ray`): configurations back of those sent."""
        if not self.enabled:
            return
        sys.stderr.write(f"\r  ray: {done}/{total} configurations checked".ljust(78))
        sys.stderr.flush()
        self.shown = True

    def clear(self):
        if self.shown:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()
            self.shown = False


class Seconds(click.ParamType):
    """A time limit: a finite number of seconds above 0 (nan and inf would never stop a search)."""

    name = "seconds"

    def convert(self, value, param, ctx):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        problem = limit_problem(seconds)
        if problem is not None:
            self.fail(problem, param, ctx)
        return seconds


def _output_file(ctx, param, value):
    """Refuse an output file in a directory that does not exist before the search, not after it."""
    if value is not None and not Path(value).parent.is_dir():
        raise click.BadParameter(f"the directory {str(Path(value).parent)!r} of {value!r} does not exist")
    return value


def _write(path: str | Path, text: str, what: str, *, append: bool = False):
    """Write (or append) an output file; a failure is a usage error (exit 2) naming it, not a traceback."""
    try:
        with open(path, "a" if append else "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise ModelcheckError(f"cannot write {what} {str(path)!r}: {error.strerror or error}") from None


def _print_document(text: str, nl: bool = True):
    """Print the document on standard output. A reader that has gone (`| head`) ends the output, not
    the command, whose exit code still gives the verdicts; any other failure (a full disk) is an error
    naming standard output, not a traceback."""
    try:
        click.echo(text, nl=nl)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's documented way: point standard output at /dev/null so the exit's flush fails no more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError as error:
        raise ModelcheckError(f"cannot write the document to standard output: {error.strerror or error}") from None


def _spec_files(paths) -> list:
    """The spec files of `paths` (`spec.find_specs`); each file of a directory that is not a spec is
    named on standard error, so that a spec that is not recognised does not go unnoticed."""
    from modelcheck.spec import find_specs
    found = find_specs(paths)
    for skipped in found.skipped:
        click.echo(f"note: {skipped}", err=True)
    return found.specs


def _spec_output_to_stderr():
    """While specs load and run, what their code prints goes to standard error (the module docstring)."""
    return contextlib.redirect_stdout(sys.stderr)


def _param(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for text in values:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--param")
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


def _options(*, sets, sweeps, params, max_states, max_depth, time_limit, workers, symmetry, suggest=False,
             max_memory=None, checkpoint=None, resume=None, checkpoint_interval=None, quiet=False,
             keep_going=False, counterexamples=1, reduction=NONE, ray=None, ray_partitions=None,
             seen_set=EXACT) -> RunOptions:
    """The run's options from the search options of the command line (`_search_options`; `--ray`,
    `--ray-partitions` and `--quiet` are the command's, not the run's)."""
    if ray_partitions is not None:
        if ray is None:
            raise click.UsageError("--ray-partitions splits each search over actors of a Ray cluster: give the "
                                   "cluster too, with --ray auto or --ray HOST:PORT")
        for given, refused in ((workers != 1, "--workers (the partitions are the processes)"),
                               (reduction != NONE, f"--reduction {reduction} (the exact search's)"),
                               (counterexamples > 1, "--counterexamples (one trace per property)")):
            if given:
                raise click.UsageError(f"--ray-partitions searches without {refused}: leave it out")
    if ray is not None and (checkpoint is not None or resume is not None):
        raise click.UsageError("--checkpoint and --resume write to this machine's disk: leave them out with --ray")
    if ray is not None and workers == 0:
        raise click.UsageError("--workers 0 means one process per core of this machine: with --ray, give the "
                               "processes per configuration, such as --workers 2")
    if checkpoint is not None and resume is not None and Path(checkpoint) != Path(resume):
        raise click.UsageError("--resume DIR goes on writing its checkpoints to DIR: leave out --checkpoint, "
                               "or give both the same directory")
    directory = resume if resume is not None else checkpoint
    if directory is not None and workers != 1:
        raise click.UsageError("--checkpoint and --resume search on one process: leave out --workers")
    if checkpoint_interval is not None and directory is None:
        raise click.UsageError("--checkpoint-interval applies with --checkpoint DIR or --resume DIR")
    if reduction != NONE and workers != 1:
        raise click.UsageError(f"--reduction {reduction} searches on one process: leave out --workers")
    if reduction != NONE and directory is not None:
        raise click.UsageError(f"--reduction {reduction} writes no checkpoints: leave out --checkpoint and --resume")
    if seen_set != EXACT and workers != 1:
        raise click.UsageError(f"--seen-set {seen_set} searches on one process: leave out --workers")
    if seen_set != EXACT and directory is not None:
        raise click.UsageError(f"--seen-set {seen_set} writes no checkpoints (they hold the exact search's "
                               f"states): leave out --checkpoint and --resume")
    if seen_set != EXACT and reduction != NONE:
        raise click.UsageError(f"--reduction {reduction} is the exact search's: leave it out with --seen-set {seen_set}")
    return RunOptions(sets=tuple(sets), sweeps=tuple(sweeps), params=_param(params), max_states=max_states,
                      max_depth=max_depth, time_limit=time_limit, workers=workers, symmetry=symmetry,
                      suggest=suggest, max_memory=max_memory, checkpoint=directory, resume=resume is not None,
                      checkpoint_interval=DEFAULT_INTERVAL if checkpoint_interval is None else checkpoint_interval,
                      keep_going=keep_going, counterexamples=counterexamples, reduction=reduction,
                      seen_set=seen_set)


def _search_options(function):
    """The options every exploring command shares."""
    decorators = [
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                     help="Override one key of a YAML spec (dotted, as in the file), e.g. producer.acks=1."),
        click.option("--sweep", "sweeps", multiple=True, metavar="KEY=V1,V2",
                     help="Explore every value of KEY (a matrix); repeat for more axes."),
        click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                     help="A parameter of a Python spec's model(), e.g. rms=5."),
        click.option("--max-states", type=click.IntRange(min=1), default=None,
                     help="Stop after this many distinct states (verdicts left open are 'bounded')."),
        click.option("--max-depth", type=click.IntRange(min=1), default=None,
                     help="Do not explore paths longer than this many states."),
        click.option("--time-limit", type=Seconds(), default=None,
                     metavar="SECONDS", help="Stop after this many seconds."),
        click.option("--max-memory", type=click.IntRange(min=1), default=None, metavar="MB",
                     help="Stop when the search holds this many megabytes (shared among --workers)."),
        click.option("--workers", type=click.IntRange(min=0, max=MAX_WORKERS), default=1, show_default=True,
                     help=f"Processes to search with (at most {MAX_WORKERS}); 0 means one per core."),
        click.option("--no-symmetry", "symmetry", flag_value=False, default=True,
                     help="Turn symmetry reduction off (the model's canonical form is ignored)."),
        click.option("--reduction", type=click.Choice(REDUCTIONS), default=NONE, show_default=True,
                     help="por: partial-order reduction, for models that declare the independence of their "
                          "steps (an actor system given `observes`); same verdicts and shortest traces "
                          "(a final search without it restores them), fewer states (docs/engine.md). "
                          "One process only."),
        click.option("--checkpoint", type=click.Path(file_okay=False), default=None, metavar="DIR",
                     help="Write each search's state to DIR at intervals and when it stops, to go on later "
                          "with --resume DIR (one process only)."),
        click.option("--resume", type=click.Path(file_okay=False), default=None, metavar="DIR",
                     help="Go on from the checkpoints in DIR (same spec and options), writing new ones there; a "
                          "configuration without one starts afresh."),
        click.option("--checkpoint-interval", type=Seconds(), default=None, metavar="SECONDS",
                     help=f"Seconds between two checkpoints of a running search (default {DEFAULT_INTERVAL:g})."),
        click.option("--continue", "keep_going", is_flag=True,
                     help="Explore the whole state graph even once every verdict is decided (TLC's -continue)."),
        click.option("--counterexamples", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
                     help="Per violated property, up to N shortest traces, one per violating state (one for "
                          "temporal properties)."),
        click.option("--ray", default=None, metavar="auto|HOST:PORT",
                     help="Check each configuration as a task on a Ray cluster: its head's address, or auto for "
                          "the cluster this machine belongs to (needs pip install 'modelcheck[ray]')."),
        click.option("--ray-partitions", type=click.IntRange(min=1, max=MAX_PARTITIONS), default=None, metavar="N",
                     help="With --ray: search each configuration over N Ray actors, each owning a share of the "
                          "states' fingerprints (the counts, verdicts and traces of --seen-set fingerprint; "
                          "one CPU of the cluster per actor)."),
        click.option("--seen-set", type=click.Choice(SEEN_SETS), default=EXACT, show_default=True,
                     help="What the search keeps of each state found: the state (exact), or a 64-bit "
                          "fingerprint (a few bytes a state; one process; a model with temporal properties is "
                          "searched exactly; a collision could hide states, and its probability is printed)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress line on standard error."),
        click.option("--suggest", is_flag=True,
                     help="For each violated property, explore every one-setting change and report those "
                          "under which it holds."),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def _shard_option(_context, _parameter, value):
    """`--shard K/N` as a `runner.Shard` (None when not given)."""
    if value is None:
        return None
    number, slash, count = value.partition("/")
    try:
        if not slash:
            raise ValueError
        return Shard(int(number), int(count))
    except ValueError:
        raise click.BadParameter(f"{value!r}: give K/N with 1 <= K <= N, such as 2/4") from None


def _run(paths, options: RunOptions, quiet: bool, shard=None, ray=None, partitions=None):
    """Run the specs (with `ray`, an address, as tasks on that Ray cluster: `ray_runner`; with `partitions`
    too, each search over that many actors of the cluster: `ray_partitions`), then the
    analysis of their violations (`explain.analyse`, within what each search left of its limits). Ctrl-C
    inside a search or the analysis keeps what was found (exit code 3, see `_exit_code`), and Ctrl-C
    between searches (while a spec loads or a model is built) ends the command with exit code 130."""
    from modelcheck.report.explain import analyse
    progress = Progress(not quiet)
    try:
        with _spec_output_to_stderr():
            if ray is None:
                outcomes = run_specs(paths, options, progress=progress, chosen=shard)
            elif partitions is not None:
                outcomes = _run_partitioned(paths, options, ray, partitions, shard, progress)
            else:
                outcomes = _run_on_ray(paths, options, ray, shard, progress)
            progress.clear()
            if analyse(outcomes):
                click.echo("interrupted during the analysis of the violations: the verdicts stand, the "
                           "inevitable steps not computed are marked so", err=True)
            return outcomes
    except KeyboardInterrupt:
        progress.clear()
        click.echo("interrupted before a search started: nothing to report", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        progress.clear()


def _run_on_ray(paths, options: RunOptions, address: str, shard, progress: Progress):
    """`ray_runner.run_on_ray`, saying on standard error what cluster it joined and what did not come back."""
    from modelcheck.ray_runner import run_on_ray
    outcomes = run_on_ray(paths, options, address, chosen=shard, on_progress=progress.tasks,
                          on_connected=_say_connected)
    progress.clear()
    cut = sum(outcome.result.stopped_by == "interrupted" for outcome in outcomes)
    if cut:
        click.echo(f"ray: interrupted: {cut} of {len(outcomes)} configurations reported as interrupted", err=True)
    return outcomes


def _run_partitioned(paths, options: RunOptions, address: str, partitions: int, shard, progress: Progress):
    """`ray_partitions.run_partitioned`, saying on standard error what cluster it joined."""
    from modelcheck.ray_partitions import run_partitioned
    outcomes = run_partitioned(paths, options, address, partitions, chosen=shard, progress=progress,
                               on_connected=_say_connected)
    progress.clear()
    return outcomes


def _say_connected(found: str, resources: dict):
    click.echo(f"ray: joined the cluster at {found} ({resources.get('CPU', 0):g} CPUs)", err=True)


def _exit_code(outcomes) -> int:
    """`runner.exit_code`, or 3 when it is 0 and Ctrl-C cut the analysis short (as for a search)."""
    from modelcheck.report.explain import analysis_interrupted
    code = exit_code(outcomes)
    cut = analysis_interrupted(outcomes) or any(outcome.cost_incomplete == "interrupted" for outcome in outcomes)
    return 3 if code == 0 and cut else code


def _fail(error: ModelcheckError):
    """Print the error (each of several on its own line) and exit with code 2."""
    for problem in getattr(error, "errors", None) or [error]:
        click.echo(f"error: {problem}", err=True)
    sys.exit(EXIT_INVALID)


def _unexpected(error: Exception):
    """An exception no command handled: the spec's own code failing (exit 2), else a bug of ours (exit 4).

    Whose code failed is read off the traceback: the innermost frame that is neither the standard
    library nor an installed package. Outside modelcheck it is a Python spec's (a `__repr__` that
    raises while a report is written, say): a spec error naming its file and line. Inside modelcheck
    it is a bug: the message says where and asks for a report.
    """
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not _is_library(frame.filename)]
    if frames and not _is_ours(frames[-1].filename):
        frame = frames[-1]
        _fail(InvalidSpec(f"the spec's code raised {type(error).__name__}: {error}", file=frame.filename,
                          line=frame.lineno))
    where = ""
    if frames:
        frame = frames[-1]
        file = Path(frame.filename).resolve().relative_to(PACKAGE.parent)
        where = f" at {file}:{frame.lineno} ({frame.name})"
    click.echo(f"internal error: {type(error).__name__}: {error}{where}", err=True)
    click.echo("This is a bug in modelcheck, not a problem with your spec. Please report it with the spec "
               "file and the command line attached.", err=True)
    if os.environ.get("MODELCHECK_DEBUG"):
        click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
    else:
        click.echo("Run it again with MODELCHECK_DEBUG=1 to add the Python traceback to the report.", err=True)
    sys.exit(EXIT_INTERNAL)


def _is_ours(filename: str) -> bool:
    return Path(filename).resolve().is_relative_to(PACKAGE)


def _is_library(filename: str) -> bool:
    """The standard library or an installed package (click, PyYAML), where a fault is not the cause."""
    if filename.startswith("<"):                          # <frozen importlib._bootstrap>, <string>
        return True
    path = Path(filename).resolve()
    return not _is_ours(filename) and any(path.is_relative_to(root) for root in _LIBRARY_ROOTS)


_LIBRARY_ROOTS = tuple({Path(sysconfig.get_paths()[name]).resolve()
                        for name in ("stdlib", "platstdlib", "purelib", "platlib")})


class Main(click.Group):
    """The `modelcheck` group: errors no command handled end with their exit code, never a traceback.

    A `ModelcheckError` is a user error (2); Ctrl-C outside a search is an interrupt (130; click would
    say "Aborted!" and exit 1, the code of a violation); any other exception is the spec's code failing
    (2) or a bug of ours (4), see `_unexpected`.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ModelcheckError as error:
            _fail(error)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as error:   # noqa: BLE001 -- see the docstring
            _unexpected(error)


def _render(outcomes, fmt: str, out: str | None, color: bool) -> str | None:
    """The document for `--format`; None when it was written to a file (html)."""
    if fmt == "text":
        from modelcheck.report.text import render_outcomes
        return render_outcomes(outcomes, color=color)
    if fmt == "json":
        from modelcheck.report.json_report import render_json
        return render_json(outcomes)
    if fmt == "markdown":
        from modelcheck.report.markdown import render_markdown
        return render_markdown(outcomes)
    if fmt == "mermaid":
        from modelcheck.report.mermaid import render_outcomes as render_mermaid
        return render_mermaid(outcomes)
    if fmt == "html":
        from modelcheck.report.html import render_html
        directory = Path(out or ".")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ModelcheckError(f"cannot create the --out directory {str(directory)!r}: "
                                  f"{error.strerror or error}") from None
        page = directory / "index.html"
        _write(page, render_html(outcomes), "the HTML report")
        click.echo(f"wrote {page}", err=True)
        return None
    raise click.BadParameter(fmt, param_hint="--format")


def _save_traces(outcomes, directory, options: RunOptions):
    """Write each counterexample of `outcomes` as a trace file in `directory` (`report.trace_file`)."""
    if directory is None:
        return
    from modelcheck.report.trace_file import trace_files
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelcheckError(f"cannot create the --save-traces directory {str(directory)!r}: "
                              f"{error.strerror or error}") from None
    files = trace_files(outcomes, directory, sets=options.sets, sweeps=options.sweeps, params=options.params)
    for name, text in files.items():
        _write(Path(directory) / name, text, "the trace file")
    click.echo(f"wrote {len(files)} trace files to {directory}", err=True)


SAVE_TRACES_HELP = ("Write each counterexample (of a safety or a temporal property) as a trace file in DIR, "
                    "for modelcheck replay.")


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="modelcheck", message=f"%(prog)s %(version)s\nKafka model: {MODELLED_KAFKA}")
def main():
    """Exhaustive model checking of Kafka delivery guarantees.

    A spec names a Kafka setup (YAML, with Kafka's property names) or a model of your own (a Python
    file with a model() function). modelcheck explores every interleaving of its steps, faults and
    crashes within the spec's budget and says, for each property, whether it holds, with the shortest
    counterexample when it does not.

    \b
    Examples:
      modelcheck explore specs/at-least-once.yaml
      modelcheck explore specs/two_phase_commit.py --param rms=5 --format json
      modelcheck check specs/ --junit junit.xml
    """


@main.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@_search_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="How to print the result.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for --format html (index.html is written there).")
@click.option("--save-traces", type=click.Path(file_okay=False), default=None, metavar="DIR", help=SAVE_TRACES_HELP)
def explore(spec, fmt, out, save_traces, **search):
    """Explore one spec and print every property's verdict, with counterexample traces."""
    options, quiet = _options(**search), search["quiet"]
    try:
        outcomes = _run([spec], options, quiet, ray=search["ray"], partitions=search["ray_partitions"])
        text = _render(outcomes, fmt, out, color=fmt == "text" and sys.stdout.isatty())
        _save_traces(outcomes, save_traces, options)
    except ModelcheckError as error:
        _fail(error)
    if text is not None:
        _print_document(text)
    sys.exit(_exit_code(outcomes))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@_search_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="How to print the results.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Directory for --format html.")
@click.option("--junit", type=click.Path(dir_okay=False), default=None, callback=_output_file,
              help="Write JUnit XML here: one test case per spec and property.")
@click.option("--markdown", "markdown_file", type=click.Path(dir_okay=False), default=None,
              callback=_output_file, help="Write a Markdown summary here (GITHUB_STEP_SUMMARY is appended to when set).")
@click.option("--save-traces", type=click.Path(file_okay=False), default=None, metavar="DIR", help=SAVE_TRACES_HELP)
@click.option("--shard", default=None, metavar="K/N", callback=_shard_option,
              help="Run only the K-th of N shares of the configurations (dealt in turn over every spec's "
                   "configurations, in order), for a CI matrix: the N shards together check each once.")
def check(paths, fmt, out, junit, markdown_file, save_traces, shard, **search):
    """The CI gate: check every spec (files or directories) against its expect: block."""
    options, quiet = _options(**search), search["quiet"]
    try:
        files = _spec_files(paths)
        if not files:
            raise click.UsageError(f"no spec files (*.yaml, *.yml, *.py) in {', '.join(paths)}")
        outcomes = _run(files, options, quiet, shard, ray=search["ray"], partitions=search["ray_partitions"])
        if shard is not None:
            click.echo(f"shard {shard.number}/{shard.count}: {shard.taken} of {shard.seen} configurations",
                       err=True)
        if fmt == "text":
            from modelcheck.report.text import render_check
            text = render_check(outcomes, color=sys.stdout.isatty())
        else:
            text = _render(outcomes, fmt, out, color=False)
        _save_traces(outcomes, save_traces, options)
    except ModelcheckError as error:
        _fail(error)
    if text is not None:
        _print_document(text)
    if junit:
        from modelcheck.report.junit import render_junit
        _write(junit, render_junit(outcomes), "--junit")
    from modelcheck.report.markdown import render_markdown
    summary = render_markdown(outcomes)
    if markdown_file:
        _write(markdown_file, summary, "--markdown")
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        _write(os.environ["GITHUB_STEP_SUMMARY"], summary + "\n", "GITHUB_STEP_SUMMARY", append=True)
    sys.exit(_exit_code(outcomes))


@main.command()
@click.argument("traces", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--spec", "spec", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Replay against this spec file instead of the one the trace file names.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override one key of the YAML spec, after the trace file's own --set.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the Python spec's model(), after the trace file's own.")
def replay(traces, spec, sets, params):
    """Replay saved counterexamples (from --save-traces) against the current code and spec.

    Exit code 0 when every one still reproduces, 1 when one no longer does (the step that diverged is
    named, with its label), 2 for a trace file or spec that cannot be read.

    \b
    Example:
      modelcheck explore specs/consumer-commit-before-process.yaml --save-traces traces/
      modelcheck replay traces/*.json
    """
    from modelcheck.trace_replay import read_trace_file, replay_trace
    code = 0
    try:
        with _spec_output_to_stderr():
            answers = [(trace, replay_trace(read_trace_file(trace), spec=spec, sets=tuple(sets),
                                            params=_param(params))) for trace in traces]
    except ModelcheckError as error:
        _fail(error)
    lines = []
    for trace, answer in answers:
        lines.append(f"{trace}: {answer.message}" if answer.reproduces
                     else f"{trace}: does not reproduce: {answer.message}")
        if not answer.reproduces:
            code = 1
    _print_document("\n".join(lines))
    sys.exit(code)


@main.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override one key of a YAML spec.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter of a Python spec.")
@click.option("--depth", type=click.IntRange(min=1), default=100, show_default=True,
              help="Steps per run at most.")
@click.option("--runs", type=click.IntRange(min=1), default=1000, show_default=True, help="Random runs.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random choices: the same seed gives the same runs.")
@click.option("--time-limit", type=Seconds(), default=None, help="Stop starting new runs after this many seconds.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="How to print the result.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for --format html (index.html is written there).")
def simulate(spec, sets, params, depth, runs, seed, time_limit, fmt, out):
    """Check the safety properties of one spec on random runs (TLC's -simulate): for models too big to
    explore. It reports what it found, with the run and seed to replay it, and never proves a property."""
    from modelcheck.engine.simulation import simulate as simulate_model
    from modelcheck.runner import load_models, model_errors_of
    from modelcheck.spec.outcome import Outcome
    options = RunOptions(sets=tuple(sets), params=_param(params))
    outcomes = []
    try:
        with _spec_output_to_stderr():
            for job in load_models(spec, options):
                with model_errors_of(spec):
                    result = simulate_model(job.model, runs=runs, depth=depth, seed=seed, time_limit=time_limit)
                outcomes.append(Outcome(spec_path=str(spec), name=job.name, result=result, model=job.model,
                                        description=job.description.strip(), config=job.values,
                                        expected=job.expected, scope=job.scope))
        text = _render(outcomes, fmt, out, color=fmt == "text" and sys.stdout.isatty())
    except ModelcheckError as error:
        _fail(error)
    if text is not None:
        _print_document(text)
    sys.exit(_exit_code(outcomes))


@main.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(("dot", "graphml", "json")), default="dot", show_default=True)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override one key of a YAML spec.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter of a Python spec.")
@click.option("--max-states", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Refuse models with more states than this: graphs are for small models.")
def graph(spec, fmt, sets, params, max_states):
    """Print the state graph of a small model (DOT, GraphML or JSON)."""
    from modelcheck.engine import graph as graphs
    from modelcheck.runner import load_models, model_errors_of
    options = RunOptions(sets=tuple(sets), params=_param(params))
    try:
        with _spec_output_to_stderr():
            jobs = list(load_models(spec, options))
            if len(jobs) != 1:
                raise click.UsageError("graph draws one configuration: this spec has a sweep")
            with model_errors_of(spec):
                state_graph = graphs.state_graph(jobs[0].model, max_states=max_states)
    except ModelcheckError as error:
        _fail(error)
    render = {"dot": graphs.to_dot, "graphml": graphs.to_graphml, "json": graphs.to_json}[fmt]
    _print_document(render(state_graph), nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Directory to write README.md, one page per spec and index.html into.")
@click.option("--workers", type=click.IntRange(min=0, max=MAX_WORKERS), default=1, show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress line on standard error.")
def report(paths, out, workers, quiet):
    """Regenerate the reports of specs (Markdown summary and matrices, traces, HTML), without timings."""
    from modelcheck.report.bundle import render_bundle, write_bundle
    try:
        outcomes = _run(_spec_files(paths), RunOptions(workers=workers), quiet)
    except ModelcheckError as error:
        _fail(error)
    try:
        written = write_bundle(render_bundle(outcomes), out)
    except OSError as error:
        _fail(ModelcheckError(f"cannot write the reports to {out!r}: {error.strerror or error}"))
    click.echo(f"wrote {len(written)} files to {out}", err=True)


@main.command()
def schema():
    """Print the JSON Schema of the YAML spec format (for an editor's completion and checks)."""
    import json
    from modelcheck.spec.schema import spec_schema
    _print_document(json.dumps(spec_schema(), indent=2))


def _strategies_epilog() -> str:
    """The commit strategies `init --commit` takes, one a line, with the consumer.commit each becomes."""
    lines = ["\b", "Commit strategies (--commit), by what your consumer's code does:"]
    for name, strategy in STRATEGIES.items():
        lines.append(f"  {name:32} {strategy.summary} -> commit: {strategy.mode}")
    return "\n".join(lines)


@main.command(epilog=_strategies_epilog())
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--client", type=click.Choice(("java", "librdkafka", "kafka-python")), default="java",
              show_default=True,
              help="The client your application uses; its defaults apply where your files are silent "
                   "(librdkafka: also confluent-kafka for Python, Go and .NET).")
@click.option("--commit", type=click.Choice(tuple(STRATEGIES)), default=None, metavar="STRATEGY",
              help="What your consumer's code does about offsets (listed below; default: read from "
                   "enable.auto.commit, else commit-sync-after-processing, said so in the spec).")
@click.option("--out", "-o", type=click.Path(dir_okay=False), default=None, callback=_output_file,
              help="Write the spec to this file (default: standard output).")
@click.option("--name", default=None, help="The spec's name (default: the --out file's name).")
@click.option("--force", is_flag=True, help="Overwrite the --out file when it exists.")
def init(files, client, commit, out, name, force):
    """Write a ready-to-run spec from your Kafka configuration files.

    FILES are producer.properties, consumer.properties, a broker's server.properties or a topic's
    settings, a Spring Boot application.yml or application.properties, a Python file with a
    confluent-kafka or kafka-python config dict (read, never run), or a JSON file of properties.
    Properties the model uses become spec keys (each says where it came from, or that it is your
    client's default); every other property is listed in a comment, as having no effect on delivery
    guarantees or as one that may matter, with the reason.

    \b
    Example:
      modelcheck init producer.properties consumer.properties -o myspec.yaml
      modelcheck explore myspec.yaml
    """
    from modelcheck.spec.init import init_spec
    if out is not None and Path(out).exists() and not force:
        _fail(ModelcheckError(f"{out} exists; use --force to overwrite it"))
    if name is None and out is not None:
        name = Path(out).stem
    try:
        text = init_spec(list(files), client=client, commit=commit, name=name)
    except ModelcheckError as error:
        _fail(error)
    if out is None:
        _print_document(text, nl=False)
        return
    _write(out, text, "--out")
    click.echo(f"wrote {out}; next: modelcheck explore {out}", err=True)


@main.command("specs")
@click.argument("directory", type=click.Path(exists=True, file_okay=False), required=False)
@click.option("--path", "print_path", is_flag=True,
              help="Print the bundled specs' directory and nothing else, as in: "
                   "modelcheck check \"$(modelcheck specs --path)\".")
def list_specs(directory, print_path):
    """List the specs in DIRECTORY with their descriptions; without DIRECTORY, the bundled specs, which
    are installed with modelcheck."""
    from modelcheck.spec import bundled_specs, is_python_spec, load_spec
    from modelcheck.spec.discover import python_spec_summary
    if print_path and directory is not None:
        raise click.UsageError("--path prints the bundled specs' directory: give it no DIRECTORY")
    try:
        if print_path:
            _print_document(str(bundled_specs()))
            return
        files = _spec_files([directory if directory is not None else _shown(bundled_specs())])
    except ModelcheckError as error:
        _fail(error)
    lines = []
    for path in files:
        if is_python_spec(path):
            about = python_spec_summary(path)
            lines.append(f"{path}  (Python model)" + (f" {_clip(about)}" if about else ""))
            continue
        try:
            spec = load_spec(path)
        except ModelcheckError as error:
            lines.append(f"{path}  INVALID: {error}")
            continue
        lines.append(f"{path}  {spec.name}: {_clip(spec.description)}")
    _print_document("\n".join(lines))


def _clip(text: str, limit: int = 200) -> str:
    """`text` on one line, cut at a word boundary after at most `limit` characters (… when cut)."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0] + " …"


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it is inside it (`specs` in a checkout), else whole."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


if __name__ == "__main__":
    main()
