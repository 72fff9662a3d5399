"""The visualization stage of one model: three views, their figures, and a JSON-ready summary.

Maths lives in :mod:`netviz.visualize` and pictures in :mod:`netviz.figures`; this
stage only picks images, calls both, and records what was written where. Heatmap
methods come from the registry (:mod:`netviz.visualize.methods`): the spec's methods,
then the baselines, which are scored for every model and head whatever the spec asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from netviz import figures
from netviz.data.base import Dataset
from netviz.models.outputs import OutputInfo
from netviz.spec import schema
from netviz.visualize import graph, methods, trust
from netviz.visualize.activations import layer_activations
from netviz.visualize.cam import CamProbe, explain
from netviz.visualize.filters import FilterAscent, layer_kernels, reads_input, rgb_composite
from netviz.visualize.methods import Method

DELINS_IMAGES = 64  # images per model and head for deletion/insertion and the sanity check
DELINS_STEPS = 16
MAX_CHANNELS = 64  # channels or filters per figure; the ones with the highest mean activation, first
BIG_NETWORK_LAYERS = 50  # a network with more layers than this ...
BIG_NETWORK_FILTERS = 16  # ... optimizes this many filters per layer: every ascent step runs it up to the layer
MAX_KERNEL_INPUTS = 32  # input-channel panels per filter in a kernel figure (the default spec's 1x1 layer has 32)


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


def visualize_model(
    model: Any,
    initial_model: Any | None,
    outputs: list[OutputInfo],
    data: Dataset,
    settings: schema.Visualize,
    choice: schema.LayerChoice,
    out_dir: Path,
    model_name: str,
    seed: int,
    explain: tuple[np.ndarray, list[str]] | None = None,
) -> dict:
    """Activations, filters and class-activation maps of one model; figures under ``out_dir/figures/<model>``.

    ``explain`` (uint8 images, their file names) adds a figure of the model's top-5 predictions for them.
    """
    out_dir = Path(out_dir)
    fig_dir = out_dir / "figures" / model_name
    shown = pick_images(data.labels_test[outputs[0].target], settings.images, seed)
    result: dict[str, Any] = {"figures": [], "layers": {}, "filters": {}, "explanations": {}}

    def record(path: Path, kind: str, caption: str, layer: str | None = None, head: str | None = None,
               method: str | None = None) -> None:
        result["figures"].append({"path": path.relative_to(out_dir).as_posix(), "kind": kind, "caption": caption,
                                  "layer": layer, "head": head, "method": method})

    x_shown = as_float(data.x_test[shown])
    if explain is not None:
        predictions_view(model, as_float(explain[0]), explain[1], outputs, fig_dir, record)
    activations_view(model, x_shown, choice.activations, fig_dir, record, result["layers"],
                     "given images" if data.kind == "images" else "test images")
    filters_view(model, choice.filters, settings.filters, seed, fig_dir, record, result["filters"], x_shown)
    cam_view(model, initial_model, outputs, data, settings.cam, choice.cam, shown, seed, fig_dir, record,
             result["explanations"])
    return result


def predictions_view(model: Any, x: np.ndarray, files: list[str], outputs: list[OutputInfo], fig_dir: Path,
                     record: Any) -> None:
    """Each image with the first output's five most probable classes under it."""
    from netviz.models.sources import TOP, top_predictions

    info = outputs[0]
    probs = graph.Predictor(model).all_heads(x)[0]
    top = top_predictions(probs, info.class_names)
    path = figures.plot_predictions(x, files, top, fig_dir / "predictions.png")
    record(path, "predictions", (
        f"The top-{TOP} predictions of output {info.name} for the {len(x)} given images (file name above each), "
        f"most probable first, with their probabilities."
    ), head=info.name)


def strongest_channels(maps: np.ndarray, limit: int = MAX_CHANNELS) -> np.ndarray:
    """Indices of the ``limit`` channels of (N,h,w,C) maps with the highest mean, highest first (stable)."""
    means = np.asarray(maps, dtype=np.float64).mean(axis=tuple(range(maps.ndim - 1)))
    return np.argsort(-means, kind="stable")[:limit]


def activations_view(model: Any, x: np.ndarray, layers: Sequence[str] | None, fig_dir: Path, record: Any,
                     out: dict, what: str = "test images") -> None:
    for act in layer_activations(model, x, layers):
        n, h, w, c = act.maps.shape
        maps, shown = act.maps, f"{c} channels of {h}x{w}"
        if c > MAX_CHANNELS:
            maps = maps[..., strongest_channels(maps)]
            shown = f"the {MAX_CHANNELS} of its {c} channels of {h}x{w} with the highest mean activation, highest first"
        path = figures.plot_activations(maps, fig_dir / f"activations_{act.layer}.png")
        record(path, "activations", (
            f"Activations of layer {act.layer} ({shown}) for {n} {what}: rows are images, "
            f"columns channels (in bands of {figures.BAND}), one colour scale for the whole layer. "
            f"Mean activation {act.mean_activation:.3f}; {act.dead_share:.0%} of channels never fire on these images."
        ), layer=act.layer)
        out[act.layer] = {"mean_activation": act.mean_activation, "dead_share": act.dead_share, "channels": act.channels}


def dead_filters_sentence(dead: int, count: int) -> str:
    """How many filters no input can make fire, and what that costs the layer."""
    if not dead:
        return f"every one of the {count} filters fires on some input."
    return (f"{dead} of the {count} filters ({dead / count:.0%}) fire on no input at all (red frame): ReLUs switched "
            f"off during training pass nothing on and get no gradient, so the layer works with {count - dead}.")


def filters_view(model: Any, layers: Sequence[str] | None, settings: schema.Filters, seed: int, fig_dir: Path,
                 record: Any, out: dict, x: np.ndarray | None = None) -> None:
    """Filter ascent and kernels per layer; of a layer with more than MAX_CHANNELS filters (BIG_NETWORK_FILTERS
    in a network of more than BIG_NETWORK_LAYERS layers), the ones most active on the shown images ``x``
    (the first ones without images)."""
    for layer in layers if layers is not None else graph.default_filter_layers(model):
        ascent = FilterAscent(model, layer, settings)
        chosen, limit = None, BIG_NETWORK_FILTERS if len(model.layers) > BIG_NETWORK_LAYERS else MAX_CHANNELS
        if ascent.count > limit:
            chosen = (np.arange(limit) if x is None else
                      strongest_channels(np.asarray(graph.layer_outputs_model(model, [layer])(x, training=False)), limit))
        res = ascent.batched(seed, chosen)
        count, dead = len(res.final), int(res.dead.sum())
        which = (f"each of the {count} filters" if chosen is None else
                 f"the {count} of its {ascent.count} filters with the highest mean activation on the shown images "
                 f"(highest first)")
        tricks = (f", jitter up to {ascent.jitter} px, random scale ±5% and rotation ±5° each step"
                  if ascent.robust else "")
        path = figures.plot_filters(res.images, fig_dir / f"filters_{layer}.png", dead=res.dead)
        record(path, "filters", (
            f"Inputs that maximize {which} of {layer} ({res.steps} steps of gradient ascent "
            f"from a grey image{tricks}, each image stretched to its own range); {dead_filters_sentence(dead, count)}"
        ), layer=layer)
        out[layer] = {"final_activation": [float(v) for v in res.final], "dead": dead, "count": count,
                      "steps": res.steps}
        kernels = layer_kernels(model, layer)
        if kernels.shape[1] * kernels.shape[2] == 1 and kernels.shape[-1] > MAX_KERNEL_INPUTS:
            continue  # a wide 1x1 kernel only mixes channels: a page of single pixels, no pattern to see
        if len(kernels) > limit:
            kernels = kernels[chosen if chosen is not None and len(kernels) == ascent.count else np.arange(limit)]
        composite = rgb_composite(kernels) if reads_input(model, layer) else None
        inputs = kernels.shape[-1]
        kernels = kernels[..., :MAX_KERNEL_INPUTS]
        path = figures.plot_kernels(kernels, fig_dir / f"kernels_{layer}.png", composite)
        f, kh, kw, cin = kernels.shape
        record(path, "kernels", (
            f"Raw {kh}x{kw} kernels of {layer}: one block per filter ({f}"
            + (", the same ones as above" if chosen is not None and f == len(chosen) else "")
            + f"), one panel per input channel ({cin}" + (f", the first of {inputs}" if inputs > cin else "") + ")"
            + (", then the three channels as one colour image" if composite is not None else "")
            + "; red positive, blue negative, one scale for the layer."
        ), layer=layer)


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

    @property
    def evaluation(self) -> slice:
        return slice(self.shown, None)

    @property
    def small(self) -> slice:
        return slice(self.shown, self.shown + self.delins)


def cam_batch(probe: CamProbe, data: Dataset, settings: schema.Cam, shown: np.ndarray, seed: int) -> CamBatch:
    """Shown images plus a seeded evaluation set (``eval_images`` when there are masks to score against)."""
    n_test = len(data.x_test)
    order = np.random.default_rng([seed, 3]).permutation(n_test)
    masks = data.masks_test
    n_eval = min(settings.eval_images if masks is not None else DELINS_IMAGES, n_test)
    index = np.concatenate([shown, order[:n_eval]])
    x = as_float(data.x_test[index])
    true = [np.asarray(data.labels_test[o.target])[index] for o in probe.outputs]
    targets = probe.targets(x, true if settings.target == "true" else None)
    return CamBatch(x, true, targets, len(shown), min(DELINS_IMAGES, n_eval),
                    None if masks is None else np.asarray(masks)[order[:n_eval]])


def cam_view(model: Any, initial_model: Any | None, outputs: list[OutputInfo], data: Dataset, settings: schema.Cam,
             layer: str | None, shown: np.ndarray, seed: int, fig_dir: Path, record: Any, out: dict) -> None:
    """Heatmaps of the spec's methods and the baselines: figures of the methods, trust scores of all."""
    probe = CamProbe(model, layer, outputs)
    batch = cam_batch(probe, data, settings, shown, seed)
    names = [*settings.methods, *methods.baselines()]
    maps = explain(probe, batch.x, batch.targets, names, seed)
    initial = None
    if initial_model is not None:
        initial = explain(CamProbe(initial_model, probe.layer, outputs), batch.x[batch.small],
                          [t[batch.small] for t in batch.targets], names, seed)
    canvas = trust.blur(batch.x[batch.small], max(batch.x.shape[1:3]) / 8.0)
    curves: dict[str, dict[str, dict[str, Any]]] = {o.name: {} for o in outputs}
    for name in names:
        method = methods.get(name)
        out[name] = {}
        for i, info in enumerate(outputs):
            m = maps[name][i]
            if not method.baseline:
                _cam_figure(probe, batch, method, i, m, settings.target, fig_dir, record)
            scores = _trust(probe, method, i, batch, m, canvas)
            scores.update(_sanity(m[batch.small], None if initial is None else initial[name][i],
                                  settings.sanity_threshold))
            curves[info.name][method.title] = scores.pop("curves")
            out[name][info.name] = scores
    path = figures.plot_deletion_insertion(curves, fig_dir / "deletion_insertion.svg",
                                           baselines={methods.get(n).title for n in methods.baselines()})
    record(path, "trust", (
        f"Deletion and insertion curves (Petsiuk et al., 2018) on {batch.delins} test images, heatmaps of layer "
        f"{probe.layer}: the target probability as the most salient pixels are removed (good maps make it fall fast) "
        f"or inserted into a blurred copy (rise fast); dashed, the baselines that know nothing about the network."
    ), layer=probe.layer)


def _cam_figure(probe: CamProbe, batch: CamBatch, method: Method, head: int, maps: np.ndarray, target: str,
                fig_dir: Path, record: Any) -> None:
    info, first, k = probe.outputs[head], probe.outputs[0], batch.shown
    explained = batch.targets[head][:k]
    wrong = (explained != batch.true[head][:k]) & (batch.true[head][:k] >= 0) & (target == "predicted")
    labels = [_name(info, t) + (" (wrong)" if w else "") for t, w in zip(explained, wrong)]
    path = figures.plot_cam(
        batch.x[:k], {info.name: probe.at_input_size(method, maps[:k])}, fig_dir / f"{method.name}_{info.name}.png",
        image_labels=[_name(first, t) for t in batch.true[0][:k]], map_labels={info.name: labels},
        title=f"{method.title} on {probe.layer}, head {info.name}",
    )
    record(path, "cam", (
        f"{method.title} heatmaps on layer {probe.layer} for head {info.name}: top row the inputs (true "
        f"{first.target} below), then the map of the {target} {info.target} overlaid (named below, marked with a cross where "
        f"the prediction is wrong); each map scaled to its own maximum."
    ), layer=probe.layer, head=info.name, method=method.name)


def _name(info: OutputInfo, index: Any) -> str:
    """The class name of ``index``; an image without a label (index < 0) has none."""
    index = int(index)
    if index < 0:
        return ""
    return str(info.class_names[index]) if 0 <= index < len(info.class_names) else str(index)


def _trust(probe: CamProbe, method: Method, head: int, batch: CamBatch, maps: np.ndarray,
           canvas: np.ndarray) -> dict[str, Any]:
    """Pointing game and energy on all evaluation images, deletion/insertion on the first ``batch.delins``."""
    info, ev = probe.outputs[head], maps[batch.evaluation]
    scores: dict[str, Any] = {"pointing_game": None, "chance_pointing": None, "energy_in_mask": None, "chance_energy": None}
    # an all-zero map (all evidence negative after the ReLU) points nowhere: a pointing-game miss, no energy
    scores["empty_maps"] = float((ev.reshape(len(ev), -1).max(axis=1) <= 0).mean())
    if batch.masks is not None:
        ev = probe.at_input_size(method, ev)
        scores["pointing_game"] = trust.nanmean(trust.pointing_hits(ev, batch.masks))
        scores["energy_in_mask"] = trust.nanmean(trust.energy_shares(ev, batch.masks))
        scores["chance_energy"] = trust.nanmean(trust.chance_shares(batch.masks))
        # a random peak hits the mask grown by the 1-pixel tolerance with this probability
        scores["chance_pointing"] = trust.nanmean(trust.chance_shares(trust.dilate(batch.masks)))
    t = batch.targets[head][batch.small]

    def score(images: np.ndarray, source: np.ndarray) -> np.ndarray:
        return graph.target_probability(info, probe.predictor.head(images, head), t[source])

    x = batch.x[batch.small]
    di = trust.deletion_insertion(score, x, probe.at_input_size(method, maps[batch.small]), DELINS_STEPS, canvas)
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
