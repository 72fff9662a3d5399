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


def _shape_masks(kinds: np.ndarray, size: int, rng: np.random.Generator, sides: tuple[int, int],
                 margin: int) -> np.ndarray:
    """(N, size, size) bool masks, one shape of class ``kinds[i]`` each: side in ``sides`` (inclusive),
    its box at least ``margin`` px from every edge; side then position drawn per image, in that order."""
    from PIL import Image, ImageDraw

    masks = np.zeros((len(kinds), size, size), dtype=bool)
    canvas = Image.new("L", (size, size))
    pen = ImageDraw.Draw(canvas)
    for i, kind in enumerate(kinds):
        side = int(rng.integers(sides[0], sides[1] + 1))
        x0, y0 = (int(v) for v in rng.integers(margin, size - margin - side + 1, 2))
        pen.rectangle([0, 0, size, size], fill=0)
        for method, box in _outline(CLASSES[kind], x0, y0, side):
            getattr(pen, method)(box, fill=255)
        masks[i] = np.asarray(canvas) > 0
    return masks


def draw_shapes(per_class: int, size: int = 28, channels: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, size, size, channels) uint8 images, (N,) labels in class order, (N, size, size) bool masks."""
    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    masks = _shape_masks(labels, size, rng, (size // 3, size * 2 // 3), margin=0)
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
    images, labels, masks = draw_shapes(per_class, size, channels, seed)
    _save_npz(Path(out), x=images, y=labels, class_names=np.array(CLASSES), masks=masks)
    return len(images)


# ------------------------------------------------------------------ SHORTCUT: a faint mark gives the class away

CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))  # (bottom?, right?): class i's mark sits in corner CORNERS[i]


def corner_marks(corners: np.ndarray, size: int, mark: int, inset: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(N, size, size) bool masks of a right triangle with legs of ``mark`` px, its right angle ``inset`` px in
    from the corner each row of ``corners`` names (so each mark points at its corner), and of the pixels lit in
    it: a checkerboard that starts lit at the right angle, so the four marks are turns of one another."""
    rows, cols = np.arange(size)[None, :, None], np.arange(size)[None, None, :]
    bottom, right = corners[:, 0, None, None] == 1, corners[:, 1, None, None] == 1
    down = np.where(bottom, size - 1 - inset - rows, rows - inset)  # px from the corner's edge, inwards
    across = np.where(right, size - 1 - inset - cols, cols - inset)
    return (down >= 0) & (across >= 0) & (down + across < mark), (down + across) % 2 == 0


def draw_shortcut(per_class: int, size: int = 28, seed: int = 0, moved: bool = False, mark: int = 7,
                  sides: tuple[int, int] = (6, 10), level: tuple[int, int] = (100, 126),
                  bright: tuple[int, int] = (130, 170), agree: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SHAPES with a shortcut: (N, size, size, 1) uint8 images, (N,) labels, (N, size, size) masks of the mark.

    Each image holds a small shape (``sides`` px, grey ``bright``) kept clear of the corners and, in the
    corner its class names (circle top left, square top right, triangle bottom left, cross bottom right),
    a small corner triangle of checkerboard pixels at a grey ``level`` below the shape's: the class can be
    read from the mark alone, and a small network finds the mark easier to read than the shape. A
    one-pixel checkerboard has no edges inside it for a Sobel filter (each pixel's neighbours two apart
    are equal), so the edge baseline finds the shape, not the mark. The mask is the mark's, not the
    shape's: the pointing game asks whether a heatmap sits on the mark. ``moved`` puts each mark in one
    of the three other corners, drawn at random (turned to fit it): it then names a wrong class, and
    only a network that reads the shape stays right. ``agree`` is the share of images whose shape is of their
    class; the rest get a shape of another class, drawn at random (from a stream of their own, so ``agree=1``
    draws the same images as without it): the mark then gives the class away in every image and the shape
    in most, which leaves the mark the one cue every class can be read from, rather than one class being
    told by the absence of the other three marks and its shape (as a seed now and then learned).
    """
    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    other = np.random.default_rng([seed, 1])  # its own stream: agree=1 draws the same images as before
    swap = other.random(n) >= agree
    kinds = np.where(swap, (labels + other.integers(1, len(CLASSES), n)) % len(CLASSES), labels)
    clear = (size - sides[1]) // 2  # the shape's box stays in the middle, clear of the corners
    shapes = _shape_masks(kinds, size, rng, sides, margin=clear)
    corner = labels if not moved else (labels + rng.integers(1, len(CORNERS), n)) % len(CORNERS)
    masks, checker = corner_marks(np.array(CORNERS)[corner], size, mark)
    noise = rng.integers(0, 70, (n, size, size), dtype=np.uint8)
    colour = rng.integers(*bright, (n, 1, 1), dtype=np.uint8)
    grey = rng.integers(*level, (n, 1, 1), dtype=np.uint8)
    images = np.where(shapes, colour, np.where(masks, np.where(checker, grey, 0), noise)).astype(np.uint8)
    return images[..., None], labels, masks


def write_shortcut(out: Path, per_class: int, size: int = 28, seed: int = 0, moved: bool = False,
                   agree: float = 1.0) -> int:
    """An ``arrays`` .npz of :func:`draw_shortcut`: x, y, class_names and masks (the mark's)."""
    images, labels, masks = draw_shortcut(per_class, size, seed, moved, agree=agree)
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
