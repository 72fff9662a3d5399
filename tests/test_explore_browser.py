"""The report's explorer (templates/explore.js) in Chromium: galleries, method tabs, the filter viewer,
the page without script, first paint, and the enhanced page in the Nu HTML checker.

Galleries: the report's confusion cells link to them (``<a href="#ID" data-gallery>`` to a
``<figure class="gallery" id="ID">``). Where the report has none yet, a hand-made gallery is put into
a copy of the report, so that the opener is tested either way.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from tests.test_browser import (  # noqa: F401  (browser, report: the fixtures)
    OVERFLOW_JS, PHONE, _assert_quiet, _open, _problems, _vnu, browser, report)

FIRST_PAINT_MS = 2000
MAX_HTML_BYTES = 25_000_000
TINY_PNG = "data:image/png;base64," + base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
    "0000001049444154789c63f8cfc0f01f840106000ffe03fdd33a6f6b0000000049454e44ae426082")).decode()
HAND_MADE = ('<figure class="gallery" id="gallery-hand-made">'
             + "".join(f'<img src="{TINY_PNG}" alt="test image {i}" width="2" height="2">' for i in range(3))
             + "<figcaption>Three test images the model took for another class</figcaption></figure>")

# The checker's notice on any <dialog>; every current browser has it (Chromium 37, Firefox and Safari since 2022),
# and where one does not, the gallery link still jumps to its figure.
DIALOG_NOTICE = "The \u201cdialog\u201d element is not supported in all browsers"
VISIBLE_JS = "els => els.filter(e => e.getBoundingClientRect().height > 0).length"


@pytest.fixture(scope="module")
def gallery_report(report: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(page, gallery id): the report itself when it links a gallery, else a copy with a hand-made one."""
    html = report.read_text()
    links = [re.search(r'\bhref="#([^"]+)"', tag) for tag in re.findall(r"<a\s[^>]*>", html) if "data-gallery" in tag]
    real = [link.group(1) for link in links if link and f'id="{link.group(1)}"' in html]
    if real:
        return report, real[0]
    page = tmp_path_factory.mktemp("gallery") / "report.html"
    link = '<p><a href="#gallery-hand-made" data-gallery>3 images</a></p>'
    page.write_text(html.replace('<main class="report">', '<main class="report">' + link, 1)
                    .replace("</main>", HAND_MADE + "</main>", 1))
    return page, "gallery-hand-made"


def test_first_paint_within_two_seconds_and_html_within_25_mb(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url)
    paint = loaded.page.evaluate("performance.getEntriesByType('paint').map(e => [e.name, e.startTime])")
    first = dict(paint)["first-contentful-paint"]
    print(f"first contentful paint {first:.0f} ms, report.html {report.stat().st_size:,} bytes")
    assert 0 < first < FIRST_PAINT_MS
    assert report.stat().st_size <= MAX_HTML_BYTES
    _assert_quiet(loaded, url)


def _selected(page: Any, tabs: Any) -> dict[str, Any]:
    return tabs.evaluate("""box => ({
      selected: Array.from(box.querySelectorAll('[role=tab]')).map(t => t.getAttribute('aria-selected')),
      focused: document.activeElement.textContent,
      shown: Array.from(box.querySelectorAll('[role=tabpanel]')).filter(f => !f.hidden).map(f => f.id),
      src: Array.from(box.querySelectorAll('[role=tabpanel]')).filter(f => !f.hidden).map(f =>
        f.querySelector('img').src.slice(-60))})""")


def test_method_tabs_switch_the_picture_by_click_and_keys(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url)
    page = loaded.page
    tabs = page.locator(".method-tabs").first
    names = tabs.locator("[role=tab]").all_text_contents()
    assert names == ["Grad-CAM", "Grad-CAM++", "Score-CAM"]
    first = _selected(page, tabs)
    assert first["selected"] == ["true", "false", "false"] and len(first["shown"]) == 1
    tabs.locator("[role=tab]").nth(1).click()
    second = _selected(page, tabs)
    assert second["selected"] == ["false", "true", "false"] and second["src"] != first["src"]
    page.keyboard.press("ArrowRight")
    third = _selected(page, tabs)
    assert third["selected"] == ["false", "false", "true"] and third["focused"] == "Score-CAM"
    page.keyboard.press("ArrowRight")  # wraps around
    assert _selected(page, tabs)["selected"] == ["true", "false", "false"]
    page.keyboard.press("End")
    assert _selected(page, tabs)["shown"] == third["shown"] != first["shown"] != second["shown"]
    panel = page.locator(f"#{third['shown'][0]}")
    assert panel.get_attribute("role") == "tabpanel" and panel.get_attribute("aria-labelledby").endswith("-tab")
    _assert_quiet(loaded, url)


def test_gallery_link_opens_its_images_in_a_dialog(browser: Any, gallery_report: tuple[Path, str]) -> None:
    path, gallery = gallery_report
    url = path.as_uri()
    loaded = _open(browser, url)
    page = loaded.page
    images = page.locator(f"#{gallery} img").count()
    assert images >= 1
    link = page.locator(f'a[href="#{gallery}"][data-gallery]').first
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.explore-dialog")
    assert dialog.evaluate("d => d.open") and page.evaluate("location.hash") == ""
    shown = dialog.evaluate("d => Array.from(d.querySelectorAll('img')).map(i => i.complete && i.naturalWidth)")
    assert len(shown) == images and all(shown)
    assert page.evaluate("document.querySelectorAll('[id=\"%s\"]').length" % gallery) == 1  # no twin id
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")
    assert page.evaluate("document.activeElement.getAttribute('href')") == f"#{gallery}"  # focus returned
    link.click()
    dialog.locator(".explore-close").click()
    assert not dialog.evaluate("d => d.open")
    _assert_quiet(loaded, url)


def test_filter_viewer_steps_through_every_filter_image(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url)
    page = loaded.page
    grid = page.locator("figure[data-tiles]").first
    n = int(re.search(r'"n":(\d+)', grid.get_attribute("data-tiles")).group(1))
    grid.locator(".explore-browse").click()
    label = page.locator("dialog .filter-label")
    assert label.text_content().startswith(f"Filter image 1 of {n}, final activation ")
    seen = set()
    for _ in range(n):
        seen.add(page.locator("dialog .filter-tile").evaluate("t => t.style.backgroundPosition"))
        page.keyboard.press("ArrowRight")
    assert len(seen) == n and label.text_content().startswith(f"Filter image 1 of {n}")  # all, then round again
    page.keyboard.press("ArrowLeft")
    assert label.text_content().startswith(f"Filter image {n} of {n}")
    page.keyboard.press("Escape")
    _assert_quiet(loaded, url)


def test_without_javascript_everything_shows_in_order_and_links_jump(
        browser: Any, gallery_report: tuple[Path, str]) -> None:
    path, gallery = gallery_report
    loaded = _open(browser, path.as_uri(), java_script_enabled=False)
    page = loaded.page
    figures = page.eval_on_selector_all("figure.fig-cam", VISIBLE_JS)
    assert figures == page.locator("figure.fig-cam").count() >= 3
    assert page.locator("[role=tablist], .explore-browse").count() == 0
    page.locator(f'a[href="#{gallery}"][data-gallery]').first.click()
    assert page.evaluate("location.hash") == f"#{gallery}"


def test_enhanced_page_passes_the_nu_html_checker(browser: Any, gallery_report: tuple[Path, str],
                                                  tmp_path: Path) -> None:
    """The page as the script leaves it (tabs made, a gallery open) is valid HTML with valid ARIA."""
    path, gallery = gallery_report
    loaded = _open(browser, path.as_uri())
    loaded.page.locator(f'a[href="#{gallery}"][data-gallery]').first.click()
    enhanced = tmp_path / "enhanced.html"
    enhanced.write_text("<!DOCTYPE html>\n" + loaded.page.evaluate("document.documentElement.outerHTML"))
    html = enhanced.read_text()
    assert 'role="tablist"' in html and "<dialog" in html
    problems = _problems(_vnu(enhanced)[enhanced.name], html)
    assert [p for p in problems if DIALOG_NOTICE not in p] == []


def test_printing_from_the_browser_shows_every_method_and_no_controls(browser: Any, report: Path) -> None:
    url = report.as_uri()
    loaded = _open(browser, url)
    page = loaded.page
    figures = page.locator("figure.fig-cam").count()
    visible = lambda: page.eval_on_selector_all("figure.fig-cam", VISIBLE_JS)  # noqa: E731
    controls = lambda: page.eval_on_selector_all("[role=tablist], .explore-browse", VISIBLE_JS)  # noqa: E731
    assert visible() < figures and controls() > 0
    page.evaluate("dispatchEvent(new Event('beforeprint'))")
    assert visible() == figures and controls() == 0
    page.evaluate("dispatchEvent(new Event('afterprint'))")
    assert visible() < figures and controls() > 0
    _assert_quiet(loaded, url)


def test_dialogs_fit_a_phone(browser: Any, gallery_report: tuple[Path, str]) -> None:
    path, gallery = gallery_report
    url = path.as_uri()
    loaded = _open(browser, url, viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    page = loaded.page
    for opener in (f'a[href="#{gallery}"][data-gallery]', "figure[data-tiles] .explore-browse"):
        page.locator(opener).first.click()
        assert page.locator("dialog.explore-dialog").evaluate("d => d.open")
        assert page.evaluate(OVERFLOW_JS)["overflowing"] == []
        page.keyboard.press("Escape")
    _assert_quiet(loaded, url)
