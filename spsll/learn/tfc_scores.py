"""Scores of the TFC dispersion networks (chapter 5): error per k, each form's floor, the seeds'
spread and the paper's two examples (Fig. 3a–b).

Errors are absolute frequency errors abs(f̂(k) − f(k)) in THz.  A form's *floor* is the mean error
of the best least-squares fit of each true curve by that form's expression within its
coefficient bounds (:func:`spsll.learn.nets.tfc_least_squares`): no network of that form can do
better.
"""

from __future__ import annotations

import numpy as np

from ..physics.magnons import dispersion
from ..units import NM, THZ
from . import metrics
from .predict import predict
from .tfc import tfc_least_squares

__all__ = ["error_summary", "seed_maes", "fig3_examples", "FIG3"]

#: the paper's Fig. 3a–b pairs (σ, τ) [m] and the amplitudes X [THz] it reports for them
FIG3 = {"pairs": np.array([[22.9, 3.0], [15.1, 12.4]]) * NM, "X_THz": (3.65, 2.45)}


def error_summary(nets: dict, dataset):
    """``(summary, per_k)`` of each network in ``nets`` (name → TFC model) on ``dataset``
    (``targets`` (σ, τ) [m], ``peak_frequency`` (B, K) [Hz]).

    ``summary[name]``: ``mae`` (mean over samples and k), ``per_k_min``, ``per_k_max`` (extremes
    over k of the mean over samples), ``floor`` (mean error of the form's least-squares fit),
    ``rmse`` [all THz].  ``per_k``: ``{"network": {name: (K,)}, "floor": {name: (K,)}}`` [THz].
    """
    f_true = dataset.peak_frequency
    summary, per_k = {}, {"network": {}, "floor": {}}
    for name, net in nets.items():
        pred = predict(net, dataset)
        err = np.abs(pred - f_true) / THZ
        ferr = np.abs(tfc_least_squares(net, f_true)[1] - f_true) / THZ
        summary[name] = {"mae": err.mean(), "per_k_min": err.mean(0).min(),
                         "per_k_max": err.mean(0).max(), "floor": ferr.mean(),
                         "rmse": metrics.rmse(f_true, pred, axis=None) / THZ}
        per_k["network"][name], per_k["floor"][name] = err.mean(0), ferr.mean(0)
    return summary, per_k


def seed_maes(ensembles: dict, dataset) -> dict:
    """Test MAE [THz] of every member of each ensemble (name → ``Ensemble``):
    ``{name: {"maes": [...], "mean": …, "std": …}}`` (sample std over members, 0 for one)."""
    out = {}
    for name, ens in ensembles.items():
        v = [metrics.mae(dataset.peak_frequency, predict(m, dataset), axis=None) / THZ
             for m in ens.members]
        mean, std = metrics.mean_std(v)
        out[name] = {"maes": v, "mean": mean, "std": std}
    return out


def fig3_examples(nets: dict, material, pairs=None, **options):
    """The paper's examples: the solver's dispersion at ``pairs`` (σ, τ) [m] (default
    :data:`FIG3`) and each network's prediction and coefficients there.

    Returns ``(sim, preds, scores)``: the solver's :class:`spsll.DispersionResult`, ``{name:
    (P, K) [Hz]}`` on the networks' k grid, and per pair ``"fig3a"``, ``"fig3b"``, … the
    scores ``sigma_nm``, ``tau_nm``, ``solver_half_bandwidth_THz`` ((f(π/a) − f(0))/2 of the
    solver's peaks), ``mae_THz_<name>`` against the solver's peaks, ``X_THz_paper_form`` and
    ``b1_THz_harmonic`` (the first coefficient of the "paper" and "harmonic" networks).
    ``options`` go to :func:`spsll.dispersion` (the networks' k grid must be the solver's).
    """
    import torch

    pairs = FIG3["pairs"] if pairs is None else np.asarray(pairs, dtype=float)
    if not {"paper", "harmonic"} <= set(nets):
        raise ValueError(f"nets must hold the 'paper' and 'harmonic' forms, got {sorted(nets)}")
    sim = dispersion(material, pairs[:, 0], pairs[:, 1], **options)
    preds = {f: predict(net, pairs) for f, net in nets.items()}
    coef = {f: net.coefficients(torch.as_tensor(pairs, dtype=torch.float32))
            .detach().numpy() for f, net in nets.items()}
    scores = {}
    for i, (s_nm, t_nm) in enumerate(pairs / NM):
        pf = sim.peak_frequency[i]
        half = (pf[np.argmax(np.abs(sim.k))] - pf[np.argmin(np.abs(sim.k))]) / 2 / THZ
        scores[f"fig3{'abcdefgh'[i]}"] = {
            "sigma_nm": float(s_nm), "tau_nm": float(t_nm),
            "solver_half_bandwidth_THz": float(half),
            **{f"mae_THz_{f}": metrics.mae(pf, preds[f][i], axis=None) / THZ for f in nets},
            "X_THz_paper_form": float(coef["paper"][i, 0]),
            "b1_THz_harmonic": float(coef["harmonic"][i, 0])}
    return sim, preds, scores
