"""The arrays kind: x, y, class names and masks from an .npz; every bad key is one line naming it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netviz.data import describe_dataset, load_dataset
from netviz.data.arrays import ArraysData
from netviz.errors import DataConfigError


def config(path: Path, **kw) -> ArraysData:
    return ArraysData(kind="arrays", path=str(path), **kw)


def arrays(n: int = 20) -> dict[str, np.ndarray]:
    """Image i is filled with the value i, so every split can be traced back to its source."""
    x = np.repeat(np.arange(n, dtype=np.uint8), 5 * 4).reshape(n, 5, 4)
    masks = np.zeros((n, 5, 4), bool)
    masks[np.arange(n), np.arange(n) % 5, 0] = True
    return {"x": x, "y": np.arange(n) % 2, "class_names": np.array(["even", "odd"]), "masks": masks}


def test_images_labels_names_and_masks_are_split_together(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    data = arrays()
    np.savez(path, **data)
    assert describe_dataset(config(path)) .input_shape == (5, 4, 1)
    assert describe_dataset(config(path)).targets == {"class": 2}
    ds = load_dataset("d", config(path, test_fraction=0.2), seed=0)
    assert ds.class_names == {"class": ["even", "odd"]} and ds.x_train.shape == (16, 5, 4, 1)
    ids = ds.x_test[:, 0, 0, 0].astype(int)
    assert len(ids) == 4 and np.bincount(ds.labels_test["class"]).tolist() == [2, 2]
    np.testing.assert_array_equal(ds.labels_test["class"], ids % 2)
    np.testing.assert_array_equal(ds.masks_test, data["masks"][ids])
    assert sorted(ids.tolist() + ds.x_train[:, 0, 0, 0].astype(int).tolist()) == list(range(20))


def test_float_images_become_uint8_and_names_default_to_numbers(tmp_path: Path) -> None:
    path = tmp_path / "f.npz"
    x = np.full((6, 3, 3, 3), 0.5, dtype=np.float32)
    np.savez(path, x=x, y=np.array([0, 1, 2, 0, 1, 2]))
    ds = load_dataset("f", config(path, test_fraction=0.5), seed=0)
    assert ds.x_train.dtype == np.uint8 and int(ds.x_train.max()) == 128  # rint(0.5 * 255)
    assert ds.class_names == {"class": ["0", "1", "2"]} and ds.masks_test is None


@pytest.mark.parametrize("change,key,message", [
    (lambda d: d.pop("y"), "y", "missing"),
    (lambda d: d.update(y=np.arange(20) % 3), "y", "labels outside 0..1 (class_names has 2 names)"),
    (lambda d: d.update(y=np.arange(20) - 1), "y", "labels outside 0..1"),
    (lambda d: d.update(y=np.zeros(19, int)), "y", "one label per image"),
    (lambda d: d.update(masks=np.zeros((20, 4, 4), bool)), "masks", "expected shape (20, 5, 4)"),
    (lambda d: d.update(x=np.zeros((20, 5), np.uint8)), "x", "expected shape (N, H, W)"),
])
def test_bad_arrays_name_the_key(tmp_path: Path, change, key: str, message: str) -> None:
    data = arrays()
    change(data)
    path = tmp_path / "bad.npz"
    np.savez(path, **data)
    with pytest.raises(DataConfigError) as err:
        describe_dataset(config(path))
    assert str(err.value).startswith(f"{path}: {key}: ") and message in str(err.value)


def test_nan_images_are_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "nan.npz"
    x = np.zeros((4, 3, 3), np.float32)
    x[2, 1, 1] = np.nan
    np.savez(path, x=x, y=np.array([0, 1, 0, 1]))
    with pytest.raises(DataConfigError, match=r"nan.npz: x: contains NaN"):
        load_dataset("n", config(path), seed=0)


def test_extra_test_splits_load_whole_beside_the_split(tmp_path: Path) -> None:
    """An extra split is read whole (no part of it trained on) with its labels; the main file splits as before."""
    main, moved = tmp_path / "d.npz", tmp_path / "moved.npz"
    np.savez(main, **arrays())
    extra = arrays(6)
    extra["x"] = extra["x"] + 100  # image i of the extra split is filled with 100 + i
    np.savez(moved, **extra)
    ds = load_dataset("d", config(main, extra_tests={"moved": str(moved)}), seed=0)
    assert list(ds.extra_tests) == ["moved"] and ds.x_train.shape == (16, 5, 4, 1)
    split = ds.extra_tests["moved"]
    assert split.x.shape == (6, 5, 4, 1) and split.x[:, 0, 0, 0].tolist() == [100, 101, 102, 103, 104, 105]
    assert split.labels["class"].tolist() == [0, 1, 0, 1, 0, 1]
    assert ds.provenance["extra test splits"] == ["moved: 6 images from moved.npz"]
    plain = load_dataset("d", config(main), seed=0)
    assert plain.extra_tests == {} and "extra test splits" not in plain.provenance
    np.testing.assert_array_equal(plain.x_test, ds.x_test)


@pytest.mark.parametrize("change,key,message", [
    (lambda d: d.update(x=np.zeros((20, 5, 5), np.uint8), masks=np.zeros((20, 5, 5), bool)), "x",
     "images of shape (5, 5, 1), the main file's are (5, 4, 1)"),
    (lambda d: d.update(class_names=np.array(["odd", "even"])), "class_names",
     "expected the classes of the main file, ['even', 'odd'], got ['odd', 'even']"),
    (lambda d: (d.pop("class_names"), d.update(y=np.arange(20) % 3)), "y", "labels outside 0..1 (class_names has 2 names)"),
    (lambda d: d.pop("x"), "x", "missing"),
])
def test_bad_extra_split_names_its_entry_and_key(tmp_path: Path, change, key: str, message: str) -> None:
    main, bad = tmp_path / "d.npz", tmp_path / "bad.npz"
    np.savez(main, **arrays())
    data = arrays()
    change(data)
    np.savez(bad, **data)
    with pytest.raises(DataConfigError) as err:
        describe_dataset(config(main, extra_tests={"moved": str(bad)}))
    assert err.value.loc == ("extra_tests", "moved")
    assert str(err.value).startswith(f"{bad}: {key}: ") and message in str(err.value)


def test_extra_split_with_no_names_of_its_own_may_hold_one_class(tmp_path: Path) -> None:
    """A split of one class only (every image a circle) is still a test split: the main file gives the classes."""
    main, one = tmp_path / "d.npz", tmp_path / "one.npz"
    np.savez(main, **arrays())
    np.savez(one, x=np.zeros((3, 5, 4), np.uint8), y=np.ones(3, int))
    assert describe_dataset(config(main, extra_tests={"odd": str(one)})).targets == {"class": 2}
    assert load_dataset("d", config(main, extra_tests={"odd": str(one)}), 0).extra_tests["odd"].labels["class"].tolist() == [1, 1, 1]
