"""Ctrl-C stops a build within seconds, whatever TensorFlow is doing when it arrives.

Python's own handling (a KeyboardInterrupt at the main thread's next bytecode) is not
enough here: a TensorFlow op holds the main thread until the op ends, so even a Python
signal handler runs only then; and an exception raised inside a bare ``except:`` (Keras
has several where it traces the training step, just after training starts) or inside a
finalizer is swallowed, after which the build ran on to its end and exited 0. So a Ctrl-C
acts three ways: the usual KeyboardInterrupt; a flag that training checks before every
step and that raises it again (``stop_training``); and a deadline (``GRACE_S``), kept by a
watcher thread that the signal wakes at once through ``signal.set_wakeup_fd``, after which
the process exits with status 130 whatever the main thread is doing. Every output is
written atomically (netviz.io), so exiting at any instant keeps what was finished; the
next build deletes the half-written temporaries and resumes from the cache. A second
Ctrl-C exits at once.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

GRACE_S = 4.0
EXIT_STATUS = 130  # 128 + SIGINT, as a shell reports a Ctrl-C
MESSAGE = "netviz: interrupted; finished outputs are kept, the next build resumes from the cache"

_requested = threading.Event()
_announce_lock = threading.Lock()
_announced = False
_handled = 0  # SIGINTs the main thread's handler has seen


@contextlib.contextmanager
def ctrl_c_stops_within(grace: float = GRACE_S) -> Iterator[None]:
    """While the block runs, Ctrl-C (SIGINT) stops the process within ``grace`` seconds.

    Only the main thread can install a signal handler; elsewhere the block runs as is.
    After a Ctrl-C the handlers stay, and so does the deadline, on purpose: the process is
    ending, a second Ctrl-C must still end it at once, and the deadline also cuts an
    interpreter shutdown that TensorFlow's threads would hold up.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    previous_handler = signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    previous_wakeup = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(wake_read, grace), name="netviz-ctrl-c", daemon=True).start()
    try:
        yield
    finally:
        if not _requested.is_set():
            signal.set_wakeup_fd(previous_wakeup)
            signal.signal(signal.SIGINT, previous_handler)
            os.close(wake_write)  # the watcher reads end-of-file and stops


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    """The main thread's handler, run when it next runs Python: unwind the usual way
    (a second Ctrl-C: exit at once)."""
    global _handled
    _handled += 1
    if _handled > 1:
        exit_now()
    _requested.set()
    raise KeyboardInterrupt


def _watch(wake_read: int, grace: float) -> None:
    """Wait for the first SIGINT (its number arrives on the wakeup pipe the moment the signal
    does), then exit ``grace`` seconds later, or at once on a second one."""
    deadline = None
    with os.fdopen(wake_read, "rb", buffering=0) as wake:
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([wake], [], [], timeout)[0]:
                exit_now()  # the deadline passed
            received = wake.read(512)
            if not received:
                return  # the block ended without a Ctrl-C
            if signal.SIGINT in received:
                if deadline is not None:
                    exit_now()  # a second Ctrl-C
                _requested.set()
                deadline = time.monotonic() + grace


def announce() -> None:
    """Print the one interrupted line, once per process, whoever gets there first."""
    global _announced
    with _announce_lock:
        if not _announced:
            _announced = True
            print(MESSAGE, file=sys.stderr, flush=True)


def exit_now() -> None:
    """Announce and end the process with status 130, skipping every cleanup (outputs are atomic)."""
    announce()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os._exit(EXIT_STATUS)


def stop_training() -> Any:
    """A Keras callback that raises KeyboardInterrupt before the next step once Ctrl-C was
    pressed, whatever swallowed the first one.

    Only the *begin* hooks check: a batch-*end* hook would make Keras wait for every step's
    results before dispatching the next (no asynchronous callbacks), a cost on every step.
    """
    import keras

    class StopOnInterrupt(keras.callbacks.Callback):
        def _check(self, *args: Any, **kwargs: Any) -> None:
            if _requested.is_set():
                raise KeyboardInterrupt

        on_train_batch_begin = on_test_batch_begin = on_predict_batch_begin = _check
        on_epoch_begin = on_epoch_end = _check

    return StopOnInterrupt()
