"""Does anything stick out of the page? Boxes of a laid-out PDF checked against the text block.

A table wider than the text block, or a path that cannot break, is drawn past the
margin and, worse, past the paper's edge, where a reader loses it. WeasyPrint's
layout tells where every box ended up: ``overflows`` walks each page's box tree and
returns every box whose border edge crosses the right or bottom edge of the page's
content area (the running header and footer live in the margin and are left out).
"""

from __future__ import annotations

from dataclasses import dataclass

# Rounding in the layout engine (CSS px); far below anything a reader can see.
TOLERANCE_PX = 0.5


@dataclass(frozen=True)
class Overflow:
    """One box past the text block: where, what, and by how much (CSS px, 1/96 in)."""

    page: int
    edge: str
    by_px: float
    box: str
    text: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.box} {self.text!r} crosses the {self.edge} edge by {self.by_px:.1f}px"


def _describe(box) -> tuple[str, str]:
    tag = getattr(box, "element_tag", None) or ""
    classes = box.element.get("class", "") if getattr(box, "element", None) is not None else ""
    text = getattr(box, "text", None)
    if text is None:
        text = " ".join(t for t in (getattr(b, "text", None) for b in box.descendants()) if t)
    name = type(box).__name__ + (f" <{tag}{' class=' + classes if classes else ''}>" if tag else "")
    return name, text[:60]


def page_overflows(number: int, page_box) -> list[Overflow]:
    """Boxes of one page whose border box ends right of or below its content area."""
    from weasyprint.formatting_structure.boxes import MarginBox

    right = page_box.content_box_x() + page_box.width
    bottom = page_box.content_box_y() + page_box.height
    found = []
    for child in page_box.children:
        if isinstance(child, MarginBox):
            continue
        for box in child.descendants():
            width, height = box.border_width(), box.border_height()
            if width <= 0 and height <= 0:
                continue
            x, y = box.border_box_x(), box.border_box_y()
            for edge, by in (("right", x + width - right), ("bottom", y + height - bottom)):
                if by > TOLERANCE_PX:
                    found.append(Overflow(number, edge, by, *_describe(box)))
    return found


def overflows(document) -> list[Overflow]:
    """Every box of a rendered WeasyPrint ``Document`` that crosses the text block's right or bottom edge."""
    return [o for number, page in enumerate(document.pages, 1) for o in page_overflows(number, page._page_box)]


def laid_out(spec, spec_path, results, out_dir):
    """The report of a build, laid out into pages exactly as ``report.pdf`` is (a WeasyPrint Document)."""
    from pathlib import Path

    from netviz.document.pdf import pdf_document
    from netviz.document.render import build_html, bundled_fonts, template_dirs

    html = build_html(spec, Path(spec_path), results, Path(out_dir))
    return pdf_document(html, Path(out_dir), template_dirs(spec, Path(spec_path)), bundled_fonts())


# A body page less full than this reads as a gap, unless a major section ends on it.
MIN_FILL = 1 / 3


def _elements(page_box) -> list:
    """The HTML elements with a box on the page, in order."""
    return [box.element for box in page_box.descendants()
            if getattr(box, "element", None) is not None and getattr(box, "element_tag", None)]


def _starts_major_section(page_box) -> bool:
    """Whether a major section (one that starts on a new page) begins here: its first child is on the page."""
    elements = _elements(page_box)
    present = {id(e) for e in elements}
    for element in elements:
        if element.tag == "section" and "major" in element.get("class", "").split():
            first = next(iter(element), None)
            if first is not None and id(first) in present:
                return True
    return False


def page_fill(page_box) -> float:
    """Share of the text block's height that the page's content reaches down to (0 to 1)."""
    from weasyprint.formatting_structure.boxes import (
        LineBox,
        MarginBox,
        ReplacedBox,
        TableRowBox,
    )

    top, height = page_box.content_box_y(), page_box.height
    bottoms = [box.border_box_y() + box.border_height() for child in page_box.children
               if not isinstance(child, MarginBox) for box in child.descendants()
               if isinstance(box, (LineBox, ReplacedBox, TableRowBox))]
    return max((b - top for b in bottoms), default=0.0) / height


def sparse_body_pages(document, min_fill: float = MIN_FILL) -> list[tuple[int, float]]:
    """Body pages (after the contents, before the appendix) filled less than ``min_fill``,
    leaving out the last page before a major section (which starts on a new page) and the last body page."""
    pages = [page._page_box for page in document.pages]
    starts_major = [_starts_major_section(p) for p in pages]
    appendix = next((i for i, p in enumerate(pages) if any(e.get("id") == "sec-appendix" for e in _elements(p))), len(pages))
    sparse = []
    for i in range(2, appendix - 1):
        fill = page_fill(pages[i])
        if fill < min_fill and not starts_major[i + 1]:
            sparse.append((i + 1, round(fill, 2)))
    return sparse


def stranded_captions(document) -> list[tuple[int, str]]:
    """(page, caption text) of every table caption laid out on a page that holds none of its table's rows.

    A caption is a table's ``<caption>`` or a ``p.tcaption`` written just before its table
    (the confusion matrices); a page that ends with one leaves the grader a title without a table.
    """
    pages = [page._page_box for page in document.pages]
    root = next((box.element for page in pages for box in page.descendants()
                 if getattr(box, "element_tag", None) == "html"), None)
    parents = {} if root is None else {id(child): parent for parent in root.iter() for child in parent}
    stranded = []
    for number, page in enumerate(pages, 1):
        elements = _elements(page)
        present = {id(e) for e in elements}
        for element in dict.fromkeys(elements):  # a caption has a box per line: judge it once
            table = _captioned_table(element, parents)
            if table is not None and not any(id(row) in present for row in table.iter("tr")):
                stranded.append((number, " ".join("".join(element.itertext()).split())[:60]))
    return stranded


def _captioned_table(element, parents: dict):
    """The table a caption element belongs to (None for any other element)."""
    if element.tag == "caption":
        return parents.get(id(element))
    if element.tag == "p" and "tcaption" in element.get("class", "").split():
        siblings = list(parents.get(id(element), []))
        following = siblings[siblings.index(element) + 1:][:1] if element in siblings else []
        return next((t for s in following for t in ([s] if s.tag == "table" else s.iter("table"))), None)
    return None


def body_pages(document) -> int:
    """How many pages the body fills: from the page after the contents to the one before the appendix.

    The title page and the contents are not the body; a grader reads these pages, the appendix only on demand.
    """
    def pages_with(test) -> list[int]:
        return [number for number, page in enumerate(document.pages)
                if any(test(e) for e in _elements(page._page_box))]
    front = pages_with(lambda e: e.tag in ("header", "nav") and e.get("class") in ("title-page", "contents"))
    appendix = pages_with(lambda e: e.get("id") == "appendix")
    return (appendix[0] if appendix else len(document.pages)) - (front[-1] + 1 if front else 0)
