"""The keras kind from local copies in Keras' own formats: CIFAR python batches, Fashion-MNIST IDX."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest

from netviz.data import cifar, describe_dataset, load_dataset, mnist
from netviz.data.keras import KerasData
from netviz.errors import DataError


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))

    def no_download(*_):
        pytest.fail("tests must not download")

    monkeypatch.setattr("netviz.data.downloads.keras_download", no_download)


def write_batch(path: Path, images: np.ndarray, labels: list[int], key: bytes) -> None:
    """A CIFAR batch as the original pickles it: bytes keys, rows of red, green then blue planes."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    with path.open("wb") as fh:
        pickle.dump({b"batch_label": b"x", b"data": rows, key: labels}, fh)


def test_cifar10_python_batches_read_as_keras_does(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    for i in range(5):
        write_batch(folder / f"data_batch_{i + 1}", images[2 * i:2 * i + 2], [i, i + 1], b"labels")
    write_batch(folder / "test_batch", images[10:], [9, 3], b"labels")
    with (folder / "batches.meta").open("wb") as fh:
        pickle.dump({b"label_names": [f"c{i}".encode() for i in range(10)]}, fh)
    cfg = KerasData(kind="keras", name="cifar10", path=str(tmp_path))
    assert describe_dataset(cfg).input_shape == (32, 32, 3) and describe_dataset(cfg).targets == {"class": 10}
    ds = load_dataset("c", cfg, seed=0)
    np.testing.assert_array_equal(ds.x_train, images[:10])
    np.testing.assert_array_equal(ds.x_test, images[10:])
    assert ds.labels_train["class"].tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert ds.labels_test["class"].tolist() == [9, 3]
    assert ds.class_names["class"][:2] == ["c0", "c1"] and ds.provenance["split"] == "official"


def test_cifar100_fine_labels_and_published_names(tmp_path: Path) -> None:
    folder = tmp_path / "keras_home" / "datasets" / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    images = np.arange(3 * 32 * 32 * 3, dtype=np.int64).reshape(3, 32, 32, 3).astype(np.uint8)
    write_batch(folder / "train", images[:2], [99, 0], b"fine_labels")
    write_batch(folder / "test", images[2:], [4], b"fine_labels")
    ds = load_dataset("c", KerasData(kind="keras", name="cifar100"), seed=0)
    assert ds.provenance["source"] == "keras cache"
    assert ds.labels_train["class"].tolist() == [99, 0]
    names = ds.class_names["class"]
    assert len(names) == 100 and (names[0], names[4], names[99]) == ("apple", "beaver", "worm")
    np.testing.assert_array_equal(ds.x_test[0], images[2])


def test_cifar_missing_batch_is_named(tmp_path: Path) -> None:
    write_batch(tmp_path / "test_batch", np.zeros((1, 32, 32, 3), np.uint8), [0], b"labels")
    with pytest.raises(DataError, match="data_batch_1 is missing"):
        load_dataset("c", KerasData(kind="keras", name="cifar10", path=str(tmp_path)), seed=0)


def idx(array: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_from_the_keras_cache_folder(tmp_path: Path) -> None:
    cache = tmp_path / "keras_home" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    x = np.arange(4 * 28 * 28).reshape(4, 28, 28) % 256
    for prefix, sl in (("train", slice(0, 3)), ("t10k", slice(3, 4))):
        (cache / f"{prefix}-images-idx3-ubyte.gz").write_bytes(idx(x[sl], 2051))
        (cache / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(idx(np.array([9, 0, 1, 5])[sl], 2049))
    ds = load_dataset("f", KerasData(kind="keras", name="fashion_mnist", source="keras"), seed=0)
    assert ds.kind == "keras" and ds.x_train.shape == (3, 28, 28, 1)
    assert [ds.class_names["class"][i] for i in ds.labels_train["class"]] == ["Ankle boot", "T-shirt/top", "Trouser"]
    np.testing.assert_array_equal(ds.x_test[0, ..., 0], x[3])


def test_mnist_kind_is_keras_mnist(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    x = np.zeros((40, 28, 28), np.uint8)
    np.savez(path, images=x, labels=np.arange(40) % 10)
    a = load_dataset("m", mnist.MnistData(kind="mnist", path=str(path)), seed=2)
    b = load_dataset("m", KerasData(kind="keras", name="mnist", path=str(path)), seed=2)
    np.testing.assert_array_equal(a.labels_test["class"], b.labels_test["class"])
    assert (a.kind, b.kind) == ("mnist", "keras") and a.class_names == b.class_names
    assert cifar.SETS["cifar10"].class_names[0] == "airplane"


def test_a_local_path_that_does_not_exist_is_refused_at_validation(tmp_path: Path) -> None:
    from netviz.errors import DataConfigError

    for config in (KerasData(kind="keras", name="cifar10", path=str(tmp_path / "nope")),
                   mnist.MnistData(kind="mnist", path=str(tmp_path / "nope"))):
        with pytest.raises(DataConfigError, match="nope: no such file or folder"):
            describe_dataset(config)
    assert describe_dataset(KerasData(kind="keras", name="cifar100", source="keras", path="ignored")).targets == {"class": 100}
