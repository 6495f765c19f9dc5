"""The way back from a state to an initial state, in about two bytes a state.

The fingerprint search (`engine.fingerprint_bfs`) numbers states in the order it finds them and expands
them in that order, breadth-first. The states found by one expansion therefore get consecutive numbers,
and the parents of states 0, 1, 2, ... never go down. So instead of the parent's number (4 bytes a
state), it keeps for every expanded state how many new states it found (`children`, one byte), and
finds a parent by counting: the parent of state i is the expanded state whose run of new states holds
i. A table of running totals every `BLOCK` expanded states (built when first asked, 8 bytes a block)
makes that a binary search and a count within one block.

With each state also comes its `position`: which of its parent's successors it was (actions in their
order, each action's successors in the order it lists them), or which of the initial states. Replaying
the model along the positions rebuilds the path (`fingerprint_bfs`).

Both arrays are `array('B')` and are widened to 'H', then 'I', the first time a count or a position
does not fit (a state with more than 255 successors).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

BLOCK = 1024                        # expanded states per running total
_WIDER = {"B": "H", "H": "I"}


def widen(numbers: array) -> array:
    """`numbers` in the next wider type code."""
    return array(_WIDER[numbers.typecode], numbers)


def largest(numbers: array) -> int:
    """The largest number `numbers` can hold."""
    return (1 << 8 * numbers.itemsize) - 1


class ParentLinks:
    """Parents and positions of the states a breadth-first search numbered: `initial` initial states
    (numbers 0 to initial - 1), `children[n]` the new states found by expanding state n, `positions[i]`
    state i's position among its parent's successors (or among the initial states)."""

    def __init__(self, initial: int, children: array, positions: array):
        self.initial = initial
        self.children = children
        self.positions = positions
        self._totals: array | None = None

    @property
    def nbytes(self) -> int:
        return (self.children.itemsize * len(self.children) + self.positions.itemsize * len(self.positions)
                + (8 * len(self._totals) if self._totals is not None else 0))

    def parent(self, number: int) -> int | None:
        """The number of the state `number` was found from; None for an initial state."""
        if number < self.initial:
            return None
        if self._totals is None:
            totals = self._totals = array("Q")
            found = self.initial
            for start in range(0, len(self.children), BLOCK):
                totals.append(found)        # states found before expanded state `start`
                found += sum(self.children[start:start + BLOCK])
        block = bisect_right(self._totals, number) - 1
        expanded = block * BLOCK
        found = self._totals[block]
        children = self.children
        while True:
            found += children[expanded]
            if number < found:
                return expanded
            expanded += 1
