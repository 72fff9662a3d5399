"""Per-model view of the build results: what the architecture and results sections show.

Everything here is shaped data, no markup: templates decide the look, this module
decides which numbers belong together. The results are validated before they get
here (:mod:`netviz.results`), so every value read below exists; the only thing a
build may lack is its visualization (built with visualization off).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import fmean

from netviz.document.confusion import Confusion, build_confusion
from netviz.document.embed import Figure, load_figure
from netviz.document.explore import explorable
from netviz.document.splits import SplitAccuracy, split_rows
from netviz.results import (
    CascadeRecord,
    DatasetSummary,
    Fact,
    HeadErrors,
    MethodRecord,
    ModelResults,
    Scores,
    SummaryRow,
    Visualization,
    figure_anchor,
    gallery_id,
)
from netviz.spec.schema import Train

KIND_ORDER = ("architecture", "curves", "activations", "filters", "kernels", "exemplars", "cam", "trust", "errors",
              "gallery", "over_training", "cascade")


@dataclass(frozen=True)
class Output:
    name: str
    target: str
    activation: str
    class_names: list[str]
    accuracy: float | None  # None: not evaluated (images without labels)
    macro_f1: float | None
    reference: float | None
    confusion: Confusion | None

    @property
    def difference(self) -> float | None:
        """Test accuracy minus the reference (original report) accuracy."""
        if self.reference is None:
            return None
        return self.accuracy - self.reference


@dataclass(frozen=True)
class Explanation:
    method: str
    label: str
    output: str
    scores: Scores  # None where a score does not apply (no object masks on MNIST)
    baseline: bool = False


@dataclass(frozen=True)
class LayerStatsRow:
    layer: str
    channels: int
    mean_activation: float
    dead_share: float


@dataclass(frozen=True)
class FilterStatsRow:
    layer: str
    count: int
    steps: int
    dead: int
    mean_final: float  # mean final activation: the list itself is too long to print


@dataclass(frozen=True)
class ModelView:
    name: str
    title: str
    dataset: str
    sequential: bool
    description: str | None
    layers_text: list[str]
    summary: list[SummaryRow]
    params: dict[str, int]
    dataset_info: DatasetSummary
    provenance: list[tuple[str, str]]
    data: dict[str, int]
    train: Train | None
    outputs: list[Output]
    figures: dict[str, list[Figure]]
    layer_stats: list[LayerStatsRow]
    filter_stats: list[FilterStatsRow]
    explanations: list[Explanation]
    history: dict[str, list[float]]
    cascade: CascadeRecord | None = None  # cascading randomization, when the build made one
    test_splits: list[SplitAccuracy] = field(default_factory=list)  # the main and further test splits, when there are further ones
    errors: dict[str, HeadErrors] = field(default_factory=dict)  # head -> its error analysis on the test split

    @property
    def has_connections(self) -> bool:
        """Show Keras' "Connected to" column only where the graph is not a chain."""
        return not self.sequential

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.outputs]


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _summary(rows: list[SummaryRow], heads: list[str]) -> list[SummaryRow]:
    """Summary rows; for multi-head models the trunk first, then each head's layers together.

    Keras lists a functional model's layers by depth, which interleaves the heads;
    grouped, each head reads as one block (the sort is stable within a group).
    """
    order = {None: -1, **{h: i for i, h in enumerate(heads)}}
    return sorted(rows, key=lambda row: order.get(row.head, len(heads)))


def _figures(out_dir: Path, vis: Visualization | None, model: str) -> dict[str, list[Figure]]:
    """Figures grouped by kind in the report's order; unknown kinds under "other".

    A layer's activations, filters and kernels carry the anchor the architecture graph links to."""
    groups: dict[str, list[Figure]] = {kind: [] for kind in (*KIND_ORDER, "other")}
    for entry in vis.figures if vis else []:
        figure = load_figure(out_dir, entry)
        if entry.layer and entry.kind in ("activations", "filters", "kernels"):
            figure = replace(figure, anchor=figure_anchor(model, entry.kind, entry.layer))
        groups[figure.kind if figure.kind in groups else "other"].append(figure)
    return groups


def _outputs(m: ModelResults, model: str) -> list[Output]:
    result = []
    for name, info in m.outputs.items():
        ev = m.evaluation.get(name)
        result.append(Output(
            name=name, target=info.target, activation=info.activation, class_names=info.class_names,
            accuracy=ev.accuracy if ev else None, macro_f1=ev.macro_f1 if ev else None,
            reference=ev.reference_accuracy if ev else None,
            confusion=build_confusion(ev.confusion, info.class_names, _galleries(m, model, name)) if ev else None))
    return result


def _galleries(m: ModelResults, model: str, head: str) -> dict[tuple[str, str], str]:
    """(true, predicted) class names -> the id of that confused pair's gallery, where one was drawn."""
    found = m.visualization.errors.get(head) if m.visualization else None
    return {(p.true, p.predicted): gallery_id(model, head, p.true, p.predicted)
            for p in (found.pairs if found else []) if p.shown}


def _explanations(vis: Visualization | None, methods: dict[str, MethodRecord]) -> list[Explanation]:
    return [Explanation(method, methods[method].title, output, scores, baseline=methods[method].baseline)
            for method, per_output in (vis.explanations if vis else {}).items()
            for output, scores in per_output.items()]


def _layer_stats(vis: Visualization | None) -> list[LayerStatsRow]:
    return [LayerStatsRow(layer, s.channels, s.mean_activation, s.dead_share)
            for layer, s in (vis.layers if vis else {}).items()]


def _filter_stats(vis: Visualization | None) -> list[FilterStatsRow]:
    return [FilterStatsRow(layer, s.count, s.steps, s.dead, fmean(s.final_activation))
            for layer, s in (vis.filters if vis else {}).items()]


def model_view(name: str, m: ModelResults, dataset: DatasetSummary, methods: dict[str, MethodRecord],
               out_dir: Path) -> ModelView:
    """Assemble one model's :class:`ModelView` from its results."""
    vis = m.visualization
    return ModelView(
        name=name, title=m.title, dataset=m.dataset, sequential=m.sequential, description=m.description,
        layers_text=m.layers_text, summary=_summary(m.summary, list(m.outputs)), params=m.params.model_dump(),
        dataset_info=dataset, provenance=[(_label(k), _provenance_value(v)) for k, v in dataset.provenance.items()],
        data=m.data.model_dump(), train=m.train, outputs=_outputs(m, name),
        figures=explorable(_figures(out_dir, vis, name), vis, methods, name, dataset.input_shape),
        layer_stats=_layer_stats(vis), filter_stats=_filter_stats(vis), explanations=_explanations(vis, methods),
        history=m.history, cascade=vis.cascade if vis else None, test_splits=split_rows(m),
        errors=vis.errors if vis else {},
    )


def _provenance_value(value: Fact) -> str:
    """A data-set fact as a reader writes it: lists comma-separated, nothing as a dash."""
    if value is None:
        return "\u2014"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
