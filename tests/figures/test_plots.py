"""Figures: crisp integer-scaled PNGs, deterministic SVGs, no pyplot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from netviz.figures import plots


def read(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_png_is_the_grid_enlarged_by_an_integer_factor_without_smoothing(tmp_path):
    grid = np.random.default_rng(0).random((7, 5, 3))
    pixels = read(plots.save_png(grid, tmp_path / "g.png", scale=4))
    assert pixels.shape == (28, 20, 3)
    blocks = pixels.reshape(7, 4, 5, 4, 3)
    assert (blocks == blocks[:, :1, :, :1]).all()  # every 4x4 block is one colour: nearest neighbour
    np.testing.assert_array_equal(blocks[:, 0, :, 0], np.round(grid * 255).astype(np.uint8))


@pytest.mark.parametrize("shape", [(3, 6, 6, 5), (2, 4, 4, 40)])
def test_activation_png_is_an_integer_multiple_of_the_grid(tmp_path, shape):
    maps = np.random.default_rng(1).random(shape).astype(np.float32)
    grid = plots.activation_grid(maps)
    h, w = read(plots.plot_activations(maps, tmp_path / "a.png")).shape[:2]
    assert h % grid.shape[0] == 0 and w % grid.shape[1] == 0 and h // grid.shape[0] == w // grid.shape[1] >= 2
    assert w <= plots.TARGET_WIDTH


def test_filter_grid_frames_dead_filters_and_png_scales(tmp_path):
    images = np.random.default_rng(2).random((5, 8, 8, 3))
    dead = np.array([False, True, False, False, False])
    grid = plots.filter_grid(images, dead, cols=5)
    assert grid.shape == (2 + 8 + 2, 5 * 10 + 2, 3)
    np.testing.assert_allclose(grid[0, 10 + 1], plots.DEAD_FRAME)  # the gap above filter 1 is red
    np.testing.assert_allclose(grid[0, 1], plots.WHITE)  # ...but not above filter 0
    h, w = read(plots.plot_filters(images, tmp_path / "f.png", dead)).shape[:2]
    full = plots.filter_grid(images, dead)
    assert h % full.shape[0] == 0 and w % full.shape[1] == 0


def test_kernel_grid_one_panel_per_filter_and_channel_plus_composite(tmp_path):
    kernels = np.random.default_rng(3).normal(size=(6, 3, 3, 3))
    plain = plots.kernel_grid(kernels)
    block = 3 * (3 + 1) + 1  # three panels of 3 px, 1 px apart
    assert plain.shape[1] == 5 * (block + 3) + 3  # 16 // 3 = 5 filters per row
    composite = plots.kernel_grid(kernels, np.random.default_rng(4).random((6, 3, 3, 3)))
    assert composite.shape[1] == 4 * ((4 * 4 + 1) + 3) + 3  # four panels per filter, 16 // 4 = 4 per row
    zero = plots.kernel_grid(np.zeros((1, 2, 2, 1)))
    np.testing.assert_allclose(zero[3 + 1, 3 + 1], plots.colormap(np.array(0.5), "RdBu_r"))  # 0 is the middle colour
    h, w = read(plots.plot_kernels(kernels, tmp_path / "k.png")).shape[:2]
    assert h % plain.shape[0] == 0 and w % plain.shape[1] == 0


def test_cam_figure_rows_per_head_and_shape_check(tmp_path):
    rng = np.random.default_rng(5)
    images = rng.random((4, 10, 10, 1))
    maps = {"length": rng.random((4, 10, 10)), "angle": rng.random((4, 10, 10))}
    one = read(plots.plot_cam(images, {"length": maps["length"]}, tmp_path / "one.png", scale=4))
    two = read(plots.plot_cam(images, maps, tmp_path / "two.png", ["a", "b", "c", "d"],
                                {"angle": ["w", "x", "y", "z"]}, title="t", scale=4))
    assert two.shape[0] > one.shape[0] and two.shape[1] == one.shape[1]
    with pytest.raises(ValueError, match="upsample first"):
        plots.plot_cam(images, {"length": rng.random((4, 5, 5))}, tmp_path / "bad.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.png", "two.png"]  # written whole or not at all


def test_overlay_blends_the_map_over_the_image():
    image = np.zeros((1, 2, 2, 1))
    maps = np.ones((1, 2, 2))
    np.testing.assert_allclose(plots.overlay(image, maps, alpha=0.5), 0.5 * plots.colormap(maps, "turbo"))


def test_svgs_are_deterministic(tmp_path):
    history = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.4], "accuracy": [0.5, 0.8, 0.9],
               "val_accuracy": [0.4, 0.7, 0.85], "lr": [0.1, 0.1, 0.01]}
    a = plots.plot_training_curves(history, tmp_path / "a.svg").read_bytes()
    b = plots.plot_training_curves(history, tmp_path / "b.svg").read_bytes()
    assert a == b and b"<dc:date>" not in a
    curves = {"class": {"gradcam": {"deletion": np.linspace(1, 0, 5), "insertion": np.linspace(0, 1, 5),
                                    "deletion_auc": 0.5, "insertion_auc": 0.5}}}
    c = plots.plot_deletion_insertion(curves, tmp_path / "c.svg").read_bytes()
    d = plots.plot_deletion_insertion(curves, tmp_path / "d.svg").read_bytes()
    assert c == d and c.startswith(b"<?xml")


def test_deletion_insertion_draws_the_baselines_dashed(tmp_path):
    line = {"deletion": np.linspace(1, 0, 5), "insertion": np.linspace(0, 1, 5), "deletion_auc": 0.5, "insertion_auc": 0.5}
    alone = plots.plot_deletion_insertion({"class": {"Grad-CAM": line}}, tmp_path / "a.svg").read_text()
    both = plots.plot_deletion_insertion({"class": {"Grad-CAM": line, "Random baseline": line}}, tmp_path / "b.svg",
                                           baselines={"Random baseline"}).read_text()
    assert "stroke-dasharray" not in alone and "stroke-dasharray" in both


def test_no_pyplot_and_no_tensorflow():
    code = (
        "import sys, numpy as np, tempfile, pathlib; from netviz.figures import plots; "
        "d = pathlib.Path(tempfile.mkdtemp()); "
        "plots.plot_training_curves({'loss': [1, 0.5]}, d / 'a.svg'); "
        "plots.plot_cam(np.zeros((2, 4, 4, 1)), {'h': np.ones((2, 4, 4))}, d / 'c.png'); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_several_heads_get_one_small_chart_each(tmp_path):
    """Four heads: a loss and an accuracy chart per head (8 titled panels), two lines each, one legend."""
    import re

    history = {f"{prefix}{head}_{kind}": [1.0, 0.5] for head in ("length", "width", "colour", "angle")
               for kind in ("loss", "accuracy") for prefix in ("", "val_")}
    history |= {"loss": [4.0, 2.0], "val_loss": [4.1, 2.1]}
    svg = plots.plot_training_curves(history, tmp_path / "heads.svg").read_text()
    titles = re.findall(r"<!-- (\w+: \w+) -->", svg)
    assert sorted(titles) == sorted(f"{h}: {k}" for h in ("length", "width", "colour", "angle") for k in ("loss", "accuracy"))
    assert svg.count('id="line2d_') >= 8 * 2 and "<!-- validation -->" in svg and "<!-- train -->" in svg


@pytest.mark.parametrize("n, side", [(32, 28), (5, 28), (64, 7), (12, 64)])
def test_filter_grid_layout_finds_every_tile_in_the_png(tmp_path, n, side):
    """The layout read back from the PNG's size alone puts tile i where plot_filters drew filter image i."""
    rng = np.random.default_rng(n)
    images = rng.random((n, side, side, 1))
    path = plots.plot_filters(images, tmp_path / "f.png")
    pixels = np.asarray(Image.open(path))
    scale, cols = plots.filter_grid_layout(pixels.shape[1], pixels.shape[0], n, (side, side))
    assert cols == min(8, n) and scale == plots.auto_scale(min(8, n) * (side + 2) + 2)
    tw = th = side * scale
    for i in (0, n // 2, n - 1):
        x, y = scale * (2 + (i % cols) * (side + 2)), scale * (2 + (i // cols) * (side + 2))
        tile = pixels[y : y + th : scale, x : x + tw : scale, 0] / 255.0
        stretched = (images[i, :, :, 0] - images[i].min()) / np.ptp(images[i])
        assert np.abs(tile - stretched).max() <= 0.5 / 255 + 1e-9
    assert plots.filter_grid_layout(pixels.shape[1], pixels.shape[0], n, (side + 1, side)) is None  # other tiles
    assert plots.filter_grid_layout(pixels.shape[1], pixels.shape[0], n + 8, (side, side)) is None  # another row
