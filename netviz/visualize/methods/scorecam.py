"""Score-CAM (Wang et al., 2020): weight each channel by what it alone lets the model see.

Each channel's map, upsampled to input size and scaled to [0, 1], masks the input;
the model's probability of the target on that masked image is the channel's
weight (as in the authors' code). No gradients, so no saturation, at the price of
one forward pass per image and channel: those N*K passes run as large batches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from netviz.visualize.methods.base import Method, normalize, weighted_channels

if TYPE_CHECKING:
    from netviz.visualize.cam import CamProbe, Evidence


def channel_masks(probe: CamProbe, conv: np.ndarray) -> np.ndarray:
    """(N,K,H,W) masks: each channel upsampled and min-max scaled; a flat channel masks everything."""
    up = probe.upsample(conv).transpose(0, 3, 1, 2)
    lo = up.min(axis=(2, 3), keepdims=True)
    span = up.max(axis=(2, 3), keepdims=True) - lo
    return np.divide(up - lo, span, out=np.zeros_like(up), where=span > 0)


def channel_scores(probe: CamProbe, x: np.ndarray, masks: np.ndarray, targets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per head, (N,K) target probability of every image masked by every channel."""
    from netviz.visualize import graph

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


def scorecam(evidence: Evidence) -> list[np.ndarray]:
    """Score-CAM maps (N,h,w) per head; the layer maps are the shared pass's when there is one."""
    masks = channel_masks(evidence.probe, evidence.conv)
    weights = channel_scores(evidence.probe, evidence.x, masks, evidence.targets)
    return [normalize(weighted_channels(evidence.conv, w)) for w in weights]


METHOD = Method(
    name="scorecam",
    title="Score-CAM",
    description="needs no gradients: each upsampled feature map masks the input and is weighted by the class "
                "probability the masked image obtains.",
    compute=scorecam,
    default=True,
)
