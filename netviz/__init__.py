"""netviz: a YAML experiment spec in, trained Keras CNNs and an assignment-style report out.

From Python::

    import netviz
    result = netviz.explain(model, images)              # heatmaps, every head in one pass
    netviz.report(models={"cnn": model}, data=(x, y), front={...}, out="build/mine")
    built = netviz.build("specs/quick.yaml")            # what `netviz build` does

Importing the package stays instant: these names load on first use, and TensorFlow only
inside the functions that train or visualize.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netviz.version import __version__ as __version__  # re-exported

__all__ = ["Explanation", "build", "explain", "render", "report"]

if TYPE_CHECKING:
    from netviz.api import Explanation, build, explain, render, report


def __getattr__(name: str) -> Any:
    if name in __all__:
        from netviz import api

        return getattr(api, name)
    raise AttributeError(f"module 'netviz' has no attribute {name!r}")
