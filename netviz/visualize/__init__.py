"""What a trained CNN has learned, in three views and a few trust scores.

* :mod:`~netviz.visualize.activations` - intermediate activations of chosen layers;
* :mod:`~netviz.visualize.filters` - activation maximization and raw kernels;
* :mod:`~netviz.visualize.cam` - the class-activation-map interface, with one module per
  method (:mod:`~netviz.visualize.gradcam`, :mod:`~netviz.visualize.gradcam_plus_plus`,
  :mod:`~netviz.visualize.scorecam`);
* :mod:`~netviz.visualize.trust` - pointing game, energy in mask, deletion/insertion, sanity;
* :mod:`~netviz.visualize.run` - :func:`visualize_model`, the whole stage for one model.

Figures are drawn by :mod:`netviz.figures`, never here. Importing this package does not
import TensorFlow; every function that needs it imports it when called.
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
    "visualize_model",
]

_HOMES = {
    "CamProbe": "cam",
    "explain": "cam",
    "upsample": "cam",
    "FilterAscent": "filters",
    "ascend_filters": "filters",
    "ascend_one_filter_loop": "filters",
    "layer_activations": "activations",
    "visualize_model": "run",
}


def __getattr__(name: str) -> Any:
    """Import the public names lazily, so ``import netviz.visualize`` stays instant."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"netviz.visualize.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'netviz.visualize' has no attribute {name!r}")
