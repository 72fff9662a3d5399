"""Heads by what they compute: the logit is the input of the final softmax or sigmoid wherever it sits.

One small network written in every form a user writes a classifier in (Dense softmax; Dense then
Activation("softmax"); Dense then a Softmax layer; Dense with no activation, trained from logits) must
give the maps of its Dense-softmax form. Its weights are scaled up so that the images are confident
(p = 1.0 in float32): explained through log p of the clipped probability, as before, their Grad-CAM
maps came out all zero.
"""

from __future__ import annotations

import numpy as np
import pytest

from netviz.models import graph, load
from netviz.models.load import SourceError
from netviz.views.cam import CamProbe, explain

from . import images

CLASSES = 4
NAMES = [f"c{i}" for i in range(CLASSES)]


def form(kind: str, units: int = CLASSES, seed: int = 3):
    """Conv2D(5, 3, relu) -> Conv2D(6, 3, relu, 'cam') -> Flatten -> the head in form ``kind``; fixed seeded weights."""
    import keras

    layers = keras.layers
    keras.utils.set_random_seed(seed)
    inp = keras.Input((10, 10, 1))
    x = layers.Conv2D(5, 3, activation="relu", name="conv2d", bias_initializer=keras.initializers.Constant(0.05))(inp)
    x = layers.Conv2D(6, 3, activation="relu", name="cam", bias_initializer=keras.initializers.Constant(0.05))(x)
    x = layers.Flatten(name="flatten")(x)
    last = "sigmoid" if units == 1 else "softmax"
    if kind == "dense":
        out = layers.Dense(units, activation=last, name="out")(x)
    elif kind == "activation":
        out = layers.Activation(last, name="probabilities")(layers.Dense(units, name="out")(x))
    elif kind == "softmax_layer":
        out = layers.Softmax(name="probabilities")(layers.Dense(units, name="out")(x))
    elif kind == "logits":
        out = layers.Dense(units, name="out")(x)
    elif kind == "relu":
        out = layers.Dense(units, activation="relu", name="out")(x)
    model = keras.Model(inp, out)
    rng = np.random.default_rng(seed)
    for name in ("conv2d", "cam", "out"):  # the same weights in every form; the head's scaled so p saturates
        layer = model.get_layer(name)
        kernel, bias = layer.get_weights()
        kernel = rng.normal(0.0, 0.6, kernel.shape) * (25.0 if name == "out" else 1.0)
        layer.set_weights([kernel.astype(np.float32), bias])
    return model


def probed(kind: str, units: int = CLASSES, output: str | None = None):
    model = load.probability_model(form(kind, units), output)
    outputs = load.source_outputs(model, "class", NAMES if units > 1 else ["no", "yes"], None)
    return CamProbe(model, "cam", outputs)


@pytest.mark.parametrize("kind", ["activation", "softmax_layer", "logits"])
def test_every_softmax_form_gives_the_dense_softmax_maps(kind):
    x = images(8, (10, 10, 1), seed=4)
    reference, other = probed("dense"), probed(kind)
    assert [o.activation for o in other.outputs] == ["softmax"]
    targets = reference.targets(x)
    np.testing.assert_array_equal(other.targets(x)[0], targets[0])
    probs = reference.predictor.all_heads(x)[0]
    assert (probs.max(axis=1) == 1.0).sum() >= 4  # confident: log p of the clipped probability is flat here
    np.testing.assert_allclose(other.predictor.all_heads(x)[0], probs, atol=1e-6)  # logits become probabilities
    a = explain(reference, x, targets, ["gradcam", "scorecam"])
    b = explain(other, x, targets, ["gradcam", "scorecam"])
    assert (a["gradcam"][0].reshape(8, -1).max(axis=1) > 0).sum() >= 6  # the exact logit leaves the maps alive
    for method in a:
        np.testing.assert_allclose(b[method][0], a[method][0], atol=1e-5, err_msg=method)


@pytest.mark.parametrize("kind", ["activation", "logits"])
def test_every_sigmoid_form_gives_the_dense_sigmoid_maps(kind):
    x = images(8, (10, 10, 1), seed=5)
    reference, other = probed("dense", 1), probed(kind, 1)
    assert [o.activation for o in other.outputs] == ["sigmoid"]
    targets = reference.targets(x)
    np.testing.assert_allclose(other.predictor.all_heads(x)[0], reference.predictor.all_heads(x)[0], atol=1e-6)
    a, b = (explain(p, x, targets, ["gradcam"])["gradcam"][0] for p in (reference, other))
    assert (a.reshape(8, -1).max(axis=1) > 0).sum() >= 4
    np.testing.assert_allclose(b, a, atol=1e-5)


def test_a_logit_head_scores_the_logit_itself():
    """On the logits form the explained score is the raw output: no log, no clipping."""
    import tensorflow as tf

    x = images(3, (10, 10, 1), seed=6)
    probe = probed("logits")
    z = np.asarray(form("logits")(x))
    outs = probe.net(x, training=False)
    logits = probe.heads.logits(0, outs[1]).numpy()
    np.testing.assert_allclose(logits, z, rtol=1e-5, atol=1e-4)
    assert tf.is_tensor(outs[0])


def test_the_spec_says_what_the_output_is():
    """``output: logits`` on a model whose last layer netviz cannot read as a classifier (here a ReLU)
    makes it a logit head; without it the ReLU is refused in one line."""
    with pytest.raises(SourceError, match=r"output 'out' ends in a relu, which is not a classifier's softmax, sigmoid or"
                                          r" logits.*output: logits"):
        load.probability_model(form("relu"), None)
    assert [o.activation for o in probed("relu", output="logits").outputs] == ["softmax"]
    with pytest.raises(SourceError, match="says output: sigmoid but 'out' has 4 units"):
        load.probability_model(form("logits"), "sigmoid")
    # a softmax output declared as logits is a contradiction, told as one
    with pytest.raises(SourceError, match="says output: logits but 'out' ends in a softmax"):
        load.probability_model(form("dense"), "logits")


def test_mobilenet_v3_small_is_explained_through_its_logits():
    """keras.applications.MobileNetV3Small ends Conv2D 'Logits' -> Flatten -> Activation('softmax'):
    netviz's Grad-CAM must equal the one computed on the flattened logits directly."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5,
                                                include_preprocessing=False)
    assert graph.layer_type(model.layers[-1]) == "Activation"
    model = load.probability_model(model, None)
    outputs = load.source_outputs(model, "class", [str(i) for i in range(5)], None)
    layer = graph.default_cam_layer(model)
    probe = CamProbe(model, layer, outputs)
    x = images(4, (32, 32, 3), seed=7)
    targets = probe.targets(x)
    ours = explain(probe, x, targets, ["gradcam"])["gradcam"][0]
    logits = model.layers[-1].input
    direct = keras.Model(model.inputs, [model.get_layer(layer).output, logits])
    with tf.GradientTape() as tape:
        conv, z = direct(x, training=False)
        score = tf.gather(z, targets[0], axis=1, batch_dims=1)
    grads = tape.gradient(score, conv).numpy()
    expected = np.maximum(np.einsum("nhwk,nk->nhw", conv.numpy(), grads.mean(axis=(1, 2))), 0)
    peak = expected.reshape(4, -1).max(axis=1)[:, None, None]
    np.testing.assert_allclose(ours, np.where(peak > 0, expected / np.where(peak > 0, peak, 1), 0), atol=1e-4)


def test_a_two_output_logits_model_keeps_its_head_names():
    """Each logits output gains its own activation; the heads keep the names of the layers the user wrote."""
    import keras

    inp = keras.Input((10, 10, 1))
    x = keras.layers.Flatten()(keras.layers.Conv2D(2, 3, name="conv")(inp))
    model = keras.Model(inp, [keras.layers.Dense(3, name="shape")(x), keras.layers.Dense(1, name="big")(x)])
    wrapped = load.probability_model(model, None)
    assert [layer.name for layer in wrapped.layers[-2:]] == ["shape_probabilities", "big_probabilities"]
    outputs = load.source_outputs(wrapped, "class", None, None)
    assert [(o.name, o.activation) for o in outputs] == [("shape", "softmax"), ("big", "sigmoid")]
    probs = graph.Predictor(wrapped).all_heads(images(2, (10, 10, 1)))
    np.testing.assert_allclose(probs[0].sum(axis=1), 1.0, atol=1e-6)
    assert probs[1].shape == (2, 1) and np.all((probs[1] > 0) & (probs[1] < 1))
