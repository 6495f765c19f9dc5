"""specs/two_phase_actors.py: a non-Kafka protocol on the actors layer, checked through the spec loader.

With its decision in a durable log the TM keeps every RM consistent through lost messages and its own
crash; without the log, a crash after the decision makes it forget, ask again and abort an RM after
another committed. Each violation's trace replays through the model and ends in a violating state.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.engine import HOLDS, VIOLATED, check_replays, explore
from modelcheck.report.explain import explain_trace
from modelcheck.spec.python_spec import load_python_spec

SPEC = Path(__file__).resolve().parents[1] / "specs" / "two_phase_actors.py"


def load(**params):
    return load_python_spec(SPEC, {name: str(value) for name, value in params.items()})


def test_a_logged_decision_keeps_every_rm_consistent():
    result = explore(load())
    assert result.stopped_by is None
    assert {name: p.verdict for name, p in result.properties.items()} == {
        "consistent": HOLDS, "all-decided": HOLDS, "commits": HOLDS}
    assert result.stats.coverage["network.lose"] > 0 and result.stats.coverage["tm.crash"] > 0


def test_a_forgotten_decision_breaks_consistency_and_the_trace_replays():
    model = load(log_decision="false")
    result = explore(model)
    found = result.properties["consistent"]
    assert found.verdict == VIOLATED
    assert check_replays(model, found.trace)
    assert not model.get_properties()[0].predicate(found.trace.last)
    sentences = [step.sentence for step in explain_trace(found.trace, model)]
    assert "TM crashes" in sentences
    assert "TM recovers with no decision in its log and starts the vote again" in sentences
    # the crash comes after the decision to commit, and an RM aborts at the end
    assert sentences.index("TM crashes") > next(i for i, s in enumerate(sentences) if "decides to commit" in s)
    assert sentences[-1].endswith("applies the decision to abort and acknowledges it")


def test_without_faults_both_variants_hold():
    for log_decision in ("true", "false"):
        result = explore(load(loss=0, crashes=0, log_decision=log_decision))
        assert result.properties["consistent"].verdict == HOLDS
        assert "network.lose" not in result.stats.coverage


@pytest.mark.parametrize("rms", [1, 2])
def test_the_state_space_grows_with_the_rms_and_stays_finite(rms):
    result = explore(load(rms=rms))
    assert result.stopped_by is None and result.properties["consistent"].verdict == HOLDS
    assert result.stats.distinct > 10 * rms


def test_a_decision_not_sent_again_leaves_an_rm_prepared_for_ever():
    model = load(resend="false")
    result = explore(model)
    found = result.properties["all-decided"]
    assert found.verdict == VIOLATED and result.properties["consistent"].verdict == HOLDS
    assert check_replays(model, found.trace)
    rm_states = [found.trace.last.actors[i].durable for i in (1, 2)]
    assert 1 in rm_states                         # PREPARED, with nothing left to happen
    sentences = [step.sentence for step in explain_trace(found.trace, model)]
    assert any("loses the request Decision" in s for s in sentences)
    assert explore(load(resend="false", loss=0)).properties["all-decided"].verdict == HOLDS
