"""Save and load :class:`~spsll.DispersionResult` and :class:`~spsll.DomainWallResult` as HDF5 files.

``spsll.save(result, "d.h5")`` and ``spsll.load("d.h5")``.  The file is netCDF-4 compatible
HDF5 written with h5py: every array names its dimensions through HDF5 dimension scales, so
``xarray.open_dataset("d.h5", engine="h5netcdf")`` opens it with real dimension names and
coordinates, and plain h5py reads it too.  SI units (attribute ``units`` on every variable)::

    DispersionResult                          DomainWallResult
    k               (k)            rad/m      x                   (x)                  m
    f               (f)            Hz         component           (component) "x","y","z"
    peak_frequency  (sample, k)    Hz         m                   (sample, component, x) 1
    power           (sample, f, k) a.u.       width, width_error, width_tanh,
    sigma, tau      (sample)       m          width_tanh_error, center (sample)        m
                                              torque (sample) 1, iterations (sample),
                                              converged (sample, 0/1), sigma, tau (sample) m

A result of one (σ, τ) (not batched) has no ``sample`` dimension.  ``power`` is absent when the
result kept none.  ``stats`` is stored as JSON (attribute ``stats_json``).  Files are written
to a temporary name and renamed into place (all or nothing); they are read without pickle.
"""
from __future__ import annotations

import dataclasses
import json
import os

import h5py
import numpy as np

from .._files import commit_file, prepare_output
from ..physics.domainwall import DomainWallResult
from ..physics.magnons import DispersionResult

FORMAT = "spsll-result"
FORMAT_VERSION = 1

# field: (dimensions, units); "sample" is dropped for results of one (σ, τ)
_DISPERSION = {"peak_frequency": (("sample", "k"), "Hz"), "power": (("sample", "f", "k"), "arbitrary"),
               "sigma": (("sample",), "m"), "tau": (("sample",), "m")}
_WALL = {"m": (("sample", "component", "x"), "1"), "converged": (("sample",), "1 (0/1)"),
         "torque": (("sample",), "1"), "iterations": (("sample",), "1"),
         **{name: (("sample",), "m") for name in ("width", "width_error", "width_tanh", "width_tanh_error",
                                                  "center", "sigma", "tau")}}
KINDS = {"DispersionResult": (DispersionResult, {"k": "rad/m", "f": "Hz"}, _DISPERSION),
         "DomainWallResult": (DomainWallResult, {"x": "m"}, _WALL)}


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


def _write(f, result, kind):
    cls, axes, fields = KINDS[kind]
    batched = np.ndim(result.sigma) == 1
    f.attrs.update({"format": FORMAT, "format_version": FORMAT_VERSION, "result": kind,
                    "stats_json": json.dumps(_jsonable(result.stats))})
    scales = {}
    for name, units in axes.items():
        ds = f.create_dataset(name, data=np.asarray(getattr(result, name)))
        ds.attrs["units"] = units
        ds.make_scale(name)
        scales[name] = ds
    if kind == "DomainWallResult":
        ds = f.create_dataset("component", data=np.array(["x", "y", "z"], dtype=h5py.string_dtype()))
        ds.make_scale("component")
        scales["component"] = ds
    if batched:
        ds = f.create_dataset("sample", data=np.arange(np.size(result.sigma)))
        ds.attrs["description"] = "index of the (sigma, tau) pair in the batch"
        ds.make_scale("sample")
        scales["sample"] = ds
    for name, (dims, units) in fields.items():
        value = getattr(result, name)
        if value is None:
            continue
        arr = np.asarray(value)
        if arr.dtype == bool:
            arr = arr.astype(np.int8)  # netCDF has no boolean type
        ds = f.create_dataset(name, data=arr)
        ds.attrs["units"] = units
        for i, dim in enumerate(d for d in dims if batched or d != "sample"):
            ds.dims[i].attach_scale(scales[dim])


def save(result, path) -> str:
    """Write a DispersionResult or DomainWallResult to the HDF5 file ``path`` (replaced if present)."""
    kind = type(result).__name__
    if kind not in KINDS:
        raise TypeError(f"result must be a DispersionResult or DomainWallResult, got {kind}")
    path = prepare_output(path, name="path")
    tmp = f"{path}.saving-{os.getpid()}"
    try:
        with h5py.File(tmp, "w") as f:
            _write(f, result, kind)
        commit_file(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load(path):
    """Read a result written by :func:`save` (h5py only, never pickle)."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(f"{path} is not a result saved by spsll.save (attribute format != {FORMAT!r})")
        if int(f.attrs.get("format_version", -1)) != FORMAT_VERSION:
            raise ValueError(f"{path} has result format_version {f.attrs.get('format_version')!r}; "
                             f"this spsll reads version {FORMAT_VERSION}")
        kind = f.attrs.get("result")
        if kind not in KINDS:
            raise ValueError(f"{path}: attribute result must be one of {sorted(KINDS)}, got {kind!r}")
        cls, axes, fields = KINDS[kind]
        values = {name: f[name][()] if name in f else None for name in [*axes, *fields]}
        stats = json.loads(f.attrs.get("stats_json", "{}"))
    if "converged" in values:
        values["converged"] = np.asarray(values["converged"]).astype(bool)
    for name in ("sigma", "tau", "width", "width_error", "width_tanh", "width_tanh_error", "center", "torque"):
        if name in values and np.ndim(values[name]) == 0:
            values[name] = float(values[name])
    names = {fl.name for fl in dataclasses.fields(cls)}
    stats = {k: np.asarray(v) if isinstance(v, list) else v for k, v in stats.items()}
    return cls(**{k: v for k, v in values.items() if k in names}, stats=stats)
