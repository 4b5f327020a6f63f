"""The paper's Fig. 1f statements, checked on a (σ, τ) grid of wall widths, collapsed walls apart.

A wall narrower than ``min_cells`` cells (3 a by default) has collapsed onto the lattice: its
"width" is a statement about two or three cells, not a wall profile, and the two width
estimates (Eq. 10 and the tanh fit) disagree there.  Such points are excluded from the trend
statistics and counted.

Statements (paper, Fig. 1f): (i) for low τ the width falls quickly for every σ; (ii) beyond
τ ≈ 13 nm the width keeps falling where τ > σ and (iii) rises where τ < σ.
"""
from __future__ import annotations

import numpy as np

from .._validate import finite_scalar


def collapsed(width, a, min_cells=3.0) -> np.ndarray:
    """Boolean mask of widths [m] below ``min_cells`` · a."""
    min_cells = finite_scalar("min_cells", min_cells, low=0, low_open=True)
    return np.asarray(width, float) < min_cells * a


def fig1f_trends(width, sigma, tau, a, tau_late=13e-9, min_cells=3.0) -> dict:
    """Trend statistics of a width grid (len σ, len τ) [m] over ``sigma``, ``tau`` [m] (1-D,
    ascending, tau[0] = 0), with collapsed walls excluded.

    Slopes are centred differences (one-sided at the ends, ``np.gradient``); a slope counts only
    when every width it uses is not collapsed.  Returns plain numbers: the fraction of σ whose
    width falls from τ[0] to τ[1]; the fractions of late (τ ≥ ``tau_late``) slopes that fall
    where τ > σ and rise where τ < σ; and how many grid points and slopes were excluded.
    """
    W = np.asarray(width, float)
    sg, tg = np.asarray(sigma, float), np.asarray(tau, float)
    if W.shape != (sg.size, tg.size):
        raise ValueError(f"width must have shape (len sigma, len tau) = {(sg.size, tg.size)}, got {W.shape}")
    if tg.size < 2 or tg[0] != 0 or np.any(np.diff(tg) <= 0):
        raise ValueError("tau must be ascending, start at 0 and hold at least two values")
    bad = collapsed(W, a, min_cells)
    ok_low = ~bad[:, 0] & ~bad[:, 1]
    falls = (W[:, 1] < W[:, 0]) & ok_low
    out = {"n_points": int(W.size), "n_collapsed": int(bad.sum()),
           "min_width_cells": float(min_cells),
           "n_sigma_low_tau_valid": int(ok_low.sum()),
           "frac_falls_at_low_tau": float(falls.sum() / ok_low.sum()) if ok_low.any() else None}
    late = tg >= tau_late
    if late.sum() >= 2 and tg.size >= 3:
        slope = np.gradient(W, tg, axis=1)
        used = bad.copy()                       # a slope uses its neighbours (or itself at ends)
        used[:, 1:] |= bad[:, :-1]
        used[:, :-1] |= bad[:, 1:]
        valid = ~used & late[None, :]
        gt = tg[None, :] > sg[:, None]
        lt = tg[None, :] < sg[:, None]
        for name, where, sign in (("decreasing_where_tau_gt_sigma", gt, -1),
                                  ("increasing_where_tau_lt_sigma", lt, 1)):
            sel = valid & where
            out[f"n_{name}_valid"] = int(sel.sum())
            out[f"frac_{name}"] = float(np.mean(sign * slope[sel] > 0)) if sel.any() else None
        out["n_late_slopes_excluded"] = int((used & late[None, :]).sum())
    return out
