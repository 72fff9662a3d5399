"""``kind: arrays``: images and labels in one .npz: ``x``, ``y``, optional ``class_names`` and ``masks``.

``x`` is (N, H, W) or (N, H, W, C) with C 1 or 3, uint8 0-255 or float 0-1; ``y`` (N,)
integer labels; ``masks`` (N, H, W) booleans marking the object, against which the
heatmaps are scored (pointing game, energy in mask) as for LINE. Validation reads
only the array headers and the labels; the images are read when the data loads.

``extra_tests`` names further .npz files of the same form, each a test split of its own
(the mark moved, another camera): the network is evaluated on each apart, beside the
test split cut from ``path``, so the report shows what carries over and what does not.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from netviz.data.base import DataKind, Dataset, ExtraTest
from netviz.data.split import stratified_split
from netviz.errors import DataConfigError
from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts
from netviz.strict import Name, SpecPath, Strict

Where = tuple[str, ...]  # the spec keys below the data set's entry that name the file: ("path",) or ("extra_tests", name)


class ArraysData(Strict):
    kind: Literal["arrays"]
    path: SpecPath
    test_fraction: float = Field(default=0.2, gt=0, lt=1)
    extra_tests: dict[Name, SpecPath] = Field(default_factory=dict, max_length=8)


def _fail(path: Path, key: str, message: str, where: Where = ("path",)) -> DataConfigError:
    return DataConfigError(where, f"{path}: {key}: {message}")


def _headers(path: Path, where: Where = ("path",)) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Shape and dtype of every array in the .npz, without reading the data."""
    if not path.is_file():
        raise DataConfigError(where, f"{path}: no such file")
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    with archive.open(member) as fh:
                        version = np.lib.format.read_magic(fh)
                        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                        shape, _, dtype = read(fh)
                    out[member[:-4]] = (tuple(shape), dtype)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise DataConfigError(where, f"{path}: not a readable .npz file: {err}") from None
    return out


def _read(path: Path, key: str, where: Where = ("path",)) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return npz[key]
    except (OSError, ValueError, zlib.error, EOFError) as err:
        raise _fail(path, key, f"cannot read: {err}", where) from None


def _check(path: Path, where: Where = ("path",),
           names: list[str] | None = None) -> tuple[tuple[int, int, int], np.ndarray, list[str]]:
    """(image shape, labels, class names) after checking every key's shape and type; ``names``: the
    class names an extra test split must share with the main file."""
    heads = _headers(path, where)
    for key in ("x", "y"):
        if key not in heads:
            raise _fail(path, key, f"missing (the file holds: {', '.join(sorted(heads)) or 'nothing'})", where)
    (xs, xt), (ys, yt) = heads["x"], heads["y"]
    if len(xs) not in (3, 4) or (len(xs) == 4 and xs[3] not in (1, 3)) or min(xs[1:3], default=0) < 1:
        raise _fail(path, "x", f"expected shape (N, H, W) or (N, H, W, C) with C 1 or 3, got {xs}", where)
    if xt.kind not in "uif":
        raise _fail(path, "x", f"expected uint8 or float images, got dtype {xt}", where)
    if len(ys) != 1 or ys[0] != xs[0]:
        raise _fail(path, "y", f"expected shape ({xs[0]},): one label per image, got {ys}", where)
    if yt.kind not in "ui":
        raise _fail(path, "y", f"expected integer labels, got dtype {yt}", where)
    if "masks" in heads and heads["masks"][0] != xs[:3]:
        raise _fail(path, "masks", f"expected shape {xs[:3]}: one (H, W) mask per image, got {heads['masks'][0]}", where)
    y = _read(path, "y", where).astype(np.int64)
    own = [str(n) for n in _read(path, "class_names", where).reshape(-1)] if "class_names" in heads else None
    if names is not None and own is not None and own != names:
        raise _fail(path, "class_names", f"expected the classes of the main file, {names}, got {own}", where)
    known = own if own is not None else names
    high = (len(known) if known is not None else None)
    if len(y) and (y.min() < 0 or (high is not None and y.max() >= high)):
        bound = f"0..{high - 1} (class_names has {high} names)" if high is not None else "0 or more"
        raise _fail(path, "y", f"labels outside {bound}: found {int(y.min())}..{int(y.max())}", where)
    if known is None:
        known = [str(i) for i in range(int(y.max()) + 1 if len(y) else 0)]
    if len(known) < 2:
        raise _fail(path, "y", "needs at least two classes", where)
    return (xs[1], xs[2], xs[3] if len(xs) == 4 else 1), y, known


def _check_extra(config: ArraysData, shape: tuple[int, int, int], names: list[str]) -> None:
    """Each extra test split: the main file's image shape and classes, so one network reads both."""
    for name, extra in config.extra_tests.items():
        where = ("extra_tests", name)
        path = Path(extra).expanduser()
        own, _, _ = _check(path, where, names)
        if own != shape:
            raise _fail(path, "x", f"images of shape {own}, the main file's are {shape}", where)


def describe_arrays(config: ArraysData) -> DataFacts:
    shape, _, names = _check(Path(config.path).expanduser())
    _check_extra(config, shape, names)
    return DataFacts(shape, {"class": len(names)})


def _images(path: Path, shape: tuple[int, int, int], where: Where = ("path",)) -> np.ndarray:
    """x as (N, H, W, C) uint8; floats must lie in [0, 1] and are rounded to 1/255 steps."""
    x = _read(path, "x", where)
    if x.dtype.kind == "f":
        if np.isnan(x).any():
            raise _fail(path, "x", "contains NaN", where)
        if x.min() < 0 or x.max() > 1:
            raise _fail(path, "x", f"float images must lie in [0, 1], found {x.min():g}..{x.max():g}", where)
        x = np.rint(x * 255)
    elif x.min() < 0 or x.max() > 255:
        raise _fail(path, "x", f"integer images must lie in 0..255, found {x.min()}..{x.max()}", where)
    return x.astype(np.uint8).reshape(len(x), *shape)


def _masks(path: Path, where: Where = ("path",)) -> np.ndarray | None:
    """The masks as booleans, or None when the file has none."""
    if "masks" not in _headers(path, where):
        return None
    masks = _read(path, "masks", where)
    if masks.dtype != bool and not np.isin(masks, (0, 1)).all():
        raise _fail(path, "masks", f"expected booleans (or 0/1), got dtype {masks.dtype} with other values", where)
    return masks.astype(bool)


def _extra_tests(config: ArraysData, shape: tuple[int, int, int], names: list[str]) -> dict[str, ExtraTest]:
    """Every extra test split, read whole: no part of it is trained on."""
    _check_extra(config, shape, names)
    splits = {}
    for name, extra in config.extra_tests.items():
        where, path = ("extra_tests", name), Path(extra).expanduser()
        _, y, _ = _check(path, where, names)
        splits[name] = ExtraTest(_images(path, shape, where), {"class": y})
    return splits


def load_arrays(name: str, config: ArraysData, seed: int) -> Dataset:
    """Read the arrays and split them per class with the seed; masks follow their images."""
    path = Path(config.path).expanduser()
    shape, y, names = _check(path)
    x = _images(path, shape)
    masks = _masks(path)
    extra = _extra_tests(config, shape, names)
    train, test = stratified_split(y, config.test_fraction, np.random.default_rng([seed, 5]))
    pct = f"{100 * (1 - config.test_fraction):g}/{100 * config.test_fraction:g}"
    provenance: dict[str, object] = {
        "source": f"arrays {path}", "split": f"divided {pct} per class with seed {seed}",
        "masks": "given: heatmaps scored against them" if masks is not None else "none"}
    if extra:
        provenance["extra test splits"] = [f"{k}: {len(s.x):,} images from {Path(config.extra_tests[k]).name}"
                                           for k, s in extra.items()]
    return Dataset(
        name=name, kind="arrays", x_train=x[train], labels_train={"class": y[train]}, x_test=x[test],
        labels_test={"class": y[test]}, class_names={"class": names},
        masks_test=None if masks is None else masks[test], provenance=provenance, extra_tests=extra,
    )


DATA_KINDS.register(DataKind(ArraysData, describe_arrays, load_arrays))
