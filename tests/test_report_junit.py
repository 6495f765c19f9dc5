"""JUnit XML: parses, counts testcases, failures and errors as CI servers do."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from modelcheck.engine import Action, Model, StepLabel, always, explore
from modelcheck.report.junit import render_junit
from modelcheck.spec.outcome import Outcome
from test_report_models import shop_outcome, two_phase_commit


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))


def test_suites_cases_and_failures_are_counted():
    good = shop_outcome(expected={"no-duplicate": "violated", "no-loss": "violated"})
    bad = shop_outcome(expected={"no-duplicate": "holds", "no-loss": "violated", "key-order": "holds"},
                       crash_budget=1, loss_budget=1)
    root = parse(render_junit([good, bad]))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 2
    assert [len(s.findall("testcase")) for s in suites] == [2, 3]
    assert [s.get("failures") for s in suites] == ["0", "1"]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "0")
    assert suites[1].get("name") == "shop [crash_budget=1, loss_budget=1]"
    assert {p.get("name"): p.get("value") for p in suites[1].iter("property")} == {
        "scope.model": "shop", "scope.parameters": "crash_budget=1, loss_budget=1", "scope.limits": "none",
        "crash_budget": "1", "loss_budget": "1"}


def test_failure_says_expected_and_found_and_carries_the_trace():
    outcome = shop_outcome(expected={"no-duplicate": "holds", "no-loss": "violated"})
    root = parse(render_junit([outcome]))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    failure = cases["no-duplicate"].find("failure")
    assert failure.get("message") == "expected holds, found violated"
    assert failure.get("type") == "mismatch"
    assert "5  consumer  writes e1 to the database" in failure.text
    assert "database: ('e1',) -> ('e1', 'e1')" in failure.text      # escaped in the file, intact here
    # an expected violation passes and keeps its trace as evidence
    assert cases["no-loss"].find("failure") is None
    assert "loses the request carrying e2" in cases["no-loss"].find("system-out").text


def test_expected_violation_not_found_fails_with_the_explored_count():
    outcome = shop_outcome(expected={"no-duplicate": "violated"}, crash_budget=0)
    failure = parse(render_junit([outcome])).find(".//testcase/failure")
    assert failure.get("message") == "expected violated, found holds"
    assert f"{outcome.result.stats.distinct:,} states explored" in failure.text


def test_bounded_is_an_error():
    model = two_phase_commit(3)
    outcome = Outcome("specs/two_phase_commit.py", "two-phase", explore(model, max_states=50), model,
                      expected={"TCConsistent": "holds", "some-abort": "holds"})
    root = parse(render_junit([outcome]))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    error = cases["TCConsistent"].find("error")
    assert error.get("message") == "bounded" and error.get("type") == "bounded"
    assert "NOT proofs" in error.text
    assert cases["some-abort"].find("error") is None                # decided before the limit
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "0", "1")


def test_without_expectations_every_property_is_a_case_and_violations_fail():
    outcome = shop_outcome()
    root = parse(render_junit([outcome]))
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == list(outcome.result.properties)
    assert root.get("failures") == "2"                               # no-duplicate and no-loss


def test_text_that_xml_cannot_hold_is_escaped_or_removed():
    def step(state):
        return [(StepLabel("app", "writes <row> & \"quote\" \x1b[31mred\x1b[0m \x00", peer="db"),
                 state + 1)] if state < 1 else []

    model = Model(name="x<y>&z", initial_states=[0], actions=[Action("write", step)],
                  properties=[always("small", lambda s: s < 1, "a & b < c")])
    outcome = Outcome("weird & <path>.py", "weird <spec> & \"name\"", explore(model), model,
                      config={"a<b": "c&d"})
    text = render_junit([outcome])
    root = parse(text)
    suite = root.find("testsuite")
    assert suite.get("name") == 'weird <spec> & "name" [a<b=c&d]'
    failure = root.find(".//failure")
    assert 'writes <row> & "quote" red' in failure.text
    assert "\x1b" not in text and "\x00" not in text


def test_timings_can_be_left_out():
    outcome = shop_outcome()
    assert 'time="' in render_junit([outcome])
    assert 'time="' not in render_junit([outcome], timings=False)
    assert "states/s" not in render_junit([outcome], timings=False)


def test_each_case_points_at_the_line_of_its_expect_entry(tmp_path):
    from modelcheck.runner import run_spec
    spec = tmp_path / "gate.yaml"
    spec.write_text("name: gate\n"                               # 1
                    "workload:\n  messages: 1\n"                   # 2-3
                    "consumer:\n  commit: before-process\n"        # 4-5
                    "faults:\n  consumer.crash: 1\n"               # 6-7
                    "expect:\n"                                    # 8
                    "  no-duplicate: holds\n"                      # 9
                    "  no-loss: holds\n")                          # 10: before-process loses e1
    cases = {case.get("name"): case for case in parse(render_junit(run_spec(spec))).iter("testcase")}
    assert {name: (case.get("file"), case.get("line")) for name, case in cases.items()} == {
        "no-duplicate": (str(spec), "9"), "no-loss": (str(spec), "10")}
    assert cases["no-loss"].find("failure") is not None


def test_in_a_sweep_a_case_points_at_the_rule_that_applies(tmp_path):
    from modelcheck.runner import run_spec
    spec = tmp_path / "sweep.yaml"
    spec.write_text("workload:\n  messages: 1\n"                   # 1-2
                    "faults:\n  consumer.crash: 1\n"               # 3-4
                    "sweep:\n  consumer.commit: [before-process, after-process]\n"   # 5-6
                    "expect:\n"                                    # 7
                    "  - no-loss: holds\n"                         # 8
                    "    no-duplicate: holds\n"                    # 9
                    "  - when: {consumer.commit: before-process}\n"   # 10
                    "    no-loss: violated\n")                     # 11
    suites = parse(render_junit(run_spec(spec))).findall("testsuite")
    lines = [{case.get("name"): case.get("line") for case in suite.iter("testcase")} for suite in suites]
    assert lines == [{"no-loss": "11", "no-duplicate": "9"}, {"no-loss": "8", "no-duplicate": "9"}]


def test_a_failing_guard_the_spec_does_not_mention_is_a_failed_case():
    outcome = shop_outcome(expected={"no-duplicate": "holds"}, crash_budget=0)
    outcome.result.properties["all-written"].verdict = "violated"   # as when the claim cannot be attempted
    assert outcome.mismatches == [("all-written", "holds", "violated")]
    root = parse(render_junit([outcome]))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert list(cases) == ["no-duplicate", "all-written"]
    assert cases["all-written"].find("failure").get("message") == "found violated"
    assert cases["no-duplicate"].get("line") is None                # not written in a YAML spec
