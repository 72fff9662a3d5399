"""The stage that loads every existing network of a spec and checks it against its data, before any write.

A ``file`` or ``application`` model is loaded here once; its input shape and class
count are compared with the data set (or the ``images``) it will see, and any
problem becomes one located line (exit 2) while the output folder is still
untouched. What comes out is a :class:`Source`: the model, its outputs and the data
the rest of the pipeline uses exactly as for a declared model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from netviz.data.base import Dataset
from netviz.models.outputs import OutputInfo
from netviz.spec import schema
from netviz.spec.loader import located


@dataclass
class Source:
    """An existing network, ready for the model stage."""

    model: Any
    outputs: list[OutputInfo]
    data: Dataset  # the spec's data set, or the images to explain as a test split without labels
    data_name: str
    digest: str  # of the bytes the network comes from: part of the cache key
    origin: str  # one line for the report: where the network came from
    seed: int
    images: np.ndarray | None = None  # uint8 images to explain with top-5 predictions
    files: list[str] | None = None

    @property
    def labelled(self) -> bool:
        """True when the data has real labels to evaluate against."""
        from netviz.registry import DATA_KINDS

        return DATA_KINDS[self.data.kind].labelled

    def initial(self) -> Any:
        """The same architecture with freshly initialized, seeded weights: the sanity check's baseline."""
        import keras

        keras.utils.set_random_seed(self.seed)
        return keras.models.clone_model(self.model)


def load_sources(spec: schema.Spec, spec_path: Path, datasets: dict[str, Dataset], verbose: bool,
                 progress: Callable[[str], None]) -> dict[str, Source]:
    """Every ``file`` / ``application`` model of the spec by name, loaded and checked."""
    from netviz.models.load import SourceError

    found: dict[str, Source] = {}
    for index, model_spec in enumerate(spec.models):
        if not model_spec.is_source:
            continue
        from netviz.models.runtime import start_tensorflow

        start_tensorflow(verbose)
        try:
            found[model_spec.name] = _load(model_spec, datasets, spec.seed)
        except SourceError as err:
            raise located(spec_path, ("models", index, *err.field), str(err)) from None
        source = found[model_spec.name]
        if model_spec.visualize.cam_layers is None and spec.visualize.cam.layers is not None:
            try:  # the spec-wide layers apply to this model too
                check_choice(source.model, schema.LayerChoice(cam_layers=spec.visualize.cam.layers))
            except SourceError as err:
                raise located(spec_path, ("visualize", "cam", "layers", *err.field[2:]),
                              f"model {model_spec.name!r}: {err}") from None
        progress(f"{model_spec.name}: {source.origin}, input {tuple(source.model.inputs[0].shape[1:])}")
    return found


def _load(model_spec: schema.Model, datasets: dict[str, Dataset], seed: int) -> Source:
    from netviz.data import images as pictures
    from netviz.errors import DataConfigError
    from netviz.models import load
    from netviz.registry import DATA_KINDS

    model = load.probability_model(load.load_source(model_spec, seed), model_spec.output,
                                   ("file",) if model_spec.file is not None else ("application",))
    check_choice(model, model_spec.visualize)
    target = model_spec.target or "class"
    images = files = None
    if model_spec.images is not None:
        h, w, c = load.input_shape(model)
        if h is None or w is None:
            raise load.SourceError(("images",), "the model reads images of any size; give 'application.input_shape' "
                                                "or a dataset")
        try:
            paths = pictures.image_files(model_spec.images)
            images = pictures.read_images(paths, (h, w), "rgb" if c == 3 else "grayscale")
        except DataConfigError as err:
            raise load.SourceError(("images",), str(err)) from None
        files = [p.name for p in paths]
    if model_spec.dataset is not None and DATA_KINDS[datasets[model_spec.dataset].kind].labelled:
        data = datasets[model_spec.dataset]
        load.check_input(model, data.input_shape, f"the images of data set {model_spec.dataset!r}")
        if target not in data.class_names:
            raise load.SourceError(("target",), f"data set {model_spec.dataset!r} has no label {target!r}; "
                                                f"expected one of {', '.join(data.class_names)}")
        outputs = load.source_outputs(model, target, list(data.class_names[target]), model_spec.reference_accuracy,
                                      model_spec.output)
        name = model_spec.dataset
    elif model_spec.dataset is not None:  # a data set of images nobody labelled: the network names the classes
        given = datasets[model_spec.dataset]
        load.check_input(model, given.input_shape, f"the images of data set {model_spec.dataset!r}")
        if model_spec.train is not None:
            raise load.SourceError(("train",), f"data set {model_spec.dataset!r} has no labels to train on")
        outputs = load.source_outputs(model, target, None, model_spec.reference_accuracy, model_spec.output)
        name = model_spec.dataset
        data = replace(given, labels_train={target: given.labels_train[pictures.TARGET]},
                       labels_test={target: given.labels_test[pictures.TARGET]},
                       class_names={target: list(outputs[0].class_names)})
        if images is None:  # nobody labelled them: the report shows what the network predicts for each
            images, files = data.x_test, list(data.provenance["files"])  # type: ignore[arg-type]
    else:
        assert images is not None and files is not None  # the schema asks for a dataset or images
        outputs = load.source_outputs(model, target, None, model_spec.reference_accuracy, model_spec.output)
        name = f"{model_spec.name}_images"
        data = pictures.unlabelled(name, images, paths, model_spec.images, target, list(outputs[0].class_names))
    return Source(model, outputs, data, name, load.source_digest(model_spec), origin(model_spec, model),
                  seed, images, files)


def check_choice(model: Any, choice: schema.LayerChoice) -> None:
    """Layers the spec names under ``visualize`` exist, and fit their view (what validation does for a declared model)."""
    import difflib

    from netviz.models import graph
    from netviz.models.load import SourceError

    names = [layer.name for layer in model.layers]
    wanted = [("activations", k, n) for k, n in enumerate(choice.activations or [])]
    wanted += [("filters", k, n) for k, n in enumerate(choice.filters or [])]
    wanted += [("cam", None, choice.cam)] if choice.cam else []
    wanted += [("cam_layers", k, n) for k, n in enumerate(choice.cam_layers or [])]
    for field, k, name in wanted:
        where = ("visualize", field) + ((k,) if k is not None else ())
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            raise SourceError(where, f"the model has no layer {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        layer = model.get_layer(name)
        if field == "filters" and not getattr(graph.traits(layer), "CONV", False):
            raise SourceError(where, f"layer {name!r} is a {graph.layer_type(layer)}, not a convolution "
                                     f"({', '.join(graph.registered('CONV'))})")
        if field != "filters" and len(layer.output.shape) != 4:
            raise SourceError(where, f"layer {name!r} has output shape {tuple(layer.output.shape[1:])}, "
                                     "not spatial maps")


def origin(model_spec: schema.Model, model: Any) -> str:
    """Where the network came from, in words."""
    layers = len(model.layers)
    if model_spec.file is not None:
        return f"loaded from {Path(model_spec.file).name} ({layers} layers)"
    app = model_spec.application
    assert app is not None
    weights = {None: "random weights", "imagenet": "ImageNet weights"}.get(app.weights, f"weights from {app.weights}")
    return (f"keras.applications.{app.name} with {weights} ({layers} layers), its own preprocess_input "
            f"as the first layer")
