"""The HTML report: self-contained, escaped, with the verdicts, the steps and an SVG diagram per trace."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from modelcheck.engine import Action, Model, StepLabel, always, explore
from modelcheck.report.html import render_html
from modelcheck.report.svg import render_svg
from modelcheck.spec.outcome import Outcome
from test_report_models import retry_model, shop_model, shop_outcome, two_phase_commit

SVG_NS = "{http://www.w3.org/2000/svg}"


class Page(HTMLParser):
    """Collects tags, attributes and the visible text of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(match) for match in re.findall(r"<svg .*?</svg>", page, re.S)]


def test_page_loads_nothing_from_anywhere():
    page = render_html([shop_outcome(), shop_outcome(crash_budget=0)])
    parsed = Page(page)
    tags = {tag for tag, _ in parsed.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags and "img" not in tags
    for tag, attributes in parsed.tags:
        for name, value in attributes.items():
            if name in ("src", "href", "xlink:href"):
                assert value.startswith("#"), (tag, name, value)      # only links within the page
    assert "@import" not in page and "url(http" not in page and "//" not in re.sub(
        r'xmlns="http://www.w3.org/2000/svg"', "", page)


def test_verdict_table_and_steps_are_on_the_page():
    outcome = shop_outcome(expected={"no-duplicate": "holds", "no-loss": "violated"})
    page = render_html([outcome])
    text = Page(page).visible
    assert "0 of 1 configuration as expected, 1 unexpected" in text
    assert "✗ no-duplicate always holds violated 5 steps" in text
    assert "✓ no-loss at_end violated violated 6 steps" in text
    assert "– key-order always - holds" in text           # no expectation for it: not judged
    # the trace as an ordered list: the crash is step 4, marked as a fault (and as the step that made
    # the duplicate inevitable, see test_inevitable.py), with what it changed
    item = re.search(r'<li value="4" class="fault(?: inevitable)?">(.*?)</li></ul>', page, re.S).group(1)
    assert "consumer" in item and "crashes; restarts at offset 0" in item
    assert "position: 1 -&gt; 0" in item and "crashes: 0 -&gt; 1" in item
    assert "Evidence: e1 written to the database twice" in text


def test_each_trace_has_a_well_formed_svg_with_a_lane_per_actor():
    model = shop_model()
    result = explore(model)
    page = render_html([Outcome("tests/shop.py", "shop", result, model)])
    diagrams = svgs(page)
    assert len(diagrams) == 2                                       # no-duplicate and no-loss
    ids = [svg.get("id") for svg in diagrams]
    assert len(set(ids)) == 2
    lost = next(svg for svg in diagrams if "no-loss" in svg.get("id"))
    actors = [g.find(f"{SVG_NS}text").text for g in lost.iter(f"{SVG_NS}g") if g.get("class") == "actor"]
    assert actors == ["producer", "broker", "network", "consumer", "database"]
    faults = [g for g in lost.iter(f"{SVG_NS}g") if "fault" in (g.get("class") or "")]
    assert len(faults) == 1
    assert "loses the request carrying e2" in "".join(faults[0].itertext())
    messages = [line for line in lost.iter(f"{SVG_NS}line") if line.get("class") == "message"]
    assert len(messages) == len(result.properties["no-loss"].trace.steps) - 1
    verdict = [g for g in lost.iter(f"{SVG_NS}g") if "verdict" in (g.get("class") or "")]
    assert "no-loss violated" in "".join(verdict[0].itertext())


def test_lasso_is_framed_as_a_loop():
    model = retry_model()
    prop = explore(model).properties["delivered"]
    svg = ET.fromstring(render_svg(prop.trace, model, prop))
    assert [r for r in svg.iter(f"{SVG_NS}rect") if r.get("class") == "loop"]
    assert "loop: repeats for ever" in "".join(svg.itertext())
    page = render_html([Outcome("tests/retry.py", "retry", explore(model), model)])
    assert "the cycle starts here: steps 1–2 repeat for ever" in Page(page).visible


def test_every_text_is_escaped():
    evil = '<script>alert("x")</script> & <b>'

    def step(state):
        return [(StepLabel(evil, evil, peer=evil + "2"), state + 1)] if state < 1 else []

    model = Model(name=evil, initial_states=[0], actions=[Action("write", step)],
                  properties=[always("small", lambda s: s < 1, evil)])
    outcome = Outcome(evil + ".py", evil, explore(model), model, description=evil, config={evil: evil},
                      expected={"small": "holds"})
    page = render_html([outcome], title=evil)
    assert "<script" not in page and "<b>" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 6
    for svg in svgs(page):                                          # still well-formed XML
        assert evil in "".join(svg.itertext())


def test_bounded_search_is_said_loudly_and_matrix_appears_for_several_outcomes():
    model = two_phase_commit(3)
    bounded = Outcome("specs/two_phase_commit.py", "two-phase", explore(model, max_states=50), model,
                      expected={"TCConsistent": "holds"})
    page = render_html([bounded, shop_outcome()])
    text = Page(page).visible
    assert "verdicts marked bounded are NOT proofs" in text
    assert '<p class="alarm">' in page
    assert "Matrix" in text and "… ⚠" in text


def test_timings_can_be_left_out_for_stable_pages():
    first = render_html([shop_outcome()], timings=False)
    assert "states/s" not in first
    assert first == render_html([shop_outcome()], timings=False)


def test_single_configuration_specs_share_one_matrix_and_sweeps_get_their_own():
    model = retry_model()
    retry = Outcome("tests/retry.py", "retry", explore(model), model)
    sweep = [shop_outcome(crash_budget=c) for c in (0, 1)]
    page = render_html([retry] + sweep)
    tables = re.findall(r'<table class="matrix">(.*?)</table>', page, re.S)
    assert len(tables) == 2
    shared, swept = tables
    assert shared.count("<tr>") == 2 and ">retry</a>" in shared
    assert "v-violated" in shared and 'href="#o1-delivered"' in shared
    assert swept.count("<tr>") == 3 and "crash_budget" in swept
    # crash_budget=0 holds no-duplicate, crash_budget=1 violates it in 5 steps
    assert re.search(r'class="mark v-holds"[^>]*><a href="#o2">✓</a>', swept)
    assert 'href="#o3-no-duplicate">✗ 5</a>' in swept


def test_a_long_description_shows_its_first_paragraph_and_folds_the_rest():
    outcome = shop_outcome()
    outcome.description = "First paragraph\nwraps here.\n\nSecond paragraph with details."
    page = render_html([outcome])
    assert "<p>First paragraph wraps here.</p>" in page
    assert re.search(r"<details class=\"description\">.*Second paragraph with details", page, re.S)


def test_the_page_needs_no_emoji_font():
    """Marks are characters the fonts every system has draw (✓ ✗ … ⚠): an emoji (✅ ❌ ⏳, or any
    character asked for in its emoji presentation) shows as an empty box where no emoji font is installed."""
    model = two_phase_commit(3)
    bounded = Outcome("specs/two_phase_commit.py", "two-phase", explore(model, max_states=50), model,
                      expected={"TCConsistent": "holds"})
    page = render_html([bounded, shop_outcome()] + [shop_outcome(crash_budget=c) for c in (0, 1)])
    emoji = [character for character in page if character in "✅❌⏳\ufe0f" or ord(character) >= 0x1F000]
    assert emoji == []
    assert "✓" in page and "✗" in page and "…" in page


def test_every_step_shows_the_whole_state_with_the_parts_it_changed_marked():
    outcome = shop_outcome()
    prop = outcome.result.properties["no-duplicate"]
    page = render_html([outcome])
    section = page.split('id="o1-no-duplicate">')[1].split('<div class="verdict-note">')[0]
    blocks = re.findall(r'<details class="state">(.*?)</details>', section, re.S)
    assert len(blocks) == len(prop.trace.steps) + 1          # the initial state, then one per step
    fields = list(outcome.model.get_initial_states()[0]._fields)
    for block in blocks:                                     # every field of the state, every time
        assert re.findall(r'<th scope="row">(.*?)</th>', block) == fields
    assert "changed" not in blocks[0].split("</summary>")[1]  # nothing changed before the first step
    # the first step sends e1: it changes `sent` and `in_flight`, and nothing else
    changed = re.findall(r'<tr class="changed"><th scope="row">(.*?)</th>', blocks[1])
    assert changed == ["sent", "in_flight"]
    assert "the whole state after step 1 (2 changed)" in blocks[1]


def test_the_state_parts_come_from_the_model_when_it_names_them():
    from modelcheck.engine.result import Trace, TraceStep
    from modelcheck.report.explain import states_shown
    model = Model(name="m", initial_states=[(1, 2)], state_parts=lambda s: [("left", s[0]), ("right", s[1])])
    trace = Trace(initial=(1, 2), steps=(TraceStep("Step", "step", (1, 3)),))
    shown = states_shown(trace, model)
    assert [[(p.name, p.text, p.changed) for p in parts] for parts in shown] == [
        [("left", "1", False), ("right", "2", False)], [("left", "1", False), ("right", "3", True)]]
    plain = states_shown(trace, Model(name="plain", initial_states=[(1, 2)]))
    assert [[(p.name, p.text, p.changed) for p in parts] for parts in plain][1] == [
        ("[0]", "1", False), ("[1]", "3", True)]


def test_a_local_step_is_drawn_as_a_note_over_its_lifeline_not_a_message():
    from test_report_models import broken_two_phase_commit
    model = broken_two_phase_commit(2)
    prop = explore(model).properties["TCConsistent"]
    svg = render_svg(prop.trace, model, prop)
    assert svg.count('<g class="note local">') == len(prop.trace.steps)     # every step names no peer
    assert 'class="self"' not in svg and 'class="message"' not in svg
    shop = shop_model()
    drawn = render_svg(explore(shop).properties["no-loss"].trace, shop)
    assert 'class="message"' in drawn and '<g class="note local">' not in drawn   # every step there has a peer
