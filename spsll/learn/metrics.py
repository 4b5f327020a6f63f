"""Scores of the networks' predictions (numpy only): R², RMSE, MAE, and the inverse models' scorecard.

For (σ, τ) the scorecard adds the combinations a dispersion actually carries:

* p = σ/(σ+τ) (material fraction) and T = στ/(σ+τ) (correlation length), one-to-one with (σ, τ);
* s_min, the flat value of the defect envelope of an N-cell chain
  (``spsll.physics.envelope.s_min``): in 1-D the dispersion is f₀ + s_min·X_ideal·(1 − cos ka)
  to within a few GHz, so it determines s_min and, beyond it, only what the prior box and the weak
  second handle at T ≳ 10 nm add.

Predictions are clipped to σ ≥ ``SIGMA_FLOOR`` and τ ≥ 0 before p, T and s_min are formed
(a network may return a negative σ or τ, which is no material).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "r2", "rmse", "mae", "p_T", "inverse_scores", "seed_summary", "mean_std", "prefixed",
    "s_min_of",
    "SIGMA_FLOOR",
]

#: smallest σ [m] used to form p, T and s_min from a prediction (1 pm: far below a cell)
SIGMA_FLOOR = 1e-12


def _pair(y, p):
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if y.shape != p.shape:
        raise ValueError(
            f"truth and prediction must have the same shape, got {y.shape} and {p.shape}"
        )
    if y.size == 0:
        raise ValueError("truth and prediction are empty")
    return y, p


def r2(y, p, axis=0):
    """Coefficient of determination 1 − Σ(y − p)² / Σ(y − ȳ)² along ``axis`` (per column of 2-D
    input).  Not defined (nan) where the truth is constant."""
    y, p = _pair(y, p)
    ss_res = np.sum((y - p) ** 2, axis=axis)
    ss_tot = np.sum((y - y.mean(axis=axis, keepdims=True)) ** 2, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), np.nan)
    return float(out) if np.ndim(out) == 0 else out


def rmse(y, p, axis=0):
    """Root mean squared error √mean((y − p)²), in the units of y."""
    y, p = _pair(y, p)
    out = np.sqrt(np.mean((y - p) ** 2, axis=axis))
    return float(out) if np.ndim(out) == 0 else out


def mae(y, p, axis=0):
    """Mean absolute error mean|y − p|, in the units of y."""
    y, p = _pair(y, p)
    out = np.mean(np.abs(y - p), axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def p_T(sigma_tau):
    """(p, T) of (σ, τ) pairs [m], shape (B, 2): p = σ/(σ+τ) [1], T = στ/(σ+τ) [m].

    σ is clipped to ``SIGMA_FLOOR`` and τ to 0 first."""
    st = np.asarray(sigma_tau, dtype=float)
    if st.ndim != 2 or st.shape[1] != 2:
        raise ValueError(
            f"sigma_tau must have shape (B, 2) = (σ, τ) [m], got {st.shape}"
        )
    s = np.clip(st[:, 0], SIGMA_FLOOR, None)
    t = np.clip(st[:, 1], 0.0, None)
    return s / (s + t), s * t / (s + t)


def inverse_scores(
    truth, pred, *, n_cells: int, a: float, scheme: str = "parseval"
) -> dict:
    """Scores of (σ, τ) predictions [m], arrays (B, 2): R² of σ, τ, p, T and s_min; RMSE of σ, τ
    and T [nm] and of p and s_min [1].  ``n_cells``, ``a`` [m], ``scheme``: the chain of the data
    (s_min depends on N: 0.580 at (10, 5) nm for N = 500, 0.604 for N = 1000)."""
    from ..physics.envelope import s_min

    truth, pred = _pair(truth, pred)
    if truth.ndim != 2 or truth.shape[1] != 2:
        raise ValueError(
            f"truth and prediction must have shape (B, 2) = (σ, τ) [m], got {truth.shape}"
        )
    pt, Tt = p_T(truth)
    pp, Tp = p_T(pred)
    clip = np.column_stack(
        [np.clip(pred[:, 0], SIGMA_FLOOR, None), np.clip(pred[:, 1], 0.0, None)]
    )
    st, sp = (s_min(n_cells, a, v[:, 0], v[:, 1], scheme) for v in (truth, clip))
    nm = 1e-9
    return {
        "r2_sigma": r2(truth[:, 0], pred[:, 0]),
        "r2_tau": r2(truth[:, 1], pred[:, 1]),
        "rmse_sigma_nm": rmse(truth[:, 0], pred[:, 0]) / nm,
        "rmse_tau_nm": rmse(truth[:, 1], pred[:, 1]) / nm,
        "r2_p": r2(pt, pp),
        "r2_T": r2(Tt, Tp),
        "rmse_p": rmse(pt, pp),
        "rmse_T_nm": rmse(Tt, Tp) / nm,
        "r2_smin": r2(st, sp),
        "rmse_smin": rmse(st, sp),
    }


def seed_summary(runs, prefix: str = "seed_") -> dict:
    """Mean and sample standard deviation over seeds of each metric of ``runs`` (a list of dicts
    with the same keys): ``{prefix + "mean_" + key: …, prefix + "std_" + key: …}`` (std 0 for one run).
    """
    runs = list(runs)
    if not runs:
        raise ValueError("runs must hold at least one dict of metrics")
    out = {}
    for key in runs[0]:
        v = np.array([r[key] for r in runs], dtype=float)
        out[f"{prefix}mean_{key}"] = float(v.mean())
        out[f"{prefix}std_{key}"] = float(v.std(ddof=1)) if v.size > 1 else 0.0
    return out


def mean_std(values) -> tuple:
    """``(mean, sample standard deviation)`` of ``values`` as floats (std 0 for one value)."""
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.size == 0:
        raise ValueError("values must hold at least one number")
    return float(np.mean(v)), float(np.std(v, ddof=1)) if v.size > 1 else 0.0


def prefixed(groups: dict, drop=()) -> dict:
    """One flat dict of metrics from ``groups`` = ``{prefix: scores}``: ``{prefix + key:
    value}`` for every item of every ``scores`` whose key is not in ``drop`` (the flat metric
    names a book chapter records, e.g. ``{"knn_": {"r2_sigma": …}}`` → ``knn_r2_sigma``).  A
    key produced twice is an error (two groups would overwrite each other)."""
    out = {}
    for prefix, scores in groups.items():
        for k, v in scores.items():
            if k in drop:
                continue
            if f"{prefix}{k}" in out:
                raise ValueError(f"metric name {prefix}{k!r} produced twice")
            out[f"{prefix}{k}"] = v
    return out


def s_min_of(sigma_tau, *, n_cells: int, a: float, scheme: str = "parseval"):
    """The flat value s_min of the defect envelope (``spsll.physics.envelope.s_min``) of an
    ``n_cells`` chain with cell ``a`` [m] at each (σ, τ) pair [m] (B, 2); σ is clipped to
    ``SIGMA_FLOOR`` and τ to 0 first, as in :func:`inverse_scores`."""
    from ..physics.envelope import s_min

    st = np.asarray(sigma_tau, dtype=float)
    if st.ndim != 2 or st.shape[1] != 2:
        raise ValueError(f"sigma_tau must have shape (B, 2) = (σ, τ) [m], got {st.shape}")
    return s_min(n_cells, a, np.clip(st[:, 0], SIGMA_FLOOR, None), np.clip(st[:, 1], 0.0, None),
                 scheme)
