"""The reference docs and the README stay in step with the code."""

import re
from pathlib import Path

from modelcheck.kafka.config import KEYS
from modelcheck.kafka.properties import PROPERTY_NAMES

ROOT = Path(__file__).resolve().parents[1]


def test_every_spec_key_is_documented():
    text = (ROOT / "docs" / "spec-format.md").read_text()
    documented = set(re.findall(r"^\| `([a-z.\-]+)` \|", text, re.MULTILINE))
    assert documented >= set(KEYS), f"undocumented keys: {sorted(set(KEYS) - documented)}"
    assert documented - set(KEYS) - set(PROPERTY_NAMES) == set(), "documented keys that do not exist"


def test_every_upper_bound_of_a_key_is_documented():
    text = (ROOT / "docs" / "spec-format.md").read_text()
    allowed = dict(re.findall(r"^\| `([a-z.\-]+)` \| [^|]* \| ([^|]*) \|", text, re.MULTILINE))
    for key, spec in KEYS.items():
        if spec.maximum is not None:
            assert re.search(rf"\bto ([\w.]+ \()?{spec.maximum}\b", allowed[key]), (key, allowed[key])


def test_every_property_is_documented():
    text = (ROOT / "docs" / "spec-format.md").read_text()
    for name in PROPERTY_NAMES:
        assert f"| `{name}` |" in text, name


def test_readme_commands_exist_in_makefile():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make (\w+)", readme, re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"make {target} has no target"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_spec_file_the_docs_name_exists():
    texts = [(ROOT / "README.md").read_text()] + [p.read_text() for p in (ROOT / "docs").glob("*.md")]
    named = set()
    for text in texts:
        named |= set(re.findall(r"\bspecs/[\w.-]+\.(?:yaml|py)\b", text))
    assert named, "the docs name no spec at all"
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert not missing, f"the docs name spec files that do not exist: {missing}"


def test_every_commit_strategy_is_documented_with_its_mode():
    from modelcheck.kafka.commit_modes import STRATEGIES
    howto = (ROOT / "docs" / "howto.md").read_text()
    for strategy in STRATEGIES.values():
        row = re.search(rf"^\| `{re.escape(strategy.name)}` \|.*\| `([a-z-]+)` \|$", howto, re.MULTILINE)
        assert row is not None, strategy.name
        assert row.group(1) == strategy.mode, strategy.name
