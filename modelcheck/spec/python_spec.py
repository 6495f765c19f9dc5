"""Python specs: a `.py` file whose `model(**params)` returns an engine `Model`.

This is how users check protocols that are not Kafka (SPEC-FORMAT.md, "Python specs"). The file is
imported under a module name of its own (so two specs that share a file name do not collide), its
`model` is called with the `--param NAME=VALUE` pairs, and the result must be a `Model`.

Parameter values arrive as text. A parameter whose annotation or default says int, float, bool or str
gets a value of that type or an error: `--param rms=2.5` for `rms: int = 3` is refused, not truncated,
and a float is never nan or infinite. Any other parameter gets what the text reads as (a whole number,
a finite decimal number, true/false, else the text).

Every failure is an InvalidSpec naming the spec file (and, for an exception raised in the file, the
line it was raised on), never a traceback. That includes a spec that exits (`sys.exit(0)` while it is
imported or while `model()` runs): it must not end the command as if every check had passed. Ctrl-C
(KeyboardInterrupt) is let through, as an interrupt.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import math
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping

from modelcheck.engine.model import Model
from modelcheck.errors import InvalidModel, InvalidSpec, ModelcheckError


def load_python_spec(path: str | Path, params: Mapping[str, str] | None = None, *, text: str | None = None,
                      module_as: str | None = None) -> Model:
    """The model of the Python spec at `path`, built with `params` (name -> text).

    With `text`, the spec's source is that text and `path` only names it (in messages and tracebacks),
    imported as the module `module_as` (`module_name(path)` where the text was read): a Ray node builds the
    model of a file it cannot read, and the classes of its states unpickle as the reader's (`ray_runner`).
    """
    params = dict(params or {})
    module = _import(path) if text is None else _import_text(text, path, module_as or module_name(path))
    factory = getattr(module, "model", None)
    if factory is None or not callable(factory):
        raise InvalidSpec("defines no model(**params) function; a Python spec must define one that "
                          "returns a modelcheck Model", file=str(path))
    arguments = _arguments(factory, params, path)
    try:
        built = factory(**arguments)
    except InvalidModel as error:              # a Model or Action built wrongly (a fairness, say)
        raise InvalidSpec(f"model() {error}", file=str(path), line=line_in(path, error)) from None
    except ModelcheckError:
        raise
    except (Exception, SystemExit) as error:   # noqa: BLE001 -- any failure of user code is a spec error
        call = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
        raise InvalidSpec(f"model({call}) {raised(error)}", file=str(path),
                          line=line_in(path, error)) from None
    if not isinstance(built, Model):
        raise InvalidSpec(f"model() returned {type(built).__name__}, not a modelcheck Model", file=str(path))
    if not built.parameters and arguments:
        built.parameters = dict(arguments)
    return built


def parse_param(text: str) -> Any:
    """A parameter's text as the value it looks like: int, finite float, bool, else the text itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def raised(error: BaseException) -> str:
    """What user code did, for a message: 'raised ValueError: ...', or 'exited with sys.exit(0); ...'."""
    if isinstance(error, SystemExit):
        return f"exited with sys.exit({error.code!r}); a spec must not end the process (raise an exception)"
    return f"raised {type(error).__name__}: {error}"


def module_name(path: str | Path) -> str:
    """The name the spec at `path` is imported under: its file name and a digest of where it is."""
    file = Path(path)
    digest = hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:12]
    return f"modelcheck_spec_{file.stem.replace('-', '_')}_{digest}"


def _import(path: str | Path) -> ModuleType:
    file = Path(path)
    if not file.is_file():
        raise InvalidSpec("no such file" if not file.exists() else "is not a file", file=str(path))
    name = module_name(path)
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise InvalidSpec("cannot be imported as Python", file=str(path))
    module = importlib.util.module_from_spec(spec)
    return _execute(module, name, path, lambda: spec.loader.exec_module(module))


def _import_text(text: str, path: str | Path, name: str) -> ModuleType:
    """The module `name` made from `text`, the source of the spec `path` (its frames name `path`)."""
    module = ModuleType(name)
    module.__file__ = str(path)
    return _execute(module, name, path, lambda: exec(compile(text, str(path), "exec"), module.__dict__))


def _execute(module: ModuleType, name: str, path, run) -> ModuleType:
    """Run a spec module's code (`run`) with the module registered as `name`; errors name `path`."""
    sys.modules[name] = module           # dataclasses and pickling look a module up by name
    try:
        run()
    except SyntaxError as error:
        del sys.modules[name]
        raise InvalidSpec(f"Python syntax error: {error.msg}", file=str(path), line=error.lineno) from None
    except (Exception, SystemExit) as error:   # noqa: BLE001 -- an error while importing user code
        del sys.modules[name]
        raise InvalidSpec(f"importing the spec {raised(error)}", file=str(path),
                          line=line_in(path, error)) from None
    return module


def _arguments(factory, params: dict[str, str], path) -> dict[str, Any]:
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return {name: parse_param(text) for name, text in params.items()}
    accepted = [p.name for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    for name in params:
        if name not in accepted and not takes_any:
            offered = ", ".join(accepted) if accepted else "none"
            raise InvalidSpec(f"model() has no parameter {name!r}; it accepts: {offered}", file=str(path),
                              key=f"--param {name}")
    missing = [p.name for p in signature.parameters.values()
               if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is p.empty
               and p.name not in params]
    if missing:
        raise InvalidSpec(f"model() needs a value for {', '.join(missing)}; give it with "
                          f"--param {missing[0]}=VALUE", file=str(path))
    return {name: _typed(name, text, signature.parameters.get(name), path) for name, text in params.items()}


_PLAIN_TYPES = {"int": int, "float": float, "bool": bool, "str": str}
_TYPE_WORDS = {int: "a whole number", float: "a finite number", bool: "true or false", str: "text"}


def _declared_type(parameter: inspect.Parameter | None) -> type | None:
    """int, float, bool or str when the parameter's annotation, or else its default, says so."""
    if parameter is None:
        return None
    annotation = parameter.annotation
    if isinstance(annotation, str):              # `from __future__ import annotations` keeps the text
        annotation = _PLAIN_TYPES.get(annotation.strip())
    if annotation in _TYPE_WORDS:
        return annotation
    if parameter.default is not parameter.empty and type(parameter.default) in _TYPE_WORDS:
        return type(parameter.default)
    return None


def _typed(name: str, text: str, parameter: inspect.Parameter | None, path) -> Any:
    """The value of `--param name=text` for a parameter of the declared type, or an InvalidSpec."""
    kind = _declared_type(parameter)
    if kind is str:
        return text
    value = parse_param(text)
    if kind is None:
        return value
    if kind is float and type(value) is int:
        return float(value)
    if type(value) is not kind:
        declared = (f"its default is {parameter.default!r}" if parameter.default is not parameter.empty
                    else f"it is annotated {kind.__name__}")
        shown = repr(text) if len(text) <= 40 else repr(text[:40]) + "..."
        raise InvalidSpec(f"model() takes {_TYPE_WORDS[kind]} for {name} ({declared}), not {shown}",
                          file=str(path), key=f"--param {name}")
    return value


def line_in(path, error: BaseException) -> int | None:
    """The line of the spec file nearest to where `error` was raised, if the file is on the stack."""
    target = str(Path(path).resolve())
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        try:
            if str(Path(frame.filename).resolve()) == target:
                line = frame.lineno
        except OSError:
            continue
    return line
