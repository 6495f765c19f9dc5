"""States as bytes: a canonical encoding, the input of a state's fingerprint.

`Encoder.encode(state)` gives the same bytes for two states exactly when they are equal (as the exact
search compares them: `==`), in every process and on every machine: it never uses Python's `hash()`,
which is salted for strings. It is what the fingerprints hash (`engine.fingerprints`). The values a state
may hold, and how each is written:

- tuples and NamedTuples (a NamedTuple is equal to the plain tuple of its fields), ints, strs, bytes and
  None: as `marshal` (format version 2) writes them. Version 2 has no back-references, whose use depends
  on reference counts, so its output depends on the value only;
- bools and floats equal to an int: as that int (`True == 1`, `1.0 == 1`); other floats as marshal
  writes them;
- frozensets: the sorted encodings of their members, so the order in which a set happens to iterate
  (which follows the salted hashes of strings, and the order of insertion) does not matter;
- int and str enum members (`IntEnum`, `StrEnum`, equal to their values): as their values; other enum
  members: their class's module and qualified name and the member's name;
- dataclasses compared by their fields (`eq=True`, frozen): their class's module and qualified name
  and the fields that take part in comparisons, in order.

Anything else (a class of the model's own with its `__eq__` and `__hash__`) is refused with
`UnencodableState`, naming the type: its equality cannot be known from outside.

Speed. For a state made of tuples, ints, strs and None only, `marshal.dumps` alone gives the encoding
(the general path gives the same bytes for such a state), ten times faster than a walk in Python; the
search also keeps those bytes as the queued state (`frontier`). Marshal's output is taken when marshal
accepts the state (it refuses NamedTuples, enums and dataclasses) and holds no byte that could open a
frozenset, a bool or a float; such a byte inside an int or a string only sends the state down the
general path. The general path walks the state and remembers the encoding of every container it met,
keyed by the container (so by equality: equal values have one encoding, and the memory cannot make the
result depend on which was met first), forgetting them all past `MEMO_BOUND`: the successors of a
state share most of their sub-values with it and with each other. Measured on this machine (one
process, states of a breadth-first search): TwoPhase, 0.5 µs a state by marshal; the Kafka model's
transaction specs, about 5 times the cost of Python's own `hash()` of the state.

Sources: the format of `marshal` (Python's documentation of the module, "version 2"); Stateright
fingerprints a state by hashing it with a stable hasher (`src/lib.rs`, `fingerprint`), TLC by hashing its
own serialisation of the state (`tlc2.tool.TLCStateMut.fingerPrint`).
"""

from __future__ import annotations

import dataclasses
import enum
import marshal

MARSHAL_VERSION = 2
# The bytes marshal writes for a value the fast path must not take: a frozenset (its members' order is
# not canonical), True and False (equal to 1 and 0), a float or a complex (1.0 == 1). Found anywhere in the
# output (inside an int or a string too), they send the state down the general path, which gives the
# same bytes when they were data. (`bytes.translate` deleting them finds them in a third of the time a
# regular expression takes.)
NOT_PLAIN = b">TFgy"


def not_plain(data: bytes) -> bool:
    """Whether marshal's `data` may hold a value the fast path must not take."""
    return len(data.translate(None, NOT_PLAIN)) != len(data)


_PLAIN = frozenset({int, str, bytes, type(None)})
_TUPLE = b"("                       # marshal's TYPE_TUPLE
_FROZENSET = b"["                   # marshal's TYPE_LIST: no state holds a list
_ENUM = b"<"                        # marshal's TYPE_SET
_DATACLASS = b"{"                   # marshal's TYPE_DICT
dumps = marshal.dumps
_TRUE = dumps(1, MARSHAL_VERSION)
_FALSE = dumps(0, MARSHAL_VERSION)
MEMO_BOUND = 1 << 14                # containers remembered by the walk before it forgets them all


class UnencodableState(TypeError):
    """A state holds a value whose equality the encoding cannot know."""


class Encoder:
    """The encoding of states, with the general path's memory of the containers it met."""

    def __init__(self):
        self._memo: dict = {}                   # container -> its encoding
        self._fields: dict[type, tuple] = {}    # dataclass -> its compared fields

    def encode(self, state) -> tuple[bytes, bool]:
        """The canonical encoding of `state` (see the module docstring), and whether it restores the
        state itself (the fast path: then it is also the state's record)."""
        try:
            data = dumps(state, MARSHAL_VERSION)
        except ValueError:
            return self._bytes(state), False
        if not_plain(data):
            return self._bytes(state), False
        return data, True

    def general_bytes(self, state) -> bytes:
        """The canonical encoding of `state` by the general path (the one `encode` takes when the fast
        path does not apply; it gives the same bytes where both apply)."""
        return self._bytes(state)

    def canonical_bytes(self, state) -> bytes:
        """The canonical encoding of `state`."""
        return self.encode(state)[0]

    def _bytes(self, value) -> bytes:
        """The general path. A tuple is written as marshal writes one (its code, its length, its items),
        so a state of plain values gets marshal's bytes whichever path it takes; a frozenset, an enum
        member and a dataclass take codes that marshal gives to values no state can hold (list, set,
        dict), each followed by what it holds, every part self-delimiting."""
        kind = type(value)
        if kind in _PLAIN:
            return dumps(value, MARSHAL_VERSION)
        if kind is bool:
            return _TRUE if value else _FALSE
        memo = self._memo
        known = memo.get(value)
        if known is not None:
            return known
        if isinstance(value, tuple):
            if set(map(type, value)) <= _PLAIN:
                data = dumps(value if kind is tuple else tuple(value), MARSHAL_VERSION)
            else:
                data = _TUPLE + len(value).to_bytes(4, "little") + b"".join(map(self._bytes, value))
        elif isinstance(value, frozenset):
            data = _FROZENSET + len(value).to_bytes(4, "little") + b"".join(sorted(map(self._bytes, value)))
        elif isinstance(value, enum.Enum):
            if isinstance(value, (int, str)):
                data = dumps(value._value_, MARSHAL_VERSION)
            else:
                data = _ENUM + dumps(f"{kind.__module__}.{kind.__qualname__}", MARSHAL_VERSION) + dumps(
                    value._name_, MARSHAL_VERSION)
        elif isinstance(value, float):
            value = float(value)
            return dumps(int(value) if value.is_integer() else value, MARSHAL_VERSION)
        elif isinstance(value, int):
            return dumps(int(value), MARSHAL_VERSION)
        elif isinstance(value, str):
            return dumps(str.__str__(value), MARSHAL_VERSION)
        elif dataclasses.is_dataclass(value) and value.__dataclass_params__.eq:
            fields = self._fields.get(kind)
            if fields is None:
                fields = self._fields[kind] = tuple(field.name for field in dataclasses.fields(value)
                                                    if field.compare)
            data = (_DATACLASS + dumps(f"{kind.__module__}.{kind.__qualname__}", MARSHAL_VERSION)
                    + len(fields).to_bytes(4, "little")
                    + b"".join(self._bytes(getattr(value, name)) for name in fields))
        else:
            raise UnencodableState(f"a state holds a value of type {kind.__module__}.{kind.__qualname__}, which "
                                   f"has no canonical encoding: fingerprints take tuples, NamedTuples, frozensets, "
                                   f"ints, strs, bytes, floats, bools, None, enums and frozen dataclasses of those")
        if len(memo) >= MEMO_BOUND:
            memo.clear()
        memo[value] = data
        return data
