"""The wall round trip of chapter 6: relax the walls of predicted (σ, τ) and compare their widths.

The paper's "predicted width" is not defined; here it is the width (paper Eq. 10) of the wall
that the solver relaxes with the predicted (σ, τ), clipped to the sampled box first (σ ≤ 0 or
τ < 0 is no material).  The error is actual − predicted width [m].
"""

from __future__ import annotations

import numpy as np

from ..physics.domainwall import domain_wall
from ..units import NM
from . import metrics
from .baselines import nearest_mean
from .predict import predict

__all__ = [
    "relaxed_widths", "width_roundtrip", "width_errors", "width_only_baseline",
    "seed_roundtrips",
]


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
    _, errors = width_errors(actual_width, w)
    truth = np.asarray(truth, dtype=float)
    return {
        "r2_sigma": metrics.r2(truth[:, 0], pred[:, 0]),
        "r2_tau": metrics.r2(truth[:, 1], pred[:, 1]),
        "width_error_mean_nm": errors["width_error_mean_nm"],
        "width_error_std_nm": errors["width_error_std_nm"],
        "n_clipped": n_clipped,
    }


def width_errors(actual_width, predicted_width):
    """``(err, scores)``: err = actual − predicted width [nm] per wall, and its
    ``width_error_mean_nm``, ``width_error_std_nm`` (population std),
    ``width_error_median_abs_nm`` and the spread of the actual widths
    ``actual_width_std_nm`` [nm] (what a constant prediction would miss by)."""
    actual = np.asarray(actual_width, dtype=float)
    err = (actual - np.asarray(predicted_width, dtype=float)) / NM
    return err, {"width_error_mean_nm": float(err.mean()),
                 "width_error_std_nm": float(err.std()),
                 "width_error_median_abs_nm": float(np.median(np.abs(err))),
                 "actual_width_std_nm": float(actual.std() / NM)}


def width_only_baseline(material, train, truth, actual_width, sigma_range, tau_range,
                        k: int = 10, **options):
    """The width-only baselines of chapter 6, each through the same round trip.

    * k-NN on the width alone: the mean (σ, τ) of the ``k`` training walls (``train``: a walls
      dataset, ``width`` [m], ``targets`` [m]) of closest width;
    * the constant training-mean (σ, τ).

    Returns ``(trip, scores)``: :func:`width_roundtrip` of the k-NN, and the flat scores
    ``knn_width_only_<r2_sigma, r2_tau, error_mean_nm, error_std_nm>`` and
    ``mean_pair_error_std_nm`` (std of actual − width of the mean pair [nm]).
    """
    pred = nearest_mean(train.width / NM, train.targets, np.asarray(actual_width) / NM, k=k)
    trip = width_roundtrip(material, pred, truth, actual_width, sigma_range, tau_range,
                           **options)
    scores = {f"knn_width_only_{key.replace('width_', '')}": v for key, v in trip.items()
              if key != "n_clipped"}
    w_mean, _ = relaxed_widths(material, train.targets.mean(0, keepdims=True), sigma_range,
                               tau_range, **options)
    scores["mean_pair_error_std_nm"] = float((actual_width - w_mean[0]).std() / NM)
    return trip, scores


def seed_roundtrips(material, members, dataset, sigma_range, tau_range, **options):
    """``(runs, summary)``: :func:`width_roundtrip` of each model in ``members`` on
    ``dataset`` (``targets``, ``width`` [m]), and :func:`spsll.learn.metrics.seed_summary`
    of their scores without ``n_clipped``."""
    runs = [width_roundtrip(material, predict(m, dataset), dataset.targets, dataset.width,
                            sigma_range, tau_range, **options) for m in members]
    summary = metrics.seed_summary([{k: v for k, v in r.items() if k != "n_clipped"}
                                    for r in runs])
    return runs, summary
