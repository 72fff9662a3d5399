"""Networks that already exist: a saved Keras file, a ``keras.applications`` model, photos to explain.

A source model is loaded once, checked against the data it will see (input shape,
class count) before anything is written, and then handled exactly like a declared
one. An application gets its own ``preprocess_input`` as a first layer reading the
model's [0, 1] input (times 255, as the application expects), so every view feeds
the images netviz shows, in their original colours, and the network sees what it
was trained on. TensorFlow and Keras are imported inside functions only.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

from netviz.errors import NetvizError
from netviz.models.outputs import OutputInfo
from netviz.spec import schema

PREPROCESS_LAYER = "preprocess"


class SourceError(NetvizError):
    """A model source that cannot work; ``field`` is the key of the model entry to blame."""

    def __init__(self, field: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------- loading

def load_source(model: schema.Model, seed: int) -> Any:
    """The Keras model a ``file`` or ``application`` entry names, uncompiled."""
    import keras

    preprocess_layer_class()  # a model saved by netviz with its preprocessing layer loads again
    keras.utils.set_random_seed(seed)
    if model.file is not None:
        return load_file(Path(model.file))
    return build_application(model.application)  # type: ignore[arg-type]


def load_file(path: Path) -> Any:
    """``keras.models.load_model(path, compile=False)``, its failures told in one line."""
    import keras

    if path.suffix.lower() not in (".keras", ".h5", ".hdf5"):
        raise SourceError(("file",), f"{path}: not a Keras model file (expected .keras or .h5)")
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as err:  # Keras raises ValueError, TypeError, OSError, zipfile errors...
        text = " ".join(str(err).split())
        if "custom" in text.lower() or "could not locate" in text.lower() or "unknown layer" in text.lower():
            name = _quoted(text)
            raise SourceError(("file",), f"{path}: needs custom objects{name}, which netviz does not load "
                                         "(custom layers, losses or functions are out of scope)") from None
        raise SourceError(("file",), f"{path}: not a Keras model Keras can load ({text[:120]})") from None


def _quoted(text: str) -> str:
    import re

    match = re.search(r"[Cc]ould not locate (?:class|function) '([^']+)'", text) or re.search(r"'([^']+)'", text)
    return f" ({match.group(1)})" if match else ""


def application_names() -> list[str]:
    """Every model function of ``keras.applications`` (ResNet50, MobileNetV2...)."""
    import keras

    return sorted(n for n in dir(keras.applications) if n[:1].isupper() and callable(getattr(keras.applications, n)))


def application_function(name: str) -> Any:
    import difflib

    import keras

    names = application_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SourceError(("application", "name"), f"keras.applications has no model {name!r}{hint}")
    return getattr(keras.applications, name)


def preprocess_function(name: str) -> Any:
    """The application's own ``preprocess_input``, from the module that defines the model."""
    return importlib.import_module(application_function(name).__module__).preprocess_input


_PREPROCESS: list[Any] = []


def preprocess_layer_class() -> Any:
    """The ``Preprocess`` layer class, defined (and registered for saving) on first use."""
    if _PREPROCESS:
        return _PREPROCESS[0]
    import keras

    @keras.saving.register_keras_serializable(package="netviz")
    class Preprocess(keras.layers.Layer):
        """[0, 1] images -> the application's ``preprocess_input`` of the same images in 0..255."""

        def __init__(self, application: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.application = application
            self._fn = preprocess_function(application)

        def call(self, x: Any) -> Any:
            return self._fn(x * 255.0)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "application": self.application}

    _PREPROCESS.append(Preprocess)
    return Preprocess


def build_application(app: schema.Application) -> Any:
    """The application on a [0, 1] input, its ``preprocess_input`` as the first layer."""
    import keras

    build = application_function(app.name)
    image = keras.Input(shape=app.input_shape, name="input_layer")
    pre = preprocess_layer_class()(app.name, name=PREPROCESS_LAYER)(image)
    weights = app.weights
    try:
        return build(weights=weights, input_tensor=pre, input_shape=app.input_shape, classes=app.classes)
    except ValueError as err:
        field = "weights" if "weight" in str(err).lower() else "input_shape"
        raise SourceError(("application", field), " ".join(str(err).split())[:200]) from None
    except OSError as err:
        raise SourceError(("application", "weights"), f"cannot load the weights: {' '.join(str(err).split())[:160]}") from None


def source_digest(model: schema.Model) -> str:
    """A hash of the bytes the network comes from (the model file, a weights file), for the cache key."""
    h = hashlib.sha256()
    weights = model.application.weights if model.application else None
    for name in (model.file, None if weights in (None, "imagenet") else weights):
        if name is not None:
            h.update(Path(name).read_bytes())
    if model.output is not None:  # a logits output gains a softmax or sigmoid: another network
        h.update(f"output: {model.output}".encode())
    return h.hexdigest()


# ---------------------------------------------------------------- checks and outputs

def input_shape(model: Any) -> tuple[int | None, ...]:
    return tuple(model.inputs[0].shape[1:])


def check_input(model: Any, shape: tuple[int, ...], what: str) -> None:
    """The model must read images of ``shape`` (a None dimension reads any size)."""
    if len(model.inputs) != 1:
        raise SourceError(("file",), f"the model has {len(model.inputs)} inputs; netviz explains one image input")
    wanted = input_shape(model)
    if len(wanted) != len(shape) or any(w is not None and w != s for w, s in zip(wanted, shape)):
        raise SourceError(("dataset",), f"the model reads images of shape {_shape(wanted)} but {what} are {_shape(shape)}")


def _shape(shape: tuple[int | None, ...]) -> str:
    return "x".join("?" if s is None else str(s) for s in shape)


ADDED = "_probabilities"  # suffix of the softmax or sigmoid netviz appends to a logits output


def _ends_in(act: str, layer: Any) -> str:
    from netviz.models.graph import layer_type

    return f"a {act}" if act else f"a {layer_type(layer)} layer"


def probability_model(model: Any, output: str | None, field: tuple[str | int, ...] = ("file",)) -> Any:
    """The model with every output a probability: a logits output (no final activation, or ``output: logits``)
    gains its softmax (n units) or sigmoid (1 unit) as a last ``Activation`` layer, whose input, the logit,
    is what the heatmaps explain; other outputs are kept. An output that is neither probabilities nor
    logits (a ReLU, a regression) is refused, blamed on ``output`` when the spec says it, else on ``field``."""
    import keras

    from netviz.models.graph import PROBABILITIES, Traced, final_activation

    traced = Traced(model)
    blame = ("output",) if output is not None else field
    added: list[str | None] = []
    for i, tensor in enumerate(traced.outputs):
        layer, units = traced.output_layer(i), int(tensor.shape[-1])
        act = final_activation(layer)
        logits = "sigmoid" if units == 1 else "softmax"
        if output == "sigmoid" and units != 1:
            raise SourceError(blame, f"the spec says output: sigmoid but {layer.name!r} has {units} units; "
                                     f"a sigmoid output has 1")
        if output == "logits" and act in PROBABILITIES:
            raise SourceError(blame, f"the spec says output: logits but {layer.name!r} ends in a {act}: its output is "
                                     f"probabilities; remove 'output' or say output: {act}")
        if output in PROBABILITIES and act in PROBABILITIES + ("linear",) and act != output:
            raise SourceError(blame, f"the spec says output: {output} but {layer.name!r} ends in "
                                     + ("no activation: its output is logits; say output: logits" if act == "linear"
                                        else f"a {act}; say output: {act}"))
        if output is None and act not in PROBABILITIES + ("linear",):
            raise SourceError(blame, f"output {layer.name!r} ends in {_ends_in(act, layer)}, which is not a classifier's "
                                     f"softmax, sigmoid or logits; netviz explains classifiers (if it gives logits, "
                                     f"say output: logits; probabilities, output: softmax or sigmoid)")
        added.append(logits if output == "logits" or (output is None and act == "linear") else None)
    if not any(added):
        return model
    outs = [t if a is None else keras.layers.Activation(a, name=f"{traced.output_layer(i).name}{ADDED}")(t)
            for i, (t, a) in enumerate(zip(traced.outputs, added))]
    return keras.Model(traced.input, outs if len(outs) > 1 else outs[0], name=model.name)


def output_activation(layer: Any, output: str | None = None) -> str:
    """"softmax" or "sigmoid": what the spec says the output is, else what its last layer computes."""
    from netviz.models.graph import PROBABILITIES, final_activation

    if output in PROBABILITIES:
        return output  # type: ignore[return-value]
    name = final_activation(layer)
    return name if name in PROBABILITIES else "softmax"


def source_outputs(model: Any, target: str, class_names: list[str] | None, reference: float | None,
                   output: str | None = None) -> list[OutputInfo]:
    """One :class:`OutputInfo` per model output, predicting ``target``; classes from the data, else the network."""
    from netviz.models.graph import Traced

    traced = Traced(model)
    infos = []
    for i, tensor in enumerate(traced.outputs):
        units = int(tensor.shape[-1])
        layer = traced.output_layer(i)
        activation = output_activation(layer, output)
        head = layer.name[: -len(ADDED)] if layer.name.endswith(ADDED) else layer.name
        name = target if len(traced.outputs) == 1 else head
        if class_names is not None:
            fits = units == len(class_names) or (units == 1 and len(class_names) == 2 and activation == "sigmoid")
            if not fits:
                raise SourceError(("dataset",), f"the model's output {head!r} has {units} units but the data "
                                                f"set has {len(class_names)} classes")
            names = list(class_names)
        else:
            names = imagenet_names(units) or [str(k) for k in range(units)]
        infos.append(OutputInfo(name, target, activation, tuple(names), reference))
    return infos


def imagenet_names(units: int) -> list[str] | None:
    """The 1000 ImageNet class names when Keras has (or can fetch) its class index; else None, with a warning."""
    if units != 1000:
        return None
    import socket
    import warnings

    import keras
    from keras.src.applications import imagenet_utils

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(5)
    try:
        path = keras.utils.get_file("imagenet_class_index.json", imagenet_utils.CLASS_INDEX_PATH,
                                    cache_subdir="models", file_hash="c2c37ea517e94d9795004a39431a14cb")
        index = json.loads(Path(path).read_text())
        return [index[str(k)][1] for k in range(1000)]
    except Exception as err:  # get_file raises a bare Exception when offline; a partial file a ValueError
        reason = " ".join(str(err).split())[:120] or type(err).__name__
        warnings.warn(f"ImageNet class names unavailable ({reason}): classes are shown as indices", stacklevel=2)
        return None
    finally:
        socket.setdefaulttimeout(previous)
