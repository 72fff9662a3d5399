"""LINE must show what its labels claim, measured from the pixels alone."""

from __future__ import annotations

import time

import numpy as np
import pytest

from netviz.data.line import (
    CLASS_NAMES,
    N_CLASSES,
    NAMES,
    LineData,
    class_index,
    generate_line,
    load_line,
    write_line_files,
)
from netviz.data.split import stratified_split

RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture(scope="module")
def small():
    return generate_line(3, seed=7)


def measure(image: np.ndarray) -> dict[str, float]:
    """Colour, angle, length and width of the one line in ``image``, from its pixels."""
    on = image.any(axis=-1)
    rows, cols = np.nonzero(on)
    xy = np.stack([cols, -rows], axis=1).astype(float)  # up is up
    centred = xy - xy.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    axis = vecs[:, -1]
    angle = np.degrees(np.arctan2(axis[1], axis[0])) % 180
    along = centred @ axis
    length = along.max() - along.min() + 1  # pixel centres span one pixel less
    colours = {tuple(int(v) for v in px) for px in image[on]}
    return {
        "colour": colours,
        "angle": angle,
        "length": length,
        "width": on.sum() / length,
        "count": int(on.sum()),
    }


def angle_gap(a: float, b: float) -> float:
    d = abs(a - b) % 180
    return min(d, 180 - d)


def test_every_image_matches_its_labels(small):
    lengths, widths = (7, 15), (1, 3)
    for image, (l, w, a, c) in zip(small.images, small.labels):
        m = measure(image)
        assert m["colour"] == {(RED, BLUE)[c]}
        assert angle_gap(m["angle"], 15 * a) <= 6, (l, w, a, c, m)
        assert abs(m["length"] - lengths[l]) <= 1.5, (l, w, a, c, m)
        assert abs(m["width"] - widths[w]) <= 0.8, (l, w, a, c, m)


def test_axis_aligned_lines_have_exact_pixel_counts(small):
    """Horizontal and vertical lines are exact L x W rectangles, never clipped."""
    for image, (l, w, a, _) in zip(small.images, small.labels):
        if a in (0, 6):
            rows, cols = np.nonzero(image.any(axis=-1))
            h, v = (7, 15)[l], (1, 3)[w]
            span = (np.ptp(cols) + 1, np.ptp(rows) + 1)
            assert span == ((h, v) if a == 0 else (v, h))
            assert len(rows) == h * v


def test_one_pixel_lines_have_one_pixel_per_step(small):
    """A 1-px line is unbroken, with exactly one pixel per column (or row) it spans."""
    for mask, (_, w, a, _) in zip(small.masks, small.labels):
        if w == 0:
            along_x = 15 * a <= 45 or 15 * a >= 135
            rows, cols = np.nonzero(mask if along_x else mask.T)
            assert len(np.unique(cols)) == len(cols) == np.ptp(cols) + 1
            assert np.all(np.abs(np.diff(rows[np.argsort(cols)])) <= 1)


def test_known_45_degree_line_goes_up_to_the_right(small):
    idx = np.flatnonzero((small.labels == [0, 0, 3, 0]).all(axis=1))[0]
    rows, cols = np.nonzero(small.masks[idx])
    order = np.argsort(cols)
    assert np.all(np.diff(rows[order]) == -1)  # x up by one, row up by one
    assert len(rows) == 5


def test_mask_is_exactly_the_coloured_pixels(small):
    assert small.masks.dtype == bool and small.masks.shape == (N_CLASSES * 3, 28, 28)
    np.testing.assert_array_equal(small.masks, small.images.any(axis=-1))
    assert set(np.unique(small.images)) == {0, 255}


def test_lines_stay_inside_the_image(small):
    """Same pixel count for every image of a class: nothing was cut off at a border."""
    counts = small.masks.sum(axis=(1, 2)).reshape(N_CLASSES, 3)
    assert np.all(counts == counts[:, :1])
    assert counts.min() >= 5


def test_only_translation_varies_within_a_class():
    data = generate_line(20, seed=3)
    masks = data.masks.reshape(N_CLASSES, 20, 28, 28)
    for cls in range(N_CLASSES):
        crops = {_crop(m).tobytes() for m in masks[cls]}
        assert len(crops) == 1, CLASS_NAMES[cls]
        centres = np.array([np.argwhere(m).mean(axis=0) for m in masks[cls]])
        assert np.ptp(centres, axis=0).max() > 0  # positions do vary


def _crop(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def test_class_order_and_names(small):
    expected = np.repeat(np.arange(N_CLASSES), 3)
    np.testing.assert_array_equal(small.classes, expected)
    l, w, a, c = small.labels.T
    np.testing.assert_array_equal(((l * 2 + w) * 12 + a) * 2 + c, expected)
    assert small.labels.dtype == np.int64 and small.labels.shape == (288, 4)
    assert CLASS_NAMES[0] == "7 px, 1 px, 0°, red"
    assert CLASS_NAMES[class_index(np.array([[1, 1, 3, 1]]))[0]] == "15 px, 3 px, 45°, blue"
    assert NAMES["angle"] == [f"{15 * k}°" for k in range(12)]
    assert NAMES["length"] == ["7 px", "15 px"] and NAMES["width"] == ["1 px", "3 px"]
    assert NAMES["colour"] == ["red", "blue"] and len(set(CLASS_NAMES)) == 96


def test_deterministic_for_a_seed(small):
    again = generate_line(3, seed=7)
    np.testing.assert_array_equal(again.images, small.images)
    np.testing.assert_array_equal(again.masks, small.masks)
    other = generate_line(3, seed=8)
    assert not np.array_equal(other.images, small.images)


def test_96000_images_are_fast():
    start = time.perf_counter()
    data = generate_line(1000, seed=0)
    elapsed = time.perf_counter() - start
    assert data.images.shape == (96_000, 28, 28, 3) and data.images.dtype == np.uint8
    assert elapsed < 30, f"{elapsed:.1f} s"


def test_split_indices_are_disjoint_complete_and_stratified():
    labels = np.repeat(np.arange(N_CLASSES), 10)
    train, test = stratified_split(labels, 0.2, np.random.default_rng(0))
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(960))
    assert np.all(np.bincount(labels[test], minlength=N_CLASSES) == 2)
    assert not np.all(np.diff(test) > 0)  # shuffled, not in class order


def test_load_line_dataset():
    ds = load_line("line", LineData(kind="line", per_class=10, test_fraction=0.2), seed=5)
    assert ds.kind == "line" and ds.input_shape == (28, 28, 3)
    assert len(ds.x_train) + len(ds.x_test) == 960 and 180 <= len(ds.x_test) <= 210
    per_class_test = np.bincount(ds.labels_test["class"], minlength=96)
    assert per_class_test.min() >= 1 and per_class_test.max() <= 4
    for part in (ds.labels_train, ds.labels_test):
        assert set(part) == {"class", "length", "width", "angle", "colour"}
        stacked = np.stack([part[k] for k in ("length", "width", "angle", "colour")], axis=1)
        np.testing.assert_array_equal(class_index(stacked), part["class"])
    np.testing.assert_array_equal(ds.masks_test, ds.x_test.any(axis=-1))
    for image, colour in zip(ds.x_test[:20], ds.labels_test["colour"][:20]):
        assert measure(image)["colour"] == {(RED, BLUE)[colour]}
    assert ds.class_names["class"] == CLASS_NAMES
    assert {k: ds.provenance[k] for k in ("source", "per_class", "classes", "seed", "test_fraction")} == {
        "source": "synthetic LINE", "per_class": 10, "classes": 96, "seed": 5, "test_fraction": 0.2,
    }
    again = load_line("line", LineData(kind="line", per_class=10), seed=5)
    np.testing.assert_array_equal(again.x_test, ds.x_test)


def test_write_npz(tmp_path):
    out = tmp_path / "sub" / "line.npz"
    assert write_line_files(2, 1, out, "npz") == 192
    with np.load(out) as npz:
        data = generate_line(2, 1)
        np.testing.assert_array_equal(npz["images"], data.images)
        np.testing.assert_array_equal(npz["labels"], data.labels)
        np.testing.assert_array_equal(npz["masks"], data.masks)
    assert [p.name for p in out.parent.iterdir()] == ["line.npz"]


def test_write_png(tmp_path):
    from PIL import Image

    out = tmp_path / "pngs"
    assert write_line_files(2, 1, out, "png") == 192
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 192 and "1_0_3_1_1.png" in names and "0_0_0_0_0.png" in names
    data = generate_line(2, 1)
    idx = np.flatnonzero((data.labels == [1, 0, 3, 1]).all(axis=1))[1]
    np.testing.assert_array_equal(np.asarray(Image.open(out / "1_0_3_1_1.png")), data.images[idx])
    assert [p.name for p in tmp_path.iterdir()] == ["pngs"]
    (out / "extra.txt").write_text("keep me")
    with pytest.raises(Exception, match="not an empty folder"):
        write_line_files(2, 1, out, "png")


def test_no_test_image_is_a_copy_of_a_training_image():
    """Copies differ only by position; a split by position keeps test images unseen."""
    ds = load_line("line", LineData(kind="line", per_class=300, test_fraction=0.2), seed=2)
    seen = {image.tobytes() for image in ds.x_train}
    assert not any(image.tobytes() in seen for image in ds.x_test)
    assert 0.17 <= len(ds.x_test) / 28_800 <= 0.23
    assert np.bincount(ds.labels_test["class"], minlength=96).min() >= 40
    assert ds.provenance["distinct_images"] < 28_800  # there were copies to keep apart
