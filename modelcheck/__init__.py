"""modelcheck: exhaustive model checking of Kafka delivery guarantees.

The public API is what this module exports; everything else is internal and may change.
"""

from modelcheck.engine import (BOUNDED, HOLDS, VIOLATED, Action, Model, Property, Result, Trace,
                               always, at_end, eventually, explore, sometimes)
from modelcheck.errors import InvalidModel, InvalidSpec, ModelcheckError, NondeterminismError

__version__ = "0.1.0"

__all__ = [
    "BOUNDED", "HOLDS", "VIOLATED", "Action", "InvalidModel", "InvalidSpec", "Model", "ModelcheckError",
    "NondeterminismError", "Property", "Result", "Trace", "always", "at_end", "eventually", "explore",
    "sometimes",
]
