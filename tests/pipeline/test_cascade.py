"""The cascade in a real build: recorded beside the sanity check it ends on, its figure in the appendix's group."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz import api
from tests.pipeline.test_paths import SPEC, write_project


@pytest.mark.slow
def test_a_build_records_the_cascade_and_its_figure(tmp_path: Path) -> None:
    spec = write_project(tmp_path)
    spec.write_text(SPEC)
    built = api.build(spec, tmp_path / "out", pdf=False, quiet=True)
    vis = built.results.models["cnn"].visualization
    assert vis is not None and vis.cascade is not None
    cascade = vis.cascade
    assert 1 <= len(cascade.steps) <= 8 and cascade.images > 0
    assert set(cascade.spearman) == set(vis.explanations) and cascade.above[0] is True
    for method, per_head in vis.explanations.items():
        for head, scores in per_head.items():
            assert len(cascade.spearman[method][head]) == len(cascade.ssim[method][head]) == len(cascade.steps)
            if scores.sanity_spearman is not None:  # every layer randomized: the sanity check's comparison
                assert cascade.spearman[method][head][-1] == pytest.approx(scores.sanity_spearman)
    assert cascade.spearman["edges"]["class"] == pytest.approx([1.0] * len(cascade.steps))
    figures = [f for f in vis.figures if f.kind == "cascade"]
    assert [f.path for f in figures] == ["figures/cnn/cascade.svg"] and (tmp_path / "out" / figures[0].path).exists()
