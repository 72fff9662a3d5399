"""Eigen-CAM against maps worked out by hand, its sign whatever the SVD returns, and on the hand model."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.cam import explain
from netviz.views.methods.eigencam import eigencam_maps

from . import hand_forward, images


def layer(channel0: list[float], channel1: list[float]) -> np.ndarray:
    """One image's 2x2 cells of 2 channels, (1, 2, 2, 2), the cells given in reading order."""
    return np.stack([np.reshape(channel0, (2, 2)), np.reshape(channel1, (2, 2))], axis=-1)[None]


# Channel means 1 and 2; centred, the cells are (1.6, 1.3), (0.2, 1.1), (-1.0, -0.5), (-0.8, -1.9)
# = a * (0.6, 0.8) + b * (0.8, -0.6) with a = (2, 1, -1, -2), b = (0.5, -0.5, -0.5, 0.5), a and b orthogonal:
# the centred matrix's Gram matrix [[4.24, 4.32], [4.32, 6.76]] has eigenvalues 10 (|a|^2) and 1 (|b|^2), so the
# first right-singular vector is +-(0.6, 0.8) and the projection +-a = +-[[2, 1], [-1, -2]].
HAND = layer([2.6, 1.2, 0.0, 0.2], [3.3, 3.1, 1.5, 0.1])


def test_literal_example():
    # total activation, centred: (2.9, 1.3, -1.5, -2.7); it agrees with +a (2*2.9 + 1.3 + 1.5 + 2*2.7 = 14 > 0),
    # so the map is +a = [[2, 1], [-1, -2]], ReLU [[2, 1], [0, 0]], over its maximum 2
    np.testing.assert_allclose(eigencam_maps(HAND)[0], [[1.0, 0.5], [0.0, 0.0]], atol=1e-6)
    per_head = HEATMAP_METHODS["eigencam"].compute(SimpleNamespace(conv=HAND, heads=3))  # type: ignore[arg-type]
    assert len(per_head) == 3 and all(np.array_equal(m, per_head[0]) for m in per_head)


def test_the_sign_follows_the_activation_not_the_svd(monkeypatch):
    # mirrored activations (2 * mean - A): the centred cells and the total change sign, so the map is -a
    mirrored = 2 * HAND.mean(axis=(1, 2), keepdims=True) - HAND
    np.testing.assert_allclose(eigencam_maps(mirrored)[0], [[0.0, 0.0], [0.5, 1.0]], atol=1e-6)
    # an SVD that returns the other sign of every singular vector changes nothing
    svd = np.linalg.svd

    def flipped(a, *args, **kwargs):
        u, s, vt = svd(a, *args, **kwargs)
        return -u, s, -vt

    before = eigencam_maps(np.concatenate([HAND, mirrored]))
    monkeypatch.setattr(np.linalg, "svd", flipped)
    np.testing.assert_array_equal(eigencam_maps(np.concatenate([HAND, mirrored])), before)


def test_where_the_total_activation_says_nothing_the_largest_value_is_positive():
    # channels (6, 2, 2, 2) and (0, 4, 4, 4) sum to 6 in every cell; the first component is +-(1, -1)/sqrt 2 and
    # the projection +-sqrt(2) * (3, -1, -1, -1): its largest magnitude, the first cell, is made positive
    for channels in (([6, 2, 2, 2], [0, 4, 4, 4]), ([0, 4, 4, 4], [6, 2, 2, 2])):
        np.testing.assert_allclose(eigencam_maps(layer(*channels))[0], [[1.0, 0.0], [0.0, 0.0]], atol=1e-6)


def test_nan_counts_as_zero_and_flat_maps_give_zero():
    with_nan = layer([2.6, 1.2, np.nan, 0.2], [3.3, 3.1, 1.5, 0.1])
    np.testing.assert_array_equal(eigencam_maps(with_nan), eigencam_maps(layer([2.6, 1.2, 0.0, 0.2], [3.3, 3.1, 1.5, 0.1])))
    np.testing.assert_array_equal(eigencam_maps(layer([1, 1, 1, 1], [2, 2, 2, 2])), np.zeros((1, 2, 2)))


def test_pooled_model_needs_no_gradient_and_no_class(pooled):
    x, targets = images()
    conv, _, _ = hand_forward(x)
    expected = []
    for maps in conv:  # the first eigenvector of the centred maps' Gram matrix, turned towards the total activation
        a = maps.reshape(9, 2) - maps.reshape(9, 2).mean(axis=0)
        v = np.linalg.eigh(a.T @ a)[1][:, -1]
        p = a @ (v if (a @ v) @ a.sum(axis=1) > 0 else -v)
        expected.append(np.maximum(p, 0).reshape(3, 3) / np.maximum(p, 0).max())
    alone = explain(pooled, x, [targets], ["eigencam"])["eigencam"]  # a forward pass alone
    shared = explain(pooled, x, [(targets + 1) % 3], ["gradcam", "eigencam"])["eigencam"]  # the gradient pass, other classes
    assert len(alone) == 1
    np.testing.assert_allclose(alone[0], np.array(expected), atol=1e-5)
    np.testing.assert_allclose(shared[0], alone[0], atol=1e-6)
    method = HEATMAP_METHODS["eigencam"]
    assert not (method.uses_gradients or method.baseline or method.default) and method.grid == "layer"
