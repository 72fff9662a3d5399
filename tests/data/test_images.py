"""The images kind: pictures nobody labelled, read from a folder or a list, shown to a network that exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netviz.data import describe_dataset, load_dataset
from netviz.data.images import UNLABELLED, ImagesData
from netviz.errors import DataConfigError
from netviz.registry import DATA_KINDS


def pictures(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i, colour in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)]):
        paths.append(folder / f"p{i}.png")
        Image.new("RGB", (10, 6), colour).save(paths[-1])
    (folder / ".hidden.png").write_bytes(b"not an image")  # hidden files are not pictures
    (folder / "notes.txt").write_text("not an image either")
    return paths


def test_a_folder_becomes_a_test_split_without_labels(tmp_path: Path) -> None:
    pictures(tmp_path / "photos")
    config = ImagesData(kind="images", path=str(tmp_path / "photos"), image_size=(4, 5))
    assert describe_dataset(config).input_shape == (4, 5, 3) and describe_dataset(config).targets == {}
    data = load_dataset("photos", config, seed=0)
    assert data.x_train.shape == (0, 4, 5, 3) and data.x_test.shape == (3, 4, 5, 3) and data.x_test.dtype == np.uint8
    assert data.x_test[0, 0, 0].tolist() == [255, 0, 0] and data.x_test[2, 3, 4].tolist() == [0, 0, 255]
    assert data.labels_test["class"].tolist() == [UNLABELLED] * 3
    assert data.provenance["files"] == ["p0.png", "p1.png", "p2.png"]
    assert not DATA_KINDS["images"].labelled


def test_listed_files_in_grey_and_in_their_order(tmp_path: Path) -> None:
    paths = pictures(tmp_path / "photos")
    config = ImagesData(kind="images", path=[str(paths[2]), str(paths[0])], image_size=(4, 4), color="grayscale")
    data = load_dataset("two", config, seed=0)
    assert data.x_test.shape == (2, 4, 4, 1) and data.x_test[0, 0, 0, 0] < data.x_test[1, 0, 0, 0]  # blue is darker


def test_missing_empty_and_unreadable_are_one_line_each(tmp_path: Path) -> None:
    with pytest.raises(DataConfigError, match=r"nowhere: no such file or folder"):
        describe_dataset(ImagesData(kind="images", path=str(tmp_path / "nowhere")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataConfigError, match=r"empty: no images \(PNG, JPEG, BMP or GIF\)"):
        describe_dataset(ImagesData(kind="images", path=str(tmp_path / "empty")))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG broken")
    with pytest.raises(DataConfigError, match=r"bad.png: not a readable image") as err:
        load_dataset("bad", ImagesData(kind="images", path=str(bad)), seed=0)
    assert err.value.field == "path"
