"""``kind: folder``: a directory of images with one subfolder per class (or ``train/`` and ``test/``).

The subfolder name is the class name. Every file (hidden ones aside) must be an image
Pillow reads: PNG, JPEG, BMP or GIF (its first frame); each is resized to
``image_size`` and kept as uint8. Decoding runs in a thread pool over chunks of files
(Pillow decodes and resizes without holding the interpreter lock), each thread
writing straight into one preallocated array.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from netviz.data.base import DataKind, Dataset
from netviz.data.split import pick_per_class, stratified_split
from netviz.errors import DataConfigError
from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts
from netviz.strict import SpecPath, Strict

Side = Annotated[int, Field(ge=4, le=1024)]
SPLITS = ("train", "test")
FORMATS = ("PNG", "JPEG", "BMP", "GIF")  # tried in this order; anything else is not a readable image
CHUNK = 256  # files per task: large enough to amortize scheduling, small enough to balance


class FolderData(Strict):
    kind: Literal["folder"]
    path: SpecPath
    image_size: tuple[Side, Side]  # [height, width] every image is resized to
    color: Literal["rgb", "grayscale"] = "rgb"
    test_fraction: float = Field(default=0.2, gt=0, lt=1)
    limit_per_class: int | None = Field(default=None, ge=1)
    skip_unreadable: bool = False


@dataclass(frozen=True)
class Listing:
    """Class names and, per split ("all", or "train" and "test"), each class's files in name order."""

    root: Path
    classes: list[str]
    files: dict[str, list[list[Path]]]


def _visible(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)


def _class_folders(folder: Path) -> list[str]:
    return [e.name for e in _visible(folder) if e.is_dir()]


def _files(folder: Path) -> list[Path]:
    return [Path(e.path) for e in _visible(folder) if e.is_file()]


def list_folder(root: Path) -> Listing:
    """Find the layout and the files; every error names the folder at fault."""
    if not root.is_dir():
        raise DataConfigError("path", f"{root}: no such folder")
    top = _class_folders(root)
    split = set(SPLITS) <= set(top)
    classes = _class_folders(root / "train") if split else top
    if not classes:
        where = root / "train" if split else root
        raise DataConfigError("path", f"{where}: no class subfolders (one folder of images per class)")
    files: dict[str, list[list[Path]]] = {}
    for part in SPLITS if split else ("all",):
        base = root / part if split else root
        extra = sorted(set(_class_folders(base)) - set(classes))
        if extra:
            raise DataConfigError("path", f"{base / extra[0]}: class {extra[0]!r} is not in {root / 'train'}")
        files[part] = [_files(base / c) if (base / c).is_dir() else [] for c in classes]
        empty = [c for c, f in zip(classes, files[part]) if not f and (part != "test")]
        if empty:
            raise DataConfigError("path", f"{base / empty[0]}: empty class folder (no images)")
    return Listing(root, classes, files)


def describe_folder(config: FolderData) -> DataFacts:
    """Shape from ``image_size`` and ``color``; classes from the folder listing."""
    listing = list_folder(Path(config.path).expanduser())
    return DataFacts((*config.image_size, 3 if config.color == "rgb" else 1), {"class": len(listing.classes)})


def decode_images(paths: list[Path], size: tuple[int, int], color: str) -> tuple[np.ndarray, dict[int, str]]:
    """(N, h, w, C) uint8 images and, for each file Pillow cannot read, its index and the reason."""
    channels = 3 if color == "rgb" else 1
    out = np.zeros((len(paths), *size, channels), dtype=np.uint8)
    failed: dict[int, str] = {}

    def work(start: int) -> None:
        from PIL import Image

        mode, (h, w) = ("RGB" if channels == 3 else "L"), size
        for i in range(start, min(start + CHUNK, len(paths))):
            try:
                with Image.open(paths[i], formats=FORMATS) as image:
                    image.draft(mode, (w, h))  # JPEG: decode at a reduced scale when that is enough
                    image = image.convert(mode) if image.mode != mode else image
                    if image.size != (w, h):
                        image = image.resize((w, h), Image.Resampling.BILINEAR)
                    out[i] = np.asarray(image).reshape(h, w, channels)
            except Exception as err:  # Pillow raises many types for a bad file; all mean unreadable
                failed[i] = str(err).splitlines()[0] if str(err) else type(err).__name__

    workers = max(1, min(8, (os.cpu_count() or 1), -(-len(paths) // CHUNK)))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(0, len(paths), CHUNK)))
    return out, failed


def _read(paths: list[Path], labels: np.ndarray, config: FolderData, name: str) -> tuple[np.ndarray, np.ndarray, int]:
    images, failed = decode_images(paths, tuple(config.image_size), config.color)  # type: ignore[arg-type]
    if failed and not config.skip_unreadable:
        first = min(failed)
        raise DataConfigError("path", f"{paths[first]}: not a readable image ({failed[first]}); remove it or set "
                        f"datasets.{name}.skip_unreadable: true")
    keep = np.setdiff1d(np.arange(len(paths)), np.fromiter(failed, dtype=np.int64, count=len(failed)))
    return images[keep], labels[keep], len(failed)


def load_folder(name: str, config: FolderData, seed: int) -> Dataset:
    """Read the folder; a folder without ``train/``/``test/`` is split per class with the seed."""
    listing = list_folder(Path(config.path).expanduser())
    rng = np.random.default_rng([seed, 4])
    read = {part: _read(*pick_per_class(per_class, config.limit_per_class, rng), config, name)
            for part, per_class in listing.files.items()}
    skipped = sum(r[2] for r in read.values())
    if "all" in read:
        x, y, _ = read["all"]
        train, test = stratified_split(y, config.test_fraction, rng)
        (x_train, y_train), (x_test, y_test) = (x[train], y[train]), (x[test], y[test])
        pct = f"{100 * (1 - config.test_fraction):g}/{100 * config.test_fraction:g}"
        split = f"divided {pct} per class with seed {seed}"
    else:
        (x_train, y_train, _), (x_test, y_test, _) = read["train"], read["test"]
        split = "train/ and test/ folders as given"
    for part, labels in (("train", y_train), ("test", y_test)):
        if not len(labels):
            raise DataConfigError("path", f"{listing.root}: no readable {part} images")
    provenance: dict[str, object] = {"source": f"image folder {listing.root}", "classes": len(listing.classes),
                                     "image size": f"{config.image_size[0]}x{config.image_size[1]} {config.color}",
                                     "split": split, "limit per class": config.limit_per_class}
    if config.skip_unreadable:
        provenance["unreadable files skipped"] = skipped
    return Dataset(name=name, kind="folder", x_train=x_train, labels_train={"class": y_train}, x_test=x_test,
                   labels_test={"class": y_test}, class_names={"class": list(listing.classes)},
                   provenance=provenance)


DATA_KINDS.register(DataKind(FolderData, describe_folder, load_folder))
