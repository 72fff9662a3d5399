"""Class-activation maps: the network side shared by every heatmap method.

A :class:`CamProbe` wraps one model and one conv layer. It runs a whole batch
through one compiled ``tf.function`` that returns the layer's maps and, for every
output head, the gradient of that head's exact target logit with respect to them
(one tape, all images, all heads; where only the layer's maps cross from the layers before
it to those after it, the tape records the few layers after it and the trunk runs as a plain
forward pass). An :class:`Evidence` holds one batch and computes
that pass once, on first use; the methods themselves are small modules in
:mod:`netviz.views.methods` that turn it into maps, and :func:`explain` runs
the ones asked for.

Every method returns, per head, maps of shape (N, h, w) scaled to [0, 1] per image,
on the layer's grid or at input size (:attr:`Method.grid`); :meth:`CamProbe.upsample`
brings layer maps to input size with every cell on the centre of its receptive field.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Sequence

import numpy as np

from netviz.models import graph
from netviz.models.outputs import OutputInfo
from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method
from netviz.views.resample import upsample


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
        self.trunk, self.head = graph.split(traced, self.layer, self.heads.tensors)
        self.grid = graph.spatial_grid(traced, self.layer)
        self.predictor = graph.Predictor(model, traced)
        self._grads_fn: Any = None
        self._maps_fn: Any = None
        self._masked_fn: Any = None

    @property
    def cells(self) -> tuple[int, int]:
        """The layer's grid of cells (h, w)."""
        shape = self.net.outputs[0].shape
        return tuple(-1 if s is None else int(s) for s in shape[1:3])  # type: ignore[return-value]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.model.inputs[0].shape[1:])  # type: ignore[return-value]

    def upsample(self, maps: np.ndarray) -> np.ndarray:
        """Maps of this layer brought to input size, each cell on its receptive field's centre."""
        return upsample(maps, self.input_shape[:2], self.grid)

    def at_input_size(self, method: Method, maps: np.ndarray) -> np.ndarray:
        """A method's maps at input size: layer maps upsampled, maps already at input size as they are."""
        return maps if method.grid == "input" else self.upsample(maps)

    def _compile(self) -> None:
        import tensorflow as tf

        n_heads = len(self.outputs)
        image = tf.TensorSpec((None, *self.input_shape), tf.float32)
        targets = tf.TensorSpec((n_heads, None), tf.int32)

        @tf.function(autograph=False, input_signature=[image, targets])
        def grads_fn(x: Any, t: Any) -> Any:
            conv, tape, scores = self._recorded(x, t)
            grads = [tape.gradient(s, conv) for s in scores]
            del tape
            return tf.cast(conv, tf.float32), tf.cast(tf.stack(grads), tf.float32)

        @tf.function(autograph=False, input_signature=[image])
        def maps_fn(x: Any) -> Any:
            conv = self.net(x, training=False)[0] if self.trunk is None else self.trunk(x, training=False)
            return tf.cast(conv, tf.float32)

        @tf.function(autograph=False, input_signature=[image, tf.TensorSpec((None, *self.input_shape[:2]), tf.float32),
                                                        tf.TensorSpec((None,), tf.int32)])
        def masked_fn(x: Any, masks: Any, owner: Any) -> Any:
            out = self.model(tf.gather(x, owner) * masks[..., None], training=False)
            return [tf.cast(o, tf.float32) for o in (out if isinstance(out, (list, tuple)) else [out])]

        self._grads_fn, self._maps_fn, self._masked_fn = grads_fn, maps_fn, masked_fn

    def _recorded(self, x: Any, t: Any) -> tuple[Any, Any, list[Any]]:
        """The layer's maps, a tape that recorded the heads from them, and each head's summed target score.

        Where the model splits at the layer (only its maps cross it), the trunk runs unrecorded and
        the tape sees the few layers after it; else one tape records the whole pass (its gradient
        still stops at the layer, but every op was recorded on the way).
        """
        import tensorflow as tf

        tape = tf.GradientTape(persistent=True)
        conv = None if self.head is None else self.trunk(x, training=False)
        with tape:
            if conv is None:
                tape.watch(x)
                conv, *heads = self.net(x, training=False)
            else:
                tape.watch(conv)
                out = self.head(conv, training=False)
                heads = list(out) if isinstance(out, (list, tuple)) else [out]
            scores = [tf.reduce_sum(self.heads.score(i, h, t[i])) for i, h in enumerate(heads)]
        return conv, tape, scores

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

    def masked_probabilities(self, x: np.ndarray, masks: np.ndarray, owner: np.ndarray) -> list[np.ndarray]:
        """Per head, the probabilities (M, classes) of image ``owner[m]`` of ``x`` times mask ``m`` of (M,H,W).

        The masked images are made inside the compiled pass: only the images and the masks
        cross into TensorFlow, not M copies of an image.
        """
        if self._masked_fn is None:
            self._compile()
        out = self._masked_fn(np.asarray(x, np.float32), np.asarray(masks, np.float32), np.asarray(owner, np.int32))
        return [o.numpy() for o in out]

    def targets(self, x: np.ndarray, true: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
        """Per head, the class each image's map explains: the true label if given, else the prediction."""
        if true is not None:
            return [np.asarray(t).astype(np.int64) for t in true]
        probs = self.predictor.all_heads(x)
        return [graph.decisions(info, p) for info, p in zip(self.outputs, probs)]


class Evidence:
    """One batch as every heatmap method sees it; the network is asked once, on first use.

    When any chosen method ``uses_gradients``, the layer maps come from the gradient
    pass too, so all gradient methods and Score-CAM share a single pass; otherwise a
    forward pass alone gives them.
    """

    def __init__(self, probe: CamProbe, x: np.ndarray, targets: Sequence[np.ndarray], seed: int = 0,
                 gradients: bool = True) -> None:
        self.probe = probe
        self.x = np.asarray(x, dtype=np.float32)
        self.targets = list(targets)
        self.seed = seed
        self.gradients = gradients

    @property
    def heads(self) -> int:
        return len(self.probe.outputs)

    @cached_property
    def _gradient_pass(self) -> tuple[np.ndarray, np.ndarray]:
        return self.probe.maps_and_grads(self.x, self.targets)

    @cached_property
    def conv(self) -> np.ndarray:
        """The layer's maps (N,h,w,K)."""
        return self._gradient_pass[0] if self.gradients else self.probe.feature_maps(self.x)

    @property
    def grads(self) -> np.ndarray:
        """(heads,N,h,w,K): per head, d(target logit)/d(layer maps)."""
        return self._gradient_pass[1]


def explain(probe: CamProbe, x: np.ndarray, targets: Sequence[np.ndarray], names: Sequence[str] | None = None,
            seed: int = 0) -> dict[str, list[np.ndarray]]:
    """``{method: [maps (N,h,w) per head]}`` for the named methods (all registered ones by default).

    One :class:`Evidence` serves them all, so the network's gradient pass runs once.
    """
    chosen: list[Method] = [HEATMAP_METHODS[n] for n in (HEATMAP_METHODS.names() if names is None else names)]
    evidence = Evidence(probe, x, targets, seed, gradients=any(m.uses_gradients for m in chosen))
    return {m.name: m.compute(evidence) for m in chosen}
