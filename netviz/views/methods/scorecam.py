"""Score-CAM (Wang et al., 2020): weight each channel by what it alone lets the model see.

Each channel's map, upsampled to input size and scaled to [0, 1], masks the input;
the model's probability of the target on that masked image is the channel's
weight (as in the authors' code). No gradients, so no saturation, at the price of
one forward pass per image and channel: those N*K passes run as large batches.
Where the layer has more than MAX_CHANNELS channels, each image uses only its
MAX_CHANNELS channels of highest spatial variance (Faster Score-CAM, Wang et al.,
2020); the others weigh zero. A spatially constant channel has no map to mask with:
it weighs zero (the authors' code skips it), never the score of a black image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method, normalize, weighted_channels

MAX_CHANNELS = 64

if TYPE_CHECKING:
    from netviz.views.cam import CamProbe, Evidence


def channel_masks(probe: CamProbe, conv: np.ndarray) -> np.ndarray:
    """(N,K,H,W) masks: each channel upsampled and min-max scaled; a flat channel masks everything."""
    up = probe.upsample(conv).transpose(0, 3, 1, 2)
    lo = up.min(axis=(2, 3), keepdims=True)
    span = up.max(axis=(2, 3), keepdims=True) - lo
    return np.divide(up - lo, span, out=np.zeros_like(up), where=span > 0)


def channel_scores(probe: CamProbe, x: np.ndarray, masks: np.ndarray, targets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per head, (N,K) target probability of every image masked by every channel."""
    from netviz.models import graph

    n, k = masks.shape[:2]
    per_chunk = max(1, graph.CHUNK // k)
    scores: list[list[np.ndarray]] = [[] for _ in probe.outputs]
    for start in range(0, n, per_chunk):
        stop = min(n, start + per_chunk)
        masked = (x[start:stop, None] * masks[start:stop, ..., None]).reshape(-1, *x.shape[1:])
        probs = probe.predictor.all_heads(masked.astype(np.float32))
        for i, info in enumerate(probe.outputs):
            t = np.repeat(np.asarray(targets[i])[start:stop], k)
            scores[i].append(graph.target_probability(info, probs[i], t).reshape(stop - start, k))
    return [np.concatenate(s) for s in scores]


def scored_channels(conv: np.ndarray) -> np.ndarray:
    """(N,K) True where a channel of (N,h,w,K) maps varies over space: only those have a map to mask with."""
    conv = np.asarray(conv)
    return conv.max(axis=(1, 2)) != conv.min(axis=(1, 2))


def skip_flat(conv: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(N,K) weights with those of spatially constant channels of (N,h,w,K) maps set to zero."""
    return np.where(scored_channels(conv), weights, 0.0)


def varied_channels(conv: np.ndarray, limit: int = MAX_CHANNELS) -> np.ndarray | None:
    """(N, limit) per image the channels of (N,h,w,K) maps with the highest spatial variance; None if K <= limit."""
    n, _, _, k = conv.shape
    if k <= limit:
        return None
    variance = np.asarray(conv, dtype=np.float64).reshape(n, -1, k).var(axis=1)
    return np.argsort(-variance, axis=1, kind="stable")[:, :limit]


def scorecam(evidence: Evidence) -> list[np.ndarray]:
    """Score-CAM maps (N,h,w) per head; the layer maps are the shared pass's when there is one."""
    conv = evidence.conv
    chosen = varied_channels(conv)
    used = conv if chosen is None else np.take_along_axis(conv, chosen[:, None, None, :], axis=3)
    masks = channel_masks(evidence.probe, used)
    weights = [skip_flat(used, w) for w in channel_scores(evidence.probe, evidence.x, masks, evidence.targets)]
    if chosen is not None:  # back to all K channels, zero where not scored
        full = [np.zeros((len(conv), conv.shape[-1]), dtype=np.float64) for _ in weights]
        for f, w in zip(full, weights):
            np.put_along_axis(f, chosen, w, axis=1)
        weights = full
    return [normalize(weighted_channels(conv, w)) for w in weights]


HEATMAP_METHODS.register(Method(
    name="scorecam",
    title="Score-CAM",
    description="needs no gradients: each upsampled feature map masks the input and is weighted by the class "
                "probability the masked image obtains.",
    compute=scorecam,
    default=True,
))
