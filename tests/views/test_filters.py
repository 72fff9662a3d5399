"""Activation maximization and kernels."""

from __future__ import annotations

import numpy as np
import pytest

from bench.baselines import ascend_one_filter_loop
from netviz.spec import schema
from netviz.views.filters import (
    FilterAscent,
    layer_kernels,
    reads_input,
    rgb_composite,
)

from . import tiny_cnn


def filter_responses(model, layer: str, x: np.ndarray) -> np.ndarray:
    """(N, F) mean activation of every filter of ``layer`` on every image: the full layer, as Keras computes it."""
    from netviz.models import graph

    net = graph.layer_outputs_model(model, [layer])
    return np.asarray(net(np.asarray(x, dtype=np.float32), training=False)).mean(axis=(1, 2))


@pytest.fixture(scope="module")
def oriented():
    """One conv layer with four hand-made detectors: horizontal, vertical, diagonal edges and a spot."""
    import keras

    kernel = np.zeros((3, 3, 1, 4), np.float32)
    kernel[..., 0, 0] = [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]
    kernel[..., 0, 1] = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]
    kernel[..., 0, 2] = [[1, 1, 0], [1, 0, -1], [0, -1, -1]]
    kernel[..., 0, 3] = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]) / 4
    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu", name="conv2d")])
    model.get_layer("conv2d").set_weights([kernel, np.zeros(4, np.float32)])
    return model


def test_ascent_raises_each_filter_above_its_start_and_above_the_other_filters(oriented):
    res = FilterAscent(oriented, "conv2d", schema.Filters()).batched(3)
    assert res.images.shape == (4, 12, 12, 1)
    assert np.all(res.final > res.start + 0.3)
    responses = filter_responses(oriented, "conv2d", res.images)  # (image, filter)
    np.testing.assert_allclose(np.diag(responses), res.final, rtol=1e-4, atol=1e-5)
    for f in range(4):
        others = np.delete(responses[f], f)
        assert responses[f, f] > others.max() + 0.05, (f, responses[f])
    assert not res.dead.any()
    assert res.images.min() >= 0.0 and res.images.max() <= 1.0  # clipped to input_range


def test_ascent_is_seeded_and_respects_input_range(oriented):
    settings = schema.Filters(steps=10, input_range=(-1.0, 2.0))
    a, b = FilterAscent(oriented, "conv2d", settings).batched(5), FilterAscent(oriented, "conv2d", settings).batched(5)
    np.testing.assert_array_equal(a.images, b.images)
    c = FilterAscent(oriented, "conv2d", settings).batched(6)
    assert not np.array_equal(a.images, c.images)
    assert a.images.min() >= -1.0 and a.images.max() <= 2.0


def test_batched_equals_the_one_filter_loop_on_a_deep_layer():
    """The grouped one-filter objective must be the full layer's number, step for step."""
    model = tiny_cnn("functional")
    settings = schema.Filters(steps=12, l2=0.1, total_variation=0.1, jitter=1)
    ascent = FilterAscent(model, "conv2d_1", settings)
    res = ascent.batched(seed=1)
    assert res.images.shape == (6, 10, 10, 1)
    np.testing.assert_allclose(np.diag(filter_responses(model, "conv2d_1", res.images)), res.final, rtol=1e-4, atol=1e-5)
    for f in (0, 4):
        image, start, final = ascend_one_filter_loop(ascent, f, seed=1)
        np.testing.assert_allclose(image, res.images[f], atol=1e-4)
        assert start == pytest.approx(res.start[f], rel=1e-4, abs=1e-6)
        assert final == pytest.approx(res.final[f], rel=1e-4, abs=1e-6)


def test_a_filter_off_on_grey_is_woken_and_only_an_impossible_one_is_dead():
    import keras

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, activation="relu", name="conv2d")])
    kernel = np.zeros((3, 3, 1, 3), np.float32)
    kernel[1, 1, 0, :] = 1.0  # three centre-pixel detectors...
    bias = np.array([0.0, -0.7, -5.0], np.float32)  # ...on, off on grey (0.5 - 0.7 < 0), and off for any input
    model.get_layer("conv2d").set_weights([kernel, bias])
    res = FilterAscent(model, "conv2d", schema.Filters(steps=60)).batched(0)
    assert res.start[1] == 0.0 and res.start[2] == 0.0
    assert res.dead.tolist() == [False, False, True]
    assert res.final[0] > 0.95  # pixels driven to the top of the range: 1 - 0
    # woken through its pre-activation: at least one of the 6x6 positions reaches its best, 1 - 0.7
    assert res.final[1] >= 0.3 / 36 - 1e-6
    np.testing.assert_allclose(np.diag(filter_responses(model, "conv2d", res.images)), res.final, atol=1e-5)


def test_an_edge_detector_with_a_negative_sum_and_bias_is_woken_not_dead():
    """Off on grey and on black; only its own pattern (bright row over dark row) makes it fire."""
    import keras

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3, activation="relu", name="conv2d")])
    kernel = np.zeros((3, 3, 1, 1), np.float32)
    kernel[0, :, 0, 0], kernel[2, :, 0, 0] = 1.0, -2.0  # sum -3: on grey 0.5 x -3 - 0.2 < 0
    model.get_layer("conv2d").set_weights([kernel, np.array([-0.2], np.float32)])
    res = FilterAscent(model, "conv2d", schema.Filters(steps=80)).batched(0)
    assert res.start[0] == 0.0 and not res.dead[0]
    # at best one window fires at 3 x 1 - 0.2 = 2.8, i.e. a mean over the 6x6 positions of at least 2.8/36
    assert res.final[0] >= 2.8 / 36 - 1e-6


def test_kernels_and_rgb_composite():
    model = tiny_cnn("sequential", shape=(10, 10, 3))
    kernels = layer_kernels(model, "conv2d")
    assert kernels.shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(kernels, np.transpose(model.get_layer("conv2d").get_weights()[0], (3, 0, 1, 2)))
    composite = rgb_composite(kernels)
    assert composite.shape == (4, 3, 3, 3)
    assert composite.min() == 0.0 and composite.max() == 1.0
    assert reads_input(model, "conv2d") and not reads_input(model, "conv2d_1")
    assert rgb_composite(layer_kernels(model, "conv2d_1")) is None  # 4 input channels: not colours
    with pytest.raises(ValueError, match="not a Conv2D"):
        layer_kernels(model, "dense")
