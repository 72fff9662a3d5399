"""What the HTML report's explorer (``templates/explore.js``) needs to know about the figures.

The script enhances the static page and reads only data attributes: heatmap figures of one
model, output and layer carry the same ``switch`` key and their method's title as ``tab``, so
that it can turn them into tabs; a filter grid carries where each filter image lies in its
picture (``tiles``), so that it can show them one at a time. WeasyPrint runs no script and no
style refers to the attributes, so the PDF is the same with them or without.
"""

from __future__ import annotations

import json
from dataclasses import replace

from netviz.document.embed import Figure
from netviz.figures.plots import FILTER_GAP, filter_grid_layout
from netviz.results import FilterStats, MethodRecord, Visualization


def method_tabs(figures: list[Figure], methods: dict[str, MethodRecord], model: str) -> list[Figure]:
    """Heatmap figures with a ``switch`` key (model, output, layer) and their method's title as ``tab``."""
    return [replace(f, switch=f"{model}/{f.head or ''}/{f.layer or ''}", tab=methods[f.method].title)
            if f.method in methods else f for f in figures]


def filter_tiles(figure: Figure, stats: FilterStats | None, tile: tuple[int, int]) -> str | None:
    """The filter viewer's facts about one filter grid of ``tile`` (height, width) images as JSON, or None
    when the picture is not such a grid (a spec's own drawing, another input size)."""
    if stats is None or not figure.width or not figure.height or not stats.count:
        return None
    layout = filter_grid_layout(figure.width, figure.height, stats.count, tile)
    if layout is None:
        return None
    scale, cols = layout
    tile_h, tile_w, origin = tile[0] * scale, tile[1] * scale, scale * FILTER_GAP
    return json.dumps({
        "layer": figure.layer, "n": stats.count, "cols": cols, "w": figure.width, "h": figure.height,
        "x0": origin, "y0": origin, "dx": tile_w + origin, "dy": tile_h + origin, "tw": tile_w, "th": tile_h,
        "act": [round(v, 4) for v in stats.final_activation],
    }, separators=(",", ":"))


def explorable(groups: dict[str, list[Figure]], vis: Visualization | None, methods: dict[str, MethodRecord],
               model: str, input_shape: tuple[int, ...]) -> dict[str, list[Figure]]:
    """One model's figures by kind, the heatmaps and filter grids marked for the explorer.

    Filter images have the model's input size, ``input_shape`` (height, width, channels)."""
    filters, tile = vis.filters if vis else {}, (input_shape[0], input_shape[1])
    marked = dict(groups)
    marked["cam"] = method_tabs(groups.get("cam", []), methods, model)
    marked["filters"] = [replace(f, tiles=filter_tiles(f, filters.get(f.layer or ""), tile))
                         for f in groups.get("filters", [])]
    return marked
