"""A submission, then an appendix: which of a model's figures the body shows, and where the rest go.

A grader reads the body: per model its curves and accuracy, one activation figure,
the filter patterns and kernels of one layer, one heatmap figure per method with the
score table. Everything else a build makes (further layers, every head's heatmaps,
confusion matrices of many classes, deletion/insertion curves) is kept, in an
appendix after the inferences: one lettered part per model (A, B, ...), numbered
groups inside (A.1, A.2, ...), each linked from the body ("all layers: Appendix A.1").

The templates get the body's view of a model through ``body_view`` (the same object
with fewer figures), so the partials that show a model need not know about the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import ascii_uppercase
from typing import Any

from netviz.results import gallery_id

# Confusion matrices of more classes than this are read in the appendix (a 2-class head's stays).
MAX_BODY_CLASSES = 4

# A network with more layers than this lists them in the appendix; the body shows its graph.
MAX_BODY_LAYERS = 40

# Observations the inferences show in the body; the whole list is the appendix's last part.
BODY_OBSERVATIONS = 4

# Appendix groups of one model, in order: (key, title).
GROUPS = (("layers", "Every layer, in the layout of Keras' model.summary()"),
          ("activations", "Intermediate activations and statistics of every visualized layer"),
          ("filters", "Filters and kernels of every visualized layer, gradient-ascent statistics"),
          ("cam", "Class-activation heatmaps of every output"),
          ("trust", "Deletion and insertion curves"),
          ("errors", "Error analysis on the test split: mistakes, unsure and typical answers, confused pairs"),
          ("cascade", "Cascading randomization, layer by layer from the output"),
          ("confusion", "Confusion matrices"),
          ("other", "Other figures"))


class _Override:
    """``obj`` with some attributes replaced; everything else read through (templates only read)."""

    def __init__(self, obj: Any, **changes: Any) -> None:
        self._obj, self._changes = obj, changes

    def __getattr__(self, name: str) -> Any:
        changes = self.__dict__.get("_changes", {})
        return changes[name] if name in changes else getattr(self.__dict__["_obj"], name)


def _classes(output: Any) -> int:
    confusion = getattr(output, "confusion", None)
    return len(confusion.classes) if confusion is not None else 0


def _first_per(figures: list, key: str) -> list:
    """The first figure for each distinct value of ``key`` (a layer, a method), in order."""
    seen, kept = set(), []
    for figure in figures:
        value = getattr(figure, key)
        if value not in seen:
            seen.add(value)
            kept.append(figure)
    return kept


def _mistakes(figures: list) -> list:
    """The first gallery of confident mistakes (the head with the most errors): the body's; a model without a
    mistake shows none there (its sentence says so)."""
    return [f for f in figures if (getattr(f, "anchor", None) or "").endswith("-mistakes")][:1]


def body_figures(figures: dict[str, list]) -> dict[str, list]:
    """The body's share: one layer's activations, filters and kernels, one heatmap figure per method."""
    first = lambda kind: figures.get(kind, [])[:1]  # noqa: E731
    body = {kind: [] for kind in figures}
    body.update(architecture=list(figures.get("architecture", [])), curves=list(figures.get("curves", [])),
                activations=first("activations"), filters=first("filters"), kernels=first("kernels"),
                cam=_first_per(figures.get("cam", []), "method"), errors=_mistakes(figures.get("errors", [])),
                over_training=list(figures.get("over_training", [])))  # asked for by name: all in the body
    return body


def body_view(model: Any) -> _Override:
    """The model as the body shows it: fewer figures, confusion matrices of few classes only,
    and the per-layer statistics left to the appendix, beside the figures of every layer."""
    outputs = [output if _classes(output) <= MAX_BODY_CLASSES else _Override(output, confusion=None)
               for output in model.outputs]
    return _Override(model, figures=body_figures(model.figures), outputs=outputs, layer_stats=[], filter_stats=[])


@dataclass(frozen=True)
class AppendixGroup:
    id: str
    number: str
    title: str
    figures: list
    confusions: list  # outputs whose confusion matrix is shown here
    stats: str | None = None  # "layers", "filters" or "summary": the model's table of that kind comes first
    galleries: tuple = ()  # HTML-only galleries of confused pairs (a confusion-matrix cell links to each)
    pair_links: tuple = ()  # (gallery id, "head: true → predicted (count)"): an index of them, HTML only


@dataclass(frozen=True)
class AppendixPart:
    id: str
    letter: str
    title: str
    model: Any
    groups: list[AppendixGroup]

    def ref(self, key: str) -> AppendixGroup | None:
        """The group of ``key`` ("activations", "cam", ...), to refer to from the body, or None."""
        return next((g for g in self.groups if g.id.endswith("-" + key)), None)


def _left_over(model: Any) -> dict[str, list]:
    body = body_figures(model.figures)
    rest = {kind: [f for f in figs if f not in body.get(kind, [])] for kind, figs in model.figures.items()}
    return {"activations": rest.get("activations", []),
            "filters": rest.get("filters", []) + rest.get("kernels", []) + rest.get("exemplars", []),
            "cam": rest.get("cam", []), "trust": rest.get("trust", []), "cascade": rest.get("cascade", []),
            "errors": rest.get("errors", []),
            "other": rest.get("other", [])}


def table_in_appendix(model: Any) -> bool:
    """The layer table goes to the appendix where the body draws the network as a graph (its boxes carry each
    layer's type, shape and parameters) or where it is too long for the body."""
    return bool(getattr(model, "figures", {}).get("architecture")) or len(getattr(model, "summary", [])) > MAX_BODY_LAYERS


def appendix_parts(models: list) -> list[AppendixPart]:
    """One lettered part per model that has anything beyond the body, with its numbered groups."""
    parts = []
    for model in models:
        rest = _left_over(model)
        confusions = [o for o in model.outputs if _classes(o) > MAX_BODY_CLASSES]
        letter = ascii_uppercase[len(parts) % 26]
        groups = []
        stats = {"layers": "summary" if table_in_appendix(model) else None,
                 "activations": "layers" if getattr(model, "layer_stats", None) else None,
                 "filters": "filters" if getattr(model, "filter_stats", None) else None}
        for key, title in GROUPS:
            figures = rest.get(key, [])
            shown = confusions if key == "confusion" else []
            galleries = tuple(model.figures.get("gallery", [])) if key == "errors" else ()
            if figures or shown or stats.get(key) or galleries:
                groups.append(AppendixGroup(f"app-{model.name}-{key}", f"{letter}.{len(groups) + 1}", title, figures,
                                            shown, stats.get(key), galleries, _pair_links(model) if galleries else ()))
        if groups:
            parts.append(AppendixPart(f"app-{model.name}", letter, model.title, model, groups))
    return parts


def _pair_links(model: Any) -> tuple:
    """Every confused pair with a gallery, as (id, words): the way to a pair whose confusion matrix is a picture."""
    return tuple((gallery_id(model.name, head, p.true, p.predicted),
                  f"{head}: {p.true} → {p.predicted} ({p.count:,})")
                 for head, e in getattr(model, "errors", {}).items() for p in e.pairs if p.shown)


def appendix_refs(parts: list[AppendixPart]) -> dict[str, AppendixPart]:
    """Parts by model name, for the body's references."""
    return {part.model.name: part for part in parts}
