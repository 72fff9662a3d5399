"""Shared fixtures: the repository root, the quick spec, the shared MNIST folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def mnist_dir() -> Path:
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real MNIST files absent: {SHARED_MNIST}")
    return SHARED_MNIST
