"""Can a heatmap be trusted? Four checks with numbers, not impressions.

* pointing game: does the map's peak land on the object (ground-truth mask,
  dilated by a tolerance that scales with the image: 15 px at 224 px, Zhang et al. 2018)?
* energy in mask: what share of the map's mass lies on the object, next to the
  share a uniform map would get by chance (the mask's area share)?
* deletion / insertion (Petsiuk et al., 2018, RISE): remove the most salient
  pixels first and watch the target probability fall (low AUC is good); or
  insert them into a blurred canvas and watch it rise (high AUC is good).
* sanity check (Adebayo et al., 2018): the map of the trained model should differ
  from the map of the same network at its untrained initial weights; a high rank
  correlation means the map shows the input or the architecture, not what was learned.

Equal saliencies have no order: ties are broken by a seeded random order (never raster
order, which would favour objects near the top-left), so a constant map scores chance.

Pure numpy, with resampling from the leaf :mod:`~netviz.views.resample` (never from
the heatmap methods it judges); the model enters deletion/insertion only as a scoring callable.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from netviz.views.resample import upsample

Scorer = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (images, image index) -> target probability


def _fit(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Maps at mask size (bilinear upsampling when they are coarser)."""
    if tuple(maps.shape[1:3]) == tuple(size):
        return np.asarray(maps, dtype=np.float64)
    return upsample(maps, size).astype(np.float64)


def tie_keys(n: int, size: int, seed: int) -> np.ndarray:
    """(n, size) seeded random keys that order equal saliencies: the same seed, the same order."""
    return np.random.default_rng([seed, 19]).random((n, size))


def pointing_tolerance(size: tuple[int, ...]) -> int:
    """Pixels of pointing-game tolerance: round(15 * max(H, W) / 224), at least 1 (15 px at 224 px, 2 px at 28 px)."""
    return max(1, int(np.floor(15.0 * max(size) / 224.0 + 0.5)))


def dilate(masks: np.ndarray, radius: int = 1) -> np.ndarray:
    """Binary dilation of (N,H,W) masks by a (2r+1)^2 square: r pixels of tolerance in every direction."""
    masks = np.asarray(masks, dtype=bool)
    out = masks.copy()
    h, w = masks.shape[1:]
    padded = np.pad(masks, ((0, 0), (radius, radius), (radius, radius)))
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out |= padded[:, dy : dy + h, dx : dx + w]
    return out


def pointing_hits(maps: np.ndarray, masks: np.ndarray, tolerance: int = 1, seed: int = 0) -> np.ndarray:
    """(N,) 1.0 where the map's maximum lies on the dilated mask, 0.0 where not, NaN for empty masks.

    Where several pixels share the maximum, a seeded random one of them is the peak: a
    constant map (an all-zero one included) points at a random pixel and scores chance.
    """
    masks = np.asarray(masks, dtype=bool)
    fitted = _fit(maps, masks.shape[1:])
    flat = fitted.reshape(len(fitted), -1)
    tied = flat == flat.max(axis=1, keepdims=True)
    peak = np.where(tied, tie_keys(*flat.shape, seed), -1.0).argmax(axis=1)
    hit = dilate(masks, tolerance).reshape(len(masks), -1)[np.arange(len(masks)), peak]
    return np.where(masks.reshape(len(masks), -1).any(axis=1), hit.astype(float), np.nan)


def energy_shares(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """(N,) share of each map's mass on mask pixels (NaN for an all-zero map or empty mask)."""
    masks = np.asarray(masks, dtype=bool)
    fitted = np.maximum(_fit(maps, masks.shape[1:]), 0.0)
    total = fitted.sum(axis=(1, 2))
    inside = (fitted * masks).sum(axis=(1, 2))
    ok = (total > 0) & masks.any(axis=(1, 2))
    return np.where(ok, inside / np.where(total > 0, total, 1.0), np.nan)


def chance_shares(masks: np.ndarray) -> np.ndarray:
    """(N,) the share a uniform map would put on the mask: the mask's area share."""
    masks = np.asarray(masks, dtype=bool)
    return masks.reshape(len(masks), -1).mean(axis=1)


def nanmean(values: np.ndarray) -> float | None:
    """Mean over the defined values; None when none is defined (JSON-friendly)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else None


# ------------------------------------------------------------------ deletion / insertion

def blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of (N,H,W,C) images as two small matrix products (edge-normalized)."""

    def matrix(n: int) -> np.ndarray:
        i = np.arange(n)
        m = np.exp(-0.5 * ((i[:, None] - i[None, :]) / sigma) ** 2)
        return m / m.sum(axis=1, keepdims=True)

    h, w = x.shape[1:3]
    rows = np.einsum("ij,njkc->nikc", matrix(h), x, optimize=True)
    return np.einsum("lk,nikc->nilc", matrix(w), rows, optimize=True).astype(x.dtype)


def saliency_ranks(saliency: np.ndarray, seed: int = 0) -> np.ndarray:
    """(N,H*W) position of each pixel in decreasing-saliency order (0 = most salient; ties in a seeded random order)."""
    flat = np.asarray(saliency, dtype=np.float64).reshape(len(saliency), -1)
    order = np.lexsort((tie_keys(*flat.shape, seed), -flat), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(flat.shape[1])[None].repeat(len(flat), 0), axis=1)
    return ranks


def auc(curve: np.ndarray) -> np.ndarray:
    """Area under curves sampled at evenly spaced fractions 0..1 (trapezoid rule), along the last axis."""
    curve = np.asarray(curve, dtype=np.float64)
    steps = curve.shape[-1] - 1
    return (curve[..., 1:] + curve[..., :-1]).sum(axis=-1) / (2.0 * steps)


def deletion_insertion(
    score: Scorer, x: np.ndarray, saliency: np.ndarray, steps: int = 16, canvas: np.ndarray | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Deletion and insertion curves (N, steps+1) and AUCs (N,) for saliency maps at input size.

    At step t the t/steps most salient pixels are set to 0 (deletion) or copied
    from the image onto a blurred copy of it (insertion). All N*(steps+1) images of
    each curve go to ``score`` in one call, with the index of their source image.
    ``canvas`` is the insertion start (default: the images blurred with sigma = size/8).
    Equal saliencies go in a seeded random order: an empty map removes pixels at random.
    """
    n, h, w = x.shape[:3]
    ranks = saliency_ranks(_fit(saliency, (h, w)), seed).reshape(n, h, w)
    counts = np.round(np.linspace(0, h * w, steps + 1)).astype(int)
    keep = (ranks[:, None] < counts[None, :, None, None])[..., None]  # (N, S+1, H, W, 1)
    image = x[:, None]
    canvas = (blur(x, max(h, w) / 8.0) if canvas is None else canvas)[:, None]
    source = np.repeat(np.arange(n), steps + 1)
    curves = {}
    for name, batch in (("deletion", np.where(keep, 0.0, image)), ("insertion", np.where(keep, image, canvas))):
        flat = batch.reshape(-1, *x.shape[1:]).astype(np.float32)
        curves[name] = np.asarray(score(flat, source), dtype=np.float64).reshape(n, steps + 1)
    return {
        "deletion_curve": curves["deletion"],
        "insertion_curve": curves["insertion"],
        "deletion_auc": auc(curves["deletion"]),
        "insertion_auc": auc(curves["insertion"]),
    }


# ------------------------------------------------------------------ sanity check

def rankdata(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis, ties sharing their average rank (as scipy.stats.rankdata).

    All rows at once: a stable sort per row, then each run of equal values (a row's first value
    always starts one) gets the mean of the positions it spans.
    """
    values = np.asarray(values, dtype=np.float64)
    flat = values.reshape(-1, values.shape[-1])
    rows, m = flat.shape
    order = np.argsort(flat, axis=1, kind="stable")
    s = np.take_along_axis(flat, order, axis=1)
    first = np.ones_like(s, dtype=bool)
    first[:, 1:] = s[:, 1:] != s[:, :-1]
    starts = np.flatnonzero(first)  # positions in the flattened rows: no run crosses a row
    ends = np.r_[starts[1:], rows * m]
    offset = starts - starts % m
    average = (starts - offset + ends - offset - 1) / 2.0 + 1.0
    out = np.empty_like(flat)
    np.put_along_axis(out, order, average[np.cumsum(first.ravel()) - 1].reshape(rows, m), axis=1)
    return out.reshape(values.shape)


def spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N,) Spearman rank correlation between map a[n] and map b[n].

    A constant map has no ranking: two constant maps count as identical (1.0), one
    constant and one varying map as unrelated (0.0).
    """
    ra = rankdata(np.asarray(a).reshape(len(a), -1))
    rb = rankdata(np.asarray(b).reshape(len(b), -1))
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    na, nb = np.sqrt((ra**2).sum(axis=1)), np.sqrt((rb**2).sum(axis=1))
    rho = np.divide((ra * rb).sum(axis=1), na * nb, out=np.zeros(len(ra)), where=(na > 0) & (nb > 0))
    return np.where((na == 0) & (nb == 0), 1.0, rho)


def sanity(trained: np.ndarray, initial: np.ndarray, threshold: float) -> tuple[float, bool]:
    """(mean |Spearman rho| over the images, flagged): flagged when it reaches ``threshold`` (in [0, 1]).

    The size of each image's correlation counts, not its sign: a map that follows the
    untrained one (+1) on one image and its mirror (-1) on the next did not learn either.
    """
    rho = float(np.mean(np.abs(spearman(trained, initial))))
    return rho, bool(rho >= threshold)
