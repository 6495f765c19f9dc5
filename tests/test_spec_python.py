"""Python specs (model(**params) -> Model); finding them in directories is tests/test_spec_discover.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from modelcheck.engine import Model, explore
from modelcheck.errors import InvalidSpec
from modelcheck.spec import load_python_spec, parse_param

SPECS = Path(__file__).resolve().parent.parent / "specs"

COUNTER = """
    from modelcheck.engine import Action, Model, always

    def model(limit: int = 3, strict=False, label="n"):
        if limit < 1:
            raise ValueError("limit must be at least 1")
        step = Action("increment", lambda n: [(f"{label} becomes {n + 1}", n + 1)] if n < limit else [])
        bound = limit - 1 if strict else limit
        return Model(name=f"counter-{limit}", initial_states=[0], actions=[step],
                     properties=[always("bounded", lambda n: n <= bound)],
                     parameters={"limit": limit, "strict": strict, "label": label})
"""


def write(tmp_path, text: str, name: str = "counter.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_params_are_converted_and_passed_to_model(tmp_path):
    model = load_python_spec(write(tmp_path, COUNTER), {"limit": "5", "strict": "true", "label": "x"})
    assert isinstance(model, Model)
    assert model.parameters == {"limit": 5, "strict": True, "label": "x"}
    result = explore(model)
    assert result.stats.distinct == 6                          # 0..5
    assert result.properties["bounded"].verdict == "violated"  # strict: 5 > 4


def test_defaults_apply_when_no_param_is_given(tmp_path):
    model = load_python_spec(write(tmp_path, COUNTER), {})
    assert model.name == "counter-3" and explore(model).properties["bounded"].verdict == "holds"


def test_the_bundled_two_phase_commit_spec_loads_with_a_param():
    model = load_python_spec(SPECS / "two_phase_commit.py", {"rms": "3"})
    assert model.parameters["rms"] == 3
    assert explore(model).stats.distinct == 288                # TLC's count for TwoPhase with 3 RMs


def test_two_specs_with_one_file_name_do_not_collide(tmp_path):
    first = write(tmp_path, COUNTER)
    (tmp_path / "other").mkdir()
    second = write(tmp_path / "other", COUNTER.replace("counter-", "other-"))
    assert load_python_spec(first, {}).name == "counter-3"
    assert load_python_spec(second, {}).name == "other-3"


@pytest.mark.parametrize("text, words", [
    ("-5", -5), ("2.5", 2.5), ("False", False), ("k1", "k1"), ("1e3", 1000.0), ("nan", "nan"), ("inf", "inf"),
])
def test_parse_param(text, words):
    assert parse_param(text) == words and type(parse_param(text)) is type(words)


@pytest.mark.parametrize("params, words", [
    ({"limit": "2.5"}, "takes a whole number for limit (its default is 3), not '2.5'"),
    ({"limit": "true"}, "takes a whole number for limit"),
    ({"strict": "1"}, "takes true or false for strict (its default is False), not '1'"),
])
def test_a_value_of_the_wrong_type_is_refused_not_converted(tmp_path, params, words):
    with pytest.raises(InvalidSpec) as caught:
        load_python_spec(write(tmp_path, COUNTER), params)
    assert words in caught.value.message
    assert caught.value.key == f"--param {next(iter(params))}"


def test_declared_types_give_floats_and_keep_text_as_written(tmp_path):
    path = write(tmp_path, COUNTER.replace('label="n"', 'label="n", rate: float = 0.5'))
    model = load_python_spec(path, {"label": "007", "rate": "2"})
    with pytest.raises(InvalidSpec, match="takes a finite number for rate"):
        load_python_spec(path, {"rate": "nan"})
    assert explore(model).stats.distinct == 4
    assert model.parameters["label"] == "007"


@pytest.mark.parametrize("text, words, line", [
    ("import sys\nsys.exit(0)\n", "importing the spec exited with sys.exit(0)", 2),
    ("def model():\n    raise SystemExit(3)\n", "model() exited with sys.exit(3)", 2),
])
def test_a_spec_that_exits_is_an_invalid_spec(tmp_path, text, words, line):
    path = write(tmp_path, text, name="exits.py")
    with pytest.raises(InvalidSpec) as caught:
        load_python_spec(path, {})
    assert words in caught.value.message and caught.value.line == line


def test_a_bad_parameter_name_lists_the_accepted_ones(tmp_path):
    with pytest.raises(InvalidSpec) as caught:
        load_python_spec(write(tmp_path, COUNTER), {"limt": "2"})
    assert "no parameter 'limt'; it accepts: limit, strict, label" in caught.value.message
    assert caught.value.key == "--param limt"


def test_an_exception_in_model_names_the_spec_and_line_not_a_traceback(tmp_path):
    path = write(tmp_path, COUNTER)
    with pytest.raises(InvalidSpec) as caught:
        load_python_spec(path, {"limit": "0"})
    assert caught.value.message == "model(limit=0) raised ValueError: limit must be at least 1"
    assert (caught.value.file, caught.value.line) == (str(path), 5)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("text, words, line", [
    ("def helper():\n    pass\n", "defines no model(**params) function", None),
    ("model = 3\n", "defines no model(**params) function", None),
    ("def model():\n    return 42\n", "returned int, not a modelcheck Model", None),
    ("def model(\n", "Python syntax error", 1),
    ("import nothing_of_that_name\n", "importing the spec raised ModuleNotFoundError", 1),
    ("def model(rms):\n    return None\n", "needs a value for rms; give it with --param rms=VALUE", None),
    ("from modelcheck import Action, WEAK\n\ndef model():\n    return Action('Crash', print, fairness=WEAK, fault=True)\n",
     "model() action 'Crash' is a fault and cannot be weakly fair", 4),
    ("from modelcheck import Action\n\ndef model():\n    return Action('Step', print, fairness='weakly')\n",
     "fairness 'weakly' is not one of unfair, weak, strong", 4),
])
def test_python_spec_errors(tmp_path, text, words, line):
    path = write(tmp_path, text, name="broken.py")
    with pytest.raises(InvalidSpec) as caught:
        load_python_spec(path, {})
    assert words in caught.value.message
    assert caught.value.file == str(path) and caught.value.line == line


def test_a_missing_python_spec(tmp_path):
    with pytest.raises(InvalidSpec, match="no such file"):
        load_python_spec(tmp_path / "absent.py", {})
