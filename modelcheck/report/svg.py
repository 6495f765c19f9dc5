"""A trace as a sequence diagram drawn in inline SVG, for the HTML report (no script, no network).

The drawing follows the usual sequence-diagram conventions (as Mermaid draws them): a box and a dashed
lifeline per actor, in order of first appearance; one row per step, top to bottom; a message is an
arrow from the actor's lifeline to its peer's, labelled with the step number and the action; a local
step (no peer: the actor changes only its own state) is a note over its lifeline, not a message; a
fault (crash, lost message) is an amber note over the actor (and its peer) marked ⚡; the cycle of a temporal counterexample is framed as
a loop; the step from which the violation was inevitable (`explain.inevitable_from`, with the model
and the property given) is preceded by a red dashed rule across every lifeline, labelled ⚑; the
violated property is a red note across every lifeline at the bottom.

The layout is computed from text lengths with a fixed estimate of the width of a character (no fonts
are measured: there is no browser here), so long texts are wrapped onto several lines rather than
measured. Every piece of text is XML-escaped.
"""

from __future__ import annotations

import hashlib
import textwrap
from html import escape

from modelcheck.engine.result import PropertyResult, Trace
from modelcheck.report.explain import (INEVITABLE_NOTE, SYSTEM_ACTOR, actors_of, closing_note, explain_trace,
                                       inevitable_step)

CHAR_WIDTH = 7.4          # px per character at FONT_SIZE, a little wider than an average sans glyph
FONT_SIZE = 13
LINE_HEIGHT = 16
MARGIN = 16
HEADER_HEIGHT = 32
MESSAGE_CHARS = 38        # a message label wraps beyond this many characters
NOTE_CHARS = 44
MIN_GAP = 120             # between neighbouring lifelines
FONT_STACK = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
              "'DejaVu Sans', sans-serif")
COLORS = {"line": "#445", "actor_fill": "#eef2fb", "actor_stroke": "#6b7db3", "local_fill": "#f3f4f7",
          "local_stroke": "#9aa1b3", "fault_fill": "#fff4d6",
          "fault_stroke": "#c98a00", "bad_fill": "#fde8e8", "bad_stroke": "#c0392b",
          "good_fill": "#e6f6ea", "good_stroke": "#2e8b57", "loop_stroke": "#7a6bb3", "text": "#1d2230"}


def _width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _wrap(text: str, chars: int) -> list[str]:
    return textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False) or [""]


def render_svg(trace: Trace, model=None, prop: PropertyResult | None = None, *,
               diagram_id: str | None = None) -> str:
    """An `<svg>` element (a string) drawing `trace` as a sequence diagram.

    `model` gives label texts and the evidence of a violation; `prop` adds the final note.
    `diagram_id` makes the element ids unique when a page holds several diagrams (by default it is
    derived from the trace, so the same trace always gives the same text).
    """
    uid = diagram_id or "seq-" + hashlib.sha1(repr(trace).encode()).hexdigest()[:10]
    steps = explain_trace(trace, model)
    actors = actors_of(steps) or [SYSTEM_ACTOR]
    lane = {actor: index for index, actor in enumerate(actors)}
    boxes = [max(90.0, _width(actor) + 24) for actor in actors]

    # Gaps between neighbouring lifelines, widened until every label fits.
    gaps = [max(MIN_GAP, (boxes[i] + boxes[i + 1]) / 2 + 16) for i in range(len(actors) - 1)]
    right_room = boxes[-1] / 2 + MARGIN
    rows = []
    for step in steps:
        source = lane[step.actor or SYSTEM_ACTOR]
        target = lane.get(step.peer, source) if step.peer else source
        text = f"{step.number}. {step.action}"
        if step.fault or source == target:
            kind = "fault" if step.fault else "local"
            lines = _wrap(f"⚡ {text}" if step.fault else text, NOTE_CHARS)
            rows.append((kind, step, min(source, target), max(source, target), lines))
            need = max(_width(line) for line in lines) + 20
            low, high = min(source, target), max(source, target)
            if low == high:
                right_room = _fit_note(gaps, low, need, right_room, len(actors))
            else:
                _widen(gaps, low, high, need - boxes[low] / 2)
        else:
            lines = _wrap(text, MESSAGE_CHARS)
            rows.append(("message", step, source, target, lines))
            need = max(_width(line) for line in lines) + 24
            _widen(gaps, min(source, target), max(source, target), need)

    xs = [MARGIN + boxes[0] / 2]
    for gap in gaps:
        xs.append(xs[-1] + gap)
    width = xs[-1] + max(right_room, boxes[-1] / 2 + MARGIN)
    if len(actors) == 1:
        width = max(width, xs[0] + right_room)
    sealed = inevitable_step(prop, model) if prop is not None else None
    if sealed is not None:
        width = max(width, _width(INEVITABLE_NOTE) + 2 * MARGIN + 6)

    body: list[str] = []
    y = MARGIN + HEADER_HEIGHT + 18
    loop_top = None
    for kind, step, source, target, lines in rows:
        if step.loop_start:
            loop_top = y
            y += 26
        if sealed is not None and step.number == max(sealed, 1):
            body.append(_inevitable_rule(y, width))
            y += 30
        if kind in ("fault", "local"):
            left = xs[source] - max(boxes[source] / 2, 50)
            right = xs[target] + max(boxes[target] / 2, 50)
            text_width = max(_width(line) for line in lines) + 20
            if right - left < text_width:
                right = left + text_width
            height = len(lines) * LINE_HEIGHT + 12
            body.append(_note(left, y, right - left, height, lines, f"{kind}_fill", f"{kind}_stroke", css=kind))
            y += height + 14
        else:
            x1, x2 = xs[source], xs[target]
            middle = (x1 + x2) / 2
            for index, line in enumerate(lines):
                body.append(_text(middle, y + index * LINE_HEIGHT + 12, line))
            arrow_y = y + len(lines) * LINE_HEIGHT + 6
            end = x2 - 3 if x2 > x1 else x2 + 3
            body.append(f'<line class="message" x1="{x1:.1f}" y1="{arrow_y:.1f}" x2="{end:.1f}" '
                        f'y2="{arrow_y:.1f}" stroke="{COLORS["line"]}" stroke-width="1.5" '
                        f'marker-end="url(#{uid}-arrow)"/>')
            y = arrow_y + 18
    if loop_top is not None:
        left = MARGIN / 2
        right = width - MARGIN / 2
        body.insert(0, f'<rect class="loop" x="{left:.1f}" y="{loop_top:.1f}" width="{right - left:.1f}" '
                       f'height="{y - loop_top:.1f}" fill="none" stroke="{COLORS["loop_stroke"]}" '
                       f'stroke-dasharray="6 3" rx="4"/>')
        body.insert(1, _text(left + 6, loop_top + 15, "⟲ loop: repeats for ever", anchor="start",
                             weight="bold", fill=COLORS["loop_stroke"]))
        y += 10

    if prop is not None:
        note = _final_note(prop, model)
        if note:
            left = MARGIN / 2
            span = width - MARGIN
            lines = _wrap(note[1], max(NOTE_CHARS, int((span - 20) / CHAR_WIDTH)))
            height = len(lines) * LINE_HEIGHT + 12
            fill, stroke = ("bad_fill", "bad_stroke") if note[0] == "bad" else ("good_fill", "good_stroke")
            body.append(_note(left, y, span, height, lines, fill, stroke, css=f"verdict {note[0]}"))
            y += height + 10

    height = y + MARGIN / 2
    head = []
    for actor, x, box in zip(actors, xs, boxes):
        head.append(f'<line class="lifeline" x1="{x:.1f}" y1="{MARGIN + HEADER_HEIGHT:.1f}" x2="{x:.1f}" '
                    f'y2="{height - MARGIN / 2:.1f}" stroke="{COLORS["actor_stroke"]}" '
                    f'stroke-dasharray="4 4"/>')
        head.append(f'<g class="actor"><rect x="{x - box / 2:.1f}" y="{MARGIN:.1f}" width="{box:.1f}" '
                    f'height="{HEADER_HEIGHT}" rx="5" fill="{COLORS["actor_fill"]}" '
                    f'stroke="{COLORS["actor_stroke"]}"/>'
                    + _text(x, MARGIN + HEADER_HEIGHT / 2 + 4.5, actor, weight="bold") + "</g>")
    title = f"sequence diagram of {len(steps)} steps between {', '.join(actors)}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence" id="{escape(uid)}" '
            f'role="img" aria-labelledby="{escape(uid)}-title" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{escape(FONT_STACK)}" '
            f'font-size="{FONT_SIZE}">'
            f'<title id="{escape(uid)}-title">{escape(title)}</title>'
            f'<defs><marker id="{escape(uid)}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{COLORS["line"]}"/></marker></defs>'
            + "".join(head) + "".join(body) + "</svg>")


def _widen(gaps: list[float], low: int, high: int, need: float) -> None:
    """Spread extra width over the gaps between lanes `low` and `high` until `need` fits."""
    have = sum(gaps[low:high])
    if have < need:
        extra = (need - have) / (high - low)
        for index in range(low, high):
            gaps[index] += extra


def _fit_note(gaps, lane_index, need, right_room, lanes) -> float:
    """Room for a note over one lane: it grows rightwards from the lane's left edge."""
    half = need / 2
    if lane_index < lanes - 1:
        gaps[lane_index] = max(gaps[lane_index], half + 12)
        return right_room
    return max(right_room, need + MARGIN)


def _text(x: float, y: float, text: str, *, anchor: str = "middle", weight: str | None = None,
          fill: str | None = None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill or COLORS["text"]}"{bold}>'
            f'{escape(text)}</text>')


def _note(x, y, width, height, lines, fill, stroke, css="") -> str:
    parts = [f'<g class="note {css}"><rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
             f'rx="4" fill="{COLORS[fill]}" stroke="{COLORS[stroke]}"/>']
    for index, line in enumerate(lines):
        parts.append(_text(x + 10, y + 6 + (index + 1) * LINE_HEIGHT - 4, line, anchor="start"))
    parts.append("</g>")
    return "".join(parts)


def _inevitable_rule(y: float, width: float) -> str:
    """A red dashed rule across every lifeline, labelled: from here on the violation is inevitable."""
    left, right = MARGIN / 2, width - MARGIN / 2
    rule_y = y + 18
    return (f'<g class="inevitable"><line x1="{left:.1f}" y1="{rule_y:.1f}" x2="{right:.1f}" '
            f'y2="{rule_y:.1f}" stroke="{COLORS["bad_stroke"]}" stroke-width="1.5" stroke-dasharray="6 4"/>'
            + _text(left + 6, y + 12, INEVITABLE_NOTE, anchor="start", weight="bold",
                    fill=COLORS["bad_stroke"]) + "</g>")


def _final_note(prop: PropertyResult, model):
    return closing_note(prop, model, violated_mark="✗", witness_mark="✓")
