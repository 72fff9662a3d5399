"""Gallery and exemplar figures: their layout in pixels, worked out by hand, and what they record."""

from __future__ import annotations

import numpy as np
from PIL import Image

from netviz.figures.errors import draw_galleries, exemplar_grid, gallery_caption, kernel_panels, plot_gallery, resize
from netviz.figures.draw import Recorder
from netviz.views.errors import Gallery


def gallery(kind: str = "mistakes", n: int = 3, pair: tuple[str, str] | None = None) -> Gallery:
    images = np.zeros((n, 6, 6, 1), np.float32)
    maps = {"Grad-CAM": np.ones((n, 6, 6), np.float32)}
    return Gallery(kind, "class", images, maps, [f"4\n→ 9 {90 - i}%" for i in range(n)], 7 if pair else 40, pair)


def test_resize_repeats_pixels():
    x = np.arange(4, dtype=float).reshape(1, 2, 2, 1).repeat(3, axis=-1)
    out = resize(x, 4)[0, :, :, 0]
    np.testing.assert_array_equal(out, [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])


def test_exemplar_grid_one_line_per_filter_then_a_second_column():
    ascent, crops = np.random.default_rng(0).random((20, 8, 8, 1)), np.ones((20, 3, 4, 4, 1))
    grid = exemplar_grid(ascent, crops, per_column=16)
    # a line: ascent (8 px, a 1 px gap around) + 3 px spacer + 3 crops resized to 8 with 1 px gaps
    line_w, line_h = (8 + 2) + 3 + (3 * 9 + 1), 10
    assert grid.shape == (8 + 16 * line_h + 8, 8 + 2 * (line_w + 8), 3)
    with_kernels = exemplar_grid(ascent, crops, kernel_panels(np.ones((20, 3, 3, 1)), None))
    assert with_kernels.shape[1] == grid.shape[1] + 2 * 9  # a kernel panel more per line


def test_kernel_panels_only_where_one_panel_shows_the_kernel():
    assert kernel_panels(np.ones((2, 3, 3, 4)), None) is None  # 4 input channels: no single picture
    composite = np.zeros((2, 3, 3, 3))
    assert kernel_panels(np.ones((2, 3, 3, 3)), composite) is composite
    single = kernel_panels(np.array([[[[1.0]], [[-1.0]]]]).reshape(1, 1, 2, 1), None)
    assert single.shape == (1, 1, 2, 3) and single[0, 0, 0, 0] > single[0, 0, 0, 2]  # +1 red, -1 blue


def test_plot_gallery_wraps_after_the_columns(tmp_path):
    path = plot_gallery(np.zeros((10, 6, 6, 1)), {"A": np.zeros((10, 6, 6)), "B": np.ones((10, 6, 6))},
                        ["0\n→ 1 50%"] * 10, tmp_path / "g.png", cols=8)
    w, h = Image.open(path).size
    # 8 cards of 6 px with 2 px gaps: 8 * 8 + 2 = 66 px, enlarged 8x (900 // 66 = 13, capped at 8)
    assert w == 96 + 66 * 8 + 8
    # a band: three tile rows (input, A, B) of 6 + 2 * 2 px; two bands (8 cards, then 2), a 24 px label strip each
    assert h == 2 * (3 * 10 * 8 + 24) + 4


def test_draw_galleries_records_pairs_as_html_only_galleries_with_their_id(tmp_path):
    record = Recorder(tmp_path)
    draw_galleries([gallery(), gallery("pair", 2, ("4", "9"))], tmp_path / "figures" / "m", "m", "My net",
                   "predicted", record)
    first, pair = record.records
    assert (first.kind, first.anchor) == ("errors", "errors-m-class-mistakes")
    assert (pair.kind, pair.anchor) == ("gallery", "errors-m-class-4-9")
    assert pair.path == "figures/m/errors/errors_class_pair_4_9.png"
    assert pair.caption.startswith("Mistakes of head class of My net: test images of class 4 taken for 9, the 2 most "
                                   "confident of 7; each with true → predicted class and probability")
    assert "(40 mistakes in all)" in first.caption


def test_gallery_caption_says_all_when_nothing_is_left_out():
    g = gallery("pair", 7, ("a b", "c"))
    assert "all 7" in gallery_caption(g, "T", "true") and "maps of the true class by Grad-CAM" in gallery_caption(g, "T", "true")


def test_a_gallery_of_one_image_has_tiles_of_the_same_size(tmp_path):
    one = plot_gallery(np.zeros((1, 6, 6, 1)), {"A": np.zeros((1, 6, 6))}, ["0\n→ 1 50%"], tmp_path / "one.png")
    assert Image.open(one).size == (96 + (6 + 4) * 8 + 8, 2 * 10 * 8 + 24 + 4)  # one card, still enlarged 8x
