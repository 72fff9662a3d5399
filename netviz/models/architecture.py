"""A Keras model as a plain graph (layers and the edges between them), and its repeated blocks collapsed.

The report draws every network as a graph; drawing reads this graph, never Keras, so the
figures stage and the tests agree on one structure. ``layer_graph`` takes it from the model's
own bookkeeping (``model.layers`` and each layer's inbound nodes), which is exactly what a test
can compare against. ``collapse`` keeps big networks on one page: it cuts the graph at the layers
no edge jumps over (the merge points of residual blocks, every layer of a plain chain), and
replaces a run of consecutive pieces with the same layer types, wiring and shapes by one node
that carries the count. It knows no layer names, so MobileNetV2's inverted-residual blocks
collapse because they repeat, not because they are called ``block_N``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netviz.models.summary import _count, _shape_text

# A network with more layers than this collapses its repeated blocks (and its layer table moves to
# the appendix); a small one is drawn layer by layer.
COLLAPSE_ABOVE = 40
# Still too many nodes after collapsing repeats: plain chains of layers become one node each.
MAX_NODES = 30


@dataclass(frozen=True)
class Node:
    """One layer, or a run of layers drawn as one (``members`` > 1)."""

    name: str  # the layer's name; a collapsed node: its last layer's, whose output leaves the block
    type: str
    shape: str
    params: int
    members: tuple[str, ...] = ()  # the layers a collapsed node stands for, in order
    repeats: int = 1  # how many identical blocks a collapsed node stands for
    block_types: tuple[str, ...] = ()  # the layer types of one block


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[tuple[str, str]]  # (from, to) by node name, in the model's order
    outputs: list[str] = field(default_factory=list)  # the nodes whose output is a model output

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def group_of(self, layer: str) -> Node | None:
        """The node that shows ``layer``: its own, or the collapsed one it is part of."""
        return next((n for n in self.nodes if n.name == layer or layer in n.members), None)


def layer_graph(model: Any) -> Graph:
    """Every layer of ``model`` a node, every inbound connection an edge (as Keras records them).

    Only the model's own call nodes count: a layer called again in another model (the explain stage
    builds sub-models on the same layers) has more inbound nodes than this graph has edges. A
    Sequential model leaves its input layer out of ``model.layers``; it is drawn first all the same,
    since the first layer's inbound node names it."""
    own = _own_nodes(model)
    layers = list(model.layers)
    known = {layer.name for layer in layers}
    inputs, edges = [], []
    for layer in layers:
        for source in _sources(layer, own):
            if source.name not in known:
                known.add(source.name)
                inputs.append(source)
            edges.append((source.name, layer.name))
    nodes = [Node(layer.name, type(layer).__name__, _shape_text(layer), _count(layer.weights), (layer.name,))
             for layer in inputs + layers]
    outputs = [t._keras_history[0].name for t in _flat(model.outputs)]
    return Graph(nodes, edges, outputs)


def _own_nodes(model: Any) -> set[int] | None:
    """Ids of the call nodes of ``model``'s own graph (None: Keras keeps no such record; take them all)."""
    functional = getattr(model, "_functional", None) or model
    by_depth = getattr(functional, "_nodes_by_depth", None)
    if not by_depth:
        return None
    return {id(node) for nodes in by_depth.values() for node in nodes}


def _sources(layer: Any, own: set[int] | None) -> list[Any]:
    """The layers feeding ``layer`` in the model's graph, each once, in Keras' order."""
    found: list[Any] = []
    for node in getattr(layer, "_inbound_nodes", []):
        if own is not None and id(node) not in own:
            continue
        for tensor in getattr(node, "input_tensors", []):
            history = getattr(tensor, "_keras_history", None)
            if history is not None and all(history[0] is not f for f in found):
                found.append(history[0])
    return found


def _flat(tensors: Any) -> list[Any]:
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def _cuts(graph: Graph) -> list[int]:
    """Positions (in layer order) of the layers that no edge jumps over: where a block can end."""
    pos = {n.name: i for i, n in enumerate(graph.nodes)}
    over = [0] * (len(graph.nodes) + 1)
    for a, b in graph.edges:
        if pos[b] - pos[a] > 1:  # the edge passes over every layer strictly between a and b
            over[pos[a] + 1] += 1
            over[pos[b]] -= 1
    cuts, running = [], 0
    for i in range(len(graph.nodes)):
        running += over[i]
        if running == 0:
            cuts.append(i)
    return cuts


def pieces(graph: Graph) -> list[list[int]]:
    """The layers between consecutive cuts (each piece ends at a cut), in order."""
    pieces, start = [], 0
    for cut in _cuts(graph):
        pieces.append(list(range(start, cut + 1)))
        start = cut + 1
    if start < len(graph.nodes):
        pieces.append(list(range(start, len(graph.nodes))))
    return pieces


def _signature(graph: Graph, piece: list[int]) -> tuple:
    """What makes two pieces the same block: types, shapes, and the wiring inside, by position."""
    names = [graph.nodes[i].name for i in piece]
    local = {name: k for k, name in enumerate(names)}
    wiring = tuple(sorted((local.get(a, -1), local[b]) for a, b in graph.edges if b in local))
    return tuple((graph.nodes[i].type, graph.nodes[i].shape) for i in piece), wiring


def _runs(graph: Graph, pieces: list[list[int]], min_layers: int) -> list[tuple[int, int, int]]:
    """Tandem repeats of pieces, as (first piece, pieces per block, repeats), greedily the biggest first."""
    sigs = [_signature(graph, p) for p in pieces]
    taken = [False] * len(pieces)
    found = []
    candidates = []
    for period in range(1, 9):
        for start in range(len(pieces) - period):
            k = 1
            while start + (k + 1) * period <= len(pieces) and all(
                    sigs[start + k * period + j] == sigs[start + j] for j in range(period)):
                k += 1
            layers = sum(len(pieces[start + j]) for j in range(period))
            if k >= 2 and layers >= min_layers:
                candidates.append((k * layers, start, period, k))
    for _, start, period, k in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        span = range(start, start + k * period)
        if not any(taken[i] for i in span):
            for i in span:
                taken[i] = True
            found.append((start, period, k))
    return sorted(found)


def _merge(graph: Graph, groups: list[tuple[list[int], int]]) -> Graph:
    """``graph`` with each group of layer positions drawn as one node standing for ``repeats`` blocks."""
    rep: dict[str, str] = {}
    replacing: dict[int, Node] = {}
    inside: set[int] = set()
    for members, repeats in groups:
        nodes = [graph.nodes[i] for i in members]
        last = nodes[-1]
        per_block = len(nodes) // repeats
        merged = Node(last.name, last.type, last.shape, sum(n.params for n in nodes),
                      tuple(m for n in nodes for m in (n.members or (n.name,))), repeats,
                      tuple(n.type for n in nodes[:per_block]))
        replacing[members[-1]] = merged
        inside.update(members)
        for n in nodes:
            rep[n.name] = last.name
    nodes = [replacing.get(i, n) for i, n in enumerate(graph.nodes) if i not in inside or i in replacing]
    edges: list[tuple[str, str]] = []
    for a, b in graph.edges:
        edge = (rep.get(a, a), rep.get(b, b))
        if edge[0] != edge[1] and edge not in edges:
            edges.append(edge)
    return Graph(nodes, edges, [rep.get(o, o) for o in graph.outputs])


def collapse(graph: Graph, above: int = COLLAPSE_ABOVE, max_nodes: int = MAX_NODES) -> Graph:
    """Big graphs only: repeated blocks as one node with a count, then, if still too many nodes, chains.

    A block repeats when consecutive pieces (see ``pieces``) have the same layer types, output
    shapes and wiring; a repeat of fewer than 3 layers is left alone (Conv2D, MaxPooling2D twice
    reads better drawn).
    """
    if len(graph.nodes) <= above:
        return graph
    cut = pieces(graph)
    groups = [([i for j in range(start, start + period * k) for i in cut[j]], k)
              for start, period, k in _runs(graph, cut, 3)]
    graph = _merge(graph, groups)
    if len(graph.nodes) > max_nodes:
        graph = _merge(graph, _chains(graph))
    return graph


def _chains(graph: Graph) -> list[tuple[list[int], int]]:
    """Maximal runs (3 or more) of plain single layers one after the other, each to become one node."""
    ins: dict[str, list[str]] = {n.name: [] for n in graph.nodes}
    outs: dict[str, list[str]] = {n.name: [] for n in graph.nodes}
    for a, b in graph.edges:
        ins[b].append(a)
        outs[a].append(b)
    chains, run = [], []

    def close() -> None:
        if len(run) >= 3:
            chains.append((list(run), 1))
        run.clear()

    for i, n in enumerate(graph.nodes):
        single = n.repeats == 1 and len(n.members) <= 1 and len(ins[n.name]) <= 1 and n.name not in graph.outputs
        follows = bool(run) and ins[n.name] == [graph.nodes[run[-1]].name] and outs[graph.nodes[run[-1]].name] == [n.name]
        if not single or (run and not follows):
            close()
        if single:
            run.append(i)
        if len(outs[n.name]) > 1:
            close()
    close()
    return chains
