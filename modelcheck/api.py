"""The Python API: check spec files as `modelcheck check` does, or explore one configuration.

`check(paths)` runs spec files and directories (directories as `check DIR` reads them: only spec
files, `spec.discover`) and returns a `Checked`: one `Outcome` per configuration, the files skipped,
whether everything is as the specs expect, and `verdict(property)` to look a verdict up. `explore(target)`
explores one configuration and returns the engine's `Result`: a `Model` as the engine does, a spec file,
a spec given as a mapping (`{"producer": {"acks": 1}, "faults": {"broker.crash": 1}}`), or a
`KafkaConfig`. `replay(trace)` replays a counterexample saved with `--save-traces`. None prints anything. Invalid input raises `InvalidSpec` (file, line, key); a found
violation is never an exception, it is a verdict.

Leaves out: reports (render outcomes with `modelcheck.report`), the analysis of the step that makes a
violation inevitable (what `modelcheck check` adds to its traces), and Ctrl-C handling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from modelcheck.engine import explore as explore_model
from modelcheck.engine.model import Model
from modelcheck.engine.result import Result
from modelcheck.errors import InvalidSpec, ModelcheckError


@dataclass
class Checked:
    """What `check` found: the outcomes (one per configuration, in order) and the files it skipped."""

    outcomes: list = field(default_factory=list)     # of `modelcheck.spec.outcome.Outcome`
    skipped: list = field(default_factory=list)      # of `modelcheck.spec.Skipped`

    def __iter__(self) -> Iterator:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    @property
    def exit_code(self) -> int:
        """What `modelcheck check` would exit with: 0 as expected, 1 a violation or mismatch, 3 bounded."""
        from modelcheck.runner import exit_code
        return exit_code(self.outcomes)

    @property
    def passed(self) -> bool:
        """Every verdict as the specs expect (with no `expect:`, nothing violated), and none bounded."""
        return self.exit_code == 0

    def outcome(self, config: Mapping[str, Any] | None = None, *, spec: str | None = None):
        """The one outcome whose spec name or file is `spec` (any, if None) and whose swept values
        include `config` (`{"consumer.commit": "auto"}`; values compared as a spec spells them, so 1,
        "1" and true/"true" are alike). A ModelcheckError lists the choices when none or several match.

        >>> checked.outcome({"consumer.commit": "auto"}).result.stats.distinct   # doctest: +SKIP
        """
        from modelcheck.report.matrix import config_value
        wanted = {key: config_value(value) for key, value in (config or {}).items()}
        matching = [outcome for outcome in self.outcomes
                    if (spec is None or spec in (outcome.name, outcome.spec_path, Path(outcome.spec_path).name))
                    and all(key in outcome.config and config_value(outcome.config[key]) == value
                            for key, value in wanted.items())]
        if len(matching) == 1:
            return matching[0]
        from modelcheck.report.markdown import title_of
        choices = "; ".join(title_of(outcome) for outcome in self.outcomes) or "none"
        what = "no configuration matches" if not matching else f"{len(matching)} configurations match"
        hint = " (name it with config={...} or spec=...)" if matching else ""
        among = " ".join(part for part in (str(wanted) if wanted else "", f"in {spec}" if spec else "") if part)
        raise ModelcheckError(f"{what}{' ' + among if among else ''}{hint}; the configurations checked: {choices}")

    def verdict(self, name: str, config: Mapping[str, Any] | None = None, *, spec: str | None = None) -> str:
        """The verdict (holds, violated or bounded) of property `name` in the one configuration `outcome`
        picks. A ModelcheckError names the properties when the model has no such property.

        >>> modelcheck.check("specs/consumer-auto-commit.yaml").verdict("no-loss")   # doctest: +SKIP
        'violated'
        """
        outcome = self.outcome(config, spec=spec)
        properties = outcome.result.properties
        if name not in properties:
            raise ModelcheckError(f"{outcome.name} has no property {name!r}; it has {', '.join(properties)}")
        return properties[name].verdict


def check(paths: str | Path | Iterable[str | Path], *, sets: Iterable[str] = (), sweeps: Iterable[str] = (),
          params: Mapping[str, Any] | None = None, max_states: int | None = None, max_depth: int | None = None,
          time_limit: float | None = None, max_memory: int | None = None, workers: int = 1,
          suggest: bool = False, reduction: str = "none", seen_set: str = "exact") -> Checked:
    """Check spec files and directories against their `expect:` blocks, as `modelcheck check` does.

    `sets` and `sweeps` are the command line's `--set KEY=VALUE` and `--sweep KEY=V1,V2`; `params` the
    parameters of Python specs (`--param`); the limits override the specs' own `limits:`; `reduction="por"`
    is `--reduction por`; `seen_set` is `--seen-set` ("exact" or "fingerprint", see
    `modelcheck.engine.fingerprint_bfs`).

    >>> checked = modelcheck.check("specs/")                        # doctest: +SKIP
    >>> checked.passed, len(checked)
    (True, 43)
    """
    from modelcheck.runner import RunOptions, run_specs
    from modelcheck.spec import find_specs
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found = find_specs(paths)
    options = RunOptions(sets=tuple(sets), sweeps=tuple(sweeps),
                         params=tuple((name, _text(value)) for name, value in (params or {}).items()),
                         max_states=max_states, max_depth=max_depth, time_limit=time_limit,
                         max_memory=max_memory, workers=workers, suggest=suggest, reduction=reduction,
                         seen_set=seen_set)
    return Checked(run_specs(found.specs, options), found.skipped)


def explore(target, **options) -> Result:
    """Explore one configuration exhaustively and return its `Result` (a verdict and, for a violation,
    the shortest trace per property; `result.verdict("no-loss")`).

    `target` is one of:
    - a `Model`: explored as the engine's `explore` does (`options`: max_states, max_depth, time_limit,
      max_memory, workers, symmetry, progress, reduction);
    - a spec file (a path, YAML or Python) or a spec as a mapping, as its YAML would read; it must have
      one configuration (for a sweep, use `check`). `options` are those of `check` (sets, params,
      limits, workers, reduction);
    - a `KafkaConfig`, taken as it is.

    >>> modelcheck.explore({"producer": {"acks": 1}, "cluster": {"brokers": 2, "replication.factor": 2},
    ...                     "faults": {"broker.crash": 1}}).verdict("no-loss")          # doctest: +SKIP
    'violated'
    """
    if isinstance(target, Model):
        return explore_model(target, **options)
    from modelcheck.kafka.config import KafkaConfig
    if isinstance(target, KafkaConfig):
        return _explore_config(target, **options)
    if isinstance(target, Mapping):
        from modelcheck.spec import spec_from_mapping
        spec = spec_from_mapping(target)
        return _one(_run(spec.path, spec=spec, **options), spec.path)
    if isinstance(target, (str, Path)):
        return _one(_run(target, **options), str(target))
    raise TypeError(f"explore() takes a Model, a spec file, a spec mapping or a KafkaConfig, "
                    f"not {type(target).__name__}")


def replay(trace: str | Path, *, spec: str | Path | None = None, sets: Iterable[str] = (),
           params: Mapping[str, Any] | None = None):
    """Replay a counterexample saved by `--save-traces` against the current code and spec, as
    `modelcheck replay` does, and return its `ReplayResult`: `reproduces` (a bool) and `message`, with
    `step` the step that diverged, if one did. `spec`, `sets` and `params` come after the trace's own.
    A trace file or spec that cannot be read raises `InvalidSpec`.

    >>> modelcheck.replay("traces/consumer-commit-before-process--no-loss--1.json").reproduces  # doctest: +SKIP
    True
    """
    from modelcheck.trace_replay import read_trace_file, replay_trace
    return replay_trace(read_trace_file(trace), spec=spec, sets=tuple(sets),
                        params=tuple((name, _text(value)) for name, value in (params or {}).items()))


def _run(path, *, spec=None, sets=(), sweeps=(), params=None, max_states=None, max_depth=None, time_limit=None,
         max_memory=None, workers=1, reduction="none", seen_set="exact"):
    from modelcheck.runner import RunOptions, run_spec
    options = RunOptions(sets=tuple(sets), sweeps=tuple(sweeps),
                         params=tuple((name, _text(value)) for name, value in (params or {}).items()),
                         max_states=max_states, max_depth=max_depth, time_limit=time_limit,
                         max_memory=max_memory, workers=workers, reduction=reduction, seen_set=seen_set)
    return run_spec(path, options, spec=spec)


def _one(outcomes: list, name: str) -> Result:
    if len(outcomes) != 1:
        raise InvalidSpec(f"has {len(outcomes)} configurations (a sweep); explore() takes one: "
                          f"modelcheck.check() explores each", file=name)
    return outcomes[0].result


def _explore_config(config, **options) -> Result:
    from modelcheck.kafka.config import unmodelled
    from modelcheck.kafka.models import build_model
    for key, why in unmodelled(config):
        raise InvalidSpec(why, key=key)
    return explore_model(build_model(config), **options)


def _text(value) -> str:
    """A parameter as the command line would give it (true/false for booleans)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
