"""What a heatmap method is: its metadata, its function, and the conventions every map follows.

A method is one small module in this package that registers ``Method(...)`` in HEATMAP_METHODS;
the registry finds it, and from there the spec's
allowed names, the report's titles and prose, the figures and the trust scores. Nothing
here imports TensorFlow: the spec and the report read this metadata without it, and a
method's function reaches the network only through the :class:`~netviz.views.cam.Evidence`
it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

import numpy as np

if TYPE_CHECKING:
    from netviz.views.cam import Evidence

Compute = Callable[["Evidence"], "list[np.ndarray]"]  # evidence -> maps (N, h, w) per head, in [0, 1]


@dataclass(frozen=True)
class Method:
    """One heatmap method.

    ``description`` completes a sentence that starts with ``title`` ("Grad-CAM weights
    ..."): the report prints it as is. ``grid`` says where the maps live: on the
    explained layer's cells ("layer", brought to input size on each cell's receptive
    field) or already at input size ("input"). A ``baseline`` knows nothing about the
    network; it is scored beside every method whatever the spec asks for, so a score
    can be read against what no model at all achieves. ``per_head`` is False for a method
    that never reads the target (the baselines, Eigen-CAM): one map serves every head.
    ``default``: in the spec's method list when the spec gives none.
    """

    name: str
    title: str
    description: str
    compute: Compute
    uses_gradients: bool = False
    per_head: bool = True  # False: one map for every head (the method never looks at the target)
    baseline: bool = False
    default: bool = False
    grid: Literal["layer", "input"] = "layer"


def normalize(maps: np.ndarray) -> np.ndarray:
    """ReLU, then divide each map by its own maximum; an all-zero map stays zero."""
    maps = np.maximum(np.asarray(maps, dtype=np.float32), 0.0)
    peak = maps.reshape(len(maps), -1).max(axis=1).reshape((-1,) + (1,) * (maps.ndim - 1))
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


def weighted_channels(conv: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(N,h,w): the layer's maps (N,h,w,K) summed over channels with one weight per image and channel (N,K)."""
    return np.einsum("nhwk,nk->nhw", conv, weights)


def from_gradients(method: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Compute:
    """A method of (layer maps, gradients of one head) -> maps, applied to every head of the shared pass."""

    def compute(evidence: Evidence) -> list[np.ndarray]:
        return [method(evidence.conv, grads) for grads in evidence.grads]

    compute.__doc__ = method.__doc__
    return compute


def every_head(method: Callable[[np.ndarray, int], np.ndarray]) -> Compute:
    """A baseline of (images, seed) -> maps: one map per image, the same for every head."""

    def compute(evidence: Evidence) -> list[np.ndarray]:
        maps = method(evidence.x, evidence.seed)
        return [maps] * evidence.heads

    compute.__doc__ = method.__doc__
    return compute
