"""Headless Chromium (the Debian package; `make test` installs it) for the pack tests.

`check_page` loads a copy of a pack with a small checking script appended (the packs
themselves carry no script), lets Chromium lay it out at A4-ish screen width and
reads the verdict back from the dumped DOM: text that overflows its box, chart
labels drawn outside their chart or cut with an ellipsis, column headings with a word
broken over two lines, horizontal scrolling, and
charts without their text alternative.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape as html_unescape
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

CHECK = r"""
<script>
(function () {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) problems.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + vw);
  for (const el of document.querySelectorAll("h1,h2,h3,p,li,th,td,caption,figcaption,summary,code")) {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== "inline")
      problems.push("text overflows its box: <" + el.tagName.toLowerCase() + "> " + el.textContent.slice(0, 60));
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1) problems.push("text beyond the page: " + el.textContent.slice(0, 60));
  }
  // A column heading is short: a word of it split over two lines ("Fif|e") is a layout fault
  // (a break after a hyphen, "2017-|18", is the language's own break and allowed).
  for (const th of document.querySelectorAll("thead th")) {
    if (th.getBoundingClientRect().right <= 0) continue; // headings moved off screen (stacked small-screen tables)
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[^\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
        if (lines.size > 1) problems.push("heading word broken over lines: " + m[0]);
      }
    }
  }
  for (const svg of document.querySelectorAll("svg")) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll("text")) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim()) continue;
      if (t.textContent.includes("\u2026")) problems.push("chart label cut: " + t.textContent);
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        problems.push("chart label outside its chart: " + t.textContent);
    }
    const figure = svg.closest("figure");
    if (!figure || svg.getAttribute("aria-hidden") !== "true") { problems.push("chart not hidden inside a figure"); continue; }
    const caption = figure.querySelector("figcaption");
    if (!caption || !caption.textContent.trim()) problems.push("chart without a caption");
    if (!figure.querySelector("table tbody tr")) problems.push("chart without a data table: " + (caption ? caption.textContent : ""));
  }
  const out = document.createElement("pre");
  out.id = "layout-check";
  out.textContent = JSON.stringify({problems: problems, charts: document.querySelectorAll("svg").length});
  document.body.appendChild(out);
})();
</script>
"""


def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: `make test` installs it (apt-get install chromium)")
        pytest.skip("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    return CHROMIUM


def run(args: list[str], profile: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )


def check_page(pack: Path, work: Path, width: int = 1100) -> dict:
    copy = work / f"check_{pack.name}"
    copy.write_text(pack.read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"), encoding="utf-8")
    result = run(
        [f"--window-size={width},1400", "--virtual-time-budget=10000", "--dump-dom", copy.as_uri()],
        work / "profile_check",
    )
    found = re.search(r'<pre id="layout-check">(.*?)</pre>', result.stdout, re.S)
    assert found, "the checking script did not run"
    return json.loads(html_unescape(found.group(1)))


AXE_SCRIPT = Path(__file__).resolve().parents[2] / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A/AA and best practice: what the issues measured the pages against.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = """
<script>
axe.run(document, {runOnly: {type: "tag", values: %s}}).then(function (r) {
  const out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
  }));
  document.body.appendChild(out);
});
</script>
"""


def axe_violations(page: Path, work: Path, width: int = 1100) -> list[dict]:
    """axe-core's violations for a page, as [{id, impact, help, nodes}] (empty: none found).

    axe-core comes from npm (`make test-tools` installs the pinned version into
    .venv/node); it is inlined into a copy of the page, so the page itself stays
    script-free and nothing is fetched.
    """
    if not AXE_SCRIPT.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing in CI: `make test-tools` installs it (npm)")
        pytest.skip("axe-core is not installed: `make test-tools` installs it (npm)")
    copy = work / f"axe_{page.name}"
    injected = "<script>" + AXE_SCRIPT.read_text(encoding="utf-8") + "</script>" + AXE_RUN % json.dumps(AXE_TAGS)
    html = page.read_text(encoding="utf-8")
    head, tail = html.rsplit("</body>", 1) if "</body>" in html else (html, "")
    copy.write_text(head + injected + "</body>" + tail, encoding="utf-8")
    result = run(
        [f"--window-size={width},1400", "--virtual-time-budget=30000", "--dump-dom", copy.as_uri()],
        work / "profile_axe",
    )
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', result.stdout, re.S)
    assert found, "axe-core did not finish on " + page.name
    return json.loads(html_unescape(found.group(1)))


def screenshot(pack: Path, png: Path, work: Path, width: int = 1100, height: int = 6000) -> Path:
    run(
        [f"--window-size={width},{height}", "--hide-scrollbars", f"--screenshot={png}", pack.as_uri()],
        work / "profile_png",
    )
    return png


def print_to_pdf(pack: Path, pdf: Path, work: Path) -> Path:
    run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", pack.as_uri()], work / "profile_pdf")
    return pdf
