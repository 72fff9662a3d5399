"""Training learns, evaluation scores are exact, and the validation split is deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.models.outputs import OutputInfo
from netviz.spec import schema
from netviz.train.fit import classification_scores, evaluate, fit, split_validation


def test_classification_scores_by_hand() -> None:
    truth = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 2, 0])
    scores = classification_scores(truth, pred, 3)
    assert scores["accuracy"] == pytest.approx(4 / 6)
    # per class F1: c0 p=1/2 r=1/2 -> 0.5; c1 p=2/3 r=1 -> 0.8; c2 p=1 r=1/2 -> 2/3
    assert scores["macro_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert scores["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_split_validation_is_deterministic_and_disjoint() -> None:
    a_train, a_val = split_validation(100, 0.1, seed=3)
    b_train, b_val = split_validation(100, 0.1, seed=3)
    assert np.array_equal(a_val, b_val) and len(a_val) == 10 and len(a_train) == 90
    assert not set(a_train) & set(a_val)
    assert not np.array_equal(split_validation(100, 0.1, seed=4)[1], a_val)


def _bright_vs_dark(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = rng.integers(0, 60, (n, 8, 8, 1)).astype(np.uint8)
    images[labels == 1, 2:6, 2:6] += 150
    return images, labels


def test_two_head_model_learns_both_heads() -> None:
    import keras

    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(keras.layers.Conv2D(4, 3, activation="relu")(inputs))
    a = keras.layers.Dense(1, activation="sigmoid", name="bright")(x)
    b = keras.layers.Dense(2, activation="softmax", name="same")(x)
    model = keras.Model(inputs, [a, b])
    outputs = [OutputInfo("bright", "t", "sigmoid", ("dark", "bright")), OutputInfo("same", "t", "softmax", ("dark", "bright"))]
    x_train, y_train = _bright_vs_dark(600, 0)
    x_test, y_test = _bright_vs_dark(200, 1)
    result = fit(model, outputs, x_train, {"t": y_train}, schema.Train(epochs=15, batch_size=50, learning_rate=0.01), seed=0, verbose=0)
    assert result.train_size == 540 and result.validation_size == 60
    assert len(result.history["bright_accuracy"]) == 15
    scores = evaluate(model, outputs, x_test, {"t": y_test})
    assert scores["bright"].accuracy > 0.9
    assert scores["same"].accuracy > 0.9


def test_restore_best_keeps_the_lowest_validation_loss_epoch() -> None:
    import keras

    from netviz.train.fit import restore_best_callback

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    callback = restore_best_callback()
    callback.set_model(model)
    good = [w.copy() for w in model.get_weights()]
    callback.on_epoch_end(0, {"val_loss": 0.5})
    model.set_weights([w + 1 for w in good])
    callback.on_epoch_end(1, {"val_loss": 0.9})
    callback.on_train_end()
    for restored, expected in zip(model.get_weights(), good):
        np.testing.assert_array_equal(restored, expected)


def test_random_shift_moves_each_image_by_whole_pixels_within_the_bound() -> None:
    import tensorflow as tf

    from netviz.train.fit import input_pipeline, random_shift

    rng = np.random.default_rng(0)
    images = rng.integers(1, 256, (64, 9, 9, 2)).astype(np.float32)  # no zero pixel: fill is visible
    moved = random_shift(tf.constant(images), 2, tf.constant([7, 0], tf.int64)).numpy()
    offsets = set()
    for before, after in zip(images, moved):
        match = [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3)
                 if np.array_equal(after, _shifted(before, dx, dy))]
        assert len(match) == 1, "each output is its image moved by one whole-pixel offset"
        offsets.add(match[0])
    assert len(offsets) >= 15, "offsets vary across the batch"  # of 25 possible
    np.testing.assert_array_equal(random_shift(tf.constant(images), 2, tf.constant([7, 0], tf.int64)).numpy(), moved)
    x = rng.integers(0, 256, (40, 9, 9, 1)).astype(np.uint8)
    plain = np.concatenate([a for a, _ in input_pipeline(x, [np.arange(40)], 16, shuffle_seed=1)])
    shifted = [np.concatenate([a for a, _ in input_pipeline(x, [np.arange(40)], 16, shuffle_seed=1, shift=1)])
               for _ in range(2)]
    np.testing.assert_array_equal(shifted[0], shifted[1])  # the same seed, the same shifts
    assert not np.array_equal(shifted[0], plain)


def test_random_shift_trains_a_patch_matrix_convolution() -> None:
    """The shift op forgets the image size; the four-head network's 3x3 over RGB (computed as
    one patch-matrix matmul) needs it, so ``random_shift`` on LINE once failed in the first step."""
    import tensorflow as tf

    from netviz.models.build import build_model, model_outputs
    from netviz.train.fit import random_shift
    from netviz.train.fused_ops import patch_conv

    moved = random_shift(tf.zeros((4, 9, 9, 3), tf.uint8), 1, tf.constant([0, 0], tf.int64))
    assert moved.shape == (4, 9, 9, 3)
    spec = schema.Model.model_validate({
        "name": "shifted", "dataset": "d", "target": "t",
        "layers": [{"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"}, {"type": "Flatten"},
                   {"type": "Dense", "units": 2, "activation": "softmax"}],
        "train": {"epochs": 2, "batch_size": 50, "learning_rate": 0.01, "random_shift": 1}})
    model = build_model(spec, (8, 8, 3), seed=0)
    assert patch_conv(model.layers[0])
    x, y = _bright_vs_dark(300, 0)
    result = fit(model, model_outputs(spec, {"t": ["dark", "bright"]}), np.repeat(x, 3, axis=-1), {"t": y},
                 spec.train, seed=0, verbose=0)
    assert len(result.history["loss"]) == 2 and np.isfinite(result.history["loss"]).all()


def _shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``image`` sampled at (x + dx, y + dy), zero outside: what the transform computes."""
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    for y in range(h):
        for x in range(w):
            if 0 <= y + dy < h and 0 <= x + dx < w:
                out[y, x] = image[y + dy, x + dx]
    return out


def _one_sgd_step(loss_weight: float) -> dict[str, np.ndarray]:
    """The change of each output layer's kernel after one SGD step of a two-head model
    whose head "b" has ``loss_weight``, all 64 images in the one batch."""
    from netviz.models.build import build_model, model_outputs
    from netviz.train.distribute import output_layers

    spec = schema.Model.model_validate({
        "name": "two", "dataset": "d",
        "trunk": [{"type": "Conv2D", "filters": 3, "kernel_size": 3, "activation": "relu"}, {"type": "Flatten"}],
        "heads": [{"name": "a", "target": "t", "layers": [{"type": "Dense", "units": 2, "activation": "softmax"}]},
                  {"name": "b", "target": "t", "loss_weight": loss_weight,
                   "layers": [{"type": "Dense", "units": 1, "activation": "sigmoid"}]}],
        "train": {"optimizer": "sgd", "learning_rate": 0.5, "epochs": 1, "batch_size": 64, "validation_split": 0}})
    model = build_model(spec, (8, 8, 1), seed=0)
    before = {layer.name: np.asarray(layer.kernel) for layer in output_layers(model)}
    x, y = _bright_vs_dark(64, 2)
    fit(model, model_outputs(spec, {"t": ["dark", "bright"]}), x, {"t": y}, spec.train, seed=0, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 1
    return {layer.name: np.asarray(layer.kernel) - before[layer.name] for layer in output_layers(model)}


def test_a_heads_loss_weight_scales_what_it_learns() -> None:
    # one SGD step from the same weights: a head's own layer moves by -rate * weight * its loss'
    # gradient, so a quarter of the weight moves it a quarter as far; the other head is untouched
    full, quarter = _one_sgd_step(1.0), _one_sgd_step(0.25)
    assert np.abs(full["b"]).max() > 1e-3
    np.testing.assert_allclose(quarter["b"], 0.25 * full["b"], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(quarter["a"], full["a"], rtol=1e-5, atol=1e-7)


def test_warmup_rises_linearly_from_zero_then_follows_the_schedule() -> None:
    from netviz.train.fit import learning_rate_schedule

    # 10 steps an epoch, 4 epochs: 10 warm-up steps, then cosine over the other 30
    cosine = learning_rate_schedule(schema.Train(learning_rate=0.003, epochs=4, warmup_epochs=1, lr_schedule="cosine"), 10)
    expected = {0: 0.0, 5: 0.0015, 10: 0.003, 25: 0.0015, 40: 0.0}  # step 25: cos(pi/2) half-way through the decay
    expected[15] = 0.003 * 0.5 * (1 + np.cos(np.pi * 5 / 30))
    for step, rate in expected.items():
        assert float(cosine(step)) == pytest.approx(rate, abs=1e-9), step
    constant = learning_rate_schedule(schema.Train(learning_rate=0.002, epochs=4, warmup_epochs=0.5), 10)
    assert [round(float(constant(s)), 9) for s in (0, 1, 5, 20, 39)] == [0.0, 0.0004, 0.002, 0.002, 0.002]
    assert learning_rate_schedule(schema.Train(learning_rate=0.002, epochs=4), 10) == 0.002  # no warm-up: as before


def test_patience_stops_when_the_validation_loss_stops_improving() -> None:
    import keras

    # a learning rate too small to move float32 weights: the validation loss never improves after epoch 1
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    outputs = [OutputInfo("same", "t", "softmax", ("dark", "bright"))]
    x, y = _bright_vs_dark(200, 0)
    still = schema.Train(optimizer="sgd", learning_rate=1e-12, epochs=20, batch_size=50, patience=2)
    assert len(fit(model, outputs, x, {"t": y}, still, seed=0, verbose=0).history["loss"]) == 3
    learning = schema.Train(learning_rate=0.01, epochs=6, batch_size=50, patience=2)
    assert len(fit(model, outputs, x, {"t": y}, learning, seed=0, verbose=0).history["loss"]) == 6


def test_extra_splits_are_evaluated_apart_on_the_targets_they_label() -> None:
    """A model that answers "bright" when the centre is bright, evaluated on a split where the labels follow the
    centre (all right) and one where they are flipped (all wrong); a head whose target a split lacks is skipped."""
    import keras

    from netviz.data.base import ExtraTest
    from netviz.train.fit import evaluate_extra

    inputs = keras.Input((8, 8, 1))
    centre = keras.layers.Lambda(lambda x: x[:, 3:5, 3:5, 0])(inputs)
    score = keras.layers.Lambda(lambda x: keras.ops.mean(x, axis=(1, 2), keepdims=False)[:, None] - 0.5)(centre)
    probs = keras.layers.Lambda(lambda s: keras.ops.concatenate([-s, s], axis=1))(score)
    model = keras.Model(inputs, keras.layers.Softmax()(probs * 50))
    images, labels = _bright_vs_dark(40, 2)
    outputs = [OutputInfo("class", "t", "softmax", ("dark", "bright"))]
    found = evaluate_extra(model, outputs, {"same": ExtraTest(images, {"t": labels}),
                                            "flipped": ExtraTest(images, {"t": 1 - labels}),
                                            "other": ExtraTest(images, {"u": labels})})
    assert list(found) == ["same", "flipped"]
    assert found["same"]["class"].accuracy == 1.0 and found["flipped"]["class"].accuracy == 0.0
    ones = int(labels.sum())
    assert found["flipped"]["class"].confusion == [[0, ones], [40 - ones, 0]]  # rows: the flipped labels
