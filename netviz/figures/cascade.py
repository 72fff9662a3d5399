"""Cascading randomization, drawn: one figure of curves per model, and the numbers as a record.

The curves are each method's similarity to its trained maps after each step, averaged over the
heads (a per-head method has a map per head; the record keeps them all); the baselines, which
never look at the network, are drawn dashed as the level of a map that does not change.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from netviz.figures import plots
from netviz.figures.draw import Recorder
from netviz.registry import HEATMAP_METHODS
from netviz.results import CascadeRecord, FigureRecord
from netviz.views.cascade import CascadeViews


def draw_cascade(views: CascadeViews, out: Path, model: str, threshold: float) -> tuple[list[FigureRecord], CascadeRecord]:
    """The curves under ``out/figures/<model>/cascade.svg`` with their caption, and the record of the numbers."""
    found = CascadeRecord(steps=views.steps, layer=views.layer, above=views.above, images=views.images,
                          spearman=views.spearman, ssim=views.ssim)
    title = {name: HEATMAP_METHODS[name].title for name in views.spearman}
    mean = lambda per_head: [float(v) for v in np.mean(list(per_head.values()), axis=0)]  # noqa: E731
    path = plots.plot_cascade(found.labels, {title[m]: mean(h) for m, h in views.spearman.items()},
                              {title[m]: mean(h) for m, h in views.ssim.items()}, out / "figures" / model / "cascade.svg",
                              threshold, baselines={title[m] for m in views.baselines})
    heads = len(next(iter(views.spearman.values())))
    record = Recorder(out)
    record(path, "cascade", (
        f"Cascading randomization (Adebayo et al., 2018): the layers with weights re-initialized from the output "
        f"down, {len(views.steps)} cumulative steps (below each step its first layer and how many more it adds), "
        f"and after each step every method's heatmaps on {views.layer} compared with the trained network's on the "
        f"sanity check's {views.images} images: left the mean |Spearman ρ| of |map| (dotted, the sanity threshold "
        f"{threshold:.2f}), right the mean SSIM"
        + (f", both averaged over the {heads} outputs" if heads > 1 else "")
        + "; dashed, the baselines, which know nothing about the network and stay at 1. A curve that falls at the "
          "first steps belongs to a method that shows the learned weights; one that stays high shows the image."
    ), layer=views.layer)
    return record.records, found
