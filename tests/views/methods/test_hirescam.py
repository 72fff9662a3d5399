"""HiResCAM against maps worked out by hand."""

from __future__ import annotations

import numpy as np

from netviz.views.cam import explain
from netviz.views.methods.hirescam import hirescam

from . import (
    LITERAL_CONV,
    LITERAL_GRADS,
    WBIAS,
    hand_forward,
    hand_grads,
    hand_normalize,
    images,
)


def test_literal_example():
    # sum_k g * A, cell by cell, sign kept: (0,0) 1*1 + (-1)*0 = 1; (0,1) (-1)*2 + 1*3 = 1;
    # (1,0) 0.5*2 + 2*1 = 3; (1,1) 2*1 + 0*0 = 2; over the maximum 3 (Layer-CAM has 3 at (0,1))
    np.testing.assert_allclose(hirescam(LITERAL_CONV, LITERAL_GRADS)[0], [[1 / 3, 1 / 3], [1.0, 2 / 3]], rtol=1e-6)


def test_pooled_model_equals_gradcam(pooled):
    x, targets = images()
    maps = explain(pooled, x, [targets], ["hirescam", "gradcam"])
    np.testing.assert_allclose(maps["hirescam"][0], maps["gradcam"][0], atol=1e-5)


def test_flat_model_and_its_cells_add_up_to_the_logit(flat):
    x, targets = images(seed=8)
    conv, z, _ = hand_forward(x, "flat")
    raw = (hand_grads(targets, "flat") * conv).sum(axis=-1)
    np.testing.assert_allclose(explain(flat, x, [targets], ["hirescam"])["hirescam"][0], hand_normalize(raw), atol=1e-5)
    # what makes HiResCAM faithful: the cells of the map before the ReLU sum to the logit, less the bias
    net_conv, grads = flat.maps_and_grads(x, [targets])
    cells = (grads[0] * net_conv).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(cells + WBIAS[targets], z[np.arange(5), targets], atol=1e-4)
