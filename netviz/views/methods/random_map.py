"""Baseline: a random map, which knows nothing about the network or the image.

Its scores are chance made visible: a method's pointing game or deletion AUC means
something only by how far it is from these. Each image's map is uniform noise drawn
from a generator seeded by the spec's seed and the image's own bytes, so the same
image gets the same map in any batch, in any build, for any model.
"""

from __future__ import annotations

import hashlib

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method, every_head, normalize


def image_seed(image: np.ndarray) -> int:
    """A stable 64-bit number from an image's float32 bytes (Python's hash() changes between runs)."""
    digest = hashlib.blake2b(np.ascontiguousarray(image, dtype=np.float32).tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def random_maps(images: np.ndarray, seed: int) -> np.ndarray:
    """Maps (N,H,W) in [0,1]: uniform noise per image, seeded by ``seed`` and the image."""
    h, w = images.shape[1:3]
    maps = [np.random.default_rng([seed, image_seed(image)]).random((h, w)) for image in images]
    return normalize(np.array(maps, dtype=np.float32).reshape(len(images), h, w))


HEATMAP_METHODS.register(Method(
    name="random",
    title="Random baseline",
    description="is uniform noise, seeded per image: it knows nothing about the network or the image, and shows "
                "what each score is worth by chance.",
    compute=every_head(random_maps),
    per_head=False,
    baseline=True,
    grid="input",
))
