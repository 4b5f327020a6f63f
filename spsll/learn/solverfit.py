"""The reviewer's baseline of the inverse chapters: (σ, τ) fitted through the solver, scored.

No network: :func:`spsll.physics.inverse.fit_dispersions` and
:func:`spsll.physics.inverse.fit_walls` (batched Levenberg–Marquardt with the solver in the
loop) invert the first ``n`` test samples from two starts, the middle of the sampled box and a
network's own prediction (clipped into the box).  These functions run both fits, time the one a
user would run without a network, and score them against the truth and against the network on
the same samples.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..physics.inverse import fit_dispersions, fit_walls
from ..units import NM
from . import metrics

__all__ = ["BOX_MIDDLE_NM", "DispersionFits", "dispersion_fits", "WallFits", "wall_fits"]

#: the middle of the sampled box (σ, τ) [nm]: the network-free start of the dispersion fit
BOX_MIDDLE_NM = (50.5, 10.0)
_LO_NM, _HI_NM = (1.0, 0.0), (100.0, 20.0)     # the sampled box (σ, τ) [nm]


def _first(n, truth):
    n = int(n)
    if n < 1:
        raise ValueError(f"n (samples to fit) must be ≥ 1, got {n}")
    return min(n, len(truth))


@dataclass
class DispersionFits:
    """Dispersion fits of the first ``n`` test curves.  ``points``: (σ, τ) [m] of "cnn_subset"
    (the network), "solver_fit" (from the box middle) and "cnn_start_fit" (from the network);
    ``scores``: :func:`spsll.learn.metrics.inverse_scores` of each, the fits' with their
    ``median_misfit_GHz``; ``seconds``: wall time of both fits (one batched call each
    iteration); ``fit``: the :class:`~spsll.physics.inverse.BatchFitResult` of both starts."""

    n: int
    truth: np.ndarray
    points: dict
    scores: dict
    seconds: float
    fit: object

    @property
    def rate(self) -> float:
        """Inversions per second [1/s]: 2n curves and starts over the fit's wall time."""
        return 2 * self.n / self.seconds


def dispersion_fits(material, dataset, guess, *, n: int, max_iter: int, chain: dict,
                    **options) -> DispersionFits:
    """Fit the first ``n`` curves of ``dataset`` (a dispersions dataset: ``k`` [rad/m],
    ``peak_frequency`` [Hz], ``targets`` (σ, τ) [m]) from the box middle and from ``guess``
    (B, 2) [m] in one call of :func:`~spsll.physics.inverse.fit_dispersions`; ``chain``: the
    keywords of :func:`~spsll.learn.metrics.inverse_scores`; ``options`` go to the fit."""
    truth = np.asarray(dataset.targets, dtype=float)
    n = _first(n, truth)
    f_fit, y_fit = dataset.peak_frequency[:n], truth[:n]
    guess = np.asarray(guess, dtype=float)[:n]
    starts = np.concatenate([np.tile(list(BOX_MIDDLE_NM), (n, 1)),
                             np.clip(guess / NM, _LO_NM, _HI_NM)])
    t0 = time.perf_counter()
    fit = fit_dispersions(material, dataset.k, np.concatenate([f_fit, f_fit]), starts=starts,
                          max_iter=max_iter, **options)
    seconds = time.perf_counter() - t0
    fit_si = np.stack([fit.sigma, fit.tau], -1)
    points = {"cnn_subset": guess, "solver_fit": fit_si[:n], "cnn_start_fit": fit_si[n:]}
    scores = {name: metrics.inverse_scores(y_fit, p, **chain) for name, p in points.items()}
    scores["solver_fit"]["median_misfit_GHz"] = float(np.median(fit.rms_GHz[:n]))
    scores["cnn_start_fit"]["median_misfit_GHz"] = float(np.median(fit.rms_GHz[n:]))
    return DispersionFits(n, y_fit, points, scores, seconds, fit)


@dataclass
class WallFits:
    """Wall fits of the first ``n`` test walls.  ``middle``, ``from_net``: the
    :class:`~spsll.physics.inverse.WallFitResult` from the box middle and from the network;
    ``seconds``: wall time of the fit from the box middle; ``scores``: flat metrics
    ``{name}_rmse_sigma_nm``, ``{name}_rmse_tau_nm`` [nm], ``{name}_median_rms_mz`` for the
    names "solver_fit" and "wallnet_start_fit", then the network's RMSE on the same walls
    ``wallnet_same_walls_rmse_{sigma,tau}_nm``."""

    n: int
    truth: np.ndarray
    middle: object
    from_net: object
    seconds: float
    scores: dict

    @property
    def rate(self) -> float:
        """Inversions per second [1/s] of the fit from the box middle."""
        return self.n / self.seconds

    @property
    def fitted(self) -> np.ndarray:
        """(σ, τ) [m] (n, 2) of the fit from the box middle."""
        return np.stack([self.middle.sigma, self.middle.tau], -1)

    def rows(self) -> dict:
        """The scores as table rows: per start ("solver fit (box middle)", "solver fit from
        WallNet") and for the network on the same walls ("WallNet"): ``rmse_sigma_nm``,
        ``rmse_tau_nm``, and for the fits ``median_rms_mz`` and their ``relaxations``."""
        s, out = self.scores, {}
        for name, label, f in [("solver_fit", "solver fit (box middle)", self.middle),
                               ("wallnet_start_fit", "solver fit from WallNet", self.from_net)]:
            out[label] = {q: s[f"{name}_{q}"]
                          for q in ("rmse_sigma_nm", "rmse_tau_nm", "median_rms_mz")}
            out[label]["relaxations"] = f.n_sims
        out["WallNet"] = {f"rmse_{q}_nm": s[f"wallnet_same_walls_rmse_{q}_nm"]
                          for q in ("sigma", "tau")}
        return out


def wall_fits(material, dataset, guess, *, n: int, max_iter: int, **options) -> WallFits:
    """Fit the first ``n`` walls of ``dataset`` (a walls dataset: ``mz``, ``targets`` (σ, τ)
    [m]) with :func:`~spsll.physics.inverse.fit_walls`, from the box middle (timed) and from
    ``guess`` (B, 2) [m], and score both against the truth (see :class:`WallFits`)."""
    truth = np.asarray(dataset.targets, dtype=float)
    n = _first(n, truth)
    mz, truth = dataset.mz[:n], truth[:n]
    guess = np.asarray(guess, dtype=float)[:n]
    t0 = time.perf_counter()
    middle = fit_walls(material, mz, max_iter=max_iter, **options)
    seconds = time.perf_counter() - t0
    from_net = fit_walls(material, mz, starts=np.clip(guess / NM, _LO_NM, _HI_NM),
                         max_iter=max_iter, **options)
    scores = {}
    for name, f in [("solver_fit", middle), ("wallnet_start_fit", from_net)]:
        scores[f"{name}_rmse_sigma_nm"] = metrics.rmse(truth[:, 0], f.sigma) / NM
        scores[f"{name}_rmse_tau_nm"] = metrics.rmse(truth[:, 1], f.tau) / NM
        scores[f"{name}_median_rms_mz"] = float(np.median(f.rms_mz))
    for j, q in enumerate(("sigma", "tau")):
        rmse = metrics.rmse(truth[:, j], guess[:, j])
        scores[f"wallnet_same_walls_rmse_{q}_nm"] = rmse / NM
    return WallFits(n, truth, middle, from_net, seconds, scores)
