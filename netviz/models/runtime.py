"""TensorFlow start-up: quiet unless asked, seeded, using every core this process may use.

Kept in one place so the CLI, the pipeline and the benchmarks start TensorFlow the
same way, and so ``import netviz`` never pays for it.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

_STARTED = False
CPU_DEVICES_ENV = "NETVIZ_CPU_DEVICES"


def start_tensorflow(verbose: bool = False, deterministic: bool = True, cpu_devices: int | None = None) -> Any:
    """Import TensorFlow once, hiding its C++ start-up chatter unless ``verbose``.

    The first call also sizes TensorFlow's thread pools to the cores this process may
    use, and can split the CPU into ``cpu_devices`` logical devices (default: the
    ``NETVIZ_CPU_DEVICES`` environment variable), so ``runtime.strategy: mirrored`` has
    replicas to mirror over on a machine without GPUs. Both only work before TensorFlow
    runs its first op; later calls change nothing. Op determinism is switched on only
    when this call imports TensorFlow (a caller that imported it first keeps its own).
    """
    global _STARTED
    _quiet_environment(verbose)
    imported_here = "tensorflow" not in sys.modules
    tf = _import_tensorflow(verbose)
    if not _STARTED:
        configure_threads(tf, available_cores())
        split_cpu(tf, cpu_devices if cpu_devices is not None else int(os.environ.get(CPU_DEVICES_ENV, "0") or 0))
        if deterministic and imported_here:
            tf.config.experimental.enable_op_determinism()
        _STARTED = True
    return tf


def available_cores() -> int:
    """Cores this process may run on: its CPU affinity, capped by a cgroup CPU quota.

    ``os.cpu_count()`` reports the host's cores; in a container limited to a few of
    them, thread pools sized by it oversubscribe the CPU and run slower, not faster.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    return max(1, min(cores, math.ceil(quota)) if quota else cores)


def cgroup_cpu_quota(path: Path = Path("/sys/fs/cgroup/cpu.max")) -> float | None:
    """CPUs granted by a cgroup v2 quota (``cpu.max``: "quota period" or "max period"), or None."""
    try:
        quota, period = path.read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        return None


def configure_threads(tf: Any, cores: int) -> None:
    """One intra-op thread per core (each kernel splits its work over all of them) and
    as many inter-op threads, so independent ops (the four heads' matmuls) overlap."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(cores)
        tf.config.threading.set_inter_op_parallelism_threads(max(2, cores))
    except RuntimeError:
        pass  # TensorFlow already ran ops: its pools are fixed


def split_cpu(tf: Any, devices: int) -> None:
    """Split the physical CPU into ``devices`` logical devices (2 or more), for mirroring on a CPU."""
    if devices < 2:
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    except RuntimeError as error:
        raise RuntimeError(f"{CPU_DEVICES_ENV}={devices}: TensorFlow is already running; "
                           "split the CPU before its first op") from error


def _quiet_environment(verbose: bool) -> None:
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _import_tensorflow(verbose: bool) -> Any:
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        return tf
    saved = _silence_stderr() if not verbose else None
    try:
        import keras  # noqa: F401
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
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
