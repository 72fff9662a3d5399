"""netviz inside ``model.fit``: keep the weights at chosen epochs, write the report when training ends.

    from netviz.keras import ReportCallback
    report = ReportCallback((x_val, y_val, class_names), out="build/mine", front={...}, epochs=[1, 2, 5])
    model.fit(x, y, epochs=5, callbacks=[report])
    report.result.html   # build/mine/report.html, with "Over training" strips and scores

During training the callback only saves the weights after the chosen epochs (a few
milliseconds each); the views of every kept epoch are computed once training has ended,
by the same engine as ``netviz build`` (:func:`netviz.api.report`), so the callback costs
training almost nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import keras

from netviz.api import report
from netviz.pipeline import BuildResult

MAX_SNAPSHOTS = 12  # what visualize.over_training.epochs accepts


class ReportCallback(keras.callbacks.Callback):
    """Snapshots at ``epochs`` (or ``every`` n epochs) and the netviz report of the trained model at the end.

    ``validation``: ``(x, y)``, ``(x, y, class_names)`` or ``(x, y, class_names, masks)``, the
    images the report explains (half of them are its test split; with masks, the heatmaps are
    scored against them). ``front``: the report's front matter, as a spec's
    ``front``. ``methods``: heatmap methods (default: the spec's defaults); ``visualize``: any
    other part of a spec's ``visualize`` section. The report's ``BuildResult`` is ``result``
    once training has ended.
    """

    def __init__(self, validation: tuple[Any, ...], out: str | Path, front: Mapping[str, Any], *, name: str = "model",
                 epochs: Sequence[int] | None = None, every: int | None = None, methods: Sequence[str] | None = None,
                 visualize: Mapping[str, Any] | None = None, pdf: bool = True) -> None:
        super().__init__()
        if (epochs is None) == (every is None):
            raise ValueError("give either epochs (a list of epoch numbers) or every (snapshot every n epochs)")
        if every is not None and every < 1:
            raise ValueError("every must be 1 or more")
        self.validation, self.out, self.front, self.name = validation, Path(out), dict(front), name
        self.epochs, self.every = (sorted(set(epochs)) if epochs is not None else None), every
        self.methods, self.visualize, self.pdf = methods, dict(visualize or {}), pdf
        self.kept: list[int] = []
        self.result: BuildResult | None = None

    def snapshot(self, epoch: int) -> Path:
        """Where the weights after ``epoch`` go: where ``netviz build`` keeps its own snapshots."""
        return self.out / "models" / f"{self.name}.epoch-{epoch}.weights.h5"

    def on_train_begin(self, logs: Any = None) -> None:
        total = int(self.params.get("epochs") or 0)
        wanted = self.epochs if self.epochs is not None else list(range(self.every, total + 1, self.every))  # type: ignore[arg-type]
        self.wanted = [e for e in wanted if not total or e <= total]
        if len(self.wanted) > MAX_SNAPSHOTS:
            raise ValueError(f"{len(self.wanted)} snapshots asked for; at most {MAX_SNAPSHOTS} fit a report")
        self.kept = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch + 1 in self.wanted:
            path = self.snapshot(epoch + 1)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.model.save_weights(path)
            self.kept.append(epoch + 1)

    def on_train_end(self, logs: Any = None) -> None:
        visualize = dict(self.visualize)
        if self.methods is not None:
            visualize["cam"] = {**visualize.get("cam", {}), "methods": list(self.methods)}
        if self.kept:
            visualize["over_training"] = {**visualize.get("over_training", {}), "epochs": self.kept}
        self.result = report({self.name: self.model}, self.validation, self.front, self.out, visualize=visualize,
                             test_fraction=0.5, pdf=self.pdf)
