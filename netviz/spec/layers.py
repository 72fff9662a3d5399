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
