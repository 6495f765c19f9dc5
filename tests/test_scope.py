"""Honest results: every format opens with what was explored, and the gate's words stay apart from the
verdicts (issue 11, item 3).

A user's `acks: 1` spec with the defaults (one broker, no broker crash) must say that no broker could
crash; with a crash budget and replication the sentence goes. A spec with no `expect:` that violates
a property fails the gate in every format and exits 1.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.scope import HINTS, scope_of
from modelcheck.report import render_html, render_json, render_junit, render_markdown, render_outcomes
from modelcheck.report.text import render_check
from modelcheck.runner import exit_code, run_spec

ACKS_1 = "no broker crash was allowed; acks=1 loses only when the leader fails"

USER_SPEC = """\
name: our-producer
producer:
  acks: 1
expect:
  no-loss: holds
"""

NO_EXPECT = """\
name: commits-first
consumer:
  commit: before-process
faults:
  consumer.crash: 1
"""


def acks_1(**settings) -> KafkaConfig:
    config = KafkaConfig().with_value("producer.acks", "1")
    for key, value in settings.items():
        config = config.with_value(key, value)
    return config


def test_the_scope_says_topology_workload_and_faults():
    scope = scope_of(acks_1(**{"cluster.brokers": 3, "cluster.partitions": 2, "faults.consumer.crash": 1}))
    explored = dict(scope.explored)
    assert explored["topology"] == ("3 brokers, 2 partitions, replication factor 1, 1 consumer, "
                                    "1 producing application")
    assert explored["workload"] == "2 events, 1 key (k1)"
    assert explored["faults"] == "at most 1 consumer.crash"


def test_acks_1_without_a_broker_crash_says_what_was_not_explored():
    assert ACKS_1 in scope_of(acks_1()).not_explored
    assert ACKS_1 not in scope_of(KafkaConfig()).not_explored          # acks=all: the sentence is about acks=1


def test_the_hint_goes_when_a_broker_may_crash_with_replication():
    config = acks_1(**{"cluster.brokers": 2, "cluster.replication.factor": 2, "faults.broker.crash": 1})
    scope = scope_of(config)
    assert ACKS_1 not in scope.not_explored
    assert not any("one replica per partition" in said for said in scope.not_explored)
    assert dict(scope.explored)["faults"] == "at most 1 broker.crash, 1 isr.shrink"


def test_a_fault_that_cannot_happen_is_not_counted_as_explored():
    scope = scope_of(acks_1())          # isr.shrink defaults to 1 but needs a follower
    assert dict(scope.explored)["faults"] == "none"
    assert "no fault was allowed: every verdict is about runs where nothing fails" in scope.not_explored


def test_every_hint_names_faults_of_the_registry():
    from modelcheck.kafka.faults import FAULTS
    assert all(hint.faults and set(hint.faults) <= set(FAULTS) for hint in HINTS)


def spec_outcomes(tmp_path, text: str, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return run_spec(path)


def every_format(outcomes) -> dict[str, str]:
    return {"text": render_outcomes(outcomes, timings=False), "check": render_check(outcomes, timings=False),
            "json": render_json(outcomes, timings=False), "markdown": render_markdown(outcomes),
            "html": render_html(outcomes, timings=False), "junit": render_junit(outcomes, timings=False)}


def test_every_format_opens_with_the_scope_and_the_hint(tmp_path):
    outcomes = spec_outcomes(tmp_path, USER_SPEC)
    for name, text in every_format(outcomes).items():
        assert "1 broker, 1 partition, replication factor 1, 1 consumer" in text, name
        assert ACKS_1 in text, name
    text = render_outcomes(outcomes, timings=False)
    assert text.index("explored: topology") < text.index("gate:") < text.index("property")
    markdown = render_markdown(outcomes)
    assert "| | configuration | file | verdicts | states | scope |" in markdown.replace("|  |", "| |")
    assert "| :---: | --- | --- | --- | ---: | --- |" in markdown          # the states right-aligned
    document = json.loads(render_json(outcomes))
    assert list(document)[:4] == ["spec", "name", "scope", "gate"]
    assert ACKS_1 in document["scope"]["not_explored"]
    suite = ET.fromstring(render_junit(outcomes).split("\n", 1)[1]).find("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["scope.faults"] == "none" and properties["scope.not-explored"]
    assert suite.find("system-out").text.startswith("explored: topology: 1 broker")


def test_a_python_spec_scope_is_its_model_parameters_and_limits(tmp_path):
    from test_report_models import shop_outcome
    outcome = shop_outcome(crash_budget=1, loss_budget=0)
    text = render_outcomes([outcome], timings=False)
    assert "explored: model: shop" in text
    assert "explored: parameters: crash_budget=1, loss_budget=0" in text
    assert "explored: limits: none" in text


def test_no_expect_and_a_violation_fails_the_gate_everywhere(tmp_path):
    outcomes = spec_outcomes(tmp_path, NO_EXPECT)
    assert [outcome.result.properties["no-loss"].verdict for outcome in outcomes] == ["violated"]
    assert exit_code(outcomes) == 1
    formats = every_format(outcomes)
    assert "gate: UNEXPECTED (no-loss violated" in formats["text"]
    assert formats["text"].rstrip().endswith("0 of 1 configuration as expected, 1 unexpected")
    assert formats["check"].startswith("UNEXPECTED  commits-first")
    assert json.loads(formats["json"])["gate"] == "unexpected"
    assert formats["markdown"].count("<details><summary>❌ commits-first: no-loss violated") == 1
    assert '<span class="badge unexpected">UNEXPECTED</span>' in formats["html"]
    root = ET.fromstring(formats["junit"].split("\n", 1)[1])
    assert int(root.get("failures")) >= 1
    result = CliRunner().invoke(main, ["check", str(tmp_path / "spec.yaml"), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 1 and "UNEXPECTED" in result.stdout


def test_the_gate_never_says_passed_or_ok_above_an_unexpected_violation(tmp_path):
    outcomes = spec_outcomes(tmp_path, NO_EXPECT)
    for name, text in every_format(outcomes).items():
        if name == "junit":
            continue                   # JUnit's own attributes (tests, failures) are its vocabulary
        lowered = text.lower()
        assert "passed" not in lowered and "pass " not in lowered, name
        assert " ok" not in lowered and ">ok<" not in lowered, name


def test_an_expected_violation_is_as_expected_and_still_named(tmp_path):
    outcomes = spec_outcomes(tmp_path, NO_EXPECT + "expect:\n  no-loss: violated\n")
    assert exit_code(outcomes) == 0
    text = render_outcomes(outcomes, timings=False)
    assert "gate: as expected (violated as the spec expects: no-loss)" in text


def test_a_bounded_expectation_is_bounded_in_every_format_and_exits_3():
    from modelcheck.engine import explore
    from modelcheck.spec.outcome import Outcome
    from test_report_models import two_phase_commit
    model = two_phase_commit(3)
    outcome = Outcome("specs/two_phase_commit.py", "tp", explore(model, max_states=50), model,
                      expected={"TCConsistent": "holds"})
    assert outcome.gate == "bounded" and exit_code([outcome]) == 3
    formats = every_format([outcome])
    assert formats["check"].startswith("BOUNDED  tp")
    assert "TCConsistent: expected holds, found bounded" in formats["check"]
    assert "explored: limits: max_states=50" in formats["text"]
    assert "gate: BOUNDED (not a proof)" in formats["text"]
    assert json.loads(formats["json"])["gate"] == "bounded"
    assert '<span class="badge bounded">BOUNDED (not a proof)</span>' in formats["html"]
    assert "0 of 1 configuration as expected, 0 unexpected, 1 bounded (not a proof)" in formats["markdown"]
