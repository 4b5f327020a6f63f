"""One way to write a file: all or nothing, with the permissions a new file normally gets.

``atomic_write(path, write)`` calls ``write(fileobj)`` on a temporary file in the target's folder,
flushes and fsyncs it, gives it the mode ``0o666 & ~umask`` (``tempfile.mkstemp`` creates 0600)
and renames it over ``path`` with ``os.replace``; the folder is fsynced so that the rename itself
survives a crash.  A reader sees the old file or the new one, never a half-written one; an
exception or Ctrl-C during ``write`` leaves ``path`` untouched and no temporary behind.
"""
from __future__ import annotations

import json
import os
import tempfile


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_dir(path) -> None:
    """fsync the folder holding ``path`` (a no-op where folders cannot be opened, e.g. Windows)."""
    d = os.path.dirname(os.path.abspath(path))
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write, *, binary: bool = True) -> None:
    """Write ``path`` through ``write(fileobj)`` atomically (temporary file, fsync, os.replace)."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        fsync_dir(path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_json(path, obj, **dump_options) -> None:
    """``json.dump(obj)`` (indent 2) to ``path`` atomically."""
    atomic_write(path, lambda fh: json.dump(obj, fh, indent=2, **dump_options), binary=False)
