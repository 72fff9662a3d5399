"""SHAPES: circles, squares, triangles and crosses on a noisy background, drawn from a seed.

Example data for the specs in ``specs/examples`` and for ``bench/data.py``: made on
the spot (never downloaded), with the mask of every shape so heatmaps can be
scored against where the object really is. Written as a class-folder set of PNG
files or as an ``arrays`` .npz.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

CLASSES = ("circle", "square", "triangle", "cross")


def _outline(kind: str, x0: int, y0: int, side: int) -> list[tuple[str, object]]:
    """ImageDraw calls (method, coordinates) that fill one shape in the box at (x0, y0) of ``side`` px."""
    x1, y1 = x0 + side - 1, y0 + side - 1
    if kind == "circle":
        return [("ellipse", [x0, y0, x1, y1])]
    if kind == "square":
        return [("rectangle", [x0, y0, x1, y1])]
    if kind == "triangle":
        return [("polygon", [(x0 + (side - 1) / 2, y0), (x0, y1), (x1, y1)])]
    bar = max(2, side // 3)
    mid = (side - bar) // 2
    return [("rectangle", [x0 + mid, y0, x0 + mid + bar - 1, y1]), ("rectangle", [x0, y0 + mid, x1, y0 + mid + bar - 1])]


def draw_shapes(per_class: int, size: int = 28, channels: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, size, size, channels) uint8 images, (N,) labels in class order, (N, size, size) bool masks."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    masks = np.zeros((n, size, size), dtype=bool)
    canvas = Image.new("L", (size, size))
    pen = ImageDraw.Draw(canvas)
    for i, label in enumerate(labels):
        side = int(rng.integers(size // 3, size * 2 // 3 + 1))
        x0, y0 = (int(v) for v in rng.integers(0, size - side + 1, 2))
        pen.rectangle([0, 0, size, size], fill=0)
        for method, box in _outline(CLASSES[label], x0, y0, side):
            getattr(pen, method)(box, fill=255)
        masks[i] = np.asarray(canvas) > 0
    noise = rng.integers(0, 70, (n, size, size, channels), dtype=np.uint8)
    colour = rng.integers(150, 256, (n, 1, 1, channels), dtype=np.uint8)
    images = np.where(masks[..., None], colour, noise).astype(np.uint8)
    return images, labels, masks


def write_folder(out: Path, per_class: int, size: int = 28, channels: int = 1, seed: int = 0) -> int:
    """One subfolder of PNG files per class, written to a temporary folder and renamed into place."""
    from PIL import Image

    out = Path(out)
    images, labels, _ = draw_shapes(per_class, size, channels, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in CLASSES:
            (tmp / name).mkdir()
        for i, (image, label) in enumerate(zip(images, labels)):
            Image.fromarray(image[..., 0] if channels == 1 else image).save(tmp / CLASSES[label] / f"{i:06d}.png")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(images)


def write_npz(out: Path, per_class: int, size: int = 28, channels: int = 3, seed: int = 0) -> int:
    """An ``arrays`` .npz: x, y, class_names and masks."""
    out = Path(out)
    images, labels, masks = draw_shapes(per_class, size, channels, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, x=images, y=labels, class_names=np.array(CLASSES), masks=masks)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(images)


# ------------------------------------------------------------------ SHORTCUT: a faint mark gives the class away

CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))  # (bottom?, right?) of the mark's corner: class i -> CORNERS[i]
MARK_LEVEL = (130, 146)  # the mark's grey level: above the noise (0-69), well below the shapes (150-255)


def _marks(corners: np.ndarray, size: int, mark: int) -> np.ndarray:
    """(N, size, size) bool: a ``mark`` px square one pixel in from the corner each row of ``corners`` names."""
    lo, hi = 1, size - 1 - mark
    top = np.where(corners[:, 0] == 1, hi, lo)
    left = np.where(corners[:, 1] == 1, hi, lo)
    rows, cols = np.arange(size)[None, :, None], np.arange(size)[None, None, :]
    inside_rows = (rows >= top[:, None, None]) & (rows < top[:, None, None] + mark)
    inside_cols = (cols >= left[:, None, None]) & (cols < left[:, None, None] + mark)
    return inside_rows & inside_cols


def draw_shortcut(per_class: int, size: int = 28, seed: int = 0, moved: bool = False,
                  mark: int = 4, style: str = "solid", swap: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SHAPES with a shortcut: (N, size, size, 1) uint8 images, (N,) labels, (N, size, size) masks of the mark.

    Each image holds a shape kept clear of the corners and a faint ``mark`` px square in
    the corner its class names (circle top left, square top right, triangle bottom left,
    cross bottom right), so the class can be read from the mark alone. The mask is the
    mark's, not the shape's: the pointing game then asks whether a heatmap sits on the
    mark. ``moved`` puts each mark in one of the three other corners, drawn at random:
    the mark then names a wrong class, and only a network that reads the shape stays right.
    """
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    shapes = np.zeros((n, size, size), dtype=bool)
    canvas = Image.new("L", (size, size))
    pen = ImageDraw.Draw(canvas)
    clear = mark + 2  # the shape's box stays this far from every edge: off the marks and their Sobel borders
    for i, label in enumerate(labels):
        side = int(rng.integers(size // 3, size - 2 * clear + 1))
        x0, y0 = (int(v) for v in rng.integers(clear, size - clear - side + 1, 2))
        pen.rectangle([0, 0, size, size], fill=0)
        for method, box in _outline(CLASSES[label], x0, y0, side):
            getattr(pen, method)(box, fill=255)
        shapes[i] = np.asarray(canvas) > 0
    corner = labels if not moved else (labels + rng.integers(1, len(CORNERS), n)) % len(CORNERS)
    masks = _marks(np.array(CORNERS)[corner], size, mark)
    if style.startswith("bracket"):
        t = int(style[-1])
        inner = _marks(np.array(CORNERS)[corner], size, mark)  # full square; keep the two sides by the corner
        cs = np.array(CORNERS)[corner]
        rr, cc = np.arange(size)[None, :, None], np.arange(size)[None, None, :]
        top = np.where(cs[:, 0] == 1, size - 1 - mark, 1)[:, None, None]
        left = np.where(cs[:, 1] == 1, size - 1 - mark, 1)[:, None, None]
        near_r = np.where(cs[:, 0][:, None, None] == 1, rr >= top + mark - t, rr < top + t)
        near_c = np.where(cs[:, 1][:, None, None] == 1, cc >= left + mark - t, cc < left + t)
        masks = inner & (near_r | near_c)
        style = "checker"
    noise = rng.integers(0, 70, (n, size, size), dtype=np.uint8)
    colour = rng.integers(150, 256, (n, 1, 1), dtype=np.uint8)
    level = rng.integers(*MARK_LEVEL, (n, 1, 1), dtype=np.uint8)
    r, c = np.arange(size)[:, None], np.arange(size)[None, :]
    pats = np.stack([np.broadcast_to(p, (size, size)) for p in (np.ones((1, 1), bool), (r + c) % 2 == 0, (r // 2 + c // 2) % 2 == 0, (r + c) % 3 == 0, (r - c) % 3 == 0)])
    which = ((corner if swap else labels) + 1) if style == "class" else np.full(n, {"solid": 0, "checker": 1}[style])
    lit = masks & pats[which]
    images = np.where(shapes, colour, np.where(lit, level, np.where(masks, 0, noise))).astype(np.uint8)
    return images[..., None], labels, masks


def write_shortcut(out: Path, per_class: int, size: int = 28, seed: int = 0, moved: bool = False, **kw) -> int:
    """An ``arrays`` .npz of :func:`draw_shortcut`: x, y, class_names and masks (the mark's)."""
    images, labels, masks = draw_shortcut(per_class, size, seed, moved, **kw)
    _save_npz(Path(out), x=images, y=labels, class_names=np.array(CLASSES), masks=masks)
    return len(images)


def _save_npz(out: Path, **arrays: np.ndarray) -> None:
    """Write a compressed .npz to a temporary file beside ``out`` and rename it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
