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
    """The layer in words, for the report's architecture section."""
    kind = spec_layer.type
    act = getattr(spec_layer, "activation", "linear")
    act_text = "" if act == "linear" else f", {act if act != 'relu' else 'ReLU'} activation"
    if kind == "Conv2D":
        kh, kw = _pair(spec_layer.kernel_size)
        sh, sw = _pair(spec_layer.strides)
        stride = f"stride {sh}" if sh == sw else f"strides {sh}x{sw}"
        return f"Conv2D: {spec_layer.filters} filters of {kh}x{kw}, {stride}, {spec_layer.padding} padding{act_text}"
    if kind == "Dense":
        return f"Dense: {spec_layer.units} units{act_text}"
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        ph, pw = _pair(spec_layer.pool_size)
        strides = spec_layer.strides if spec_layer.strides is not None else spec_layer.pool_size
        sh, sw = _pair(strides)
        return f"{kind}: {ph}x{pw} window, stride {sh if sh == sw else f'{sh}x{sw}'}"
    if kind == "Dropout":
        return f"Dropout: rate {spec_layer.rate:g}"
    return kind


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))
