"""The Kafka model: the write side and the read side composed into one engine `Model`.

A state is a `KafkaState(write, read)`. The steps are the write side's (`write_side.write_actions`:
application, producer, network, brokers, faults), each acting on `state.write`, and the read side's
(`read_side.read_actions(config)`: consumers, group coordinator, sink), each acting on `state.read` with the
logs the write side makes readable at that moment (`cluster.readable_logs`). The two sides interleave
freely; the read side never changes the write side and the write side never looks at the read side.

Every step family is its own engine action, so the statistics count how often each fired and warn about
one that never did. The properties are `properties.build_properties`; the report hooks are
`explain`'s.

Speed: a side's steps are pure functions of that side (and the readable logs), and the search meets each
side in many states, so they are worked out once per distinct side and remembered (`memo`); the
properties that look at one side share the same memos. benchmarks/kafka.md has the figures.

Symmetry: where the configuration makes consumers or brokers interchangeable (`symmetry`), the model
gives the engine a `canonical` form that permutes them.
"""

from __future__ import annotations

from modelcheck.engine import Action, Model
from modelcheck.kafka import explain, properties
from modelcheck.kafka.cluster import readable_logs
from modelcheck.kafka.config import KafkaConfig
from modelcheck.kafka.memo import SideMemos
from modelcheck.kafka.state import KafkaState
from modelcheck.kafka.symmetry import canonical_of
from modelcheck.kafka.write_side import initial_write, write_actions


_pair = tuple.__new__     # KafkaState(write, read) without the keyword-handling __new__ of a NamedTuple


class _Expander:
    """The successors of one state, every step family at once.

    The engine asks each step family (each action) in turn about the same state, so the state's sides
    are looked up in the memos once, and each action answers from the lists made for that state. The
    successors of the write families are worked out once per write side, those of the read families
    once per read side and readable logs (`memo`), and kept as (family index, ((label, side), ...)) for
    the families that have any; `expand` pairs them with the state's other side. The families keep
    their order and each its own action, so coverage counts and trace labels are as without the memo.
    """

    def __init__(self, config, write_families, read_families, settings, memos: SideMemos):
        self._config = config
        self._write_steps = tuple(step for _name, step in write_families)
        self._read_steps = tuple(step for _name, step in read_families)
        self._settings = settings
        self._memos = memos
        self.state = None
        self.successors: list = []

    def action(self, index: int, name: str) -> Action:
        """The engine action of family `index` (write families first, then read families)."""
        def steps(state):
            if state is not self.state:
                try:
                    self.expand(state)
                except Exception:
                    return self.alone(index, state)
            return self.successors[index] or []
        return Action(name, steps)

    def alone(self, index: int, state) -> list:
        """Family `index`'s successors of `state` worked out by themselves, without the memo: when some
        family raises, each action still answers for its own family only, so that the engine's error
        names the family that raised."""
        write, read = state
        if index < len(self._write_steps):
            return [(label, KafkaState(after, read)) for label, after in self._write_steps[index](self._config, write)]
        logs = readable_logs(self._config, write)
        step = self._read_steps[index - len(self._write_steps)]
        return [(label, KafkaState(write, after)) for label, after in step(self._settings, read, logs)]

    def expand(self, state) -> None:
        """Make `successors`: per family, the (label, KafkaState) list of `state` (None when empty)."""
        memos = self._memos
        write, read = state
        write_entry = memos.write.entry(write)
        out = [None] * (len(self._write_steps) + len(self._read_steps))
        found = write_entry.successors
        if found is None:
            found = write_entry.successors = self._work_out_write(write_entry.side)
        for index, successors in found:
            out[index] = [(label, _pair(KafkaState, (after, read))) for label, after in successors]
        if self._read_steps:
            first = len(self._write_steps)
            found = memos.read.entry(read).successors_with(memos.logs(write_entry), self._work_out_read)
            for index, successors in found:
                out[first + index] = [(label, _pair(KafkaState, (write, after))) for label, after in successors]
        self.state, self.successors = state, out

    def _work_out_write(self, write) -> tuple:
        return _nonempty([step(self._config, write) for step in self._write_steps], self._memos.write)

    def _work_out_read(self, read, logs) -> tuple:
        return _nonempty([step(self._settings, read, logs) for step in self._read_steps], self._memos.read)


def _nonempty(families: list[list], memo) -> tuple:
    """(family index, ((label, side), ...)) for each family with successors, each side as the memo's
    object for its value (`Memo.canonical`)."""
    canonical = memo.canonical
    return tuple((index, tuple((label, canonical(after)) for label, after in successors))
                 for index, successors in enumerate(families) if successors)


def logs_can_shrink(config: KafkaConfig) -> bool:
    """Whether records below a high watermark can disappear: only through an unclean election, which
    needs a broker to crash. Otherwise the readable logs only grow (tests/test_kafka_integration.py
    checks it on every transition of the bundled specs), and a consumer's position is never out of
    range, so that step is not offered."""
    return config.cluster.unclean_leader_election_enable and config.faults.broker_crash > 0


def build_model(config: KafkaConfig, read_side=None, name: str = "kafka") -> Model:
    """The engine model of `config`. `read_side` defaults to `modelcheck.kafka.read_side`; a test may pass
    a stand-in module with the same functions."""
    if read_side is None:
        from modelcheck.kafka import read_side
    initial = KafkaState(initial_write(config), read_side.initial_read(config))
    write_families = write_actions(config)
    if hasattr(read_side, "read_actions"):
        read_families = read_side.read_actions(config)
        if not logs_can_shrink(config):
            read_families = tuple((n, step) for n, step in read_families if n != "consumer.out-of-range")
    else:
        read_families = getattr(read_side, "READ_ACTIONS", None)
    separate = read_families is not None and hasattr(read_side, "settings")
    if not separate:
        read_families = ()
    memos = SideMemos(config)
    expander = _Expander(config, write_families, read_families,
                         read_side.settings(config) if separate else None, memos)
    actions = [expander.action(index, action_name)
               for index, (action_name, _step) in enumerate((*write_families, *read_families))]
    if not separate:
        def read_steps(state):
            write = state.write
            logs = memos.logs(memos.write.entry(write))
            return [(label, KafkaState(write, after))
                    for label, after in read_side.read_steps(config, state.read, logs)]
        actions.append(Action("read", read_steps))
    return Model(
        name=name,
        initial_states=[initial],
        actions=actions,
        properties=properties.build_properties(config, read_side, memos),
        describe_state=lambda state: explain.describe_state(config, read_side, state),
        state_parts=lambda state: explain.state_parts(config, read_side, state),
        explain_step=lambda before, label, after: explain.explain_step(config, read_side, before, label, after),
        explain_violation=lambda prop, trace: explain.explain_violation(config, read_side, prop, trace),
        canonical=canonical_of(config, memos) if separate else None,
    )
