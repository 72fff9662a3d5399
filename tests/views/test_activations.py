"""Intermediate activations: every channel shown, statistics exact, both model kinds."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.figures import plots as figures
from netviz.models import graph
from netviz.views.activations import layer_activations, summarize

from . import copy_weights, images, tiny_cnn


def channel_ramp(channels: int):
    """A 1x1 conv whose channel k outputs (k+1) x input: every channel is identifiable by its value."""
    import keras

    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(channels, 1, name="conv2d")])
    kernel = np.arange(1, channels + 1, dtype=np.float32).reshape(1, 1, 1, channels)
    model.get_layer("conv2d").set_weights([kernel, np.zeros(channels, np.float32)])
    return model


@pytest.mark.parametrize("channels", [5, 40])
def test_every_channel_is_shown_in_its_place(channels, tmp_path):
    n = 3
    (act,) = layer_activations(channel_ramp(channels), np.ones((n, 6, 6, 1), np.float32))
    assert act.maps.shape == (n, 6, 6, channels) and act.channels == channels
    grid = figures.activation_grid(act.maps)
    band, tile = figures.BAND, 6 + 1
    bands = -(-channels // band)
    width = min(channels, band) * tile + 1
    assert grid.shape == (bands * (n * tile + 1) + 3 * (bands - 1), width, 3)
    for k in range(channels):
        b, col = divmod(k, band)
        for row in range(n):
            y, x = b * (n * tile + 1 + 3) + 1 + row * tile, 1 + col * tile
            expected = figures.colormap(np.array(k / (channels - 1)), "viridis")
            np.testing.assert_allclose(grid[y : y + 6, x : x + 6], np.broadcast_to(expected, (6, 6, 3)), atol=1e-9)
    path = figures.plot_activations(act.maps, tmp_path / "a.png")
    from PIL import Image

    h, w = np.asarray(Image.open(path)).shape[:2]
    scale = figures.auto_scale(grid.shape[1])
    assert (h, w) == (grid.shape[0] * scale, grid.shape[1] * scale)


def test_mean_and_dead_share_are_exact():
    import keras

    model = keras.Sequential([keras.Input((5, 5, 1)), keras.layers.Conv2D(4, 1, activation="relu", name="conv2d")])
    model.get_layer("conv2d").set_weights([np.array([1.0, -1.0, 2.0, -3.0], np.float32).reshape(1, 1, 1, 4), np.zeros(4, np.float32)])
    x = images(2, (5, 5, 1)) + 0.1  # strictly positive: channels 1 and 3 can never fire
    (act,) = layer_activations(model, x)
    assert act.dead.tolist() == [False, True, False, True]
    assert act.dead_share == 0.5
    assert act.mean_activation == pytest.approx(float((x * 1 + x * 2).sum() / (x.size * 4)), rel=1e-5)


def test_summarize_counts_a_channel_alive_if_it_fires_on_any_image():
    maps = np.zeros((3, 2, 2, 3), np.float32)
    maps[2, 1, 1, 0] = 0.5  # fires once, on the last image
    maps[:, :, :, 1] = -1.0
    act = summarize("x", maps)
    assert act.dead.tolist() == [False, True, True]
    assert act.dead_share == pytest.approx(2 / 3)


def test_default_layers_and_both_model_kinds():
    seq = tiny_cnn("sequential")
    fun = copy_weights(seq, tiny_cnn("functional", seed=2))
    assert graph.default_activation_layers(seq) == ["conv2d", "batch_normalization", "max_pooling2d", "conv2d_1"]
    x = images(4)
    a, b = layer_activations(seq, x), layer_activations(fun, x)
    assert [r.layer for r in a] == [r.layer for r in b] == graph.default_activation_layers(seq)
    for ra, rb in zip(a, b):
        np.testing.assert_allclose(ra.maps, rb.maps, atol=1e-6)
    assert a[0].maps.shape == (4, 8, 8, 4) and a[3].maps.shape == (4, 5, 5, 6)
    (only,) = layer_activations(seq, x, ["max_pooling2d"])
    np.testing.assert_allclose(only.maps, a[2].maps, atol=1e-6)


def test_a_batch_norm_after_a_dense_layer_is_not_a_default_and_is_refused_when_asked():
    import keras

    layers = keras.layers
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3, name="conv2d"), layers.Flatten(name="flatten"),
                              layers.Dense(4, name="dense"), layers.BatchNormalization(name="batch_normalization")])
    assert graph.default_activation_layers(model) == ["conv2d"]
    with pytest.raises(ValueError, match="no spatial maps"):
        layer_activations(model, np.zeros((1, 6, 6, 1), np.float32), ["batch_normalization"])
