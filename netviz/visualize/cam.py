"""Class-activation maps: the shared interface behind Grad-CAM, Grad-CAM++ and Score-CAM.

A :class:`CamProbe` wraps one model and one conv layer. It runs a whole batch
through one compiled ``tf.function`` that returns the layer's maps and, for every
output head, the gradient of that head's target score with respect to them (one
tape, all images, all heads). The methods themselves are small modules
(``gradcam``, ``gradcam_plus_plus``, ``scorecam``) that turn those arrays into maps.

Every method returns, per head, maps of shape (N, h, w) at the layer's resolution,
ReLU'd and scaled to [0, 1] per image; :meth:`CamProbe.upsample` brings them to input
size with every cell on the centre of its receptive field.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from netviz.models.outputs import OutputInfo
from netviz.visualize import graph

METHODS = ("gradcam", "gradcam_plus_plus", "scorecam")
TITLES = {"gradcam": "Grad-CAM", "gradcam_plus_plus": "Grad-CAM++", "scorecam": "Score-CAM"}


class CamProbe:
    """One model, one conv layer: its maps, per-head gradients and probabilities.

    ``net`` is the sub-model input -> [layer maps, then per head the tensor its
    score is computed from] (see :class:`graph.Heads`), on one consistent graph.
    """

    def __init__(self, model: Any, layer: str | None, outputs: Sequence[OutputInfo]) -> None:
        self.model = model
        self.layer = layer or graph.default_cam_layer(model)
        self.outputs = list(outputs)
        traced = graph.Traced(model)
        self.heads = graph.Heads(traced, self.outputs)
        self.net = traced.sub_model([traced.output_of(self.layer), *self.heads.tensors])
        self.grid = graph.spatial_grid(traced, self.layer)
        self.predictor = graph.Predictor(model, traced)
        self._grads_fn: Any = None
        self._maps_fn: Any = None

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.model.inputs[0].shape[1:])  # type: ignore[return-value]

    def upsample(self, maps: np.ndarray) -> np.ndarray:
        """Maps of this layer brought to input size, each cell on its receptive field's centre."""
        return upsample(maps, self.input_shape[:2], self.grid)

    def _compile(self) -> None:
        import tensorflow as tf

        n_heads = len(self.outputs)
        image = tf.TensorSpec((None, *self.input_shape), tf.float32)
        targets = tf.TensorSpec((n_heads, None), tf.int32)

        @tf.function(autograph=False, input_signature=[image, targets])
        def grads_fn(x: Any, t: Any) -> Any:
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(x)
                conv, *heads = self.net(x, training=False)
                scores = [tf.reduce_sum(self.heads.score(i, h, t[i])) for i, h in enumerate(heads)]
            grads = [tape.gradient(s, conv) for s in scores]
            del tape
            return tf.cast(conv, tf.float32), tf.cast(tf.stack(grads), tf.float32)

        @tf.function(autograph=False, input_signature=[image])
        def maps_fn(x: Any) -> Any:
            return tf.cast(self.net(x, training=False)[0], tf.float32)

        self._grads_fn, self._maps_fn = grads_fn, maps_fn

    def maps_and_grads(self, x: np.ndarray, targets: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Layer maps (N,h,w,K) and d(score of head i)/d(maps) as (heads,N,h,w,K)."""
        if self._grads_fn is None:
            self._compile()
        x = np.asarray(x, dtype=np.float32)
        t = np.stack([np.asarray(v, dtype=np.int32) for v in targets])
        parts = [self._grads_fn(x[i : i + graph.CHUNK], t[:, i : i + graph.CHUNK]) for i in range(0, len(x), graph.CHUNK)]
        return np.concatenate([a.numpy() for a, _ in parts]), np.concatenate([g.numpy() for _, g in parts], axis=1)

    def feature_maps(self, x: np.ndarray) -> np.ndarray:
        """Layer maps (N,h,w,K) from a forward pass alone."""
        if self._maps_fn is None:
            self._compile()
        x = np.asarray(x, dtype=np.float32)
        return np.concatenate([self._maps_fn(x[i : i + graph.CHUNK]).numpy() for i in range(0, len(x), graph.CHUNK)])

    def targets(self, x: np.ndarray, true: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
        """Per head, the class each image's map explains: the true label if given, else the prediction."""
        if true is not None:
            return [np.asarray(t).astype(np.int64) for t in true]
        probs = self.predictor.all_heads(x)
        return [graph.decisions(info, p) for info, p in zip(self.outputs, probs)]


def normalize(cams: np.ndarray) -> np.ndarray:
    """ReLU, then divide each map by its own maximum; an all-zero map stays zero."""
    cams = np.maximum(np.asarray(cams, dtype=np.float32), 0.0)
    peak = cams.reshape(len(cams), -1).max(axis=1).reshape((-1,) + (1,) * (cams.ndim - 1))
    return np.divide(cams, peak, out=np.zeros_like(cams), where=peak > 0)


def interpolation(n_out: int, n_in: int, offset: float, stride: float) -> np.ndarray:
    """(n_out, n_in) linear-interpolation weights: output pixel p reads cell (p - offset) / stride, clamped."""
    u = np.clip((np.arange(n_out) - offset) / stride, 0.0, n_in - 1)
    lo = np.floor(u).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    weights = np.zeros((n_out, n_in))
    np.add.at(weights, (np.arange(n_out), lo), 1.0 - (u - lo))
    np.add.at(weights, (np.arange(n_out), hi), u - lo)
    return weights


def upsample(maps: np.ndarray, size: tuple[int, int], grid: graph.Grid | None = None) -> np.ndarray:
    """Bilinear upsampling of (N,h,w) or (N,h,w,K) maps to (N,H,W[,K]).

    Without ``grid`` the cells are spread over the whole image (the half-pixel
    convention of ``tf.image.resize``, which this matches); with the layer's
    :func:`graph.spatial_grid` each cell lands on the centre of its receptive field.
    """
    maps = np.asarray(maps, dtype=np.float32)
    (h, w), (H, W) = maps.shape[1:3], size
    if grid is None:
        if (h, w) == (H, W):
            return maps
        grid = ((0.5 * H / h - 0.5, H / h), (0.5 * W / w - 0.5, W / w))
    rows, cols = interpolation(H, h, *grid[0]), interpolation(W, w, *grid[1])
    out = np.einsum("yi,ni...->ny...", rows, maps)
    return np.einsum("xj,nyj...->nyx...", cols, out).astype(np.float32)


def explain(
    probe: CamProbe, x: np.ndarray, targets: Sequence[np.ndarray], methods: Sequence[str] = METHODS
) -> dict[str, list[np.ndarray]]:
    """``{method: [maps (N,h,w) per head]}``; the gradient pass is shared by both gradient methods."""
    from netviz.visualize.gradcam import gradcam
    from netviz.visualize.gradcam_plus_plus import gradcam_plus_plus
    from netviz.visualize.scorecam import scorecam

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown CAM method(s) {unknown}; choose from {list(METHODS)}")
    out: dict[str, list[np.ndarray]] = {}
    conv = None
    if {"gradcam", "gradcam_plus_plus"} & set(methods):
        conv, grads = probe.maps_and_grads(x, targets)
        if "gradcam" in methods:
            out["gradcam"] = [gradcam(conv, g) for g in grads]
        if "gradcam_plus_plus" in methods:
            out["gradcam_plus_plus"] = [gradcam_plus_plus(conv, g) for g in grads]
    if "scorecam" in methods:
        out["scorecam"] = scorecam(probe, x, targets, conv)
    return {m: out[m] for m in methods}
