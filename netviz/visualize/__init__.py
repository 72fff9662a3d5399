"""What a trained CNN has learned, in three views and a few trust scores: the maths only.

* :mod:`~netviz.visualize.activations` - intermediate activations of chosen layers;
* :mod:`~netviz.visualize.filters` - activation maximization and raw kernels;
* :mod:`~netviz.visualize.cam` - the network side of class-activation maps (one gradient
  pass for every head), and :mod:`~netviz.visualize.methods` - the registry of heatmap
  methods, one module each, baselines included;
* :mod:`~netviz.visualize.trust` - pointing game, energy in mask, deletion/insertion, sanity;
* :mod:`~netviz.visualize.resample` - receptive-field-aligned upsampling, shared by both.

The stage that picks images, calls these and draws the figures is :mod:`netviz.visualization`.
Importing this package does not import TensorFlow; every function that needs it imports
it when called.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CamProbe",
    "FilterAscent",
    "ascend_filters",
    "ascend_one_filter_loop",
    "explain",
    "layer_activations",
    "upsample",
]

_HOMES = {
    "CamProbe": "cam",
    "explain": "cam",
    "upsample": "resample",
    "FilterAscent": "filters",
    "ascend_filters": "filters",
    "ascend_one_filter_loop": "filters",
    "layer_activations": "activations",
}


def __getattr__(name: str) -> Any:
    """Import the public names lazily, so ``import netviz.visualize`` stays instant."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"netviz.visualize.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'netviz.visualize' has no attribute {name!r}")
