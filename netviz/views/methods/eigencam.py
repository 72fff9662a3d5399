"""Eigen-CAM (Muhammad & Yeasin, 2020): the first principal component of the layer's maps.

It asks the network for nothing but the layer's maps: no gradient, no class, so every head gets
the same map, of what the layer sees most strongly rather than of why a class was chosen. The
projection follows pytorch-grad-cam's ``get_2d_projection``
(``pytorch_grad_cam/utils/svd_on_activations.py``, as its ``EigenCAM`` uses it): per image the
maps (h, w, K) become an (h*w, K) matrix, NaN set to 0, each channel centred on its mean over
the cells, and every cell's feature vector projected onto the first right-singular vector.

A singular vector's sign is arbitrary (the SVD library picks it: pytorch-grad-cam issue #315
reports inverted maps), and the centred projection sums to zero, so "mostly positive" cannot
be read off its mean. Here the sign is fixed so that the projection rises where the layer's
total activation (the sum of its channels) does; where the two do not correlate at all, the
projection's largest value in magnitude is made positive. Then, as for every method here, the
negative part is dropped and each map divided by its maximum (pytorch-grad-cam rescales from
the minimum instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method, normalize

if TYPE_CHECKING:
    from netviz.views.cam import Evidence

TIE = 1e-9  # |cosine| of projection and total activation below which the two are taken not to correlate


def first_component(maps: np.ndarray) -> np.ndarray:
    """(h, w): one image's (h, w, K) maps projected onto their first principal component, signed as above."""
    h, w, k = maps.shape
    a = np.asarray(maps, dtype=np.float64).reshape(h * w, k)
    a = np.where(np.isnan(a), 0.0, a)
    a = a - a.mean(axis=0)
    _, _, vt = np.linalg.svd(a, full_matrices=False)
    projection = a @ vt[0]
    total = a.sum(axis=1)
    agree = projection @ total
    if abs(agree) > TIE * np.linalg.norm(projection) * np.linalg.norm(total):
        sign = np.sign(agree)
    else:
        sign = np.sign(projection[np.argmax(np.abs(projection))]) or 1.0
    return (sign * projection).reshape(h, w)


def eigencam_maps(conv: np.ndarray) -> np.ndarray:
    """Maps (N,h,w) in [0,1] from layer maps (N,h,w,K), one image at a time (one SVD each)."""
    return normalize(np.stack([first_component(maps) for maps in conv]))


def eigencam(evidence: Evidence) -> list[np.ndarray]:
    """The same map for every head: the layer's maps are all it reads."""
    return [eigencam_maps(evidence.conv)] * evidence.heads


HEATMAP_METHODS.register(Method(
    name="eigencam",
    title="Eigen-CAM",
    description="needs neither gradients nor a class: it projects the feature vector of every cell onto the first "
                "principal component of the layer's feature maps, so every output gets the same map.",
    compute=eigencam,
    per_head=False,
))
