"""A declared network as a graph, worked out from the spec alone (no TensorFlow).

Keras numbers auto-named layers with a session-wide counter, so the same spec could
name its layers differently from one run to the next. netviz names every layer
itself, Keras-style (``conv2d``, ``conv2d_1``, ``dense``...) counted per model, so a
spec can refer to layers by name and validation can check those names early.
Each layer reads the layers named in its ``inputs`` (default: the layer before it;
a head's first layer: the trunk's last); shapes and parameter counts follow the
graph, so a missing or cyclic reference or an impossible merge is refused before
anything is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netviz.spec import schema

INPUT = None  # the model's input, as a node's source

Shape = tuple[int, ...]
Loc = tuple


def snake(type_name: str) -> str:
    """``BatchNormalization`` -> ``batch_normalization``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type_name).lower().replace("2_d", "2d")


@dataclass(frozen=True)
class Node:
    """One layer of the graph: its name, head (None in the trunk), spec, location and input names."""

    name: str
    head: str | None
    layer: object
    where: Loc  # inside the model spec: ("layers", 3) or ("heads", 1, "layers", 0)
    inputs: tuple[str | None, ...]  # None: the model's input


def named_layers(model: schema.Model) -> list[tuple[str, str | None, object]]:
    """``(name, head or None, layer spec)`` in declaration order: trunk (or layers), then each head."""
    return [(n.name, n.head, n.layer) for n in graph_nodes(model)]


def graph_nodes(model: schema.Model) -> list[Node]:
    """Every layer with its name and the names it reads, in declaration order."""
    counts: dict[str, int] = {}
    used = {layer.name for layer in _all_layers(model) if layer.name}

    def auto(layer: object) -> str:
        base = snake(layer.type)  # type: ignore[attr-defined]
        while True:
            n = counts.get(base, 0)
            counts[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
            if name not in used:
                used.add(name)
                return name

    nodes: list[Node] = []
    previous: str | None = INPUT
    trunk_key = "layers" if model.is_sequential else "trunk"
    for i, layer in enumerate(model.layers or model.trunk or []):
        name = layer.name or auto(layer)
        nodes.append(Node(name, None, layer, (trunk_key, i), tuple(layer.inputs or (previous,))))
        previous = name
    trunk_end = previous
    for j, head in enumerate(model.heads or []):
        previous = trunk_end
        for k, layer in enumerate(head.layers):
            last = k == len(head.layers) - 1
            name = layer.name or (head.name if last and head.name not in used else None)
            if name and not layer.name:
                used.add(name)
            name = name or auto(layer)
            nodes.append(Node(name, head.name, layer, ("heads", j, "layers", k), tuple(layer.inputs or (previous,))))
            previous = name
    return nodes


def layer_names(model: schema.Model) -> list[tuple[str, str]]:
    """``(name, layer type)`` for every layer of the model, in declaration order."""
    return [(n.name, n.layer.type) for n in graph_nodes(model)]  # type: ignore[attr-defined]


def is_chain(model: schema.Model) -> bool:
    """True when the model is a plain sequence (no ``inputs:`` anywhere): then it is built as ``Sequential``."""
    return model.is_sequential and not any(layer.inputs for layer in model.layers or [])


def output_nodes(model: schema.Model, nodes: list[Node]) -> list[Node]:
    """The layer of each output: the last of ``layers``, or the last of each head."""
    if model.is_sequential:
        return [nodes[-1]]
    return [[n for n in nodes if n.head == head.name][-1] for head in model.heads or []]


def build_order(nodes: list[Node]) -> list[Node]:
    """The nodes in an order where every layer comes after the layers it reads.

    Declaration order wherever it already works (so plain specs build exactly as
    written); raises :class:`ShapeError` for an unknown name or a cycle.
    """
    by_name = {n.name: n for n in nodes}
    for node in nodes:
        for k, source in enumerate(node.inputs):
            if source is not INPUT and source not in by_name:
                import difflib

                match = difflib.get_close_matches(source, list(by_name), n=1, cutoff=0.6)
                hint = f" (did you mean {match[0]!r}?)" if match else ""
                raise ShapeError(node.where + ("inputs", k), f"no layer named {source!r}{hint}")
    order: list[Node] = []
    state: dict[str, str] = {}  # "open" while its inputs are resolved, "done" once placed

    def visit(node: Node, path: list[str]) -> None:
        if state.get(node.name) == "done":
            return
        if state.get(node.name) == "open":
            cycle = path[path.index(node.name):] + [node.name]
            raise ShapeError(by_name[cycle[-2]].where + ("inputs",), "the inputs form a cycle: " + " -> ".join(reversed(cycle)))
        state[node.name] = "open"
        for source in node.inputs:
            if source is not INPUT:
                visit(by_name[source], path + [node.name])
        state[node.name] = "done"
        order.append(node)

    for node in nodes:
        visit(node, [])
    return order


def infer_shapes(model: schema.Model, input_shape: Shape) -> int:
    """Total parameter count of the model; raises :class:`ShapeError` at the first impossible layer."""
    return layer_shapes(model, input_shape)[1]


def layer_shapes(model: schema.Model, input_shape: Shape) -> tuple[dict[str, Shape], int]:
    """Each layer's output shape (without the batch axis) and the total parameter count."""
    nodes = graph_nodes(model)
    shapes: dict[str | None, Shape] = {INPUT: tuple(input_shape)}
    total = 0
    for node in build_order(nodes):
        layer = node.layer
        if len(node.inputs) > 1 and not layer.MERGE:  # type: ignore[attr-defined]
            raise ShapeError(node.where + ("inputs",), f"a {layer.type} reads one layer; merge several with Add, Concatenate, Multiply or Average")  # type: ignore[attr-defined]
        try:
            shapes[node.name], params = layer.output([shapes[s] for s in node.inputs])  # type: ignore[attr-defined]
        except ValueError as err:
            raise ShapeError(node.where, str(err)) from None
        total += params
        if total > schema.MAX_PARAMS:
            raise ShapeError(node.where, f"the model would have over {schema.MAX_PARAMS:,} parameters")
    outputs = output_nodes(model, nodes)
    for node in outputs:
        if len(shapes[node.name]) != 1:
            raise ShapeError(node.where, f"an output must be flat (add Flatten), got shape {shapes[node.name]}")
    _check_all_used(nodes, outputs)
    return {n.name: shapes[n.name] for n in nodes}, total


def _check_all_used(nodes: list[Node], outputs: list[Node]) -> None:
    """Every layer must lead to an output: Keras would silently drop one that does not."""
    by_name = {n.name: n for n in nodes}
    reached: set[str] = set()
    stack = [n.name for n in outputs]
    while stack:
        name = stack.pop()
        if name not in reached:
            reached.add(name)
            stack.extend(s for s in by_name[name].inputs if s is not INPUT)
    for node in nodes:
        if node.name not in reached:
            raise ShapeError(node.where, f"layer {node.name!r} leads to no output (name it in a later layer's 'inputs')")


def _all_layers(model: schema.Model) -> list:
    layers = list(model.layers or model.trunk or [])
    for head in model.heads or []:
        layers.extend(head.layers)
    return layers


class ShapeError(ValueError):
    """An impossible layer, with its location inside the model spec."""

    def __init__(self, where: tuple, message: str) -> None:
        super().__init__(message)
        self.where = where
