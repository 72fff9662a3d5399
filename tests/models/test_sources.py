"""Existing networks: a saved .keras file with a branch, as it is or retrained; bad files exit 2 in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netviz import pipeline
from netviz.cli import main
from netviz.models.runtime import start_tensorflow
from netviz.pipeline import stages
from netviz.views.model import as_float

SIDE, CLASSES = 12, 3

SPEC = """\
front:
  course: {code: C-1, name: Course}
  assignment: A1
  title: Existing
  team: {name: T, members: [{name: N}]}
seed: 3
datasets:
  tiny:
    kind: arrays
    path: NPZ
models:
  - name: saved
    dataset: tiny
    file: MODEL
TRAIN
visualize:
  images: 6
  filters: {steps: 3}
  cam: {methods: [gradcam], eval_images: 8}
report: {pdf: false}
"""


def branch_model(side: int = SIDE) -> object:
    """A functional CNN whose stem splits into a Conv2D and a SeparableConv2D branch, joined by Add."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(1)
    image = keras.Input(shape=(side, side, 1))
    stem = layers.Conv2D(4, 3, padding="same", activation="relu", name="stem")(image)
    left = layers.Conv2D(4, 3, padding="same", activation="relu", name="left")(stem)
    right = layers.SeparableConv2D(4, 3, padding="same", activation="relu", name="right")(stem)
    joined = layers.Add(name="join")([left, right])
    deep = layers.DepthwiseConv2D(3, padding="same", name="depthwise")(joined)
    pooled = layers.GlobalAveragePooling2D()(deep)
    return keras.Model(image, layers.Dense(CLASSES, activation="softmax", name="out")(pooled))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    start_tensorflow()
    work = tmp_path_factory.mktemp("sources")
    rng = np.random.default_rng(0)
    y = np.arange(60) % CLASSES
    x = rng.integers(0, 60, (60, SIDE, SIDE)).astype(np.uint8)
    for i, label in enumerate(y):  # a bright square whose place tells the class
        x[i, 2 + 3 * label : 5 + 3 * label, 2:6] = 250
    np.savez(work / "tiny.npz", x=x, y=y)
    branch_model().save(work / "branch.keras")
    return work


def write_spec(work: Path, name: str, model: str = "branch.keras", train: str = "    train: false") -> Path:
    path = work / f"{name}.yaml"
    path.write_text(SPEC.replace("MODEL", model).replace("TRAIN", train).replace("NPZ", str(work / "tiny.npz")))
    return path


def weights(model: object) -> list[bytes]:
    return [np.asarray(w).tobytes() for w in model.weights]  # type: ignore[attr-defined]


def test_a_saved_branching_model_is_visualized_as_it_is(workdir: Path) -> None:
    import keras

    from netviz.models import graph

    before = (workdir / "branch.keras").read_bytes()
    result = pipeline.build(write_spec(workdir, "as_is"), pipeline.Options(out=workdir / "as_is", quiet=True, pdf=False))
    assert (workdir / "branch.keras").read_bytes() == before
    loaded = keras.models.load_model(workdir / "branch.keras", compile=False)
    m = result.results.models["saved"]
    assert m.train is None and m.history == {} and m.params.total == loaded.count_params()
    # every conv-like layer the defaults choose has an activation and a filter figure
    conv = graph.conv_like(loaded)
    assert conv == ["stem", "left", "right", "depthwise"]
    figures = {(f.kind, f.layer) for f in m.visualization.figures}
    assert {("activations", n) for n in conv} <= figures and {("filters", n) for n in conv} <= figures
    assert ("activations", "join") in figures
    assert {f.layer for f in m.visualization.figures if f.kind == "cam"} == {"depthwise"}  # the last spatial layer
    # the accuracy is the file's own: recomputed from the file on the same test split, it is the same number
    from netviz.data import load_dataset
    from netviz.spec.loader import load_spec

    data = load_dataset("tiny", load_spec(workdir / "as_is.yaml").datasets["tiny"], 3)
    predicted = loaded.predict(as_float(data.x_test), verbose=0).argmax(axis=1)
    assert m.evaluation["class"].accuracy == pytest.approx(float((predicted == data.labels_test["class"]).mean()))
    assert m.data.test == len(data.x_test) and m.layers_text == ["loaded from branch.keras (8 layers)"]
    html = result.html.read_text()
    assert "Not trained: the network is shown with the weights it came with." in html


def test_train_false_keeps_the_weights_byte_identical(workdir: Path) -> None:
    import keras

    from netviz.data import load_dataset
    from netviz.models.existing import load_sources
    from netviz.spec.loader import load_spec

    spec_path = write_spec(workdir, "identical")
    spec = load_spec(spec_path)
    datasets = {"tiny": load_dataset("tiny", spec.datasets["tiny"], spec.seed)}
    source = load_sources(spec, spec_path, datasets, False, lambda _: None)["saved"]
    out = workdir / "identical"
    stages._model_stage(spec, spec.models[0], source.data, out, pipeline.Options(out=out, quiet=True),
                        stages.Progress(True), source)
    assert weights(source.model) == weights(keras.models.load_model(workdir / "branch.keras", compile=False))


def test_a_train_block_retrains_the_file_and_reports_accuracy(workdir: Path) -> None:
    import keras

    spec = write_spec(workdir, "retrain", train="    train: {epochs: 2, batch_size: 8, validation_split: 0, learning_rate: 0.01}")
    result = pipeline.build(spec, pipeline.Options(out=workdir / "retrain", quiet=True, pdf=False, visualize=False,
                                                   report=False))
    m = result.results.models["saved"]
    assert m.train is not None and m.train.epochs == 2 and len(m.history["loss"]) == 2
    assert 0.0 <= m.evaluation["class"].accuracy <= 1.0 and m.data.train > 0
    trained = keras.models.load_model(workdir / "retrain" / "models" / "saved.keras", compile=False)
    original = keras.models.load_model(workdir / "branch.keras", compile=False)
    assert [w.name for w in trained.weights] == [w.name for w in original.weights]
    changed = [a != b for a, b in zip(weights(trained), weights(original))]
    assert all(changed[:2])  # the stem's kernel and bias moved


def test_the_cache_key_hashes_the_file(workdir: Path) -> None:
    from netviz.models.load import source_digest
    from netviz.spec.loader import load_spec

    spec = load_spec(write_spec(workdir, "digest"))
    first = source_digest(spec.models[0])
    other = workdir / "other.keras"
    branch_model().save(other)  # the same architecture, the same seed: the same weights...
    import keras

    model = keras.models.load_model(other, compile=False)
    model.get_layer("stem").bias.assign(np.ones(4, dtype=np.float32))  # ... but one bias changed
    model.save(other)
    second = source_digest(load_spec(write_spec(workdir, "digest2", model="other.keras")).models[0])
    assert first != second


def _one_line_exit_2(spec: Path, capsys: pytest.CaptureFixture[str], out: Path) -> str:
    code = main(["build", str(spec), "--out", str(out), "--quiet", "--no-pdf"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert not out.exists()
    return err


def test_a_file_that_is_not_a_keras_model_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "junk.keras").write_bytes(b"this is not a zip file")
    err = _one_line_exit_2(write_spec(workdir, "junk", model="junk.keras"), capsys, workdir / "junk_out")
    assert "junk.yaml:14: models[0].file:" in err and "not a Keras model" in err


def test_an_input_shape_that_does_not_match_the_data_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    branch_model(side=16).save(workdir / "wide.keras")
    err = _one_line_exit_2(write_spec(workdir, "wide", model="wide.keras"), capsys, workdir / "wide_out")
    assert "models[0].dataset:" in err and "16x16x1 but the images of data set 'tiny' are 12x12x1" in err


def test_custom_objects_exit_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import keras

    @keras.saving.register_keras_serializable(package="elsewhere")
    class Doubler(keras.layers.Layer):
        def call(self, x):  # type: ignore[no-untyped-def]
            return 2.0 * x

    image = keras.Input(shape=(SIDE, SIDE, 1))
    x = keras.layers.Conv2D(2, 3, name="conv")(Doubler(name="double")(image))
    out = keras.layers.Dense(CLASSES, activation="softmax")(keras.layers.Flatten()(x))
    keras.Model(image, out).save(workdir / "custom.keras")
    keras.saving.get_custom_objects().pop("elsewhere>Doubler")  # as in a process that never defined it
    err = _one_line_exit_2(write_spec(workdir, "custom", model="custom.keras"), capsys, workdir / "custom_out")
    assert "models[0].file:" in err and "needs custom objects" in err and "Doubler" in err


def test_a_missing_file_is_refused_at_validation(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(write_spec(workdir, "missing", model="nowhere.keras"))])
    err = capsys.readouterr().err.strip()
    assert code == 2 and f"missing.yaml:14: models[0].file: {workdir.resolve() / 'nowhere.keras'}: no such file or folder" in err


def test_a_visualize_layer_the_file_lacks_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec(workdir, "typo", train="    train: false\n    visualize: {filters: [stem, lefft]}")
    err = _one_line_exit_2(spec, capsys, workdir / "typo_out")
    assert "typo.yaml:16: models[0].visualize.filters[1]: the model has no layer 'lefft' (did you mean 'left'?)" in err


def _head_model(name: str, workdir: Path, activation: str | None) -> str:
    import keras

    keras.utils.set_random_seed(2)
    image = keras.Input(shape=(SIDE, SIDE, 1))
    x = keras.layers.Flatten()(keras.layers.Conv2D(2, 3, activation="relu", name="conv")(image))
    keras.Model(image, keras.layers.Dense(CLASSES, activation=activation, name="out")(x)).save(workdir / f"{name}.keras")
    return f"{name}.keras"


def test_an_output_that_is_no_classifier_exits_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec(workdir, "relu", model=_head_model("relu", workdir, "relu"))
    err = _one_line_exit_2(spec, capsys, workdir / "relu_out")
    assert ("relu.yaml:14: models[0].file: output 'out' ends in a relu, which is not a classifier's softmax, sigmoid"
            " or logits") in err


def test_output_logits_on_a_softmax_model_is_located_at_output(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec(workdir, "said", train="    train: false\n    output: logits")
    err = _one_line_exit_2(spec, capsys, workdir / "said_out")
    assert "said.yaml:16: models[0].output: the spec says output: logits but 'out' ends in a softmax" in err


def test_output_is_refused_on_a_declared_model(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from netviz.errors import SpecError
    from netviz.spec.loader import load_spec

    spec = workdir / "declared.yaml"
    spec.write_text(SPEC.replace("    file: MODEL\n", "    target: class\n    output: logits\n    layers:\n"
                                 "      - {type: Flatten}\n      - {type: Dense, units: 3, activation: softmax}\n")
                    .replace("TRAIN", "").replace("NPZ", str(workdir / "tiny.npz")))
    with pytest.raises(SpecError, match="'output' describes a 'file' or 'application' model"):
        load_spec(spec)
