"""A queue of states as compressed bytes: the level a breadth-first search has yet to expand.

A search that keeps its seen-set as fingerprints (`engine.fingerprint_bfs`) still has to keep the
states it will expand, and at their widest the levels of a breadth-first search hold a tenth or more
of all the states (TwoPhase at rms = 7: 42,924 of 296,448 in one level). Kept as Python objects, the
frontier alone would take more memory than the fingerprints. So a state that marshal writes (tuples of
ints and strings: the bytes the fingerprint was computed from, `encoding`) is kept as those bytes,
packed into chunks of about 256 KiB, each compressed with zlib at its fastest level: consecutive
states of one level share most of their bytes, and a chunk shrinks several times (TwoPhase: about 9
bytes a state). A state marshal cannot write (NamedTuples, enums: the Kafka model's) is kept as it is:
pickling one costs more than computing its successors, and a restored copy would share no sub-value
with the other states. TLC keeps its queue on disk for the same reason
(`tlc2.tool.queue.DiskStateQueue`); this one stays in memory, which is enough while the compressed
level fits. Reading the queue consumes it, a chunk at a time, so its memory goes as the level is
expanded.
"""

from __future__ import annotations

import zlib
from array import array
from typing import Iterator

from marshal import loads

CHUNK_BYTES = 1 << 18
LEVEL = 1                           # zlib's fastest compression


class Frontier:
    """States in the order they were appended."""

    def __init__(self):
        self._chunks: list = []                 # compressed bytes (count, lengths, records) or lists of states
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._objects: list = []                # states kept as they are, not yet in `_chunks`
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    @property
    def nbytes(self) -> int:
        """The bytes the queue holds (compressed chunks and records not yet compressed)."""
        return sum(len(chunk) for chunk in self._chunks if type(chunk) is bytes) + self._pending_bytes

    def append(self, record: bytes):
        """Queue a state given as the bytes marshal made of it."""
        if self._objects:
            self._seal()
        self._pending.append(record)
        self._count += 1
        self._pending_bytes += len(record)
        if self._pending_bytes >= CHUNK_BYTES:
            self._seal()

    def append_state(self, state):
        """Queue a state marshal cannot write: kept as it is."""
        if self._pending:
            self._seal()
        self._objects.append(state)
        self._count += 1

    def _seal(self):
        if self._objects:
            self._chunks.append(self._objects)
            self._objects = []
        if not self._pending:
            return
        lengths = array("I", map(len, self._pending))
        blob = len(lengths).to_bytes(4, "little") + lengths.tobytes() + b"".join(self._pending)
        self._chunks.append(zlib.compress(blob, LEVEL))
        self._pending = []
        self._pending_bytes = 0

    def drain(self) -> Iterator:
        """The states, in order, each restored; the queue is empty afterwards (and gives its memory
        back chunk by chunk as the states are taken)."""
        self._seal()
        chunks = self._chunks
        chunks.reverse()
        self._chunks = []
        self._count = 0
        while chunks:
            chunk = chunks.pop()
            if type(chunk) is list:
                yield from chunk
                continue
            blob = zlib.decompress(chunk)
            count = int.from_bytes(blob[:4], "little")
            lengths = array("I")
            lengths.frombytes(blob[4:4 + 4 * count])
            view = memoryview(blob)
            offset = 4 + 4 * count
            for length in lengths:
                yield loads(view[offset:offset + length])
                offset += length
