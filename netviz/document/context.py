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

from netviz.document.appendix import (
    BODY_OBSERVATIONS,
    appendix_parts,
    appendix_refs,
    body_view,
    table_in_appendix,
)
from netviz.document.cascade import cascade_notes
from netviz.document.inferences import observations, verdicts
from netviz.document.model_view import ModelView, model_view
from netviz.results import Results
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


def w3c_date() -> str | None:
    """A fixed document date for the PDF metadata, or None to leave it out.

    Only SOURCE_DATE_EPOCH (the reproducible-builds convention), never the clock,
    so rebuilding the same inputs gives the same bytes.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def safe_link(url: str | None) -> str | None:
    """Only http(s) links become clickable; anything else (javascript:) is shown as text."""
    return url if url and url.split(":", 1)[0].lower() in ("http", "https") else None


def metadata(spec: Spec, models: list[ModelView], results: Results) -> dict[str, Any]:
    """What WeasyPrint copies into the PDF info dictionary (title, authors, ...)."""
    front = spec.front
    methods = [m.title for m in results.methods.values() if not m.baseline]
    keywords = [front.course.code, front.assignment, front.task, "convolutional neural networks",
                "network visualization", *methods, *sorted({m.dataset_info.kind for m in models})]
    return {
        "title": " \u2014 ".join(x for x in (front.title, f"{front.course.code} {front.assignment} {front.task}".strip()) if x),
        "authors": [member.name for member in front.team.members],
        "description": front.objective or front.title,
        "keywords": [k for k in dict.fromkeys(keywords) if k],
        "generator": f"netviz {results.netviz_version}",
        "date": w3c_date(),
    }


def build_context(spec: Spec, spec_path: Path, results: Results, out_dir: Path) -> dict[str, Any]:
    """Everything the templates may use; any other name fails (StrictUndefined).

    What was built comes from the results alone, in the order it was built; the spec gives
    only the front matter and the report settings, so a spec edited since the build cannot
    make the report describe what the build did not do.
    """
    models = [model_view(n, m, results.datasets[m.dataset], results.methods, out_dir) for n, m in results.models.items()]
    heads = outline(models)
    appendix = appendix_parts(models)
    return {
        "front": spec.front,
        "spec_file": spec_path.as_posix(),  # as the reader would type it to build again
        "version": results.netviz_version,
        "seed": results.seed,
        "code_url": spec.report.code_url,
        "code_link": safe_link(spec.report.code_url),
        "datasets": results.datasets,
        "models": models,
        "outline": heads,
        "toc": toc(heads),
        "sec": {h.id: h for h in heads},
        "methods": list(results.methods.values()),
        "visualize": results.visualize,
        "observations": observations(models, results.visualize.cam.sanity_threshold),
        "verdicts": verdicts(models, results.visualize.cam.sanity_threshold),
        "cascades": cascade_notes(models, results.visualize.cam.sanity_threshold),
        "meta": metadata(spec, models, results),
        "number": Numbering(),
        "appendix": appendix, "appendix_of": appendix_refs(appendix), "table_in_appendix": table_in_appendix,
        "body_view": body_view,
        "print_appendix": spec.report.appendix, "body_observations": BODY_OBSERVATIONS,
    }
