"""The one exception hierarchy of modelcheck.

User errors (a bad spec, a model that breaks the engine's contract) are exceptions; search outcomes
(a violated property, a search stopped by a limit) are never exceptions, they are part of a `Result`.
Every message says what is wrong and what to do about it.
"""

import contextlib


class ModelcheckError(Exception):
    """Base of every error modelcheck raises on purpose."""


class InvalidSpec(ModelcheckError):
    """A spec file (YAML or Python) or a command-line override is malformed.

    `file`, `line` and `key` locate the problem where they are known; `str()` names all three.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        where = []
        if file:
            where.append(str(file))
        if line:
            where.append(f"line {line}")
        text = f"{key}: {message}" if key else message
        if where:
            text = f"{text} ({' '.join(where)})"
        super().__init__(text)


class SpecErrors(InvalidSpec):
    """Several problems found in one read of a spec, each an `InvalidSpec`, so that one run reports them
    all, in the order of the file. Its file, line and key are the first one's; `str()` gives one problem
    per line."""

    def __init__(self, errors: list[InvalidSpec]):
        errors = sorted(errors, key=lambda error: (str(error.file or ""), error.line or 0))
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, key=first.key)
        self.errors = list(errors)
        self.args = ("\n".join(str(error) for error in self.errors),)


@contextlib.contextmanager
def collected(errors: list[InvalidSpec]):
    """Add an InvalidSpec raised inside the block to `errors` (each of a SpecErrors), so that one read
    goes on and reports every problem at once (with `raise_all`)."""
    try:
        yield
    except SpecErrors as error:
        errors.extend(error.errors)
    except InvalidSpec as error:
        errors.append(error)


def raise_all(errors: list[InvalidSpec]):
    """Raise the one error, or a SpecErrors of several; nothing when `errors` is empty."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise SpecErrors(errors)


class InvalidModel(ModelcheckError):
    """A model breaks the engine's contract (no initial state, an unhashable state, a bad step)."""


class NondeterminismError(InvalidModel):
    """Replaying a recorded path through the model did not reach the recorded state.

    The model's steps must be a function of the state alone: no iteration over an unordered collection
    of strings, no random numbers, no clock, no state kept outside the state value.
    """
