"""Per-model view of metrics.json: what the architecture and results sections show.

Everything here is shaped data, no markup: templates decide the look, this module
decides which numbers belong together. Missing keys (no visualization, no history)
yield empty lists so a partial build still renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from netviz.report.charts import curves_svg
from netviz.report.confusion import Confusion, build_confusion
from netviz.report.figures import Figure, load_figure
from netviz.spec.schema import Model as SpecModel
from netviz.visualize import methods as heatmap_methods

KIND_ORDER = ("curves", "activations", "filters", "kernels", "cam", "trust")


@dataclass(frozen=True)
class SummaryRow:
    name: str
    type: str
    output_shape: str
    params: int
    connected_to: list[str]
    head: str | None


@dataclass(frozen=True)
class Output:
    name: str
    target: str
    activation: str
    class_names: list[str]
    accuracy: float | None
    macro_f1: float | None
    reference: float | None
    confusion: Confusion | None
    curves: list[Figure]
    chart: Markup | None

    @property
    def difference(self) -> float | None:
        """Test accuracy minus the reference (original report) accuracy."""
        if self.accuracy is None or self.reference is None:
            return None
        return self.accuracy - self.reference


@dataclass(frozen=True)
class Explanation:
    method: str
    label: str
    output: str
    scores: dict[str, Any]
    baseline: bool = False

    def get(self, key: str) -> Any:
        """A score or None: methods report only what applies (no mask on MNIST)."""
        return self.scores.get(key)


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
    dataset_info: dict[str, Any]
    provenance: list[tuple[str, str]]
    data: dict[str, int]
    train: dict[str, Any]
    outputs: list[Output]
    figures: dict[str, list[Figure]]
    layer_stats: list[dict[str, Any]]
    filter_stats: list[dict[str, Any]]
    explanations: list[Explanation]
    history: dict[str, list[float]] = field(default_factory=dict)
    model_curves: list[Figure] = field(default_factory=list)

    @property
    def has_connections(self) -> bool:
        """Show Keras' "Connected to" column only where the graph is not a chain."""
        return not self.sequential

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.outputs]


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _summary(rows: list[dict], heads: list[str]) -> list[SummaryRow]:
    """Summary rows; for multi-head models the trunk first, then each head's layers together.

    Keras lists a functional model's layers by depth, which interleaves the heads;
    grouped, each head reads as one block (the sort is stable within a group).
    """
    out = [SummaryRow(str(r["name"]), str(r["type"]), str(r.get("output_shape", "")), int(r.get("params") or 0),
                      [str(c) for c in r.get("connected_to") or []], r.get("head")) for r in rows]
    order = {None: -1, **{h: i for i, h in enumerate(heads)}}
    return sorted(out, key=lambda row: order.get(row.head, len(heads)))


def _figures(out_dir: Path, entries: list[dict]) -> dict[str, list[Figure]]:
    """Figures grouped by kind in the report's order; unknown kinds under "other"."""
    groups: dict[str, list[Figure]] = {kind: [] for kind in (*KIND_ORDER, "other")}
    for entry in entries:
        figure = load_figure(out_dir, entry)
        groups[figure.kind if figure.kind in groups else "other"].append(figure)
    return groups


def _outputs(spec_model: SpecModel | None, m: dict, curves: list[Figure]) -> list[Output]:
    outputs = m.get("outputs") or {name: {} for name in m.get("evaluation") or {}}
    references = {name: ref for name, _, ref in spec_model.outputs()} if spec_model else {}
    history = m.get("history") or {}
    single = len(outputs) == 1
    result = []
    for name, info in outputs.items():
        ev = (m.get("evaluation") or {}).get(name) or {}
        mine = [f for f in curves if f.head == name]
        classes = [str(c) for c in info.get("class_names") or []]
        result.append(Output(
            name=name, target=str(info.get("target") or name), activation=str(info.get("activation") or ""),
            class_names=classes, accuracy=ev.get("accuracy"), macro_f1=ev.get("macro_f1"),
            reference=ev.get("reference_accuracy", references.get(name)),
            confusion=build_confusion(ev["confusion"], classes) if ev.get("confusion") else None,
            curves=mine, chart=None if curves else curves_svg(history, name, single)))
    return result


def _explanations(vis: dict) -> list[Explanation]:
    rows = []
    for method, per_output in (vis.get("explanations") or {}).items():
        for output, scores in (per_output or {}).items():
            rows.append(Explanation(method, heatmap_methods.title(method), output, dict(scores or {}),
                                    baseline=method in heatmap_methods.baselines()))
    return rows


def _stats(table: dict | None) -> list[dict[str, Any]]:
    return [{"layer": name, **(values or {})} for name, values in (table or {}).items()]


def _filter_stats(table: dict | None) -> list[dict[str, Any]]:
    """Filter rows plus the mean final activation (the list itself is too long to print)."""
    rows = _stats(table)
    for row in rows:
        finals = [float(v) for v in row.get("final_activation") or []]
        row["mean_final"] = sum(finals) / len(finals) if finals else None
    return rows


def model_view(name: str, m: dict, spec_model: SpecModel | None, datasets: dict, out_dir: Path) -> ModelView:
    """Assemble one model's :class:`ModelView` from its metrics entry."""
    vis = m.get("visualization") or {}
    figures = _figures(out_dir, vis.get("figures") or [])
    output_names = set((m.get("outputs") or m.get("evaluation") or {}).keys())
    dataset = str(m.get("dataset") or (spec_model.dataset if spec_model else ""))
    info = dict(datasets.get(dataset) or {})
    return ModelView(
        name=name, title=str(m.get("title") or (spec_model.title if spec_model else None) or name),
        dataset=dataset, sequential=bool(m.get("sequential", spec_model.is_sequential if spec_model else True)),
        description=m.get("description"), layers_text=[str(t) for t in m.get("layers_text") or []],
        summary=_summary(m.get("summary") or [], list(m.get("outputs") or [])), params=dict(m.get("params") or {}),
        dataset_info=info, provenance=[(_label(k), _provenance_value(v)) for k, v in (info.get("provenance") or {}).items()],
        data=dict(m.get("data") or {}), train=dict(m.get("train") or {}),
        outputs=_outputs(spec_model, m, figures["curves"]), figures=figures,
        layer_stats=_stats(vis.get("layers")), filter_stats=_filter_stats(vis.get("filters")),
        explanations=_explanations(vis), history=dict(m.get("history") or {}),
        model_curves=[f for f in figures["curves"] if f.head not in output_names],
    )


def _provenance_value(value: Any) -> str:
    """A data-set fact as a reader writes it: lists comma-separated, nothing as a dash."""
    if value is None:
        return "\u2014"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
