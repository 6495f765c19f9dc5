"""The model's memo of one-sided work (kafka/memo.py) changes nothing but speed.

For every reachable state of two bundled specs, the composed model's successors equal those the step
families give when called directly, in the same order; and a memo forced to forget almost everything
gives the same exploration as the default one.
"""

from pathlib import Path

import pytest

from modelcheck.engine import explore
from modelcheck.kafka import memo, read_side
from modelcheck.kafka.cluster import readable_logs
from modelcheck.kafka.model import build_model, logs_can_shrink
from modelcheck.kafka.state import KafkaState
from modelcheck.kafka.write_side import write_actions
from modelcheck.spec import expand, load_spec

SPECS = Path(__file__).resolve().parents[1] / "specs"
CASES = ["consumer-pause-zombie", "broker-acks-1-failover", "app-dual-write-outbox"]


def direct_successors(config, state):
    """(action, label, next state) from the step families themselves, without the model or its memo."""
    out = []
    for name, step in write_actions(config):
        out += [(name, label, KafkaState(after, state.read)) for label, after in step(config, state.write)]
    settings = read_side.settings(config)
    logs = readable_logs(config, state.write)
    for name, step in read_side.read_actions(config):
        if name == "consumer.out-of-range" and not logs_can_shrink(config):
            continue
        out += [(name, label, KafkaState(state.write, after)) for label, after in step(settings, state.read, logs)]
    return out


@pytest.mark.parametrize("name", CASES)
def test_successors_equal_the_step_families_called_directly(name):
    for point in expand(load_spec(SPECS / f"{name}.yaml")):
        model = build_model(point.config)
        seen = set(model.get_initial_states())
        frontier = list(seen)
        while frontier:
            state = frontier.pop()
            found = model.successors(state)
            assert found == direct_successors(point.config, state)
            for _action, _label, after in found:
                if after not in seen:
                    seen.add(after)
                    frontier.append(after)


@pytest.mark.parametrize("name", CASES)
def test_a_memo_that_forgets_gives_the_same_exploration(name, monkeypatch):
    for point in expand(load_spec(SPECS / f"{name}.yaml")):
        default = explore(build_model(point.config))
        clears = []
        original_clear = memo.Memo.clear
        monkeypatch.setattr(memo.SideMemos.__init__, "__defaults__", (3,))   # limit: 3 entries
        monkeypatch.setattr(memo.Memo, "clear", lambda self: (clears.append(1), original_clear(self)))
        forgetful = explore(build_model(point.config))
        monkeypatch.undo()
        assert clears, "the memo never forgot anything: the limit did not take effect"
        assert (default.stats.distinct, default.stats.generated, default.stats.depth, default.stats.coverage) == \
            (forgetful.stats.distinct, forgetful.stats.generated, forgetful.stats.depth, forgetful.stats.coverage)
        for prop_name, prop in default.properties.items():
            other = forgetful.properties[prop_name]
            assert prop.verdict == other.verdict
            if prop.trace is not None:
                assert [str(s.label) for s in prop.trace.steps] == [str(s.label) for s in other.trace.steps]
