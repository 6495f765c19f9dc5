"""TCommit: the specification of transaction commit by Gray and Lamport, ported from the TLA+ examples.

`rms` resource managers, each working, prepared, committed or aborted. An RM may prepare while working;
it may commit once every RM is prepared or committed; it may abort while working or prepared as long
as no RM has committed. The actions and the invariant are those of `TCommit.tla` in tlaplus/Examples
(specifications/transaction_commit); TLC reports 34 distinct states, 94 generated and depth 7 for
three RMs.

State: a tuple with one of WORKING / PREPARED / COMMITTED / ABORTED per RM.
Run it: `modelcheck explore specs/tcommit.py --param rms=5`.
"""

from modelcheck.engine import Action, Model, always, sometimes

MODELCHECK_SPEC = True   # a spec: `modelcheck check DIR` runs it (docs/spec-format.md, "Python specs")

WORKING, PREPARED, COMMITTED, ABORTED = 0, 1, 2, 3
NAMES = ("working", "prepared", "committed", "aborted")


def model(rms: int = 3, symmetry: bool = False) -> Model:
    """The model for `rms` resource managers; `symmetry=True` adds the canonical form that treats them
    as interchangeable (a symmetry-reduced search then counts classes of states, not states)."""
    rms = int(rms)
    if rms < 1:
        raise ValueError("rms must be at least 1")

    def replace(state, rm, value):
        return state[:rm] + (value,) + state[rm + 1:]

    def prepare(state):
        return [(f"rm{rm} prepares", replace(state, rm, PREPARED)) for rm in range(rms) if state[rm] == WORKING]

    def decide(state):
        can_commit = all(s in (PREPARED, COMMITTED) for s in state)
        not_committed = COMMITTED not in state
        steps = []
        for rm in range(rms):
            if state[rm] == PREPARED and can_commit:
                steps.append((f"rm{rm} commits", replace(state, rm, COMMITTED)))
            if state[rm] in (WORKING, PREPARED) and not_committed:
                steps.append((f"rm{rm} aborts", replace(state, rm, ABORTED)))
        return steps

    return Model(
        name=f"TCommit(rms={rms})",
        initial_states=[(WORKING,) * rms],
        actions=[Action("Prepare", prepare), Action("Decide", decide)],
        properties=[
            always("TCConsistent", lambda s: not (ABORTED in s and COMMITTED in s),
                   "no RM has committed while another has aborted"),
            sometimes("all-committed", lambda s: all(x == COMMITTED for x in s), "every RM can commit"),
        ],
        canonical=(lambda s: tuple(sorted(s))) if symmetry else None,
        describe_state=lambda s: ", ".join(f"rm{rm}={NAMES[x]}" for rm, x in enumerate(s)),
        description=__doc__,
        parameters={"rms": rms, "symmetry": symmetry},
    )
