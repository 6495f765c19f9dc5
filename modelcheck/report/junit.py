"""JUnit XML for CI systems: a testsuite per checked configuration, a testcase per property.

The layout is the one CI servers read (Jenkins, GitLab, GitHub test reporters): `<testsuites>` holding
one `<testsuite>` per outcome (a spec, or one point of a sweep, with its configuration as
`<properties>`), and in it one `<testcase>` per property the spec states an expectation for (per
property of the model when it states none).

- A verdict that meets the expectation passes; a violation that was expected carries its trace in the
  testcase's `<system-out>` as evidence.
- A verdict that misses it is a `<failure type="mismatch">` whose message says expected and found and
  whose body is the explained text trace (or, for an expected violation that was not found, how much
  was explored without finding one).
- Each testcase carries `file` (the spec as the user named it) and, where the expectation was written
  in a YAML spec, `line`: the line of its `expect:` entry (for a sweep's rules, the rule that applies),
  which CI annotations point at.
- A `sometimes` guard the spec does not mention gets a testcase of its own when it is violated (its
  failure fails the gate, `Outcome.mismatches`).
- Each testsuite opens with what was explored (`report.scope`): `scope.*` entries in its
  `<properties>` (topology, workload, faults, and `scope.not-explored` for each sentence of what was
  not), and the same lines first in its `<system-out>`.
- A `bounded` verdict is an `<error type="bounded" message="bounded">`: the check could not be
  carried out (a limit stopped the search), which is neither a pass nor a found mismatch; `modelcheck
  check` exits with 3 for it (SPEC-FORMAT.md, "Results").

Built with `xml.etree.ElementTree`, which escapes text and attributes; characters that XML 1.0 cannot
hold at all (control characters such as ANSI escapes) are removed first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Iterable

from modelcheck.engine.result import BOUNDED, VIOLATED
from modelcheck.report.matrix import config_value
from modelcheck.report.scope import scope_lines, scope_of
from modelcheck.report.text import render_trace, stats_sentence, stopped_sentence

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def clean(text) -> str:
    """`text` without ANSI colour codes and characters XML 1.0 forbids."""
    return _NOT_XML.sub("", _ANSI.sub("", str(text)))


def suite_name(outcome) -> str:
    """"at-least-once [producer.acks=all, consumer.commit=after-process]" (no brackets without config)."""
    if not outcome.config:
        return outcome.name
    values = ", ".join(f"{key}={config_value(value)}" for key, value in outcome.config.items())
    return f"{outcome.name} [{values}]"


def _sub(parent, tag, text=None, **attributes):
    element = ET.SubElement(parent, tag, {key: clean(value) for key, value in attributes.items()})
    if text:
        element.text = clean(text)
    return element


def _testcase(suite, outcome, name: str, classname: str) -> str | None:
    """Add the testcase of property `name`; return "failure", "error" or None (passed)."""
    result = outcome.result
    prop = result.properties.get(name)
    expected = outcome.expected.get(name)
    line = getattr(outcome, "expected_lines", {}).get(name)
    place = {"line": str(line)} if line is not None else {}
    case = _sub(suite, "testcase", name=name, classname=classname, file=outcome.spec_path, **place)
    found = prop.verdict if prop else "missing"
    if found == BOUNDED:
        stopped = stopped_sentence(result) or "the search was stopped by a limit"
        message = f"{stopped}; expected {expected}" if expected else stopped
        _sub(case, "error", message, type="bounded", message="bounded")
        return "error"
    if expected is not None:
        failed = found != expected
        message = f"expected {expected}, found {found}"
    else:
        failed = found == VIOLATED
        message = f"found {found}"
    trace = render_trace(prop, outcome.model) if prop is not None and prop.trace is not None else ""
    if failed:
        if prop is None:
            body = f"the model has no property named {name!r}"
        elif found == VIOLATED:
            body = trace or f"{name} violated"
        else:
            body = (f"{name} was expected to be violated, but no reachable state violates it "
                    f"({result.stats.distinct:,} states explored, the whole state space)")
        advice = (getattr(outcome, "suggestions", None) or {}).get(name) or []
        if advice:
            body += "\n" + "\n".join(f"what to change: {item}" for item in advice) + "\n"
        _sub(case, "failure", body, type="mismatch", message=message)
        return "failure"
    if trace and found == VIOLATED:
        _sub(case, "system-out", trace)
    return None


def render_junit(outcomes: Iterable, *, name: str = "modelcheck", timings: bool = True) -> str:
    """The JUnit XML document (a string, with its XML declaration) for `outcomes`.

    `timings=False` leaves out the `time` attributes, so that the output of a run can be compared
    with a stored one.
    """
    root = ET.Element("testsuites", {"name": clean(name)})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for outcome in outcomes:
        result = outcome.result
        title = suite_name(outcome)
        suite = _sub(root, "testsuite", name=title, file=outcome.spec_path)
        props = _sub(suite, "properties")
        scope = scope_of(outcome)
        for what, said in scope.explored:
            _sub(props, "property", name=f"scope.{what}", value=said)
        for said in scope.not_explored:
            _sub(props, "property", name="scope.not-explored", value=said)
        for key, value in {**result.parameters, **outcome.config}.items():
            _sub(props, "property", name=key, value=config_value(value))
        names = list(outcome.expected) if outcome.expected else list(result.properties)
        names += [name for name, _expected, _found in outcome.mismatches if name not in names]
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for property_name in names:
            status = _testcase(suite, outcome, property_name, title)
            counts["tests"] += 1
            if status == "failure":
                counts["failures"] += 1
            elif status == "error":
                counts["errors"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
        if timings:
            suite.set("time", f"{result.stats.seconds:.3f}")
        seconds += result.stats.seconds
        summary = scope_lines(outcome) + [f"gate: {outcome.gate}",
                                          f"{result.model}: {stats_sentence(result, timings=timings)}"]
        stopped = stopped_sentence(result)
        if stopped:
            summary.append(stopped)
        summary.extend(f"warning: {warning}" for warning in result.warnings)
        _sub(suite, "system-out", "\n".join(summary) + "\n")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("skipped", "0")
    if timings:
        root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

