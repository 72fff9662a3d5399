"""Dataset exemplars: a filter built to answer to one patch finds that patch, cut at its receptive field."""

from __future__ import annotations

import numpy as np

from netviz.models import graph
from netviz.views.exemplars import crop, layer_exemplars

CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=np.float32)


def cross_detector(extra_pool: bool = False):
    """Conv2D(2, 3): filter 0 is +1 on the cross and -1 off it (a cross scores 5, anything else less);
    filter 1 is all -1 (never fires on non-negative images)."""
    import keras

    stack = [keras.layers.Conv2D(2, 3, activation="relu", name="conv2d")]
    if extra_pool:
        stack.append(keras.layers.MaxPooling2D(2, 2, name="pool"))
    model = keras.Sequential([keras.Input((10, 10, 1)), *stack])
    kernel = np.stack([2 * CROSS - 1, -np.ones((3, 3))], axis=-1)[:, :, None, :].astype(np.float32)
    model.get_layer("conv2d").set_weights([kernel, np.zeros(2, np.float32)])
    return model


def images_with_crosses() -> np.ndarray:
    x = np.zeros((6, 10, 10, 1), np.float32)
    x[3, 2:5, 5:8, 0] = CROSS  # the cross at (2, 5): the cell (2, 5) of a valid 3x3 convolution
    x[1, 6:9, 1:4, 0] = CROSS
    x[4, 1, 1, 0] = 1.0  # a single pixel: scores 1 (on the centre of cell (0, 0)), less than a cross
    return x


def test_the_exemplars_of_a_cross_detector_are_the_crosses():
    found = layer_exemplars(cross_detector(), "conv2d", images_with_crosses(), k=3)
    assert found is not None and found.field == (3, 3)
    assert found.images[0].tolist() == [1, 3, 4]  # two crosses (a tie: by index), then the single pixel
    assert found.values[0].tolist() == [5.0, 5.0, 1.0]
    np.testing.assert_array_equal(found.crops[0, 0, ..., 0], CROSS)
    np.testing.assert_array_equal(found.crops[0, 1, ..., 0], CROSS)
    assert found.images[1].tolist() == [-1, -1, -1] and not found.crops[1].any()  # a filter that never fires


def test_after_pooling_the_crop_is_the_pooled_cells_field():
    found = layer_exemplars(cross_detector(extra_pool=True), "pool", images_with_crosses(), filters=np.array([0]), k=1)
    assert found is not None and found.field == (4, 4)  # 3x3, then a 2x2 pool: one more pixel each way
    # both crosses score 5, image 1 first (a tie: by index); its cross's cell (6, 1) pools into cell (3, 0),
    # centred on pixel 1.5 + 2 * 3 = 7.5 down, 1.5 across: the 4x4 field starts at (6, 0)
    assert found.images[0, 0] == 1
    np.testing.assert_array_equal(found.crops[0, 0, ..., 0], images_with_crosses()[1, 6:10, 0:4, 0])
    assert found.crops[0, 0, ..., 0].sum() == 5.0  # the whole cross inside the crop


def test_crop_pads_with_zeros_over_the_border():
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    out = crop(image, -1, 2, (3, 3))[..., 0]
    np.testing.assert_array_equal(out, [[0, 0, 0], [2, 3, 0], [6, 7, 0]])


def test_receptive_field_sizes_worked_out_by_hand():
    import keras

    layers = keras.layers
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(2, 7, name="conv2d"),
                              layers.MaxPooling2D(2, 2, name="pool"),
                              layers.Conv2D(2, 3, strides=2, padding="same", name="conv2d_1")])
    traced = graph.Traced(model)
    assert graph.receptive_field(traced, "conv2d") == (((3.0, 1.0), (3.0, 1.0)), (7, 7))
    assert graph.receptive_field(traced, "pool")[1] == (8, 8)  # 7 + (2 - 1) * 1
    assert graph.receptive_field(traced, "conv2d_1")[1] == (12, 12)  # 8 + (3 - 1) * 2
