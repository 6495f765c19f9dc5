"""Fingerprints: a state as a 64-bit number, and a compact set of them.

The exact search keeps every state it found as a Python object (about 250 bytes a state for a
TwoPhase-like model). The fingerprint search (`engine.fingerprint_bfs`) keeps a number per state
instead, as TLC and SPIN's hash-compact mode do: the state's canonical encoding (`engine.encoding`)
hashed with BLAKE2b cut to 8 bytes (Python's `hashlib`, so the number is the same in every process and
on every machine, unlike Python's `hash()` of a string). Two different states may then get the same
number, and the search takes the second for the first: a collision can only hide states (and the
states reached only through them), never add a state or a step, so a violation found is real but
"holds" is a probabilistic verdict.

`collision_probability` is the estimate TLC prints after its search as "calculated (optimistic)":
distinct × (generated − distinct) / 2^64, the expected number of the generated states that met an
earlier state's fingerprint by chance (each of the generated − distinct repeat visits could have met
any of the distinct fingerprints). Source: TLC's `ModelChecker.reportSuccess` (tlaplus/tlaplus,
tlc2/tool/ModelChecker.java). The second estimate TLC prints, from the smallest gap between sorted
fingerprints, is left out: it needs the fingerprints sorted.

`FingerprintSet` is an open-addressing hash table with linear probing in `array('Q')` blocks (8 bytes a
slot, in C memory): no Python object per state. It is split in 256 tables by the fingerprints' top bits
(the slot within a table comes from the low bits), each doubling when three quarters full: it holds
8 / 0.75 to 8 / 0.375 bytes a state, and a doubling copies one table only, so the set never needs twice
its memory for a moment. Why the `array` module: measured on this machine, a probe from Python costs
about 0.36 µs (a Python `set` of ints: 0.20 µs, but 60 to 90 bytes a state); numpy is faster only with
the probes batched (one call per thousands of successors, which the breadth-first order of discoveries
makes awkward) and would be a new dependency. Zero marks an empty slot, so a fingerprint 0 is stored
as 1.
"""

from __future__ import annotations

import hashlib
from array import array

WIDTH = 64                          # bits of a fingerprint
SHARD_BITS = 8                      # the set is 2^8 tables, chosen by a fingerprint's top 8 bits
INITIAL_SLOTS = 1 << 6
MAX_LOAD = 0.75

blake2b = hashlib.blake2b


def fingerprint(canonical: bytes, width: int = WIDTH) -> int:
    """The `width`-bit fingerprint of a state's canonical encoding (never 0)."""
    return int.from_bytes(blake2b(canonical, digest_size=8).digest(), "little") >> (64 - width) or 1


def collision_probability(distinct: int, generated: int, width: int = WIDTH) -> float:
    """TLC's optimistic estimate of the probability that two different states met on one fingerprint
    (capped at 1; see the module docstring)."""
    return min(1.0, distinct * max(0, generated - distinct) / 2.0 ** width)


class FingerprintSet:
    """A set of fingerprints (non-zero ints below 2^64), in `SHARDS` open-addressing tables chosen by the
    fingerprint's top bits, each growing on its own: a growth copies one table, a 256th of the set, so
    the memory of the set never doubles for a moment as a single table's would."""

    def __init__(self, width: int = WIDTH, slots: int = INITIAL_SLOTS):
        if slots & (slots - 1):
            raise ValueError(f"slots must be a power of two, not {slots}")
        self._shift = max(0, width - SHARD_BITS)
        shards = 1 << min(SHARD_BITS, width)
        self._tables = [array("Q", bytes(8 * slots)) for _ in range(shards)]
        self._masks = [slots - 1] * shards
        self._counts = [0] * shards
        self._limit = int(slots * MAX_LOAD)
        self._limits = [self._limit] * shards
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        """The memory the tables hold."""
        return sum(len(table) for table in self._tables) * 8

    def add(self, fingerprint: int) -> bool:
        """Add `fingerprint`; True when it was not in the set."""
        shard = fingerprint >> self._shift
        table = self._tables[shard]
        mask = self._masks[shard]
        slot = fingerprint & mask
        while True:
            held = table[slot]
            if held == fingerprint:
                return False
            if not held:
                table[slot] = fingerprint
                self._count += 1
                count = self._counts[shard] = self._counts[shard] + 1
                if count > self._limits[shard]:
                    self._grow(shard)
                return True
            slot = (slot + 1) & mask

    def __contains__(self, fingerprint: int) -> bool:
        shard = fingerprint >> self._shift
        table = self._tables[shard]
        mask = self._masks[shard]
        slot = fingerprint & mask
        while True:
            held = table[slot]
            if held == fingerprint:
                return True
            if not held:
                return False
            slot = (slot + 1) & mask

    def _grow(self, shard: int):
        old = self._tables[shard]
        slots = len(old) * 2
        table = self._tables[shard] = array("Q", bytes(8 * slots))
        mask = self._masks[shard] = slots - 1
        self._limits[shard] = int(slots * MAX_LOAD)
        for held in old:
            if held:
                slot = held & mask
                while table[slot]:
                    slot = (slot + 1) & mask
                table[slot] = held
