"""Cascading randomization (Adebayo et al., 2018; Quantus' MPRT): where a heatmap stops depending on the network.

The sanity check of :mod:`~netviz.views.trust` compares the trained network's maps with the
untrained network's, all layers at once. The cascade randomizes one step at a time, from the
output down: first the output layer, then the layer below it as well, and so on until every
layer with weights is at its initial values. After each step every method's maps are computed
again on the images the sanity check uses (on a big network the first 16 of them) and compared
with the trained maps (mean |Spearman ρ| of |map|, and SSIM). A method whose maps change as soon as the top layers are randomized
depends on the learned weights; one whose maps never change shows the image, not the network.

Randomized weights are the layers' own initial weights: those of the untrained network the
sanity check uses (the same initializers, seeded), or, where there is none that matches, a
seeded clone of the network, so the last step equals the sanity check's comparison. A small
network steps layer by layer (all the layers at one distance from the outputs together: the
heads' last layers first); one with more than ``MAX_STEPS`` such levels steps block by block,
its blocks (the pieces between the layers no edge jumps over) spread evenly over ``MAX_STEPS``.
One working copy of the network serves every step: its weights are overwritten in place, and
its one compiled probe reads them at each call, so each step is one explain pass for all
methods and heads.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from netviz.data.base import Dataset
from netviz.models.architecture import layer_graph, pieces
from netviz.models.outputs import OutputInfo
from netviz.spec import schema
from netviz.views import trust
from netviz.views.cam import CamProbe, explain
from netviz.views.methods import baselines
from netviz.views.model import BIG_NETWORK_LAYERS, cam_batch, pick_images
from netviz.views.records import View

MAX_STEPS = 8
BIG_NETWORK_IMAGES = 16  # a network of more than BIG_NETWORK_LAYERS layers: the first this many of the sanity images
SSIM_WINDOW = 7  # pixels of the square window (smaller maps: the whole map); scikit-image's default


class CascadeViews(View):
    """The similarity of each method's maps to the trained ones after each randomization step."""

    steps: list[list[str]]  # the layers randomized at each step, from the output down (cumulative)
    layer: str  # the heatmap layer
    above: list[bool]  # per step: it randomizes layers after the heatmap layer (which turn its maps into the class)
    images: int
    spearman: dict[str, dict[str, list[float]]]  # method -> head -> mean |Spearman ρ| of |map| after each step
    ssim: dict[str, dict[str, list[float]]]  # method -> head -> mean SSIM after each step
    baselines: list[str]  # the method names that know nothing about the network


def ssim(a: np.ndarray, b: np.ndarray, window: int = SSIM_WINDOW, data_range: float = 1.0) -> np.ndarray:
    """(N,) mean structural similarity (Wang et al., 2004) of map a[n] and map b[n].

    A square uniform window (the whole map when it is smaller than ``window``), every position
    where it fits, population statistics, C1 = (0.01 L)^2 and C2 = (0.03 L)^2 for the data range
    L (maps in [0, 1]: L = 1). Window sums come from integral images: one pass for all maps.
    Two equal maps score 1, constant ones included.
    """
    a = np.asarray(a, dtype=np.float64).reshape(len(a), *np.shape(a)[1:3])
    b = np.asarray(b, dtype=np.float64).reshape(a.shape)
    w = min(window, a.shape[1], a.shape[2])

    def mean(x: np.ndarray) -> np.ndarray:
        c = np.pad(x, ((0, 0), (1, 0), (1, 0))).cumsum(axis=1).cumsum(axis=2)
        return (c[:, w:, w:] - c[:, :-w, w:] - c[:, w:, :-w] + c[:, :-w, :-w]) / (w * w)

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_a, mu_b = mean(a), mean(b)
    var_a, var_b, cov = mean(a * a) - mu_a**2, mean(b * b) - mu_b**2, mean(a * b) - mu_a * mu_b
    s = (2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return s.mean(axis=(1, 2))


def cascade_steps(model: Any, max_steps: int = MAX_STEPS) -> list[list[str]]:
    """The layers with weights in groups, from the output down: by distance from the outputs, or by blocks.

    A layer's level is the most layers with weights on a path from it to an output (itself
    counted): the output layers are level 1, the heads' layers below them level 2, and a layer
    that feeds several heads sits below all of them. More than ``max_steps`` levels: the
    network's blocks, from the last, in ``max_steps`` runs of about equal length.
    """
    g = layer_graph(model)
    weighted = {layer.name for layer in model.layers if layer.weights}
    order = [n.name for n in g.nodes]
    feeds: dict[str, list[str]] = {name: [] for name in order}
    for a, b in g.edges:
        feeds[a].append(b)
    level: dict[str, int] = {}
    for name in reversed(order):  # the graph's nodes are in the model's (topological) order
        below = max((level[n] for n in feeds[name]), default=0)
        level[name] = below + (name in weighted)
    levels = sorted({level[n] for n in weighted})
    if len(levels) <= max_steps:
        return [[n for n in order if n in weighted and level[n] == v] for v in levels]
    blocks = [[g.nodes[i].name for i in piece if g.nodes[i].name in weighted] for piece in reversed(pieces(g))]
    blocks = [b for b in blocks if b]
    runs = np.array_split(np.arange(len(blocks)), min(max_steps, len(blocks)))
    return [[n for i in run for n in blocks[i]] for run in runs]


def downstream(model: Any, layer: str) -> set[str]:
    """The layers that read ``layer``'s output, directly or through others."""
    g = layer_graph(model)
    found, frontier = set(), [layer]
    while frontier:
        current = frontier.pop()
        for a, b in g.edges:
            if a == current and b not in found:
                found.add(b)
                frontier.append(b)
    return found


def _randomized_source(model: Any, initial: Any | None, seed: int) -> Any:
    """The network whose weights the randomized layers take: the untrained one when its layers match, else a
    seeded clone (fresh weights from each layer's own initializers)."""
    import keras

    if initial is not None and [[w.shape for w in layer.weights] for layer in model.layers] == \
            [[w.shape for w in layer.weights] for layer in initial.layers]:
        return initial
    keras.utils.set_random_seed(seed)
    return keras.models.clone_model(model)


def cascade(model: Any, initial: Any | None, outputs: list[OutputInfo], data: Dataset, settings: schema.Visualize,
            choice: schema.LayerChoice, seed: int, max_steps: int = MAX_STEPS) -> CascadeViews:
    """Every method's maps (the spec's and the baselines) after each cumulative randomization step, compared with
    the trained network's on the sanity check's images, for the same classes (the trained network's targets)."""
    import keras

    source = _randomized_source(model, initial, seed)
    work = keras.models.clone_model(model)
    work.set_weights(model.get_weights())
    probe = CamProbe(work, choice.cam, outputs)  # one compiled pass; it reads the weights as they are at each call
    shown = pick_images(data.labels_test[outputs[0].target], settings.images, seed)
    batch = cam_batch(probe, data, settings.cam, shown, seed)  # the trained weights still: the trained targets
    used = slice(batch.shown, batch.shown + images_for(model, batch.delins))
    x, targets = batch.x[used], [t[used] for t in batch.targets]
    names = [*settings.cam.methods, *baselines()]
    trained = explain(probe, x, targets, names, seed)
    steps = cascade_steps(model, max_steps)
    spearman: dict[str, dict[str, list[float]]] = {n: {o.name: [] for o in outputs} for n in names}
    similar: dict[str, dict[str, list[float]]] = {n: {o.name: [] for o in outputs} for n in names}
    for step in steps:
        _randomize(work, source, step)
        maps = explain(probe, x, targets, names, seed)
        for name in names:
            for i, info in enumerate(outputs):
                rho, s = compare(trained[name][i], maps[name][i])
                spearman[name][info.name].append(rho)
                similar[name][info.name].append(s)
    after = downstream(model, probe.layer)
    return CascadeViews(steps=steps, layer=probe.layer, above=[any(n in after for n in step) for step in steps],
                        images=len(x), spearman=spearman, ssim=similar, baselines=list(baselines()))


def images_for(model: Any, sanity_images: int) -> int:
    """The sanity check's images, or on a big network the first ``BIG_NETWORK_IMAGES`` of them: Score-CAM's
    masked passes through it, at every step, would cost minutes on a CPU."""
    return sanity_images if len(model.layers) <= BIG_NETWORK_LAYERS else min(sanity_images, BIG_NETWORK_IMAGES)


def _randomize(work: Any, source: Any, layers: Sequence[str]) -> None:
    """The named layers of ``work`` take the weights of ``source``'s layers at the same positions."""
    position = {layer.name: i for i, layer in enumerate(work.layers)}
    for name in layers:
        work.layers[position[name]].set_weights(source.layers[position[name]].get_weights())


def compare(trained: np.ndarray, randomized: np.ndarray) -> tuple[float, float]:
    """(mean |Spearman ρ| of |map|, mean SSIM) over the images: how much of the trained maps is left."""
    rho = float(np.mean(np.abs(trust.spearman(np.abs(trained), np.abs(randomized)))))
    return rho, float(np.mean(ssim(trained, randomized)))
