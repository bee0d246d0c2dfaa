"""One running bot per database: an advisory lock on ``<database>.lock``.

``fcntl.flock`` is released by the kernel when the process dies, even on SIGKILL, so a crashed bot
never leaves a stale lock behind; the pid written into the file is only there for the message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class AlreadyRunning(RuntimeError):
    """Another process holds the lock; ``str(error)`` is a one-line message for a human."""


def lock_path(db_path: str | Path) -> Path:
    """The lock file that guards the database at ``db_path``."""
    return Path(f"{db_path}.lock")


@contextlib.contextmanager
def instance_lock(db_path: str | Path) -> Iterator[Path | None]:
    """Hold the instance lock of ``db_path`` for the ``with`` block; raise AlreadyRunning if taken.

    An in-memory database (``":memory:"``) needs no lock and yields None.
    """
    if str(db_path) == ":memory:":
        yield None
        return
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise AlreadyRunning(
                f"another briefbot (pid {holder}) is already running on {db_path}; "
                f"stop it first (lock file {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
