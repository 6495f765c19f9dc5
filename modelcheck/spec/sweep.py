"""Sweeps: one spec expanded into a matrix of configurations, each checked on its own.

A `sweep:` block maps dotted keys (axes) to lists of values; `--sweep KEY=V1,V2` adds an axis from the
command line. `expand` gives every combination as a `Point`, in a fixed order: axes in the order they
were written, values in the order listed, the last axis varying fastest (like nested loops). Each point
is checked for the combinations Kafka refuses (`configuration.build_config`), so a bad cell of the
matrix is an error naming the point, not a model of something Kafka would never run.

A sweep has at most MAX_POINTS configurations: each is an exhaustive search of its own, and a few axes
of long lists would otherwise multiply into millions of points, built before the first search starts.
"""

from __future__ import annotations

import itertools
import math

from yaml.nodes import Node, SequenceNode

from modelcheck.errors import InvalidSpec
from modelcheck.spec.configuration import build_config
from modelcheck.spec.document import POINTS, Axis, Origin, Point, Spec
from modelcheck.spec.nodes import Source, describe, mapping_items
from modelcheck.spec.values import config_key, format_value, value_of

MAX_POINTS = 10_000


def parse_sweep(node: Node, source: Source) -> tuple[Axis, ...]:
    """The axes of a `sweep:` block: a mapping of keys to lists of values (every combination), or a list
    of mappings (exactly those configurations, one per mapping)."""
    if isinstance(node, SequenceNode):
        return (parse_points(node, source),)
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


def parse_points(node: SequenceNode, source: Source) -> Axis:
    """A `sweep:` written as a list of configurations: each item a mapping of keys to one value each."""
    if not node.value:
        raise source.error("a sweep lists at least one configuration", node=node, key="sweep")
    points = []
    for item in node.value:
        point = []
        for name, key_node, value_node in mapping_items(item, source, what="a configuration of the sweep",
                                                        key="sweep"):
            key = config_key(name, source, key_node)
            point.append((key, value_of(key, value_node, source)))
        if not point:
            raise source.error("a configuration of the sweep sets no key", node=item, key="sweep")
        if tuple(point) in points:
            raise source.error("this configuration is listed twice", node=item, key="sweep")
        points.append(tuple(point))
    return Axis(POINTS, tuple(points), Origin(source.name, source.line_of(node)))


def expand(spec: Spec) -> list[Point]:
    """Every configuration of `spec`, in the sweep's order (one point without a sweep)."""
    if not spec.sweep:
        config = build_config(*spec.settings_for({}))
        return [Point({}, config, spec.expected_for(config), spec.expected_lines_for(config))]
    _check_size(spec.sweep)
    points = []
    for combination in itertools.product(*(axis.values for axis in spec.sweep)):
        values = {}
        for axis, value in zip(spec.sweep, combination):
            values.update(axis.settings(value))
        label = ", ".join(f"{key}={format_value(value)}" for key, value in values.items())
        config = build_config(*spec.settings_for(values), context=label)
        points.append(Point(values, config, spec.expected_for(config), spec.expected_lines_for(config)))
    return points


def _check_size(axes: tuple[Axis, ...]):
    """Refuse a sweep of more than MAX_POINTS configurations, blaming the axis that crosses the bound."""
    count = 1
    for axis in axes:
        count *= len(axis.values)
        if count > MAX_POINTS:
            sizes = " x ".join(str(len(each.values)) for each in axes)
            total = math.prod(len(each.values) for each in axes)
            raise InvalidSpec(f"the sweep has {sizes} = {total:,} configurations, more than {MAX_POINTS:,}: "
                              f"each is an exhaustive search of its own; sweep fewer values",
                              file=axis.origin.file, line=axis.origin.line, key=axis.key or "sweep")
