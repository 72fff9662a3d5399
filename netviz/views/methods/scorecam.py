"""Score-CAM (Wang et al., 2020): weight each channel by what it alone lets the model see.

Each channel's map, upsampled to input size and scaled to [0, 1], masks the input;
the model's probability of the target on that masked image is the channel's
weight (as in the authors' code). No gradients, so no saturation, at the price of
one forward pass per image and channel: those passes run in batches, each masked
image made inside the compiled pass from its image and its mask.
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
MASKED_BATCH_BYTES = 10 * 2**20  # input bytes of masked images per forward pass: 17 images of 224x224x3

if TYPE_CHECKING:
    from netviz.views.cam import CamProbe, Evidence


def masked_batch(image_shape: tuple[int, ...]) -> int:
    """Masked images per forward pass: MASKED_BATCH_BYTES of input, at most graph.CHUNK.

    Small enough that a pass's activations stay near the cache: on 2 shared cores MobileNetV2 at
    224 px took 19.5 ms a masked image at 16 a pass and 24.7 ms at 55 (the same CPU time, 17-18 ms);
    ResNet50 the same at 4 to 55 a pass. It also bounds memory (8 images of 224 px scored 64
    channels each as one pass of 512 before). Tiny images still fill a pass of graph.CHUNK.
    """
    from netviz.models import graph

    return int(np.clip(MASKED_BATCH_BYTES // (4 * int(np.prod(image_shape))), 1, graph.CHUNK))


def channel_masks(probe: CamProbe, maps: np.ndarray) -> np.ndarray:
    """(M,H,W) masks from (M,h,w) channel maps: each upsampled and min-max scaled; a flat one masks everything."""
    up = probe.upsample(maps)
    lo = up.min(axis=(1, 2), keepdims=True)
    span = up.max(axis=(1, 2), keepdims=True) - lo
    return np.divide(up - lo, span, out=np.zeros_like(up), where=span > 0)


def scored_channels(conv: np.ndarray) -> np.ndarray:
    """(N,K) True where a channel of (N,h,w,K) maps varies over space: only those have a map to mask with."""
    conv = np.asarray(conv)
    return conv.max(axis=(1, 2)) != conv.min(axis=(1, 2))


def channel_scores(probe: CamProbe, x: np.ndarray, conv: np.ndarray, targets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per head, (N,K) target probability of every image masked by each of its channels of (N,h,w,K) maps.

    Only channels that vary over space are scored, MASKED_BATCH of them per pass, their masks made
    batch by batch; a flat channel weighs zero (the authors' code skips it), never the score of a
    black image.
    """
    from netviz.models import graph

    image, channel = np.nonzero(scored_channels(conv))  # image by image, in channel order
    batch = masked_batch(x.shape[1:])
    probs: list[list[np.ndarray]] = [[] for _ in probe.outputs]
    for start in range(0, len(image), batch):
        owner, chosen = image[start : start + batch], channel[start : start + batch]
        masks = channel_masks(probe, conv[owner, :, :, chosen])
        for i, p in enumerate(probe.masked_probabilities(x[owner[0] : owner[-1] + 1], masks, owner - owner[0])):
            probs[i].append(p)
    scores = []
    for i, info in enumerate(probe.outputs):
        weights = np.zeros((len(conv), conv.shape[-1]))
        if len(image):
            found = np.concatenate(probs[i])
            weights[image, channel] = graph.target_probability(info, found, np.asarray(targets[i])[image])
        scores.append(weights)
    return scores


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
    weights = channel_scores(evidence.probe, evidence.x, used, evidence.targets)
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
