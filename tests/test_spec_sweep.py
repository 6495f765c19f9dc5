"""Sweeps, expectation rules and the --set / --sweep command-line overrides."""

from __future__ import annotations

import textwrap

import pytest

from modelcheck.errors import InvalidSpec
from modelcheck.spec import apply_command_line, apply_overrides, apply_sweeps, expand, load_spec


def load(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return load_spec(path)


SWEEP = """
    name: commit-matrix
    faults:
      consumer.crash: 1
    sweep:
      producer.acks: [0, 1, all]
      consumer.commit: [before-process, after-process]
    expect:
      - {no-duplicate: holds, no-loss: holds}
      - when: {consumer.commit: after-process}
        no-duplicate: violated
      - when: {producer.acks: [0, 1], consumer.commit: before-process}
        no-loss: violated
"""


def test_points_come_in_file_order_with_the_last_axis_fastest(tmp_path):
    points = expand(load(tmp_path, SWEEP))
    assert [point.label for point in points] == [
        "producer.acks=0, consumer.commit=before-process", "producer.acks=0, consumer.commit=after-process",
        "producer.acks=1, consumer.commit=before-process", "producer.acks=1, consumer.commit=after-process",
        "producer.acks=all, consumer.commit=before-process",
        "producer.acks=all, consumer.commit=after-process"]
    assert points[0].values == {"producer.acks": "0", "consumer.commit": "before-process"}
    assert all(point.config.faults.consumer_crash == 1 for point in points)
    assert [(p.config.producer.acks, p.config.consumer.commit) for p in points] == [
        tuple(p.values.values()) for p in points]


def test_later_rules_win_where_several_match(tmp_path):
    expected = {point.label: point.expected for point in expand(load(tmp_path, SWEEP))}
    assert expected["producer.acks=0, consumer.commit=before-process"] == {
        "no-duplicate": "holds", "no-loss": "violated"}
    assert expected["producer.acks=1, consumer.commit=after-process"] == {
        "no-duplicate": "violated", "no-loss": "holds"}
    assert expected["producer.acks=all, consumer.commit=before-process"] == {
        "no-duplicate": "holds", "no-loss": "holds"}


def test_a_plain_expect_applies_to_every_point(tmp_path):
    spec = load(tmp_path, "sweep:\n  faults.consumer.crash: [0, 1]\nexpect:\n  no-loss: holds\n")
    assert [point.expected for point in expand(spec)] == [{"no-loss": "holds"}] * 2


def test_a_sweep_of_key_lists(tmp_path):
    spec = load(tmp_path, """
        sweep:
          workload.keys: [[k1], [k1, k2]]
        expect:
          - {key-order: holds}
          - when: {workload.keys: [k1, k2]}
            key-order: violated
        """)
    points = expand(spec)
    assert [p.config.workload.keys for p in points] == [("k1",), ("k1", "k2")]
    assert [p.expected for p in points] == [{"key-order": "holds"}, {"key-order": "violated"}]
    assert points[1].label == "workload.keys=[k1, k2]"


@pytest.mark.parametrize("text, line, key, words", [
    ("sweep:\n  producer.ack: [0, 1]\n", 2, "producer.ack", "did you mean producer.acks?"),
    ("sweep:\n  producer.acks: all\n", 2, "producer.acks", "needs a list of values"),
    ("sweep:\n  producer.acks: []\n", 2, "producer.acks", "needs a list of values"),
    ("sweep:\n  producer.acks:\n    - 1\n    - 2\n", 4, "producer.acks", "'2' is not one of 0, 1, all"),
    ("sweep:\n  producer.acks: [all, -1]\n", 2, "producer.acks", "all is listed twice"),
    ("sweep:\n  producer.acks: [0, 1]\nexpect:\n  - when: {producer.acks: all}\n    no-loss: holds\n", 4,
     "expect.when", "matches no configuration"),
    ("sweep:\n  producer.acks: [0, 1]\nexpect:\n  - when: {producer.aks: 1}\n    no-loss: holds\n", 4,
     "producer.aks", "did you mean producer.acks?"),
    # One point of the matrix is a configuration Kafka refuses: the error names it.
    ("producer:\n  enable.idempotence: true\nsweep:\n  producer.acks: [all, 1]\n", 4, "producer.acks",
     "in the sweep point producer.acks=1"),
    # A matrix too large to search is refused before any point is built (it would take hours to build).
    ("sweep:\n" + "".join(f"  faults.{fault}: [{', '.join(map(str, range(101)))}]\n"
                           for fault in ("consumer.crash", "broker.crash", "request.lost")), 3,
     "faults.broker.crash", "101 x 101 x 101 = 1,030,301 configurations, more than 10,000"),
])
def test_sweep_errors_name_file_line_and_key(tmp_path, text, line, key, words):
    with pytest.raises(InvalidSpec) as caught:
        load(tmp_path, text)
    assert (caught.value.line, caught.value.key) == (line, key)
    assert words in caught.value.message


# -- --set and --sweep -------------------------------------------------------------------------------

def test_set_overrides_one_key_and_validates_it_like_the_file(tmp_path):
    spec = load(tmp_path, "producer:\n  acks: all\n  retries: 2\n")
    changed = apply_overrides(spec, ["producer.acks=1", "workload.keys=[a, b]", "cluster.unclean.leader."
                                                                                 "election.enable=true"])
    assert changed.config.producer.acks == "1" and changed.config.producer.retries == 2
    assert changed.config.workload.keys == ("a", "b")
    assert changed.config.cluster.unclean_leader_election_enable is True
    assert spec.config.producer.acks == "all"                          # the original is unchanged
    assert str(changed.origins["producer.acks"]) == "--set producer.acks"


def test_set_null_and_an_empty_value_mean_null(tmp_path):
    spec = load(tmp_path, "producer:\n  transactional.id: tx\n")
    assert apply_overrides(spec, ["producer.transactional.id=null"]).config.producer.transactional_id is None
    assert apply_overrides(spec, ["producer.transactional.id="]).config.producer.transactional_id is None


@pytest.mark.parametrize("assignment, key, words", [
    ("producer.acks=2", "producer.acks", "'2' is not one of 0, 1, all"),
    ("producer.ack=1", "producer.ack", "did you mean producer.acks?"),
    ("producer.retries=many", "producer.retries", "expected a whole number"),
    ("producer.acks=[1", "producer.acks", "not valid YAML"),
])
def test_a_bad_override_names_the_option(tmp_path, assignment, key, words):
    spec = load(tmp_path, "name: x\n")
    with pytest.raises(InvalidSpec) as caught:
        apply_overrides(spec, [assignment])
    assert caught.value.file == f"--set {key}" and caught.value.line is None
    assert words in str(caught.value)


def test_an_override_without_equals_is_refused(tmp_path):
    with pytest.raises(InvalidSpec, match="expected KEY=VALUE"):
        apply_overrides(load(tmp_path, "name: x\n"), ["producer.acks"])


def test_an_override_that_makes_a_conflict_is_blamed(tmp_path):
    spec = load(tmp_path, "producer:\n  enable.idempotence: true\n")
    with pytest.raises(InvalidSpec) as caught:
        apply_overrides(spec, ["producer.acks=1"])
    assert caught.value.file == "--set producer.acks" and caught.value.key == "producer.acks"
    assert f"producer.enable.idempotence: true, {tmp_path / 'spec.yaml'} line 2" in caught.value.message


def test_set_pins_a_swept_key_and_rules_see_the_pinned_value(tmp_path):
    spec = apply_overrides(load(tmp_path, SWEEP), ["consumer.commit=after-process"])
    points = expand(spec)
    assert [point.label for point in points] == ["producer.acks=0", "producer.acks=1", "producer.acks=all"]
    assert all(point.expected["no-duplicate"] == "violated" for point in points)


def test_sweep_from_the_command_line_adds_or_replaces_an_axis(tmp_path):
    spec = load(tmp_path, SWEEP)
    added = apply_sweeps(spec, ["faults.consumer.crash=0,1"])
    assert len(expand(added)) == 12
    assert expand(added)[1].label == "producer.acks=0, consumer.commit=before-process, faults.consumer.crash=1"
    replaced = apply_sweeps(spec, ["producer.acks=1, all"])
    assert [axis.key for axis in replaced.sweep] == ["producer.acks", "consumer.commit"]
    assert replaced.sweep[0].values == ("1", "all")
    keys = apply_sweeps(load(tmp_path, "name: x\n"), ["workload.keys=[[k1], [k1, k2]]"])
    assert [p.config.workload.keys for p in expand(keys)] == [("k1",), ("k1", "k2")]


def test_sweep_values_are_validated_and_named_by_the_option(tmp_path):
    with pytest.raises(InvalidSpec) as caught:
        apply_sweeps(load(tmp_path, "name: x\n"), ["consumer.commit=before-process,afterr-process"])
    assert caught.value.file == "--sweep consumer.commit"
    assert "did you mean after-process?" in caught.value.message


def test_a_key_cannot_be_both_set_and_swept(tmp_path):
    with pytest.raises(InvalidSpec, match="both --set and --sweep"):
        apply_command_line(load(tmp_path, "name: x\n"), ["producer.acks=1"], ["producer.acks=0,1"])
    both = apply_command_line(load(tmp_path, "name: x\n"), ["producer.retries=3"], ["producer.acks=0,1"])
    assert [(p.config.producer.retries, p.config.producer.acks) for p in expand(both)] == [(3, "0"), (3, "1")]


# -- a sweep listing its configurations ------------------------------------------------------------------

LISTED = """
    name: three-levels
    faults:
      consumer.crash: 1
    sweep:
      - {consumer.commit: before-process}
      - {consumer.commit: after-process, producer.acks: 1}
      - consumer.commit: after-process
        consumer.max.poll.records: 1
    expect:
      - {no-loss: holds}
      - when: {consumer.commit: before-process}
        no-loss: violated
"""


def test_a_listed_sweep_checks_exactly_its_configurations_in_order(tmp_path):
    points = expand(load(tmp_path, LISTED))
    assert [point.values for point in points] == [
        {"consumer.commit": "before-process"},
        {"consumer.commit": "after-process", "producer.acks": "1"},
        {"consumer.commit": "after-process", "consumer.max.poll.records": 1}]
    assert [p.config.producer.acks for p in points] == ["1" if "producer.acks" in p.values else "all" for p in points]
    assert [p.expected for p in points] == [{"no-loss": "violated"}, {"no-loss": "holds"}, {"no-loss": "holds"}]


def test_a_listed_sweep_crosses_no_other_axis_and_set_takes_a_key_out_of_it(tmp_path):
    spec = apply_command_line(load(tmp_path, LISTED), ["consumer.commit=after-process"])
    points = expand(spec)
    assert [point.values for point in points] == [{"producer.acks": "1"}, {"consumer.max.poll.records": 1}]
    assert all(point.config.consumer.commit == "after-process" for point in points)
    swept = apply_sweeps(load(tmp_path, LISTED), ["faults.broker.crash=0,1"])
    assert len(expand(swept)) == 6


@pytest.mark.parametrize("text, line, words", [
    ("sweep: []\n", 1, "at least one configuration"),
    ("sweep:\n  - consumer.commit\n", 2, "must be a mapping"),
    ("sweep:\n  - {}\n", 2, "sets no key"),
    ("sweep:\n  - {consumer.commit: auto}\n  - {consumer.commit: auto}\n", 3, "listed twice"),
    ("sweep:\n  - {consumer.comit: auto}\n", 2, "did you mean consumer.commit?"),
    ("sweep:\n  - {consumer.commit: later}\n", 2, "is not one of"),
])
def test_listed_sweep_errors_name_the_line(tmp_path, text, line, words):
    with pytest.raises(InvalidSpec) as caught:
        load(tmp_path, text)
    assert caught.value.line == line and words in caught.value.message
