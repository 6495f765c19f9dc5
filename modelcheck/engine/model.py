"""The engine's contract with a model: states, steps and properties.

A model is a transition system. It names its initial states and, for any state, the steps enabled in
it, grouped into *actions*: an `Action` is a name and a small pure function from a state to the list of
`(label, next_state)` pairs it enables there. The label is what a trace shows for that step
("consumer[0] commits offset 2"); any hashable value that prints well will do.

States must be immutable and hashable, and equal exactly when they mean the same thing: tuples of ints
and strings, frozensets, NamedTuples of those. The engine stores them as dictionary keys and never
copies them.

Properties, after Stateright and TLA+:

- `always(name, pred)`: an invariant, checked in every reachable state;
- `at_end(name, pred)`: checked in every terminal state (one with no enabled step);
- `sometimes(name, pred)`: some reachable state satisfies it; the guard against a vacuous model
  that "passes" because nothing happens;
- `always_step(name, pred)`: an action property, `pred(before, label, after)` holds for every step
  (TLA+'s `[][A]_vars`);
- the temporal properties, checked on the state graph under the model's fairness (`liveness`):
  `eventually(name, P)` (<>P), `always_eventually(name, P)` ([]<>P), `eventually_always(name, P)`
  (<>[]P) and `leads_to(name, P, Q)` (P ~> Q).

Fairness is part of the model, as in TLA+'s `WF_vars(A)` and `SF_vars(A)`: each `Action` is `UNFAIR`
(the default: nothing forces it to happen, as an action of a TLA+ spec without a fairness conjunct),
`WEAK` (a step that stays enabled for ever is taken) or `STRONG` (a step enabled again and again is
taken). `per(label)` splits an action into instances, one per key, each fair on its own ("every
process is weakly fair" is `Action("Step", step, fairness=WEAK, per=lambda label: label.process)`).
A step counts for fairness only if it changes the state (a stuttering step does not take the action,
as in TLA+'s `<<A>>_vars`), and a fault step never does: an action declared with `fault=True`
cannot be fair, and a step the model calls a fault (`Model.fault(label)`, or the `fault` flag of its
`StepLabel`) is left out of its action's fairness.

Reports use optional hooks when a model gives them: `describe_state` (a state in words),
`state_parts` (the state as named parts, shown whole at each step of a trace), `explain_step` (what a
step changed), `explain_violation` (the evidence at the end of a trace), and
`step_label` (a structured label as the `StepLabel` a trace shows; labels can then be cheap values
built per successor and put into words only when shown).

A model may declare the independence of its steps (`independence`, see `reduction`), which lets
the search expand one process's steps where they commute with the others' (partial-order reduction).

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
ALWAYS_STEP = "always_step"
EVENTUALLY = "eventually"
ALWAYS_EVENTUALLY = "always_eventually"
EVENTUALLY_ALWAYS = "eventually_always"
LEADS_TO = "leads_to"
TEMPORAL = (EVENTUALLY, ALWAYS_EVENTUALLY, EVENTUALLY_ALWAYS, LEADS_TO)
KINDS = (ALWAYS, AT_END, SOMETIMES, ALWAYS_STEP) + TEMPORAL

UNFAIR = "unfair"
WEAK = "weak"
STRONG = "strong"
FAIRNESS = (UNFAIR, WEAK, STRONG)

DEADLOCK = "deadlock"


@dataclass(frozen=True)
class Action:
    """A named family of steps: `step(state)` returns the `(label, next_state)` pairs it enables.

    `expected`: whether a complete search in which it never fires deserves a warning (a hand-written
    action that never fires is usually a bug in the model; a family a framework declares for every
    kind of step, such as the actors layer's, is often idle in a given configuration).

    `fairness`: `UNFAIR` (the default), `WEAK` or `STRONG` (see the module docstring); `per(label)`: a
    key that splits the action into instances fair each on its own (None: the action is one instance);
    `fault`: every step of the action is a fault (a crash, a lost message), which is never fair."""

    name: str
    step: Step
    expected: bool = True
    fairness: str = UNFAIR
    per: Callable[[Label], Hashable] | None = None
    fault: bool = False

    def __post_init__(self):
        if self.fairness not in FAIRNESS:
            raise_invalid(f"action {self.name!r}: fairness {self.fairness!r} is not one of "
                          f"{', '.join(FAIRNESS)}")
        if self.fault and self.fairness != UNFAIR:
            raise_invalid(f"action {self.name!r} is a fault and cannot be {self.fairness}ly fair: a fault "
                          f"is never assumed to happen; leave its fairness unfair")


@dataclass(frozen=True)
class Property:
    """A named predicate over states, with the kind that says where it must hold.

    `then` is the second predicate of `leads_to` (Q in P ~> Q); an `always_step` predicate takes
    (before, label, after)."""

    name: str
    kind: str
    predicate: Callable[..., bool]
    description: str = ""
    then: Callable[..., bool] | None = None
    for_each: tuple | None = None     # a temporal property over each of these items (predicates get both)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"property kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.for_each is not None and self.kind not in TEMPORAL:
            raise ValueError(f"property {self.name!r}: for_each is for temporal properties only")
        if (self.kind == LEADS_TO) != (self.then is not None):
            raise ValueError(f"property {self.name!r}: a second predicate (`then`) is for leads_to only, "
                             f"and leads_to needs one")


def always(name: str, predicate: Callable[[Any], bool], description: str = "") -> Property:
    """An invariant: `predicate` holds in every reachable state."""
    return Property(name, ALWAYS, predicate, description)


def at_end(name: str, predicate: Callable[[Any], bool], description: str = "") -> Property:
    """`predicate` holds in every terminal state (no step enabled)."""
    return Property(name, AT_END, predicate, description)


def sometimes(name: str, predicate: Callable[[Any], bool], description: str = "") -> Property:
    """Some reachable state satisfies `predicate`."""
    return Property(name, SOMETIMES, predicate, description)


def always_step(name: str, predicate: Callable[[Any, Label, Any], bool], description: str = "") -> Property:
    """Every step satisfies `predicate(before, label, after)` (TLA+'s [][A]_vars; an action property)."""
    return Property(name, ALWAYS_STEP, predicate, description)


def eventually(name: str, predicate: Callable[..., bool], description: str = "", *,
               for_each: Iterable | None = None) -> Property:
    """Every fair behaviour reaches a state satisfying `predicate` (<>P).

    With `for_each`, the property is the conjunction over its items (TLA+'s `\\A c \\in S: <>P(c)`),
    and the predicates take (state, item)."""
    return Property(name, EVENTUALLY, predicate, description, for_each=_items(for_each))


def always_eventually(name: str, predicate: Callable[..., bool], description: str = "", *,
                      for_each: Iterable | None = None) -> Property:
    """Every fair behaviour satisfies `predicate` again and again, for ever ([]<>P); `for_each` as for
    `eventually`."""
    return Property(name, ALWAYS_EVENTUALLY, predicate, description, for_each=_items(for_each))


def eventually_always(name: str, predicate: Callable[..., bool], description: str = "", *,
                      for_each: Iterable | None = None) -> Property:
    """Every fair behaviour reaches a point from which `predicate` holds for ever (<>[]P); `for_each`
    as for `eventually`."""
    return Property(name, EVENTUALLY_ALWAYS, predicate, description, for_each=_items(for_each))


def leads_to(name: str, predicate: Callable[..., bool], then: Callable[..., bool],
             description: str = "", *, for_each: Iterable | None = None) -> Property:
    """In every fair behaviour, each state satisfying `predicate` is followed (then or later) by one
    satisfying `then` (P ~> Q, that is [](P => <>Q)); `for_each` as for `eventually`
    (`\\A c \\in S: P(c) ~> Q(c)`)."""
    return Property(name, LEADS_TO, predicate, description, then, for_each=_items(for_each))


def _items(for_each) -> tuple | None:
    if for_each is None:
        return None
    items = tuple(for_each)
    if not items:
        raise_invalid("for_each: a property over no items says nothing; give at least one")
    return items


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
    # The state as named parts [("p0", "leader broker[0], log [e1]"), ...], for the full state a report
    # shows at each step of a trace; without it the state's fields are shown (`report.explain`).
    state_parts: Callable[[Any], list[tuple[str, str]]] | None = None
    # What a step changed, in the model's own words ("log of p0: [e1] -> [e1, e2]"), for traces.
    explain_step: Callable[[Any, Label, Any], list[str]] | None = None
    # The evidence of a violation at the end of a trace ("e1 written to the database twice: steps 6
    # and 11"), given the property name and the trace.
    explain_violation: Callable[[str, Any], str] | None = None
    parameters: dict = field(default_factory=dict)
    # Whether a step, by its label, is a fault (never fair). Without it, a `StepLabel`'s own `fault`
    # flag (or that of the `step_label` of the label) says so.
    fault: Callable[[Label], bool] | None = None
    # A state constraint (TLC's CONSTRAINT): a successor that fails it is counted as generated and
    # checked against the invariants, but neither stored, counted as distinct nor expanded.
    constraint: Callable[[Any], bool] | None = None
    # For partial-order reduction (`reduction.Independence`): who owns each step, whether an owner's steps
    # are persistent in a state, and whether a step is visible to the properties. None: no reduction.
    independence: Any = None

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


    def is_fault(self) -> Callable[[Label], bool]:
        """Whether a step, by its label, is a fault: `fault`, else the `StepLabel`'s own flag."""
        if self.fault is not None:
            return self.fault
        to_step_label = self.step_label

        def flagged(label) -> bool:
            if to_step_label is not None:
                label = to_step_label(label)
            return bool(getattr(label, "fault", False))
        return flagged


def raise_invalid(message: str):
    from modelcheck.errors import InvalidModel
    raise InvalidModel(message)
