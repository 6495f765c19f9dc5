"""The HTML report in a real browser: headless Chromium (Debian's `chromium` package) reads the page
from a file, and the test checks what a person would see: the verdict table, the trace steps, and
sequence diagrams that are laid out (non-empty, no text spilling out of its box) and painted.

Chromium is required, not optional: `make browser` (run by `make test`) installs it. Without it the
test fails with a message that says so.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from modelcheck.engine import explore
from modelcheck.report.html import render_html
from modelcheck.report.svg import COLORS, render_svg
from modelcheck.spec.outcome import Outcome
from test_report_models import broken_two_phase_commit, retry_model, shop_model, shop_outcome

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1"]

# Run in the browser on a copy of the page (the report itself has no script): measures every SVG
# and every text inside a box, and writes the figures into the document as JSON.
MEASURE = """
<script>
const out = {svgs: []};
for (const svg of document.querySelectorAll('svg.sequence')) {
  const box = svg.getBoundingClientRect();
  const width = svg.viewBox.baseVal.width;
  const spills = [];
  for (const text of svg.querySelectorAll('text')) {
    const b = text.getBBox();
    if (b.x < -0.5 || b.x + b.width > width + 0.5) spills.push('outside: ' + text.textContent);
    const note = text.closest('g.note, g.actor');
    if (note) {
      const r = note.querySelector('rect').getBBox();
      if (b.x < r.x || b.x + b.width > r.x + r.width) spills.push('box: ' + text.textContent);
    }
  }
  out.svgs.push({id: svg.id, shown_width: box.width, shown_height: box.height,
                 texts: svg.querySelectorAll('text').length, spills: spills});
}
const pre = document.createElement('pre');
pre.id = 'measured';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("chromium is not installed: the browser test needs Debian's `chromium` package "
                "(`apt-get install -y chromium`, which `make browser` runs)")


def run_browser(tmp_path: Path, *arguments: str) -> str:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    completed = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *arguments],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


class Visible(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def outcomes() -> list[Outcome]:
    broken = broken_two_phase_commit(2)
    retry = retry_model()
    return [shop_outcome(expected={"no-duplicate": "holds", "no-loss": "violated"}),
            Outcome("tests/retry.py", "retry", explore(retry), retry, description="a request lost for ever"),
            Outcome("tests/broken.py", "broken-2pc", explore(broken), broken, expected={"TCConsistent": "holds"})]


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG, as Chromium writes."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    width, height, depth, color_type, _c, _f, interlace = header
    assert depth == 8 and interlace == 0 and color_type in (2, 6)
    channels = 4 if color_type == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line) if channels == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3))
        previous = line
    return width, height, rows


def count_color(rows: list[bytes], hex_color: str) -> int:
    wanted = bytes.fromhex(hex_color.lstrip("#"))
    return sum(_count(row, wanted) for row in rows)


def _count(row: bytes, pixel: bytes) -> int:
    return sum(1 for i in range(0, len(row), 3) if row[i:i + 3] == pixel)


def test_a_person_sees_verdicts_steps_and_diagrams(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(outcomes()), encoding="utf-8")
    dom = run_browser(tmp_path, "--dump-dom", page.as_uri())
    text = Visible(dom).text
    assert "0 of 3 configurations as expected, 3 unexpected" in text
    assert "gate: UNEXPECTED (no-duplicate violated, expected holds)" in text
    assert "passed" not in text
    assert "✗ no-duplicate always holds violated 5 steps" in text
    assert "✓ no-loss at_end violated violated 6 steps" in text
    assert "⚡ fault: consumer crashes; restarts at offset 0" in text
    assert "the cycle starts here: steps 1–2 repeat for ever" in text
    assert "TM commits too early" in text
    assert dom.count("<svg") == 4                # no-duplicate, no-loss, delivered, TCConsistent


def test_diagrams_are_laid_out_without_spilling_text(tmp_path):
    page = tmp_path / "measure.html"
    page.write_text(render_html(outcomes()).replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = run_browser(tmp_path, "--dump-dom", page.as_uri())
    measured = json.loads(re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S).group(1)
                          .replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert len(measured["svgs"]) == 4
    for svg in measured["svgs"]:
        assert svg["shown_width"] > 100 and svg["shown_height"] > 100, svg
        assert svg["texts"] >= 4, svg
        assert svg["spills"] == [], svg


def test_the_diagram_is_painted(tmp_path):
    model = shop_model()
    prop = explore(model).properties["no-loss"]
    page = tmp_path / "diagram.html"
    page.write_text("<!DOCTYPE html><html><body style='margin:0;background:#fff'>"
                    + render_svg(prop.trace, model, prop) + "</body></html>", encoding="utf-8")
    shot = tmp_path / "diagram.png"
    run_browser(tmp_path, f"--screenshot={shot}", "--window-size=1000,500", page.as_uri())
    assert shot.is_file(), "chromium wrote no screenshot"
    width, height, rows = read_png(shot)
    assert (width, height) == (1000, 500)
    # the fault note (one lost request) and the violation note are painted in their own colours
    assert count_color(rows, COLORS["fault_fill"]) > 2000
    assert count_color(rows, COLORS["bad_fill"]) > 5000
    assert count_color(rows, COLORS["actor_fill"]) > 5 * 1500       # five actor boxes


def test_the_report_page_screenshot_is_not_blank(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(outcomes()), encoding="utf-8")
    shot = tmp_path / "report.png"
    run_browser(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    width, height, rows = read_png(shot)
    assert (width, height) == (1200, 1600)
    white = sum(_count(row, b"\xff\xff\xff") for row in rows)
    assert white < 0.97 * width * height                           # text and tables were drawn


# Measures, in the browser, every table against the width of the page's column.
MEASURE_TABLES = """
<script>
const limit = document.querySelector('main').clientWidth;
const wide = [];
for (const table of document.querySelectorAll('table')) {
  const width = table.getBoundingClientRect().width;
  if (width > limit + 0.5) wide.push(table.className + ' ' + Math.round(width) + 'px: '
                                     + table.textContent.slice(0, 80));
}
const pre = document.createElement('pre');
pre.id = 'measured';
pre.textContent = JSON.stringify({limit: limit, wide: wide});
document.body.appendChild(pre);
</script>
"""


def test_every_table_of_the_bundled_report_fits_a_narrow_page(tmp_path):
    """The committed report of every bundled spec (tests/test_reports_current keeps it current), in a
    window 800 pixels wide, about a printed page: no table is wider than the page's column."""
    from test_report_models import ROOT
    page = tmp_path / "index.html"
    text = (ROOT / "reports" / "index.html").read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", MEASURE_TABLES + "</body>"), encoding="utf-8")
    dom = run_browser(tmp_path, "--window-size=800,1000", "--dump-dom", page.as_uri())
    measured = json.loads(re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S).group(1)
                          .replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert 700 < measured["limit"] <= 800
    assert measured["wide"] == []


def test_the_parts_a_step_changed_are_highlighted_in_the_whole_state(tmp_path):
    """Every state block opened: the rows a step changed are painted in the highlight colour; with the
    mark taken off, nothing is (broken two-phase commit: a trace without faults, whose steps are not
    painted in that colour themselves)."""
    broken = broken_two_phase_commit(2)
    page = render_html([Outcome("tests/broken.py", "broken-2pc", explore(broken), broken)])
    page = page.replace('<details class="state">', '<details class="state" open>')
    highlight = "fff4d6"                       # --warn-bg of the page's style
    counts = []
    for name, text in (("marked", page), ("unmarked", page.replace('class="changed"', 'class="same"'))):
        path = tmp_path / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        shot = tmp_path / f"{name}.png"
        run_browser(tmp_path, f"--screenshot={shot}", "--window-size=1000,2400", path.as_uri())
        counts.append(count_color(read_png(shot)[2], highlight))
    marked, unmarked = counts
    assert unmarked == 0
    assert marked > 5000
