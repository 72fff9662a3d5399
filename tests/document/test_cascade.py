"""The sentence on each method's cascading randomization, on cases whose answer is known: a method whose maps
do not come apart from the trained ones is never said to depend on the learned weights."""

from __future__ import annotations

from types import SimpleNamespace

from netviz.document.cascade import cascade_notes, cascade_sentence
from netviz.document.model_view import Explanation
from netviz.results import CascadeRecord, Scores

STEPS = [["dense_1"], ["dense"], ["conv2d"]]


def record(spearman: dict[str, dict[str, list[float]]], above: tuple[bool, ...] = (True, True, False),
           steps: list[list[str]] = STEPS) -> CascadeRecord:
    ssim = {m: {h: [v / 2 for v in values] for h, values in per.items()} for m, per in spearman.items()}
    return CascadeRecord(steps=steps, layer="conv2d", above=list(above), images=64, spearman=spearman, ssim=ssim)


def test_a_method_that_changes_with_the_output_layer_depends_on_the_weights():
    found = cascade_sentence(record({"gradcam": {"class": [0.12, 0.05, 0.02]}}), "gradcam", "Grad-CAM", 0.5)
    assert found == ("Grad-CAM changes as soon as the output layer dense_1 is randomized (step 1 of 3, |ρ| 0.12,"
                     " SSIM 0.06): it depends on the learned weights.")


def test_a_method_that_never_changes_is_not_praised():
    found = cascade_sentence(record({"scorecam": {"class": [0.9, 0.8, 0.7]}}), "scorecam", "Score-CAM", 0.5)
    assert found == ("Score-CAM never comes apart (step 3 of 3, |ρ| 0.70, SSIM 0.35: every layer randomized): its"
                     " maps do not show what was learned.")
    assert "depends on" not in found and "changes" not in found


def test_a_method_that_comes_back_is_read_as_the_image():
    found = cascade_sentence(record({"gradcam": {"class": [0.3, 0.6, 0.7]}}), "gradcam", "Grad-CAM", 0.5)
    assert found.startswith("Grad-CAM comes apart after dense_1 (step 1 of 3, |ρ| 0.30")
    assert found.endswith("comes back with every layer randomized (|ρ| 0.70, threshold 0.50): its maps show the image"
                          " more than the learned weights.")


def test_a_method_that_ignores_the_layers_above_its_heatmap_layer_is_said_so():
    found = cascade_sentence(record({"gradcam": {"class": [0.9, 0.85, 0.2]}}), "gradcam", "Grad-CAM", 0.5)
    assert found == ("Grad-CAM changes only once conv2d, at or below its heatmap layer, is randomized (step 3 of 3,"
                     " |ρ| 0.20, SSIM 0.10): the layers above it, which turn its maps into the class, change little"
                     " of what it shows (|ρ| 0.85 with them randomized).")


def test_a_later_step_above_the_heatmap_layer_and_the_mean_over_heads():
    heads = {"length": [0.9, 0.2, 0.1], "angle": [0.7, 0.6, 0.3]}  # means 0.8, 0.4, 0.2
    steps = [["length", "angle"], ["length_hidden", "angle_hidden"], ["conv2d"]]
    found = cascade_sentence(record({"gradcam": heads}, steps=steps), "gradcam", "Grad-CAM", 0.5)
    assert found == ("Grad-CAM changes once the layers down to length_hidden and angle_hidden are randomized (step 2"
                     " of 3, |ρ| 0.40, SSIM 0.20; |ρ| 0.80 a step earlier): it depends on the"
                     " learned weights.")


def test_notes_per_model_skip_the_baselines_and_models_without_a_cascade():
    rows = [Explanation("gradcam", "Grad-CAM", "class", Scores()),
            Explanation("edges", "Edge baseline", "class", Scores(), baseline=True)]
    cascaded = record({"gradcam": {"class": [0.12, 0.05, 0.02]}, "edges": {"class": [1.0, 1.0, 1.0]}})
    models = [SimpleNamespace(name="net", explanations=rows, cascade=cascaded),
              SimpleNamespace(name="old", explanations=rows, cascade=None)]
    notes = cascade_notes(models, 0.5)
    assert list(notes) == ["net"] and len(notes["net"]) == 1 and notes["net"][0].startswith("Grad-CAM changes as soon")
    cascaded = record({"gradcam": {"a": [0.1, 0.1, 0.1], "b": [0.3, 0.1, 0.1]}})
    two = cascade_notes([SimpleNamespace(name="net", explanations=rows, cascade=cascaded)], 0.5)["net"]
    assert two[0] == "Means over the 2 outputs." and two[1].startswith("Grad-CAM changes as soon as the output layer"
                                                                         " dense_1 is randomized (step 1 of 3, |ρ| 0.20,")


def test_the_body_says_it_under_the_verdicts_and_the_appendix_draws_the_curves(tmp_path):
    from netviz.document import build_html
    from tests.document import load_raw, make_build, make_spec

    raw = load_raw()
    name, first = next(iter(raw["models"].items()))
    vis = first["visualization"]
    methods = [m for m in vis["explanations"] if not raw["methods"][m]["baseline"]]
    heads = list(vis["explanations"][methods[0]])
    vis["cascade"] = record({m: {h: [0.12, 0.05, 0.02] for h in heads} for m in vis["explanations"]}).model_dump()
    vis["figures"].append({"path": f"figures/{name}/cascade.svg", "kind": "cascade", "caption": "Cascading curves.",
                           "layer": "conv2d", "head": None, "method": None})
    metrics, spec_path = make_build(tmp_path, raw)
    html = build_html(make_spec(), spec_path, metrics, tmp_path)
    said = html.index("<strong>Cascading randomization.</strong>")
    assert html.index(f'id="sec-res-{name}"') < said < html.index('id="sec-inferences"')
    title = raw["methods"][methods[0]]["title"]
    assert f"{title} changes as soon as the output layer dense_1 is randomized" in html[said:said + 2000]
    group = html.index(f'id="app-{name}-cascade"')
    assert html.index('id="sec-appendix"') < group < html.index("Cascading curves.")
    assert f'Curves per method: <a href="#app-{name}-cascade">Appendix A.' in html[said:group]


def test_after_several_steps_above_the_heatmap_layer_it_gives_the_step_before():
    steps = [["dense_1"], ["dense"], ["batch_normalization"], ["conv2d"]]
    found = cascade_sentence(record({"gradcam": {"class": [0.9, 0.7, 0.3, 0.2]}}, above=(True, True, True, False),
                                    steps=steps), "gradcam", "Grad-CAM", 0.5)
    assert found.startswith("Grad-CAM changes once the layers down to batch_normalization are randomized (step 3 of 4,")
    assert found.endswith("|ρ| 0.70 a step earlier): it depends on the learned weights.")


def test_a_step_of_many_layers_is_its_first_and_how_many_more():
    steps = [["length", "width", "colour", "angle"], ["conv2d"]]
    found = cascade_sentence(record({"gradcam": {"class": [0.1, 0.0]}}, above=(True, False), steps=steps), "gradcam",
                             "Grad-CAM", 0.5)
    assert found.startswith("Grad-CAM changes as soon as the output layers length and 3 more are randomized")
