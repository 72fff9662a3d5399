"""netviz from Python: explain a model's images, report on networks trained in a notebook, build a spec.

The command line is a shell over these same functions (``netviz build`` is :func:`build`), so a
notebook and a terminal get the same engine and the same files. TensorFlow is imported on first
use, never by ``import netviz``.
"""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from netviz.pipeline import BuildResult, Options
from netviz.results import Scores

Targets = int | Sequence[int] | Mapping[str, int | Sequence[int]] | None


def build(spec: str | Path, out: str | Path | None = None, *, force: bool = False, pdf: bool = True,
          quiet: bool = False, verbose: bool = False) -> BuildResult:
    """Build a spec as ``netviz build`` does: train, explain, draw and write the report.

    Returns the typed results (``.results``, the contents of ``metrics.json``) and where
    ``report.html`` and ``report.pdf`` were written. Errors in the spec raise
    ``netviz.errors.NetvizError`` with the one located line the CLI prints.
    """
    from netviz import pipeline

    options = Options(out=None if out is None else Path(out), force=force, pdf=pdf, quiet=quiet, verbose=verbose)
    return pipeline.build(Path(spec), options)


def render(spec: str | Path, out: str | Path | None = None, *, pdf: bool = True, quiet: bool = False) -> BuildResult:
    """Write the report again from a build's results and figures, training nothing (``netviz render``)."""
    from netviz import pipeline

    return pipeline.render(Path(spec), Options(out=None if out is None else Path(out), pdf=pdf, quiet=quiet))


@dataclass(frozen=True)
class Explanation:
    """Heatmaps of one batch of images: per method and head, at the images' size, in [0, 1].

    ``targets`` are the classes explained (the predictions unless given); ``scores`` the
    pointing game and the energy in the mask per method and head when masks were given.
    In Jupyter it shows itself as the overlay figure.
    """

    images: np.ndarray  # (N, H, W, C) float in [0, 1]
    maps: dict[str, dict[str, np.ndarray]]  # method -> head -> (N, H, W)
    probabilities: dict[str, np.ndarray]  # head -> (N, classes)
    targets: dict[str, np.ndarray]  # head -> (N,) the class each map explains
    class_names: dict[str, list[str]]  # head -> a name per class
    layer: str
    titles: dict[str, str]  # method -> its title ("Grad-CAM++")
    scores: dict[str, dict[str, Scores]] = field(default_factory=dict)

    def figure(self, path: str | Path, method: str | None = None) -> Path:
        """A PNG of the images over the maps of ``method`` (default: the first one), one row per head."""
        from netviz.figures import plots

        name = method or next(iter(self.maps))
        labels = {h: [self._class(h, t) for t in self.targets[h]] for h in self.maps[name]}
        return plots.plot_cam(self.images, self.maps[name], path, map_labels=labels,
                              title=f"{self.titles[name]} on {self.layer}")

    def _class(self, head: str, index: int) -> str:
        names = self.class_names[head]
        return names[int(index)] if 0 <= int(index) < len(names) else str(int(index))

    def _repr_html_(self) -> str:
        with tempfile.TemporaryDirectory() as folder:
            parts = [base64.b64encode(self.figure(Path(folder) / f"{m}.png", m).read_bytes()).decode() for m in self.maps]
        return "".join(f'<img alt="{self.titles[m]}" src="data:image/png;base64,{p}">' for m, p in zip(self.maps, parts))


def explain(model: Any, images: np.ndarray, targets: Targets = None, methods: Sequence[str] | None = None,
            layer: str | None = None, *, masks: np.ndarray | None = None, class_names: Sequence[str] | None = None,
            output: str | None = None, seed: int = 0) -> Explanation:
    """Class-activation maps of any Keras image classifier for a batch of images, every head in one pass.

    ``images``: (N, H, W[, C]) uint8 in 0..255 or float in [0, 1], as the model reads them.
    ``targets``: the class to explain per image: None (each head's prediction), one index for
    all, one per image, or a dict by head name. ``methods``: registered heatmap methods (default:
    the spec's defaults). ``layer``: the layer to explain (default: the last one with spatial
    maps). ``masks``: (N, H, W) object masks, to score the maps against. ``output``: ``logits``,
    ``softmax`` or ``sigmoid`` where the model's last layer does not say it (a head without a final
    activation is read as logits: its maps explain the logit, its probabilities are its softmax).
    """
    from netviz.models.load import probability_model, source_outputs
    from netviz.models.runtime import start_tensorflow
    from netviz.registry import HEATMAP_METHODS
    from netviz.spec.schema import Cam
    from netviz.views import trust
    from netviz.views.cam import CamProbe
    from netviz.views.cam import explain as compute
    from netviz.views.model import as_float

    start_tensorflow()
    x = as_float(images)
    model = probability_model(model, output, ("output",))
    outputs = source_outputs(model, "class", None if class_names is None else list(class_names), None)
    probe = CamProbe(model, layer, outputs)
    chosen = list(methods) if methods is not None else list(Cam().methods)
    wanted = _targets(targets, [o.name for o in outputs], len(x))
    explained = probe.targets(x, wanted)
    computed = compute(probe, x, explained, chosen, seed)
    maps = {m: {o.name: probe.at_input_size(HEATMAP_METHODS[m], computed[m][i]) for i, o in enumerate(outputs)}
            for m in chosen}
    scores = {}
    if masks is not None:
        masks = np.asarray(masks, dtype=bool)
        scores = {m: {h: Scores(pointing_game=trust.nanmean(trust.pointing_hits(v, masks)),
                                energy_in_mask=trust.nanmean(trust.energy_shares(v, masks)),
                                chance_energy=trust.nanmean(trust.chance_shares(masks)), images=len(x))
                      for h, v in per_head.items()} for m, per_head in maps.items()}
    probabilities = probe.predictor.all_heads(x)
    return Explanation(
        images=x, maps=maps, layer=probe.layer, scores=scores,
        probabilities={o.name: p for o, p in zip(outputs, probabilities)},
        targets={o.name: t for o, t in zip(outputs, explained)},
        class_names={o.name: list(o.class_names) for o in outputs},
        titles={m: HEATMAP_METHODS[m].title for m in chosen},
    )


def _targets(targets: Targets, heads: list[str], n: int) -> list[np.ndarray] | None:
    """Per head, one class index per image; None: explain the predictions."""
    if targets is None:
        return None
    per_head = targets if isinstance(targets, Mapping) else {h: targets for h in heads}
    missing = [h for h in heads if h not in per_head]
    if missing:
        raise ValueError(f"targets name no class for head {missing[0]!r}; the heads are {', '.join(heads)}")
    return [np.broadcast_to(np.asarray(per_head[h], dtype=np.int64), (n,)).copy() for h in heads]


def report(models: Mapping[str, Any], data: tuple[Any, ...] | Mapping[str, Any], front: Mapping[str, Any], out: str | Path, *, visualize: Mapping[str, Any] | None = None,
           test_fraction: float = 0.2, seed: int = 0, pdf: bool = True, quiet: bool = True) -> BuildResult:
    """The report ``netviz build`` writes, for networks trained in Python.

    ``models`` maps a name to a Keras model; ``data`` is ``(x, y)``, ``(x, y, class_names)`` or
    ``(x, y, class_names, masks)`` (images as ``explain`` takes them, integer labels, (N, H, W)
    object masks to score the heatmaps against), or a data-kind section as a spec would
    give it (``{"kind": "mnist", "limit": 2000}``). The networks, the data and a spec naming
    them are written under ``out/inputs/``, so ``netviz build out/inputs/spec.yaml`` rebuilds the
    same report from a terminal; the networks are shown with the weights they have.
    """
    import yaml

    out = Path(out)
    inputs = out / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    dataset = dict(data) if isinstance(data, Mapping) else _write_arrays(inputs / "data.npz", data, test_fraction)
    for name, model in models.items():
        model.save(inputs / f"{name}.keras")
    spec = {"front": dict(front), "seed": seed, "datasets": {"data": dataset},
            "models": [{"name": name, "dataset": "data", "file": f"{name}.keras", "train": False} for name in models]}
    if visualize is not None:
        spec["visualize"] = dict(visualize)
    path = inputs / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return build(path, out, pdf=pdf, quiet=quiet)


def _write_arrays(path: Path, data: Sequence[Any], test_fraction: float) -> dict[str, Any]:
    """``(x, y[, class_names[, masks]])`` as the ``arrays`` kind reads it."""
    x, y, *rest = data
    arrays = {"x": np.asarray(x), "y": np.asarray(y)}
    if rest and rest[0] is not None:
        arrays["class_names"] = np.asarray(list(rest[0]))
    if len(rest) > 1 and rest[1] is not None:
        arrays["masks"] = np.asarray(rest[1], dtype=bool)
    np.savez(path, **arrays)
    return {"kind": "arrays", "path": path.name, "test_fraction": test_fraction}
