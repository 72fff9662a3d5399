"""The figures stage on the views of tiny models: which files, in which order, with which captions."""

from __future__ import annotations

from netviz.figures.draw import dead_filters_sentence, draw_model
from netviz.spec import schema
from netviz.views.model import explain_model
from tests.views import four_head, softmax_info, tiny_cnn
from tests.views.test_model import SETTINGS, dataset


def test_single_output_model_figures_in_report_order(tmp_path):
    views = explain_model(tiny_cnn("sequential"), tiny_cnn("sequential", seed=9), [softmax_info()], dataset(1),
                          SETTINGS, schema.LayerChoice(), 0)
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": [1.1, 0.6], "val_accuracy": [0.4, 0.7]}
    figures, over = draw_model(views, history, tmp_path, "seq", "Tiny CNN")
    assert over is None  # no epochs kept
    paths = [f.path for f in figures]
    galleries = [f for f in figures if f.kind in ("errors", "gallery")]
    assert paths[: len(paths) - len(galleries)] == [
        "figures/seq/training_curves.svg",
        "figures/seq/activations_conv2d.png", "figures/seq/activations_batch_normalization.png",
        "figures/seq/activations_max_pooling2d.png", "figures/seq/activations_conv2d_1.png",
        "figures/seq/filters_conv2d.png", "figures/seq/kernels_conv2d.png",
        "figures/seq/filters_conv2d_1.png", "figures/seq/kernels_conv2d_1.png",
        "figures/seq/exemplars_conv2d.png", "figures/seq/exemplars_conv2d_1.png",
        "figures/seq/gradcam_class.png", "figures/seq/gradcam_plus_plus_class.png", "figures/seq/scorecam_class.png",
        "figures/seq/deletion_insertion.svg",
    ]
    assert all((tmp_path / p).stat().st_size > 0 for p in paths)
    assert [f.kind for f in figures][: len(paths) - len(galleries)] == \
        ["curves"] + ["activations"] * 4 + ["filters", "kernels"] * 2 + ["exemplars"] * 2 + ["cam"] * 3 + ["trust"]
    # last the galleries: mistakes, unsure and typical answers, then one per confused pair with its id
    assert [f.path for f in galleries[:3]] == [f"figures/seq/errors/errors_class_{k}.png"
                                               for k in ("mistakes", "unsure", "typical")]
    assert all(f.kind == "gallery" and f.anchor.startswith("errors-seq-class-") for f in galleries[3:])
    assert len(galleries[3:]) == len(views.errors["class"].pairs)
    assert figures[0].caption == "Training and validation loss and accuracy per epoch for Tiny CNN."
    cam = figures[11]
    assert (cam.layer, cam.head, cam.method) == ("conv2d_1", "class", "gradcam")
    assert cam.caption.startswith("Grad-CAM heatmaps on layer conv2d_1 (the last layer with a spatial map: 5x5 cells of a"
                                  " 10x10 input) for head class: top row the inputs (true class")
    trust = next(f for f in figures if f.kind == "trust")
    assert trust.layer == "conv2d_1" and "on 40 test images, heatmaps of layer conv2d_1" in trust.caption
    conv = views.activations[0].stats
    assert figures[1].caption.startswith("Activations of layer conv2d (4 channels of 8x8) for 6 test images")
    assert f"Mean activation {conv.mean_activation:.3f}; {conv.dead_share:.0%} of channels never fire" in figures[1].caption
    assert figures[5].caption.startswith("Inputs that maximize each of the 4 filters of conv2d (10 steps of gradient ascent")
    assert "one panel per input channel (1)" in figures[6].caption


def test_no_history_no_curves_and_every_head_drawn(tmp_path):
    model, infos = four_head()
    settings = SETTINGS.model_copy(update={"cam": schema.Cam(methods=["gradcam"], eval_images=30)})
    views = explain_model(model, None, infos, dataset(3, masks=True), settings,
                          schema.LayerChoice(activations=["conv2d_1"], filters=["conv2d"], cam="conv2d"), 1)
    figures, _ = draw_model(views, {}, tmp_path, "multi", "Multi")
    assert [f.path for f in figures if f.kind == "cam"] == [
        f"figures/multi/gradcam_{h}.png" for h in ("length", "width", "colour", "angle")]
    cam = next(f for f in figures if f.kind == "cam")
    assert "on layer conv2d (chosen in the spec: 8x8 cells of a 10x10 input) for head length" in cam.caption
    assert figures[0].kind == "activations"
    assert (tmp_path / "figures/multi/deletion_insertion.svg").read_text().startswith("<?xml")


def test_dead_filters_sentence_counts_and_explains() -> None:
    assert dead_filters_sentence(0, 8) == "every one of the 8 filters fires on some input."
    assert dead_filters_sentence(20, 32).startswith("20 of the 32 filters (62%) fire on no input at all (red frame)")
    assert dead_filters_sentence(20, 32).endswith("so the layer works with 12.")


def test_several_layers_side_by_side_with_their_scores(tmp_path):
    """visualize.cam_layers: the first method on the first head at each layer, one figure, each layer's scores;
    the scores at the default layer are the ones the method's own row of the score table has."""
    settings = SETTINGS.model_copy(update={"cam": schema.Cam(methods=["gradcam", "scorecam"], eval_images=30)})
    choice = schema.LayerChoice(cam_layers=["conv2d", "conv2d_1"])
    views = explain_model(tiny_cnn("sequential"), None, [softmax_info()], dataset(1, masks=True), settings, choice, 0)
    compared = views.layers
    assert compared is not None and list(compared.maps) == ["conv2d", "conv2d_1"]
    assert compared.cells == {"conv2d": (8, 8), "conv2d_1": (5, 5)} and compared.input_size == (10, 10)
    assert all(m.shape == (6, 10, 10) for m in compared.maps.values())
    assert compared.scores["conv2d_1"] == views.explanations["gradcam"]["class"]  # conv2d_1 is the default layer
    figures, _ = draw_model(views, {}, tmp_path, "seq", "Tiny CNN")
    layers = next(f for f in figures if f.path == "figures/seq/gradcam_class_layers.png")
    s = compared.scores["conv2d"]
    assert layers.kind == "cam" and layers.caption.startswith(
        "Grad-CAM heatmaps of head class at 2 layers chosen in the spec, one row per layer")
    assert (f"conv2d (8x8 cells): pointing game {s.pointing_game:.0%} (chance {s.chance_pointing:.0%}), deletion AUC"
            f" {s.deletion_auc:.2f}, insertion AUC {s.insertion_auc:.2f}") in layers.caption
    assert "; conv2d_1 (5x5 cells): pointing game" in layers.caption
    assert [f.kind for f in figures if f.kind not in ("errors", "gallery")][-2:] == ["cam", "trust"]  # after the method figures, before the curves
