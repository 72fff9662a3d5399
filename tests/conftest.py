"""Shared fixtures: the repository root, the quick spec, the shared MNIST folder."""

from __future__ import annotations

import os
import subprocess
import sys
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


def run_netviz(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``python -m netviz ARGS`` from the repository root, as a user runs it, with the shared MNIST."""
    env = os.environ | {"NETVIZ_MNIST_DIR": str(SHARED_MNIST)}
    return subprocess.run([sys.executable, "-m", "netviz", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout)


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory: pytest.TempPathFactory):
    """One real build of specs/quick.yaml shared by the end-to-end tests: (out, completed process, seconds)."""
    import time

    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real MNIST files absent: {SHARED_MNIST}")
    out = tmp_path_factory.mktemp("quick")
    started = time.perf_counter()
    run = run_netviz("build", "specs/quick.yaml", "--out", str(out))
    return out, run, time.perf_counter() - started
