"""The lock of a dataset store: one writer at a time, released by the OS when the writer ends.

:class:`StoreLock` holds an OS lock (the ``filelock`` package: flock on POSIX, LockFileEx on
Windows) on ``<store>.lock`` and records the owner (pid, host, since) in ``<store>.lock.owner``
so that a refused second run can name it (:class:`StoreLockedError`); :func:`lock_holder` asks
who holds it without taking it.
"""
from __future__ import annotations

import json
import os
import socket
import time

from filelock import FileLock, Timeout

from .._files import write_json

__all__ = ["StoreLock", "StoreLockedError", "lock_holder"]


class StoreLockedError(RuntimeError):
    """Another live process holds the store's lock."""


def _owner_text(owner_path) -> str:
    try:
        with open(owner_path) as fh:
            o = json.load(fh)
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(o["since"])))
        return f"process {int(o['pid'])} on host {o['host']} (since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


class StoreLock:
    """Exclusive lock on a store: an OS lock on ``<store>.lock`` through ``filelock``.

    The operating system drops it when the owner ends, however it ends, so a killed run leaves
    nothing to clean up.  The owner (pid, host, since) is written to ``<store>.lock.owner`` and
    named by :class:`StoreLockedError` when a second run is refused.  A context manager.
    """

    def __init__(self, path):
        self.path = f"{os.fspath(path)}.lock"
        self.owner_path = f"{self.path}.owner"
        self._lock = None

    def acquire(self):
        lock = FileLock(self.path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise StoreLockedError(f"the store is locked by {_owner_text(self.owner_path)} ({self.path}); "
                                   f"wait for that run to finish or stop it") from None
        self._lock = lock
        try:
            write_json(self.owner_path, {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()})
        except BaseException:
            self.release()
            raise
        return self

    def release(self):
        if self._lock is not None:
            try:
                os.unlink(self.owner_path)
            except FileNotFoundError:
                pass
            self._lock.release()
            self._lock = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False


def lock_holder(path):
    """Who holds the lock of the store ``path`` (text), or None when nobody does."""
    lock_path = f"{os.fspath(path)}.lock"
    if not os.path.exists(lock_path):
        return None
    fl = FileLock(lock_path, timeout=0)
    try:
        fl.acquire()
    except Timeout:
        return _owner_text(f"{lock_path}.owner")
    except OSError:
        return None  # cannot probe (read-only folder): no evidence of a writer
    fl.release()
    return None
