"""Command-line changes to a loaded spec: `--set KEY=VALUE` and `--sweep KEY=V1,V2`.

A value is read with YAML's rules for a scalar (`--set producer.acks=1`, `--set
producer.transactional.id=null`, `--set workload.keys=[k1,k2]`) and checked exactly as it would be in
the file; errors name the option (e.g. "--set producer.acks") where a file error names the file.

`--set` pins a key: it replaces the file's value and, if the key is swept, removes that axis (the
`when:` conditions of expectation rules still see the pinned value). `--sweep` adds an axis after the
file's, or replaces the file's axis of the same key in place. The result is validated again, point by
point, so an override cannot produce a configuration Kafka would refuse.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from yaml.nodes import Node, ScalarNode

from modelcheck.errors import InvalidSpec, collected, raise_all
from modelcheck.spec.document import POINTS, Origin, Spec
from modelcheck.spec.nodes import NULL_TAG, Source, compose
from modelcheck.spec.sweep import expand, parse_axis
from modelcheck.spec.values import config_key, value_of


def apply_overrides(spec: Spec, assignments: Iterable[str], *, check: bool = True) -> Spec:
    """`spec` with each `KEY=VALUE` of `--set` applied, in order; every bad one is reported at once.
    With `check`, every configuration of the result is validated too."""
    settings, origins = dict(spec.settings), dict(spec.origins)
    sweep = list(spec.sweep)
    errors: list[InvalidSpec] = []
    for text in assignments:
        with collected(errors):
            key, value_text, source = _split(text, "--set")
            value = value_of(key, _node(value_text, source), source)
            settings[key] = value
            origins[key] = Origin(source.name)
            sweep = _without(sweep, key)
    raise_all(errors)
    changed = replace(spec, settings=settings, origins=origins, sweep=tuple(sweep))
    if check:
        expand(changed)
    return changed


def apply_sweeps(spec: Spec, axes: Iterable[str], *, check: bool = True) -> Spec:
    """`spec` with each `KEY=V1,V2,...` of `--sweep` added as an axis (or replacing the file's); every
    bad one is reported at once. With `check`, every configuration of the result is validated too."""
    sweep = list(spec.sweep)
    errors: list[InvalidSpec] = []
    for text in axes:
        with collected(errors):
            key, values_text, source = _split(text, "--sweep")
            stripped = values_text.strip()
            listed = stripped if stripped.startswith("[") else f"[{values_text}]"
            axis = parse_axis(key, _node(listed, source), source, Origin(source.name))
            positions = [index for index, existing in enumerate(sweep) if existing.key == key]
            if positions:
                sweep[positions[0]] = axis
            else:
                sweep = _without(sweep, key) + [axis]
    raise_all(errors)
    changed = replace(spec, sweep=tuple(sweep))
    if check:
        expand(changed)
    return changed


def _without(sweep: list, key: str) -> list:
    """The axes of `sweep` with `key` no longer swept: its own axis dropped, and the key taken out of the
    configurations of a listed sweep (which is dropped when none is left with a key)."""
    out = []
    for axis in sweep:
        if axis.key == key:
            continue
        if axis.key == POINTS and key in axis.keys:
            points = tuple(dict.fromkeys(tuple((k, v) for k, v in point if k != key) for point in axis.values))
            points = tuple(point for point in points if point)
            if not points:
                continue
            axis = replace(axis, values=points)
        out.append(axis)
    return out


def apply_command_line(spec: Spec, assignments: Iterable[str] = (), axes: Iterable[str] = ()) -> Spec:
    """`--set` then `--sweep`; a key given to both is refused (it cannot be pinned and swept). Every
    problem of every option is reported at once; the configurations are validated once all apply."""
    assignments, axes = list(assignments), list(axes)
    pinned = {text.partition("=")[0].strip() for text in assignments}
    errors: list[InvalidSpec] = []
    for text in axes:
        key = text.partition("=")[0].strip()
        if key in pinned:
            errors.append(InvalidSpec("given to both --set and --sweep; a key is either pinned or swept",
                                      file=f"--sweep {key}", key=key))
    changed = spec
    with collected(errors):
        changed = apply_overrides(spec, assignments, check=False)
    with collected(errors):
        changed = apply_sweeps(changed, axes, check=False)
    raise_all(errors)
    if assignments or axes:
        expand(changed)
    return changed



def _split(text: str, option: str) -> tuple[str, str, Source]:
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name:
        example = "producer.acks=1" if option == "--set" else "producer.acks=0,1,all"
        raise InvalidSpec(f"expected KEY=VALUE such as {example}, not {text!r}", file=option)
    source = Source(f"{option} {name}", has_lines=False)
    return config_key(name, source, None), value, source


def _node(text: str, source: Source) -> Node:
    node = compose(text, source)
    if node is None:                        # `--set producer.transactional.id=` means null
        return ScalarNode(NULL_TAG, "")
    return node
