"""Atomic file writes: a reader (or a crash, a Ctrl-C, a SIGKILL) never sees half a file.

Every file netviz writes goes through ``atomic_path``, so every one gets the same mode
(``FILE_MODE``) whichever library wrote the bytes (mkstemp alone would leave 0600, which
hides a report from a web server or a second user).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

TEMP_PREFIX = ".netviz-tmp-"
FILE_MODE = 0o644  # read by all, written by the owner
FOLDER_MODE = 0o755


def remove_stale_temporaries(folder: Path) -> int:
    """Delete half-written files (and folders) a killed build left behind (SIGKILL skips every cleanup)."""
    stale = list(folder.rglob(f"{TEMP_PREFIX}*")) if folder.is_dir() else []
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(stale)


@contextmanager
def atomic_path(path: Path, suffix: str = "", folder: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (an empty folder when ``folder``) for the block to
    write; only if the block succeeds does it get the one mode and replace ``path``.

    ``suffix`` (default: ``path``'s own) is kept, since some writers choose the format by it.
    A folder can only replace a missing or empty folder.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = f"{TEMP_PREFIX}{path.name}.", suffix or path.suffix
    if folder:
        tmp = tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=path.parent)
    else:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
        os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, FOLDER_MODE if folder else FILE_MODE)
        os.replace(tmp, path)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.lexists(tmp):
            os.unlink(tmp)


def write_bytes(path: Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    # insertion order is kept: heads stay in spec order in the report, cached or not
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None when it is missing or unreadable (a cache miss)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
