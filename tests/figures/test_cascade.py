"""The cascade's figure: the numbers recorded as computed, the curves drawn the same way twice."""

from __future__ import annotations

from netviz.figures.cascade import draw_cascade
from netviz.views.cascade import CascadeViews


def views() -> CascadeViews:
    return CascadeViews(
        steps=[["length", "angle"], ["conv2d_1"], ["conv2d"]], layer="conv2d_1", above=[True, False, False], images=64,
        spearman={"gradcam": {"length": [0.2, 0.1, 0.0], "angle": [0.4, 0.3, 0.2]}, "edges": {"length": [1.0] * 3,
                                                                                            "angle": [1.0] * 3}},
        ssim={"gradcam": {"length": [0.5, 0.3, 0.1], "angle": [0.3, 0.1, 0.1]}, "edges": {"length": [1.0] * 3,
                                                                                        "angle": [1.0] * 3}},
        baselines=["edges"])


def test_the_record_keeps_every_head_and_labels_each_step(tmp_path):
    figures, found = draw_cascade(views(), tmp_path, "net", 0.5)
    assert found.labels == ["length +1", "conv2d_1", "conv2d"]
    assert found.spearman["gradcam"]["angle"] == [0.4, 0.3, 0.2] and found.above == [True, False, False]
    assert [(f.path, f.kind, f.layer) for f in figures] == [("figures/net/cascade.svg", "cascade", "conv2d_1")]
    caption = figures[0].caption
    assert "3 cumulative steps" in caption and "sanity threshold 0.50" in caption and "averaged over the 2 outputs" in caption
    first = (tmp_path / "figures/net/cascade.svg").read_bytes()
    draw_cascade(views(), tmp_path, "net", 0.5)
    assert (tmp_path / "figures/net/cascade.svg").read_bytes() == first
