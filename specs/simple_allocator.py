"""SimpleAllocator: Stephan Merz's resource allocator, ported from the TLA+ examples (fairness per client).

Clients request sets of resources, the allocator hands out available resources a part at a time, and
clients return what they hold. The variables, actions and properties are those of `SimpleAllocator.tla`
in tlaplus/Examples (specifications/allocator); its manifest gives 400 distinct states, 1,633 generated
and depth 6 for three clients and two resources (SimpleAllocator.cfg).

The liveness properties need both kinds of fairness, per client, as the TLA+ spec declares them:
`\\A c: WF_vars(Return(c, alloc[c]))` (a client that holds resources returns all of them) and
`\\A c: SF_vars(\\E S: Allocate(c, S))` (a client whose request is possible again and again gets
resources). The TLA+ `Return(c, S)` for every S is split into two actions so that only returning
everything is fair: `ReturnAll` (weakly fair per client) and `ReturnSome` (unfair); their steps together
are those of `Return`, so the counts are TLC's.

Parameters change the fairness to show what each part is for (tests/test_specs_classic.py). With
`allocate="weak"`, ClientsWillObtain and InfOftenSatisfied fail: a resource can be taken by another
client each time this one could have had it. With `per_client=False` (one fairness condition for all
clients) a client may starve, and ClientsWillReturn fails too. `weaker_return=True` is the module's
SimpleAllocator2 (a client returns its resources only once its whole request is met), under which
ClientsWillObtain and InfOftenSatisfied fail, as the TLA+ module says.

State: (unsat, alloc), each a tuple with one bit set of resources per client.
Run it: `modelcheck explore specs/simple_allocator.py --param clients=2`.
"""

from modelcheck.engine import STRONG, UNFAIR, WEAK, Action, Model, always, always_eventually, leads_to

MODELCHECK_SPEC = True   # a spec: `modelcheck check DIR` runs it (docs/spec-format.md, "Python specs")


def model(clients: int = 3, resources: int = 2, allocate: str = "strong", per_client: bool = True,
          weaker_return: bool = False) -> Model:
    """The allocator for `clients` clients and `resources` resources (see the module docstring)."""
    clients, resources = int(clients), int(resources)
    if clients < 1 or resources < 1:
        raise ValueError("clients and resources must be at least 1")
    if allocate not in (STRONG, WEAK, UNFAIR):
        raise ValueError(f"allocate must be strong, weak or unfair, not {allocate!r}")
    everything = (1 << resources) - 1
    subsets = range(1, everything + 1)                     # the non-empty sets of resources
    per = (lambda label: label[1]) if per_client else None

    def replace(values, c, value):
        return values[:c] + (value,) + values[c + 1:]

    def request(state):
        unsat, alloc = state
        return [(("request", c, s), (replace(unsat, c, s), alloc))
                for c in range(clients) if unsat[c] == 0 and alloc[c] == 0 for s in subsets]

    def allocate_(state):
        unsat, alloc = state
        held = 0
        for a in alloc:
            held |= a
        available = everything & ~held
        return [(("allocate", c, s), (replace(unsat, c, unsat[c] & ~s), replace(alloc, c, alloc[c] | s)))
                for c in range(clients) for s in subsets if s & (available & unsat[c]) == s]

    def returns(everything_held: bool, satisfied):
        def step(state):
            unsat, alloc = state
            out = []
            for c in range(clients):
                if satisfied is not None and (unsat[c] == 0) != satisfied:
                    continue
                for s in subsets:
                    if s & alloc[c] == s and (s == alloc[c]) == everything_held:
                        out.append((("return", c, s), (unsat, replace(alloc, c, alloc[c] & ~s))))
            return out
        return step

    if weaker_return:                                      # SimpleAllocator2
        return_actions = [Action("ReturnAll", returns(True, True), fairness=WEAK, per=per),
                          Action("ReturnAllEarly", returns(True, False)),
                          Action("ReturnSome", returns(False, None))]
    else:
        return_actions = [Action("ReturnAll", returns(True, None), fairness=WEAK, per=per),
                          Action("ReturnSome", returns(False, None))]

    def name(c):
        return f"c{c + 1}"

    pairs = [(c, 1 << r) for c in range(clients) for r in range(resources)]
    properties = [
        always("ResourceMutex", lambda st: all(st[1][a] & st[1][b] == 0 for a in range(clients)
                                               for b in range(a + 1, clients)),
               "no resource is allocated to two clients"),
        leads_to("ClientsWillReturn", lambda st, c: st[0][c] == 0, lambda st, c: st[1][c] == 0,
                 "a client whose request is met returns its resources", for_each=range(clients)),
        leads_to("ClientsWillObtain", lambda st, cr: st[0][cr[0]] & cr[1] != 0,
                 lambda st, cr: st[1][cr[0]] & cr[1] != 0,
                 "a resource a client asks for is eventually allocated to it", for_each=pairs),
        always_eventually("InfOftenSatisfied", lambda st, c: st[0][c] == 0,
                          "every client has no outstanding request again and again", for_each=range(clients)),
    ]

    def words(state):
        unsat, alloc = state

        def items(bits):
            return "{" + ",".join(f"r{r + 1}" for r in range(resources) if bits >> r & 1) + "}"
        return "; ".join(f"{name(c)}: unsat {items(unsat[c])} alloc {items(alloc[c])}" for c in range(clients))

    def label_words(label):
        verb, c, s = label
        verb = "is allocated" if verb == "allocate" else verb + "s"
        return f"{name(c)} {verb} " + "{" + ",".join(f"r{r + 1}" for r in range(resources) if s >> r & 1) + "}"

    built = Model(
        name=f"SimpleAllocator(clients={clients}, resources={resources})",
        initial_states=[((0,) * clients, (0,) * clients)],
        actions=[Action("Request", request), Action("Allocate", allocate_, fairness=allocate, per=per)]
        + return_actions,
        properties=properties,
        describe_state=words,
        format_label=label_words,
        description=__doc__.split("\n\n")[0],
        parameters={"clients": clients, "resources": resources, "allocate": allocate, "per_client": per_client,
                    "weaker_return": weaker_return},
    )
    failing = ["ClientsWillObtain", "InfOftenSatisfied"] + ([] if per_client else ["ClientsWillReturn"])
    if weaker_return or allocate != STRONG or not per_client:
        built.expect = {name: "violated" for name in failing}
    return built
