"""Mermaid sequence diagrams of explored traces."""

from __future__ import annotations

import re

from modelcheck.engine import Action, Model, StepLabel, always, explore
from modelcheck.report.mermaid import escape, render_outcomes, render_property, render_sequence
from test_report_models import broken_two_phase_commit, retry_model, shop_model, shop_outcome

PARTICIPANT = re.compile(r"^    participant (\w+) as (.*)$", re.M)


def participants(source: str) -> dict[str, str]:
    return {alias: name for alias, name in PARTICIPANT.findall(source)}


def test_one_participant_per_actor_in_order_of_appearance():
    model = shop_model()
    prop = explore(model).properties["no-loss"]
    source = render_property(prop, model)
    assert source.startswith("sequenceDiagram\n")
    names = list(participants(source).values())
    assert names == ["producer", "broker", "network", "consumer", "database"]
    assert len(set(names)) == len(names)


def test_messages_go_from_actor_to_peer_and_faults_are_notes():
    model = shop_model()
    source = render_property(explore(model).properties["no-loss"], model)
    ids = {name: alias for alias, name in participants(source).items()}
    assert f"    {ids['producer']}->>{ids['broker']}: 1. sends e1" in source
    assert f"    {ids['consumer']}->>{ids['database']}: 5. writes e1 to the database" in source
    # the lost request: a fault, drawn as a note over the network and the broker, never as an arrow
    assert f"    Note over {ids['network']},{ids['broker']}: ⚡ 4. loses the request carrying e2" in source
    assert not re.search(rf"{ids['network']}->>", source)
    last = source.rstrip().splitlines()[-1]
    assert last.startswith(f"    Note over {ids['producer']},{ids['database']}: ❌ no-loss violated")
    assert "never written#58; e2" in last


def test_a_crash_without_peer_is_a_note_over_the_actor_alone():
    model = shop_model()
    source = render_property(explore(model).properties["no-duplicate"], model)
    ids = {name: alias for alias, name in participants(source).items()}
    assert f"    Note over {ids['consumer']}: ⚡ 4. crashes#59; restarts at offset 0" in source


def test_plain_labels_use_one_system_participant_and_local_steps_are_notes():
    """A label that names no peer is a step of one actor alone: a note over it, never a message to
    itself."""
    model = broken_two_phase_commit(2)
    prop = explore(model).properties["TCConsistent"]
    source = render_sequence(prop.trace, model, prop)
    assert participants(source) == {"a1": "system"}
    notes = re.findall(r"^    Note over a1: (\d+)\. ", source, re.M)
    assert notes == [str(n) for n in range(1, len(prop.trace.steps) + 1)]
    assert "->>" not in source


def test_eventually_lasso_is_a_loop_block():
    model = retry_model()
    prop = explore(model).properties["delivered"]
    lines = render_property(prop, model).splitlines()
    start = lines.index("    loop repeats for ever")
    end = lines.index("    end")
    inside = lines[start + 1:end]
    assert len(inside) == len(prop.trace.steps) - prop.trace.loop_start
    assert all(line.startswith("        ") for line in inside)


def test_characters_mermaid_chokes_on_are_escaped():
    nasty = 'writes "a;b" #1 <br> 50% {x}: done'

    def step(state):
        return [(StepLabel("app;1", nasty, peer='db "main"'), state + 1)] if state < 1 else []

    model = Model(name="nasty", initial_states=[0], actions=[Action("write", step)],
                  properties=[always("small", lambda s: s < 1, 'no "#1" write; ever')])
    prop = explore(model).properties["small"]
    source = render_property(prop, model)
    body = source.split("\n", 1)[1]
    for char in ';#"<>{}%':
        # every such character appears only inside an entity code (#NN; / #quot;)
        assert char not in re.sub(r"#(\d+|quot|lt|gt);", "", body).replace("->>", ""), char
    assert "participant a1 as app#59;1" in source
    assert "participant a2 as db #quot;main#quot;" in source
    assert escape("a;b") == "a#59;b"
    assert escape("#") == "#35;"


def test_outcomes_fence_every_counterexample():
    text = render_outcomes([shop_outcome()])
    assert text.count("```mermaid\nsequenceDiagram\n") == 2           # no-duplicate and no-loss
    assert "## shop: no-duplicate violated" in text
    quiet = render_outcomes([shop_outcome(crash_budget=0, loss_budget=0)])
    assert "```mermaid" not in quiet and "No property is violated" in quiet
