"""Where a published data set comes from (a local copy, Keras' cache, a Keras download), and its split.

The Keras data sets (MNIST, Fashion-MNIST, CIFAR-10/100) share this flow; only the
file formats differ (``mnist.py`` reads IDX and .npz, ``cifar.py`` the python
batches). Offline machines are the normal case here, so local files come first, the
download gets a short socket timeout, and every failure is one line saying where
files go.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from netviz.data.split import stratified_split, stratified_subsample
from netviz.errors import DataError

DOWNLOAD_TIMEOUT_S = 15.0
PART_NAMES = {"train": "train split", "test": "test split", "images": "images/labels array"}

# A source yields parts "train"/"test" (official) or "images" (one pool): (x, y) or None.
Pair = tuple[np.ndarray, np.ndarray]
Parts = dict[str, Pair | None]


@dataclass(frozen=True)
class Found:
    """The parts a source yielded, a phrase for the report, and the files read."""

    parts: Parts
    where: str
    files: list[str]


def check_local_path(config: object) -> None:
    """At validation: a ``path`` the source would read must exist (a download needs none)."""
    from netviz.errors import DataConfigError

    path = getattr(config, "path", None)
    if path and getattr(config, "source", "auto") != "keras" and not Path(path).expanduser().exists():
        raise DataConfigError("path", f"{path}: no such file or folder")


def keras_homes() -> list[Path]:
    """Where Keras may keep its downloads: $KERAS_HOME, else ~/.keras and /tmp/.keras."""
    if os.environ.get("KERAS_HOME"):
        return [Path(os.environ["KERAS_HOME"]).expanduser()]
    return [Path("~/.keras").expanduser(), Path("/tmp/.keras")]


def keras_download(module: str) -> tuple[Pair, Pair]:
    """``keras.datasets.<module>.load_data()``, failing fast when there is no network."""
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        import keras

        return getattr(keras.datasets, module).load_data()
    finally:
        socket.setdefaulttimeout(old)


def resolve(source: str, local: str | None, read_local: Callable[[Path], Found],
            read_cache: Callable[[], Found | None], download: Callable[[], Found], missing: str) -> Found:
    """The first available source that ``source`` (auto | keras | local) allows."""
    if source in ("auto", "local") and local:
        return read_local(Path(local).expanduser())
    if source == "local":
        raise DataError(missing)
    cached = read_cache()
    if cached is not None:
        return cached
    try:
        return download()
    except DataError:
        raise
    except Exception as err:  # network errors come in many types; all mean "not here"
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataError(f"{missing} (download failed: {first})") from None


def limit_parts(parts: Parts, limit: int | None, rng: np.random.Generator) -> Parts:
    """Subsample to ``limit`` images overall, per class and per part in proportion."""
    present = {k: v for k, v in parts.items() if v is not None}
    total = sum(len(v[1]) for v in present.values())
    if limit is None or limit >= total:
        return present
    out, left = {}, limit
    for i, (part, (x, y)) in enumerate(present.items()):
        n = left if i == len(present) - 1 else int(round(limit * len(y) / total))
        idx = stratified_subsample(y, n, rng)
        out[part], left = (x[idx], y[idx]), left - n
    return out


def split_parts(parts: Parts, fraction: float, rng: np.random.Generator, seed: int) -> tuple[Pair, Pair, str]:
    """(train, test, how): the official split when both parts exist, else a seeded stratified one."""
    if set(parts) == {"train", "test"}:
        return parts["train"], parts["test"], "official"  # type: ignore[return-value]
    (only, (x, y)), = parts.items()  # type: ignore[misc]
    train, test = stratified_split(y, fraction, rng)
    pct = f"{100 * (1 - fraction):g}/{100 * fraction:g}"
    return (x[train], y[train]), (x[test], y[test]), f"{PART_NAMES[only]} only, divided {pct} with seed {seed}"
