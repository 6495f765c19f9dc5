"""AsyncTerminationDetection: termination detection in a ring with asynchronous messages, from the TLA+
examples (a state constraint, an action property and a leads-to property).

`n` nodes are active or not, and each has a count of messages pending for it. An active node may send
a message to any node, or terminate; a node with a pending message receives it and becomes active;
when every node is inactive with nothing pending, termination may be detected. The variables, actions
and properties are those of `AsyncTerminationDetection.tla` in tlaplus/Examples (specifications/ewd998,
by Stephan Merz), checked as its AsyncTerminationDetection.cfg says: four nodes, the CONSTRAINT that no
node has more than three messages pending, the invariants TypeOK and Safe, and the properties
Quiescence and Live. Its manifest gives 4,097 distinct states, 53,271 generated and depth 14.

- `Safe` (always): termination is detected only when it has happened;
- `Quiescence` (always_step): [](terminated => []terminated), as the module's own action form
  `terminated => terminated'`;
- `Live` (leads_to): terminated ~> terminationDetected, under `WF_vars(DetectTermination)`, the spec's
  only fairness. `detect="unfair"` drops it, and Live then fails: nothing makes anyone notice.

The constraint keeps the model finite: a message sent to a node with three pending is a step the
search computes (counted as generated, checked against the invariants), but the state it leads to is
not stored or explored (TLC's CONSTRAINT).

State: (active, pending, detected): a tuple of 0/1, a tuple of counts, and 0/1.
Run it: `modelcheck explore specs/async_termination_detection.py --param n=3`.
"""

from itertools import product

from modelcheck.engine import UNFAIR, WEAK, Action, Model, always, always_step, leads_to

MODELCHECK_SPEC = True   # a spec: `modelcheck check DIR` runs it (docs/spec-format.md, "Python specs")


def model(n: int = 4, max_pending: int = 3, detect: str = "weak") -> Model:
    """The ring of `n` nodes, with at most `max_pending` messages pending per node (the constraint)."""
    n, max_pending = int(n), int(max_pending)
    if n < 1:
        raise ValueError("n must be at least 1")
    if detect not in (WEAK, UNFAIR):
        raise ValueError(f"detect must be weak or unfair, not {detect!r}")
    nodes = range(n)

    def terminated(active, pending) -> bool:
        return not any(active) and not any(pending)

    def initial_states():
        states = []
        for active in product((0, 1), repeat=n):
            pending = (0,) * n
            for detected in sorted({0, int(terminated(active, pending))}):
                states.append((active, pending, detected))
        return states

    def replace(values, i, value):
        return values[:i] + (value,) + values[i + 1:]

    def terminate(state):
        active, pending, detected = state
        out = []
        for i in nodes:
            if active[i]:
                after = replace(active, i, 0)
                for now in sorted({detected, int(terminated(after, pending))}):
                    out.append((("terminate", i), (after, pending, now)))
        return out

    def send(state):
        active, pending, detected = state
        return [(("send", i, j), (active, replace(pending, j, pending[j] + 1), detected))
                for i in nodes if active[i] for j in nodes]

    def receive(state):
        active, pending, detected = state
        return [(("receive", i), (replace(active, i, 1), replace(pending, i, pending[i] - 1), detected))
                for i in nodes if pending[i] > 0]

    def detect_termination(state):
        active, pending, _detected = state
        return [(("detect",), (active, pending, 1))] if terminated(active, pending) else []

    def label_words(label):
        if label[0] == "send":
            return f"node {label[1]} sends a message to node {label[2]}"
        if label[0] == "detect":
            return "termination is detected"
        return f"node {label[1]} {label[0]}s"

    built = Model(
        name=f"AsyncTerminationDetection(n={n})",
        initial_states=initial_states(),
        actions=[Action("RcvMsg", receive), Action("Terminate", terminate), Action("SendMsg", send),
                 Action("DetectTermination", detect_termination, fairness=detect)],
        properties=[
            always("Safe", lambda s: not s[2] or terminated(s[0], s[1]),
                   "termination is detected only when every node is inactive with nothing pending"),
            always_step("Quiescence", lambda before, _label, after: not terminated(before[0], before[1])
                        or terminated(after[0], after[1]), "once terminated, the ring stays terminated"),
            leads_to("Live", lambda s: terminated(s[0], s[1]), lambda s: s[2] == 1,
                     "termination, once it has happened, is detected"),
        ],
        constraint=lambda s: all(count <= max_pending for count in s[1]),
        describe_state=lambda s: (f"active {list(s[0])}, pending {list(s[1])}, "
                                  f"detected {'yes' if s[2] else 'no'}"),
        format_label=label_words,
        description=__doc__.split("\n\n")[0],
        parameters={"n": n, "max_pending": max_pending, "detect": detect},
    )
    if detect == UNFAIR:
        built.expect = {"Live": "violated"}
    return built
