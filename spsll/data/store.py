"""HDF5 dataset stores: layout, creation, crash-safe chunk writes, settings checks, lock file.

A store is one HDF5 file readable with plain h5py.  Layout (n samples, N cells; all SI units,
each dataset also carries ``units`` and ``description`` attributes)::

    /sigma  (n,)  float64  m    mean material length σ of each sample (the whole plan, written at creation)
    /tau    (n,)  float64  m    mean vacancy length τ of each sample
    /done   (n_chunks,) bool    chunk k (samples k·chunk … k·chunk+chunk−1) is complete

    kind "dispersions"                         kind "walls"
    /k               (N,)       rad/m           /x                 (N,)       m
    /f               (F,)       Hz              /m                 (n, 3, N)  1 (unit vector)
    /peak_frequency  (n, N)     Hz              /width             (n,)       m   (cosine series, Eq. 10)
    /power           (n, F, N)  float32, a.u.   /width_error       (n,)       m
                     (only with keep_power)     /width_tanh        (n,)       m   (tanh fit)
    /n_steps, /n_rejected (n,)  int64           /width_tanh_error  (n,)       m
                                                /center, /torque, /converged, /iterations  (n,)

Root attributes: ``format`` ("spsll-dataset"), ``format_version``, ``kind``, ``n``, ``chunk``,
``n_chunks``, ``seed``, ``plan``, ``sigma_range_m``, ``tau_range_m``, ``material_json`` and
``material_<field>`` (every field of the Material), ``solver_json`` (every solver keyword that
changes results), ``settings_json`` (everything compared on resume), ``spsll_version`` and the
versions of torch, numpy and h5py (provenance, not compared), ``units_json`` (units of every
dataset), ``layout`` (this table as text), ``axes`` and ``per_sample`` (JSON lists of names).

Only samples of chunks with ``done[k]`` true are data.  The other rows hold the fill value
(NaN for floats, −1 for integers, False for flags; ``power`` is left unwritten, zeros) or the
remains of an interrupted write, and every reader of this package skips them.

Crash safety.  The file is created complete (every dataset allocated early, contiguous, no
compression, attributes written) under a temporary name and renamed into place atomically, so
a store is either absent or fully laid out.  After that a run only overwrites preallocated raw
data, never HDF5 metadata: a chunk's arrays are written, flushed and fsync'ed, and only then is
its ``done`` flag written, flushed and fsync'ed.  A process killed at any moment (also SIGKILL)
leaves at worst a chunk whose data are partly written and whose flag is false; the next run
recomputes it.  Two runs must never write one store: :class:`StoreLock` holds
``<store>.lock`` (created with O_CREAT|O_EXCL, holding pid and host, plus an flock while held).

While a run writes, HDF5's own file locking keeps other processes from opening the file (they
get a clear error; wait for the run to end).  On file systems without locking support (some
NFS mounts) set ``HDF5_USE_FILE_LOCKING=FALSE``; the lock file still keeps writers apart.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time

import h5py
import numpy as np

from .._files import fsync_dir

FORMAT = "spsll-dataset"
FORMAT_VERSION = 1
KINDS = ("dispersions", "walls")


class StoreError(RuntimeError):
    """The file is not a usable spsll store."""


class StoreMismatchError(ValueError):
    """The store was written with other settings than the ones requested."""


class StoreLockedError(RuntimeError):
    """Another live process holds the store's lock file."""


# ---- layout ---------------------------------------------------------------------------------

def fill_value(dtype):
    """NaN for floats, −1 for integers, False for booleans."""
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return np.nan
    if dt.kind == "b":
        return False
    return -1


def _early_dataset(f, name, shape, dtype, *, fill=True, units="", description=""):
    """A contiguous dataset whose file space is allocated (and optionally filled) at creation,
    so later writes change raw data only, never the file's metadata."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    kw = dict(fillvalue=fill_value(dtype), fill_time="alloc") if fill else dict(fill_time="never")
    ds = f.create_dataset(name, shape=shape, dtype=dtype, dcpl=dcpl, track_times=False, **kw)
    ds.attrs["units"] = units
    ds.attrs["description"] = description
    return ds




def create_store(path, *, kind, sigma, tau, chunk, axes, per_sample, attrs, settings, layout_text=""):
    """Write a complete, empty store to ``path`` atomically (temporary file, fsync, rename).

    axes: {name: (array, units, description)} stored once.  per_sample: {name: (shape_per_sample,
    dtype, units, description, fill)} preallocated with a leading axis of n.  attrs: extra root
    attributes (str, numbers or arrays).  settings: the dict compared on resume
    (:func:`check_settings`); stored as JSON.  Refuses to replace an existing file.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if os.path.exists(path):
        raise FileExistsError(f"{path} exists; refusing to overwrite it")
    sigma = np.asarray(sigma, dtype=np.float64)
    tau = np.asarray(tau, dtype=np.float64)
    n = sigma.shape[0]
    n_chunks = -(-n // int(chunk))
    tmp = f"{path}.creating-{os.getpid()}"
    try:
        with h5py.File(tmp, "w", libver="earliest", track_order=False) as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["kind"] = kind
            f.attrs["n"] = n
            f.attrs["chunk"] = int(chunk)
            f.attrs["n_chunks"] = n_chunks
            f.attrs["settings_json"] = json.dumps(settings, sort_keys=True)
            f.attrs["layout"] = layout_text
            f.attrs["axes"] = json.dumps(sorted(axes))
            f.attrs["per_sample"] = json.dumps(["sigma", "tau", *per_sample])
            for key, val in attrs.items():
                f.attrs[key] = str(val) if isinstance(val, str) else val
            for name, arr, units, desc in (("sigma", sigma, "m", "mean material length sigma"),
                                           ("tau", tau, "m", "mean vacancy length tau (0 = ideal)")):
                ds = _early_dataset(f, name, (n,), np.float64, units=units, description=desc)
                ds[...] = arr
            _early_dataset(f, "done", (n_chunks,), np.bool_, units="",
                           description=f"chunk k = samples [k*{int(chunk)}, (k+1)*{int(chunk)}) is complete")
            for name, (arr, units, desc) in axes.items():
                ds = _early_dataset(f, name, np.shape(arr), np.asarray(arr).dtype, units=units, description=desc)
                ds[...] = arr
            for name, (shape, dtype, units, desc, fill) in per_sample.items():
                _early_dataset(f, name, (n, *shape), dtype, fill=fill, units=units, description=desc)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale_temporaries(path):
    """Remove ``<path>.creating-*`` files left by a run killed while creating the store.

    Call only while holding the store's lock (then nobody else is creating it)."""
    d = os.path.dirname(os.path.abspath(path))
    prefix = os.path.basename(path) + ".creating-"
    for name in os.listdir(d):
        if name.startswith(prefix):
            try:
                os.unlink(os.path.join(d, name))
            except FileNotFoundError:
                pass


# ---- opening and checking ---------------------------------------------------------------

def open_store(path, mode="r"):
    """Open an existing store ("r" or "r+") after checking it is an spsll store of a known version."""
    if mode not in ("r", "r+"):
        raise ValueError(f"mode must be 'r' or 'r+', got {mode!r}")
    try:
        f = h5py.File(path, mode)
    except FileNotFoundError:
        raise
    except OSError as e:
        raise StoreError(f"{path} cannot be opened as HDF5 ({e}); if another process is writing it, "
                         f"wait for it to finish") from e
    if f.attrs.get("format") != FORMAT:
        f.close()
        raise StoreError(f"{path} is not an spsll dataset store (attribute format != {FORMAT!r})")
    if int(f.attrs.get("format_version", -1)) != FORMAT_VERSION:
        v = f.attrs.get("format_version")
        f.close()
        raise StoreError(f"{path} has store format_version {v}; this spsll reads version {FORMAT_VERSION}")
    return f


def stored_settings(f) -> dict:
    return json.loads(f.attrs["settings_json"])


def _flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def settings_differences(stored: dict, wanted: dict) -> list[str]:
    """Human-readable lines naming each setting that differs (dotted names, e.g. ``solver.dtype``)."""
    a, b = _flatten(stored), _flatten(wanted)
    lines = []
    for key in sorted(set(a) | set(b)):
        if key not in a:
            lines.append(f"{key}: not in the store, this run asks {b[key]!r}")
        elif key not in b:
            lines.append(f"{key}: the store has {a[key]!r}, this run does not set it")
        elif a[key] != b[key]:
            lines.append(f"{key}: the store has {a[key]!r}, this run asks {b[key]!r}")
    return lines


def check_settings(f, wanted: dict, path="store"):
    """Raise :class:`StoreMismatchError` naming every setting in which ``wanted`` differs from the store."""
    diff = settings_differences(stored_settings(f), json.loads(json.dumps(wanted)))
    if diff:
        raise StoreMismatchError(
            f"{path} was written with other settings; refusing to mix them. Differences:\n  "
            + "\n  ".join(diff) + "\nUse the store's settings, or another output file.")


# ---- crash-safe writes ------------------------------------------------------------------

def sync(f, fsync=True):
    """Flush HDF5's buffers to the OS and (``fsync``) the OS's to the disk."""
    f.flush()
    if fsync:
        try:
            os.fsync(f.id.get_vfd_handle())
        except (OSError, ValueError, TypeError):
            pass


def write_chunk(f, k: int, lo: int, hi: int, arrays: dict, fsync=True):
    """Write the arrays of chunk k (samples lo:hi) into their preallocated rows, then sync.

    ``done[k]`` is not touched: call :func:`mark_done` after this returns."""
    for name, arr in arrays.items():
        if name not in f:
            raise StoreError(f"the store has no dataset {name!r} for chunk {k}")
        ds = f[name]
        arr = np.asarray(arr)
        if arr.shape != (hi - lo, *ds.shape[1:]):
            raise StoreError(f"chunk {k}: {name} has shape {arr.shape}, expected {(hi - lo, *ds.shape[1:])}")
        ds[lo:hi] = arr.astype(ds.dtype, copy=False)
    sync(f, fsync)


def mark_done(f, k: int, fsync=True):
    """Set ``done[k]`` (after the chunk's data are on disk) and sync."""
    f["done"][k] = True
    sync(f, fsync)


def done_mask(f) -> np.ndarray:
    """Per-sample boolean mask: sample i belongs to a completed chunk."""
    done = f["done"][...]
    chunk = int(f.attrs["chunk"])
    return np.repeat(done, chunk)[: int(f.attrs["n"])]


def read_store(path, names=None):
    """Read a store with h5py: only samples of completed chunks.

    Returns ``(data, info)``: data maps each per-sample dataset (all, or ``names``) to the array
    of completed samples and ``index`` to their sample indices; axes (k, f or x) are included
    whole.  info holds the root attributes (settings decoded from JSON) and ``n_done``.
    """
    with open_store(path) as f:
        mask = done_mask(f)
        idx = np.flatnonzero(mask)
        data = {"index": idx}
        for name in json.loads(f.attrs["per_sample"]):
            if names is None or name in names or name in ("sigma", "tau"):
                data[name] = f[name][...][mask]
        for name in json.loads(f.attrs["axes"]):
            data[name] = f[name][...]
        info = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        for key in list(info):
            if key.endswith("_json"):
                info[key[:-5]] = json.loads(info[key])
        info["n_done"] = int(idx.size)
    return data, info


# ---- lock file --------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StoreLock:
    """Exclusive lock on a store: the file ``<store>.lock`` created with O_CREAT|O_EXCL.

    It holds JSON {pid, host, since}.  While held, the owner also keeps an flock on it.  A lock
    whose pid is dead on this host is stale and is broken (under flock, after checking it is still
    the same file); a lock of another host, or of a live process, is refused with
    :class:`StoreLockedError` naming the owner.  Use as a context manager.
    """

    def __init__(self, path):
        self.path = f"{path}.lock"
        self.fd = None

    def _owner(self):
        try:
            with open(self.path) as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def acquire(self):
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        for _ in range(50):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._break_if_stale()
                continue
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocking: a breaker inspecting the new file lets go at once
            os.write(fd, json.dumps(me).encode())
            os.fsync(fd)
            self.fd = fd
            return self
        raise StoreLockedError(f"could not acquire {self.path}: another run keeps taking it")

    def _break_if_stale(self):
        host = socket.gethostname()
        seen = owner = self._owner()
        if owner is None:
            # Empty or unreadable: its creator is between O_EXCL and writing, or died there.
            try:
                age = time.time() - os.stat(self.path).st_mtime
            except FileNotFoundError:
                return
            if age < 5.0:
                time.sleep(0.2)
                return
            owner = {"pid": None, "host": host}
        pid, ohost = owner.get("pid"), owner.get("host")
        if ohost != host:
            raise StoreLockedError(f"store is locked by pid {pid} on host {ohost} ({self.path}); a lock of "
                                   f"another host cannot be checked: remove the file if that run is dead")
        if pid is not None and _pid_alive(int(pid)):
            raise StoreLockedError(f"store is locked by running process {pid} on {host} ({self.path}); "
                                   f"wait for it to finish or stop it")
        # Stale.  Break it under flock (a live owner holds one), and only if it is still the same file.
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreLockedError(f"{self.path} is held by another process") from None
        try:
            same_file = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            unchanged = self._owner() == seen and (seen is not None or
                                                  time.time() - os.stat(self.path).st_mtime >= 5.0)
            if same_file and unchanged:
                os.unlink(self.path)
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)

    def release(self):
        if self.fd is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False
