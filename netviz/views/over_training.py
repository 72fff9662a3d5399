"""What the network learned over time: the same filters, images and scores at each kept epoch.

The training stage keeps the weights after the epochs the spec lists
(``visualize.over_training.epochs``); here each snapshot is loaded into a copy of the
network and asked the same questions as the trained one: the pictures of the filters that
are most active at the end (so a strip shows one filter taking shape), the heatmaps of the
same test images for the true class (so the class does not change under the reader's eyes),
and every method's trust scores on the same evaluation images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from netviz.data.base import Dataset
from netviz.models import graph
from netviz.models.outputs import OutputInfo
from netviz.registry import HEATMAP_METHODS
from netviz.results import Scores
from netviz.spec import schema
from netviz.views.cam import CamProbe
from netviz.views.cam import explain as compute
from netviz.views.filters import FilterAscent
from netviz.views.model import (
    as_float,
    cam_view,
    pick_images,
    strongest_channels,
)
from netviz.views.records import View


class Snapshot(View):
    epoch: int
    filters: dict[str, np.ndarray]  # layer -> (K, H, W, C) ascent pictures of the chosen filters
    heatmaps: dict[str, np.ndarray]  # head -> (M, H, W) maps of the strip's method, at input size
    explanations: dict[str, dict[str, Scores]]  # method -> head -> scores, as for the trained network


class OverTrainingViews(View):
    epochs: list[int]
    chosen: dict[str, list[int]]  # layer -> the filters shown, most active at the end first
    images: np.ndarray  # (M, H, W, C) the images whose heatmaps are followed
    image_labels: list[str]
    method: str  # the heatmap method of the strips: the spec's first
    title: str
    layer: str  # the heatmap layer
    snapshots: list[Snapshot]


def over_training(model: Any, snapshots: dict[int, Path], outputs: list[OutputInfo], data: Dataset,
                  settings: schema.Visualize, choice: schema.LayerChoice, seed: int) -> OverTrainingViews:
    """Every kept epoch of ``model`` (the trained network, whose architecture the snapshots share)."""
    import keras

    assert settings.over_training is not None
    follow = settings.over_training
    shown = pick_images(data.labels_test[outputs[0].target], settings.images, seed)
    x = as_float(data.x_test[shown])
    layers = list(choice.filters) if choice.filters is not None else graph.default_filter_layers(model)
    chosen = {layer: [int(i) for i in strongest_channels(np.asarray(
        graph.layer_outputs_model(model, [layer])(x, training=False)), follow.filters)] for layer in layers}
    strip = x[: follow.images]
    probe = CamProbe(model, choice.cam, outputs)
    labelled = bool((np.asarray(data.labels_test[outputs[0].target])[shown] >= 0).all())
    true = [np.asarray(data.labels_test[o.target])[shown][: follow.images] for o in outputs] if labelled else None
    targets = probe.targets(strip, true)
    method = settings.cam.methods[0]
    views = []
    for epoch, path in sorted(snapshots.items()):
        snapshot = keras.models.clone_model(model)
        snapshot.load_weights(path)
        views.append(_snapshot(epoch, snapshot, chosen, strip, targets, method, outputs, data, settings, probe.layer,
                               shown, seed))
    first = outputs[0]
    labels = [first.class_names[int(t)] if 0 <= int(t) < len(first.class_names) else "" for t in targets[0]]
    return OverTrainingViews(epochs=[v.epoch for v in views], chosen=chosen, images=strip, image_labels=labels,
                             method=method, title=HEATMAP_METHODS[method].title, layer=probe.layer, snapshots=views)


def _snapshot(epoch: int, model: Any, chosen: dict[str, list[int]], strip: np.ndarray, targets: list[np.ndarray],
              method: str, outputs: list[OutputInfo], data: Dataset, settings: schema.Visualize, layer: str,
              shown: np.ndarray, seed: int) -> Snapshot:
    filters = {name: FilterAscent(model, name, settings.filters).batched(seed, np.asarray(ids)).images
               for name, ids in chosen.items()}
    probe = CamProbe(model, layer, outputs)
    maps = compute(probe, strip, targets, [method], seed)[method]
    heatmaps = {o.name: probe.at_input_size(HEATMAP_METHODS[method], m) for o, m in zip(outputs, maps)}
    _, _, explanations = cam_view(model, None, outputs, data, settings.cam, layer, shown, seed)
    return Snapshot(epoch=epoch, filters=filters, heatmaps=heatmaps, explanations=explanations)
