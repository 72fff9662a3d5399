"""Dataset exemplars: the test-image patches that excite a filter most (Olah et al., Distill 2017).

An ascent picture shows what a filter *could* answer to; its exemplars show what it *does* answer
to in the data. One batched forward pass over the test split per layer gives every filter's
strongest response per image and where it sits; the ``EXEMPLARS`` images with the strongest
response (each image once) are cut at that cell's receptive field, so the crop is exactly the
input the response was computed from (zero-padded where the field hangs over the border).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from netviz.models import graph

EXEMPLARS = 6  # crops per filter (the issue asks for 4 to 8)
MAX_VALUES = 2**26  # layer values per forward pass (256 MB of float32): 2048 MNIST images, 80 of 112x112x64


@dataclass(frozen=True)
class Exemplars:
    crops: np.ndarray  # (F, EXEMPLARS, fh, fw, C) in [0, 1]; zeros where a filter has fewer positive responses
    values: np.ndarray  # (F, EXEMPLARS) the responses, highest first; 0 where none
    images: np.ndarray  # (F, EXEMPLARS) test indices; -1 where none
    field: tuple[int, int]  # the receptive field, input pixels


def strongest_responses(model: Any, layer: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, F) each filter's largest response on each image and (N, F) the flat cell index where it is;
    in chunks of at most ``MAX_VALUES`` layer values, so a big network's maps never fill the memory."""
    import tensorflow as tf

    net = graph.layer_outputs_model(model, [layer])
    per_image = int(np.prod([d for d in net.outputs[0].shape[1:] if d is not None]))
    chunk = max(1, min(graph.CHUNK, MAX_VALUES // max(1, per_image)))

    @tf.function(autograph=False, input_signature=[tf.TensorSpec((None, *x.shape[1:]), tf.float32)])
    def reduce(batch: Any) -> Any:
        maps = tf.cast(net(batch, training=False), tf.float32)
        flat = tf.reshape(maps, (tf.shape(maps)[0], -1, tf.shape(maps)[-1]))
        return tf.reduce_max(flat, axis=1), tf.argmax(flat, axis=1, output_type=tf.int32)

    parts = [reduce(as_float(x[i : i + chunk])) for i in range(0, len(x), chunk)]
    return (np.concatenate([v.numpy() for v, _ in parts]), np.concatenate([a.numpy() for _, a in parts]))


def crop(image: np.ndarray, top: int, left: int, size: tuple[int, int]) -> np.ndarray:
    """The (fh, fw) window of ``image`` (H, W, C) from (top, left), zero where it hangs over the border."""
    (fh, fw), (h, w) = size, image.shape[:2]
    out = np.zeros((fh, fw, image.shape[2]), dtype=np.float32)
    y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + fh, h), min(left + fw, w)
    if y1 > y0 and x1 > x0:
        out[y0 - top : y1 - top, x0 - left : x1 - left] = image[y0:y1, x0:x1]
    return out


def layer_exemplars(model: Any, layer: str, x: np.ndarray, filters: np.ndarray | None = None,
                    k: int = EXEMPLARS) -> Exemplars | None:
    """The ``k`` test crops that excite each of ``filters`` (all by default) of ``layer`` most.
    None where the layer's cells have no plain receptive field (off a chain of convolutions and pools)."""
    traced = graph.Traced(model)
    found = graph.receptive_field(traced, layer)
    if found is None:
        return None
    ((oy, sy), (ox, sx)), field = found
    width = int(traced.output_of(layer).shape[2])
    values, where = strongest_responses(model, layer, x)
    if filters is not None:
        values, where = values[:, filters], where[:, filters]
    order = np.argsort(-values, axis=0, kind="stable")[:k].T  # (F, k) image indices, strongest first
    f = values.shape[1]
    best = values[order, np.arange(f)[:, None]]
    crops = np.zeros((f, k, *field, _channels(x)), dtype=np.float32)
    for j in range(f):  # F * k small crops; the network ran once, batched, above
        for r, i in enumerate(order[j]):
            if best[j, r] <= 0:
                continue
            cell = int(where[i, j])
            top = int(round(oy + sy * (cell // width) - (field[0] - 1) / 2))
            left = int(round(ox + sx * (cell % width) - (field[1] - 1) / 2))
            crops[j, r] = crop(as_float(x[i : i + 1])[0], top, left, field)
    return Exemplars(crops=crops, values=np.where(best > 0, best, 0.0).astype(np.float32),
                     images=np.where(best > 0, order, -1).astype(np.int64), field=field)


def _channels(x: np.ndarray) -> int:
    return 1 if x.ndim == 3 else int(x.shape[-1])


def as_float(x: np.ndarray) -> np.ndarray:
    """Images as the model reads them: float32 in [0, 1] with a channel axis (as ``netviz.views.model.as_float``,
    which this leaf module cannot import)."""
    x = np.asarray(x)
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return x[..., None] if x.ndim == 3 else x
