"""MNIST and Fashion-MNIST (28x28 grey, 10 classes) from IDX/.npz files, Keras' cache or a download.

``kind: mnist`` is the ``keras`` kind with ``name: mnist``, kept because the original
spec says it; it also honours ``NETVIZ_MNIST_DIR``. Fashion-MNIST ships in the very
same IDX files, so both are read here.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from netviz.data import downloads
from netviz.data.base import DataKind, Dataset
from netviz.data.downloads import Found, Parts
from netviz.errors import DataError
from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts
from netviz.strict import SpecPath, Strict

ENV_DIR = "NETVIZ_MNIST_DIR"
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
PARTS = {"train": "train", "test": "t10k"}
SHAPE = (28, 28, 1)


@dataclass(frozen=True)
class Family:
    """One 28x28 IDX data set: its keras.datasets module, title, class names and cache entry."""

    module: str
    title: str
    class_names: tuple[str, ...]
    cache: str  # under <keras home>/datasets: a file (.npz) or a folder of IDX files


MNIST = Family("mnist", "MNIST", tuple(str(d) for d in range(10)), "mnist.npz")
FASHION = Family("fashion_mnist", "Fashion-MNIST", ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"), "fashion-mnist")
FAMILIES = {f.module: f for f in (MNIST, FASHION)}
CLASS_NAMES = list(MNIST.class_names)
HELP = (
    "download t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (and the train "
    "files) into a folder and set {env}datasets.{name}.path"
)
HELP_SHORT = (
    "expected t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (and the train "
    "files) or an .npz"
)


class MnistData(Strict):
    """``kind: mnist``: MNIST from ``path``, $NETVIZ_MNIST_DIR, Keras' cache or a download."""

    kind: Literal["mnist"]
    source: Literal["auto", "keras", "local"] = "auto"
    path: SpecPath | None = None
    limit: int | None = Field(default=None, ge=20, le=70_000)
    test_fraction: float = Field(default=0.2, gt=0, lt=1)


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Parse one (optionally gzipped) IDX file, checking magic number, dims and size."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # gzip by content: downloads are often (un)packed silently
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(f"{path}: cannot read IDX file: {err}") from None
    ndim = magic - 2048
    if len(raw) < 4 + 4 * ndim or int.from_bytes(raw[:4], "big") != magic:
        raise DataError(f"{path}: not an IDX file of MNIST's layout (expected magic number {magic})")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    body = len(raw) - 4 - 4 * ndim
    if body != math.prod(dims) or dims[1:] not in ((), (28, 28)):
        raise DataError(f"{path}: truncated or corrupt IDX file (dims {dims}, {body} data bytes)")
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _checked(x: np.ndarray, y: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of image/label arrays and bring images to (N, 28, 28, 1) uint8."""
    x, y = np.asarray(x), np.asarray(y).reshape(-1)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.shape[1:] != (28, 28) or len(x) != len(y):
        raise DataError(f"{where}: expected N 28x28 images and N labels, got {x.shape} and {y.shape}")
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise DataError(f"{where}: labels outside 0..9")
    return x.astype(np.uint8)[..., None], y.astype(np.int64)


def _find(folder: Path, stem: str) -> Path | None:
    """The IDX file ``stem`` in ``folder``, gzipped or not (gzipped preferred)."""
    for path in (folder / f"{stem}.gz", folder / stem):
        if path.is_file():
            return path
    return None


def file_facts(paths: list[Path]) -> list[str]:
    """Each file as its name and SHA-256: identifies the data without the build machine's folders."""
    return [f"{path.name} (SHA-256 {hashlib.sha256(path.read_bytes()).hexdigest()})" if path.is_file() else path.name
            for path in paths]


def _shown_folder(path: Path, config: object) -> str:
    """The folder as the spec names it (a relative path), or the variable that named it; never absolute."""
    return str(getattr(config, "path", None) or f"${ENV_DIR}")


def _from_folder(folder: Path) -> tuple[Parts, list[Path]]:
    """Read whichever of the official train/test IDX pairs the folder holds."""
    parts: Parts = {}
    files: list[Path] = []
    for part, prefix in PARTS.items():
        img = _find(folder, f"{prefix}-images-idx3-ubyte")
        lab = _find(folder, f"{prefix}-labels-idx1-ubyte")
        if (img is None) != (lab is None):
            have = (img or lab).name  # type: ignore[union-attr]
            other = "labels" if lab is None else "images"
            raise DataError(f"{folder}: found {have} but not its {other} file")
        parts[part] = None
        if img is not None and lab is not None:
            files += [img, lab]
            pair = read_idx(img, IMAGES_MAGIC), read_idx(lab, LABELS_MAGIC)
            parts[part] = _checked(*pair, f"{img} / {lab.name}")
    return parts, files


def _from_npz(path: Path) -> Parts:
    """Read a Keras-layout (x_train, y_train, x_test, y_test) or images/labels .npz."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zlib.error) as err:
        raise DataError(f"{path}: cannot read .npz: {err}") from None
    parts: Parts = {"train": None, "test": None}
    for part in parts:
        if f"x_{part}" in arrays and f"y_{part}" in arrays:
            parts[part] = _checked(arrays[f"x_{part}"], arrays[f"y_{part}"], str(path))
    if parts["train"] is None and parts["test"] is None:
        if "images" not in arrays or "labels" not in arrays:
            raise DataError(
                f"{path}: expected arrays x_train/y_train/x_test/y_test or images/labels, found {sorted(arrays)}"
            )
        parts["images"] = _checked(arrays["images"], arrays["labels"], str(path))
    return parts


def _local(path: Path, config: object) -> Found:
    """Read a local folder of IDX files or an .npz file."""
    if path.is_dir():
        parts, files = _from_folder(path)
        if not files:
            raise DataError(f"{path}: no MNIST IDX files in this folder; {HELP_SHORT}")
        return Found(parts, f"local IDX folder {_shown_folder(path, config)}", files)
    if path.is_file():
        return Found(_from_npz(path), f"local npz {_shown_folder(path, config)}", [str(path)])
    raise DataError(f"{path}: MNIST path does not exist; {HELP_SHORT}")


def keras_cache_files(family: Family = MNIST) -> list[Path]:
    """Where Keras may keep the family's download (mnist.npz, or the fashion-mnist folder)."""
    return [home / "datasets" / family.cache for home in downloads.keras_homes()]


def _cached(family: Family) -> Found | None:
    for cache in keras_cache_files(family):
        if cache.is_file():
            return Found(_from_npz(cache), "keras cache", [str(cache)])
        if cache.is_dir() and _find(cache, "t10k-images-idx3-ubyte"):
            parts, files = _from_folder(cache)
            return Found(parts, "keras cache", files)
    return None


def _download(family: Family = MNIST) -> Parts:
    """Let Keras download the family (monkeypatched away in tests)."""
    (xtr, ytr), (xte, yte) = downloads.keras_download(family.module)
    where = "keras download"
    return {"train": _checked(xtr, ytr, where), "test": _checked(xte, yte, where)}


def find_family(name: str, config: object, family: Family) -> Found:
    """The family's files from the config's ``path`` (or $NETVIZ_MNIST_DIR for MNIST), cache, or download."""
    local = getattr(config, "path", None) or (os.environ.get(ENV_DIR) if family is MNIST else None)
    env = f"{ENV_DIR} or " if family is MNIST else ""
    missing = f"{family.title} not found: {HELP.format(env=env, name=name)}"

    def download() -> Found:
        return Found(_download(family), "keras download", [str(keras_cache_files(family)[0])])

    return downloads.resolve(getattr(config, "source", "auto"), local, lambda p: _local(p, config), lambda: _cached(family), download, missing)


def load_family(name: str, config: object, seed: int, family: Family) -> Dataset:
    """Load the family for a spec entry: official split, or a seeded one; ``limit`` keeps class shares."""
    found = find_family(name, config, family)
    rng = np.random.default_rng([seed, 2])
    limit = getattr(config, "limit", None)
    parts = downloads.limit_parts(found.parts, limit, rng)
    (x_train, y_train), (x_test, y_test), split = downloads.split_parts(parts, float(config.test_fraction), rng, seed)  # type: ignore[attr-defined]
    return Dataset(
        name=name,
        kind=config.kind,  # type: ignore[attr-defined]
        x_train=x_train,
        labels_train={"class": y_train},
        x_test=x_test,
        labels_test={"class": y_test},
        class_names={"class": list(family.class_names)},
        masks_test=None,
        provenance={"source": found.where, "files": file_facts([Path(f) for f in found.files]), "split": split,
                    "limit": limit},
    )


def describe_mnist(config: MnistData) -> DataFacts:
    downloads.check_local_path(config)
    return DataFacts(SHAPE, {"class": len(MNIST.class_names)})


def load_mnist(name: str, config: MnistData, seed: int) -> Dataset:
    """Load MNIST for a ``kind: mnist`` entry."""
    return load_family(name, config, seed, MNIST)


DATA_KINDS.register(DataKind(MnistData, describe_mnist, load_mnist))
