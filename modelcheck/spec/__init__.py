"""The spec layer: YAML and Python spec files in, validated and typed specs out.

- `load_spec(path)`: a YAML spec as a `Spec` (every error names the file, the line and the key), and
  `spec_from_mapping(mapping)`: the same from a Python mapping;
- `apply_overrides(spec, ["producer.acks=1"])`, `apply_sweeps(spec, ["producer.acks=0,1,all"])` and
  `apply_command_line(spec, sets, sweeps)`: the `--set` and `--sweep` options;
- `expand(spec)`: the `Point`s (configurations) to explore, with the expectations of each;
- `load_python_spec(path, params)`: a Python spec's `Model`;
- `find_specs(paths)` and `discover(paths)`: the spec files of `modelcheck check SPEC_OR_DIR ...` (and
  the files of a directory that are not specs);
- `bundled_specs()`: the directory of the specs that ship with modelcheck;
- `init.init_spec(files, client=...)`: a spec's text written from a user's Kafka client configuration
  files (`client_files.read_client_file` reads them).

This layer reads YAML and builds `KafkaConfig`s; it never explores and never prints.
"""

from modelcheck.spec.bundled import bundled_specs
from modelcheck.spec.discover import Discovered, Skipped, discover, find_specs, is_python_spec
from modelcheck.spec.document import Axis, Origin, Point, Rule, Spec
from modelcheck.spec.overrides import apply_command_line, apply_overrides, apply_sweeps
from modelcheck.spec.python_spec import load_python_spec, parse_param
from modelcheck.spec.sweep import expand
from modelcheck.spec.yaml_spec import load_spec, spec_from_mapping

__all__ = [
    "Axis", "Discovered", "Origin", "Point", "Rule", "Skipped", "Spec", "apply_command_line", "apply_overrides",
    "apply_sweeps", "bundled_specs", "discover", "expand", "find_specs", "is_python_spec", "load_python_spec",
    "load_spec", "parse_param", "spec_from_mapping",
]
