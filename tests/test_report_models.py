"""Small real models for the report tests, and checks that they behave as the report tests assume.

`shop_model()`: a producer sends events e1, e2 to a broker; a consumer writes each event to a database
and then commits its offset. A consumer crash between the write and the commit replays the event (a
duplicate row, found by exploration: the planted violation of `no-duplicate`), and a request the network
loses is never retried (so `no-loss` fails at the end). Labels are `StepLabel`s, the state a NamedTuple.

`retry_model()`: a request that the network may lose for ever and the producer retries for ever; the
`eventually` property "delivered" is violated by a lasso (lose, retry, lose, ...).

`two_phase_commit()`: specs/two_phase_commit.py (plain-string labels, a plain tuple state).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

from modelcheck.engine import WEAK, Action, Model, StepLabel, always, at_end, eventually, explore, sometimes
from modelcheck.spec.outcome import Outcome

ROOT = Path(__file__).resolve().parent.parent


class Shop(NamedTuple):
    sent: int = 0                   # events the producer has sent
    in_flight: tuple = ()           # events on the wire to the broker
    log: tuple = ()                 # the broker's log
    position: int = 0               # the consumer's next offset
    committed: int = 0              # the consumer group's committed offset
    database: tuple = ()            # rows the sink wrote
    crashes: int = 0
    lost: int = 0


EVENTS = ("e1", "e2")


def shop_model(events=EVENTS, crash_budget: int = 1, loss_budget: int = 1, name: str = "shop",
               explain: bool = True) -> Model:
    def send(s: Shop):
        if s.sent >= len(events):
            return []
        event = events[s.sent]
        return [(StepLabel("producer", f"sends {event}", peer="broker"),
                 s._replace(sent=s.sent + 1, in_flight=s.in_flight + (event,)))]

    def append(s: Shop):
        if not s.in_flight:
            return []
        event = s.in_flight[0]
        return [(StepLabel("broker", f"appends {event} at offset {len(s.log)}", peer="producer"),
                 s._replace(in_flight=s.in_flight[1:], log=s.log + (event,)))]

    def lose(s: Shop):
        if not s.in_flight or s.lost >= loss_budget:
            return []
        return [(StepLabel("network", f"loses the request carrying {s.in_flight[0]}", peer="broker",
                           fault=True),
                 s._replace(in_flight=s.in_flight[1:], lost=s.lost + 1))]

    def process(s: Shop):
        if s.position >= len(s.log):
            return []
        event = s.log[s.position]
        return [(StepLabel("consumer", f"writes {event} to the database", peer="database"),
                 s._replace(position=s.position + 1, database=s.database + (event,)))]

    def commit(s: Shop):
        if s.committed >= s.position:
            return []
        return [(StepLabel("consumer", f"commits offset {s.position}", peer="broker"),
                 s._replace(committed=s.position))]

    def crash(s: Shop):
        if s.crashes >= crash_budget or s.position == s.committed:
            return []
        return [(StepLabel("consumer", f"crashes; restarts at offset {s.committed}", fault=True),
                 s._replace(position=s.committed, crashes=s.crashes + 1))]

    def explain_violation(name, trace):
        rows = trace.last.database
        twice = sorted({row for row in rows if rows.count(row) > 1})
        if name == "no-duplicate" and twice:
            return f"{', '.join(twice)} written to the database twice"
        if name == "no-loss":
            missing = [e for e in events if e not in rows]
            return f"never written: {', '.join(missing)}"
        return ""

    return Model(
        name=name,
        initial_states=[Shop()],
        actions=[Action("send", send), Action("append", append), Action("lose", lose),
                 Action("process", process), Action("commit", commit), Action("crash", crash)],
        properties=[
            always("no-duplicate", lambda s: len(set(s.database)) == len(s.database),
                   "no event is written to the database more than once"),
            at_end("no-loss", lambda s: set(events) <= set(s.database),
                   "every event the producer sent is written to the database"),
            always("key-order", lambda s: list(dict.fromkeys(s.database)) == [e for e in events
                                                                             if e in s.database],
                   "events are first written in the order they were sent"),
            sometimes("all-written", lambda s: set(events) <= set(s.database),
                      "a run in which every event is written exists"),
        ],
        explain_violation=explain_violation if explain else None,
        parameters={"crash_budget": crash_budget, "loss_budget": loss_budget},
    )


def shop_outcome(expected=None, **params) -> Outcome:
    model = shop_model(**params)
    return Outcome(spec_path="tests/shop.py", name="shop", result=explore(model), model=model,
                   description="a consumer that commits after writing to its database",
                   config={k: v for k, v in params.items() if k.endswith("budget")},
                   expected=dict(expected or {}))


def retry_model() -> Model:
    """State (in_flight, delivered): the producer retries whenever nothing is in flight."""
    def retry(s):
        in_flight, delivered = s
        return [] if in_flight or delivered else [(StepLabel("producer", "sends e1", peer="broker"),
                                                   (True, False))]

    def lose(s):
        in_flight, delivered = s
        return [(StepLabel("network", "loses the request", peer="broker", fault=True), (False, False))] \
            if in_flight else []

    def deliver(s):
        in_flight, delivered = s
        return [(StepLabel("broker", "appends e1", peer="producer"), (False, True))] if in_flight else []

    return Model(name="retry", initial_states=[(False, False)],
                 actions=[Action("retry", retry, fairness=WEAK), Action("lose", lose), Action("deliver", deliver, fairness=WEAK)],
                 properties=[eventually("delivered", lambda s: s[1], "the record is eventually appended")])


def two_phase_commit(rms: int = 2) -> Model:
    spec = importlib.util.spec_from_file_location("two_phase_commit_spec", ROOT / "specs" / "two_phase_commit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model(rms=rms)


def broken_two_phase_commit(rms: int = 2) -> Model:
    """TwoPhase with a TM that may commit without waiting for every Prepared: TCConsistent fails."""
    good = two_phase_commit(rms)

    def hasty_commit(state):
        rm_state, tm_state, tm_prepared, msgs = state
        if tm_state == 0 and tm_prepared:
            return [("TM commits too early", (rm_state, 1, tm_prepared, msgs | (1 << rms)))]
        return ()

    actions = list(good.actions) + [Action("TMHastyCommit", hasty_commit)]
    return Model(name=f"BrokenTwoPhase(rms={rms})", initial_states=list(good.initial_states),
                 actions=actions, properties=list(good.properties), canonical=good.canonical,
                 describe_state=good.describe_state, parameters={"rms": rms})


# --- checks that the models behave as the report tests assume ------------------------------------

def test_shop_duplicate_is_found_by_a_crash_after_the_write():
    result = explore(shop_model())
    prop = result.properties["no-duplicate"]
    assert prop.verdict == "violated"
    # shortest by hand: send e1, append, write e1, crash (restart at 0), write e1 again
    texts = [str(step.label) for step in prop.trace.steps]
    assert texts == ["producer sends e1", "broker appends e1 at offset 0", "consumer writes e1 to the database",
                     "consumer crashes; restarts at offset 0", "consumer writes e1 to the database"]
    assert result.properties["no-loss"].verdict == "violated"
    assert result.properties["key-order"].verdict == "holds"
    assert result.properties["all-written"].verdict == "holds"


def test_shop_without_faults_holds_everything():
    result = explore(shop_model(crash_budget=0, loss_budget=0))
    assert {name: p.verdict for name, p in result.properties.items()} == {
        "no-duplicate": "holds", "no-loss": "holds", "key-order": "holds", "all-written": "holds"}


def test_retry_lasso():
    prop = explore(retry_model()).properties["delivered"]
    assert prop.verdict == "violated"
    assert prop.trace.loop_start is not None
    assert prop.trace.last == prop.trace.states[prop.trace.loop_start]


def test_broken_two_phase_commit_is_inconsistent_and_the_real_one_is_not():
    assert explore(two_phase_commit()).properties["TCConsistent"].verdict == "holds"
    assert explore(broken_two_phase_commit()).properties["TCConsistent"].verdict == "violated"
