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

    kind "film_dispersions" (SPS-LL films of nx × ny cells): as "dispersions" with a second
    wavenumber axis /ky (Ny,) rad/m; /peak_frequency (n, N, Ny), /power (n, F, N, Ny).

    kind "film_stiffness" (the agreement map's explicit 2-D ensembles): the plan is
    /point, /family, /sigma, /tau, /p, /size, /realisation and each sample holds /ratio,
    /p_inf, /conductivity (n,); see :mod:`spsll.data.film_stiffness`.

Root attributes: ``format`` ("spsll-dataset"), ``format_version``, ``kind``, ``n``, ``chunk``,
``n_chunks``, ``seed``, ``plan``, ``sigma_range_m``, ``tau_range_m``, ``material_json`` and
``material_<field>`` (every field of the Material), ``solver_json`` (every solver keyword that
changes results), ``settings_json`` (everything compared on resume), ``spsll_version`` and the
versions of torch, numpy and h5py (provenance, not compared), ``units_json`` (units of every
dataset), ``layout`` (this table as text), ``axes`` and ``per_sample`` (JSON lists of names).

Only samples of chunks with ``done[k]`` true are data.  The other rows hold the fill value
(NaN for floats, −1 for integers, False for flags; ``power`` is left unwritten, zeros) or the
remains of an interrupted write, and every reader of this package skips them.

Crash safety. The file is created complete (every dataset allocated early, contiguous, no
compression, attributes written) under a temporary name and renamed into place atomically, so a
store is either absent or fully laid out. After that a run only overwrites preallocated raw
data, never HDF5 metadata: a chunk's arrays are written, flushed and fsync'ed, and only then is
its ``done`` flag written, flushed and fsync'ed. A process killed at any moment (also SIGKILL)
leaves at worst a chunk whose data are partly written and whose flag is false; the next run
recomputes it. Two runs must never write one store: :class:`~spsll.data.store_lock.StoreLock`
holds an OS lock (the ``filelock`` package: flock on POSIX, LockFileEx on Windows) on
``<store>.lock``, which the operating system releases when the process ends in any way (also
SIGKILL), so there are no stale locks to break; the owner's pid and host are recorded in
``<store>.lock.owner`` to be named in the error of a second run. The empty ``<store>.lock`` file
stays after the run (deleting it would let two runs lock different files).

Every open validates the file's structure (:func:`spsll.data.store_check.check_structure`):
attributes, shapes, dtypes, σ and τ, no external storage or links; a violation is a
:class:`StoreError` naming the field.

While a run writes, HDF5's own file locking keeps other processes from opening the file (they
get a clear error naming the writer; wait for the run to end).  On file systems without locking
support (some NFS mounts) set ``HDF5_USE_FILE_LOCKING=FALSE``; the lock file still keeps
writers apart.
"""
from __future__ import annotations

import json
import os

import h5py
import numpy as np

from .._files import commit_file
from .store_check import StoreError, check_structure
from .store_lock import StoreLock, StoreLockedError, lock_holder  # noqa: F401 (re-exported)

FORMAT = "spsll-dataset"
FORMAT_VERSION = 1
KINDS = ("dispersions", "walls", "film_dispersions", "film_stiffness")
#: The plan's per-sample datasets of the 1-D kinds: {name: (units, description)}.
SIGMA_TAU = {"sigma": ("m", "mean material length sigma"), "tau": ("m", "mean vacancy length tau (0 = ideal)")}


class StoreMismatchError(ValueError):
    """The store was written with other settings than the ones requested."""


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




def create_store(path, *, kind, chunk, axes, per_sample, attrs, settings, layout_text="", sigma=None,
                 tau=None, samples=None):
    """Write a complete, empty store to ``path`` atomically (temporary file, fsync, rename).

    samples: the plan, {name: (array (n,), units, description)} written whole at creation (the
    1-D kinds' σ and τ [m] may be given as ``sigma`` and ``tau`` instead).
    axes: {name: (array, units, description)} stored once.  per_sample: {name: (shape_per_sample,
    dtype, units, description, fill)} preallocated with a leading axis of n.  attrs: extra root
    attributes (str, numbers or arrays).  settings: the dict compared on resume
    (:func:`check_settings`); stored as JSON.  Refuses to replace an existing file.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if os.path.exists(path):
        raise FileExistsError(f"{path} exists; refusing to overwrite it")
    if samples is None:
        samples = {name: (np.asarray(arr, dtype=np.float64), *SIGMA_TAU[name])
                   for name, arr in (("sigma", sigma), ("tau", tau))}
    n = np.shape(samples["sigma"][0])[0]
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
            f.attrs["per_sample"] = json.dumps([*samples, *per_sample])
            for key, val in attrs.items():
                f.attrs[key] = str(val) if isinstance(val, str) else val
            for name, (arr, units, desc) in samples.items():
                arr = np.asarray(arr)
                ds = _early_dataset(f, name, (n,), arr.dtype, units=units, description=desc)
                ds[...] = arr
            _early_dataset(f, "done", (n_chunks,), np.bool_, units="",
                           description=f"chunk k = samples [k*{int(chunk)}, (k+1)*{int(chunk)}) is complete")
            for name, (arr, units, desc) in axes.items():
                ds = _early_dataset(f, name, np.shape(arr), np.asarray(arr).dtype, units=units, description=desc)
                ds[...] = arr
            for name, (shape, dtype, units, desc, fill) in per_sample.items():
                _early_dataset(f, name, (n, *shape), dtype, fill=fill, units=units, description=desc)
        commit_file(tmp, path)
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
    """Open an existing store ("r" or "r+") after checking it is an spsll store of a known version
    and validating its structure (:func:`~spsll.data.store_check.check_structure`)."""
    if mode not in ("r", "r+"):
        raise ValueError(f"mode must be 'r' or 'r+', got {mode!r}")
    if mode == "r+":
        open_store(path, "r").close()  # validated read-only first: a refused file is not touched
    try:
        f = h5py.File(path, mode)
    except FileNotFoundError:
        raise FileNotFoundError(f"store {os.fspath(path)} does not exist") from None
    except OSError as e:
        holder = lock_holder(path)
        if holder is not None:
            raise StoreError(f"{path} cannot be opened: it is being written by {holder}; wait for that run "
                             f"to finish ({e})") from e
        raise StoreError(f"{path} cannot be opened as HDF5 and no spsll run is writing it: it is not an "
                         f"HDF5 file, or it is damaged or truncated ({e})") from e
    try:
        if f.attrs.get("format") != FORMAT:
            raise StoreError(f"{path} is not an spsll dataset store (attribute format != {FORMAT!r})")
        v = f.attrs.get("format_version")
        if not isinstance(v, (int, np.integer)) or int(v) != FORMAT_VERSION:
            raise StoreError(f"{path} has store format_version {v!r}; this spsll reads version {FORMAT_VERSION}")
        check_structure(f, path)
    except BaseException:
        f.close()
        raise
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


def settings_differences(stored: dict, wanted: dict, defaults: dict | None = None) -> list[str]:
    """Human-readable lines naming each setting that differs (dotted names, e.g. ``solver.dtype``).

    ``defaults`` (nested like the settings): a setting missing from the store is no difference when
    this run asks its default: the store was written before the option existed, which meant the
    default behaviour (e.g. ``solver.mirror_envelope = "tiled"``).
    """
    a, b, d = _flatten(stored), _flatten(wanted), _flatten(defaults or {})
    lines = []
    for key in sorted(set(a) | set(b)):
        if key not in a and key in d and b[key] == d[key]:
            continue
        if key not in a:
            lines.append(f"{key}: not in the store, this run asks {b[key]!r}")
        elif key not in b:
            lines.append(f"{key}: the store has {a[key]!r}, this run does not set it")
        elif a[key] != b[key]:
            lines.append(f"{key}: the store has {a[key]!r}, this run asks {b[key]!r}")
    return lines


def check_settings(f, wanted: dict, path="store", defaults: dict | None = None):
    """Raise :class:`StoreMismatchError` naming every setting in which ``wanted`` differs from the
    store (``defaults``: see :func:`settings_differences`)."""
    diff = settings_differences(stored_settings(f), json.loads(json.dumps(wanted)),
                                json.loads(json.dumps(defaults or {})))
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
    return done[np.arange(int(f.attrs["n"])) // int(f.attrs["chunk"])]


def read_store(path, names=None):
    """Read a store with h5py: only samples of completed chunks.

    Returns ``(data, info)``: data maps each per-sample dataset (all, or ``names``) to the array
    of completed samples and ``index`` to their sample indices; axes (k, f or x) are included
    whole.  info holds the root attributes (settings decoded from JSON) and ``n_done``.
    """
    with open_store(path) as f:
        per_sample = json.loads(f.attrs["per_sample"])
        mask = done_mask(f)
        idx = np.flatnonzero(mask)
        data = {"index": idx}
        for name in per_sample:
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


def describe_store(path) -> str:
    """What ``spsll inspect`` prints: kind, completeness, settings and the datasets of a store."""
    with open_store(path) as f:
        n, chunk, done = int(f.attrs["n"]), int(f.attrs["chunk"]), f["done"][...]
        n_done = int(done_mask(f).sum())
        lines = [f"{path}: spsll {f.attrs['kind']} store, format version {FORMAT_VERSION}",
                 f"samples: {n_done} of {n} done ({int(done.sum())} of {done.size} chunks of {chunk}); "
                 + ("complete" if n_done == n else "incomplete: rerun the generate command to finish it")]
        holder = lock_holder(path)
        if holder:
            lines.append(f"being written by {holder}")
        lines.append("settings:")
        lines += [f"  {k} = {v!r}" for k, v in sorted(_flatten(stored_settings(f)).items())]
        lines.append("datasets:")
        for name in f:
            ds = f[name]
            units = ds.attrs.get("units", "")
            units = units.decode() if isinstance(units, bytes) else units
            lines.append(f"  /{name:18s} {str(ds.shape):18s} {ds.dtype.name:8s} {('[' + units + ']') if units else ''}")
    return "\n".join(lines)
