"""MNIST loading against the real test-split files in ../shared/data/mnist (never copied)."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from netviz.data import mnist
from netviz.data.mnist import MnistData, load_mnist, read_idx
from netviz.errors import DataError
from tests.conftest import MNIST_DIR

COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
IMAGES, LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"

needs_mnist = pytest.mark.usefixtures("mnist_dir")  # skips without MNIST, fails under CI=true


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No test may reach Keras' cache or the network."""
    monkeypatch.delenv(mnist.ENV_DIR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))

    def no_download(*_):
        pytest.fail("tests must not download MNIST")

    monkeypatch.setattr(mnist, "_download", no_download)


def config(path: object = MNIST_DIR, **kw) -> MnistData:
    return MnistData(kind="mnist", path=None if path is None else str(path), **kw)


@pytest.fixture(scope="module")
def raw(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    return read_idx(MNIST_DIR / f"{IMAGES}.gz", 2051), read_idx(MNIST_DIR / f"{LABELS}.gz", 2049)


@needs_mnist
def test_raw_files_hold_the_10000_test_digits(raw):
    images, labels = raw
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == COUNTS
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert images.max() == 255 and images[0].sum() > 0


@needs_mnist
def test_test_split_only_is_divided_stratified(raw):
    ds = load_mnist("digits", config(source="local"), seed=3)
    assert ds.kind == "mnist" and ds.input_shape == (28, 28, 1)
    assert ds.x_train.shape == (8000, 28, 28, 1) and ds.x_test.shape == (2000, 28, 28, 1)
    assert ds.x_train.dtype == np.uint8 and ds.masks_test is None
    y_train, y_test = ds.labels_train["class"], ds.labels_test["class"]
    np.testing.assert_array_equal(np.bincount(y_train) + np.bincount(y_test), COUNTS)
    assert np.all(np.abs(np.bincount(y_test) - np.array(COUNTS) * 0.2) <= 1)
    assert ds.class_names == {"class": [str(d) for d in range(10)]}
    assert ds.provenance["source"] == f"local IDX folder {MNIST_DIR}"
    assert ds.provenance["split"] == "test split only, divided 80/20 with seed 3"
    assert ds.provenance["limit"] is None and len(ds.provenance["files"]) == 2
    # every image is one of the originals, each used once
    all_x = np.concatenate([ds.x_train, ds.x_test])[..., 0].reshape(10_000, -1)
    keys = {row.tobytes() for row in all_x}
    assert keys == {row.tobytes() for row in raw[0].reshape(10_000, -1)}


@needs_mnist
def test_split_is_deterministic_per_seed():
    a = load_mnist("m", config(), seed=1)
    b = load_mnist("m", config(), seed=1)
    c = load_mnist("m", config(), seed=2)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    np.testing.assert_array_equal(a.labels_train["class"], b.labels_train["class"])
    assert not np.array_equal(a.labels_test["class"], c.labels_test["class"])


@needs_mnist
def test_limit_subsamples_stratified():
    ds = load_mnist("m", config(limit=1000, test_fraction=0.25), seed=0)
    assert len(ds.x_train) == 750 and len(ds.x_test) == 250
    counts = np.bincount(ds.labels_train["class"]) + np.bincount(ds.labels_test["class"])
    assert np.all(np.abs(counts - np.array(COUNTS) / 10) <= 1)
    assert ds.provenance["limit"] == 1000
    tiny = load_mnist("m", config(limit=20), seed=0)
    assert len(tiny.x_train) == 16 and len(tiny.x_test) == 4
    both = np.concatenate([tiny.labels_train["class"], tiny.labels_test["class"]])
    assert np.bincount(both).tolist() == [2] * 10


@needs_mnist
def test_plain_idx_parses_like_gzip(tmp_path, raw):
    for name in (IMAGES, LABELS):
        (tmp_path / name).write_bytes(gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes()))
    np.testing.assert_array_equal(read_idx(tmp_path / IMAGES, 2051), raw[0])
    misnamed = tmp_path / "gzipped-without-suffix"
    misnamed.write_bytes((MNIST_DIR / f"{LABELS}.gz").read_bytes())
    np.testing.assert_array_equal(read_idx(misnamed, 2049), raw[1])
    a = load_mnist("m", config(tmp_path), seed=4)
    b = load_mnist("m", config(), seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    digests = [hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() for name in (IMAGES, LABELS)]
    assert a.provenance["files"] == [f"{IMAGES} (SHA-256 {digests[0]})", f"{LABELS} (SHA-256 {digests[1]})"]


@needs_mnist
def test_env_var_is_used_for_auto(monkeypatch):
    monkeypatch.setenv(mnist.ENV_DIR, str(MNIST_DIR))
    ds = load_mnist("m", config(None, limit=100), seed=0)
    assert len(ds.x_train) + len(ds.x_test) == 100
    assert ds.provenance["source"] == "local IDX folder $NETVIZ_MNIST_DIR"  # not the machine's folder
    assert not any(str(MNIST_DIR) in f or "/" in f for f in ds.provenance["files"])


@needs_mnist
def test_official_split_from_npz_and_folder(tmp_path, raw):
    x, y = raw
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x[:6000], y_train=y[:6000], x_test=x[6000:], y_test=y[6000:])
    ds = load_mnist("m", config(path), seed=0)
    assert ds.provenance["split"] == "official" and ds.provenance["source"] == f"local npz {path}"
    np.testing.assert_array_equal(ds.x_test[..., 0], x[6000:])
    np.testing.assert_array_equal(ds.labels_train["class"], y[:6000])
    limited = load_mnist("m", config(path, limit=500), seed=0)
    assert (len(limited.x_train), len(limited.x_test)) == (300, 200)

    folder = tmp_path / "idx"
    folder.mkdir()
    for prefix in ("train", "t10k"):
        for name in (IMAGES, LABELS):
            src = gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes())
            (folder / name.replace("t10k", prefix)).write_bytes(src)
    ds = load_mnist("m", config(folder), seed=0)
    assert ds.provenance["split"] == "official" and len(ds.x_train) == len(ds.x_test) == 10_000


@needs_mnist
def test_images_labels_npz_is_divided(tmp_path, raw):
    path = tmp_path / "pool.npz"
    np.savez_compressed(path, images=raw[0][:500, :, :, None], labels=raw[1][:500])
    ds = load_mnist("m", config(path, test_fraction=0.1), seed=0)
    assert (len(ds.x_train), len(ds.x_test)) == (450, 50)
    assert ds.provenance["split"] == "images/labels array only, divided 90/10 with seed 0"


@needs_mnist
@pytest.mark.parametrize("cut", [100, 16 + 28 * 28 * 5 + 3])
def test_truncated_file_names_the_file(tmp_path, cut):
    for name in (IMAGES, LABELS):
        (tmp_path / name).write_bytes(gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes()))
    data = (tmp_path / IMAGES).read_bytes()
    (tmp_path / IMAGES).write_bytes(data[:cut])
    with pytest.raises(DataError, match=IMAGES):
        load_mnist("m", config(tmp_path), seed=0)


@needs_mnist
def test_corrupt_gzip_and_bad_magic_name_the_file(tmp_path):
    (tmp_path / f"{IMAGES}.gz").write_bytes((MNIST_DIR / f"{IMAGES}.gz").read_bytes()[:5000])
    (tmp_path / f"{LABELS}.gz").write_bytes((MNIST_DIR / f"{LABELS}.gz").read_bytes())
    with pytest.raises(DataError, match=f"{IMAGES}.gz"):
        load_mnist("m", config(tmp_path), seed=0)
    labels = gzip.decompress((MNIST_DIR / f"{LABELS}.gz").read_bytes())
    (tmp_path / f"{LABELS}.gz").unlink()
    (tmp_path / LABELS).write_bytes(b"\x00\x00\x08\x03" + labels[4:])
    with pytest.raises(DataError, match=f"{LABELS}.*magic number 2049"):
        read_idx(tmp_path / LABELS, 2049)


def test_missing_folder_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_mnist("m", config(tmp_path / "nowhere"), seed=0)
    with pytest.raises(DataError, match="no MNIST IDX files"):
        load_mnist("m", config(tmp_path), seed=0)


def test_missing_labels_file_is_named(tmp_path):
    (tmp_path / f"{IMAGES}.gz").write_bytes(b"")
    with pytest.raises(DataError, match="labels"):
        load_mnist("m", config(tmp_path), seed=0)


def test_nothing_local_offline_says_where_to_put_files(monkeypatch):
    with pytest.raises(DataError) as err:
        load_mnist("digits", config(None, source="local"), seed=0)
    message = str(err.value)
    assert "\n" not in message and mnist.ENV_DIR in message
    assert "datasets.digits.path" in message and f"{IMAGES}.gz" in message

    def offline_download(*_):
        raise OSError("[Errno -2] Name or service not known\nmore detail")

    monkeypatch.setattr(mnist, "_download", offline_download)
    with pytest.raises(DataError) as err:
        load_mnist("digits", config(None, source="auto"), seed=0)
    assert "\n" not in str(err.value) and "download failed" in str(err.value)


def test_keras_cache_is_used_before_download(monkeypatch, tmp_path):
    cache = tmp_path / "keras_home" / "datasets" / "mnist.npz"
    cache.parent.mkdir(parents=True)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (60, 28, 28), dtype=np.uint8)
    y = np.tile(np.arange(10), 6)
    np.savez(cache, x_train=x[:50], y_train=y[:50], x_test=x[50:], y_test=y[50:])
    ds = load_mnist("m", config(None, source="keras"), seed=0)
    digest = hashlib.sha256(cache.read_bytes()).hexdigest()
    assert ds.provenance["source"] == "keras cache" and ds.provenance["files"] == [f"mnist.npz (SHA-256 {digest})"]
    assert (len(ds.x_train), len(ds.x_test)) == (50, 10)
    assert os.environ["KERAS_HOME"] == str(tmp_path / "keras_home")
