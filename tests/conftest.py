"""Shared fixtures: the repository root, MNIST's test split as IDX files, one quick build.

Two test tiers: ``make test-fast`` runs what needs no real build (``-m "not slow"``),
``make test`` everything on every core (pytest-xdist). A test that uses a shared build (the
quick spec's, the examples') is marked slow here, and all tests of one build run on one worker
(``--dist loadgroup``), so each spec is built once per run, not once per worker.

MNIST comes from the shared folder beside the checkout (../shared/data/mnist) when it is
there, else from Keras' download (cached in ~/.keras/datasets, as the CI workflow does),
written once as the same two IDX files, so a build is the same either way. Without
either the end-to-end tests skip, except under ``CI=true``, where they fail: a CI run
must never pass without building a report.
"""

from __future__ import annotations

import functools
import gzip
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
DOWNLOADED_MNIST = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets" / "netviz-mnist-t10k"
IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
MNIST_DIR = SHARED_MNIST if (SHARED_MNIST / IMAGES).is_file() else DOWNLOADED_MNIST  # where they are, or will be
DOWNLOAD_TIMEOUT_S = 60.0

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHARED_BUILDS = {"quick_build": "quick", "examples_dir": "examples"}  # fixture -> the worker group that owns it


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, group in SHARED_BUILDS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.slow)
                item.add_marker(pytest.mark.xdist_group(group))


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def keras_test_split() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 10,000 test digits and labels from Keras' cache, downloading them if need be."""
    import keras

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        _, (images, labels) = keras.datasets.mnist.load_data()
    finally:
        socket.setdefaulttimeout(old)
    return images, labels


def write_idx(path: Path, array: np.ndarray) -> None:
    """``array`` (uint8) as a gzipped IDX file: magic 2048 + rank, big-endian sizes, the bytes."""
    header = (2048 + array.ndim).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + np.ascontiguousarray(array, np.uint8).tobytes(), mtime=0))


@functools.cache
def _find_mnist() -> tuple[Path | None, str]:
    """(folder, "") with MNIST's test split as IDX files, or (None, why there is none)."""
    if (MNIST_DIR / IMAGES).is_file() and (MNIST_DIR / LABELS).is_file():
        return MNIST_DIR, ""
    try:
        images, labels = keras_test_split()
    except Exception as error:  # no network, a proxy, a refused download: all mean "no MNIST here"
        return None, f"MNIST absent: no {SHARED_MNIST}, and Keras' download failed ({type(error).__name__}: {error})"
    DOWNLOADED_MNIST.mkdir(parents=True, exist_ok=True)
    write_idx(DOWNLOADED_MNIST / LABELS, labels)
    write_idx(DOWNLOADED_MNIST / IMAGES, images)  # last: its presence marks a whole folder
    return DOWNLOADED_MNIST, ""


def mnist_folder() -> Path:
    """The folder of MNIST's test-split IDX files; skips the test without one (fails it under CI=true)."""
    folder, why = _find_mnist()
    if folder is None:
        if on_ci():
            pytest.fail(f"{why}; CI=true: the end-to-end tests must run, not skip", pytrace=False)
        pytest.skip(why)
    return folder


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    return mnist_folder()


def run_netviz(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``python -m netviz ARGS`` from the repository root, as a user runs it, with the tests' MNIST."""
    env = os.environ | {"NETVIZ_MNIST_DIR": str(mnist_folder())}
    return subprocess.run([sys.executable, "-m", "netviz", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout)


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory: pytest.TempPathFactory, mnist_dir: Path):
    """One real build of specs/quick.yaml shared by the end-to-end tests: (out, completed process, seconds)."""
    import time

    out = tmp_path_factory.mktemp("quick")
    started = time.perf_counter()
    run = run_netviz("build", "specs/quick.yaml", "--out", str(out))
    return out, run, time.perf_counter() - started
