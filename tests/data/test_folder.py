"""The folder kind on tiny fixtures written here: layouts, classes, sizes, colour, split, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netviz.data import describe_dataset, load_dataset
from netviz.data.folder import FolderData
from netviz.errors import DataConfigError, DataError


def write(path: Path, value: tuple[int, int, int], size: tuple[int, int] = (6, 4), fmt: str = "PNG") -> None:
    """A solid image of ``size`` (w, h) in ``value``, so every decoded pixel is known."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, value).save(path, fmt)


def config(path: Path, **kw) -> FolderData:
    return FolderData(kind="folder", path=str(path), image_size=kw.pop("image_size", (4, 6)), **kw)


def test_class_subfolders_give_names_labels_and_a_stratified_split(tmp_path: Path) -> None:
    for i in range(5):
        write(tmp_path / "cat" / f"{i}.png", (200, 0, 0))
        write(tmp_path / "dog" / f"{i}.bmp", (0, 0, 100), fmt="BMP")
    (tmp_path / ".DS_Store").write_text("hidden files are ignored")
    cfg = config(tmp_path, test_fraction=0.4)
    assert describe_dataset(cfg).input_shape == (4, 6, 3) and describe_dataset(cfg).targets == {"class": 2}
    ds = load_dataset("pets", cfg, seed=0)
    assert ds.class_names == {"class": ["cat", "dog"]}
    assert ds.x_train.shape == (6, 4, 6, 3) and ds.x_test.shape == (4, 4, 6, 3) and ds.x_train.dtype == np.uint8
    assert np.bincount(ds.labels_test["class"]).tolist() == [2, 2]
    for x, y in ((ds.x_train, ds.labels_train["class"]), (ds.x_test, ds.labels_test["class"])):
        np.testing.assert_array_equal(x[:, 0, 0], np.where(y[:, None] == 0, [200, 0, 0], [0, 0, 100]))
    assert ds.masks_test is None and ds.provenance["split"] == "divided 60/40 per class with seed 0"


def test_train_test_layout_is_used_as_given_grayscale_and_resized(tmp_path: Path) -> None:
    for part, n in (("train", 3), ("test", 2)):
        for i in range(n):
            write(tmp_path / part / "a" / f"{i}.jpg", (255, 255, 255), size=(10, 20), fmt="JPEG")
            write(tmp_path / part / "b" / f"{i}.gif", (0, 0, 0), size=(10, 20), fmt="GIF")
    ds = load_dataset("ab", config(tmp_path, image_size=(8, 5), color="grayscale"), seed=0)
    assert ds.x_train.shape == (6, 8, 5, 1) and ds.x_test.shape == (4, 8, 5, 1)
    assert ds.labels_train["class"].tolist() == [0, 0, 0, 1, 1, 1] and ds.labels_test["class"].tolist() == [0, 0, 1, 1]
    assert ds.x_train[:3].min() >= 250 and ds.x_train[3:].max() == 0
    assert ds.provenance["split"] == "train/ and test/ folders as given"


def test_limit_per_class_keeps_that_many(tmp_path: Path) -> None:
    for i in range(6):
        write(tmp_path / "x" / f"{i}.png", (i, i, i))
        write(tmp_path / "y" / f"{i}.png", (9, 9, 9))
    ds = load_dataset("d", config(tmp_path, limit_per_class=3, test_fraction=0.34), seed=1)
    assert len(ds.x_train) + len(ds.x_test) == 6
    assert np.bincount(np.concatenate([ds.labels_train["class"], ds.labels_test["class"]])).tolist() == [3, 3]


def test_missing_folder_and_empty_class_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(DataConfigError, match="nowhere: no such folder") as err:
        describe_dataset(config(tmp_path / "nowhere"))
    assert err.value.field == "path"
    write(tmp_path / "full" / "0.png", (1, 1, 1))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataConfigError, match=r"empty: empty class folder"):
        describe_dataset(config(tmp_path))
    with pytest.raises(DataConfigError, match="no class subfolders"):
        describe_dataset(config(tmp_path / "full"))


def test_unreadable_image_names_the_file_or_is_skipped_and_counted(tmp_path: Path) -> None:
    for i in range(3):
        write(tmp_path / "a" / f"{i}.png", (1, 2, 3))
        write(tmp_path / "b" / f"{i}.png", (4, 5, 6))
    (tmp_path / "b" / "notes.png").write_text("not an image")
    with pytest.raises(DataError) as err:
        load_dataset("d", config(tmp_path), seed=0)
    assert str(err.value).startswith(f"{tmp_path / 'b' / 'notes.png'}: not a readable image")
    assert "\n" not in str(err.value)
    ds = load_dataset("d", config(tmp_path, skip_unreadable=True), seed=0)
    assert len(ds.x_train) + len(ds.x_test) == 6 and ds.provenance["unreadable files skipped"] == 1


def test_animated_gif_gives_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("L", (4, 4), 200), Image.new("L", (4, 4), 30)]
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(2):
            frames[0].save(tmp_path / cls / f"{i}.gif", save_all=True, append_images=frames[1:])
    ds = load_dataset("g", config(tmp_path, image_size=(4, 4), color="grayscale", test_fraction=0.5), seed=0)
    assert ds.x_train.min() == ds.x_train.max() == 200
