"""What the model derives from one side of a state, worked out once per distinct side.

A state of the composed model is a pair (write side, read side), and the two sides meet in many
combinations: on benchmarks/kafka-big.yaml the first 127,000 states hold only 9,400 distinct write
sides and 115 distinct read sides. Whatever depends on one side only is therefore worth remembering:

- the write side's steps and its readable logs (`cluster.readable_logs`) depend on the write side;
- the read side's steps depend on the read side and the readable logs;
- most properties look at one side only (no-duplicate and key-order at the sink, no-log-duplicate and
  acked-durable at the partitions).

`Memo` keeps one `Entry` per distinct side. Everything an entry holds is a pure function of its side
(and of the configuration), so a search with the memo finds the same states, in the same order, with
the same labels, as one without it: the memo only saves recomputing. The successors an entry holds are
replaced by the memo's own object for their value (`Memo.canonical`), so that equal sides met later are
the same object: the next lookup is by identity (no hash of a nested tuple), and the search's
comparisons of equal states stop at the first shared part.

An entry is found by the object's identity first (an `id` kept valid by holding the object), then by
value (a hash). The memo forgets everything when it holds `limit` entries, so memory stays bounded; a
forgotten entry is simply made again when needed.

This is memoisation in the usual sense (remember the result of a pure function per argument); the
state-splitting it exploits is the write/read split of `modelcheck.kafka.state`.
"""

from __future__ import annotations

from typing import Any, Callable

from modelcheck.kafka.cluster import readable_logs

DEFAULT_LIMIT = 100_000


class Entry:
    """What is known so far of one side: `side` itself; for a write side, its successors (None until
    worked out) and its readable logs; for a read side, its successors per readable logs and, under
    symmetry, its representative (`symmetry`); property verdicts by name. Successors are kept as the
    model makes them (`model`)."""

    __slots__ = ("side", "successors", "logs", "by_logs", "verdicts", "representative")

    def __init__(self, side):
        self.side = side
        self.successors = None
        self.logs = None
        self.by_logs: dict[int, tuple[Any, Any]] = {}
        self.verdicts: dict[str, bool] = {}
        self.representative = None

    def successors_with(self, logs, work_out: Callable[[Any, Any], Any]):
        """This read side's successors given the readable `logs`, `work_out(side, logs)` the first time.
        The logs are kept by identity (the memos hand out one object per value of the logs, and the
        entry holds the object so that its id stays its own)."""
        found = self.by_logs.get(id(logs))
        if found is None:
            found = self.by_logs[id(logs)] = (logs, work_out(self.side, logs))
        return found[1]


class Memo:
    """One `Entry` per distinct value of a side, made on first use; see the module docstring."""

    def __init__(self, limit: int = DEFAULT_LIMIT):
        self._limit = limit
        self._by_id: dict[int, tuple[Any, Entry]] = {}
        self._by_value: dict[Any, Entry] = {}

    def entry(self, side) -> Entry:
        """The entry of `side`, made if it has none."""
        found = self._by_id.get(id(side))
        if found is not None:
            return found[1]
        entry = self._by_value.get(side)
        if entry is None:
            if len(self._by_value) >= self._limit:
                self.clear()
            entry = self._by_value[side] = Entry(side)
        elif len(self._by_id) >= 4 * self._limit:
            self._by_id.clear()
        self._by_id[id(side)] = (side, entry)
        return entry

    def canonical(self, side):
        """The memo's object equal to `side` (`side` itself the first time its value is seen)."""
        return self.entry(side).side

    def clear(self) -> None:
        self._by_id.clear()
        self._by_value.clear()


def remembered(entry: Entry, name: str, predicate: Callable[[Any], bool]) -> bool:
    """`predicate(entry.side)`, worked out once per entry and kept under `name`."""
    verdicts = entry.verdicts
    verdict = verdicts.get(name)
    if verdict is None:
        verdict = verdicts[name] = bool(predicate(entry.side))
    return verdict


class SideMemos:
    """The memos of one model: one for write sides, one for read sides, and the readable logs of a
    write side, one object per value (so that read entries can keep their successors by the logs'
    identity)."""

    def __init__(self, config, limit: int = DEFAULT_LIMIT):
        self.config = config
        self.write = Memo(limit)
        self.read = Memo(limit)
        self._logs: dict = {}
        self._limit = limit

    def logs(self, write_entry: Entry):
        """The readable logs (`cluster.readable_logs`) of a write side's entry."""
        logs = write_entry.logs
        if logs is None:
            logs = readable_logs(self.config, write_entry.side)
            if len(self._logs) >= self._limit:
                self._logs.clear()
            logs = write_entry.logs = self._logs.setdefault(logs, logs)
        return logs
