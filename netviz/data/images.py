"""Images to explain: a folder of pictures, or listed files, that nobody has labelled.

A network that already exists (a saved file, a ``keras.applications`` model) can be shown
photos it has never seen, through a model's ``images:`` or a data set of this kind. Nothing
is known of their classes, so nothing is trained on them or evaluated: the kind is registered
``labelled=False`` and every label is :data:`UNLABELLED`; the report shows the network's top
predictions and heatmaps instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from netviz.data.base import DataKind, Dataset
from netviz.data.folder import Side, decode_images
from netviz.errors import DataConfigError
from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts
from netviz.strict import SpecPath, Strict

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
UNLABELLED = -1  # the label of an image whose class nobody told us
TARGET = "class"


class ImagesData(Strict):
    kind: Literal["images"]
    path: SpecPath | list[SpecPath]  # a folder of images, or image files
    image_size: tuple[Side, Side] = (224, 224)  # [height, width] every image is resized to
    color: Literal["rgb", "grayscale"] = "rgb"


def image_files(images: str | list[str]) -> list[Path]:
    """The image files of a folder (sorted, hidden ones aside) or the listed files."""
    items = [images] if isinstance(images, str) else list(images)
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
        elif path.exists():
            files.append(path)
        else:
            raise DataConfigError("path", f"{path}: no such file or folder")
    if not files:
        raise DataConfigError("path", f"{items[0]}: no images (PNG, JPEG, BMP or GIF)")
    return files


def read_images(files: list[Path], size: tuple[int, int], color: str) -> np.ndarray:
    """(N, h, w, C) uint8 images resized to ``size``; an unreadable file is one line."""
    x, failed = decode_images(files, size, color)
    if failed:
        index, reason = next(iter(sorted(failed.items())))
        raise DataConfigError("path", f"{files[index]}: not a readable image ({reason})")
    return x


def unlabelled(name: str, images: np.ndarray, files: list[Path], given: str | list[str], target: str = TARGET,
               class_names: list[str] | None = None) -> Dataset:
    """Images as a data set with no training part and no labels (every label is UNLABELLED)."""
    labels = np.full(len(images), UNLABELLED, dtype=np.int64)
    return Dataset(
        name=name, kind="images", x_train=images[:0], labels_train={target: labels[:0]}, x_test=images,
        labels_test={target: labels}, class_names={target: list(class_names or [])},
        provenance={"images": given if isinstance(given, str) else ", ".join(given), "files": [f.name for f in files]},
    )


def describe_images(config: ImagesData) -> DataFacts:
    image_files(config.path)
    return DataFacts((*config.image_size, 3 if config.color == "rgb" else 1), {})  # no labels: no targets


def load_images(name: str, config: ImagesData, seed: int) -> Dataset:
    files = image_files(config.path)
    return unlabelled(name, read_images(files, config.image_size, config.color), files, config.path)


DATA_KINDS.register(DataKind(ImagesData, describe_images, load_images, labelled=False))
