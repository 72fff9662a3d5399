"""Layer-CAM against maps worked out by hand."""

from __future__ import annotations

import numpy as np

from netviz.views.cam import explain
from netviz.views.methods.layercam import layercam

from . import (
    LITERAL_CONV,
    LITERAL_GRADS,
    hand_forward,
    hand_grads,
    hand_normalize,
    images,
)


def test_literal_example():
    # sum_k ReLU(g) * A, cell by cell: (0,0) 1*1 + 0*0 = 1; (0,1) 0*2 + 1*3 = 3 (the -1 gradient is dropped);
    # (1,0) 0.5*2 + 2*1 = 3; (1,1) 2*1 + 0*0 = 2; over the maximum 3
    np.testing.assert_allclose(layercam(LITERAL_CONV, LITERAL_GRADS)[0], [[1 / 3, 1.0], [1.0, 2 / 3]], rtol=1e-6)


def expected_maps(conv: np.ndarray, grads: np.ndarray) -> np.ndarray:
    return hand_normalize((np.maximum(grads, 0) * conv).sum(axis=-1))


def test_pooled_model_drops_channels_with_a_negative_weight(pooled):
    x, targets = images()
    conv, _, _ = hand_forward(x)
    maps = explain(pooled, x, [targets], ["layercam"])["layercam"][0]
    np.testing.assert_allclose(maps, expected_maps(conv, hand_grads(targets)), atol=1e-5)
    # class 0 weighs channel 1 by W[1, 0] = -0.5: Layer-CAM keeps channel 0 alone
    first = targets == 0
    np.testing.assert_allclose(maps[first], hand_normalize(conv[first][..., 0]), atol=1e-5)


def test_flat_model_keeps_each_cells_own_gradient(flat):
    x, targets = images(seed=8)
    conv, _, _ = hand_forward(x, "flat")
    maps = explain(flat, x, [targets], ["layercam", "gradcam"])
    np.testing.assert_allclose(maps["layercam"][0], expected_maps(conv, hand_grads(targets, "flat")), atol=1e-5)
    assert not np.allclose(maps["layercam"][0], maps["gradcam"][0], atol=1e-2)
