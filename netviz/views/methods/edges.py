"""Baseline: the input's own edges (Sobel gradient magnitude), which know nothing about the network.

On a data set where the object is the only structure in the image (a line on black),
an edge detector already points at the object; a method's localization score is worth
what it adds to this one. The map is the Sobel magnitude of the image's channel mean,
borders replicated, at input size, the same for every head.
"""

from __future__ import annotations

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method, every_head, normalize

SMOOTH = np.array([1.0, 2.0, 1.0])
DIFFERENCE = np.array([-1.0, 0.0, 1.0])


def sobel_magnitude(images: np.ndarray) -> np.ndarray:
    """(N,H,W) gradient magnitude of (N,H,W,C) images: the two 3x3 Sobel filters on the channel mean."""
    grey = np.asarray(images, dtype=np.float64).mean(axis=-1)
    padded = np.pad(grey, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = grey.shape[1:]

    def correlate(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return sum(rows[i] * cols[j] * padded[:, i : i + h, j : j + w] for i in range(3) for j in range(3))

    return np.hypot(correlate(SMOOTH, DIFFERENCE), correlate(DIFFERENCE, SMOOTH))


def edges(images: np.ndarray, seed: int) -> np.ndarray:
    """Maps (N,H,W) in [0,1]: each image's edge magnitude over its own maximum (the seed is not used)."""
    return normalize(sobel_magnitude(images))


HEATMAP_METHODS.register(Method(
    name="edges",
    title="Edge baseline",
    description="is the Sobel edge magnitude of the input image itself: it knows nothing about the network, and "
                "shows how much of a score the image's structure alone earns.",
    compute=every_head(edges),
    per_head=False,
    baseline=True,
    grid="input",
))
