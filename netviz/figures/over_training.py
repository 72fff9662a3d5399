"""Features over training, drawn: filter strips, heatmap strips and the trust scores per kept epoch.

The sentence under the score curves is computed from them: the first epoch at which the
strip's method reaches nine tenths of its last kept score (the pointing game when the data
have object masks, else the insertion AUC), so a reader learns when the heatmaps started to
point where they end up pointing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from netviz.figures import plots
from netviz.results import OverTrainingRecord, Scores
from netviz.views.over_training import OverTrainingViews

REACHED = 0.9  # of the last kept score: "started pointing" at the first epoch that reaches it


def draw_over_training(views: OverTrainingViews, folder: Path, record: Callable[..., None]) -> OverTrainingRecord:
    """The strips and curves of one model, recorded as figures; the scores per epoch as a record."""
    epochs = ", ".join(str(e) for e in views.epochs)
    for layer, ids in views.chosen.items():
        pictures = np.stack([s.filters[layer][k] for k in range(len(ids)) for s in views.snapshots])
        path = plots.save_png(plots.filter_grid(pictures, cols=len(views.snapshots)),
                              folder / f"over_training_filters_{layer}.png")
        record(path, "over_training", (
            f"Filters of {layer} over training: one row per filter (its {len(ids)} most active on the shown images "
            f"once trained, most active first), one column per kept epoch ({epochs}); each picture the input that "
            f"maximizes the filter with the weights of that epoch, stretched to its own range."
        ), layer=layer)
    for head in views.snapshots[0].heatmaps:
        maps = {f"epoch {s.epoch}": s.heatmaps[head] for s in views.snapshots}
        path = plots.plot_cam(views.images, maps, folder / f"over_training_{views.method}_{head}.png",
                              image_labels=views.image_labels, title=f"{views.title} on {views.layer}, head {head}, "
                                                                     "over training")
        record(path, "over_training", (
            f"{views.title} heatmaps of the same {len(views.images)} test images over training, head {head}: top row "
            f"the inputs (true class below), then one row per kept epoch ({epochs}), each the map of the true class "
            f"with the weights of that epoch; each map scaled to its own maximum."
        ), layer=views.layer, head=head, method=views.method)
    scores = {m: {h: [s.explanations[m][h] for s in views.snapshots] for h in views.snapshots[0].explanations[m]}
              for m in views.snapshots[0].explanations}
    measure, label = _measure(scores)
    sentence = _sentence(views, scores, measure, label)
    path = plots.plot_scores_over_training(views.epochs, {m: {h: [getattr(s, measure) for s in per_epoch]
                                                                for h, per_epoch in per_head.items()}
                                                            for m, per_head in scores.items()},
                                           folder / "over_training_scores.svg", label,
                                           baselines=_baselines(scores))
    record(path, "over_training", (
        f"The trust scores at each kept epoch ({label}, per head; dashed, the baselines that know nothing about the "
        f"network). {sentence}"
    ), layer=views.layer)
    return OverTrainingRecord(epochs=views.epochs, scores=scores, sentence=sentence)


def _measure(scores: dict[str, dict[str, list[Scores]]]) -> tuple[str, str]:
    """The pointing game where there are masks, else the insertion AUC."""
    first = next(iter(next(iter(scores.values())).values()))
    if first[0].pointing_game is not None:
        return "pointing_game", "pointing game"
    return "insertion_auc", "insertion AUC"


def _baselines(scores: dict[str, dict[str, list[Scores]]]) -> set[str]:
    from netviz.views.methods import baselines

    return {m for m in scores if m in baselines()}


def _sentence(views: OverTrainingViews, scores: dict[str, dict[str, list[Scores]]], measure: str, label: str) -> str:
    """When the strip's method reached nine tenths of its last kept score, on the first head."""
    head = next(iter(scores[views.method]))
    values = [getattr(s, measure) for s in scores[views.method][head]]
    if any(v is None for v in values):
        return ""
    last = values[-1]
    reached = next(e for e, v in zip(views.epochs, values) if v >= REACHED * last)
    start = f"{views.title}'s {label} (head {head}) is {values[0]:.2f} after epoch {views.epochs[0]} and " \
            f"{last:.2f} after epoch {views.epochs[-1]}"
    if reached == views.epochs[0]:
        return f"{start}: its maps already point where they end up pointing after the first kept epoch."
    return f"{start}: it reaches nine tenths of that at epoch {reached}, when its maps start to point where they end up."
