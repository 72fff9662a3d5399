"""The classic one-at-a-time recipes netviz's batched code is measured against (and checked by the tests).

They are correct, just slow: every image (Grad-CAM) or filter (gradient ascent) pays the
Python and dispatch cost of its own passes. They live here, beside the benchmarks that time
them, not in the package.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from netviz.views.cam import CamProbe
from netviz.views.filters import FilterAscent
from netviz.views.methods.gradcam import gradcam


def gradcam_one_image_loop(probe: CamProbe, x: np.ndarray, targets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Grad-CAM per head, one image per eager ``GradientTape``."""
    import tensorflow as tf

    net, heads = probe.net, probe.heads
    per_head: list[list[np.ndarray]] = [[] for _ in probe.outputs]
    for n in range(len(x)):
        image = tf.constant(x[n : n + 1])
        with tf.GradientTape(persistent=True) as tape:
            conv, *outs = net(image, training=False)
            scores = [heads.score(i, o, tf.constant([int(targets[i][n])])) for i, o in enumerate(outs)]
        for i, s in enumerate(scores):
            g = tape.gradient(s, conv)
            per_head[i].append(gradcam(conv.numpy(), g.numpy())[0])
        del tape
    return [np.stack(maps) for maps in per_head]


def ascend_one_filter_loop(ascent: FilterAscent, filter_index: int, seed: int) -> tuple[np.ndarray, float, float]:
    """One filter's (image, start activation, final activation): the full layer, one compiled step per Python
    iteration, with the same start image, shifts and objective as :meth:`FilterAscent.batched`."""
    import tensorflow as tf

    image = tf.TensorSpec((None, *ascent.shape), tf.float32)
    index = tf.TensorSpec((None,), tf.int32)

    @tf.function(autograph=False, input_signature=[image, index, tf.TensorSpec((2,), tf.int32)])
    def step(x: Any, idx: Any, shift: Any) -> Any:
        return ascent._step(x, ascent._full_pre(idx), shift)

    @tf.function(autograph=False, input_signature=[image, index])
    def activation(x: Any, idx: Any) -> Any:
        return ascent._activation(ascent._full_pre(idx)(x))

    idx = np.array([filter_index], dtype=np.int32)
    x = ascent.start_images(seed)[filter_index : filter_index + 1]
    start = float(activation(x, idx).numpy()[0])
    for shift in ascent.shifts(seed):
        x = step(x, idx, shift)
    return x.numpy()[0], start, float(activation(x, idx).numpy()[0])
