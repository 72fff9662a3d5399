"""The experiment spec: schema, loading with located errors, layer naming."""

from netviz.spec.loader import load_spec
from netviz.spec.schema import Spec

__all__ = ["Spec", "load_spec"]
