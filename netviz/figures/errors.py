"""Figures of the error analysis and the filter exemplars (pictures only; the numbers come from the views).

A gallery is a grid of cards, ``COLS`` to a row: each card the test image above one heatmap
overlay per method, with "true → predicted probability" under it. An exemplar figure gives each
filter one line: its ascent picture, its kernel (where one panel shows it), then the test crops
that excite it most.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from netviz.figures.plots import DPI, FONT, _compact, _figure, colormap, enlarge, overlay, rgb, save_png, stretch, tile
from netviz.io import atomic_path
from netviz.results import gallery_id
from netviz.views.errors import Gallery
from netviz.views.records import Filters

COLS = 8  # cards per row of a gallery
WIDTH = 900  # pixels a gallery is enlarged towards
PAIR_WIDTH = 740  # ... a confused pair's (HTML only, many of them: smaller, but 28 px images still enlarged 3x)


def plot_gallery(images: np.ndarray, maps: Mapping[str, np.ndarray], labels: Sequence[str], path: str | Path,
                 cols: int = COLS, cmap: str = "turbo", width: int = WIDTH) -> Path:
    """PNG of test images (N, H, W, C), each above its maps (title -> (N, H, W) in [0, 1]), labelled below."""
    n, h, w = images.shape[:3]
    scale = max(1, min(8, width // (cols * (w + 2) + 2)))  # from the full row: every gallery's tiles the same size
    cols = max(1, min(cols, n))
    rows = [rgb(images)] + [overlay(images, m, cmap=cmap) for m in maps.values()]
    names = ["input", *maps]
    blank = np.ones((h, w, 3))
    bands = []
    for start in range(0, n, cols):
        part = [np.concatenate([r[start : start + cols], np.tile(blank, (cols - len(r[start : start + cols]), 1, 1, 1))])
                for r in rows]
        bands.append(np.concatenate([tile(p, cols=cols, gap=2) for p in part], axis=0))
    pixels = [np.round(np.clip(enlarge(b, scale), 0, 1) * 255).astype(np.uint8) for b in bands]
    left, cap, row_h = 96, 24, pixels[0].shape[0] // len(rows)
    height = sum(p.shape[0] + cap for p in pixels) + 4
    fig = _figure(left + pixels[0].shape[1] + 8, height)
    y = 2
    for b, block in enumerate(pixels):
        fig.figimage(block, xo=left, yo=height - y - block.shape[0], origin="upper")
        for r, name in enumerate(names):
            fig.text(4 / fig.bbox.width, 1 - (y + (r + 0.5) * row_h) / height, _compact(name, 16), fontsize=FONT - 1,
                     va="center")
        for i, label in enumerate(labels[b * cols : (b + 1) * cols]):
            x = left + (2 + i * (w + 2) + w / 2) * scale
            fig.text(x / fig.bbox.width, 1 - (y + block.shape[0] + 1) / height,
                     "\n".join(_compact(line, 17) for line in label.split("\n")), fontsize=FONT - 1, ha="center",
                     va="top", linespacing=1.0)
        y += block.shape[0] + cap
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI)
    return path


def resize(images: np.ndarray, side: int) -> np.ndarray:
    """(N, h, w, 3) -> (N, side, side, 3) by nearest neighbour: every source pixel stays a sharp block."""
    n, h, w = images.shape[:3]
    rows = np.minimum((np.arange(side) * h) // side, h - 1)
    cols = np.minimum((np.arange(side) * w) // side, w - 1)
    return images[:, rows][:, :, cols]


def exemplar_grid(ascent: np.ndarray, crops: np.ndarray, kernels: np.ndarray | None = None,
                  per_column: int = 16) -> np.ndarray:
    """One line per filter: ascent picture, kernel (if given, (F, kh, kw, 3) RGB), a gap, its crops.

    Lines of more than ``per_column`` filters continue in a second column beside the first."""
    f, k = crops.shape[:2]
    side = max(ascent.shape[1], crops.shape[2], 8)
    head = [resize(rgb(stretch(ascent, axes=(1, 2, 3))), side)]
    if kernels is not None:
        head.append(resize(kernels, side))
    lead = np.stack(head, axis=1)  # (F, 1|2, side, side, 3)
    shots = resize(rgb(crops.reshape(f * k, *crops.shape[2:])), side).reshape(f, k, side, side, 3)
    lines = []
    for j in range(f):
        a, b = tile(lead[j], cols=lead.shape[1], gap=1), tile(shots[j], cols=k, gap=1)
        spacer = np.ones((a.shape[0], 3, 3))
        lines.append(np.concatenate([a, spacer, b], axis=1))
    blocks = [np.concatenate(lines[i : i + per_column], axis=0) for i in range(0, f, per_column)]
    if len(blocks) > 1 and len(blocks[-1]) < len(blocks[0]):
        pad = np.ones((blocks[0].shape[0] - blocks[-1].shape[0], *blocks[-1].shape[1:]))
        blocks[-1] = np.concatenate([blocks[-1], pad], axis=0)
    return tile(np.stack(blocks), cols=len(blocks), gap=8)


def kernel_panels(kernels: np.ndarray | None, composite: np.ndarray | None) -> np.ndarray | None:
    """Each filter's kernel as one RGB panel where one panel shows it: a single input channel on the red-blue
    scale of the layer, or the colour composite of a first layer on RGB; None for deeper layers."""
    if composite is not None:
        return np.asarray(composite, dtype=float)
    if kernels is None or kernels.shape[-1] != 1:
        return None
    peak = float(np.abs(kernels).max()) or 1.0
    return colormap((kernels[..., 0] / peak + 1.0) / 2.0, "RdBu_r")


def plot_exemplars(ascent: np.ndarray, crops: np.ndarray, path: str | Path, kernels: np.ndarray | None = None) -> Path:
    """PNG of :func:`exemplar_grid`."""
    return save_png(exemplar_grid(ascent, crops, kernels), path)


KIND_TITLES = {"mistakes": "Confident mistakes", "unsure": "Least confident right answers",
               "typical": "Most typical right answers", "pair": "Mistakes"}


def gallery_caption(g: Gallery, title: str, explained: str) -> str:
    """What a gallery shows, in the words of its caption: short, the body holds one."""
    n, methods = len(g.images), ", ".join(g.maps) or "no heatmap method"
    what = {"mistakes": f"the {n} test images it gets wrong with the highest probability ({g.count:,} mistakes in all)",
            "unsure": f"its {n} least confident right answers (of {g.count:,})",
            "typical": f"its most confident right answer in each of {n} classes",
            "pair": (f"test images of class {g.pair[0]} taken for {g.pair[1]}, "
                     + (("the only one" if n == 1 else f"all {n:,}") if n == g.count else f"the {n} most confident of {g.count:,}")
                     if g.pair else "")}[g.kind]
    return (f"{KIND_TITLES.get(g.kind, 'Mistakes')} of head {g.head} of {title}: {what}; each with true → predicted "
            f"class and probability, above the maps of the {explained} class by {methods} (from the pass that "
            f"scores the methods).")


def draw_galleries(galleries: Sequence[Gallery], folder: Path, model: str, title: str, explained: str,
                   record: Callable[..., None]) -> None:
    """Every gallery of the model: the three of each head as figures, a confused pair's as an HTML-only one."""
    for g in galleries:
        name = f"errors_{g.head}_{g.kind}" + (f"_{safe(g.pair[0])}_{safe(g.pair[1])}" if g.pair else "")
        path = plot_gallery(g.images, g.maps, g.labels, folder / "errors" / f"{name}.png",
                            width=PAIR_WIDTH if g.pair else WIDTH)
        anchor = gallery_id(model, g.head, *g.pair) if g.pair else (
            "errors-" + safe(f"{model}-{g.head}-mistakes") if g.kind == "mistakes" else None)  # the body's gallery
        record(path, "gallery" if g.pair else "errors", gallery_caption(g, title, explained), head=g.head,
               anchor=anchor)


def safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def draw_exemplars(view: Filters, folder: Path, record: Callable[..., None]) -> None:
    """The layer's filters, each with its ascent picture, kernel and test-image exemplars."""
    ex = view.exemplars
    if ex is None or not len(ex.crops):
        return
    k = view.kernels
    panels = kernel_panels(k.kernels, k.composite) if k is not None and len(k.kernels) == len(view.images) else None
    path = plot_exemplars(view.images, ex.crops, folder / f"exemplars_{view.layer}.png", panels)
    fh, fw = ex.field
    empty = int((ex.images < 0).all(axis=1).sum())
    record(path, "exemplars", (
        f"Dataset exemplars of {view.layer}: for each filter of the filter figure (same order), its ascent picture"
        + (", its kernel" if panels is not None else "")
        + f", then the {ex.crops.shape[1]} test-image crops that excite it most, strongest first, each cut at the "
          f"filter's {fh}x{fw}-pixel receptive field around its strongest cell (one forward pass over the test split)"
        + (f"; {empty} filters answer to no test image (blank)" if empty else "") + "."
    ), layer=view.layer)
