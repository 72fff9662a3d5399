"""MNIST from local IDX/npz files, Keras' cache, or a Keras download, in that order.

Offline machines are the normal case here, so local files come first, the download
gets a short socket timeout, and every failure is one line saying where files go.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import socket
import zlib
from pathlib import Path

import numpy as np

from netviz.data.base import Dataset
from netviz.data.split import stratified_split, stratified_subsample
from netviz.errors import DataError

ENV_DIR = "NETVIZ_MNIST_DIR"
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
PARTS = {"train": "train", "test": "t10k"}
DOWNLOAD_TIMEOUT_S = 15.0
CLASS_NAMES = [str(d) for d in range(10)]
HELP = (
    "download t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (and the train "
    "files) into a folder and set {env} or datasets.{name}.path"
)

HELP_SHORT = (
    "expected t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (and the train "
    "files) or an .npz"
)
PART_NAMES = {"train": "train split", "test": "test split", "images": "images/labels array"}

# A source yields parts "train"/"test" (official) or "images" (one pool): (x, y) or None.
Pair = tuple[np.ndarray, np.ndarray]
Parts = dict[str, Pair | None]


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Parse one (optionally gzipped) IDX file, checking magic number, dims and size."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # gzip by content: downloads are often (un)packed silently
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(f"{path}: cannot read MNIST file: {err}") from None
    ndim = magic - 2048
    if len(raw) < 4 + 4 * ndim or int.from_bytes(raw[:4], "big") != magic:
        raise DataError(f"{path}: not an MNIST IDX file (expected magic number {magic})")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    body = len(raw) - 4 - 4 * ndim
    if body != math.prod(dims) or dims[1:] not in ((), (28, 28)):
        raise DataError(
            f"{path}: truncated or corrupt MNIST file (dims {dims}, {body} data bytes)"
        )
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _checked(x: np.ndarray, y: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of image/label arrays and bring images to (N, 28, 28, 1) uint8."""
    x, y = np.asarray(x), np.asarray(y).reshape(-1)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.shape[1:] != (28, 28) or len(x) != len(y):
        raise DataError(
            f"{where}: expected N 28x28 images and N labels, got {x.shape} and {y.shape}"
        )
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
        raise DataError(f"{path}: cannot read MNIST .npz: {err}") from None
    parts: Parts = {"train": None, "test": None}
    for part in parts:
        if f"x_{part}" in arrays and f"y_{part}" in arrays:
            parts[part] = _checked(arrays[f"x_{part}"], arrays[f"y_{part}"], str(path))
    if parts["train"] is None and parts["test"] is None:
        if "images" not in arrays or "labels" not in arrays:
            raise DataError(
                f"{path}: expected arrays x_train/y_train/x_test/y_test or images/labels, "
                f"found {sorted(arrays)}"
            )
        parts["images"] = _checked(arrays["images"], arrays["labels"], str(path))
    return parts


def _local(path: Path, config: object) -> tuple[Parts, str, list[Path]]:
    """Read a local folder of IDX files or an .npz file."""
    path = path.expanduser()
    if path.is_dir():
        parts, files = _from_folder(path)
        if not files:
            raise DataError(f"{path}: no MNIST IDX files in this folder; {HELP_SHORT}")
        return parts, f"local IDX folder {_shown_folder(path, config)}", files
    if path.is_file():
        return _from_npz(path), f"local npz {_shown_folder(path, config)}", [path]
    raise DataError(f"{path}: MNIST path does not exist; {HELP_SHORT}")


def keras_cache_files() -> list[Path]:
    """Where Keras may keep its downloaded mnist.npz: $KERAS_HOME, ~/.keras or /tmp/.keras."""
    if os.environ.get("KERAS_HOME"):
        homes = [Path(os.environ["KERAS_HOME"]).expanduser()]
    else:
        homes = [Path("~/.keras").expanduser(), Path("/tmp/.keras")]
    return [home / "datasets" / "mnist.npz" for home in homes]


def _download() -> Parts:
    """Let Keras download MNIST, failing fast when there is no network."""
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        import keras

        (xtr, ytr), (xte, yte) = keras.datasets.mnist.load_data()
    finally:
        socket.setdefaulttimeout(old)
    where = "keras download"
    return {"train": _checked(xtr, ytr, where), "test": _checked(xte, yte, where)}


def _source(name: str, config: object) -> tuple[Parts, str, list[Path]]:
    """Pick the first available source the config's ``source`` allows."""
    source = getattr(config, "source", "auto")
    local = getattr(config, "path", None) or os.environ.get(ENV_DIR)
    missing = f"MNIST not found: {HELP.format(env=ENV_DIR, name=name)}"
    if source in ("auto", "local") and local:
        return _local(Path(local), config)
    if source == "local":
        raise DataError(missing)
    for cache in keras_cache_files():
        if cache.is_file():
            return _from_npz(cache), "keras cache", [cache]
    try:
        parts = _download()
    except Exception as err:  # network errors come in many types; all mean "not here"
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataError(f"{missing} (download failed: {first})") from None
    return parts, "keras download", [keras_cache_files()[0]]


def _limit_parts(parts: Parts, limit: int | None, rng: np.random.Generator) -> Parts:
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


def load_mnist(name: str, config: object, seed: int) -> Dataset:
    """Load MNIST for a spec entry (a schema.MnistData): official split, or a seeded one."""
    parts, where, files = _source(name, config)
    limit = getattr(config, "limit", None)
    fraction = float(getattr(config, "test_fraction", 0.2))
    rng = np.random.default_rng([seed, 2])
    parts = _limit_parts(parts, limit, rng)
    if set(parts) == {"train", "test"}:
        (x_train, y_train), (x_test, y_test) = parts["train"], parts["test"]
        split = "official"
    else:
        (only, (x, y)), = parts.items()
        train, test = stratified_split(y, fraction, rng)
        (x_train, y_train), (x_test, y_test) = (x[train], y[train]), (x[test], y[test])
        pct = f"{100 * (1 - fraction):g}/{100 * fraction:g}"
        split = f"{PART_NAMES[only]} only, divided {pct} with seed {seed}"
    return Dataset(
        name=name,
        kind="mnist",
        x_train=x_train,
        labels_train={"class": y_train},
        x_test=x_test,
        labels_test={"class": y_test},
        class_names={"class": list(CLASS_NAMES)},
        masks_test=None,
        provenance={"source": where, "files": file_facts(files), "split": split, "limit": limit},
    )
