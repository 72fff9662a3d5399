"""Resampling onto the input grid: tf.image.resize's convention, or each cell on its receptive field."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.models import graph
from netviz.views.resample import interpolation, upsample

from . import four_head


def test_plain_upsample_matches_tf_image_resize():
    import tensorflow as tf

    maps = np.random.default_rng(8).random((2, 5, 7, 3)).astype(np.float32)
    expected = tf.image.resize(maps, (28, 20), method="bilinear").numpy()
    np.testing.assert_allclose(upsample(maps, (28, 20)), expected, atol=1e-5)


def test_spatial_grid_puts_each_cell_on_its_receptive_field_centre():
    import keras

    layers = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(2, 7, name="conv2d"),  # 22 cells centred on pixels 3..24
        layers.BatchNormalization(name="batch_normalization"),
        layers.MaxPooling2D(2, 2, name="max_pooling2d"),  # 11 cells centred on 3.5, 5.5, ...
        layers.Conv2D(2, 3, strides=2, padding="same", name="conv2d_1"),
    ])
    assert graph.spatial_grid(graph.Traced(model), "conv2d") == ((3.0, 1.0), (3.0, 1.0))
    assert graph.spatial_grid(graph.Traced(model), "batch_normalization") == ((3.0, 1.0), (3.0, 1.0))
    assert graph.spatial_grid(graph.Traced(model), "max_pooling2d") == ((3.5, 2.0), (3.5, 2.0))
    # 'same' with stride 2 on 11 cells pads one on each side: output j reads cells 2j-1..2j+1
    assert graph.spatial_grid(graph.Traced(model), "conv2d_1") == ((3.5, 4.0), (3.5, 4.0))
    four, _ = four_head()
    assert graph.spatial_grid(graph.Traced(four), "conv2d_1") == ((1.5, 1.0), (1.5, 1.0))  # 3x3 valid, then 2x2 pool with stride 1
    peak = np.zeros((1, 22, 22), np.float32)
    peak[0, 0, 0] = 1.0
    up = upsample(peak, (28, 28), graph.spatial_grid(graph.Traced(model), "conv2d"))
    assert up[0, 3, 3] == 1.0 and up[0, 4, 4] == 0.0  # the cell's own pixel, and not one further
    plain = upsample(peak, (28, 28))
    assert plain[0, 3, 3] == 0.0 and plain[0, 1, 1] > 0.0  # a plain resize drifts towards the corner


def test_interpolation_weights_worked_out_by_hand():
    # 4 pixels from 2 cells centred on pixels 0.5 and 2.5 (offset 0.5, stride 2): pixel p reads cell (p - 0.5) / 2
    np.testing.assert_allclose(interpolation(4, 2, 0.5, 2.0), [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])


def test_upsample_values_and_the_identity():
    maps = np.stack([np.full((3, 3), 2.0), np.arange(9.0).reshape(3, 3) - 4]).astype(np.float32)
    up = upsample(maps, (12, 12))
    assert up.shape == (2, 12, 12)
    np.testing.assert_allclose(up[0], 2.0)
    assert up[1, 0, 0] == pytest.approx(-4) and up[1, -1, -1] == pytest.approx(4)
    np.testing.assert_array_equal(upsample(maps, (3, 3)), maps)  # already at size: unchanged
    assert upsample(maps[..., None], (6, 6)).shape == (2, 6, 6, 1)  # a channel axis is carried along


def test_cropping_and_padding_move_the_grid_by_their_top_and_left() -> None:
    import keras

    image = keras.Input((12, 12, 1))
    cropped = keras.layers.Conv2D(2, 3, name="after_crop")(keras.layers.Cropping2D(((1, 0), (2, 0)))(image))
    padded = keras.layers.Conv2D(2, 3, name="after_pad")(keras.layers.ZeroPadding2D(1)(image))
    model = keras.Model(image, [cropped, padded])
    # cell 0 of a 3x3 'valid' convolution is centred one pixel in; the crop moves it down 1 and right 2,
    # the padding back up and left by 1
    assert graph.spatial_grid(graph.Traced(model), "after_crop") == ((2.0, 1.0), (3.0, 1.0))
    assert graph.spatial_grid(graph.Traced(model), "after_pad") == ((0.0, 1.0), (0.0, 1.0))

