"""Robust statistics of explicit-vacancy ensembles: which realisations measure what, and how.

An explicit realisation's dispersion error (mean abs(f_peak − f(k)) over a range of k) is
dominated by accidents of the draw: the Gaussian excitation can fall on a vacancy (nothing is
excited), or on a short segment (a few cells) whose truncated modes leak power over every k of
the chain's FFT.  Such realisations do not test the model; they test the recipe.  This module
names them from the masks alone (no dynamics) and summarises per-realisation errors with
statistics that one such draw cannot move: the median and the trimmed mean, and their spread
over independent seeds.
"""
from __future__ import annotations

import numpy as np

from .._validate import finite_scalar, non_negative_int, positive_int

#: Reasons a realisation is dropped, in the order they are tested.
REASONS = ("excitation in a vacancy", "excited segment shorter than the minimum")


def segment_length_at(masks, cell: int) -> np.ndarray:
    """Length (cells) of the run of material containing ``cell`` in each periodic 0/1 mask
    (..., n); 0 where ``cell`` is a vacancy, n for a mask without vacancies."""
    m = np.asarray(masks)
    n = m.shape[-1]
    cell = non_negative_int("cell", cell, high=n - 1)
    flat = m.reshape(-1, n).astype(bool)
    out = np.zeros(flat.shape[0], int)
    for i, row in enumerate(flat):
        if not row[cell]:
            continue
        if row.all():
            out[i] = n
            continue
        rolled = np.roll(row, -cell)               # the cell first; runs to its right and left
        right = np.argmin(rolled)                  # first vacancy to the right (≥ 1)
        left = np.argmin(rolled[::-1])             # vacancies counted from the end
        out[i] = right + left
    return out.reshape(m.shape[:-1])


def drop_reasons(masks, cell: int, min_segment=20):
    """(keep, reason) per realisation: ``reason`` is an index into :data:`REASONS` (−1 kept).

    masks (..., n) 0/1; ``cell``: the excitation's centre cell; ``min_segment``: cells.
    """
    min_segment = positive_int("min_segment", min_segment)
    seg = segment_length_at(masks, cell)
    reason = np.full(seg.shape, -1)
    reason[seg < min_segment] = 1
    reason[seg == 0] = 0
    return reason < 0, reason


def realisation_errors(peaks, reference, select) -> np.ndarray:
    """Mean abs(peaks − reference) over the wavenumbers ``select`` (bool (N,)); peaks (..., N)."""
    sel = np.asarray(select, bool)
    return np.abs(np.asarray(peaks, float) - np.asarray(reference, float))[..., sel].mean(-1)


def trimmed_mean(values, trim=0.2) -> float:
    """Mean of the values left after dropping the ``trim`` fraction at each end (NaN if none)."""
    trim = finite_scalar("trim", trim, low=0, high=0.49)
    v = np.sort(np.asarray(values, float).ravel())
    cut = int(np.floor(trim * v.size))
    v = v[cut: v.size - cut]
    return float(v.mean()) if v.size else float("nan")


def robust_summary(errors, keep, trim=0.2) -> dict:
    """Mean, median and trimmed mean of ``errors`` over all realisations and over the kept ones.

    errors, keep: (S, R) (seeds × realisations) or (R,).  Each statistic is computed per seed;
    the result holds its mean over seeds and its spread (max − min over seeds), and the counts.
    """
    e = np.atleast_2d(np.asarray(errors, float))
    k = np.atleast_2d(np.asarray(keep, bool))
    if e.shape != k.shape:
        raise ValueError(f"errors and keep must have equal shapes, got {e.shape} and {k.shape}")
    stats = {"mean": np.mean, "median": np.median, "trimmed_mean": lambda v: trimmed_mean(v, trim)}
    out = {"n_seeds": e.shape[0], "n_realisations": int(e.size), "n_kept": int(k.sum())}
    for subset, rows in (("all", [row for row in e]),
                         ("kept", [row[m] for row, m in zip(e, k)])):
        for name, fn in stats.items():
            per_seed = np.array([fn(r) if r.size else np.nan for r in rows])
            out[f"{name}_{subset}"] = float(np.nanmean(per_seed)) if np.isfinite(per_seed).any() else None
            fin = per_seed[np.isfinite(per_seed)]
            out[f"{name}_{subset}_seed_spread"] = float(fin.max() - fin.min()) if fin.size else None
    return out


def mask_mean_standard_error(sigma, tau, n_cells, a, n_realisations):
    """Standard error of the present fraction averaged over R masks of n cells (shape (B,)).

    The point-sampled RTN has autocovariance v r^abs(l), r = exp(−a/T), so one mask's mean has
    variance (v/n) [(1 + r)/(1 − r) − 2 r (1 − r^n)/(n (1 − r)²)]; R independent masks divide
    it by R.  Zero for the ideal material.
    """
    from .rtn import moments
    m = moments(sigma, tau)
    n = positive_int("n_cells", n_cells, low=1)
    R = positive_int("n_realisations", n_realisations)
    v, T = np.atleast_1d(m.v), np.atleast_1d(m.T)
    r = np.exp(-a / np.where(T > 0, T, np.inf))
    with np.errstate(divide="ignore", invalid="ignore"):
        var1 = v / n * ((1 + r) / (1 - r) - 2 * r * (1 - r**n) / (n * (1 - r) ** 2))
    return np.sqrt(np.where(v > 0, var1, 0.0) / R)
