"""The build results (``metrics.json``): the one contract between the pipeline and the report.

The pipeline fills these models and writes them; the report validates the file
against them before it renders a line, so the two cannot drift apart unnoticed.
``FORMAT_VERSION`` changes whenever a field changes meaning or shape: a file of
another format, or one that fails validation, is refused in one line that says
how to make a new one, never rendered from half-understood data.

Everything but ``timings`` is deterministic: two builds of the same spec write
byte-identical results once the wall-clock timings are set aside.

Open where netviz grows: heatmap methods are keys of
``visualization.explanations`` (any registered method, baselines included), and a
data set's provenance is a flat table of facts whatever its kind.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from netviz.errors import NetvizError
from netviz.spec.schema import Train, Visualize

FORMAT_VERSION = 3  # 2: the heatmap methods and the visualization settings travel in the results;
# 3: the pointing game's tolerance (scaled with the image) travels, ties are broken at random, sanity is mean |rho|

Fact = Union[str, int, float, bool, None, list[Union[str, int, float, bool]]]  # one line of a data set's provenance


class ResultsError(NetvizError):
    """A metrics.json this netviz cannot read: missing, of another format, or invalid."""


class Record(BaseModel):
    """Unknown keys are errors: a results file says exactly what the models say."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSummary(Record):
    kind: str
    train: int
    test: int
    input_shape: tuple[int, int, int]
    provenance: dict[str, Fact]  # where the images came from, as the data kind describes it


class Params(Record):
    total: int
    trainable: int
    non_trainable: int


class SummaryRow(Record):
    """One row of Keras' ``model.summary()``; ``head`` names the head a layer belongs to."""

    name: str
    type: str
    output_shape: str
    params: int
    connected_to: list[str]
    head: str | None


class Split(Record):
    """Images the model was trained, validated and tested on."""

    train: int
    validation: int
    test: int


class OutputDescription(Record):
    target: str
    activation: str
    class_names: list[str]


class Evaluation(Record):
    accuracy: float
    macro_f1: float
    confusion: list[list[int]]  # rows: true class, columns: predicted
    reference_accuracy: float | None  # the original report's accuracy, when the spec gives one


class FigureRecord(Record):
    """A figure the build wrote, by path under the build folder."""

    path: str
    kind: str
    caption: str
    layer: str | None
    head: str | None
    method: str | None
    anchor: str | None = None  # an HTML id of its own (a confused pair's gallery: gallery_id)


def figure_anchor(model: str, kind: str, layer: str) -> str:
    """The HTML id of a model's figure of ``kind`` for ``layer``: the architecture graph links to it."""
    return "fig-" + re.sub(r"[^A-Za-z0-9_-]", "-", f"{model}-{kind}-{layer}")


class LayerStats(Record):
    mean_activation: float
    dead_share: float
    channels: int


class FilterStats(Record):
    final_activation: list[float]
    dead: int
    count: int
    steps: int


class Scores(Record):
    """Trust scores of one heatmap method on one head; None where a score does not apply.

    Pointing game and mask energy need ground-truth masks (LINE has them, MNIST
    not); the sanity check needs the untrained model.
    """

    pointing_game: float | None = None
    chance_pointing: float | None = None  # a random peak's hit rate, with the same tolerance
    pointing_tolerance: int | None = None  # pixels: round(15 * max(H, W) / 224), at least 1
    energy_in_mask: float | None = None
    chance_energy: float | None = None
    empty_maps: float | None = None
    deletion_auc: float | None = None
    insertion_auc: float | None = None
    images: int | None = None
    sanity_spearman: float | None = None  # mean over the images of |Spearman rho| with the untrained network's maps
    sanity_flagged: bool | None = None


def gallery_id(model: str, head: str, true: str, predicted: str) -> str:
    """The HTML id of the gallery of the test images of class ``true`` that ``head`` of ``model`` took for
    ``predicted``: a confusion-matrix cell links to it (``errors-<model>-<head>-<true>-<pred>``, sanitized)."""
    return "errors-" + re.sub(r"[^A-Za-z0-9_-]", "-", f"{model}-{head}-{true}-{predicted}")


class Placement(Record):
    """Where one heatmap method's maps sit on a head's mistakes against its right answers (the scoring pass's
    images): the share of pixels holding half a map's mass, and the share of mass on the object mask."""

    mistakes: int
    right: int
    spread_mistakes: float | None = None
    spread_right: float | None = None
    mask_mistakes: float | None = None  # None: no masks
    mask_right: float | None = None


class ErrorPair(Record):
    """A confused pair of classes: how many test images of ``true`` were taken for ``predicted``."""

    true: str
    predicted: str
    count: int
    shown: int  # images in its gallery (capped; 0: none drawn, over the budget), whose id is gallery_id(...)


class HeadErrors(Record):
    """One head's error analysis on the test split (see :mod:`netviz.views.errors`)."""

    errors: int
    images: int
    pairs: list[ErrorPair]  # most frequent first; with many classes only the most confused ones
    placement: dict[str, Placement]  # method -> where its maps sit


class OverTrainingRecord(Record):
    """The trust scores at each kept epoch, and what they say in one sentence."""

    epochs: list[int]
    scores: dict[str, dict[str, list[Scores]]]  # method -> head -> one per epoch
    sentence: str


class CascadeRecord(Record):
    """Cascading randomization: the layers with weights re-initialized step by step from the output down
    (cumulative), and how much of each method's trained maps is left after each step, on the sanity
    check's images (mean |Spearman rho| of |map|, mean SSIM), per method and head."""

    steps: list[list[str]]  # the layers randomized at each step (a step keeps the ones before it randomized)
    layer: str  # the heatmap layer
    above: list[bool]  # per step: it holds layers after the heatmap layer
    images: int
    spearman: dict[str, dict[str, list[float]]]  # method -> head -> one per step
    ssim: dict[str, dict[str, list[float]]]

    @property
    def labels(self) -> list[str]:
        """Each step in a few words: its layer, or its first layer and how many more."""
        return [s[0] if len(s) == 1 else f"{s[0]} +{len(s) - 1}" for s in self.steps]


class Visualization(Record):
    figures: list[FigureRecord]
    layers: dict[str, LayerStats]
    filters: dict[str, FilterStats]
    explanations: dict[str, dict[str, Scores]]  # method -> head -> scores, in the spec's order
    over_training: OverTrainingRecord | None = None  # none: no epochs kept (visualize.over_training)
    cascade: CascadeRecord | None = None  # none: built before netviz randomized step by step
    errors: dict[str, HeadErrors] = {}  # head -> its error analysis; empty: no labels, or built before it existed


class ModelResults(Record):
    title: str
    description: str | None
    dataset: str
    sequential: bool
    layers_text: list[str]  # the trunk (or the whole sequential model) in words
    params: Params
    summary: list[SummaryRow]
    data: Split
    train: Train | None  # None: an existing network shown with the weights it came with
    history: dict[str, list[float]]  # Keras' per-epoch history
    outputs: dict[str, OutputDescription]
    evaluation: dict[str, Evaluation]  # empty: images without labels, nothing to evaluate against
    visualization: Visualization | None  # None: built with visualization off
    extra_tests: dict[str, dict[str, Evaluation]] = {}  # a further test split (arrays' extra_tests) -> output -> scores

    @model_validator(mode="after")
    def _every_output_evaluated(self) -> ModelResults:
        if self.evaluation and list(self.evaluation) != list(self.outputs):
            raise ValueError(f"evaluation covers {list(self.evaluation)}, the outputs are {list(self.outputs)}")
        for split, scores in self.extra_tests.items():
            if not set(scores) <= set(self.evaluation):
                raise ValueError(f"extra_tests.{split} scores {sorted(set(scores) - set(self.evaluation))}, which the"
                                 f" test split does not")
        return self


class TrainingRecord(Record):
    """What training one model produced, cached per model; ``key`` is the training cache key."""

    key: str
    history: dict[str, list[float]]
    evaluation: dict[str, Evaluation]
    train: Train | None  # None: an existing network shown with the weights it came with
    seconds: float
    data: Split
    params: Params
    summary: list[SummaryRow]
    extra_tests: dict[str, dict[str, Evaluation]] = {}  # a further test split -> output -> evaluation


class VisualizationRecord(Record):
    """One model's visualization results, cached under the visualization cache key."""

    key: str
    result: Visualization


class ModelTimings(Record):
    training_cached: bool
    visualization_cached: bool
    train_seconds: float  # of the training run, cached or not
    seconds: float  # this build's wall clock for the model


class Timings(Record):
    """Wall clock, kept apart from the deterministic results."""

    models: dict[str, ModelTimings]
    total_seconds: float


class MethodRecord(Record):
    """A heatmap method as the report describes it: ``description`` completes a sentence that starts with
    ``title``; a baseline knows nothing about the network."""

    title: str
    description: str
    baseline: bool


class Environment(Record):
    python: str
    platform: str


class Results(Record):
    format_version: int
    netviz_version: str
    spec: str  # the spec's file name (not its path: the results of one spec are the same from any folder)
    seed: int
    datasets: dict[str, DatasetSummary]
    models: dict[str, ModelResults]
    visualize: Visualize  # the settings the visualizations were made with
    methods: dict[str, MethodRecord]  # every heatmap method the models were explained with, in the spec's order
    environment: Environment
    timings: Timings

    @model_validator(mode="after")
    def _consistent(self) -> Results:
        if self.format_version != FORMAT_VERSION:
            raise ValueError(f"format_version {self.format_version}, this netviz writes {FORMAT_VERSION}")
        for name, model in self.models.items():
            if model.dataset not in self.datasets:
                raise ValueError(f"model {name} uses data set {model.dataset!r}, which is not summarized")
            unknown = [m for m in (model.visualization.explanations if model.visualization else {}) if m not in self.methods]
            if unknown:
                raise ValueError(f"model {name} is explained with {unknown[0]!r}, which methods does not describe")
        return self


def load_results(path: Path, spec_path: Path | str) -> Results:
    """The results in ``path``, validated; one line naming the fix when they cannot be used."""
    rebuild = f"run `netviz build {spec_path}` again"
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: no build results here; run `netviz build {spec_path}` first") from None
    except (OSError, ValueError) as err:
        raise ResultsError(f"{path}: not a readable results file ({err.__class__.__name__}): {rebuild}") from None
    if not isinstance(raw, dict):
        raise ResultsError(f"{path}: not a netviz results file: {rebuild}")
    made = f"built by netviz {_one_word(raw.get('netviz_version', '(unknown version)'))}"
    version = raw.get("format_version")
    if version != FORMAT_VERSION:
        found = " without a format version" if version is None else f", format {_one_word(version)}"
        raise ResultsError(f"{path}: {made}{found}; this netviz reads format {FORMAT_VERSION}: {rebuild}")
    try:
        return Results.model_validate(raw)
    except ValidationError as err:
        raise ResultsError(f"{path}: {made}, format {version}, but {_first_problem(err)}: {rebuild}") from None


def _one_word(value: Any) -> str:
    """A value from a foreign file, safe to quote in a one-line message."""
    text = "_".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "\u2026"


def _first_problem(err: ValidationError) -> str:
    """The first validation error as ``field.path: message`` on one line."""
    first: Any = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = " ".join(str(first["msg"]).split())
    return f"{where}: {message}" if where else message
