"""Sweeps: one spec expanded into a matrix of configurations, each checked on its own.

A `sweep:` block maps dotted keys (axes) to lists of values; `--sweep KEY=V1,V2` adds an axis from the
command line. `expand` gives every combination as a `Point`, in a fixed order: axes in the order they
were written, values in the order listed, the last axis varying fastest (like nested loops). Each point
is checked for the combinations Kafka refuses (`configuration.build_config`), so a bad cell of the
matrix is an error naming the point, not a model of something Kafka would never run.
"""

from __future__ import annotations

import itertools

from yaml.nodes import Node, SequenceNode

from modelcheck.spec.configuration import build_config
from modelcheck.spec.document import Axis, Origin, Point, Spec
from modelcheck.spec.nodes import Source, describe, mapping_items
from modelcheck.spec.values import config_key, format_value, value_of


def parse_sweep(node: Node, source: Source) -> tuple[Axis, ...]:
    """The axes of a `sweep:` block."""
    axes = []
    for name, key_node, values_node in mapping_items(node, source, what="sweep", key="sweep"):
        key = config_key(name, source, key_node)
        axes.append(parse_axis(key, values_node, source, Origin(source.name, source.line_of(key_node))))
    return tuple(axes)


def parse_axis(key: str, node: Node, source: Source, origin: Origin) -> Axis:
    """One axis: `node` must be a non-empty list of distinct values of `key`."""
    if not isinstance(node, SequenceNode) or not node.value:
        raise source.error(f"a swept key needs a list of values such as [a, b], not {describe(node)}",
                           node=node, key=key)
    values = []
    for item in node.value:
        value = value_of(key, item, source)
        if value in values:
            raise source.error(f"{format_value(value)} is listed twice", node=item, key=key)
        values.append(value)
    return Axis(key, tuple(values), origin)


def expand(spec: Spec) -> list[Point]:
    """Every configuration of `spec`, in the sweep's order (one point without a sweep)."""
    if not spec.sweep:
        config = build_config(spec.settings, spec.origins)
        return [Point({}, config, spec.expected_for(config))]
    origins = dict(spec.origins)
    for axis in spec.sweep:
        origins[axis.key] = axis.origin
    points = []
    for combination in itertools.product(*(axis.values for axis in spec.sweep)):
        values = {axis.key: value for axis, value in zip(spec.sweep, combination)}
        settings = {**spec.settings, **values}
        label = ", ".join(f"{key}={format_value(value)}" for key, value in values.items())
        config = build_config(settings, origins, context=label)
        points.append(Point(values, config, spec.expected_for(config)))
    return points
