"""The network drawn as a graph by Graphviz ``dot``, with what each layer learned on its node.

Netron, ``plot_model`` and visualkeras draw boxes; a reader of this report wants to see, on the
box, what the layer learned. So each convolution or merge node that was visualized carries small
pictures (its strongest filters' gradient-ascent images and one image's activation), is tinted
red by its share of dead filters, and links to that layer's figures; the heatmap layer is framed.

Why dot (through pydot, as ``keras.utils.plot_model``): it lays out branches and merges as the
graph they are. Its SVG is post-processed into something the report can inline: thumbnails become
data URIs (the HTML is one file, WeasyPrint fetches nothing), element ids get the model's name in
front (two graphs in one page must not share ids), and no comment carries the Graphviz version, so
two builds write the same bytes. Text is TeX Gyre Heros, one of the report's bundled fonts.
"""

from __future__ import annotations

import base64
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from netviz import io
from netviz.errors import NetvizError
from netviz.models.architecture import Graph, Node, pieces

FONT = "TeX Gyre Heros"
FONT_PT = 9.0
TEXT_WIDTH_PT = 480.0  # the PDF's text block
MIN_TEXT_PT = 6.0  # no text smaller than this once the figure is scaled to the text width
THUMB_PX = 26  # a thumbnail's side in the drawing (points)
THUMBS = 3  # strongest filters shown on a node
DEAD_TINT = (0xF2, 0x9A, 0x9A)  # the fill of a node whose filters are all dead
CONV_FILL, MERGE_FILL, PLAIN_FILL = "#E8F0FA", "#EAF5E4", "#FFFFFF"
MERGE_TYPES = frozenset({"Add", "Concatenate", "Multiply", "Average", "Maximum", "Minimum", "Subtract", "Dot"})


@dataclass
class Decoration:
    """What the views and the evaluation say about the graph's layers (all keyed by layer name)."""

    thumbnails: dict[str, list[np.ndarray]] = field(default_factory=dict)  # (H, W, C) in any range
    dead_share: dict[str, float] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # layer -> "#anchor" of its figures
    heads: dict[str, str] = field(default_factory=dict)  # output layer -> "target: 97.1 %"
    cam_layers: set[str] = field(default_factory=set)


def draw_architecture(graph: Graph, decoration: Decoration, path: Path, prefix: str) -> Path:
    """Lay ``graph`` out with dot and write it as a self-contained SVG to ``path``."""
    with tempfile.TemporaryDirectory() as tmp:
        thumbs = _write_thumbnails(graph, decoration, Path(tmp))
        svg = _layout(graph, decoration, thumbs, rows=None)
        width = _width_pt(svg)
        most = TEXT_WIDTH_PT * FONT_PT / MIN_TEXT_PT  # wider than this: text below 6 pt at the text width
        if width > most:
            per_row = max(1, math.floor(len(graph.nodes) * most / width))
            while True:
                balanced = math.ceil(len(graph.nodes) / math.ceil(len(graph.nodes) / per_row))  # no lone last node
                svg = _layout(graph, decoration, thumbs, rows=balanced)
                if _width_pt(svg) <= most or per_row == 1:
                    break
                per_row -= 1
        svg = _self_contained(svg, thumbs, prefix)
    return io.write_text(path, svg)


def _thumbnail_png(image: np.ndarray) -> bytes:
    """One picture as a small PNG, stretched to its own range, enlarged without smoothing."""
    from io import BytesIO

    from PIL import Image

    a = np.asarray(image, dtype=np.float64)
    a = a[..., 0] if a.ndim == 3 and a.shape[-1] not in (3,) else a
    lo, hi = float(a.min()), float(a.max())
    a = np.zeros_like(a) if hi <= lo else (a - lo) / (hi - lo)
    picture = Image.fromarray((a * 255).round().astype(np.uint8), mode="RGB" if a.ndim == 3 else "L")
    side = max(1, math.ceil(52 / max(picture.size)))
    picture = picture.resize((picture.size[0] * side, picture.size[1] * side), Image.NEAREST)
    buffer = BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _write_thumbnails(graph: Graph, decoration: Decoration, folder: Path) -> dict[str, list[Path]]:
    written: dict[str, list[Path]] = {}
    for k, node in enumerate(graph.nodes):
        images = decoration.thumbnails.get(node.name, [])
        paths = []
        for j, image in enumerate(images):
            path = folder / f"t{k}_{j}.png"
            path.write_bytes(_thumbnail_png(image))
            paths.append(path)
        if paths:
            written[node.name] = paths
    return written


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _shape(text: str) -> str:
    """``(None, 26, 26, 32)`` as ``26×26×32``: the batch axis says nothing."""
    dims = [d.strip() for d in text.strip("()").split(",") if d.strip()]
    dims = dims[1:] if dims and dims[0] == "None" else dims
    return "×".join(dims) or text


def _types(node: Node) -> str:
    short = {"BatchNormalization": "BN", "DepthwiseConv2D": "DWConv", "ZeroPadding2D": "Pad", "Activation": "Act"}
    names = [short.get(t, t) for t in node.block_types]
    return ", ".join(names) if len(names) <= 3 else ", ".join(names[:3]) + ", …"


def _fill(node: Node, decoration: Decoration) -> str:
    dead = decoration.dead_share.get(node.name, 0.0)
    if dead > 0:
        mix = 0.25 + 0.75 * dead
        r, g, b = (round(255 + (c - 255) * mix) for c in DEAD_TINT)
        return f"#{r:02X}{g:02X}{b:02X}"
    if node.type in MERGE_TYPES:
        return MERGE_FILL
    return CONV_FILL if "Conv" in node.type else PLAIN_FILL


def _label(node: Node, decoration: Decoration, thumbs: list[Path]) -> str:
    """An HTML-like dot label: type, shape, parameters, thumbnails, and the head or heatmap line."""
    if node.repeats > 1:
        title = f"{node.repeats} × block of {len(node.block_types)} layers"
        lines = [_types(node), f"→ {_shape(node.shape)}"]
    elif len(node.members) > 1:
        title = f"{len(node.members)} layers"
        lines = [_types(node), f"→ {_shape(node.shape)}"]
    else:
        title = node.type
        lines = [_shape(node.shape)]
    lines.append(f"{node.params:,} params" if node.params else "no params")
    rows = [f'<TR><TD><B>{_escape(title)}</B></TD></TR>']
    rows += [f"<TR><TD>{_escape(line)}</TD></TR>" for line in lines]
    if thumbs:
        cells = "".join(f'<TD FIXEDSIZE="TRUE" WIDTH="{THUMB_PX}" HEIGHT="{THUMB_PX}"><IMG SRC="{p}" SCALE="TRUE"/></TD>'
                        for p in thumbs)
        rows.append(f'<TR><TD><TABLE BORDER="0" CELLSPACING="1" CELLPADDING="0"><TR>{cells}</TR></TABLE></TD></TR>')
    dead = decoration.dead_share.get(node.name, 0.0)
    if dead > 0:
        rows.append(f"<TR><TD>{dead:.0%} filters dead</TD></TR>")
    if node.name in decoration.cam_layers or set(node.members) & decoration.cam_layers:
        rows.append('<TR><TD><B>heatmap layer</B></TD></TR>')
    if node.name in decoration.heads:  # one line each: what the head predicts, its test accuracy
        rows += [f"<TR><TD><B>{_escape(line)}</B></TD></TR>" for line in decoration.heads[node.name].split("\n")]
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def _layout(graph: Graph, decoration: Decoration, thumbs: dict[str, list[Path]], rows: int | None) -> str:
    """dot's SVG of the graph: left to right, or (``rows``: nodes per row) in rows read left to right."""
    import pydot

    dot = pydot.Dot(graph_type="digraph", rankdir="TB" if rows else "LR", nodesep="0.15", ranksep="0.25",
                    margin="0", newrank="true", splines="spline")
    dot.set_node_defaults(shape="box", style="rounded,filled", fontname=FONT, fontsize=str(FONT_PT),
                          margin="0.08,0.04", penwidth="0.8", color="#555555")
    dot.set_edge_defaults(arrowsize="0.5", penwidth="0.7", color="#555555")
    names = {node.name: f"n{k}" for k, node in enumerate(graph.nodes)}
    for node in graph.nodes:
        attrs = {"label": _label(node, decoration, thumbs.get(node.name, [])), "fillcolor": _fill(node, decoration),
                 "tooltip": node.name}
        if node.name in decoration.cam_layers or set(node.members) & decoration.cam_layers:
            attrs.update(penwidth="2.4", color="#D9822B")
        link = decoration.links.get(node.name)
        if link:
            attrs["URL"] = link
        dot.add_node(pydot.Node(names[node.name], **attrs))
    rows_of = _rows(graph, rows) if rows else []
    row_of = {name: r for r, row in enumerate(rows_of) for name in row}
    for a, b in graph.edges:
        # between rows: an edge that pulls nothing (else each row starts below the last one's end)
        across = {"weight": "0"} if rows and row_of.get(a, -1) != row_of.get(b, -2) else {}
        dot.add_edge(pydot.Edge(names[a], names[b], **across))
    for r, row in enumerate(rows_of):
        same = pydot.Subgraph(rank="same")
        for name in row:
            same.add_node(pydot.Node(names[name]))
        dot.add_subgraph(same)
        following = rows_of[r + 1] if r + 1 < len(rows_of) else None
        if following and graph.nodes.index(graph.node(following[0])) == graph.nodes.index(graph.node(row[-1])) + 1:
            # the next row goes on where this one ends: it starts at the left margin, under this row's start
            dot.add_edge(pydot.Edge(names[row[0]], names[following[0]], style="invis", weight="100"))
    try:
        return dot.create(prog="dot", format="svg").decode("utf-8")
    except FileNotFoundError:
        raise NetvizError("the architecture graph needs Graphviz's dot: install the Debian package graphviz "
                          "(bash .ci/sysdeps does, as root)") from None


def _rows(graph: Graph, per_row: int) -> list[list[str]]:
    """Rows of at most ``per_row`` nodes, made of whole pieces of the graph (a residual block stays in
    one row); a piece too big for a row (four heads side by side) is left to dot, top to bottom."""
    rows: list[list[str]] = []
    current: list[str] = []
    for piece in pieces(graph):
        names = [graph.nodes[i].name for i in piece]
        if len(names) > per_row:
            if current:
                rows.append(current)
            current = []
            continue
        if len(current) + len(names) > per_row:
            rows.append(current)
            current = []
        current = current + names
    if current:
        rows.append(current)
    return [row for row in rows if row]


def _width_pt(svg: str) -> float:
    match = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', svg)
    return float(match.group(1)) if match else 0.0


def _self_contained(svg: str, thumbs: dict[str, list[Path]], prefix: str) -> str:
    """The SVG element alone: thumbnails inlined, ids prefixed, no prolog, doctype or comments."""
    for paths in thumbs.values():
        for path in paths:
            uri = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
            svg = svg.replace(f'"{path}"', f'"{uri}"')
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = svg.replace("<image ", '<image style="image-rendering: pixelated" ')
    return svg
