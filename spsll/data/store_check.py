"""Validation of a store's structure on open: every reader and writer of a store goes through it.

:func:`check_structure` is called by :func:`spsll.data.store.open_store`, and therefore by
``read_store``, ``generate`` (resume) and ``spsll.data.datasets``.  A file handed to spsll is
data, not a promise: before any array is read or allocated from its attributes it checks

* the root attributes' types and ranges: ``kind`` one of the kinds, ``n`` >= 1, ``chunk`` in
  1..n, ``n_chunks`` = ceil(n / chunk), ``settings_json`` a JSON object;
* ``per_sample`` and ``axes``: short JSON lists of distinct names of existing datasets;
* every dataset's shape and dtype against the layout of its kind (n samples, N cells, F
  frequencies; floats are float32/float64, flags bool, counters integers);
* σ > 0 and τ >= 0, finite (the plan's values, written at creation); in a
  ``film_stiffness`` store: family 0 (tessellation, σ and τ as above) or 1 (site
  dilution, p in (0, 1]), film sides >= 3, point and realisation indices >= 0;
* no HDF5 external storage, virtual datasets, soft or external links, or groups: a store is
  one self-contained file of datasets.

A violation raises :class:`StoreError` naming the field.  Costs: metadata only, plus one read
of σ and τ (16 bytes per sample).
"""
from __future__ import annotations

import json
import math

import h5py
import numpy as np

#: A store has at most this many members and names in ``per_sample``/``axes`` (it holds ~20).
MAX_NAMES = 64
#: Longest JSON attribute read (``per_sample``, ``axes``): far above 64 names, far below a hang.
MAX_JSON_CHARS = 65536

# name: (shape with symbols n = samples, N = cells, F = frequencies, dtype kinds)
_FLOAT, _INT, _BOOL = "f", "iu", "b"
LAYOUTS = {
    "dispersions": {"k": (("N",), _FLOAT), "f": (("F",), _FLOAT),
                    "peak_frequency": (("n", "N"), _FLOAT), "power": (("n", "F", "N"), _FLOAT),
                    "n_steps": (("n",), _INT), "n_rejected": (("n",), _INT)},
    "walls": {"x": (("N",), _FLOAT), "m": (("n", 3, "N"), _FLOAT),
              **{name: (("n",), _FLOAT) for name in ("width", "width_error", "width_tanh",
                                                     "width_tanh_error", "center", "torque")},
              "converged": (("n",), _BOOL), "iterations": (("n",), _INT)},
    "film_dispersions": {"k": (("N",), _FLOAT), "ky": (("Ny",), _FLOAT), "f": (("F",), _FLOAT),
                         "peak_frequency": (("n", "N", "Ny"), _FLOAT),
                         "power": (("n", "F", "N", "Ny"), _FLOAT),
                         "n_steps": (("n",), _INT), "n_rejected": (("n",), _INT)},
    "film_stiffness": {
        **{name: (("n",), _INT) for name in ("point", "family", "size", "realisation")},
        **{name: (("n",), _FLOAT) for name in ("p", "ratio", "p_inf", "conductivity")}},
}
COMMON = {"sigma": (("n",), _FLOAT), "tau": (("n",), _FLOAT), "done": (("n_chunks",), _BOOL)}
#: Datasets a store of each kind must hold: all that generate writes (``power`` is optional).
REQUIRED = {kind: tuple(name for name in layout if name != "power") for kind, layout in LAYOUTS.items()}
_SIZE_AXIS = {"N": {"dispersions": "k", "walls": "x", "film_dispersions": "k"},
              "Ny": {"film_dispersions": "ky"}, "F": {"dispersions": "f", "film_dispersions": "f"}}


class StoreError(RuntimeError):
    """The file is not a usable spsll store."""


def _fail(path, field, msg):
    raise StoreError(f"{path}: {field}: {msg}")


def _int_attr(f, path, name, low, high=None):
    v = f.attrs.get(name)
    if v is None:
        _fail(path, name, "missing root attribute")
    if isinstance(v, (bool, np.bool_)) or np.ndim(v) != 0 or not isinstance(v, (int, np.integer)):
        _fail(path, name, f"must be an integer attribute, got {type(v).__name__} {v!r}")
    v = int(v)
    if v < low or (high is not None and v > high):
        _fail(path, name, f"must be in {low}..{high if high is not None else 'inf'}, got {v}")
    return v


def _text_attr(f, path, name):
    v = f.attrs.get(name)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if not isinstance(v, str):
        _fail(path, name, f"must be a text attribute, got {type(v).__name__}")
    return v


def _json_attr(f, path, name, kind):
    text = _text_attr(f, path, name)
    if len(text) > MAX_JSON_CHARS:
        _fail(path, name, f"is {len(text)} characters long; a store's is under {MAX_JSON_CHARS}")
    try:
        value = json.loads(text)
    except ValueError as e:
        _fail(path, name, f"is not valid JSON ({e})")
    if not isinstance(value, kind):
        _fail(path, name, f"must be a JSON {kind.__name__}, got {type(value).__name__}")
    return value


def _name_list(f, path, attr):
    names = _json_attr(f, path, attr, list)
    if len(names) > MAX_NAMES:
        _fail(path, attr, f"lists {len(names)} names; a store has at most {MAX_NAMES}")
    if not all(isinstance(x, str) for x in names):
        _fail(path, attr, "must list dataset names (strings)")
    if len(set(names)) != len(names):
        _fail(path, attr, f"lists a name twice: {sorted(x for x in set(names) if names.count(x) > 1)}")
    missing = [x for x in names if x not in f]
    if missing:
        _fail(path, attr, f"lists datasets the file does not hold: {missing[:5]}")
    return names


def _check_members(f, path):
    if len(f) > MAX_NAMES:
        _fail(path, "/", f"holds {len(f)} members; a store holds at most {MAX_NAMES}")
    for name in f:
        link = f.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            _fail(path, name, f"is an HDF5 {type(link).__name__}; a store holds no links to other places or files")
        obj = f[name]
        if not isinstance(obj, h5py.Dataset):
            _fail(path, name, "is a group; a store holds datasets only")
        if obj.external:
            _fail(path, name, "uses HDF5 external storage (data in another file); refusing to read it")
        if obj.is_virtual:
            _fail(path, name, "is a virtual dataset (data in other files); refusing to read it")


def _check_dataset(f, path, name, shape, kinds, sizes):
    ds = f[name]
    want = tuple(sizes[d] if isinstance(d, str) else d for d in shape)
    if ds.shape != want:
        sym = "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")
        _fail(path, name, f"has shape {ds.shape}, the layout needs {sym} = {want}")
    dt = ds.dtype
    ok = dt.kind in kinds and (dt.kind != "f" or dt.itemsize in (4, 8))
    if not ok:
        allowed = {"f": "float32 or float64", "iu": "an integer type", "b": "bool"}[kinds]
        _fail(path, name, f"has dtype {dt}, the layout needs {allowed}")


def check_structure(f, path) -> None:
    """Raise :class:`StoreError` naming the field if the open store ``f`` breaks the layout."""
    _check_members(f, path)
    kind = _text_attr(f, path, "kind")
    if kind not in LAYOUTS:
        _fail(path, "kind", f"must be one of {tuple(LAYOUTS)}, got {kind!r}")
    for name in ("sigma", "tau", "done", *REQUIRED[kind]):
        if name not in f:
            _fail(path, name, f"missing: a {kind} store holds /{name}")
    n = _int_attr(f, path, "n", 1)
    if f["sigma"].shape != (n,):
        _fail(path, "n", f"is {n}, but /sigma has shape {f['sigma'].shape} (n = len(sigma))")
    chunk = _int_attr(f, path, "chunk", 1, n)
    n_chunks = _int_attr(f, path, "n_chunks", 1)
    if n_chunks != math.ceil(n / chunk):
        _fail(path, "n_chunks", f"is {n_chunks}, but n = {n} in chunks of {chunk} makes {math.ceil(n / chunk)}")
    _json_attr(f, path, "settings_json", dict)
    per_sample, axes = _name_list(f, path, "per_sample"), _name_list(f, path, "axes")
    layout = LAYOUTS[kind]
    for name in ("sigma", "tau"):
        if name not in per_sample:
            _fail(path, "per_sample", f"must list {name!r}")
    sizes = {"n": n, "n_chunks": n_chunks}
    for sym, axis in _SIZE_AXIS.items():
        if kind in axis:
            ax = f[axis[kind]]
            if ax.ndim != 1:
                _fail(path, axis[kind], f"must be a 1-D axis, got shape {ax.shape}")
            sizes[sym] = ax.shape[0]
    for name in f:
        spec = COMMON.get(name) or layout.get(name)
        if spec is None:
            _fail(path, name, f"is not part of the {kind} layout ({sorted({**COMMON, **layout})})")
        _check_dataset(f, path, name, *spec, sizes)
    for name in per_sample:
        if name not in COMMON and layout[name][0][0] != "n":
            _fail(path, "per_sample", f"lists {name!r}, which is not a per-sample dataset")
    for name in axes:
        if name in COMMON or layout[name][0][0] == "n":
            _fail(path, "axes", f"lists {name!r}, which is not an axis")
    rows = np.ones(n, bool)
    if kind == "film_stiffness":
        rows = _check_film_plan(f, path)
    sigma, tau = f["sigma"][...][rows], f["tau"][...][rows]
    _check_values(path, "sigma", sigma, np.isfinite(sigma) & (sigma > 0), "finite and > 0 m",
                  rows)
    _check_values(path, "tau", tau, np.isfinite(tau) & (tau >= 0), "finite and >= 0 m", rows)


def _check_values(path, name, values, ok, allowed, rows=None):
    """Fail naming ``name`` and the first sample (numbered among ``rows``) not ``ok``."""
    if not np.all(ok):
        j = int(np.flatnonzero(~ok)[0])
        i = j if rows is None else int(np.flatnonzero(rows)[j])
        _fail(path, name, f"must be {allowed}; sample {i} has {values[j].item()!r}")


def _check_film_plan(f, path):
    """Check the plan of a film_stiffness store; return the rows of its tessellations."""
    family, p = f["family"][...], f["p"][...]
    _check_values(path, "family", family, np.isin(family, (0, 1)),
                  "0 (tessellation) or 1 (site dilution)")
    site = family == 1
    _check_values(path, "p", p[site], (p[site] > 0) & (p[site] <= 1),
                  "in (0, 1] for site dilution", site)
    size = f["size"][...]
    _check_values(path, "size", size, size >= 3, ">= 3 cells (a film's side)")
    for name in ("point", "realisation"):
        v = f[name][...]
        _check_values(path, name, v, v >= 0, ">= 0")
    return ~site
