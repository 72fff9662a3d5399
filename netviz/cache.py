"""Content hashes of everything a stage depends on, so unchanged work is never redone."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

CACHE_VERSION = 1  # bump when training or visualization output changes meaning


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
