"""Every bad spec gets one located line, exit status 2, no traceback, no output touched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netviz.cli import main
from netviz.errors import SpecError
from netviz.registry import DATA_KINDS, LAYER_TYPES
from netviz.spec.loader import load_spec
from netviz.views.methods import selectable

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "specs" / "cs671-a2-task3.yaml").read_text()


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_default_spec_loads_with_three_models() -> None:
    spec = load_spec(ROOT / "specs" / "cs671-a2-task3.yaml")
    assert [m.name for m in spec.models] == ["seq_mnist", "seq_line", "multihead"]
    assert [h.name for h in spec.models[2].heads] == ["length", "width", "colour", "angle"]
    assert spec.front.team.members[2].id == "B16120"
    assert spec.models[0].reference_accuracy == 0.9787


# (name, old text, new text, field path, message) applied to the default spec; the error must
# point at the first line of the new text (or, for a removed field, at its parent mapping).
MUTATIONS = [
    ("zero epochs", "epochs: 30", "epochs: 0", "models[0].train.epochs", "must be >= 1"),
    ("negative epochs", "epochs: 30", "epochs: -3", "models[0].train.epochs", "must be >= 1"),
    ("unknown key with hint", "filters: 32, kernel_size: 7", "filtres: 32, kernel_size: 7", "models[0].layers[0].filtres",
     "unknown key (did you mean 'filters'?)"),
    ("unknown layer type", "{type: Conv2D, filters: 8", "{type: Conv3D, filters: 8", "models[2].trunk[3].type",
     "unknown type 'Conv3D' (did you mean 'Conv2D'?); expected one of " + ", ".join(f"'{t}'" for t in LAYER_TYPES.names())),
    ("missing dataset", "    dataset: mnist\n", "    dataset: mnits\n", "models[0].dataset",
     "no dataset named 'mnits' (did you mean 'mnist'?); defined: mnist, line"),
    ("absurd layer", "units: 1024", "units: 1000000000", "models[0].layers[4].units", "must be <= 65536"),
    ("wrong type", "seed: 1234", "seed: abc", "seed", "must be an integer"),
    ("missing title", "  title: Network Visualization\n", "", "front.title", "required field is missing"),
    ("bad head target", "target: length", "target: lenght", "models[2].heads[0].target",
     "line data has no label 'lenght'; expected one of class, length, width, angle, colour"),
    ("unknown dataset kind", "kind: line", "kind: lines", "datasets.line.kind",
     "unknown kind 'lines' (did you mean 'line'?); expected one of " + ", ".join(f"'{k}'" for k in DATA_KINDS.names())),
    ("dropout rate", "{type: Dropout, rate: 0.4}\n      - {type: Flatten}", "{type: Dropout, rate: 1.4}\n      - {type: Flatten}",
     "models[2].trunk[5].rate", "must be < 1"),
    ("list for int", "per_class: 1000 ", "per_class: [1] ", "datasets.line.per_class", "must be an integer"),
    ("wrong output units", "units: 96, activation: softmax", "units: 95, activation: softmax", "models[1].layers[5]",
     "the output layer for 'class' (96 classes) must be a Dense with 96 units and softmax"),
    ("kernel too big", "kernel_size: 7, strides: 1", "kernel_size: 29, strides: 1", "models[0].layers[0]",
     "kernel 29x29 does not fit the 28x28 input"),
    ("too many params", "units: 1024", "units: 60000", "models[0].layers[4]", "the model would have over 200,000,000 parameters"),
    ("zero images per class", "per_class: 1000 ", "per_class: 0 ", "datasets.line.per_class", "must be >= 2"),
    ("duplicate model", "  - name: seq_line", "  - name: seq_mnist", "models[1].name", "duplicate model name 'seq_mnist'"),
    ("unknown visualize key", "  images: 6", "  imgs: 6", "visualize.imgs", "unknown key (did you mean 'images'?)"),
    ("too few images", "  images: 6", "  images: 3", "visualize.images", "must be >= 6"),
    ("bad optimizer", "optimizer: adam, learning_rate: 0.003, epochs: 30", "optimizer: adamm, learning_rate: 0.003, epochs: 30",
     "models[0].train.optimizer", "must be one of 'adam', 'sgd', 'rmsprop' or 'adamw'"),
    ("bad activation", "units: 1024, activation: relu", "units: 1024, activation: rellu", "models[0].layers[4].activation",
     "must be one of 'relu', 'sigmoid', 'softmax', 'tanh', 'linear', 'elu', 'selu', 'gelu' or 'swish'"),
    ("both layer forms", "    target: class\n    reference_accuracy: 0.9787\n",
     "    target: class\n    reference_accuracy: 0.9787\n    trunk: []\n", "models[0]",
     "give either 'layers' (sequential) or 'trunk' and 'heads', not both"),
    ("bad cam method", "methods: [gradcam, gradcam_plus_plus, scorecam]", "methods: [gradcam, lime]", "visualize.cam.methods[1]",
     "must be one of " + ", ".join(f"'{m}'" for m in selectable()[:-1]) + f" or '{selectable()[-1]}'"),
    ("cam method twice", "methods: [gradcam, gradcam_plus_plus, scorecam]", "methods: [gradcam, scorecam, gradcam]",
     "visualize.cam.methods", "lists 'gradcam' more than once"),
    ("missing layer for cam", "    train: {optimizer: adam, learning_rate: 0.003, epochs: 30",
     "    visualize: {cam: conv2d_9}\n    train: {optimizer: adam, learning_rate: 0.003, epochs: 30", "models[0].visualize.cam",
     "model 'seq_mnist' has no layer 'conv2d_9' (did you mean 'conv2d'?)"),
    ("missing layer for cam_layers", "    train: {optimizer: adam, learning_rate: 0.003, epochs: 30",
     "    visualize: {cam_layers: [conv2d, conv2d_9]}\n    train: {optimizer: adam, learning_rate: 0.003, epochs: 30",
     "models[0].visualize.cam_layers[1]", "model 'seq_mnist' has no layer 'conv2d_9' (did you mean 'conv2d'?)"),
    ("global cam layers a model lacks", "target: predicted, eval_images: 200}",
     "target: predicted, eval_images: 200, layers: [conv2d, conv2d_1]}", "visualize.cam.layers[1]",
     "model 'seq_mnist' has no layer 'conv2d_1' with spatial maps; give that model its own 'visualize.cam_layers'"),
    ("cam on a dense layer", "    train: {optimizer: adam, learning_rate: 0.003, epochs: 30",
     "    visualize: {cam: dense}\n    train: {optimizer: adam, learning_rate: 0.003, epochs: 30", "models[0].visualize.cam",
     "layer 'dense' is a Dense with output shape (1024,), not a layer with spatial maps"),
    ("conv after flatten", "      - {type: Flatten}\n      - {type: Dense, units: 1024, activation: relu}\n      - {type: Dense, units: 10,",
     "      - {type: Flatten}\n      - {type: Conv2D, filters: 4, kernel_size: 3}\n      - {type: Dense, units: 10,", "models[0].layers[4]",
     "Conv2D needs an image-shaped input, got shape (3872,)"),
    ("python tag", "seed: 1234", "seed: !!python/object/apply:os.system [ls]", "seed",
     "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed (safe YAML only)"),
    ("duplicate key", "seed: 1234", "seed: 1234\nseed: 5", "seed", "duplicate key"),
    ("output escapes", "seed: 1234", "seed: 1234\noutput: ../../etc", "output", "'../../etc' leads out of the project ('..' is not allowed)"),
    ("absolute output", "seed: 1234", "seed: 1234\noutput: /etc/netviz", "output", "'/etc/netviz' must be a relative path inside the project"),
    ("templates escape", "seed: 1234", "seed: 1234\nreport: {templates: ../../etc}", "report.templates",
     "'../../etc' leads out of the project ('..' is not allowed)"),
    ("missing template folder", "seed: 1234", "seed: 1234\nreport: {templates: my_templates}", "report.templates",
     "no such folder 'my_templates' (relative to the spec)"),
    ("mapping for list", "    members:\n", "    members: {a: 1}\n    old_members:\n", "front.team.members", "must be a list"),
    ("list for mapping", "  course: {code: CS-671, name: Deep Learning and its Applications}", "  course: [CS-671]",
     "front.course", "must be a mapping"),
    ("misspelt trunk", "    trunk:\n", "    trunk_:\n", "models[2].trunk_", "unknown key (did you mean 'trunk'?)"),
    ("no layers at all", "    layers:\n      - {type: Conv2D, filters: 32, kernel_size: 7, strides: 1, activation: relu}",
     "    layerz:\n      - {type: Conv2D, filters: 32, kernel_size: 7, strides: 1, activation: relu}", "models[0].layerz",
     "unknown key (did you mean 'layers'?)"),
    ("negative images", "  images: 6", "  images: -6", "visualize.images", "must be >= 6"),
    ("negative sanity threshold", "target: predicted, eval_images: 200}", "target: predicted, eval_images: 200, sanity_threshold: -0.5}", "visualize.cam.sanity_threshold", "must be >= 0"),
    # YAML 1.1 reads yes/no/on/off/true/false as booleans: where text is expected, say so, quoting the word written
    ("boolean for a choice", "target: predicted", "target: true", "visualize.cam.target",
     "YAML read this as the boolean true; write 'true' in quotes"),
    ("boolean in a list of choices", "methods: [gradcam, gradcam_plus_plus, scorecam]", "methods: [gradcam, yes]",
     "visualize.cam.methods[1]", "YAML read this as the boolean true; write 'yes' in quotes"),
    ("boolean for a kind", "kind: line", "kind: off", "datasets.line.kind",
     "YAML read this as the boolean false; write 'off' in quotes"),
    ("boolean for text", "  title: Network Visualization\n", "  title: No\n", "front.title",
     "YAML read this as the boolean false; write 'No' in quotes"),
    ("boolean for a name", "  - name: seq_line", "  - name: on", "models[1].name",
     "YAML read this as the boolean true; write 'on' in quotes"),
]


@pytest.mark.parametrize("name,old,new,field,message", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_bad_spec_gets_one_located_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        name: str, old: str, new: str, field: str, message: str) -> None:
    assert old in DEFAULT, f"mutation {name!r} no longer applies to the default spec"
    text = DEFAULT.replace(old, new, 1)
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    prefix, _, rest = err.partition(f"{spec}:")
    assert prefix == "netviz: error: "
    line, _, detail = rest.partition(": ")
    assert detail == f"{field}: {message}"
    assert int(line) == _expected_line(text, old, new, name)


PARENT_LINE = {"missing title": "front:"}
FIRST_OF_BLOCK = {"output escapes": "output:", "absolute output": "output:", "templates escape": "report: {templates",
                  "missing template folder": "report: {templates", "mapping for list": "    members:",
"both layer forms": "  - name: seq_mnist", "wrong output units": "{type: Dense, units: 95",
                  "too many params": "units: 60000", "conv after flatten": "{type: Conv2D, filters: 4",
                  "duplicate model": "  - name: seq_mnist\n    title: Sequential CNN on LINE",
                  "missing layer for cam": "visualize: {cam", "cam on a dense layer": "visualize: {cam",
                  "duplicate key": "seed: 5"}


def _expected_line(text: str, old: str, new: str, name: str) -> int:
    anchor = PARENT_LINE.get(name) or FIRST_OF_BLOCK.get(name)
    if anchor is None:
        start = DEFAULT.index(old)
        return text[:start].count("\n") + 1
    return _line_of(text, anchor)


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "bad.yaml:1: the spec is empty"),
        (b"- a\n- b\n", "bad.yaml:1: the spec must be a mapping of keys to values"),
        (b"front:\n\tcourse: x\n", "bad.yaml:2: YAML syntax error: tabs are not allowed for indentation; use spaces"),
        (b"front: [unclosed\n", "bad.yaml:2: YAML syntax error: expected ',' or ']', but got '<stream end>'"),
        (b"seed: 1\n\xff\xfe\n", "bad.yaml:2: not valid UTF-8 text"),
        (b"seed: 1\n", "bad.yaml:1: front: required field is missing"),
    ],
)
def test_unreadable_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_bytes(content)
    assert main(["validate", str(spec)]) == 2
    assert capsys.readouterr().err.strip() == f"netviz: error: {tmp_path}/{expected}"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"nope\.yaml: no such file"):
        load_spec(tmp_path / "nope.yaml")


def test_cli_prints_no_traceback_and_leaves_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("the previous good report")
    spec = tmp_path / "bad.yaml"
    spec.write_text(DEFAULT.replace("epochs: 30", "epochs: 0"))
    run = subprocess.run([sys.executable, "-m", "netviz", "build", str(spec), "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().endswith("models[0].train.epochs: must be >= 1")
    assert [p.name for p in out.iterdir()] == ["report.html"]
    assert (out / "report.html").read_text() == "the previous good report"


def test_import_netviz_does_not_import_tensorflow() -> None:
    code = "import sys, netviz, netviz.cli, netviz.spec, netviz.pipeline.stages; print('tensorflow' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "False"


def test_committed_json_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "specs" / "netviz.schema.json").read_text(), "run: netviz schema > specs/netviz.schema.json"
    assert '"additionalProperties": false' in printed


def test_example_specs_name_the_schema() -> None:
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        assert spec.read_text().splitlines()[0] == "# yaml-language-server: $schema=netviz.schema.json", spec.name
