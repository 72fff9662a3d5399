"""Bilinear resampling of maps onto the input grid: pure numpy.

Heatmap methods compute maps on a layer's coarse grid; the trust checks and the
figures need them at input size. Both import this leaf module and not each other.
"""

from __future__ import annotations

import numpy as np

from netviz.models.graph import Grid


def interpolation(n_out: int, n_in: int, offset: float, stride: float) -> np.ndarray:
    """(n_out, n_in) linear-interpolation weights: output pixel p reads cell (p - offset) / stride, clamped."""
    u = np.clip((np.arange(n_out) - offset) / stride, 0.0, n_in - 1)
    lo = np.floor(u).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    weights = np.zeros((n_out, n_in))
    np.add.at(weights, (np.arange(n_out), lo), 1.0 - (u - lo))
    np.add.at(weights, (np.arange(n_out), hi), u - lo)
    return weights


def upsample(maps: np.ndarray, size: tuple[int, int], grid: Grid | None = None) -> np.ndarray:
    """Bilinear upsampling of (N,h,w) or (N,h,w,K) maps to (N,H,W[,K]).

    Without ``grid`` the cells are spread over the whole image (the half-pixel
    convention of ``tf.image.resize``, which this matches); with a layer's grid
    (``netviz.models.graph.spatial_grid``) each cell lands on the centre of its
    receptive field.
    """
    maps = np.asarray(maps, dtype=np.float32)
    (h, w), (H, W) = maps.shape[1:3], size
    if grid is None:
        if (h, w) == (H, W):
            return maps
        grid = ((0.5 * H / h - 0.5, H / h), (0.5 * W / w - 0.5, W / w))
    rows, cols = interpolation(H, h, *grid[0]), interpolation(W, w, *grid[1])
    spatial = np.moveaxis(maps, (1, 2), (-2, -1))  # (N, [K,] h, w): two matrix products per map, in float64
    out = np.matmul(np.matmul(rows, spatial), cols.T)
    return np.ascontiguousarray(np.moveaxis(out, (-2, -1), (1, 2)), dtype=np.float32)
