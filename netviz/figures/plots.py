"""Every figure netviz draws; no numbers are computed here, only pictures of them.

Image grids are assembled as numpy arrays at native pixel size, enlarged by an
integer factor with nearest-neighbour repetition and written with Pillow: crisp
pixels and small files, with no resampling by a plotting library. Figures that
need text or a colour bar use matplotlib's object API on an Agg canvas (no pyplot,
no global backend switch) and place the pixel grid with ``figimage`` at the
figure's own dpi, so it is not resampled either. Line plots are SVG, written with a
fixed ``svg.hashsalt`` and no date, so the same data gives byte-identical files.
Everything is sized to stay legible at about 16 cm wide in the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection, Mapping, Sequence

import numpy as np

from netviz.io import atomic_path

TARGET_WIDTH = 1200  # pixels a grid is enlarged towards
MAX_SCALE = 8
BAND = 16  # channels per band in an activation grid
WHITE = (1.0, 1.0, 1.0)
DEAD_FRAME = (0.85, 0.1, 0.1)
DPI = 100
FONT = 8
FILTER_COLS = 8  # filter images per row of a filter grid
FILTER_GAP = 2  # pixels between them (room for the red frame of a dead filter)


# ------------------------------------------------------------------ pixels

def colormap(values: np.ndarray, name: str) -> np.ndarray:
    """Values in [0, 1] -> RGB floats through a named matplotlib colormap."""
    import matplotlib

    return np.asarray(matplotlib.colormaps[name](np.clip(np.asarray(values, dtype=float), 0.0, 1.0)))[..., :3]


def rgb(images: np.ndarray) -> np.ndarray:
    """(..., H, W, 1|3) or (..., H, W) images in [0, 1] -> (..., H, W, 3)."""
    images = np.asarray(images, dtype=np.float64)
    if images.shape[-1] == 3:
        return images
    if images.shape[-1] == 1:
        images = images[..., 0]
    return np.repeat(images[..., None], 3, axis=-1)


def stretch(values: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
    """Min-max scale to [0, 1] over ``axes`` (all by default); a flat block becomes 0."""
    values = np.asarray(values, dtype=np.float64)
    lo = values.min(axis=axes, keepdims=True)
    span = values.max(axis=axes, keepdims=True) - lo
    return np.divide(values - lo, span, out=np.zeros_like(values), where=span > 0)


def tile(tiles: np.ndarray, cols: int, gap: int = 1, fill: Sequence[float] = WHITE,
         frames: Sequence[Sequence[float] | None] | None = None) -> np.ndarray:
    """Lay (n, h, w, 3) tiles out row by row, ``cols`` per row, ``gap`` pixels apart.

    ``frames[i]``, when given, colours the gap around tile i (used to mark dead filters).
    """
    n, h, w = tiles.shape[:3]
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    grid = np.empty((rows * (h + gap) + gap, cols * (w + gap) + gap, 3))
    grid[:] = fill
    for i in range(n):
        y, x = gap + (i // cols) * (h + gap), gap + (i % cols) * (w + gap)
        if frames is not None and frames[i] is not None and gap:
            grid[y - gap : y + h + gap, x - gap : x + w + gap] = frames[i]
        grid[y : y + h, x : x + w] = tiles[i]
    return grid


def stack(blocks: Sequence[np.ndarray], gap: int, fill: Sequence[float] = WHITE) -> np.ndarray:
    """Stack grids of equal width vertically, ``gap`` pixels apart."""
    width = max(b.shape[1] for b in blocks)
    parts = []
    for k, block in enumerate(blocks):
        if k:
            parts.append(np.tile(np.asarray(fill, dtype=float), (gap, width, 1)))
        pad = np.tile(np.asarray(fill, dtype=float), (block.shape[0], width - block.shape[1], 1))
        parts.append(np.concatenate([block, pad], axis=1))
    return np.concatenate(parts, axis=0)


def auto_scale(width: int, target: int = TARGET_WIDTH) -> int:
    """The integer enlargement that brings a grid ``width`` pixels wide closest to ``target`` from below."""
    return int(max(1, min(MAX_SCALE, target // max(1, width))))


def enlarge(grid: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement by an integer factor: every pixel becomes a scale x scale block."""
    return np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)


def save_png(grid: np.ndarray, path: str | Path, scale: int | None = None) -> Path:
    """Write an (H, W, 3) float grid in [0, 1] as an 8-bit PNG, enlarged by ``scale`` (auto if None)."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scale = scale or auto_scale(grid.shape[1])
    pixels = np.round(np.clip(enlarge(grid, scale), 0.0, 1.0) * 255).astype(np.uint8)
    with atomic_path(path) as tmp:
        Image.fromarray(pixels, mode="RGB").save(tmp, format="PNG", optimize=True)
    return path


# ------------------------------------------------------------------ grids

def activation_grid(maps: np.ndarray, band: int = BAND, cmap: str = "viridis") -> np.ndarray:
    """Rows = images, columns = channels, in bands of ``band`` channels stacked downwards.

    One colour scale (the layer's min to max over all shown images and channels)
    for the whole layer, so channels can be compared and dead ones look empty.
    Every channel is shown, however many there are.
    """
    n, h, w, c = maps.shape
    colours = colormap(stretch(maps), cmap)  # (N, h, w, C, 3)
    blocks = []
    for start in range(0, c, band):
        part = colours[:, :, :, start : start + band].transpose(0, 3, 1, 2, 4)  # (N, b, h, w, 3)
        blocks.append(tile(part.reshape(-1, h, w, 3), cols=part.shape[1]))
    return stack(blocks, gap=3)


def plot_activations(maps: np.ndarray, path: str | Path, band: int = BAND, scale: int | None = None) -> Path:
    """PNG of one layer's (N, h, w, C) activations (see :func:`activation_grid`)."""
    return save_png(activation_grid(maps, band), path, scale)


def filter_grid(images: np.ndarray, dead: np.ndarray | None = None, cols: int = FILTER_COLS) -> np.ndarray:
    """(F, H, W, C) optimized inputs, each stretched to its own range; dead filters framed in red."""
    tiles = rgb(stretch(images, axes=(1, 2, 3)))
    frames = None if dead is None else [DEAD_FRAME if d else None for d in dead]
    return tile(tiles, cols=cols, gap=FILTER_GAP, frames=frames)


def filter_grid_layout(width: int, height: int, n: int, tile: tuple[int, int]) -> tuple[int, int] | None:
    """Where the ``n`` filter images of ``tile`` (height, width) pixels lie in a ``width`` x ``height`` PNG
    that :func:`plot_filters` wrote: (scale, columns), filter image i at
    ``scale * (gap + (i % cols) * (tile width + gap))`` across; None when that grid does not give the size.

    The report's filter viewer cuts single filter images out of the grid picture with it. The tile size
    is needed: the picture's size alone fits several layouts (5 tiles of 28 px at scale 7, of 104 px at 2).
    """
    cols = max(1, min(FILTER_COLS, n))
    rows = -(-n // cols)
    grid_w, grid_h = cols * (tile[1] + FILTER_GAP) + FILTER_GAP, rows * (tile[0] + FILTER_GAP) + FILTER_GAP
    scale = width // grid_w
    if scale < 1 or (width, height) != (scale * grid_w, scale * grid_h):
        return None
    return scale, cols


def plot_filters(images: np.ndarray, path: str | Path, dead: np.ndarray | None = None, scale: int | None = None) -> Path:
    """PNG of a layer's activation-maximization images (see :func:`filter_grid`)."""
    return save_png(filter_grid(images, dead), path, scale)


def kernel_grid(kernels: np.ndarray, composite: np.ndarray | None = None, cmap: str = "RdBu_r") -> np.ndarray:
    """One panel per filter and input channel (+ an RGB composite), blocks of panels per filter.

    Weights share one symmetric diverging scale for the layer: white is 0, red
    positive, blue negative. ``composite`` (F, kh, kw, 3) is appended as the last panel.
    """
    f, kh, kw, cin = kernels.shape
    peak = float(np.abs(kernels).max()) or 1.0
    panels = colormap((kernels / peak + 1.0) / 2.0, cmap).transpose(0, 3, 1, 2, 4)  # (F, Cin, kh, kw, 3)
    if composite is not None:
        panels = np.concatenate([panels, np.asarray(composite, dtype=float)[:, None]], axis=1)
    per_filter = panels.shape[1]
    blocks = np.stack([tile(p, cols=per_filter, gap=1) for p in panels])
    return tile(blocks, cols=max(1, BAND // per_filter), gap=3)


def plot_kernels(kernels: np.ndarray, path: str | Path, composite: np.ndarray | None = None, scale: int | None = None) -> Path:
    """PNG of a conv layer's raw (F, kh, kw, Cin) kernels (see :func:`kernel_grid`)."""
    return save_png(kernel_grid(kernels, composite), path, scale)


def overlay(images: np.ndarray, maps: np.ndarray, alpha: float = 0.5, cmap: str = "turbo") -> np.ndarray:
    """(N, H, W, 3): the heatmap blended over the image."""
    return (1.0 - alpha) * rgb(images) + alpha * colormap(maps, cmap)


# ------------------------------------------------------------------ matplotlib figures

def _figure(width_px: float, height_px: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _compact(label: object, limit: int = 20) -> str:
    """A class name short enough for a tile caption: "15 px, 3 px, 165°, blue" -> "15px 3px 165° blue"."""
    text = str(label).replace(" px", "px").replace(", ", " ")
    wrong = text.endswith(" (wrong)")
    text = text.removesuffix(" (wrong)")
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text + " ✗" if wrong else text


def plot_cam(
    images: np.ndarray,
    maps: Mapping[str, np.ndarray],
    path: str | Path,
    image_labels: Sequence[str] | None = None,
    map_labels: Mapping[str, Sequence[str]] | None = None,
    title: str | None = None,
    scale: int | None = None,
    cmap: str = "turbo",
) -> Path:
    """PNG: the inputs in the top row, then one row of heatmap overlays per head, and a colour bar.

    ``maps`` are (N, H, W) in [0, 1] at input size, one entry per head.
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    n, h, w = images.shape[:3]
    for head, m in maps.items():
        if m.shape != (n, h, w):
            raise ValueError(f"maps for {head!r} have shape {m.shape}, expected {(n, h, w)} (upsample first)")
    rows = [rgb(images)] + [overlay(images, m, cmap=cmap) for m in maps.values()]
    grid = np.concatenate([tile(r, cols=n, gap=2) for r in rows], axis=0)
    scale = scale or auto_scale(grid.shape[1], 900)
    pixels = np.round(np.clip(enlarge(grid, scale), 0, 1) * 255).astype(np.uint8)
    left, right, top, cap = 90, 80, 26 if title else 8, 14
    row_h = pixels.shape[0] // len(rows)
    height = top + pixels.shape[0] + cap * len(rows)
    fig = _figure(left + pixels.shape[1] + right, height)
    # one caption strip under every row: draw each row separately, shifted down by the strips above
    for r in range(len(rows)):
        y_top = top + r * (row_h + cap)
        fig.figimage(pixels[r * row_h : (r + 1) * row_h], xo=left, yo=height - y_top - row_h, origin="upper")
        name = "input" if r == 0 else list(maps)[r - 1]
        fig.text(4 / fig.bbox.width, 1 - (y_top + row_h / 2) / height, name, fontsize=FONT, va="center")
        labels = image_labels if r == 0 else (map_labels or {}).get(name)
        for i, label in enumerate(labels or []):
            x = left + (2 + i * (w + 2) + w / 2) * scale
            fig.text(x / fig.bbox.width, 1 - (y_top + row_h + 1) / height, _compact(label),
                     fontsize=FONT - 1, ha="center", va="top")
    if title:
        fig.text(0.5, 1 - 4 / height, title, fontsize=FONT + 1, ha="center", va="top")
    bar = fig.add_axes([(left + pixels.shape[1] + 16) / fig.bbox.width, cap / height, 12 / fig.bbox.width,
                        (height - top - 2 * cap) / height])
    fig.colorbar(ScalarMappable(Normalize(0, 1), cmap), cax=bar).ax.tick_params(labelsize=FONT - 1)
    bar.set_ylabel("relevance (per image)", fontsize=FONT - 1)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI)
    return path


def plot_predictions(images: np.ndarray, names: Sequence[str], top: Sequence[Sequence[tuple[str, float]]],
                     path: str | Path, cols: int = 6, side: int = 120) -> Path:
    """PNG: each image (its file name above) with its most probable classes and probabilities below."""
    n = len(images)
    cols = min(cols, n)
    rows = -(-n // cols)
    lines = max((len(t) for t in top), default=0)
    cell_w, cell_h = side + 40, 14 + side + 11 * lines + 8
    fig = _figure(cols * cell_w, rows * cell_h)
    width, height = cols * cell_w, rows * cell_h
    for i, (image, name, best) in enumerate(zip(images, names, top)):
        r, c = divmod(i, cols)
        x0, y0 = c * cell_w + 20, r * cell_h
        grid = rgb(image)
        scale = max(1, side // max(grid.shape[:2]))
        pixels = np.round(np.clip(enlarge(grid, scale), 0, 1) * 255).astype(np.uint8)
        fig.figimage(pixels, xo=x0, yo=height - y0 - 14 - pixels.shape[0], origin="upper")
        fig.text((x0 + side / 2) / width, 1 - (y0 + 2) / height, _compact(name, 24), fontsize=FONT - 1,
                 ha="center", va="top")
        for k, (label, p) in enumerate(best):
            fig.text(x0 / width, 1 - (y0 + 16 + pixels.shape[0] + 11 * k) / height, f"{p:.1%} {_compact(label, 18)}",
                     fontsize=FONT - 1, va="top", weight="bold" if k == 0 else "normal")
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png")
    return path


def _save_svg(fig, path: str | Path) -> Path:
    import matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.hashsalt": "netviz", "svg.fonttype": "path"}), atomic_path(path) as tmp:
        fig.savefig(tmp, format="svg", metadata={"Date": None})
    return path


def plot_deletion_insertion(curves: Mapping[str, Mapping[str, Mapping[str, object]]], path: str | Path,
                            baselines: Collection[str] = ()) -> Path:
    """SVG: per head (rows) the mean deletion and insertion curves (columns), one line per method.

    ``curves[head][method]`` holds ``deletion``/``insertion`` (mean curves over
    images, evenly spaced fractions 0..1) and ``deletion_auc``/``insertion_auc``.
    Methods named in ``baselines`` are drawn dashed: the reference, not a contender.
    One legend per row, right of the plots, carries both AUCs, so no legend hides a curve.
    """
    heads = list(curves)
    fig = _figure(820, 190 * len(heads) + 40)
    axes = fig.subplots(len(heads), 2, squeeze=False)
    for r, head in enumerate(heads):
        for c, kind in enumerate(("deletion", "insertion")):
            ax = axes[r][c]
            for method, data in curves[head].items():
                y = np.asarray(data[kind], dtype=float)
                ax.plot(np.linspace(0, 1, len(y)), y, "--" if method in baselines else "-",
                        label=f"{method} ({float(data['deletion_auc']):.3f} / {float(data['insertion_auc']):.3f})")
            ax.set_ylim(-0.02, 1.02)
            ax.set_title(f"{head}: {kind}" + (" (lower is better)" if kind == "deletion" else " (higher is better)"), fontsize=FONT)
            ax.set_xlabel("share of pixels " + ("removed" if kind == "deletion" else "inserted"), fontsize=FONT)
            ax.set_ylabel("target probability", fontsize=FONT)
            ax.tick_params(labelsize=FONT - 1)
        axes[r][1].legend(fontsize=FONT - 1, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                          title="AUC deletion / insertion", title_fontsize=FONT - 1)
    fig.tight_layout()
    return _save_svg(fig, path)


def plot_scores_over_training(epochs: Sequence[int], scores: Mapping[str, Mapping[str, Sequence[float | None]]],
                              path: str | Path, label: str, baselines: Collection[str] = ()) -> Path:
    """SVG: per head, one line per method of a trust score at each kept epoch; baselines dashed."""
    heads = list(next(iter(scores.values())))
    fig = _figure(820, 170 * len(heads) + 40)
    axes = fig.subplots(len(heads), 1, squeeze=False)
    for r, head in enumerate(heads):
        ax = axes[r][0]
        for method, per_head in scores.items():
            values = [np.nan if v is None else float(v) for v in per_head[head]]
            ax.plot(list(epochs), values, "--" if method in baselines else "-", marker="o", markersize=3, label=method)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xticks(list(epochs))
        ax.set_title(f"{head}: {label}", fontsize=FONT)
        ax.set_xlabel("epoch", fontsize=FONT)
        ax.set_ylabel(label, fontsize=FONT)
        ax.tick_params(labelsize=FONT - 1)
        ax.legend(fontsize=FONT - 1, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return _save_svg(fig, path)


def plot_cascade(steps: Sequence[str], spearman: Mapping[str, Sequence[float]], ssim: Mapping[str, Sequence[float]],
                 path: str | Path, threshold: float, baselines: Collection[str] = ()) -> Path:
    """SVG of a cascading randomization: the mean |Spearman rho| (left) and SSIM (right) of each method's maps with
    the trained ones after each step, the steps from the output down; baselines dashed, the threshold dotted."""
    fig = _figure(820, 300)
    axes = fig.subplots(1, 2)
    x = np.arange(1, len(steps) + 1)
    for ax, values, label in ((axes[0], spearman, "mean |Spearman ρ|"), (axes[1], ssim, "mean SSIM")):
        for method, ys in values.items():
            ax.plot(x, [float(v) for v in ys], "--" if method in baselines else "-", marker="o", markersize=3,
                    label=method)
        low = min(0.0, *(float(v) for ys in values.values() for v in ys))
        ax.set_ylim(low - 0.02, 1.02)
        ax.set_xticks(x)
        ax.set_xticklabels(list(steps), rotation=30, ha="right", fontsize=FONT - 1)
        ax.set_xlabel("randomized down to (cumulative, from the output)", fontsize=FONT)
        ax.set_ylabel(label, fontsize=FONT)
        ax.set_title(f"{label} with the trained network's maps", fontsize=FONT)
        ax.tick_params(axis="y", labelsize=FONT - 1)
    axes[0].axhline(threshold, color="0.4", linestyle=":", linewidth=1)
    axes[1].legend(fontsize=FONT - 1, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return _save_svg(fig, path)


def _outputs_of(history: Mapping[str, Sequence[float]]) -> dict[str, dict[str, str]]:
    """{output name: {"loss"/"accuracy": history key}}: Keras names a head's series ``<head>_loss`` etc."""
    outputs: dict[str, dict[str, str]] = {}
    for key in history:
        base = key[4:] if key.startswith("val_") else key
        for kind in ("loss", "accuracy"):
            if base.endswith("_" + kind):
                outputs.setdefault(base[: -len(kind) - 1], {})[kind] = base
    return outputs


def plot_training_curves(history: Mapping[str, Sequence[float]], path: str | Path) -> Path:
    """SVG of a Keras ``History.history``: a loss panel and an accuracy panel (train solid, validation dashed).

    Metrics that are neither loss nor accuracy get a third panel. A model of several
    heads gets one small chart per head instead: sixteen lines in one panel cannot be told apart.
    """
    outputs = _outputs_of(history)
    if len(outputs) > 1:
        return _plot_curves_per_output(history, outputs, path)
    from matplotlib.ticker import MaxNLocator

    groups: dict[str, list[str]] = {"loss": [], "accuracy": [], "other": []}
    for key in history:
        base = key[4:] if key.startswith("val_") else key
        kind = "loss" if base.endswith("loss") else "accuracy" if base.endswith(("accuracy", "acc")) else "other"
        if base not in groups[kind]:
            groups[kind].append(base)
    panels = [(k, v) for k, v in groups.items() if v]
    fig = _figure(630, 230)
    axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
    for ax, (kind, bases) in zip(axes, panels):
        for k, base in enumerate(bases):
            colour = f"C{k % 10}"
            for key, style, tag in ((base, "-", "train"), ("val_" + base, "--", "val")):
                if key in history:
                    y = np.asarray(history[key], dtype=float)
                    ax.plot(np.arange(1, len(y) + 1), y, style, color=colour, label=f"{base} ({tag})",
                            marker="o" if len(y) <= 20 else None, markersize=3)
                    ax.set_xlim(0.5, len(y) + 0.5)
        ax.set_title(kind, fontsize=FONT)
        ax.set_xlabel("epoch", fontsize=FONT)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=FONT - 1)
        ax.legend(fontsize=FONT - 2, frameon=False)
    fig.tight_layout()
    return _save_svg(fig, path)


def _plot_curves_per_output(history: Mapping[str, Sequence[float]], outputs: dict[str, dict[str, str]],
                            path: str | Path) -> Path:
    """Small multiples: per head a loss chart above an accuracy chart, four heads to a row, one legend."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    cols = min(4, len(outputs))
    rows = -(-len(outputs) // cols)
    fig = _figure(630, 40 + 230 * rows)
    axes = fig.subplots(2 * rows, cols, squeeze=False)
    for i, (name, series) in enumerate(outputs.items()):
        for j, kind in enumerate(("loss", "accuracy")):
            ax = axes[2 * (i // cols) + j][i % cols]
            if kind not in series:
                ax.set_axis_off()
                continue
            for key, style in ((series[kind], "-"), ("val_" + series[kind], "--")):
                if key in history:
                    y = np.asarray(history[key], dtype=float)
                    ax.plot(np.arange(1, len(y) + 1), y, style, color="C0" if style == "-" else "C1",
                            marker="o" if len(y) <= 20 else None, markersize=2.5)
                    ax.set_xlim(0.5, len(y) + 0.5)
            ax.set_title(f"{name}: {kind}", fontsize=FONT - 1)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=FONT - 2)
            if j == 1:
                ax.set_xlabel("epoch", fontsize=FONT - 1)
    for k in range(len(outputs), rows * cols):
        for j in range(2):
            axes[2 * (k // cols) + j][k % cols].set_axis_off()
    handles = [Line2D([], [], color="C0", linestyle="-"), Line2D([], [], color="C1", linestyle="--")]
    fig.legend(handles, ["train", "validation"], loc="upper center", ncol=2, fontsize=FONT - 1, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 24 / (40 + 230 * rows)))
    return _save_svg(fig, path)
