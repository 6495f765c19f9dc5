"""The Python API (`modelcheck.check`, `modelcheck.explore`): the same verdicts as the command line,
structured, with errors that say what to name."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelcheck
from modelcheck import Checked, InvalidSpec, ModelcheckError
from modelcheck.engine import explore as engine_explore
from modelcheck.kafka.config import KafkaConfig

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
LOSSY = {"producer": {"acks": 1}, "cluster": {"brokers": 2, "replication.factor": 2},
         "workload": {"messages": 1}, "faults": {"broker.crash": 1}}


def test_check_returns_an_outcome_per_configuration_and_what_it_skipped(tmp_path):
    (tmp_path / "gate.yaml").write_text("workload:\n  messages: 1\nexpect:\n  no-loss: holds\n")
    (tmp_path / "docker-compose.yml").write_text("services: {kafka: {image: kafka}}\n")
    checked = modelcheck.check(tmp_path)
    assert isinstance(checked, Checked) and len(checked) == 1
    assert [skipped.path.name for skipped in checked.skipped] == ["docker-compose.yml"]
    assert checked.passed and checked.exit_code == 0
    assert checked.verdict("no-loss") == "holds"
    assert [outcome.name for outcome in checked] == ["gate"]


def test_a_mismatch_fails_as_the_command_line_does():
    checked = modelcheck.check(SPECS / "consumer-commit-after-process.yaml", sets=["consumer.commit=before-process"])
    assert not checked.passed and checked.exit_code == 1
    assert checked.verdict("no-loss") == "violated"
    assert checked.outcomes[0].mismatches[0][:2] == ("no-loss", "holds")


def test_in_a_sweep_a_verdict_names_its_configuration():
    checked = modelcheck.check([SPECS / "consumer-rebalance.yaml"], max_states=100_000)
    assert len(checked) == 2
    assert checked.verdict("no-duplicate", {"consumer.commit": "auto"}) == "holds"
    assert checked.verdict("no-duplicate", {"consumer.commit": "auto"}, spec="consumer-rebalance") == "holds"
    with pytest.raises(ModelcheckError, match=r"2 configurations match .*consumer.commit=after-process"):
        checked.verdict("no-duplicate")
    with pytest.raises(ModelcheckError, match="no configuration matches"):
        checked.verdict("no-duplicate", {"consumer.commit": "before-process"})
    with pytest.raises(ModelcheckError, match="has no property 'no-dup'; it has no-loss, no-duplicate"):
        checked.verdict("no-dup", {"consumer.commit": "auto"})


def test_values_are_compared_as_a_spec_spells_them():
    checked = modelcheck.check(SPECS / "consumer-auto-commit.yaml", sweeps=["producer.retries=1,2"],
                               max_states=50_000)
    assert checked.outcome({"producer.retries": 2}) is checked.outcome({"producer.retries": "2"})


def test_explore_a_spec_mapping_dotted_or_nested():
    nested = modelcheck.explore(LOSSY)
    dotted = modelcheck.explore({"producer.acks": "1", "cluster.brokers": 2, "cluster.replication.factor": 2,
                                 "workload.messages": 1, "faults.broker.crash": 1})
    assert nested.verdict("no-loss") == dotted.verdict("no-loss") == "violated"
    assert nested.stats.distinct == dotted.stats.distinct
    safe = modelcheck.explore({**LOSSY, "producer": {"acks": "all"}})
    assert safe.verdict("no-loss") == "holds"


def test_explore_refuses_what_a_spec_file_refuses():
    with pytest.raises(InvalidSpec, match=r"producer.ack: unknown key; did you mean producer.acks\? \(spec mapping\)"):
        modelcheck.explore({"producer": {"ack": 1}})
    with pytest.raises(InvalidSpec, match="has 2 configurations"):
        modelcheck.explore({**LOSSY, "sweep": {"producer.acks": [1, "all"]}})
    with pytest.raises(TypeError, match="not int"):
        modelcheck.explore(42)


def test_explore_files_models_and_configs():
    result = modelcheck.explore(SPECS / "tcommit.py", params={"rms": 3})
    assert (result.stats.distinct, result.stats.generated) == (34, 94)    # TLC's counts
    assert modelcheck.explore(str(SPECS / "consumer-commit-after-process.yaml")).verdict("no-duplicate") == "violated"
    model = modelcheck.check(SPECS / "tcommit.py").outcomes[0].model
    assert modelcheck.explore(model, max_states=10).stopped_by == engine_explore(model, max_states=10).stopped_by
    assert modelcheck.explore(KafkaConfig()).verdict("no-loss") == "holds"


def test_the_api_is_exported():
    assert {"check", "explore", "replay", "Checked"} <= set(modelcheck.__all__)
    assert modelcheck.check.__doc__ and modelcheck.explore.__doc__ and Checked.verdict.__doc__


def test_replay_a_saved_counterexample_from_python(tmp_path):
    from click.testing import CliRunner
    from modelcheck.cli import main
    saved = CliRunner().invoke(main, ["explore", str(SPECS / "consumer-commit-before-process.yaml"), "--quiet",
                                      "--save-traces", str(tmp_path)], catch_exceptions=False)
    assert saved.exit_code == 0
    [trace] = tmp_path.glob("*.json")
    answer = modelcheck.replay(trace)
    assert answer.reproduces and "no-loss (at_end) is violated" in answer.message
    fixed = modelcheck.replay(trace, sets=["consumer.commit=after-process"])
    assert not fixed.reproduces and fixed.step is not None          # diverges where the commit moved
    with pytest.raises(InvalidSpec, match="cannot read it"):
        modelcheck.replay(tmp_path / "missing.json")
