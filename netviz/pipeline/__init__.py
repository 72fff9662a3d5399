"""The pipeline: wires spec -> data -> models -> train -> explain -> figures -> report, with a cache
at each costly stage. The CLI and the benchmarks call :func:`build` and :func:`render`."""

from netviz.pipeline.stages import BuildResult, Options, build, render

__all__ = ["BuildResult", "Options", "build", "render"]
