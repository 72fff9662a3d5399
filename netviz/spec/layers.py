"""Deterministic layer names, worked out from the spec alone (no TensorFlow).

Keras numbers auto-named layers with a session-wide counter, so the same spec could
name its layers differently from one run to the next. netviz names every layer
itself, Keras-style (``conv2d``, ``conv2d_1``, ``dense``...) counted per model, so a
spec can refer to layers by name and validation can check those names early.
"""

from __future__ import annotations

import re

from netviz.spec import schema


def snake(type_name: str) -> str:
    """``BatchNormalization`` -> ``batch_normalization``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type_name).lower().replace("2_d", "2d")


def named_layers(model: schema.Model) -> list[tuple[str, str | None, object]]:
    """``(name, head or None, layer spec)`` in build order: trunk (or layers), then each head."""
    counts: dict[str, int] = {}
    used = {layer.name for layer in _all_layers(model) if layer.name}

    def auto(layer: object) -> str:
        if layer.name:  # type: ignore[attr-defined]
            return layer.name  # type: ignore[attr-defined]
        base = snake(layer.type)  # type: ignore[attr-defined]
        while True:
            n = counts.get(base, 0)
            counts[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
            if name not in used:
                used.add(name)
                return name

    out: list[tuple[str, str | None, object]] = []
    for layer in model.layers or model.trunk or []:
        out.append((auto(layer), None, layer))
    for head in model.heads or []:
        for k, layer in enumerate(head.layers):
            last = k == len(head.layers) - 1
            name = layer.name or (head.name if last and head.name not in used else None)
            if name and not layer.name:
                used.add(name)
            out.append((name or auto(layer), head.name, layer))
    return out


def layer_names(model: schema.Model) -> list[tuple[str, str]]:
    """``(name, layer type)`` for every layer of the model, in build order."""
    return [(name, layer.type) for name, _, layer in named_layers(model)]  # type: ignore[attr-defined]


def _all_layers(model: schema.Model) -> list:
    layers = list(model.layers or model.trunk or [])
    for head in model.heads or []:
        layers.extend(head.layers)
    return layers


Shape = tuple[int, ...]


def _pair(value: object) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)  # type: ignore[return-value]


def _spatial(size: int, window: int, stride: int, padding: str) -> int:
    return -(-size // stride) if padding == "same" else (size - window) // stride + 1


def layer_output(layer: object, shape: Shape) -> tuple[Shape, int]:
    """Output shape and parameter count of one spec layer, without TensorFlow.

    Raises ValueError with a user-facing reason when the layer cannot follow ``shape``;
    this is how absurd or impossible architectures are refused before any allocation.
    """
    kind = layer.type  # type: ignore[attr-defined]
    if kind == "Conv2D":
        if len(shape) != 3:
            raise ValueError(f"Conv2D needs an image-shaped input, got shape {shape}")
        (kh, kw), (sh, sw) = _pair(layer.kernel_size), _pair(layer.strides)  # type: ignore[attr-defined]
        h, w = (_spatial(shape[0], kh, sh, layer.padding), _spatial(shape[1], kw, sw, layer.padding))  # type: ignore[attr-defined]
        if h < 1 or w < 1:
            raise ValueError(f"kernel {kh}x{kw} does not fit the {shape[0]}x{shape[1]} input")
        return (h, w, layer.filters), kh * kw * shape[2] * layer.filters + layer.filters  # type: ignore[attr-defined]
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        if len(shape) != 3:
            raise ValueError(f"{kind} needs an image-shaped input, got shape {shape}")
        (ph, pw) = _pair(layer.pool_size)  # type: ignore[attr-defined]
        sh, sw = _pair(layer.strides if layer.strides is not None else layer.pool_size)  # type: ignore[attr-defined]
        h, w = _spatial(shape[0], ph, sh, layer.padding), _spatial(shape[1], pw, sw, layer.padding)  # type: ignore[attr-defined]
        if h < 1 or w < 1:
            raise ValueError(f"pool {ph}x{pw} does not fit the {shape[0]}x{shape[1]} input")
        return (h, w, shape[2]), 0
    if kind == "Dense":
        return shape[:-1] + (layer.units,), (shape[-1] + 1) * layer.units  # type: ignore[attr-defined]
    if kind == "BatchNormalization":
        return shape, 4 * shape[-1]
    if kind == "Flatten":
        size = 1
        for dim in shape:
            size *= dim
        return (size,), 0
    if kind == "GlobalAveragePooling2D":
        if len(shape) != 3:
            raise ValueError(f"GlobalAveragePooling2D needs an image-shaped input, got shape {shape}")
        return (shape[2],), 0
    return shape, 0  # Dropout


def infer_shapes(model: schema.Model, input_shape: Shape) -> int:
    """Total parameter count of the model; raises :class:`ShapeError` at the first impossible layer."""
    total = 0

    def walk(layers: list, where: tuple, shape: Shape) -> Shape:
        nonlocal total
        for i, layer in enumerate(layers):
            try:
                shape, params = layer_output(layer, shape)
            except ValueError as err:
                raise ShapeError(where + (i,), str(err)) from None
            total += params
            if total > schema.MAX_PARAMS:
                raise ShapeError(where + (i,), f"the model would have over {schema.MAX_PARAMS:,} parameters")
        if len(shape) != 1:
            raise ShapeError(where + (len(layers) - 1,), f"an output must be flat (add Flatten), got shape {shape}")
        return shape

    if model.is_sequential:
        walk(model.layers or [], ("layers",), tuple(input_shape))
        return total
    trunk = model.trunk or []
    shape: Shape = tuple(input_shape)
    for i, layer in enumerate(trunk):
        try:
            shape, params = layer_output(layer, shape)
        except ValueError as err:
            raise ShapeError(("trunk", i), str(err)) from None
        total += params
    for j, head in enumerate(model.heads or []):
        walk(head.layers, ("heads", j, "layers"), shape)
    return total


class ShapeError(ValueError):
    """An impossible layer, with its location inside the model spec."""

    def __init__(self, where: tuple, message: str) -> None:
        super().__init__(message)
        self.where = where
