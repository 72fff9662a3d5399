"""netviz.keras.ReportCallback inside model.fit: snapshots at the chosen epochs, the report when training ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.views import tiny_cnn

FRONT = {"course": {"code": "CB-1", "name": "Callbacks"}, "assignment": "A", "title": "Trained with a callback",
         "team": {"name": "t", "members": [{"name": "Tester"}]}}


def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return (rng.random((n, 10, 10, 1)) * 80 + 150 * y[:, None, None, None]).astype(np.uint8), y


def test_epochs_or_every_but_not_both(tmp_path: Path) -> None:
    from netviz.keras import ReportCallback

    with pytest.raises(ValueError, match="give either epochs"):
        ReportCallback(data(4, 0), tmp_path, FRONT)
    with pytest.raises(ValueError, match="give either epochs"):
        ReportCallback(data(4, 0), tmp_path, FRONT, epochs=[1], every=2)


@pytest.mark.slow
def test_fit_keeps_snapshots_and_writes_the_report(tmp_path: Path) -> None:
    import keras

    from netviz.keras import ReportCallback

    model = tiny_cnn("functional", classes=2)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    x, y = data(80, 0)
    callback = ReportCallback(data(40, 1) + (["dark", "bright"],), tmp_path / "nb", FRONT, name="cnn", every=2,
                              methods=["gradcam"], pdf=False,
                              visualize={"filters": {"steps": 4}, "cam": {"eval_images": 8},
                                         "over_training": {"filters": 2, "images": 2}})
    model.fit(x / 255.0, y, epochs=4, batch_size=16, verbose=0, callbacks=[callback])
    assert callback.kept == [2, 4]
    assert sorted(p.name for p in (tmp_path / "nb" / "models").glob("cnn.epoch-*")) == [
        "cnn.epoch-2.weights.h5", "cnn.epoch-4.weights.h5"]
    result = callback.result
    assert result is not None and result.html is not None and result.html.exists()
    vis = result.results.models["cnn"].visualization
    assert vis.over_training.epochs == [2, 4] and list(vis.explanations) == ["gradcam", "edges", "random"]
    assert "Trained with a callback" in result.html.read_text()
