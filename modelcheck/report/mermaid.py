"""A trace as a Mermaid `sequenceDiagram`: one participant per actor, one arrow per message.

Participants are the actors and peers named by `StepLabel`s, in order of first appearance (a label
that names no actor belongs to one participant, "system"). A step with a peer is an arrow
`actor->>peer`; a local step (no peer: the actor changes only its own state) is a `Note` over the actor,
not a message; a fault (crash, lost message) is a `Note` over the actor (and its peer) with a ⚡ marker,
so it stands apart from both. Steps
are numbered as in the text trace; the cycle of a temporal counterexample is a `loop` block; the
step from which the violation was inevitable (`explain.inevitable_from`, with the model and the
property given) is preceded by a ⚑ note across every participant; the violated property ends the
diagram as a note across every participant.

Text is escaped with Mermaid's entity codes (`#59;` for `;`, `#35;` for `#`, `#quot;`, ...), the form
Mermaid documents for characters its grammar would take as syntax. Left out: what changed in each step
(the text and HTML reports show it; a diagram full of state would not be read).
"""

from __future__ import annotations

from modelcheck.engine.result import VIOLATED, PropertyResult, Trace
from modelcheck.report.explain import (INEVITABLE_NOTE, SYSTEM_ACTOR, actors_of, closing_note, explain_trace,
                                       inevitable_step)
from modelcheck.report.matrix import config_text

FAULT_MARK = "⚡"
VIOLATION_MARK = "❌"
WITNESS_MARK = "✅"

_ENTITIES = {"#": "#35;", ";": "#59;", '"': "#quot;", "<": "#lt;", ">": "#gt;", ":": "#58;",
             "%": "#37;", "{": "#123;", "}": "#125;", "`": "#96;"}


def escape(text: str) -> str:
    """`text` safe inside a Mermaid sequence diagram line (entity codes; newlines become spaces)."""
    flat = " ".join(str(text).split())
    return "".join(_ENTITIES.get(char, char) for char in flat)


def render_sequence(trace: Trace, model=None, prop: PropertyResult | None = None) -> str:
    """The Mermaid source of a `sequenceDiagram` for `trace`.

    `model` gives the labels their text (`format_label`) and the evidence of a violation
    (`explain_violation`); `prop`, the property the trace belongs to, adds the final note.
    """
    steps = explain_trace(trace, model)
    actors = actors_of(steps) or [SYSTEM_ACTOR]
    ids = {actor: f"a{index}" for index, actor in enumerate(actors, start=1)}
    lines = ["sequenceDiagram"]
    for actor in actors:
        lines.append(f"    participant {ids[actor]} as {escape(actor)}")
    indent = "    "
    span = ids[actors[0]] if len(actors) == 1 else f"{ids[actors[0]]},{ids[actors[-1]]}"
    sealed = inevitable_step(prop, model) if prop is not None else None
    for step in steps:
        if step.loop_start:
            lines.append(f"    loop {escape('repeats for ever')}")
            indent = "        "
        if sealed is not None and step.number == max(sealed, 1):
            lines.append(f"{indent}Note over {span}: {escape(INEVITABLE_NOTE)}")
        actor = ids[step.actor or SYSTEM_ACTOR]
        text = escape(f"{step.number}. {step.action}")
        if step.fault:
            over = actor if not step.peer or step.peer == (step.actor or SYSTEM_ACTOR) \
                else f"{actor},{ids[step.peer]}"
            lines.append(f"{indent}Note over {over}: {FAULT_MARK} {text}")
        elif not step.peer or ids[step.peer] == actor:
            lines.append(f"{indent}Note over {actor}: {text}")
        else:
            lines.append(f"{indent}{actor}->>{ids[step.peer]}: {text}")
    if trace.loop_start is not None and steps:
        lines.append("    end")
    if prop is not None:
        note = _final_note(prop, model)
        if note:
            lines.append(f"    Note over {span}: {escape(note)}")
    return "\n".join(lines) + "\n"


def _final_note(prop: PropertyResult, model) -> str:
    note = closing_note(prop, model, violated_mark=VIOLATION_MARK, witness_mark=WITNESS_MARK)
    return note[1] if note else ""


def render_property(prop: PropertyResult, model=None) -> str:
    """The diagram of a property's trace, or "" when its verdict has no trace."""
    if prop.trace is None:
        return ""
    return render_sequence(prop.trace, model, prop)


def render_outcomes(outcomes) -> str:
    """Every counterexample of `outcomes` as Markdown: a heading and a ```mermaid block per trace.

    Several diagrams cannot share one Mermaid source, so they are fenced in Markdown, which GitHub,
    GitLab and Mermaid's own command line render. With no violation the document says so.
    """
    parts = []
    for outcome in outcomes:
        config = config_text(outcome.config)
        where = f"{outcome.name} [{config}]" if config else outcome.name
        for prop in outcome.result.properties.values():
            if prop.verdict == VIOLATED and prop.trace is not None:
                parts.append(f"## {_markdown_text(where)}: {_markdown_text(prop.name)} violated\n\n"
                             f"```mermaid\n{render_sequence(prop.trace, outcome.model, prop)}```\n")
    if not parts:
        return "No property is violated: there is no counterexample to draw.\n"
    return "\n".join(parts)


def _markdown_text(text: str) -> str:
    return "".join("\\" + char if char in "\\`*_[]<>|#" else char for char in " ".join(str(text).split()))
