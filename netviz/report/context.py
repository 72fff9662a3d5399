"""The template context: spec front matter, per-model views, outline and metadata.

Section numbers are computed here once so that the contents, the headings, the
PDF bookmarks and the running header cannot disagree. Figure and table numbers
are handed out by :class:`Numbering` in document order while the page renders,
so a spec's own partials that add or drop figures stay correctly numbered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from netviz.report.appendix import BODY_OBSERVATIONS, appendix_parts, appendix_refs, body_view
from netviz.report.inferences import observations
from netviz.report.models import METHOD_LABELS, ModelView, model_view
from netviz.spec.schema import Spec


@dataclass(frozen=True)
class Heading:
    id: str
    number: str
    title: str
    level: int  # 1: a section (h2), 2: a subsection (h3)


class Numbering:
    """Hands out figure and table numbers in the order the template asks for them."""

    def __init__(self) -> None:
        self._next = {"figure": 0, "table": 0}

    def figure(self) -> int:
        self._next["figure"] += 1
        return self._next["figure"]

    def table(self) -> int:
        self._next["table"] += 1
        return self._next["table"]


VISUALIZATION_PARTS = (("vis-activations", "Intermediate activations"),
                       ("vis-filters", "Convnet filters"),
                       ("vis-heatmaps", "Class-activation heatmaps"))


def outline(models: list[ModelView]) -> list[Heading]:
    """Numbered sections and subsections in the original report's order."""
    heads = [Heading("objective", "1", "Objective", 1), Heading("model", "2", "Model", 1),
             Heading("visualizations", "3", "Visualizations", 1)]
    heads += [Heading(hid, f"3.{i}", title, 2) for i, (hid, title) in enumerate(VISUALIZATION_PARTS, 1)]
    heads.append(Heading("architecture", "4", "Network Architecture Used", 1))
    heads += [Heading(f"arch-{m.name}", f"4.{i}", m.title, 2) for i, m in enumerate(models, 1)]
    heads.append(Heading("results", "5", "Results", 1))
    heads += [Heading(f"res-{m.name}", f"5.{i}", m.title, 2) for i, m in enumerate(models, 1)]
    heads.append(Heading("inferences", "6", "Inferences", 1))
    return heads


def toc(heads: list[Heading]) -> list[tuple[Heading, list[Heading]]]:
    """Sections with their subsections, for the two-level contents list."""
    tree: list[tuple[Heading, list[Heading]]] = []
    for h in heads:
        if h.level == 1 or not tree:
            tree.append((h, []))
        else:
            tree[-1][1].append(h)
    return tree


def w3c_date(metrics: dict) -> str | None:
    """A fixed document date for the PDF metadata, or None to leave it out.

    SOURCE_DATE_EPOCH (the reproducible-builds convention) wins, then a
    ``created`` timestamp recorded in metrics.json; never the clock, so rebuilding
    the same inputs gives the same bytes.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = metrics.get("created")
    return str(created) if isinstance(created, str) and created else None


def safe_link(url: str | None) -> str | None:
    """Only http(s) links become clickable; anything else (javascript:) is shown as text."""
    return url if url and url.split(":", 1)[0].lower() in ("http", "https") else None


def metadata(spec: Spec, models: list[ModelView], metrics: dict) -> dict[str, Any]:
    """What WeasyPrint copies into the PDF info dictionary (title, authors, ...)."""
    front = spec.front
    methods = [METHOD_LABELS.get(m, m) for m in spec.visualize.cam.methods]
    keywords = [front.course.code, front.assignment, front.task, "convolutional neural networks",
                "network visualization", *methods, *sorted({m.dataset_info.get("kind", m.dataset) for m in models})]
    return {
        "title": " \u2014 ".join(x for x in (front.title, f"{front.course.code} {front.assignment} {front.task}".strip()) if x),
        "authors": [member.name for member in front.team.members],
        "description": front.objective or front.title,
        "keywords": [k for k in dict.fromkeys(keywords) if k],
        "generator": f"netviz {metrics.get('netviz_version', '')}".strip(),
        "date": w3c_date(metrics),
    }


def build_context(spec: Spec, spec_path: Path, metrics: dict, out_dir: Path) -> dict[str, Any]:
    """Everything the templates may use; any other name fails (StrictUndefined)."""
    spec_models = {m.name: m for m in spec.models}
    built = metrics.get("models") or {}
    order = [n for n in spec_models if n in built] + [n for n in built if n not in spec_models]
    models = [model_view(n, built[n], spec_models.get(n), metrics.get("datasets") or {}, out_dir) for n in order]
    heads = outline(models)
    appendix = appendix_parts(models)
    return {
        "spec": spec,
        "front": spec.front,
        "spec_file": str(metrics.get("spec") or spec_path.name),
        "version": str(metrics.get("netviz_version", "")),
        "seed": metrics.get("seed", spec.seed),
        "code_url": spec.report.code_url,
        "code_link": safe_link(spec.report.code_url),
        "timings": metrics.get("timings") or {},
        "datasets": metrics.get("datasets") or {},
        "models": models,
        "outline": heads,
        "toc": toc(heads),
        "sec": {h.id: h for h in heads},
        "methods": [(m, METHOD_LABELS.get(m, m)) for m in spec.visualize.cam.methods],
        "visualize": spec.visualize,
        "observations": observations(models, spec.visualize.cam.sanity_threshold),
        "meta": metadata(spec, models, metrics),
        "number": Numbering(),
        "appendix": appendix, "appendix_of": appendix_refs(appendix), "body_view": body_view,
        "print_appendix": spec.report.appendix, "body_observations": BODY_OBSERVATIONS,
    }
