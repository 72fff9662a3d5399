"""The figures stage of one model: every view the explain stage computed, drawn and captioned.

Each figure is written under ``figures/<model>/`` of the build folder and recorded with
its caption, which states the facts the explain stage measured; the report embeds them
in the order they come: training curves, predictions, activations, filters and their
kernels, heatmaps, and the deletion/insertion curves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

from netviz.figures import plots
from netviz.figures.errors import draw_exemplars, draw_galleries
from netviz.figures.architecture import THUMBS, Decoration, draw_architecture
from netviz.figures.over_training import draw_over_training
from netviz.models.architecture import Graph
from netviz.results import FigureRecord, OverTrainingRecord, Scores, figure_anchor
from netviz.views.model import TOP
from netviz.views.records import (
    Activations,
    Filters,
    Heatmaps,
    LayerComparison,
    ModelViews,
    Predictions,
    TrustCurves,
)
from netviz.views.over_training import OverTrainingViews


class Recorder:
    """Collects the records of the figures written under one build folder, in the order they are drawn."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.records: list[FigureRecord] = []

    def __call__(self, path: Path, kind: str, caption: str, layer: str | None = None, head: str | None = None,
                 method: str | None = None, anchor: str | None = None) -> None:
        self.records.append(FigureRecord(path=path.relative_to(self.out).as_posix(), kind=kind, caption=caption,
                                         layer=layer, head=head, method=method, anchor=anchor))


def draw_model(views: ModelViews | None, history: Mapping[str, Sequence[float]], out: Path, model: str,
               title: str, graph: Graph | None = None, heads: Mapping[str, str] | None = None,
               over_training: OverTrainingViews | None = None) -> tuple[list[FigureRecord], OverTrainingRecord | None]:
    """The model's figures under ``out/figures/<model>``, in report order, with their captions; and the scores
    over training, when epochs were kept."""
    folder = out / "figures" / model
    record = Recorder(out)

    if graph is not None:
        _architecture(graph, views, dict(heads or {}), folder, model, title, record)
    if history:
        record(plots.plot_training_curves(history, folder / "training_curves.svg"), "curves",
               f"Training and validation loss and accuracy per epoch for {title}.")
    if views is None:
        return record.records, None
    if views.predictions is not None:
        _predictions(views.predictions, folder, record)
    for activations in views.activations:
        _activations(activations, folder, record)
    for filters in views.filters:
        _filters(filters, folder, record)
    for filters in views.filters:
        draw_exemplars(filters, folder, record)
    for heatmaps in views.heatmaps:
        _heatmaps(heatmaps, folder, record)
    if views.layers is not None:
        _layers(views.layers, folder, record)
    _trust(views.trust, folder, record)
    draw_galleries(views.galleries, folder, model, title, views.explained, record)
    scores = None if over_training is None else draw_over_training(over_training, folder, record)
    return record.records, scores


def decoration(graph: Graph, views: ModelViews | None, heads: dict[str, str], model: str) -> Decoration:
    """What the graph's nodes show: thumbnails, dead shares and links from the views, the heads' accuracy."""
    found = Decoration(heads=heads)
    if views is None:
        return found
    shown = {layer for node in graph.nodes for layer in (node.name, *node.members)}
    at = lambda layer: (graph.group_of(layer) or graph.nodes[0]).name  # noqa: E731
    for view in views.filters:
        if view.layer not in shown:
            continue
        order = sorted(range(len(view.images)), key=lambda i: (bool(view.dead[i]), -view.stats.final_activation[i]
                                                               if i < len(view.stats.final_activation) else 0.0))
        found.thumbnails.setdefault(at(view.layer), []).extend(view.images[i] for i in order[:THUMBS])
        if view.stats.dead:
            found.dead_share[at(view.layer)] = view.stats.dead / view.stats.count
        found.links.setdefault(at(view.layer), "#" + figure_anchor(model, "filters", view.layer))
    for view in views.activations:
        if view.layer in shown and view.maps.size:
            found.thumbnails.setdefault(at(view.layer), []).append(view.maps[0, :, :, 0])
            found.links[at(view.layer)] = "#" + figure_anchor(model, "activations", view.layer)
    found.cam_layers = {view.layer for view in views.heatmaps}
    return found


def _architecture(graph: Graph, views: ModelViews | None, heads: dict[str, str], folder: Path, model: str,
                  title: str, record: Callable[..., None]) -> None:
    collapsed = sum(1 for node in graph.nodes if len(node.members) > 1)
    path = draw_architecture(graph, decoration(graph, views, heads, model), folder / "architecture.svg",
                             f"arch-{model}")
    record(path, "architecture", (
        f"The layers of {title} as a graph (Graphviz dot): each box a layer with its type, output shape and "
        f"parameter count"
        + (f", {collapsed} boxes standing for runs of layers (a count for blocks that repeat)" if collapsed else "")
        + "; convolution boxes show their strongest filters' ascent images and one image's activation, tinted red by "
          "their share of dead filters, and link to their figures; the heatmap layer is framed in orange; each output "
          "box names its target and test accuracy."
    ))


def _predictions(view: Predictions, folder: Path, record: Callable[..., None]) -> None:
    path = plots.plot_predictions(view.images, view.files, view.top, folder / "predictions.png")
    record(path, "predictions", (
        f"The top-{TOP} predictions of output {view.head} for the {len(view.images)} given images (file name above "
        f"each), most probable first, with their probabilities."
    ), head=view.head)


def _activations(view: Activations, folder: Path, record: Callable[..., None]) -> None:
    n, h, w, c = view.maps.shape
    shown = (f"{c} channels of {h}x{w}" if c == view.channels else
             f"the {c} of its {view.channels} channels of {h}x{w} with the highest mean activation, highest first")
    path = plots.plot_activations(view.maps, folder / f"activations_{view.layer}.png")
    record(path, "activations", (
        f"Activations of layer {view.layer} ({shown}) for {n} {view.images_are}: rows are images, "
        f"columns channels (in bands of {plots.BAND}), one colour scale for the whole layer. "
        f"Mean activation {view.stats.mean_activation:.3f}; {view.stats.dead_share:.0%} of channels never fire on "
        f"these images."
    ), layer=view.layer)


def dead_filters_sentence(dead: int, count: int) -> str:
    """How many filters no input can make fire, and what that costs the layer."""
    if not dead:
        return f"every one of the {count} filters fires on some input."
    return (f"{dead} of the {count} filters ({dead / count:.0%}) fire on no input at all (red frame): ReLUs switched "
            f"off during training pass nothing on and get no gradient, so the layer works with {count - dead}.")


def _filters(view: Filters, folder: Path, record: Callable[..., None]) -> None:
    count, dead, layer = view.stats.count, view.stats.dead, view.layer
    which = (f"each of the {count} filters" if count == view.total else
             f"the {count} of its {view.total} filters with the highest mean activation on the shown images "
             f"(highest first)")
    tricks = (f", jitter up to {view.jitter} px, random scale ±5% and rotation ±5° each step"
              if view.jitter is not None else "")
    path = plots.plot_filters(view.images, folder / f"filters_{layer}.png", dead=view.dead)
    record(path, "filters", (
        f"Inputs that maximize {which} of {layer} ({view.stats.steps} steps of gradient ascent "
        f"from a grey image{tricks}, each image stretched to its own range); {dead_filters_sentence(dead, count)}"
    ), layer=layer)
    k = view.kernels
    if k is None:
        return
    path = plots.plot_kernels(k.kernels, folder / f"kernels_{layer}.png", k.composite)
    f, kh, kw, cin = k.kernels.shape
    record(path, "kernels", (
        f"Raw {kh}x{kw} kernels of {layer}: one block per filter ({f}"
        + (", the same ones as above" if k.same_as_filters else "")
        + f"), one panel per input channel ({cin}" + (f", the first of {k.inputs}" if k.inputs > cin else "") + ")"
        + (", then the three channels as one colour image" if k.composite is not None else "")
        + "; red positive, blue negative, one scale for the layer."
    ), layer=layer)


def layer_why(view: Heatmaps) -> str:
    """Which layer and why: "the last layer with a spatial map: 7x7 cells of a 224x224 input"."""
    (h, w), (ih, iw) = view.cells, view.input_size
    return f"{view.layer_reason}: {h}x{w} cells of a {ih}x{iw} input"


def _heatmaps(view: Heatmaps, folder: Path, record: Callable[..., None]) -> None:
    path = plots.plot_cam(
        view.images, {view.head: view.maps}, folder / f"{view.method}_{view.head}.png",
        image_labels=view.image_labels, map_labels={view.head: view.map_labels},
        title=f"{view.title} on {view.layer}, head {view.head}",
    )
    record(path, "cam", (
        f"{view.title} heatmaps on layer {view.layer} ({layer_why(view)}) for head {view.head}: top row the inputs (true "
        f"{view.image_target} below), then the map of the {view.target} {view.head_target} overlaid (named below, "
        f"marked with a cross where the prediction is wrong); each map scaled to its own maximum."
        + (f" {view.title} never reads the target, so this map is the same for every head." if view.every_head else "")
    ), layer=view.layer, head=view.head, method=view.method)


def layer_scores(layer: str, cells: tuple[int, int], s: Scores) -> str:
    """One layer's scores in words: "conv2d (22x22 cells): pointing game 76% (chance 12%), deletion AUC 0.45 ..."."""
    parts = []
    if s.pointing_game is not None:
        parts.append(f"pointing game {s.pointing_game:.0%}"
                     + (f" (chance {s.chance_pointing:.0%})" if s.chance_pointing is not None else ""))
    if s.deletion_auc is not None:
        parts.append(f"deletion AUC {s.deletion_auc:.2f}, insertion AUC {s.insertion_auc:.2f}")
    if s.empty_maps:
        parts.append(f"{s.empty_maps:.0%} of maps empty")
    return f"{layer} ({cells[0]}x{cells[1]} cells): " + ", ".join(parts)


def _layers(view: LayerComparison, folder: Path, record: Callable[..., None]) -> None:
    path = plots.plot_cam(view.images, view.maps, folder / f"{view.method}_{view.head}_layers.png",
                          title=f"{view.title} at {len(view.maps)} layers, head {view.head}")
    ih, iw = view.input_size
    record(path, "cam", (
        f"{view.title} heatmaps of head {view.head} at {len(view.maps)} layers chosen in the spec, one row per layer "
        f"on the same images of a {ih}x{iw} input; each layer's grid and scores, computed as in the score table: "
        + "; ".join(layer_scores(layer, view.cells[layer], view.scores[layer]) for layer in view.maps) + "."
    ), head=view.head, method=view.method)


def _trust(view: TrustCurves, folder: Path, record: Callable[..., None]) -> None:
    path = plots.plot_deletion_insertion(view.curves, folder / "deletion_insertion.svg", baselines=set(view.baselines))
    record(path, "trust", (
        f"Deletion and insertion curves (Petsiuk et al., 2018) on {view.images} test images, heatmaps of layer "
        f"{view.layer}: the target probability as the most salient pixels are removed (good maps make it fall fast) "
        f"or inserted into a blurred copy (rise fast); dashed, the baselines that know nothing about the network."
    ), layer=view.layer)
