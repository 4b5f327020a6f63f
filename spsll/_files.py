"""One way to write a file: all or nothing, with the permissions a new file normally gets.

``atomic_write(path, write)`` calls ``write(fileobj)`` on a temporary file in the target's folder,
flushes and fsyncs it, gives it the mode ``0o666 & ~umask`` (``tempfile.mkstemp`` creates 0600)
and renames it over ``path`` with ``os.replace``; the folder is fsynced so that the rename itself
survives a crash.  A reader sees the old file or the new one, never a half-written one; an
exception during ``write`` leaves ``path`` untouched and no temporary behind.  Ctrl-C (SIGINT)
during the write is held until the file is in place and then delivered (in the main thread):
an interrupted training run keeps the checkpoint it was writing, and a writer such as
``torch.save`` is never torn in the middle of its own bookkeeping (whose clean-up error would
otherwise replace the KeyboardInterrupt with a traceback).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import threading


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


def commit_file(tmp, path) -> None:
    """Make a finished temporary file ``tmp`` durable and rename it over ``path``.

    For writers that need a real file of their own (HDF5): fsync ``tmp``, ``os.replace`` it over
    ``path`` and fsync the folder.  The caller removes ``tmp`` if this raises.
    """
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path)


@contextlib.contextmanager
def sigint_held():
    """Hold SIGINT until the block ends, then deliver it to the handler that was in place (a
    KeyboardInterrupt under Python's default).  Outside the main thread, or where SIGINT is
    ignored or handled outside Python, it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.getsignal(signal.SIGINT)
    if old in (signal.SIG_IGN, None):
        yield
        return
    caught = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if caught:
            signal.raise_signal(signal.SIGINT)


def atomic_write(path, write, *, binary: bool = True) -> None:
    """Write ``path`` through ``write(fileobj)`` atomically (temporary file, fsync, os.replace),
    with Ctrl-C held until the file is in place (module doc)."""
    with sigint_held():
        _atomic_write(os.fspath(path), write, binary)


def _atomic_write(path, write, binary):
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


def _nearest_existing(path: str) -> str:
    p = os.path.abspath(path)
    while not os.path.exists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


def _write_probe(folder: str) -> None:
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".spsll-write-test-")
    except OSError as e:
        raise PermissionError(e.errno, f"cannot write into this folder ({e.strerror})", folder) from None
    os.close(fd)
    os.unlink(probe)


def prepare_output(path, *, directory: bool = False, name: str = "out") -> str:
    """Check before any computation that ``path`` can be written.

    A file (``directory=False``): its missing parent folders are created, it must not be a
    folder, and its folder must be writable.  A folder the caller creates and fills
    (``directory=True``): nothing is created here; it must not be a file, and its nearest
    existing ancestor must be a writable folder.  The write test is a temporary file, removed
    at once (it catches read-only folders and file systems).  Raises ``ValueError`` naming
    ``name`` for an empty path or a folder given for a file, and ``OSError`` naming the path.
    """
    path = os.fspath(path)
    if not path:
        raise ValueError(f"{name} must be a path, got an empty string")
    if directory:
        if os.path.exists(path) and not os.path.isdir(path):
            raise ValueError(f"{name}: {path} is a file; give a folder")
        folder = _nearest_existing(path)
        if not os.path.isdir(folder):
            raise NotADirectoryError(20, "a parent of this path is a file, not a folder", path)
    else:
        if os.path.isdir(path) or path.endswith((os.sep, "/")):
            raise ValueError(f"{name}: {path} is a folder; give a file name")
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise NotADirectoryError(20, "a parent of this path is a file, not a folder", path) from None
        if os.path.exists(path) and not os.access(path, os.W_OK):
            raise PermissionError(13, "cannot write this file", path)
    _write_probe(folder)
    return path
