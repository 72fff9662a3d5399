"""CIFAR-10 and CIFAR-100 from the python batches Keras downloads (pickled dicts of uint8 rows).

A batch file holds ``data`` (N, 3072: the red, green and blue 32x32 planes of each
image) and ``labels`` (CIFAR-10) or ``fine_labels`` (CIFAR-100); a ``batches.meta``
or ``meta`` file names the classes. These are the files Keras itself reads: the same
pickle format, opened only from a folder the spec names or Keras' own cache.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from netviz.data import downloads
from netviz.data.downloads import Found, Pair, Parts
from netviz.errors import DataError

SHAPE = (32, 32, 3)


@dataclass(frozen=True)
class Cifar:
    """One CIFAR set: its keras.datasets module, folder name, files, label key and class names."""

    module: str
    title: str
    folder: str
    train_files: tuple[str, ...]
    test_file: str
    meta_file: str
    label_key: str
    names_key: str
    class_names: tuple[str, ...]


CIFAR10 = Cifar("cifar10", "CIFAR-10", "cifar-10-batches-py", tuple(f"data_batch_{i}" for i in range(1, 6)),
                "test_batch", "batches.meta", "labels", "label_names",
                ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"))
CIFAR100 = Cifar("cifar100", "CIFAR-100", "cifar-100-python", ("train",), "test", "meta", "fine_labels",
                 "fine_label_names", tuple((
                     "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus "
                     "butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch "
                     "crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo "
                     "keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse "
                     "mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy "
                     "porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper "
                     "snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television "
                     "tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm").split()))
SETS = {c.module: c for c in (CIFAR10, CIFAR100)}


def _unpickle(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            raw = pickle.load(fh, encoding="bytes")
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError) as err:
        raise DataError(f"{path}: cannot read CIFAR batch: {err}") from None
    if not isinstance(raw, dict):
        raise DataError(f"{path}: not a CIFAR batch (expected a dictionary)")
    return {k.decode() if isinstance(k, bytes) else str(k): v for k, v in raw.items()}


def read_batch(path: Path, label_key: str) -> Pair:
    """(N, 32, 32, 3) uint8 images and (N,) labels of one batch file."""
    batch = _unpickle(path)
    if "data" not in batch or label_key not in batch:
        raise DataError(f"{path}: a CIFAR batch needs 'data' and '{label_key}', found {sorted(batch)}")
    data, labels = np.asarray(batch["data"]), np.asarray(batch[label_key]).reshape(-1)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(labels):
        raise DataError(f"{path}: expected N rows of 3072 bytes and N labels, got {data.shape} and {labels.shape}")
    images = data.astype(np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int64)


def class_names(folder: Path, cifar: Cifar) -> list[str]:
    """Names from the meta file when present, else the published ones."""
    meta = folder / cifar.meta_file
    if meta.is_file():
        names = _unpickle(meta).get(cifar.names_key)
        if isinstance(names, list) and len(names) == len(cifar.class_names):
            return [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    return list(cifar.class_names)


def batch_folder(path: Path, cifar: Cifar) -> Path | None:
    """``path`` itself or the CIFAR folder inside it (as Keras extracts it), if it holds the test batch."""
    for folder in (path, path / cifar.folder, path / f"{cifar.folder}-target" / cifar.folder):
        if (folder / cifar.test_file).is_file():
            return folder
    return None


def read_folder(folder: Path, cifar: Cifar) -> Found:
    """The official split from a folder of batches (all train batches must be there)."""
    missing = [f for f in cifar.train_files if not (folder / f).is_file()]
    if missing:
        raise DataError(f"{folder}: {cifar.title} batch {missing[0]} is missing")
    train = [read_batch(folder / f, cifar.label_key) for f in cifar.train_files]
    test = read_batch(folder / cifar.test_file, cifar.label_key)
    parts: Parts = {"train": (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train])),
                    "test": test}
    for part, pair in parts.items():
        labels = pair[1]  # type: ignore[index]
        if len(labels) and (labels.min() < 0 or labels.max() >= len(cifar.class_names)):
            raise DataError(f"{folder}: {part} labels outside 0..{len(cifar.class_names) - 1}")
    files = [str(folder / f) for f in (*cifar.train_files, cifar.test_file)]
    return Found(parts, f"local python batches {folder}", files)


def find(name: str, config: object, cifar: Cifar) -> tuple[Found, list[str]]:
    """The set's batches from ``path``, Keras' cache or a download, with the class names."""
    missing = (f"{cifar.title} not found: put the python batches (folder {cifar.folder}) at "
               f"datasets.{name}.path")

    def local(path: Path) -> Found:
        folder = batch_folder(path, cifar)
        if folder is None:
            raise DataError(f"{path}: no {cifar.title} python batches here (expected {cifar.test_file} "
                            f"in it or in {cifar.folder}/)")
        return read_folder(folder, cifar)

    def cached() -> Found | None:
        for home in downloads.keras_homes():
            folder = batch_folder(home / "datasets", cifar)
            if folder is not None:
                found = read_folder(folder, cifar)
                return Found(found.parts, "keras cache", found.files)
        return None

    def download() -> Found:
        (xtr, ytr), (xte, yte) = downloads.keras_download(cifar.module)
        parts: Parts = {"train": (np.asarray(xtr, np.uint8), np.asarray(ytr).reshape(-1).astype(np.int64)),
                        "test": (np.asarray(xte, np.uint8), np.asarray(yte).reshape(-1).astype(np.int64))}
        return Found(parts, "keras download", [])

    found = downloads.resolve(getattr(config, "source", "auto"), getattr(config, "path", None),
                            local, cached, download, missing)
    folder = Path(found.files[0]).parent if found.files else None
    return found, class_names(folder, cifar) if folder else list(cifar.class_names)
