"""The explain stage of one model: its three views computed, as arrays and scores, never drawn.

Maths lives in the modules beside this one; this stage picks the images, calls them, and
returns a :class:`ModelViews` that the figures stage draws and the pipeline records. Heatmap
methods come from :data:`~netviz.registry.HEATMAP_METHODS`: the spec's methods, then the
baselines, which are scored for every model and head whatever the spec asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from netviz.data.base import Dataset
from netviz.models import graph
from netviz.models.outputs import OutputInfo
from netviz.registry import DATA_KINDS, HEATMAP_METHODS
from netviz.results import FilterStats, LayerStats, Scores
from netviz.spec import schema
from netviz.views import trust
from netviz.views import errors as error_views
from netviz.views.activations import layer_activations
from netviz.views.cam import CamProbe, explain
from netviz.views.exemplars import layer_exemplars
from netviz.views.filters import (
    FilterAscent,
    layer_kernels,
    reads_input,
    rgb_composite,
)
from netviz.views.methods import Method, baselines
from netviz.views.records import (
    Activations,
    Filters,
    Heatmaps,
    Kernels,
    LayerComparison,
    ModelViews,
    Predictions,
    TrustCurves,
)

DELINS_IMAGES = 64  # images per model and head for deletion/insertion and the sanity check
DELINS_STEPS = 16
MAX_CHANNELS = 64  # channels or filters per figure; the ones with the highest mean activation, first
BIG_NETWORK_LAYERS = 50  # a network with more layers than this ...
BIG_NETWORK_FILTERS = 16  # ... optimizes this many filters per layer: every ascent step runs it up to the layer
MAX_KERNEL_INPUTS = 32  # input-channel panels per filter in a kernel figure (the default spec's 1x1 layer has 32)
TOP = 5  # predictions listed per image


def as_float(x: np.ndarray) -> np.ndarray:
    """Model input: float32 in [0, 1] with a channel axis (uint8 data is divided by 255)."""
    x = np.asarray(x)
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return x[..., None] if x.ndim == 3 else x


def pick_images(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` test indices, deterministic, spread evenly over the classes present.

    Classes are taken at even steps through the sorted class list (all of them in
    turn when there are fewer classes than images); within a class, the seeded
    order decides. Falls back to any unused image when classes run out.
    """
    labels = np.asarray(labels)
    order = np.random.default_rng([seed, 7]).permutation(len(labels))
    classes = np.unique(labels)
    wanted = classes[np.round(np.linspace(0, len(classes) - 1, count)).astype(int)] if len(classes) >= count \
        else np.resize(classes, count)
    chosen: list[int] = []
    for c in wanted:
        pool = [int(i) for i in order[labels[order] == c] if int(i) not in chosen]
        if pool:
            chosen.append(pool[0])
    chosen += [int(i) for i in order if int(i) not in chosen][: count - len(chosen)]
    return np.array(chosen[:count], dtype=np.int64)


def explain_model(
    model: Any,
    initial_model: Any | None,
    outputs: list[OutputInfo],
    data: Dataset,
    settings: schema.Visualize,
    choice: schema.LayerChoice,
    seed: int,
    given: tuple[np.ndarray, list[str]] | None = None,
) -> ModelViews:
    """Activations, filters and class-activation maps of one model, with their trust scores.

    ``given`` (uint8 images, their file names) adds the model's top-5 predictions for them.
    """
    shown = pick_images(data.labels_test[outputs[0].target], settings.images, seed)
    x_shown = as_float(data.x_test[shown])
    predictions = None if given is None else predictions_view(model, as_float(given[0]), given[1], outputs)
    activations = activations_view(model, x_shown, choice.activations,
                                   "test images" if DATA_KINDS[data.kind].labelled else "given images")
    filters = filters_view(model, choice.filters, settings.filters, seed, x_shown, data.x_test)
    plans, extra = error_views.plan(outputs, data.labels_test, error_views.predict_test(model, data.x_test),
                                    error_views.budget_for(data.x_test.shape[1:3])) \
        if DATA_KINDS[data.kind].labelled and len(data.x_test) else ([], np.zeros(0, dtype=np.int64))
    heatmaps, trust_curves, explanations, found = cam_pass(model, initial_model, outputs, data, settings.cam,
                                                           choice.cam, shown, seed, extra)
    galleries, errors = error_views.error_views(plans, outputs, data, found)
    compared = choice.cam_layers or settings.cam.layers
    layers = None if not compared else layers_view(model, outputs, data, settings.cam, compared, shown, seed)
    return ModelViews(predictions=predictions, activations=activations, filters=filters, heatmaps=heatmaps,
                      trust=trust_curves, explanations=explanations, layers=layers, galleries=galleries,
                      errors=errors, explained=settings.cam.target)


def layers_view(model: Any, outputs: list[OutputInfo], data: Dataset, settings: schema.Cam, layers: Sequence[str],
                shown: np.ndarray, seed: int) -> LayerComparison:
    """The spec's first heatmap method on the first head at each of ``layers``, scored on the same images."""
    name = settings.methods[0] if settings.methods else "gradcam"
    method = HEATMAP_METHODS[name]
    maps: dict[str, np.ndarray] = {}
    cells: dict[str, tuple[int, int]] = {}
    scores: dict[str, Scores] = {}
    images = None
    for layer in layers:
        probe = CamProbe(model, layer, outputs)
        batch = cam_batch(probe, data, settings, shown, seed)
        m = explain(probe, batch.x, batch.targets, [name], seed)[name][0]
        canvas = trust.blur(batch.x[batch.small], max(batch.x.shape[1:3]) / 8.0)
        found = _trust(probe, method, 0, batch, m, canvas, seed)
        found.pop("curves")
        scores[layer] = Scores(**found)
        maps[layer] = probe.at_input_size(method, m[: batch.shown])
        cells[layer] = probe.cells
        images = batch.x[: batch.shown]
    assert images is not None
    return LayerComparison(method=name, title=method.title, head=outputs[0].name, images=images, maps=maps,
                           cells=cells, input_size=tuple(images.shape[1:3]), scores=scores)


def predictions_view(model: Any, x: np.ndarray, files: list[str], outputs: list[OutputInfo]) -> Predictions:
    """Each image with the first output's five most probable classes."""
    info = outputs[0]
    probs = graph.Predictor(model).all_heads(x)[0]
    return Predictions(images=x, files=files, top=top_predictions(probs, info.class_names), head=info.name)


def top_predictions(probs: np.ndarray, class_names: tuple[str, ...], k: int = TOP) -> list[list[tuple[str, float]]]:
    """Per image, the ``k`` most probable classes and their probabilities, most probable first."""
    probs = np.asarray(probs, dtype=np.float64).reshape(len(probs), -1)
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return [[(class_names[j] if j < len(class_names) else str(j), float(p[j])) for j in row]
            for p, row in zip(probs, order)]


def strongest_channels(maps: np.ndarray, limit: int = MAX_CHANNELS) -> np.ndarray:
    """Indices of the ``limit`` channels of (N,h,w,C) maps with the highest mean, highest first (stable)."""
    means = np.asarray(maps, dtype=np.float64).mean(axis=tuple(range(maps.ndim - 1)))
    return np.argsort(-means, kind="stable")[:limit]


def activations_view(model: Any, x: np.ndarray, layers: Sequence[str] | None, images_are: str) -> list[Activations]:
    views = []
    for act in layer_activations(model, x, layers):
        maps = act.maps if act.channels <= MAX_CHANNELS else act.maps[..., strongest_channels(act.maps)]
        stats = LayerStats(mean_activation=act.mean_activation, dead_share=act.dead_share, channels=act.channels)
        views.append(Activations(layer=act.layer, maps=maps, channels=act.channels, images_are=images_are, stats=stats))
    return views


def filters_view(model: Any, layers: Sequence[str] | None, settings: schema.Filters, seed: int,
                 x: np.ndarray | None = None, test: np.ndarray | None = None) -> list[Filters]:
    """Filter ascent and kernels per layer; of a layer with more than MAX_CHANNELS filters (BIG_NETWORK_FILTERS
    in a network of more than BIG_NETWORK_LAYERS layers), the ones most active on the shown images ``x``
    (the first ones without images). With ``test`` images, each shown filter's exemplars from them."""
    views = []
    for layer in layers if layers is not None else graph.default_filter_layers(model):
        ascent = FilterAscent(model, layer, settings)
        chosen, limit = None, BIG_NETWORK_FILTERS if len(model.layers) > BIG_NETWORK_LAYERS else MAX_CHANNELS
        if ascent.count > limit:
            chosen = (np.arange(limit) if x is None else
                      strongest_channels(np.asarray(graph.layer_outputs_model(model, [layer])(x, training=False)), limit))
        res = ascent.batched(seed, chosen)
        stats = FilterStats(final_activation=[float(v) for v in res.final], dead=int(res.dead.sum()),
                            count=len(res.final), steps=res.steps)
        views.append(Filters(layer=layer, images=res.images, dead=res.dead, total=ascent.count,
                             jitter=ascent.jitter if ascent.robust else None, stats=stats,
                             kernels=_kernels(model, layer, chosen, limit, ascent.count),
                             exemplars=None if test is None or not len(test) else layer_exemplars(model, layer, test,
                                                                                                    chosen)))
    return views


def _kernels(model: Any, layer: str, chosen: np.ndarray | None, limit: int, filters: int) -> Kernels | None:
    kernels = layer_kernels(model, layer)
    if kernels.shape[1] * kernels.shape[2] == 1 and kernels.shape[-1] > MAX_KERNEL_INPUTS:
        return None  # a wide 1x1 kernel only mixes channels: a page of single pixels, no pattern to see
    if len(kernels) > limit:
        kernels = kernels[chosen if chosen is not None and len(kernels) == filters else np.arange(limit)]
    composite = rgb_composite(kernels) if reads_input(model, layer) else None
    return Kernels(kernels=kernels[..., :MAX_KERNEL_INPUTS], composite=composite, inputs=kernels.shape[-1],
                   same_as_filters=chosen is not None and len(kernels) == len(chosen))


@dataclass(frozen=True)
class CamBatch:
    """The images every CAM method sees: the shown ones first, then the evaluation set.

    ``masks`` belong to the evaluation images; deletion/insertion and the sanity
    check use the first ``delins`` evaluation images.
    """

    x: np.ndarray
    true: list[np.ndarray]
    targets: list[np.ndarray]
    shown: int
    delins: int
    masks: np.ndarray | None
    index: np.ndarray | None = None  # the test index of every image
    extra: int = 0  # images after the evaluation set, explained for the error galleries only

    @property
    def evaluation(self) -> slice:
        return slice(self.shown, len(self.x) - self.extra)

    @property
    def small(self) -> slice:
        return slice(self.shown, self.shown + self.delins)


def cam_batch(probe: CamProbe, data: Dataset, settings: schema.Cam, shown: np.ndarray, seed: int,
              extra: np.ndarray | None = None) -> CamBatch:
    """Shown images plus a seeded evaluation set (``eval_images`` when there are masks to score against),
    then the ``extra`` test images the error galleries show, which no score reads."""
    n_test = len(data.x_test)
    order = np.random.default_rng([seed, 3]).permutation(n_test)
    masks = data.masks_test
    n_eval = min(settings.eval_images if masks is not None else DELINS_IMAGES, n_test)
    extra = np.zeros(0, dtype=np.int64) if extra is None else np.asarray(extra, dtype=np.int64)
    index = np.concatenate([shown, order[:n_eval], extra])
    x = as_float(data.x_test[index])
    true = [np.asarray(data.labels_test[o.target])[index] for o in probe.outputs]
    targets = probe.targets(x, true if settings.target == "true" else None)
    return CamBatch(x, true, targets, len(shown), min(DELINS_IMAGES, n_eval),
                    None if masks is None else np.asarray(masks)[order[:n_eval]], index, len(extra))


def cam_view(model: Any, initial_model: Any | None, outputs: list[OutputInfo], data: Dataset, settings: schema.Cam,
             layer: str | None, shown: np.ndarray,
             seed: int) -> tuple[list[Heatmaps], TrustCurves, dict[str, dict[str, Scores]]]:
    """Heatmaps of the spec's methods and the baselines: maps of the methods, trust scores of all."""
    return cam_pass(model, initial_model, outputs, data, settings, layer, shown, seed)[:3]


def cam_pass(model: Any, initial_model: Any | None, outputs: list[OutputInfo], data: Dataset, settings: schema.Cam,
             layer: str | None, shown: np.ndarray, seed: int, extra: np.ndarray | None = None,
             ) -> tuple[list[Heatmaps], TrustCurves, dict[str, dict[str, Scores]], error_views.Explained]:
    """:func:`cam_view`, with the ``extra`` test images in the same batch: the one gradient pass that scores
    the methods also maps the images of the error galleries (returned at input size, with the scored ones)."""
    probe = CamProbe(model, layer, outputs)
    batch = cam_batch(probe, data, settings, shown, seed, extra)
    names = [*settings.methods, *baselines()]
    maps = explain(probe, batch.x, batch.targets, names, seed)
    initial = None
    if initial_model is not None:
        initial = explain(CamProbe(initial_model, probe.layer, outputs), batch.x[batch.small],
                          [t[batch.small] for t in batch.targets], names, seed)
    canvas = trust.blur(batch.x[batch.small], max(batch.x.shape[1:3]) / 8.0)
    curves: dict[str, dict[str, dict[str, Any]]] = {o.name: {} for o in outputs}
    heatmaps: list[Heatmaps] = []
    explanations: dict[str, dict[str, Scores]] = {}
    for name in names:
        method = HEATMAP_METHODS[name]
        explanations[name] = {}
        for i, info in enumerate(outputs):
            m = maps[name][i]
            if not method.baseline and (method.per_head or i == 0):  # one figure when every head has the same map
                heatmaps.append(_heatmaps(probe, batch, method, i, m, settings.target, layer is not None))
            scores = _trust(probe, method, i, batch, m, canvas, seed)
            scores.update(_sanity(m[batch.small], None if initial is None else initial[name][i],
                                  settings.sanity_threshold))
            curves[info.name][method.title] = scores.pop("curves")
            explanations[name][info.name] = Scores(**scores)
    trust_curves = TrustCurves(layer=probe.layer, images=batch.delins, curves=curves,
                               baselines=[HEATMAP_METHODS[n].title for n in baselines()])
    found = error_views.Explained(
        index=batch.index[batch.shown:], extra=batch.extra,
        maps={n: [probe.at_input_size(HEATMAP_METHODS[n], m[batch.shown:]) for m in maps[n]]
              for n in settings.methods})
    return heatmaps, trust_curves, explanations, found


def layer_reason(chosen: bool) -> str:
    """Why a heatmap uses its layer, in words for the caption."""
    return "chosen in the spec" if chosen else "the last layer with a spatial map"


def _heatmaps(probe: CamProbe, batch: CamBatch, method: Method, head: int, maps: np.ndarray, target: str,
              chosen: bool = False) -> Heatmaps:
    info, first, k = probe.outputs[head], probe.outputs[0], batch.shown
    explained = batch.targets[head][:k]
    wrong = (explained != batch.true[head][:k]) & (batch.true[head][:k] >= 0) & (target == "predicted")
    return Heatmaps(
        method=method.name, title=method.title, head=info.name, layer=probe.layer, images=batch.x[:k],
        maps=probe.at_input_size(method, maps[:k]), image_labels=[_name(first, t) for t in batch.true[0][:k]],
        map_labels=[_name(info, t) + (" (wrong)" if w else "") for t, w in zip(explained, wrong)],
        image_target=first.target, target=target, head_target=info.target,
        every_head=not method.per_head and len(probe.outputs) > 1,
        layer_reason=layer_reason(chosen), cells=probe.cells, input_size=tuple(probe.input_shape[:2]),
    )


def _name(info: OutputInfo, index: Any) -> str:
    """The class name of ``index``; an image without a label (index < 0) has none."""
    index = int(index)
    if index < 0:
        return ""
    return str(info.class_names[index]) if 0 <= index < len(info.class_names) else str(index)


def _trust(probe: CamProbe, method: Method, head: int, batch: CamBatch, maps: np.ndarray,
           canvas: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """Pointing game and energy on all evaluation images, deletion/insertion on the first ``batch.delins``.

    Ties (an all-zero map above all) are broken in a seeded random order: a constant map scores chance.
    """
    info, ev = probe.outputs[head], maps[batch.evaluation]
    scores: dict[str, Any] = {"pointing_game": None, "chance_pointing": None, "pointing_tolerance": None,
                              "energy_in_mask": None, "chance_energy": None}
    # an all-zero map (all evidence negative after the ReLU) has no peak: it points at a random pixel, no energy
    scores["empty_maps"] = float((ev.reshape(len(ev), -1).max(axis=1) <= 0).mean())
    if batch.masks is not None:
        ev = probe.at_input_size(method, ev)
        tolerance = trust.pointing_tolerance(batch.masks.shape[1:])
        scores["pointing_tolerance"] = tolerance
        scores["pointing_game"] = trust.nanmean(trust.pointing_hits(ev, batch.masks, tolerance, seed))
        scores["energy_in_mask"] = trust.nanmean(trust.energy_shares(ev, batch.masks))
        scores["chance_energy"] = trust.nanmean(trust.chance_shares(batch.masks))
        # a random peak hits the mask grown by the same tolerance with this probability
        scores["chance_pointing"] = trust.nanmean(trust.chance_shares(trust.dilate(batch.masks, tolerance)))
    t = batch.targets[head][batch.small]

    def score(images: np.ndarray, source: np.ndarray) -> np.ndarray:
        return graph.target_probability(info, probe.predictor.head(images, head), t[source])

    x = batch.x[batch.small]
    di = trust.deletion_insertion(score, x, probe.at_input_size(method, maps[batch.small]), DELINS_STEPS, canvas, seed)
    scores["deletion_auc"] = float(di["deletion_auc"].mean())
    scores["insertion_auc"] = float(di["insertion_auc"].mean())
    scores["images"] = int(len(ev))
    scores["curves"] = {
        "deletion": di["deletion_curve"].mean(axis=0), "insertion": di["insertion_curve"].mean(axis=0),
        "deletion_auc": scores["deletion_auc"], "insertion_auc": scores["insertion_auc"],
    }
    return scores


def _sanity(trained: np.ndarray, initial: np.ndarray | None, threshold: float) -> dict[str, Any]:
    if initial is None:
        return {"sanity_spearman": None, "sanity_flagged": None}
    rho, flagged = trust.sanity(trained, initial, threshold)
    return {"sanity_spearman": rho, "sanity_flagged": flagged}
