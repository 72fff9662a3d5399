"""What every spec layer has: a name, its inputs, its Keras arguments, its shape arithmetic."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field

from netviz.strict import Name, Strict

MAX_UNITS = 65_536
MAX_FILTERS = 4_096
MAX_KERNEL = 64

Shape = tuple[int, ...]
Activation = Literal["relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "swish"]
Side = Annotated[int, Field(ge=1, le=MAX_KERNEL)]
Size2 = Union[Side, tuple[Side, Side]]


class LayerSpec(Strict):
    """A layer of a declared network.

    ``inputs`` names the layers it reads (default: the layer before it); only merge
    layers read more than one. ``output`` returns the output shape and parameter
    count for the input shapes, or raises ValueError with the reason it cannot work.
    """

    name: Name | None = None
    inputs: list[Name] | None = Field(default=None, min_length=1)

    # Traits the views read (of a Keras layer whose class has this name, in any network):
    MERGE: ClassVar[bool] = False  # reads two or more inputs
    CONV: ClassVar[bool] = False  # has spatial kernels: activation figures, heatmap layer
    DEPTHWISE: ClassVar[bool] = False  # one spatial kernel per input channel (optimized through its output)
    KERNEL: ClassVar[str | None] = None  # the attribute that holds the spatial kernel
    POOL: ClassVar[bool] = False  # a sliding window of ``pool_size``: widens the receptive field
    # the attribute holding ((top, bottom), (left, right)) and whether those rows and columns are cut (+1) or
    # added (-1): the layer moves every later cell by that much on the input
    SHIFT: ClassVar[tuple[str, int] | None] = None
    NORMALIZATION: ClassVar[bool] = False  # rescales its input: its maps are shown with the activations
    ACTIVATION: ClassVar[bool] = False  # an activation on its own: may be the heatmap layer after a merge
    SKIP: ClassVar[tuple[str, ...]] = ()  # fields that are not Keras arguments

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        raise NotImplementedError

    def keras_kwargs(self) -> dict[str, Any]:
        """The Keras constructor arguments: every field but name/type/inputs, lists as tuples, None left out."""
        out = {}
        for key in type(self).model_fields:
            value = getattr(self, key)
            if key in ("name", "type", "inputs", *self.SKIP) or value is None:
                continue
            out[key] = tuple(tuple(v) if isinstance(v, list) else v for v in value) if isinstance(value, (list, tuple)) else value
        return out

    def describe(self) -> str:
        """The layer in words, for the report's architecture section."""
        args = ", ".join(f"{k} {v}" for k, v in self.keras_kwargs().items())
        return f"{self.type}: {args}" if args else self.type  # type: ignore[attr-defined]


def pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def spatial(size: int, window: int, stride: int, padding: str) -> int:
    return -(-size // stride) if padding == "same" else (size - window) // stride + 1


def one_image(kind: str, shapes: list[Shape]) -> Shape:
    """The single (H, W, C) input of an image layer."""
    (shape,) = shapes
    if len(shape) != 3:
        raise ValueError(f"{kind} needs an image-shaped input, got shape {shape}")
    return shape


def activation_text(activation: str) -> str:
    return "" if activation == "linear" else f", {activation if activation != 'relu' else 'ReLU'} activation"
