"""The engine's contract with a model: states, steps and properties.

A model is a transition system. It names its initial states and, for any state, the steps enabled in
it, grouped into *actions*: an `Action` is a name and a small pure function from a state to the list of
`(label, next_state)` pairs it enables there. The label is what a trace shows for that step
("consumer[0] commits offset 2"); any hashable value that prints well will do.

States must be immutable and hashable, and equal exactly when they mean the same thing: tuples of ints
and strings, frozensets, NamedTuples of those. The engine stores them as dictionary keys and never
copies them.

Properties come in four kinds, after Stateright and TLA+:

- `always(name, pred)`: an invariant, checked in every reachable state;
- `at_end(name, pred)`: checked in every terminal state (one with no enabled step);
- `sometimes(name, pred)`: some reachable state satisfies it; the guard against a vacuous model
  that "passes" because nothing happens;
- `eventually(name, pred)`: every behaviour reaches a state satisfying it, under weak fairness of every
  step label (a step that stays enabled forever is eventually taken), checked on the strongly connected
  components of the state graph.

Reports use optional hooks when a model gives them: `describe_state` (a state in words),
`explain_step` (what a step changed), `explain_violation` (the evidence at the end of a trace), and
`step_label` (a structured label as the `StepLabel` a trace shows; labels can then be cheap values
built per successor and put into words only when shown).

A model may also say when a terminal state is a proper end (`done`); a terminal state that is not done
is reported as a *deadlock*. And it may give a `canonical` form of a state for symmetry reduction: a
function that maps every state to one chosen representative of its class under permutations of
interchangeable actors. The reduction is sound only for properties that cannot tell the members of a
class apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable, Sequence

State = Hashable
Label = Hashable
Step = Callable[[Any], Sequence[tuple[Label, Any]]]

ALWAYS = "always"
AT_END = "at_end"
SOMETIMES = "sometimes"
EVENTUALLY = "eventually"
KINDS = (ALWAYS, AT_END, SOMETIMES, EVENTUALLY)

DEADLOCK = "deadlock"


@dataclass(frozen=True)
class Action:
    """A named family of steps: `step(state)` returns the `(label, next_state)` pairs it enables.

    `expected`: whether a complete search in which it never fires deserves a warning (a hand-written
    action that never fires is usually a bug in the model; a family a framework declares for every
    kind of step, such as the actors layer's, is often idle in a given configuration)."""

    name: str
    step: Step
    expected: bool = True


@dataclass(frozen=True)
class Property:
    """A named predicate over states, with the kind that says where it must hold."""

    name: str
    kind: str
    predicate: Callable[[Any], bool]
    description: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"property kind {self.kind!r} is not one of {', '.join(KINDS)}")


def always(name: str, predicate: Callable[[Any], bool], description: str = "") -> Property:
    """An invariant: `predicate` holds in every reachable state."""
    return Property(name, ALWAYS, predicate, description)


def at_end(name: str, predicate: Callable[[Any], bool], description: str = "") -> Property:
    """`predicate` holds in every terminal state (no step enabled)."""
    return Property(name, AT_END, predicate, description)


def sometimes(name: str, predicate: Callable[[Any], bool], description: str = "") -> Property:
    """Some reachable state satisfies `predicate`."""
    return Property(name, SOMETIMES, predicate, description)


def eventually(name: str, predicate: Callable[[Any], bool], description: str = "") -> Property:
    """Every weakly fair behaviour reaches a state satisfying `predicate`."""
    return Property(name, EVENTUALLY, predicate, description)


@dataclass
class Model:
    """A model given by values rather than by subclassing.

    `initial_states` and `actions` are required; the rest is optional:

    >>> from modelcheck.engine import Model, Action, always, explore
    >>> counter = Model(
    ...     name="counter",
    ...     initial_states=[0],
    ...     actions=[Action("increment", lambda n: [(f"increment to {n + 1}", n + 1)] if n < 3 else [])],
    ...     properties=[always("small", lambda n: n <= 2)],
    ... )
    >>> result = explore(counter)
    >>> result.properties["small"].verdict, len(result.properties["small"].trace.steps)
    ('violated', 3)

    Subclasses may instead override the methods of the same names.
    """

    name: str = "model"
    description: str = ""
    initial_states: Iterable[State] = ()
    actions: Sequence[Action] = ()
    properties: Sequence[Property] = ()
    done: Callable[[Any], bool] | None = None
    canonical: Callable[[Any], Any] | None = None
    # For the parallel search: a key such that states with the same key belong together (one worker owns
    # them); most steps should not change it, and keys should be about equally frequent at every level.
    partition: Callable[[Any], Hashable] | None = None
    format_label: Callable[[Label], str] = str
    # A structured label (a NamedTuple of ids, say) as the `StepLabel` reports show: who acted, what it
    # did, whom it talked to, whether it was a fault. Called only when a trace is shown.
    step_label: Callable[[Label], Any] | None = None
    describe_state: Callable[[Any], str] = repr
    # What a step changed, in the model's own words ("log of p0: [e1] -> [e1, e2]"), for traces.
    explain_step: Callable[[Any, Label, Any], list[str]] | None = None
    # The evidence of a violation at the end of a trace ("e1 written to the database twice: steps 6
    # and 11"), given the property name and the trace.
    explain_violation: Callable[[str, Any], str] | None = None
    parameters: dict = field(default_factory=dict)

    def get_initial_states(self) -> list:
        states = list(self.initial_states)
        if not states:
            raise_invalid(f"model {self.name!r} has no initial state")
        return states

    def get_actions(self) -> list[Action]:
        return list(self.actions)

    def get_properties(self) -> list[Property]:
        props = list(self.properties)
        names = [p.name for p in props]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise_invalid(f"model {self.name!r} names a property twice: {', '.join(duplicates)}")
        if self.done is not None:
            if DEADLOCK in names:
                raise_invalid(f"model {self.name!r}: the property name {DEADLOCK!r} is reserved")
            props.append(Property(DEADLOCK, AT_END, self.done,
                                  "every terminal state is a proper end (done)"))
        return props

    def successors(self, state) -> list[tuple[str, Label, Any]]:
        """Every enabled step of `state` as (action name, label, next state), in the engine's order."""
        out = []
        for action in self.get_actions():
            for label, nxt in action.step(state):
                out.append((action.name, label, nxt))
        return out


def raise_invalid(message: str):
    from modelcheck.errors import InvalidModel
    raise InvalidModel(message)
