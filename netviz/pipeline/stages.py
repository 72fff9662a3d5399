"""spec -> data -> models -> train -> explain -> figures -> report, with a cache at each costly stage.

Each stage takes plain values and returns plain values; this module only wires them,
reports progress, and decides what the cache lets it skip.
"""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netviz import io
from netviz.data import Dataset, load_dataset
from netviz.errors import DataConfigError, DataError
from netviz.models.existing import Source, load_sources
from netviz.pipeline import cache
from netviz.results import (
    FORMAT_VERSION,
    DatasetSummary,
    Environment,
    MethodRecord,
    ModelResults,
    ModelTimings,
    OutputDescription,
    Params,
    Results,
    Split,
    SummaryRow,
    Timings,
    TrainingRecord,
    Visualization,
    VisualizationRecord,
    load_results,
)
from netviz.spec import schema
from netviz.spec.graph import is_chain, named_layers
from netviz.spec.loader import load_spec, located
from netviz.spec.schema import Spec
from netviz.version import __version__

@dataclass(frozen=True)
class Options:
    out: Path | None = None
    force: bool = False
    pdf: bool = True
    verbose: bool = False
    quiet: bool = False
    visualize: bool = True  # False: train and evaluate only (bench/quality.py)
    report: bool = True


class Progress:
    """One line per stage with the elapsed time; quiet keeps only the summary."""

    def __init__(self, quiet: bool = False) -> None:
        self.start = time.perf_counter()
        self.quiet = quiet

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{self.elapsed:6.1f}s] {message}", flush=True)


def output_dir(spec: Spec, spec_path: Path, out: Path | None) -> Path:
    """``--out`` if given, else the spec's ``output``, else ``build/<spec stem>``."""
    if out is not None:
        return Path(out)
    if spec.output:
        return Path(spec.output)
    return Path("build") / spec_path.stem


@dataclass(frozen=True)
class BuildResult:
    """A finished build: its folder, its typed results (``metrics.json``), and its report files (None: not written)."""

    out: Path
    results: Results
    html: Path | None
    pdf: Path | None


def build(spec_path: str | Path, options: Options = Options()) -> BuildResult:
    """Train, evaluate, visualize and report everything the spec declares."""
    spec_path = Path(spec_path)
    spec = load_spec(spec_path)  # errors here leave the output folder untouched
    out = output_dir(spec, spec_path, options.out)
    progress = Progress(options.quiet)
    progress(f"spec {spec_path}: {len(spec.datasets)} data sets, {len(spec.models)} models -> {out}")
    if io.remove_stale_temporaries(out):
        progress("removed half-written files of an interrupted build")
    datasets = _load_datasets(spec, spec_path, progress)
    sources = load_sources(spec, spec_path, datasets, options.verbose, progress)  # every check before any write
    datasets.update({s.data_name: s.data for s in sources.values() if s.data_name not in datasets})
    models: dict[str, ModelResults] = {}
    timings: dict[str, ModelTimings] = {}
    for model_spec in spec.models:
        started = time.perf_counter()
        source = sources.get(model_spec.name)
        data = source.data if source else datasets[model_spec.dataset or ""]
        models[model_spec.name], timing = _model_stage(spec, model_spec, data, out, options, progress, source)
        timings[model_spec.name] = ModelTimings(**timing, seconds=round(time.perf_counter() - started, 2))
    results = Results(
        format_version=FORMAT_VERSION, netviz_version=__version__, spec=spec_path.name, seed=spec.seed,
        datasets={name: _dataset_summary(data) for name, data in datasets.items()}, models=models,
        visualize=spec.visualize, methods=_methods(models),
        environment=Environment(python=platform.python_version(), platform=sys.platform),
        timings=Timings(models=timings, total_seconds=round(progress.elapsed, 2)),
    )
    io.write_json(out / "metrics.json", results.model_dump(mode="json"))
    progress(f"metrics written: {out / 'metrics.json'}")
    if not options.report:
        return BuildResult(out, results, None, None)
    html, pdf = render_stage(spec, spec_path, results, out, options.pdf, progress)
    return BuildResult(out, results, html, pdf)


def render(spec_path: str | Path, options: Options = Options()) -> BuildResult:
    """Rebuild HTML and PDF from the cached results and figures, training nothing."""
    spec_path = Path(spec_path)
    spec = load_spec(spec_path)
    out = output_dir(spec, spec_path, options.out)
    results = load_results(out / "metrics.json", spec_path)
    progress = Progress(options.quiet)
    html, pdf = render_stage(spec, spec_path, results, out, options.pdf, progress)
    return BuildResult(out, results, html, pdf)


def render_stage(spec: Spec, spec_path: Path, results: Results, out: Path, pdf: bool,
                 progress: Progress) -> tuple[Path | None, Path | None]:
    from netviz.document.render import render_report

    html_path, pdf_path = render_report(spec, spec_path, results, out, pdf=pdf and spec.report.pdf)
    progress(f"report: {html_path}" + (f" and {pdf_path}" if pdf_path else ""))
    return html_path, pdf_path


def _methods(models: dict[str, ModelResults]) -> dict[str, MethodRecord]:
    """The heatmap methods the models were explained with, as the report describes them."""
    from netviz.registry import HEATMAP_METHODS

    names = dict.fromkeys(m for r in models.values() if r.visualization for m in r.visualization.explanations)
    return {n: MethodRecord(title=(m := HEATMAP_METHODS[n]).title, description=m.description, baseline=m.baseline)
            for n in names}


def _load_datasets(spec: Spec, spec_path: Path, progress: Progress) -> dict[str, Dataset]:
    """The data sets the models use; a file that fails only now (an unreadable image, NaN in
    an array) is blamed on its entry's line, as validation blames what it can see."""
    used = {m.dataset for m in spec.models}
    datasets = {}
    for name, config in spec.datasets.items():
        if name in used:
            try:
                datasets[name] = load_dataset(name, config, spec.seed)
            except DataError as err:
                raise located(spec_path, ("datasets", name, *(err.loc if isinstance(err, DataConfigError) else ())),
                              str(err)) from None
            d = datasets[name]
            progress(f"data {name}: {len(d.x_train):,} train + {len(d.x_test):,} test images {d.input_shape}")
    return datasets


def _extra_parts(data: Dataset) -> list[Any]:
    """The further test splits' names and arrays, for the training key (nothing when there are none)."""
    return [list(data.extra_tests), *(a for s in data.extra_tests.values() for a in (s.x, *s.labels.values()))
            ] if data.extra_tests else []


def _dataset_summary(data: Dataset) -> DatasetSummary:
    return DatasetSummary(kind=data.kind, train=len(data.x_train), test=len(data.x_test), input_shape=data.input_shape,
                          provenance=data.provenance)


def _model_stage(spec: Spec, model_spec: schema.Model, data: Dataset, out: Path, options: Options,
                 progress: Progress, source: Source | None = None) -> tuple[ModelResults, dict[str, Any]]:
    """The model's results (deterministic) and its timings (wall clock, cache hits), apart."""
    from netviz.models.build import model_outputs

    outputs = source.outputs if source else model_outputs(model_spec, data.class_names)
    dataset_config = spec.datasets[model_spec.dataset].model_dump(mode="json") if model_spec.dataset else None
    snapshots = spec.visualize.over_training.epochs if spec.visualize.over_training else None  # kept while training
    train_key = cache.training_key(model_spec.model_dump(mode="json", exclude={"visualize", "title", "description"}),
                                   *([{"snapshots": snapshots}] if snapshots else []),
                             dataset_config, spec.seed, spec.runtime.fast_kernels, data.x_train, data.labels_train,
                             data.x_test, data.labels_test, *((source.digest,) if source else ()), *_extra_parts(data))
    paths = cache.ModelPaths(out, model_spec.name)
    trained = None if options.force or source and model_spec.train is None \
        else cache.cached_record(paths.train_json, TrainingRecord, train_key)
    keras_model = initial = None
    timing = {"training_cached": False, "visualization_cached": False}
    if source is not None and model_spec.train is None:
        keras_model, initial, trained = _as_it_is(model_spec, source, train_key, progress)
    elif trained is not None and paths.model.exists():
        progress(f"{model_spec.name}: training cached (key {train_key[:8]}), nothing retrained")
        timing["training_cached"] = True
    else:
        keras_model, initial, trained = _train(spec, model_spec, data, outputs, paths, train_key, options, progress,
                                               source)
    timing["train_seconds"] = trained.seconds
    if not options.visualize:
        return _model_results(model_spec, outputs, trained, None, source), timing
    vis_key = cache.visualization_key(train_key, spec.visualize.model_dump(mode="json"),
                                      model_spec.visualize.model_dump(mode="json"))
    visual = None if options.force else cache.cached_record(paths.vis_json, VisualizationRecord, vis_key)
    if visual is not None and _figures_exist(out, visual.result):
        progress(f"{model_spec.name}: visualizations cached")
        timing["visualization_cached"] = True
    else:
        if keras_model is None:
            keras_model, initial = _load_models(paths)
        visual = VisualizationRecord(key=vis_key, result=_visualize(spec, model_spec, data, outputs, keras_model,
                                                                    initial, trained.history, out, progress, source,
                                                                    trained.evaluation))
        io.write_json(paths.vis_json, visual.model_dump(mode="json"))
    return _model_results(model_spec, outputs, trained, visual.result, source), timing


def _train(spec: Spec, model_spec: schema.Model, data: Dataset, outputs: list, paths: cache.ModelPaths, key: str,
           options: Options, progress: Progress, source: Source | None = None) -> tuple[Any, Any, TrainingRecord]:
    from netviz.models.runtime import start_tensorflow

    start_tensorflow(options.verbose)
    from netviz.models.build import build_model
    from netviz.train import distribute
    from netviz.train import fit as train

    strategy = distribute.strategy(spec.runtime.strategy)  # first: multi_worker must precede any op
    if source is not None:  # retrained from its own weights; the sanity check's baseline is its re-initialized copy
        keras_model, initial = source.model, source.initial()
    else:
        keras_model = distribute.build(model_spec, data.input_shape, spec.seed, spec.runtime)  # in the strategy's scope
        initial = build_model(model_spec, data.input_shape, spec.seed)  # same seed: the untrained weights
    _save_model(initial, paths.initial)
    t = model_spec.train
    assert t is not None  # a model without training goes through _as_it_is
    replicas = f" x {distribute.replicas(strategy)} replicas" if distribute.replicas(strategy) > 1 else ""
    mixed = ", mixed_float16" if distribute.use_mixed_precision(spec.runtime) else ""
    progress(f"{model_spec.name}: training {t.epochs} epoch(s), batch {t.batch_size}{replicas}, "
             f"{t.optimizer} lr {t.learning_rate:g}{mixed}")
    callbacks = []
    if spec.visualize.over_training:
        def save(epoch: int) -> None:
            with io.atomic_path(paths.snapshot(epoch), suffix=".weights.h5") as tmp:
                keras_model.save_weights(tmp)

        callbacks.append(train.snapshot_callback(spec.visualize.over_training.epochs, save))
    result = train.fit(keras_model, outputs, data.x_train, data.labels_train, t, spec.seed,
                       verbose=0 if options.quiet else (1 if sys.stdout.isatty() else 2),  # bars on a terminal
                       callbacks=callbacks, fast_kernels=spec.runtime.fast_kernels)
    evaluation = train.evaluate(keras_model, outputs, data.x_test, data.labels_test)
    extra = train.evaluate_extra(keras_model, outputs, data.extra_tests)
    summary = ", ".join(f"{name} {e.accuracy:.4f}" for name, e in evaluation.items())
    summary += "".join(f"; on {split}: " + ", ".join(f"{n} {e.accuracy:.4f}" for n, e in ev.items())
                       for split, ev in extra.items())
    progress(f"{model_spec.name}: trained in {result.seconds:.1f}s; test accuracy {summary}")
    _save_model(keras_model, paths.model)
    trained = TrainingRecord(
        key=key, history=result.history, evaluation=evaluation, train=t, seconds=round(result.seconds, 2),
        data=Split(train=result.train_size, validation=result.validation_size, test=len(data.x_test)),
        params=_params(keras_model), summary=_summary(keras_model, model_spec), extra_tests=extra,
    )
    io.write_json(paths.train_json, trained.model_dump(mode="json"))
    return keras_model, initial, trained


def _as_it_is(model_spec: schema.Model, source: Source, key: str, progress: Progress) -> tuple[Any, Any, TrainingRecord]:
    """An existing network with the weights it came with: evaluated on the test split when there is one."""
    from netviz.train import fit as train

    data = source.data
    evaluation = train.evaluate(source.model, source.outputs, data.x_test, data.labels_test) if source.labelled else {}
    extra = train.evaluate_extra(source.model, source.outputs, data.extra_tests) if source.labelled else {}
    if evaluation:
        summary = ", ".join(f"{name} {e.accuracy:.4f}" for name, e in evaluation.items())
        progress(f"{model_spec.name}: not trained (weights as loaded); test accuracy {summary}")
    else:
        progress(f"{model_spec.name}: not trained or evaluated; {len(data.x_test)} images to explain")
    trained = TrainingRecord(
        key=key, history={}, evaluation=evaluation, train=None, seconds=0.0,
        data=Split(train=0, validation=0, test=len(data.x_test) if source.labelled else 0),
        params=_params(source.model), summary=_summary(source.model, model_spec), extra_tests=extra,
    )
    return source.model, source.initial(), trained


def _save_model(model: Any, path: Path) -> None:
    with io.atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)


def _load_models(paths: cache.ModelPaths) -> tuple[Any, Any]:
    from netviz.models.runtime import start_tensorflow

    start_tensorflow()
    import keras

    from netviz.models.load import preprocess_layer_class

    preprocess_layer_class()  # registered before an application model is read back
    model = keras.models.load_model(paths.model, compile=False)
    initial = keras.models.load_model(paths.initial, compile=False) if paths.initial.exists() else None
    return model, initial


def _params(model: Any) -> Params:
    from netviz.models.summary import param_counts

    return Params(**param_counts(model))


def _summary(model: Any, model_spec: schema.Model) -> list[SummaryRow]:
    from netviz.models.summary import summary_rows

    heads = {name: head for name, head, _ in named_layers(model_spec) if head}
    return [SummaryRow(**row) for row in summary_rows(model, heads)]


def _visualize(spec: Spec, model_spec: schema.Model, data: Dataset, outputs: list, keras_model: Any, initial: Any,
               history: dict[str, list[float]], out: Path, progress: Progress,
               source: Source | None = None, evaluation: dict[str, Any] | None = None) -> Visualization:
    """The explain stage, then the figures stage, recorded as one model's visualization results."""
    from netviz.figures.draw import draw_model
    from netviz.models.architecture import collapse, layer_graph
    from netviz.views.model import explain_model

    started = time.perf_counter()
    given = (source.images, source.files) if source is not None and source.images is not None else None
    views = explain_model(keras_model, initial, outputs, data, spec.visualize, model_spec.visualize, spec.seed, given)
    graph = collapse(layer_graph(keras_model))
    over = _over_training(spec, model_spec, keras_model, outputs, data, out)
    figures, scores = draw_model(views, history, out, model_spec.name, model_spec.title or model_spec.name, graph,
                                 _head_labels(graph, outputs, evaluation), over)
    cascaded, cascade_record = _cascade(spec, model_spec, keras_model, initial, outputs, data, out, progress)
    figures += cascaded
    progress(f"{model_spec.name}: {len(figures)} figures in {time.perf_counter() - started:.1f}s")
    return Visualization(figures=figures, layers={a.layer: a.stats for a in views.activations},
                         filters={f.layer: f.stats for f in views.filters}, explanations=views.explanations,
                         over_training=scores, cascade=cascade_record, errors=views.errors)


def _cascade(spec: Spec, model_spec: schema.Model, keras_model: Any, initial: Any, outputs: list, data: Dataset,
             out: Path, progress: Progress) -> tuple[list, Any]:
    """Cascading randomization of every heatmap method: its figure and its record."""
    from netviz.figures.cascade import draw_cascade
    from netviz.views.cascade import cascade

    started = time.perf_counter()
    views = cascade(keras_model, initial, outputs, data, spec.visualize, model_spec.visualize, spec.seed)
    found = draw_cascade(views, out, model_spec.name, spec.visualize.cam.sanity_threshold)
    progress(f"{model_spec.name}: cascading randomization, {len(views.steps)} steps, in "
             f"{time.perf_counter() - started:.1f}s")
    return found


def _over_training(spec: Spec, model_spec: schema.Model, keras_model: Any, outputs: list, data: Dataset,
                   out: Path) -> Any:
    """The network at each kept epoch, when the spec asks and training kept them (an early stop keeps fewer)."""
    if spec.visualize.over_training is None:
        return None
    from netviz.views.over_training import over_training

    paths = cache.ModelPaths(out, model_spec.name)
    kept = {e: paths.snapshot(e) for e in spec.visualize.over_training.epochs if paths.snapshot(e).exists()}
    if not kept:
        return None
    return over_training(keras_model, kept, outputs, data, spec.visualize, model_spec.visualize, spec.seed)


def _head_labels(graph: Any, outputs: list, evaluation: dict[str, Any] | None) -> dict[str, str]:
    """Each output node's line: what the head predicts and, when evaluated, its test accuracy."""
    labels = {}
    for node, output in zip(graph.outputs, outputs):
        result = (evaluation or {}).get(output.name)
        labels[node] = f"{output.target}\ntest acc. {result.accuracy:.1%}" if result is not None else output.target
    return labels


def _figures_exist(out: Path, result: Visualization) -> bool:
    return all((out / fig.path).exists() for fig in result.figures)


def _model_results(model_spec: schema.Model, outputs: list, trained: TrainingRecord,
                   visualization: Visualization | None, source: Source | None = None) -> ModelResults:
    from netviz.models.summary import describe_layer

    layers_text = [source.origin] if source else [describe_layer(layer) for _, head, layer in named_layers(model_spec)
                                                  if head is None]
    return ModelResults(
        title=model_spec.title or model_spec.name, description=model_spec.description,
        dataset=source.data_name if source else model_spec.dataset or "",
        sequential=is_chain(model_spec),  # a chain of layers: no "Connected to" column
        layers_text=layers_text,
        params=trained.params, summary=trained.summary, data=trained.data, train=trained.train,
        history=trained.history,
        outputs={o.name: OutputDescription(target=o.target, activation=o.activation, class_names=list(o.class_names))
                 for o in outputs},
        evaluation=trained.evaluation, visualization=visualization, extra_tests=trained.extra_tests,
    )
