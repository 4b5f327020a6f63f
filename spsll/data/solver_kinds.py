"""What each solver kind of :func:`spsll.data.generate.generate` computes and stores.

Kinds: "dispersions" (chains, :func:`spsll.dispersion`), "walls"
(:func:`spsll.domain_wall`) and "film_dispersions" (SPS-LL films of
``n_cells = (nx, ny)`` cells, :func:`spsll.dispersion`).  :func:`axes_and_layout` gives a
kind's axes and per-sample datasets, :func:`compute_chunk` computes one chunk (what Dask
workers run).  The store's layout: :mod:`spsll.data.store`.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .._validate import finite_scalar, positive_int
from ..physics.domainwall import domain_wall
from ..physics.magnons import dispersion
from ..physics.material import Material

KINDS = ("dispersions", "walls", "film_dispersions")
SOLVERS = {"dispersions": dispersion, "walls": domain_wall,
           "film_dispersions": dispersion}
#: Samples per chunk when none is given: a few seconds of CPU work per chunk at 500 cells.
DEFAULT_CHUNK = {"dispersions": 32, "walls": 500, "film_dispersions": 8}
#: Grid of a film_dispersions store when no n_cells is given (SPS-LL films, (nx, ny)).
FILM_CELLS = (64, 64)


def check_kind(kind):
    """``kind`` if it is one of :data:`KINDS`, else a ValueError naming them."""
    if kind == "film_stiffness":
        raise ValueError("film_stiffness stores are written by spsll.data."
                         "film_stiffness.generate_film_stiffness "
                         "(spsll generate film_stiffness)")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def _film_cells(n_cells) -> tuple:
    """(nx, ny) of a film_dispersions store: two integers >= 8."""
    if np.ndim(n_cells) != 1 or len(n_cells) != 2:
        raise ValueError("n_cells must be a pair (nx, ny) of integers >= 8 for "
                         f"film_dispersions (--n-cells NX NY), got {n_cells!r}")
    return tuple(positive_int("n_cells", v, low=8) for v in n_cells)


def _film_axes_and_layout(material, opts):
    """film_dispersions: the dispersions layout on a (kx, ky) grid."""
    nx, ny = _film_cells(opts["n_cells"])
    axes, layout = axes_and_layout("dispersions", material, {**opts, "n_cells": nx}, None)
    ky = np.fft.fftshift(2 * math.pi * np.fft.fftfreq(ny, d=material.a))
    axes["ky"] = (ky, "rad/m", "ky wavenumbers, ascending (fftshifted); k is the kx axis")
    layout["peak_frequency"] = ((nx, ny), np.float64, "Hz", "2-D dispersion: peak "
                                "frequency per (kx, ky), sub-bin refined", True)
    if "power" in layout:
        layout["power"] = ((axes["f"][0].size, nx, ny), np.float32, "arbitrary",
                           "spectral power |FFT m_x|^2, axes (f, kx, ky); unwritten rows "
                           "are zeros", False)
    return axes, layout


def axes_and_layout(kind, material, opts, dtype):
    """Axes stored once and the per-sample datasets {name: (shape, dtype, units, description, fill)}."""
    if kind == "film_dispersions":
        return _film_axes_and_layout(material, opts)
    n = positive_int("n_cells", opts["n_cells"], low=8)
    a = material.a
    if kind == "dispersions":
        duration = finite_scalar("duration", opts["duration"], low=0, low_open=True, unit="s")
        dt_sample = finite_scalar("dt_sample", opts["dt_sample"], low=0, high=duration / 4, low_open=True, unit="s")
        n_t = int(round(duration / dt_sample))
        k = np.fft.fftshift(2 * math.pi * np.fft.fftfreq(n, d=a))
        f = np.fft.rfftfreq(n_t, d=dt_sample)
        axes = {"k": (k, "rad/m", "wavenumbers, ascending (fftshifted), first Brillouin zone"),
                "f": (f, "Hz", "frequencies of the spectrum, 0 ... 1/(2 dt_sample)")}
        layout = {"peak_frequency": ((n,), np.float64, "Hz", "1-D dispersion: peak frequency per k, sub-bin refined", True),
                  "n_steps": ((), np.int64, "", "accepted integrator steps", True),
                  "n_rejected": ((), np.int64, "", "rejected integrator steps", True)}
        if opts["keep_power"]:
            layout["power"] = ((f.size, n), np.float32, "arbitrary",
                               "spectral power |FFT2 m_x|^2, axes (f, k); unwritten rows are zeros", False)
    else:
        x = (np.arange(n) + 0.5 - n / 2) * a
        axes = {"x": (x, "m", "cell centres of the chain, wall initially at x = 0")}
        mdt = np.float64 if dtype == torch.float64 else np.float32
        layout = {"m": ((3, n), mdt, "1", "relaxed unit magnetisation (m_x, m_y, m_z) of the chain"),
                  "width": ((), np.float64, "m", "wall width, cosine series (paper Eq. 10)"),
                  "width_error": ((), np.float64, "m", "cosine-series width error (std over the last harmonics)"),
                  "width_tanh": ((), np.float64, "m", "wall width pi*Delta from a tanh fit"),
                  "width_tanh_error": ((), np.float64, "m", "1-sigma error of the tanh-fit width"),
                  "center": ((), np.float64, "m", "wall centre (m_z = 0 crossing)"),
                  "torque": ((), np.float64, "1", "final max |m x H| / Ms"),
                  "converged": ((), np.bool_, "", "relaxation reached the torque tolerance"),
                  "iterations": ((), np.int64, "", "relaxation iterations or integrator steps")}
        layout = {k: (*v, True) for k, v in layout.items()}
    return axes, layout


#: Walls relaxed per solver call when generate reports progress inside a chunk (``mode="relax"``
#: stops per sample, so the values do not depend on how a chunk is cut; 20-50 walls per call are
#: also no slower than 200: 1.27-1.34 s against 1.50 s for 200 walls of 500 cells on one core).
PROGRESS_BATCH = 50
_WALL_FIELDS = ("m", "width", "width_error", "width_tanh", "width_tanh_error", "center", "torque",
                "converged", "iterations")


def compute_chunk(spec: dict, sigma, tau, report=None) -> dict:
    """Compute one chunk: {"data": {name: (B, ...) array}, "axes": {name: array}}.

    ``spec``: {"kind", "material": Material fields, "options": solver keywords incl. device,
    dtype, batch_size}.  A pure function of its arguments (what Dask workers run).  ``report``:
    called with the number of samples finished, after each :data:`PROGRESS_BATCH` relaxed walls
    (or once for the chunk)."""
    kind = check_kind(spec["kind"])
    mat = Material(**spec["material"])
    opts = dict(spec["options"])
    sigma = np.asarray(sigma, dtype=np.float64).reshape(-1)
    tau = np.asarray(tau, dtype=np.float64).reshape(-1)
    if kind != "walls":
        r = dispersion(mat, sigma, tau, progress=False, **opts)
        data = {"peak_frequency": r.peak_frequency, "n_steps": np.asarray(r.stats["n_steps"], np.int64),
                "n_rejected": np.asarray(r.stats["n_rejected"], np.int64)}
        if opts.get("keep_power"):
            data["power"] = r.power
        if report:
            report(sigma.size)
        axes = {"k": r.k, "f": r.f} if r.ky is None else {"k": r.k, "ky": r.ky, "f": r.f}
        return {"data": data, "axes": axes}
    step = PROGRESS_BATCH if report and opts.get("mode", "relax") == "relax" else sigma.size
    parts = []
    for lo in range(0, sigma.size, step):
        r = domain_wall(mat, sigma[lo:lo + step], tau[lo:lo + step], progress=False, **opts)
        parts.append(r)
        if report:
            report(r.width.size)
    data = {name: np.concatenate([getattr(r, name) for r in parts]) for name in _WALL_FIELDS}
    return {"data": data, "axes": {"x": parts[0].x}}
