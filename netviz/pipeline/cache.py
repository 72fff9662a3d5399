"""Content hashes of everything a stage depends on, so unchanged work is never redone, and where
a build keeps what they guard (the trained networks, the stage records under ``cache/``).

Two versions, both here: ``CACHE_VERSION`` invalidates everything (training too);
``VISUALIZATION_VERSION`` only what the explain and figures stages made, keeping the trained
networks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import ValidationError

from netviz import io
from netviz.results import TrainingRecord, VisualizationRecord

CACHE_VERSION = 1  # bump when training output changes meaning
CacheRecord = TypeVar("CacheRecord", TrainingRecord, VisualizationRecord)
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


def cached_record(path: Path, record: type[CacheRecord], key: str) -> CacheRecord | None:
    """The record cached at ``path`` if it is valid and made under ``key``; anything else is a miss."""
    try:
        cached = record.model_validate(io.read_json(path))
    except ValidationError:
        return None
    return cached if cached.key == key else None


@dataclass(frozen=True)
class ModelPaths:
    out: Path
    name: str

    @property
    def model(self) -> Path:
        return self.out / "models" / f"{self.name}.keras"

    @property
    def initial(self) -> Path:
        return self.out / "models" / f"{self.name}.initial.keras"

    def snapshot(self, epoch: int) -> Path:
        """The weights after ``epoch`` (spec's visualize.over_training), kept so the report can be redrawn."""
        return self.out / "models" / f"{self.name}.epoch-{epoch}.weights.h5"

    @property
    def train_json(self) -> Path:
        return self.out / "cache" / f"{self.name}.train.json"

    @property
    def vis_json(self) -> Path:
        return self.out / "cache" / f"{self.name}.visualize.json"
