"""The fused training kernels compute what Keras' own layers compute, and leave no trace."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from netviz.spec import schema
from netviz.train.fused_ops import (
    all_layers,
    fusable_batch_norm,
    fused_batch_norm,
    patch_conv,
    plain_dropout,
    training_kernels,
)


@pytest.mark.parametrize("shape", [(16, 5, 5, 3), (32, 7)])
def test_fused_batch_norm_matches_keras_values_statistics_and_gradients(shape: tuple[int, ...]) -> None:
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, shape).astype(np.float32))
    layer = keras.layers.BatchNormalization(epsilon=1e-3)
    layer.build(shape)
    layer.gamma.assign(rng.uniform(0.5, 2.0, shape[-1]).astype(np.float32))
    layer.beta.assign(rng.normal(0, 1, shape[-1]).astype(np.float32))
    weight = tf.constant(rng.normal(0, 1, shape).astype(np.float32))  # a loss that is not symmetric

    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        expected = layer(x, training=True)
        got, mean, variance = fused_batch_norm(x, layer.gamma, layer.beta, layer.epsilon)
        expected_loss, got_loss = tf.reduce_sum(expected * weight), tf.reduce_sum(got * weight)
    axes = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=2e-5)
    np.testing.assert_allclose(mean.numpy(), x.numpy().mean(axis=axes), rtol=1e-5)
    np.testing.assert_allclose(variance.numpy(), x.numpy().var(axis=axes), rtol=1e-4)  # biased, as tf.nn.moments
    for source in (x, layer.gamma, layer.beta):
        np.testing.assert_allclose(tape.gradient(got_loss, source).numpy(),
                                   tape.gradient(expected_loss, source).numpy(), atol=1e-4)


def _model(seed: int, **bn_args: object) -> object:
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((8, 8, 2)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.BatchNormalization(momentum=0.8, **bn_args),
        keras.layers.Conv2D(3, 1, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(6),
        keras.layers.BatchNormalization(momentum=0.8),
        keras.layers.Dense(3, activation="softmax"),
    ])


def test_training_under_the_kernels_matches_keras_and_restores_the_layers() -> None:
    import keras

    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (64, 8, 8, 2)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    plain, fused = _model(5), _model(5)
    for model in (plain, fused):
        # SGD: Adam's g / sqrt(v) would blow float noise up where a gradient is ~0 (the first
        # batch norm's beta, whose shift the second batch norm removes)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    plain.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    with training_kernels(fused) as swapped:
        assert swapped == 4  # two batch norms, the 3x3 and the 1x1 convolution
        assert all(("call" in layer.__dict__) == (type(layer).__name__ in ("Conv2D", "BatchNormalization"))
                   for layer in fused.layers)
        fused.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(plain.weights, fused.weights):  # moving statistics included
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=2e-4, err_msg=a.path)
    assert np.abs(plain.layers[1].moving_mean.numpy()).max() > 0.01  # the statistics did move
    assert not any("call" in layer.__dict__ for layer in fused.layers)
    assert [type(layer) for layer in fused.layers] == [type(layer) for layer in plain.layers]
    np.testing.assert_allclose(fused.predict(x, verbose=0), plain.predict(x, verbose=0), atol=2e-4)


def test_layers_the_kernel_cannot_compute_exactly_keep_keras_code() -> None:
    model = _model(0, synchronized=True)
    assert not fusable_batch_norm(model.layers[1]) and fusable_batch_norm(model.layers[5])
    tiny_epsilon = _model(0, epsilon=1e-6)
    assert not fusable_batch_norm(tiny_epsilon.layers[1])
    with training_kernels(model) as swapped:
        assert swapped == 3 and "call" not in model.layers[1].__dict__


@pytest.mark.parametrize(("kernel", "channels", "padding", "strides", "fast"), [
    (3, 3, "valid", 1, True), (3, 2, "same", 1, True), (2, 4, "same", 1, True), (1, 32, "valid", 1, True),
    (1, 16, "same", 1, True), (7, 1, "valid", 1, False), (3, 16, "valid", 1, False), (3, 3, "valid", 2, False),
])
def test_patch_matrix_convolution_matches_conv2d(kernel: int, channels: int, padding: str, strides: int,
                                                 fast: bool) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((9, 8, channels)),
                              keras.layers.Conv2D(5, kernel, strides=strides, padding=padding, activation="relu")])
    layer = model.layers[0]
    assert patch_conv(layer) is fast
    x = tf.constant(np.random.default_rng(3).normal(0, 1, (4, 9, 8, channels)).astype(np.float32))
    weight = tf.constant(np.random.default_rng(4).normal(0, 1, layer.output.shape[1:]).astype(np.float32))

    def value_and_gradients() -> tuple[np.ndarray, list[np.ndarray]]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * weight)
        return y.numpy(), [g.numpy() for g in tape.gradient(loss, [x, layer.kernel, layer.bias])]

    expected, expected_grads = value_and_gradients()
    with training_kernels(model) as swapped:
        assert swapped == int(fast)
        got, got_grads = value_and_gradients()
    assert got.shape == expected.shape and (expected > 0).any()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    for g, e in zip(got_grads, expected_grads):
        np.testing.assert_allclose(g, e, atol=1e-4)


def test_dropout_kernel_drops_at_the_rate_and_keeps_the_expected_value() -> None:
    import keras
    import tensorflow as tf

    def layer_model(seed: int) -> object:
        return keras.Sequential([keras.Input((100, 100)), keras.layers.Dropout(0.4, seed=seed)])

    model = layer_model(7)
    layer = model.layers[0]
    assert plain_dropout(layer) and not plain_dropout(keras.layers.Dropout(0.4, noise_shape=(1, 100)))
    ones = tf.ones((4, 100, 100))
    with training_kernels(model) as swapped:
        assert swapped == 1
        first, second = layer(ones, training=True).numpy(), layer(ones, training=True).numpy()
        np.testing.assert_array_equal(layer(ones, training=False).numpy(), ones.numpy())
        again = layer_model(7)
        with training_kernels(again):
            np.testing.assert_array_equal(again.layers[0](ones, training=True).numpy(), first)  # seeded
    dropped = (first == 0).mean()
    assert abs(dropped - 0.4) < 3 * np.sqrt(0.4 * 0.6 / first.size)  # 40,000 draws: within 3 sigma
    assert set(np.unique(first)) == {0.0, np.float32(65536 / (65536 - 26214))}
    assert abs(first.mean() - 1.0) < 0.02
    assert not np.array_equal(first, second), "each call draws a new mask"


def test_nested_models_layers_are_found_through_the_public_layers() -> None:
    import keras

    inner = keras.Sequential([keras.layers.Conv2D(3, 1), keras.layers.BatchNormalization()], name="inner")
    model = keras.Sequential([keras.Input((4, 4, 2)), inner, keras.layers.Flatten(), keras.layers.Dropout(0.2)])
    assert [layer.name for layer in all_layers(model)][:3] == ["inner", *[layer.name for layer in inner.layers]]
    with training_kernels(model) as swapped:
        assert swapped == 3 and all("call" in layer.__dict__ for layer in inner.layers)
    assert not any("call" in layer.__dict__ for layer in all_layers(model))


# ---------------------------------------------------------------- runtime.fast_kernels and the fallback

TINY = {"name": "tiny", "dataset": "bars", "target": "class",
        "layers": [{"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
                   {"type": "BatchNormalization", "momentum": 0.8}, {"type": "Dropout", "rate": 0.3},
                   {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}],
        "train": {"epochs": 2, "batch_size": 16, "validation_split": 0, "learning_rate": 0.01}}


@dataclass
class Trained:
    weights: list[np.ndarray]
    history: dict[str, list[float]]
    steps: int
    patched: set[bool]  # per training call: were any kernels (layer calls or Adam's update) swapped in?


def _fit_tiny(fast_kernels: bool) -> Trained:
    """A seeded conv / batch norm / dropout network fitted by netviz.train.fit on 64 bright-or-dark 6x6 images."""
    import keras

    from netviz.models.build import build_model, model_outputs
    from netviz.train.fit import fit

    spec = schema.Model.model_validate(TINY)
    model = build_model(spec, (6, 6, 1), seed=3)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 64)
    x = (rng.integers(0, 100, (64, 6, 6, 1)) + 120 * labels[:, None, None, None]).astype(np.uint8)
    patched: set[bool] = set()

    class Spy(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
            patched.add(any("call" in layer.__dict__ for layer in all_layers(self.model))
                        or "update_step" in vars(self.model.optimizer))

    result = fit(model, model_outputs(spec, {"class": ["dark", "bright"]}), x, {"class": labels}, spec.train,
                 seed=0, verbose=0, callbacks=[Spy()], fast_kernels=fast_kernels)
    return Trained([np.asarray(w) for w in model.weights], result.history, int(model.optimizer.iterations.numpy()), patched)


def test_fast_kernels_false_trains_exactly_as_stock_keras(monkeypatch: pytest.MonkeyPatch) -> None:
    from netviz.train import fit as train

    fast, off = _fit_tiny(fast_kernels=True), _fit_tiny(fast_kernels=False)
    assert fast.patched == {True} and off.patched == {False}
    # stock Keras: the same fit with both patches taken out of netviz.train.fit
    monkeypatch.setattr(train, "training_kernels", lambda model, enabled=True: contextlib.nullcontext(0))
    monkeypatch.setattr(train, "fuse_adam", lambda optimizer: False)
    stock = _fit_tiny(fast_kernels=True)
    assert stock.patched == {False}
    for a, b in zip(off.weights, stock.weights):
        np.testing.assert_array_equal(a, b)
    # the kernels were in play: their dropout draws other masks, so the weights differ
    assert any(not np.allclose(a, b) for a, b in zip(fast.weights, off.weights))


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    """fast_kernels_available probes once per process; these tests need it to probe again."""
    from netviz.train import fused_ops as kernels

    kernels.fast_kernels_available.cache_clear()
    yield
    kernels.fast_kernels_available.cache_clear()


@pytest.mark.parametrize("owner, name", [("compat.v1.nn", "fused_batch_norm"), ("raw_ops", "ResourceApplyAdam")])
def test_a_missing_internal_falls_back_to_stock_keras_with_one_notice(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_probe: None, owner: str,
        name: str) -> None:
    import keras
    import tensorflow as tf

    module = functools.reduce(getattr, owner.split("."), tf)
    getattr(module, name)  # TensorFlow's lazy modules load an attribute on first use
    monkeypatch.delattr(module, name)
    first, second = _fit_tiny(fast_kernels=True), _fit_tiny(fast_kernels=True)  # two models, as in one build
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"netviz: notice: fast training kernels off (Keras {keras.__version__}: AttributeError: "
                   f"module 'tensorflow._api.v2.{owner}' has no attribute '{name}'); training with stock Keras"]
    for run in (first, second):
        assert run.patched == {False}
        assert run.steps == 2 * 4 and all(np.isfinite(run.history["loss"]))
