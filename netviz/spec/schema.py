"""The experiment spec as pydantic models.

Every model forbids unknown keys so that a typo is an error, not a silently
ignored setting. Ranges are deliberately tight enough to refuse absurd sizes
(a layer of 10^9 units) before TensorFlow tries to allocate anything.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from netviz.registry import DATA_KINDS, HEATMAP_METHODS, LAYER_TYPES
from netviz.strict import Name, SpecPath, Strict

MAX_PARAMS = 200_000_000


# ---------------------------------------------------------------- layers
# Each layer type is a class in netviz/spec/layers/ (a LAYER_TYPES entry); the spec accepts any of them.

Layer = Annotated[Union[tuple(LAYER_TYPES.entries().values())], Field(discriminator="type")]  # type: ignore[misc]


# ---------------------------------------------------------------- datasets
# Each data kind declares its own section in netviz/data/<kind>.py (a DATA_KINDS entry); the spec accepts any.

Dataset = Annotated[Union[tuple(kind.config for kind in DATA_KINDS.entries().values())], Field(discriminator="kind")]  # type: ignore[misc]


# ---------------------------------------------------------------- models

class Train(Strict):
    optimizer: Literal["adam", "sgd", "rmsprop", "adamw"] = "adam"
    learning_rate: float = Field(default=1e-3, gt=0, le=10)
    epochs: int = Field(default=5, ge=1, le=1000)
    batch_size: int = Field(default=100, ge=1, le=65_536)
    validation_split: float = Field(default=0.1, ge=0, lt=1)
    lr_schedule: Literal["constant", "cosine"] = "constant"
    restore_best: bool = False  # keep the epoch with the lowest validation loss
    random_shift: int = Field(default=0, ge=0, le=8)  # move each training image by up to this many pixels
    # raise the learning rate linearly from 0 over this many epochs (then the schedule): Adam's first
    # steps move every weight by about the full rate, which can switch first-layer ReLU filters off for good
    warmup_epochs: float = Field(default=0.0, ge=0, le=1000)
    # stop when the validation loss has not improved for this many epochs (Keras' EarlyStopping)
    patience: int | None = Field(default=None, ge=1, le=1000)


class LayerChoice(Strict):
    """Which layers of one model to visualize; None means the documented default."""

    activations: list[str] | None = None
    filters: list[str] | None = None
    cam: str | None = None
    cam_layers: list[str] | None = Field(default=None, min_length=2, max_length=8)  # side by side, with their scores


class Head(Strict):
    name: Name
    target: str
    layers: list[Layer] = Field(min_length=1)
    loss_weight: float = Field(default=1.0, gt=0)
    reference_accuracy: float | None = Field(default=None, ge=0, le=1)


class Application(Strict):
    """A model of ``keras.applications`` by its function name, with its own ``preprocess_input``."""

    name: str = Field(min_length=1)  # e.g. MobileNetV2, ResNet50, EfficientNetB0
    weights: Literal["imagenet"] | SpecPath | None = "imagenet"  # imagenet (download and cache), a local file, or null
    input_shape: tuple[int, int, int] = (224, 224, 3)
    classes: int = Field(default=1000, ge=1, le=100_000)


class Model(Strict):
    """A declared network (``layers`` or ``trunk`` + ``heads``), a saved ``file`` or an ``application``.

    A declared model always trains. A ``file`` or ``application`` model is shown as
    it is (``train: false`` or no ``train`` block) unless it has a ``train`` block.
    ``images`` adds photos to explain; without a ``dataset`` they are all it sees.
    """

    name: Name
    title: str | None = None
    dataset: Name | None = None
    description: str | None = None
    layers: list[Layer] | None = None
    target: str | None = None
    reference_accuracy: float | None = Field(default=None, ge=0, le=1)
    trunk: list[Layer] | None = None
    heads: list[Head] | None = None
    file: SpecPath | None = None  # a saved Keras model (.keras or .h5)
    application: Application | None = None
    output: Literal["logits", "softmax", "sigmoid"] | None = None  # of a file or application model; None: its last layer says
    images: SpecPath | list[SpecPath] | None = None  # a folder of images, or image files
    train: Train | None = Train()
    visualize: LayerChoice = LayerChoice()

    @model_validator(mode="before")
    @classmethod
    def _train_flag(cls, data: object) -> object:
        """``train: false`` means "as it is", ``train: true`` the default training; an existing network
        (``file`` or ``application``) without a train block is shown as it is."""
        if isinstance(data, dict) and isinstance(data.get("train"), bool):
            data = {**data, "train": {} if data["train"] else None}
        if isinstance(data, dict) and "train" not in data and ("file" in data or "application" in data):
            data = {**data, "train": None}
        return data

    @model_validator(mode="after")
    def _one_shape(self) -> "Model":
        sources = [key for key in ("file", "application") if getattr(self, key) is not None]
        if sources:
            return self._check_source(sources)
        if self.images is not None and self.dataset is None:
            raise ValueError("'images' without a 'dataset' needs a trained network: give 'file' or 'application'")
        if self.output is not None:
            raise ValueError("'output' describes a 'file' or 'application' model; a declared model's output layer says it")
        if self.dataset is None:
            raise ValueError("a declared model needs 'dataset' (the data it is trained on)")
        if self.train is None:
            raise ValueError("a declared model starts from random weights and must be trained; remove 'train: false'")
        if self.layers is not None:
            if self.trunk is not None or self.heads is not None:
                raise ValueError("give either 'layers' (sequential) or 'trunk' and 'heads', not both")
            if self.target is None:
                raise ValueError("a sequential model needs 'target' (the label it predicts)")
            if not self.layers:
                raise ValueError("'layers' must not be empty")
        else:
            if self.heads is None:
                raise ValueError("give 'layers' (sequential) or 'trunk' and 'heads'")
            if not self.heads:
                raise ValueError("'heads' must not be empty")
            if self.target is not None:
                raise ValueError("'target' belongs to each head of a multi-head model")
        return self

    def _check_source(self, sources: list[str]) -> "Model":
        if len(sources) > 1:
            raise ValueError("give either 'file' or 'application', not both")
        if self.layers is not None or self.trunk is not None or self.heads is not None:
            raise ValueError(f"a model from '{sources[0]}' has its own layers; remove 'layers', 'trunk' and 'heads'")
        if self.dataset is None:
            if self.images is None:
                raise ValueError(f"a model from '{sources[0]}' needs a 'dataset' or 'images' to look at")
            if self.train is not None:
                raise ValueError("training needs a 'dataset'; 'images' alone are only explained")
        return self

    @property
    def is_source(self) -> bool:
        """True for an existing network (a saved file or a keras.applications model)."""
        return self.file is not None or self.application is not None

    @property
    def is_sequential(self) -> bool:
        return self.layers is not None

    def outputs(self) -> list[tuple[str, str, float | None]]:
        """(output name, target label, reference accuracy) for each output of a declared model."""
        if self.is_sequential:
            return [(self.target or "class", self.target or "class", self.reference_accuracy)]
        return [(h.name, h.target, h.reference_accuracy) for h in self.heads or []]


# ---------------------------------------------------------------- visualization

class Filters(Strict):
    steps: int = Field(default=80, ge=1, le=5000)
    step_size: float = Field(default=1.0, gt=0, le=1000)
    input_range: tuple[float, float] = (0.0, 1.0)
    l2: float = Field(default=0.0, ge=0)
    total_variation: float = Field(default=0.0, ge=0)
    jitter: int = Field(default=1, ge=0, le=8)

    @field_validator("input_range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] >= value[1]:
            raise ValueError("input_range must be [low, high] with low < high")
        return value


# the heatmap methods a spec may ask for, from the registry (the baselines always run, so are not listed)
MethodName = Literal[tuple(name for name, m in HEATMAP_METHODS.entries().items() if not m.baseline)]  # type: ignore[valid-type]


class Cam(Strict):
    methods: list[MethodName] = [name for name, m in HEATMAP_METHODS.entries().items() if m.default and not m.baseline]
    target: Literal["predicted", "true"] = "predicted"
    eval_images: int = Field(default=200, ge=1, le=10_000)
    sanity_threshold: float = Field(default=0.5, ge=0, le=1)  # on mean |Spearman rho|
    layers: list[str] | None = Field(default=None, min_length=2, max_length=8)  # every model: side by side

    @field_validator("methods")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        twice = sorted({m for m in value if value.count(m) > 1})
        if twice:
            raise ValueError(f"lists {', '.join(repr(m) for m in twice)} more than once")
        return value


class OverTraining(Strict):
    """What the network learns over time: its weights kept at these epochs (1 = after the first), and the
    same filters' pictures, the same images' heatmaps and the trust scores drawn at each."""

    epochs: list[int] = Field(min_length=1, max_length=12)
    filters: int = Field(default=8, ge=1, le=32)  # per visualized layer: its most active ones at the end
    images: int = Field(default=4, ge=1, le=8)  # of the shown test images

    @field_validator("epochs")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(e < 1 for e in value) or any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError("must be epoch numbers from 1 up, each later than the one before")
        return value


class Visualize(Strict):
    images: int = Field(default=6, ge=6, le=64)
    filters: Filters = Filters()
    cam: Cam = Cam()
    over_training: OverTraining | None = None  # none: only the trained network is visualized


# ---------------------------------------------------------------- report

class Course(Strict):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


class Member(Strict):
    name: str = Field(min_length=1)
    id: str = ""


class Team(Strict):
    name: str = Field(min_length=1)
    members: list[Member] = Field(min_length=1)


class Front(Strict):
    course: Course
    assignment: str
    task: str = ""
    title: str = Field(min_length=1)
    team: Team
    institute: str = ""
    date: str = ""
    objective: str = ""
    inferences: str = ""


class Report(Strict):
    templates: str | None = None
    pdf: bool = True
    appendix: bool = True  # false: the PDF ends with the inferences (the HTML keeps the appendix)
    code_url: str | None = None


class Runtime(Strict):
    strategy: Literal["default", "mirrored", "multi_worker"] = "default"
    mixed_precision: bool = False
    fast_kernels: bool = True  # netviz.train.fused_ops' faster training ops; false: stock Keras throughout


class Spec(Strict):
    front: Front
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    output: str | None = None
    datasets: dict[Name, Dataset] = {}  # none: every model explains its own 'images'
    models: list[Model] = Field(min_length=1)
    visualize: Visualize = Visualize()
    report: Report = Report()
    runtime: Runtime = Runtime()


def json_schema() -> str:
    """The spec's JSON Schema as text, for editors (yaml-language-server) and ``netviz schema``."""
    import json

    schema = Spec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "netviz experiment spec"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
