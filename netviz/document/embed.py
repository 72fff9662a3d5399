"""Figures as data URIs, their display size, and a tiny PNG encoder.

The HTML report is one self-contained file, so every figure is inlined; the same
HTML feeds WeasyPrint, so the PDF needs no file access for images at all. Figure
paths come from the build results and are confined to the build folder: a path that
escapes it (``../../etc/passwd``) is an error, not a read.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from pathlib import Path

from netviz.document.errors import ReportError
from netviz.results import FigureRecord

MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
GRID_KINDS = frozenset({"activations", "filters", "kernels", "exemplars"})
TEXT_WIDTH_PX = 640  # the PDF text block (A4 less margins) in CSS pixels, roughly
MAX_GRAPH_HEIGHT_PT = 420  # about 150 mm: a graph and the heading above it share a page
MAX_HEIGHT_PX = 760  # a figure plus its caption must fit on one A4 page
MAX_FIGURE_BYTES = 20_000_000
INLINE_KINDS = frozenset({"architecture"})  # SVGs put into the page as they are, so that their links work
TEXT_WIDTH_PT = 480
SMALL_PX = 480


@dataclass(frozen=True)
class Figure:
    """One figure ready for a template: inline source, caption, and how to size it."""

    src: str
    caption: str
    kind: str
    layer: str | None
    head: str | None
    method: str | None
    width: int | None
    height: int | None
    crisp: bool
    width_pct: int
    svg: str | None = None  # an SVG drawn inline (its links work), not as an image: the architecture graph
    anchor: str | None = None  # the id the architecture graph links to
    switch: str | None = None  # HTML only: figures with the same key are one method each, shown as tabs
    tab: str | None = None  # HTML only: this figure's tab label (its method's title)
    tiles: str | None = None  # HTML only: a filter grid's layout as JSON, for the filter viewer


def resolve_inside(root: Path, relative: str) -> Path:
    """``root / relative`` if it stays inside ``root`` (symlinks resolved), else an error."""
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ReportError(f"figure path {relative!r} points outside the build folder")
    if not path.is_file():
        raise ReportError(f"figure {relative!r} listed in metrics.json is missing from {root}")
    return path


def data_uri(data: bytes, mime: str) -> str:
    """RFC 2397 base64 data URI."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk; None when the bytes are not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def display_width(width: int | None, height: int | None, crisp: bool) -> int:
    """Share of the text width (percent) a figure should take.

    Pixel grids are small images (a few hundred pixels) that must be enlarged to be
    read, so they get 2-4 CSS px per image px up to the full width; plots at screen
    resolution are shown near their natural size but never below 45%. Tall images
    are narrowed so that figure and caption still fit on one page.
    """
    if not width or not height:
        return 100
    scale = 4 if crisp and width <= 240 else (2 if crisp else 1)
    share = max(45, min(100, round(100 * width * scale / TEXT_WIDTH_PX)))
    fits = int(100 * MAX_HEIGHT_PX * width / (height * TEXT_WIDTH_PX))
    return max(20, min(share, fits))


def inline_width(svg: bytes) -> int:
    """Share of the text width an inline SVG takes: its natural width, at most the whole text block, and
    narrower where it is tall (many heads fanned out), so that it fits a page beside its heading."""
    import re

    width = re.search(rb'<svg[^>]*\bwidth="([\d.]+)pt"', svg)
    if width is None:
        return 100
    share = 100 * float(width.group(1)) / TEXT_WIDTH_PT
    height = re.search(rb'<svg[^>]*\bheight="([\d.]+)pt"', svg)
    if height is not None:
        share = min(share, 100 * MAX_GRAPH_HEIGHT_PT * float(width.group(1)) / (float(height.group(1)) * TEXT_WIDTH_PT))
    return max(20, min(100, round(share)))


def is_pixel_image(kind: str, size: tuple[int, int] | None) -> bool:
    """True for raw pixel pictures that must be enlarged without smoothing.

    Activation, filter and kernel grids always are; any other small PNG (a few
    28 x 28 heatmap tiles) is too, since bilinear upscaling would only blur it.
    Rendered plots (curves, large matplotlib figures) keep smooth scaling.
    """
    if size is None or kind == "curves" or size[0] > 1200:
        return False
    return kind in GRID_KINDS or size[0] <= SMALL_PX


def load_figure(out_dir: Path, entry: FigureRecord) -> Figure:
    """Read one ``visualization.figures`` entry into a :class:`Figure`."""
    path = resolve_inside(out_dir, entry.path)
    mime = MIME.get(path.suffix.lower())
    if mime is None:
        raise ReportError(f"figure {entry.path!r}: unsupported image type {path.suffix!r}")
    if path.stat().st_size > MAX_FIGURE_BYTES:
        raise ReportError(f"figure {entry.path!r} is larger than {MAX_FIGURE_BYTES:,} bytes")
    data = path.read_bytes()
    if entry.kind in INLINE_KINDS:
        return Figure(src="", caption=entry.caption, kind=entry.kind, layer=None, head=None, method=None, width=None,
                      height=None, crisp=False, width_pct=inline_width(data), svg=data.decode("utf-8"))
    size = png_size(data) if mime == "image/png" else None
    crisp = is_pixel_image(entry.kind, size)
    return Figure(
        src=data_uri(data, mime),
        caption=entry.caption,
        kind=entry.kind,
        layer=entry.layer,
        head=entry.head,
        method=entry.method,
        width=size[0] if size else None,
        height=size[1] if size else None,
        crisp=crisp,
        width_pct=display_width(*(size or (None, None)), crisp),
        anchor=entry.anchor,
    )


def encode_png(rows: list[list[tuple[int, int, int]]]) -> bytes:
    """Encode RGB rows as a PNG with Pillow, as netviz.figures.plots does; the bytes are deterministic."""
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rows, dtype=np.uint8), mode="RGB").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
