"""The existence map of a skyrmion in defective films: survival probability over (σ, τ).

For every model of :mod:`spsll.physics.skyrmion_defects` and every (σ, τ) point of a
grid, the fraction of relaxed films in which the skyrmion ``survived`` with its
uncertainty, the radius over the survivors (mean and spread across realisations), and the pinning
numbers.  Survival over R independent realisations is binomial; its 95 % interval is
Wilson's score interval (Wilson, J. Am. Stat. Assoc. 22, 209 (1927)),

    (k/R + z²/2R ± z √(k/R (1 − k/R)/R + z²/4R²)) / (1 + z²/R),   z = 1.96,

which, unlike the normal approximation, stays inside [0, 1] and has a nonzero width at
k = 0 and k = R (few realisations per point).  The statistical models are deterministic
(one film per point, survival 0 or 1): their "interval" is the point itself.

Cost (measured on the shared 2-core CPU, one thread, load average 5–10): the ci map of
chapter 9 (3 × 3 points, 4 explicit 48² films each, 3000 steps to 1e-3 Ms) relaxes its
36 explicit films in 24–32 s and the 18 statistical films in ~12 s; the paper profile
(6 × 6 points, 32 explicit 64² films each) took 1,460 s in all on one such thread, its
1,152 explicit films 1,415 s (``benchmarks/bench_skyrmion.py map``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .skyrmion_defects import MODELS, STATES, DefectSkyrmions, defect_skyrmions

__all__ = ["wilson_interval", "ExistenceMap", "existence_map"]


def wilson_interval(k, n, z: float = 1.96):
    """Wilson score interval (lo, hi) for k successes in n trials (arrays, n ≥ 1)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    if np.any(n < 1) or np.any(k < 0) or np.any(k > n):
        raise ValueError("wilson_interval needs 0 <= k <= n and n >= 1")
    phat = k / n
    den = 1 + z * z / n
    mid = (phat + z * z / (2 * n)) / den
    half = z * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / den
    return np.clip(mid - half, 0, 1), np.clip(mid + half, 0, 1)


def _nanmean(x, axis=1):
    x = np.asarray(x, float)
    cnt = np.isfinite(x).sum(axis)
    tot = np.where(np.isfinite(x), x, 0).sum(axis)
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def _nanstd(x, axis=1):
    x = np.asarray(x, float)
    mu = _nanmean(x, axis)
    dev = np.where(np.isfinite(x), (x - np.expand_dims(mu, axis)) ** 2, 0)
    cnt = np.isfinite(x).sum(axis)
    return np.where(cnt > 1, np.sqrt(dev.sum(axis) / np.maximum(cnt - 1, 1)), np.nan)


@dataclass
class ModelMap:
    """One model's map over P points (arrays (P,)); lengths [m]."""

    survived: np.ndarray      #: films with a surviving skyrmion
    films: int                #: films per point
    probability: np.ndarray   #: survived / films
    lo: np.ndarray            #: Wilson 95 % interval
    hi: np.ndarray
    radius: np.ndarray        #: mean radius over the survivors (NaN if none)
    radius_sd: np.ndarray     #: its standard deviation across realisations
    shift: np.ndarray         #: mean centre shift of the survivors
    enrichment: np.ndarray    #: mean core vacancy enrichment of the survivors
    fractions: dict           #: state → fraction of films per point
    converged: float          #: fraction of relaxations converged
    seconds: float            #: wall time of the relaxations
    raw: DefectSkyrmions = field(repr=False, default=None)

    @classmethod
    def of(cls, res: DefectSkyrmions) -> "ModelMap":
        ok = res.state == 0
        k, R = ok.sum(1), res.state.shape[1]
        lo, hi = wilson_interval(k, R) if R > 1 else (k / R, k / R)
        rad, shift, enr = (np.where(ok, v, np.nan)
                           for v in (res.radius, res.shift, res.core_enrichment))
        return cls(survived=k, films=R, probability=k / R, lo=np.asarray(lo, float),
                   hi=np.asarray(hi, float), radius=_nanmean(rad),
                   radius_sd=_nanstd(rad), shift=_nanmean(shift),
                   enrichment=_nanmean(enr),
                   fractions={s: (res.state == i).mean(1)
                              for i, s in enumerate(STATES)},
                   converged=float(res.converged.mean()), seconds=res.seconds, raw=res)


@dataclass
class ExistenceMap:
    """Maps of several models on one (σ, τ) grid: ``sigma``, ``tau`` (P,) [m] (the grid
    flattened σ-major: point i = (σ_grid[i // n_τ], τ_grid[i % n_τ])), ``maps``: model
    → :class:`ModelMap`, ``ideal_radius`` [m]: the relaxed radius without defects."""

    sigma_grid: np.ndarray
    tau_grid: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    n: int
    a: float
    ideal_radius: float
    maps: dict

    @property
    def p(self):
        return self.sigma / (self.sigma + self.tau)

    @property
    def T(self):
        return self.sigma * self.tau / (self.sigma + self.tau)

    def grid(self, model: str, name: str = "probability") -> np.ndarray:
        """A map's array reshaped (n_σ, n_τ)."""
        return np.asarray(getattr(self.maps[model], name)).reshape(
            self.sigma_grid.size, self.tau_grid.size)

    def summary(self) -> dict:
        """Figures of merit (JSON-ready): per model the mean survival, the seconds, and
        against ``explicit`` the survival disagreement of each statistical model."""
        out = {"points": int(self.sigma.size), "film_cells": self.n,
               "ideal_radius_nm": self.ideal_radius * 1e9}
        for name, mm in self.maps.items():
            out[name] = {"mean_survival": float(mm.probability.mean()),
                         "seconds": mm.seconds, "films_per_point": mm.films,
                         "converged": mm.converged,
                         "fractions": {s: float(v.mean())
                                       for s, v in mm.fractions.items()}}
        ex = self.maps.get("explicit")
        if ex is not None:
            for name, mm in self.maps.items():
                if name == "explicit":
                    continue
                inside = (mm.probability >= ex.lo) & (mm.probability <= ex.hi)
                both = np.isfinite(mm.radius) & np.isfinite(ex.radius)
                out[name]["survival_mae_vs_explicit"] = float(
                    np.abs(mm.probability - ex.probability).mean())
                out[name]["inside_explicit_interval"] = float(inside.mean())
                out[name]["radius_mae_vs_explicit_nm"] = (
                    float(np.abs(mm.radius - ex.radius)[both].mean() * 1e9)
                    if both.any() else None)
        return out


def existence_map(material, sigma_grid, tau_grid, *, models=MODELS, n: int = 48,
                  n_realisations: int = 4, radius0=None, ideal_radius=None,
                  seed: int = 0, **relax_options) -> ExistenceMap:
    """Relax skyrmions on every (σ, τ) of the grid [m] for each model and map them.

    ``radius0`` [m]: the start radius (default: ``ideal_radius``, which in turn
    defaults to the relaxed radius of the ideal n × n film, computed here); options
    (tol, max_iter, chunk, dtype, device) go to
    :func:`spsll.physics.skyrmion_defects.defect_skyrmions`.
    """
    sg = np.atleast_1d(np.asarray(sigma_grid, float))
    tg = np.atleast_1d(np.asarray(tau_grid, float))
    S, T = np.meshgrid(sg, tg, indexing="ij")
    s, t = S.ravel(), T.ravel()
    if ideal_radius is None:
        ideal = defect_skyrmions(material, [1e-6], [0.0], model="mean_field", n=n,
                                 radius0=radius0 or 7 * material.a, **relax_options)
        ideal_radius = float(ideal.radius[0, 0])
    if not (math.isfinite(ideal_radius) and ideal_radius > 0):
        raise ValueError(f"ideal_radius must be a radius > 0 m, got {ideal_radius!r}")
    r0 = ideal_radius if radius0 is None else radius0
    maps = {}
    for model in models:
        res = defect_skyrmions(material, s, t, model=model, n=n,
                               n_realisations=(n_realisations if model == "explicit"
                                               else 1),
                               radius0=r0, seed=seed, **relax_options)
        maps[model] = ModelMap.of(res)
    return ExistenceMap(sigma_grid=sg, tau_grid=tg, sigma=s, tau=t, n=n, a=material.a,
                        ideal_radius=ideal_radius, maps=maps)
