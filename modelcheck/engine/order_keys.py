"""Keys that sort states in the order a one-process breadth-first search finds them.

`bfs` orders a level by the parents' order, then by each parent's successors in the order the model
lists them; so the order of a level is the lexicographic order of each state's least sequence of
successor numbers from an initial state. A search spread over processes or machines (`parallel`,
`partitioned_bfs`) carries that sequence with every queued state as bytes, the concatenation of
`key_part(number)` for each number: the parts sort as the numbers do and none is a prefix of another,
so two keys compare as bytes exactly as their sequences do, and a state's least key names the parent
and the step by which `bfs` first reaches it.

Left out: the searches' use of the keys (each module's docstring says how it keeps and compares them).
"""

from __future__ import annotations


def key_part(number: int) -> bytes:
    """`number` as bytes that sort as the numbers do, none a prefix of another: one byte below 128, else
    a byte 128 + length, then the number big-endian. So keys (concatenations) sort as their sequences."""
    if number < 128:
        return bytes((number,))
    size = (number.bit_length() + 7) // 8
    return bytes((128 + size,)) + number.to_bytes(size, "big")


PARTS = [key_part(number) for number in range(1024)]     # the parts of the numbers met most, made once
