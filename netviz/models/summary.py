"""Keras-style summaries as plain data, so the report can typeset them as real tables."""

from __future__ import annotations

from typing import Any


def _count(weights: list[Any]) -> int:
    total = 0
    for weight in weights:
        size = 1
        for dim in weight.shape:
            size *= int(dim)
        total += size
    return total


def param_counts(model: Any) -> dict[str, int]:
    """Total, trainable and non-trainable parameter counts, as ``model.summary()`` prints them."""
    trainable = _count(model.trainable_weights)
    frozen = _count(model.non_trainable_weights)
    return {"total": trainable + frozen, "trainable": trainable, "non_trainable": frozen}


def summary_rows(model: Any, heads: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per layer: name, type, output shape, params, the layers it is connected to, its head.

    ``heads`` maps a layer name to the head it belongs to (multi-head models).
    """
    rows = []
    for layer in model.layers:
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": _shape_text(layer),
                "params": _count(layer.weights),
                "connected_to": _inbound(layer),
                "head": (heads or {}).get(layer.name),
            }
        )
    return rows


def _shape_text(layer: Any) -> str:
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _inbound(layer: Any) -> list[str]:
    names: list[str] = []
    for node in getattr(layer, "_inbound_nodes", []):
        for tensor in getattr(node, "input_tensors", []):
            history = getattr(tensor, "_keras_history", None)
            if history is not None and history[0].name not in names:
                names.append(history[0].name)
    return names


def describe_layer(spec_layer: Any) -> str:
    """The layer in words, for the report's architecture section (each layer type says it)."""
    return spec_layer.describe()
