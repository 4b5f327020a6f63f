"""The wall round trip of chapter 6: relax the walls of predicted (σ, τ) and compare their widths.

The paper's "predicted width" is not defined; here it is the width (paper Eq. 10) of the wall
that the solver relaxes with the predicted (σ, τ), clipped to the sampled box first (σ ≤ 0 or
τ < 0 is no material).  The error is actual − predicted width [m].
"""

from __future__ import annotations

import numpy as np

from ..physics.domainwall import domain_wall
from . import metrics

__all__ = ["relaxed_widths", "width_roundtrip"]


def relaxed_widths(material, pred, sigma_range, tau_range, **options):
    """Widths [m] (Eq. 10) of the walls relaxed at ``pred`` (B, 2) = (σ, τ) [m] clipped to
    ``sigma_range`` and ``tau_range`` [m]; returns ``(widths, n_clipped)``.  ``options`` go to
    :func:`spsll.domain_wall` (e.g. ``n_cells``)."""
    pred = np.asarray(pred, dtype=float)
    if pred.ndim != 2 or pred.shape[1] != 2:
        raise ValueError(f"pred must have shape (B, 2) = (σ, τ) [m], got {pred.shape}")
    s = np.clip(pred[:, 0], *sigma_range)
    t = np.clip(pred[:, 1], *tau_range)
    n_clipped = int(np.sum((s != pred[:, 0]) | (t != pred[:, 1])))
    return np.atleast_1d(domain_wall(material, s, t, **options).width), n_clipped


def width_roundtrip(
    material, pred, truth, actual_width, sigma_range, tau_range, **options
) -> dict:
    """R² of σ and τ and the mean and standard deviation of actual − relaxed width [nm]."""
    w, n_clipped = relaxed_widths(material, pred, sigma_range, tau_range, **options)
    err = (np.asarray(actual_width, dtype=float) - w) / 1e-9
    truth = np.asarray(truth, dtype=float)
    return {
        "r2_sigma": metrics.r2(truth[:, 0], pred[:, 0]),
        "r2_tau": metrics.r2(truth[:, 1], pred[:, 1]),
        "width_error_mean_nm": float(err.mean()),
        "width_error_std_nm": float(err.std()),
        "n_clipped": n_clipped,
    }
