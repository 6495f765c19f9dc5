"""modelcheck: exhaustive model checking of Kafka delivery guarantees.

The public API is what this module exports; everything else is internal and may change. `check` and
`explore` (`modelcheck.api`) run specs from Python: `check("specs/")` as `modelcheck check` does,
`explore(target)` for one configuration (a `Model`, a spec file, a spec mapping or a `KafkaConfig`),
`replay(trace)` for a counterexample saved with `--save-traces`.
"""

from modelcheck.api import Checked, check, explore, replay
from modelcheck.engine import (BOUNDED, HOLDS, STRONG, UNFAIR, VIOLATED, WEAK, Action, Model, Property, Result,
                               Trace, always, always_eventually, always_step, at_end, eventually,
                               eventually_always, leads_to, sometimes)
from modelcheck.errors import InvalidModel, InvalidSpec, ModelcheckError, NondeterminismError

__version__ = "0.1.0"

__all__ = [
    "BOUNDED", "HOLDS", "STRONG", "UNFAIR", "VIOLATED", "WEAK", "Action", "Checked", "InvalidModel", "InvalidSpec",
    "Model", "ModelcheckError", "NondeterminismError", "Property", "Result", "Trace", "always", "always_eventually",
    "always_step", "at_end", "check", "eventually", "eventually_always", "explore", "leads_to", "replay",
    "sometimes",
]
