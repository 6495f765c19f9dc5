"""TwoPhase: the two-phase commit protocol of Gray and Lamport, ported from the TLA+ examples.

A transaction manager (TM) and `rms` resource managers (RMs). An RM prepares (sending a Prepared
message) or chooses to abort; the TM collects Prepared messages and then commits once every RM has
prepared, or aborts at any time; every RM then follows the TM's decision. Messages are never lost and
never removed, as in the TLA+ module: `msgs` only grows.

The variables and actions are those of `TwoPhase.tla` in the tlaplus/Examples repository
(specifications/transaction_commit), so the reachable state space is the same state for state: TLC
reports 288 distinct states, 1,146 generated and depth 11 for three RMs. The invariant is the
consistency of `TCommit`: no RM has committed while another has aborted.

State layout (a plain tuple, the fastest hashable value in CPython):
    (rm_state, tm_state, tm_prepared, msgs)
    rm_state     tuple of WORKING / PREPARED / COMMITTED / ABORTED, one per RM
    tm_state     TM_INIT or TM_DONE
    tm_prepared  bit set of the RMs whose Prepared message the TM has received
    msgs         bit set: bit i for "Prepared from RM i", then COMMIT_MSG and ABORT_MSG
Run it: `modelcheck explore specs/two_phase_commit.py --param rms=5`.
"""

from modelcheck.engine import Action, Model, always, sometimes

MODELCHECK_SPEC = True   # a spec: `modelcheck check DIR` runs it (docs/spec-format.md, "Python specs")

WORKING, PREPARED, COMMITTED, ABORTED = 0, 1, 2, 3
RM_STATE_NAMES = ("working", "prepared", "committed", "aborted")
TM_INIT, TM_DONE = 0, 1


def model(rms: int = 3, symmetry: bool = False) -> Model:
    """The model for `rms` resource managers; `symmetry=True` adds the canonical form that treats them
    as interchangeable (a symmetry-reduced search then counts classes of states, not states)."""
    rms = int(rms)
    if rms < 1:
        raise ValueError("rms must be at least 1")
    everyone = (1 << rms) - 1
    commit_msg = 1 << rms
    abort_msg = 1 << (rms + 1)

    def tm_rcv_prepared(state):
        rm_state, tm_state, tm_prepared, msgs = state
        if tm_state != TM_INIT:
            return ()
        return [(f"TM receives Prepared from rm{rm}", (rm_state, tm_state, tm_prepared | (1 << rm), msgs))
                for rm in range(rms) if msgs & (1 << rm)]

    def tm_commit(state):
        rm_state, tm_state, tm_prepared, msgs = state
        if tm_state == TM_INIT and tm_prepared == everyone:
            return [("TM commits", (rm_state, TM_DONE, tm_prepared, msgs | commit_msg))]
        return ()

    def tm_abort(state):
        rm_state, tm_state, tm_prepared, msgs = state
        if tm_state == TM_INIT:
            return [("TM aborts", (rm_state, TM_DONE, tm_prepared, msgs | abort_msg))]
        return ()

    def rm_prepare(state):
        rm_state, tm_state, tm_prepared, msgs = state
        return [(f"rm{rm} prepares", (rm_state[:rm] + (PREPARED,) + rm_state[rm + 1:], tm_state, tm_prepared,
                                       msgs | (1 << rm)))
                for rm in range(rms) if rm_state[rm] == WORKING]

    def rm_choose_to_abort(state):
        rm_state, tm_state, tm_prepared, msgs = state
        return [(f"rm{rm} chooses to abort", (rm_state[:rm] + (ABORTED,) + rm_state[rm + 1:], tm_state,
                                               tm_prepared, msgs))
                for rm in range(rms) if rm_state[rm] == WORKING]

    def rm_rcv_commit_msg(state):
        rm_state, tm_state, tm_prepared, msgs = state
        if not msgs & commit_msg:
            return ()
        return [(f"rm{rm} receives Commit", (rm_state[:rm] + (COMMITTED,) + rm_state[rm + 1:], tm_state,
                                              tm_prepared, msgs))
                for rm in range(rms)]

    def rm_rcv_abort_msg(state):
        rm_state, tm_state, tm_prepared, msgs = state
        if not msgs & abort_msg:
            return ()
        return [(f"rm{rm} receives Abort", (rm_state[:rm] + (ABORTED,) + rm_state[rm + 1:], tm_state,
                                             tm_prepared, msgs))
                for rm in range(rms)]

    def consistent(state):
        rm_state = state[0]
        return not (ABORTED in rm_state and COMMITTED in rm_state)

    def canonical(state):
        """Resource managers are interchangeable: sort them by (state, prepared at TM, message sent)."""
        rm_state, tm_state, tm_prepared, msgs = state
        rows = sorted((rm_state[rm], (tm_prepared >> rm) & 1, (msgs >> rm) & 1) for rm in range(rms))
        prepared = sent = 0
        for rm, (_s, p, m) in enumerate(rows):
            prepared |= p << rm
            sent |= m << rm
        return (tuple(r[0] for r in rows), tm_state, prepared, (msgs & ~everyone) | sent)

    def partition(state):
        """The key that spreads states over the workers of a parallel search (`Model.partition`).

        `tm_prepared`, the TM's local state but for its init/done flag, after Lerda and Sisto's
        partition by the local state of one process ("Distributed-memory model checking with SPIN",
        1999). Only the TM receiving a Prepared message changes it, and once the TM has decided it never
        changes, so most steps keep a state's successors with its owner: on 2 workers at rms = 7, 99.5%
        of the successors stay (hash of the whole state: 68.5%), and the workers ship 2.6% of the states
        to each other instead of 95% (`benchmarks/locality.py`). Its values are not equally frequent;
        the parallel search evens out the workers' shares by moving keys between them.
        """
        return state[2]

    def describe(state):
        rm_state, tm_state, tm_prepared, msgs = state
        rms_text = ", ".join(f"rm{rm}={RM_STATE_NAMES[s]}" for rm, s in enumerate(rm_state))
        prepared = [f"rm{rm}" for rm in range(rms) if tm_prepared >> rm & 1]
        sent = [f"Prepared(rm{rm})" for rm in range(rms) if msgs >> rm & 1]
        sent += ["Commit"] * bool(msgs & commit_msg) + ["Abort"] * bool(msgs & abort_msg)
        return (f"{rms_text}; TM {'init' if tm_state == TM_INIT else 'done'}, "
                f"prepared {{{', '.join(prepared)}}}; msgs {{{', '.join(sent)}}}")

    return Model(
        name=f"TwoPhase(rms={rms})",
        initial_states=[((WORKING,) * rms, TM_INIT, 0, 0)],
        actions=[
            Action("TMRcvPrepared", tm_rcv_prepared),
            Action("TMCommit", tm_commit),
            Action("TMAbort", tm_abort),
            Action("RMPrepare", rm_prepare),
            Action("RMChooseToAbort", rm_choose_to_abort),
            Action("RMRcvCommitMsg", rm_rcv_commit_msg),
            Action("RMRcvAbortMsg", rm_rcv_abort_msg),
        ],
        properties=[
            always("TCConsistent", consistent, "no RM has committed while another has aborted"),
            sometimes("some-commit", lambda s: COMMITTED in s[0], "a run in which an RM commits exists"),
            sometimes("some-abort", lambda s: ABORTED in s[0], "a run in which an RM aborts exists"),
        ],
        canonical=canonical if symmetry else None,
        partition=partition,
        describe_state=describe,
        description=__doc__,
        parameters={"rms": rms, "symmetry": symmetry},
    )
