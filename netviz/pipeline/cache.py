"""Content hashes of everything a stage depends on, so unchanged work is never redone.

Two versions, both here: ``CACHE_VERSION`` invalidates everything (training too);
``VISUALIZATION_VERSION`` only what the explain and figures stages made, keeping the trained
networks.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

CACHE_VERSION = 1  # bump when training output changes meaning
VISUALIZATION_VERSION = 9  # 7: the architecture graph; 8: cascading randomization; 9: error galleries and filter exemplars; bump when visualization results change meaning; training stays cached


def digest(*parts: Any) -> str:
    """A stable hex digest of JSON-able values and numpy arrays."""
    h = hashlib.sha256(f"netviz-cache-{CACHE_VERSION}".encode())
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str((part.dtype.str, part.shape)).encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()[:24]


def training_key(*parts: Any) -> str:
    """The key of a model's training: its spec, its data, the seed and the training settings."""
    return digest("train", *parts)


def visualization_key(train_key: str, *parts: Any) -> str:
    """The key of a model's visualizations: the trained network's key and the visualization settings."""
    return digest("visualize", VISUALIZATION_VERSION, train_key, *parts)
