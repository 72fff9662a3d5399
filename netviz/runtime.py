"""TensorFlow start-up: quiet unless asked, seeded, using every core.

Kept in one place so the CLI, the pipeline and the benchmarks start TensorFlow the
same way, and so ``import netviz`` never pays for it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_STARTED = False


def start_tensorflow(verbose: bool = False, deterministic: bool = True) -> Any:
    """Import TensorFlow once, hiding its C++ start-up chatter unless ``verbose``."""
    global _STARTED
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        return tf
    saved = _silence_stderr() if not verbose else None
    try:
        import tensorflow as tf
        import keras  # noqa: F401

        tf.get_logger().setLevel("ERROR")
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
    if not _STARTED:
        cores = os.cpu_count() or 1
        try:
            tf.config.threading.set_intra_op_parallelism_threads(cores)
            tf.config.threading.set_inter_op_parallelism_threads(max(2, cores))
        except RuntimeError:
            pass  # already initialised by the caller
        if deterministic:
            tf.config.experimental.enable_op_determinism()
        _STARTED = True
    return tf


def _silence_stderr() -> int | None:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        return saved
    except OSError:
        return None
