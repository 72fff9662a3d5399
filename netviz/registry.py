"""The one way netviz is extended: data kinds, layer types and heatmap methods are registry entries.

Each entry is declared in one file of its stage's package, which registers it when imported::

    DATA_KINDS.register(DataKind(...))          # netviz/data/<kind>.py
    @LAYER_TYPES.register                        # netviz/spec/layers/<file>.py
    class Cropping2D(LayerSpec): ...
    HEATMAP_METHODS.register(Method(...))       # netviz/views/methods/<method>.py

A registry imports every module of its package once, on first read, in the order of the module
names, so adding an entry is adding a file: no list of names is kept anywhere else. Entries carry
the traits their users need (whether a data kind has labels, whether a layer type pools or which
attribute holds its kernel, whether a method is a baseline), so no stage decides by a type's name.

The spec reads all three to build its schema. A registry names its package as a string, as a
plugin system does: the spec, the first stage, never imports the stages after it.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterator, TypeVar

if TYPE_CHECKING:
    from netviz.data.base import DataKind
    from netviz.spec.layers.base import LayerSpec
    from netviz.views.methods.base import Method

E = TypeVar("E")


class Registry(Generic[E]):
    """Entries of one kind by name, discovered from ``package`` on first read."""

    def __init__(self, what: str, package: str, name_of: Callable[[Any], str]) -> None:
        self.what = what
        self.package = package
        self._name_of = name_of
        self._entries: dict[str, tuple[str, int, E]] = {}  # name -> (module, order of registration, entry)
        self._discovered = False

    def register(self, entry: E) -> E:
        """Add ``entry`` (also usable as a class decorator); a second entry of the same name is a bug."""
        name = self._name_of(entry)
        module = sys._getframe(1).f_globals.get("__name__", "")
        known = self._entries.get(name)
        if known is not None and known[2] is not entry:
            raise RuntimeError(f"{self.what} {name!r} registered twice ({known[0]} and {module})")
        self._entries[name] = (module, len(self._entries), entry)
        return entry

    def entries(self) -> dict[str, E]:
        """Every entry by name: module by module in name order, then in the order each module registers."""
        if not self._discovered:
            package = importlib.import_module(self.package)
            for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
                if not module.startswith("_"):
                    importlib.import_module(f"{self.package}.{module}")
            self._discovered = True
        ordered = sorted(self._entries.items(), key=lambda item: (item[1][0], item[1][1]))
        return {name: entry for name, (_, _, entry) in ordered}

    def names(self) -> tuple[str, ...]:
        return tuple(self.entries())

    def __getitem__(self, name: str) -> E:
        """The entry called ``name``, or a ValueError that lists the known ones."""
        entries = self.entries()
        if name not in entries:
            raise ValueError(f"unknown {self.what} {name!r}; choose from {', '.join(entries)}")
        return entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self.entries()

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries())


def _literal(field: str) -> Callable[[Any], str]:
    """The name of a pydantic model (or of an entry's ``config`` model) is its one-value Literal field."""
    import typing

    def name_of(entry: Any) -> str:
        model = getattr(entry, "config", entry)
        return typing.get_args(model.model_fields[field].annotation)[0]

    return name_of


DATA_KINDS: Registry[DataKind] = Registry("data kind", "netviz.data", _literal("kind"))
LAYER_TYPES: Registry[type[LayerSpec]] = Registry("layer type", "netviz.spec.layers", _literal("type"))
HEATMAP_METHODS: Registry[Method] = Registry("heatmap method", "netviz.views.methods", lambda m: m.name)
