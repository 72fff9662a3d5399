"""The synthetic LINE data set: one straight red or blue line on a black 28x28 image.

Each of the 96 classes fixes length, width, angle and colour; the only thing that
varies inside a class is where the line sits. Each class is rasterized once around a
pixel centre and then pasted at random integer offsets, so images of a class are
exact translations of each other and 96,000 images take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from netviz.data.base import DataKind, Dataset
from netviz.data.split import grouped_split
from netviz.errors import DataError
from netviz.io import atomic_path
from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts
from netviz.strict import Strict

SIZE = 28
LENGTHS = (7, 15)
WIDTHS = (1, 3)
ANGLES = tuple(range(0, 180, 15))
COLOURS = ((255, 0, 0), (0, 0, 255))

LENGTH_NAMES = [f"{v} px" for v in LENGTHS]
WIDTH_NAMES = [f"{v} px" for v in WIDTHS]
ANGLE_NAMES = [f"{v}°" for v in ANGLES]
COLOUR_NAMES = ["red", "blue"]
FACTORS = ("length", "width", "angle", "colour")
FACTOR_SIZES = (len(LENGTHS), len(WIDTHS), len(ANGLES), len(COLOURS))
N_CLASSES = int(np.prod(FACTOR_SIZES))
CLASS_LABELS = np.stack(
    np.unravel_index(np.arange(N_CLASSES), FACTOR_SIZES), axis=1
).astype(np.int64)
CLASS_NAMES = [
    f"{LENGTH_NAMES[l]}, {WIDTH_NAMES[w]}, {ANGLE_NAMES[a]}, {COLOUR_NAMES[c]}"
    for l, w, a, c in CLASS_LABELS
]
NAMES = {
    "class": CLASS_NAMES,
    "length": LENGTH_NAMES,
    "width": WIDTH_NAMES,
    "angle": ANGLE_NAMES,
    "colour": COLOUR_NAMES,
}


class LineData(Strict):
    """``kind: line``: the synthetic set, generated from the seed (nothing to download)."""

    kind: Literal["line"]
    per_class: int = Field(default=1000, ge=2, le=10_000)
    test_fraction: float = Field(default=0.2, gt=0, lt=1)


@dataclass(frozen=True)
class LineArrays:
    """Generated LINE images in class order with their factor labels and line masks."""

    images: np.ndarray  # (N, 28, 28, 3) uint8
    labels: np.ndarray  # (N, 4) int64: length, width, angle, colour indices
    masks: np.ndarray  # (N, 28, 28) bool: the line's pixels

    @property
    def classes(self) -> np.ndarray:
        """Class index per image, ((l*2 + w)*12 + a)*2 + c."""
        return class_index(self.labels)


def class_index(labels: np.ndarray) -> np.ndarray:
    """Combine (N, 4) factor indices into the class index the class names follow."""
    return np.ravel_multi_index(tuple(np.asarray(labels).T), FACTOR_SIZES).astype(np.int64)


def line_offsets(length: float, width: float, angle_deg: float) -> np.ndarray:
    """(P, 2) row/col offsets of the pixels a line centred on a pixel centre covers.

    Wide lines are the pixels whose centres fall in the line's rectangle (flat ends,
    so end to end is ``length``). A 1-px line drawn that way breaks up or comes out
    short at some angles (a 7 px line at 30° gets 5 pixels), so it is drawn as
    graphics programs do: one pixel per step along its major axis, over the major
    axis extent of the segment. The centre sits on a pixel centre, which keeps odd
    widths and lengths symmetric; the tolerances make exact ties a fixed decision.
    """
    theta = np.deg2rad(angle_deg)
    r = np.arange(-SIZE, SIZE + 1)
    drow, dcol = np.meshgrid(r, r, indexing="ij")
    x, y = dcol, -drow  # up is up: row index grows downwards
    cos, sin = np.cos(theta), np.sin(theta)
    along = x * cos + y * sin
    across = -x * sin + y * cos
    half = width / 2
    if width <= 1:
        major = max(abs(cos), abs(sin))
        along = x / cos if abs(cos) >= abs(sin) else y / sin
        half = major / 2  # perpendicular distance of half a pixel along the minor axis
    on = (np.abs(along) <= length / 2 + 1e-6) & (np.abs(across) < half - 1e-6)
    return np.stack([drow[on], dcol[on]], axis=1)


def _place(offsets: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random (n, P) pixel rows/cols of ``n`` copies, each wholly inside the image."""
    low, high = -offsets.min(axis=0), SIZE - 1 - offsets.max(axis=0)
    centre = rng.integers(low, high, size=(n, 2), endpoint=True)
    return centre[:, :1] + offsets[:, 0], centre[:, 1:] + offsets[:, 1]


def generate_line(per_class: int, seed: int) -> LineArrays:
    """``per_class`` images of every class, in class order, reproducible from ``seed``."""
    if per_class < 1:
        raise ValueError("per_class must be at least 1")
    rng = np.random.default_rng(seed)
    n = per_class * N_CLASSES
    images = np.zeros((n, SIZE, SIZE, 3), dtype=np.uint8)
    masks = np.zeros((n, SIZE, SIZE), dtype=bool)
    for cls, (l, w, a, c) in enumerate(CLASS_LABELS):
        offsets = line_offsets(LENGTHS[l], WIDTHS[w], ANGLES[a])
        rows, cols = _place(offsets, per_class, rng)
        idx = np.arange(cls * per_class, (cls + 1) * per_class)[:, None]
        masks[idx, rows, cols] = True
        images[idx, rows, cols] = COLOURS[c]
    labels = np.repeat(CLASS_LABELS, per_class, axis=0)
    return LineArrays(images=images, labels=labels, masks=masks)


def describe_line(config: LineData) -> DataFacts:
    """28x28 colour images; the class and each of its four factors are targets."""
    return DataFacts((SIZE, SIZE, 3), {target: len(names) for target, names in NAMES.items()})


def load_line(name: str, config: LineData, seed: int) -> Dataset:
    """Generate LINE for a spec entry and split it per class."""
    per_class = int(config.per_class)
    fraction = float(config.test_fraction)
    data = generate_line(per_class, seed)
    classes = data.classes
    position = data.masks.reshape(len(classes), -1).argmax(axis=1)  # first line pixel: the shift
    train, test = grouped_split(classes, position, fraction, np.random.default_rng([seed, 1]))

    def labels(idx: np.ndarray) -> dict[str, np.ndarray]:
        out = {"class": classes[idx]}
        out.update({f: data.labels[idx, i] for i, f in enumerate(FACTORS)})
        return out

    return Dataset(
        name=name,
        kind="line",
        x_train=data.images[train],
        labels_train=labels(train),
        x_test=data.images[test],
        labels_test=labels(test),
        class_names={k: list(v) for k, v in NAMES.items()},
        masks_test=data.masks[test],
        provenance={
            "source": "synthetic LINE",
            "per_class": per_class,
            "classes": N_CLASSES,
            "seed": seed,
            "test_fraction": fraction,
            "split": "by position: no test image is a copy of a training image",
            "distinct_images": int(len(np.unique(classes * SIZE * SIZE + position))),
        },
    )


DATA_KINDS.register(DataKind(LineData, describe_line, load_line))


def write_line_files(per_class: int, seed: int, out: Path, fmt: str) -> int:
    """Write LINE as one compressed .npz or a folder of ``l_w_a_c_id.png``; return the count.

    Files are written under a temporary name and renamed into place, so an
    interrupted run never leaves a half-written data set under the requested name.
    """
    out = Path(out)
    data = generate_line(per_class, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "npz":
        _write_npz(data, out)
    elif fmt == "png":
        _write_png(data, per_class, out)
    else:
        raise DataError(f"{out}: unknown LINE file format {fmt!r} (use npz or png)")
    return len(data.images)


def _write_npz(data: LineArrays, out: Path) -> None:
    """Save images/labels/masks compressed, atomically."""
    with atomic_path(out) as tmp, tmp.open("wb") as fh:
        np.savez_compressed(fh, images=data.images, labels=data.labels, masks=data.masks)


def _write_png(data: LineArrays, per_class: int, out: Path) -> None:
    """Write one PNG per image into a temporary folder, then rename it to ``out``."""
    from PIL import Image

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out}: already exists and is not an empty folder")
    with atomic_path(out, folder=True) as tmp:
        ids = np.tile(np.arange(per_class), N_CLASSES)
        for image, (l, w, a, c), i in zip(data.images, data.labels, ids):
            Image.fromarray(image).save(tmp / f"{l}_{w}_{a}_{c}_{i}.png")
