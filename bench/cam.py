"""Class-activation maps on big networks: netviz beside tf-keras-vis, and both against the hardware.

Run from the repository root (tf-keras-vis comes with ``pip install -e ".[bench]"``):
    python bench/cam.py                                  # ResNet50 and MobileNetV2, 8 images, 3 rounds
    python bench/cam.py --images 4 --networks MobileNetV2 --rounds 2

Each network is a Keras application at 224x224 with random weights (``weights: null``: nothing
to download; speed does not depend on what the weights learned), on netviz's path (its
``preprocess_input`` as the first layer), explained at netviz's default heatmap layer
(ResNet50: ``conv5_block3_out``, MobileNetV2: ``out_relu``) for the class each image is predicted as.

In one process, on the same images, every round runs three 4096x4096 float32 matmuls (the peak,
``bench/train.py``'s helper), one compiled forward pass of the whole batch, and each way of making
the maps:
  netviz       ``explain`` then the maps brought to input size (as tf-keras-vis returns them);
  tf-keras-vis ``Gradcam`` (score: the class logit, its recommended ``ReplaceToLinear`` on a copy
               of the model with the same weights) and ``Scorecam(max_N=64)`` (on the model as it
               is), both at the same layer (``seek_penultimate_conv_layer=False``).
Times are the median over the rounds (interleaved, so other load on the machine falls on all alike;
each quick row runs QUICK_REPEATS times a round, Score-CAM once).

Work counted (FLOP = 2 x multiply-adds of every Conv2D, DepthwiseConv2D and Dense layer): one forward
pass per image for the gradient methods (their backward pass runs only through the layers after the
heatmap layer: global pooling and the classifier, under 0.1% of it); for Score-CAM one forward pass
per image and one per masked image scored (netviz skips spatially constant channels, so it may
score fewer than 64 per image; tf-keras-vis scores 64). Shares of peak differ between CPUs:
every share is printed beside the peak it is a share of.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "specs" / "examples"))  # shapes.py, the example data's drawing

import numpy as np  # noqa: E402

from bench.train import PEAK_N, PEAK_REPS, layer_macs, peak_gflops  # noqa: E402
from netviz.models.outputs import OutputInfo  # noqa: E402

NETWORKS = ("ResNet50", "MobileNetV2")
SIDE = 224
SCORECAM_CHANNELS = 64
QUICK_REPEATS = 5  # a round times each quick row this often (Score-CAM once): a median that outlasts a busy moment
GRADIENT_METHODS = ("gradcam", "gradcam_plus_plus", "xgradcam", "layercam", "hirescam")


@dataclass
class Row:
    network: str
    method: str
    flop_per_image: float
    netviz: list[float] = field(default_factory=list)  # seconds for the batch, one per round
    other: list[float] = field(default_factory=list)  # tf-keras-vis, where it has the method


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=8, help="images per batch (default 8)")
    parser.add_argument("--networks", default=",".join(NETWORKS), help="comma-separated: ResNet50,MobileNetV2")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-tf-keras-vis", action="store_true", help="time netviz alone")
    return parser.parse_args()


def forward_flop(model: Any) -> float:
    """FLOP of one image's forward pass: 2 x multiply-adds of its Conv2D, DepthwiseConv2D and Dense layers."""
    return 2.0 * sum(layer_macs(model).values())


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def build(name: str, seed: int) -> Any:
    """The application as netviz builds it (its preprocessing as the first layer), random weights."""
    import keras

    from netviz.models.load import build_application
    from netviz.spec import schema

    keras.utils.set_random_seed(seed)
    return build_application(schema.Application(name=name, weights=None, input_shape=(SIDE, SIDE, 3)))


def pictures(n: int) -> np.ndarray:
    """``n`` float pictures in [0, 1] of the example data's shapes, 224 px, RGB."""
    from shapes import draw_shapes

    x = draw_shapes(per_class=-(-n // 3), size=SIDE, channels=3, seed=5)[0][:n]
    return x.astype(np.float32) / 255.0


class Netviz:
    """netviz's side: a probe at the default heatmap layer, maps at input size."""

    def __init__(self, model: Any, info: OutputInfo) -> None:
        from netviz.views.cam import CamProbe

        self.probe = CamProbe(model, None, [info])
        self.layer = self.probe.layer

    def forward(self, x: np.ndarray) -> Any:
        return self.probe.predictor.all_heads(x)

    def maps(self, x: np.ndarray, targets: np.ndarray, methods: tuple[str, ...]) -> dict[str, np.ndarray]:
        from netviz.registry import HEATMAP_METHODS
        from netviz.views.cam import explain

        found = explain(self.probe, x, [targets], list(methods))
        return {m: self.probe.at_input_size(HEATMAP_METHODS[m], found[m][0]) for m in methods}

    def scored_passes(self, x: np.ndarray) -> int:
        """Masked forward passes Score-CAM runs on ``x`` (channels that are not spatially constant)."""
        from netviz.views.methods.scorecam import scored_channels, varied_channels

        conv = self.probe.feature_maps(x)
        chosen = varied_channels(conv, SCORECAM_CHANNELS)
        used = conv if chosen is None else np.take_along_axis(conv, chosen[:, None, None, :], axis=3)
        return int(scored_channels(used).sum())


class TfKerasVis:
    """tf-keras-vis' side, at the same layer, on a copy of the model with the same weights for Grad-CAM."""

    def __init__(self, model: Any, layer: str, seed: int, name: str) -> None:
        try:
            from tf_keras_vis.gradcam import Gradcam
            from tf_keras_vis.scorecam import Scorecam
            from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
        except ImportError:
            raise SystemExit("bench/cam.py: tf-keras-vis is not installed: pip install -e '.[bench]' "
                             "(or time netviz alone: --no-tf-keras-vis)") from None

        linear = build(name, seed)
        linear.set_weights(model.get_weights())
        self.gradcam = Gradcam(linear, model_modifier=ReplaceToLinear(), clone=False)
        self.scorecam = Scorecam(model)
        self.layer = layer

    def maps(self, method: str, x: np.ndarray, targets: np.ndarray) -> np.ndarray:
        from tf_keras_vis.utils.scores import CategoricalScore

        score = CategoricalScore(targets.tolist())
        if method == "gradcam":
            return self.gradcam(score, x, penultimate_layer=self.layer, seek_penultimate_conv_layer=False)
        return self.scorecam(score, x, penultimate_layer=self.layer, seek_penultimate_conv_layer=False,
                             max_N=SCORECAM_CHANNELS)


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two batches of maps (1.0: the same maps up to scale)."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.std() == 0 or b.std() == 0:  # a constant batch (all maps zero): equal or not, no correlation
        return 1.0 if np.allclose(a, b, atol=1e-6) else float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def check_maps(nv: Netviz, tv: TfKerasVis | None, x: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """Correlation of netviz's and tf-keras-vis' maps on the layer's grid (Grad-CAM: the same maps)."""
    from netviz.views.cam import explain

    ours = explain(nv.probe, x, [targets], ["gradcam", "scorecam"])
    if tv is None:
        return {}
    from tf_keras_vis.utils.scores import CategoricalScore

    score = CategoricalScore(targets.tolist())
    theirs = {"gradcam": tv.gradcam(score, x, penultimate_layer=tv.layer, seek_penultimate_conv_layer=False,
                                    expand_cam=False),
              "scorecam": tv.scorecam(score, x, penultimate_layer=tv.layer, seek_penultimate_conv_layer=False,
                                      max_N=SCORECAM_CHANNELS, expand_cam=False)}
    return {m: agreement(ours[m][0], theirs[m]) for m in theirs}


def measure_network(name: str, args: argparse.Namespace, a: Any, peaks: list[float], seed: int = 0) -> tuple[list[Row], dict]:
    """Interleaved rounds on one network: the peak's matmuls, a forward pass, then every way of making maps."""
    model = build(name, seed)
    info = OutputInfo("class", "class", "softmax", tuple(str(k) for k in range(1000)))
    nv = Netviz(model, info)
    tv = None if args.no_tf_keras_vis else TfKerasVis(model, nv.layer, seed, name)
    x = pictures(args.images)
    targets = nv.probe.targets(x)[0]
    flop = forward_flop(model)
    passes = nv.scored_passes(x)
    rows = [Row(name, "forward pass", flop), Row(name, "gradcam", flop),
            Row(name, f"{len(GRADIENT_METHODS)} gradient methods", flop),
            Row(name, "scorecam", flop * (1 + passes / len(x)))]
    runs: list[tuple[Callable[[], Any], Callable[[], Any] | None]] = [
        (lambda: nv.forward(x), None),
        (lambda: nv.maps(x, targets, ("gradcam",)), None if tv is None else lambda: tv.maps("gradcam", x, targets)),
        (lambda: nv.maps(x, targets, GRADIENT_METHODS), None),
        (lambda: nv.maps(x, targets, ("scorecam",)), None if tv is None else lambda: tv.maps("scorecam", x, targets)),
    ]
    agree = check_maps(nv, tv, x, targets)  # also the warm-up: traces every compiled function once
    runs[0][0](), runs[2][0]()
    facts = {"layer": nv.layer, "agreement": agree, "gflop": flop / 1e9, "scored": passes / len(x), "images": len(x)}
    for _ in range(args.rounds):
        peaks += [peak_gflops(a) for _ in range(PEAK_REPS)]
        for row, (ours, theirs) in zip(rows, runs):
            for _ in range(1 if row.method == "scorecam" else QUICK_REPEATS):
                row.netviz.append(timed(ours)[0])
                if theirs is not None:
                    row.other.append(timed(theirs)[0])
    return rows, facts


def report(rows: list[Row], facts: dict[str, dict], peaks: list[float], args: argparse.Namespace) -> None:
    import tensorflow as tf

    from netviz.models.runtime import available_cores

    peak = max(peaks)
    versions = f"TensorFlow {tf.__version__}"
    if not args.no_tf_keras_vis:
        import tf_keras_vis

        versions += f", tf-keras-vis {tf_keras_vis.__version__}"
    print(f"{versions}, {available_cores()} cores; float32 matmul {PEAK_N}x{PEAK_N}: peak {peak:.0f} GFLOP/s "
          f"(best of {len(peaks)}; median {statistics.median(peaks):.0f})")
    for name, f in facts.items():
        agree = ", ".join(f"{m} r = {r:.4f}" for m, r in f["agreement"].items())
        print(f"{name}: layer {f['layer']}, {f['gflop']:.2f} GFLOP a forward pass, {f['images']} images, "
              f"Score-CAM scores {f['scored']:.1f} channels an image" + (f"; maps vs tf-keras-vis: {agree}" if agree else ""))
    print(f"\n{'network':<12} {'method':<22} {'netviz ms/img':>13} {'tf-keras-vis':>12} {'ratio':>6} {'GFLOP/s':>8} "
          f"{'of peak':>7} {'x forward':>9}")
    forward: dict[str, float] = {}
    for row in rows:
        n = facts[row.network]["images"]
        ours = statistics.median(row.netviz) / n
        forward.setdefault(row.network, ours)
        theirs = statistics.median(row.other) / n if row.other else None
        rate = row.flop_per_image / ours / 1e9
        other = f"{1000 * theirs:>12.1f} {theirs / ours:>5.1f}x" if theirs else f"{'-':>12} {'-':>6}"
        print(f"{row.network:<12} {row.method:<22} {1000 * ours:>13.1f} {other} {rate:>8.1f} {100 * rate / peak:>6.0f}% "
              f"{ours / forward[row.network]:>8.2f}x")
    print(f"\nms/img: median of {args.rounds} rounds ({QUICK_REPEATS} runs a round but Score-CAM's) on {args.images} images, "
          "interleaved with the peak's matmuls; "
          "ratio = tf-keras-vis / netviz; maps at input size both ways; GFLOP/s on netviz's time, "
          "2 x multiply-adds of the Conv2D, DepthwiseConv2D and Dense layers per forward pass "
          "(Score-CAM: one per image plus one per channel scored)")


def main() -> None:
    args = parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from netviz.models.runtime import start_tensorflow

    tf = start_tensorflow()
    import keras

    keras.config.disable_interactive_logging()  # tf-keras-vis' Scorecam calls predict() with its progress bar
    tf.random.set_seed(0)
    a = tf.random.normal((PEAK_N, PEAK_N))
    peak_gflops(a)
    rows, facts, peaks = [], {}, []
    for name in args.networks.split(","):
        found, facts[name] = measure_network(name, args, a, peaks)
        rows += found
    report(rows, facts, peaks, args)


if __name__ == "__main__":
    main()
