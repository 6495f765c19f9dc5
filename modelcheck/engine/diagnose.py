"""Telling a model's own bug from a broken contract, when an exception escapes the search.

The search loop runs the model's steps, hashes their states and evaluates its predicates. When one of
them raises, the loop only knows "something failed while expanding this state". `model_error` runs the
pieces again on that state, one at a time, to name the one that failed: an action that raised (the
model's own bug: its message, and where in the model's file), an action that returned something that
is not a list of (label, hashable state) pairs (the engine's contract), or a property predicate that
raised. The original exception stays chained, so its traceback is kept.
"""

from __future__ import annotations

import traceback

from modelcheck.errors import InvalidModel


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    return f" at {frame.filename} line {frame.lineno}"


def _short(value, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def model_error(model, actions, properties, state, error: BaseException, *, initial: bool = False) -> InvalidModel:
    """An InvalidModel that says which part of `model` failed on `state`, and how."""
    name = model.name
    shown = _short(state)
    for prop in properties:
        try:
            prop.predicate(state)
        except Exception as raised:
            return InvalidModel(f"model {name!r}: property {prop.name!r} raised {type(raised).__name__}: "
                                f"{raised}{_where(raised)}, on the state {shown}")
    if initial:
        return InvalidModel(f"model {name!r}: {type(error).__name__}: {error}{_where(error)}, on the "
                            f"initial state {shown}")
    for action in actions:
        try:
            successors = action.step(state)
        except Exception as raised:
            return InvalidModel(f"model {name!r}: action {action.name!r} raised {type(raised).__name__}: "
                                f"{raised}{_where(raised)}, on the state {shown}")
        try:
            pairs = [(label, successor) for label, successor in successors]
            for _label, successor in pairs:
                hash(successor)
        except Exception as raised:
            return InvalidModel(f"model {name!r}: action {action.name!r} returned {_short(successors)}, which "
                                f"is not a list of (label, hashable state) pairs ({raised})")
        for _label, successor in pairs:
            for prop in properties:
                try:
                    prop.predicate(successor)
                except Exception as raised:
                    return InvalidModel(f"model {name!r}: property {prop.name!r} raised "
                                        f"{type(raised).__name__}: {raised}{_where(raised)}, on the state "
                                        f"{_short(successor)}")
    return InvalidModel(f"model {name!r}: {type(error).__name__}: {error}{_where(error)}, while exploring "
                        f"the state {shown}")


def initial_states(model, canonical=None):
    """The positions and initial states of `model` (as `canonical` maps them, if given), each checked to
    be hashable: an InvalidModel says when one is not."""
    for position, state in enumerate(model.get_initial_states()):
        if canonical is not None:
            state = canonical(state)
        try:
            hash(state)
        except TypeError as error:
            raise InvalidModel(f"model {model.name!r}: an initial state is not hashable ({error}): states "
                               f"must be tuples, frozensets or NamedTuples of hashable values") from None
        yield position, state
