"""What the explain stage hands the figures stage: one frozen record per figure, arrays and caption facts.

Kept apart from the stage that computes them (:mod:`netviz.views.model`) so that a module drawing or
recording views needs their shape, not the code that fills them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from netviz.results import FilterStats, HeadErrors, LayerStats, Scores
from netviz.views import errors as error_views
from netviz.views.exemplars import Exemplars


class View(BaseModel):
    """What one figure shows: arrays for the picture, and the facts its caption states."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Predictions(View):
    """The given images with the first output's ``TOP`` most probable classes."""

    images: np.ndarray  # (N, H, W, C) in [0, 1]
    files: list[str]
    top: list[list[tuple[str, float]]]
    head: str


class Activations(View):
    layer: str
    maps: np.ndarray  # (N, h, w, shown channels)
    channels: int  # of the layer; more than shown: the MAX_CHANNELS with the highest mean activation
    images_are: str  # "test images" or "given images"
    stats: LayerStats


class Kernels(View):
    kernels: np.ndarray  # (F, kh, kw, shown input channels)
    composite: np.ndarray | None  # a first layer on RGB: the three channels as one colour image
    inputs: int  # input channels of the layer
    same_as_filters: bool  # the filters shown above were chosen, and these are the same ones


class Filters(View):
    layer: str
    images: np.ndarray  # (F, H, W, C) gradient-ascent results
    dead: np.ndarray  # (F,) bool
    total: int  # filters of the layer; more than F: the ones most active on the shown images
    jitter: int | None  # robust ascent (jitter, scale and rotation) on big inputs; None: plain
    stats: FilterStats
    kernels: Kernels | None  # None: a wide 1x1 kernel, nothing to see
    exemplars: Exemplars | None = None  # the test crops that excite each shown filter most


class Heatmaps(View):
    """One method's maps on one head for the shown images."""

    method: str
    title: str
    head: str
    layer: str
    images: np.ndarray
    maps: np.ndarray  # at input size
    image_labels: list[str]  # the first output's true class per image
    map_labels: list[str]  # the explained class per map, " (wrong)" where the prediction is wrong
    image_target: str  # the first output's target
    target: str  # "predicted" or "true": which class is explained
    head_target: str
    every_head: bool  # the method never reads the target: this one map stands for every head
    layer_reason: str  # why this layer: "the last layer with a spatial map" or "chosen in the spec"
    cells: tuple[int, int]  # the layer's grid (h, w)
    input_size: tuple[int, int]  # the image's (H, W)


class LayerComparison(View):
    """One method's maps on one head at several layers, side by side, with each layer's scores."""

    method: str
    title: str
    head: str
    images: np.ndarray
    maps: dict[str, np.ndarray]  # layer -> (N, H, W) at input size
    cells: dict[str, tuple[int, int]]
    input_size: tuple[int, int]
    scores: dict[str, Scores]  # layer -> the method's scores on the head at that layer


class TrustCurves(View):
    layer: str
    images: int
    curves: dict[str, dict[str, dict[str, Any]]]  # head -> method title -> deletion/insertion curves
    baselines: list[str]  # titles of the baselines (dashed)


class ModelViews(View):
    """Everything the explain stage found for one model, in the order the report shows it."""

    predictions: Predictions | None
    activations: list[Activations]
    filters: list[Filters]
    heatmaps: list[Heatmaps]
    trust: TrustCurves
    layers: LayerComparison | None = None  # visualize.cam_layers (or cam.layers): several layers side by side
    explanations: dict[str, dict[str, Scores]]  # method -> head -> scores, the spec's methods then the baselines
    galleries: list[error_views.Gallery] = []  # error analysis on the test split, head by head
    errors: dict[str, HeadErrors] = {}  # head -> the facts of its error analysis
    explained: str = "predicted"  # which class the galleries' maps explain
