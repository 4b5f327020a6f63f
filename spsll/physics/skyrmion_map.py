"""The existence map of a skyrmion in defective films: survival probability over
(σ, τ, D).

For every model of :mod:`spsll.physics.skyrmion_defects` and every (σ, τ, D) point of a
grid (D [J/m²] the interfacial DMI constant, 0 < abs(D) < D_c = 4√(A K_eff)/π; each D
relaxes with the material's other constants and starts from the ideal film's relaxed
radius at that D), the fraction of relaxed films in which the skyrmion ``survived``
with its uncertainty, the radius over the survivors (mean and spread across
realisations), and the pinning numbers.  Survival over R independent realisations is
binomial; its 95 % interval is Wilson's score interval (Wilson, J. Am. Stat. Assoc. 22, 209 (1927)),

    (k/R + z²/2R ± z √(k/R (1 − k/R)/R + z²/4R²)) / (1 + z²/R),   z = 1.96,

which, unlike the normal approximation, stays inside [0, 1] and has a nonzero width at
k = 0 and k = R (few realisations per point).  The statistical models are deterministic
(one film per point, survival 0 or 1): their "interval" is the point itself.  The
explicit films of one (σ, τ) are the same tessellations at every D (common random
numbers: a change with D is the DMI's, not a new draw of defects).

Cost (measured on the shared 2-core CPU, one thread).  The ci map of chapter 9 (2 × 2
(σ, τ) × 2 D, 3 explicit 48² films per point, 3000 steps to 1e-3 Ms) relaxes its 24
explicit films in 11.7 s and its 16 statistical films in 5.2 s (load average ~3.5; the
whole chapter runs in the same CPU time as its earlier 3 × 3-point, one-D map).  A
27-point subsample of the paper profile's box (σ 5, 40, 100 nm × τ 0.5, 4, 16 nm × D 2.6,
3.0, 3.4 mJ/m², 4 explicit 64² films each; ``benchmarks/bench_skyrmion.py map``) took
115 s in all at load ~3.5: 0.83 s per explicit film, 0.60 per envelope film, 0.27 per
mean-field film.  The paper profile itself (6 × 6 × 3 points, 12 explicit films each:
1,296 explicit and 216 statistical 64² films) ran chapter 9 in 851 s on one thread, load
average 1–2: explicit films 740 s (0.57 s each), envelope 58 s, mean field 21 s.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields

import numpy as np

from .skyrmion_defects import MODELS, STATES, DefectSkyrmions, defect_skyrmions

__all__ = ["wilson_interval", "ExistenceMap", "existence_map", "check_dmi_values",
           "ideal_film_radius"]


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
    """Maps of several models on one (σ, τ, D) grid.  ``sigma``, ``tau`` [m], ``D``
    [J/m²] (P,): the grid flattened D-major, then σ, then τ: point
    i = (D_grid[i // (n_σ n_τ)], σ_grid[(i // n_τ) % n_σ], τ_grid[i % n_τ]) (with one D,
    point i = (σ_grid[i // n_τ], τ_grid[i % n_τ])); ``maps``: model →
    :class:`ModelMap`; ``ideal_radius`` [m] (n_D,): the relaxed radius without defects
    at each D."""

    sigma_grid: np.ndarray
    tau_grid: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    n: int
    a: float
    ideal_radius: np.ndarray
    maps: dict
    D_grid: np.ndarray
    D: np.ndarray

    @property
    def p(self):
        return self.sigma / (self.sigma + self.tau)

    @property
    def T(self):
        return self.sigma * self.tau / (self.sigma + self.tau)

    def grid(self, model: str, name: str = "probability", d: int = 0) -> np.ndarray:
        """A map's array at the ``d``-th D of ``D_grid``, reshaped (n_σ, n_τ)."""
        ns, nt = self.sigma_grid.size, self.tau_grid.size
        v = np.asarray(getattr(self.maps[model], name))
        return v[d * ns * nt:(d + 1) * ns * nt].reshape(ns, nt)

    def _compare(self, out: dict, sel) -> None:
        ex = self.maps.get("explicit")
        for name, mm in self.maps.items():
            out[name] = {"mean_survival": float(mm.probability[sel].mean())}
            if ex is None or name == "explicit":
                continue
            pr, lo, hi = mm.probability[sel], ex.lo[sel], ex.hi[sel]
            r, rx = mm.radius[sel], ex.radius[sel]
            both = np.isfinite(r) & np.isfinite(rx)
            out[name]["survival_mae_vs_explicit"] = float(
                np.abs(pr - ex.probability[sel]).mean())
            inside = (pr >= lo) & (pr <= hi)
            out[name]["inside_explicit_interval"] = float(inside.mean())
            out[name]["radius_mae_vs_explicit_nm"] = (
                float(np.abs(r - rx)[both].mean() * 1e9) if both.any() else None)

    def summary(self) -> dict:
        """Figures of merit (JSON-ready) over the whole map: per model the mean
        survival, the seconds, and against ``explicit`` the survival disagreement of
        each statistical model; ``by_D``: {"0", "1", …} (index into ``D_grid``) the same
        comparison and the ideal radius at each D."""
        out = {"points": int(self.sigma.size), "film_cells": self.n,
               "D_mJ_m2": np.round(self.D_grid * 1e3, 12).tolist(),
               "ideal_radius_nm": (np.asarray(self.ideal_radius) * 1e9).tolist()}
        self._compare(out, slice(None))
        for name, mm in self.maps.items():
            out[name].update({"seconds": mm.seconds, "films_per_point": mm.films,
                              "converged": mm.converged,
                              "fractions": {s: float(v.mean())
                                            for s, v in mm.fractions.items()}})
        out["by_D"] = {}
        for d, D in enumerate(self.D_grid):
            row = {"D_mJ_m2": round(float(D * 1e3), 12),
                   "ideal_radius_nm": float(self.ideal_radius[d] * 1e9)}
            self._compare(row, self.D == D)
            out["by_D"][str(d)] = row
        return out


def check_dmi_values(material, D_values) -> np.ndarray:
    """D_values [J/m²] as a 1-D array, each finite with 0 < abs(D) < D_c =
    4√(A K_eff)/π of ``material`` (the uniform state's stability limit: above it a
    cycloid is the ground state and no isolated skyrmion exists)."""
    D = np.atleast_1d(np.asarray(D_values, dtype=float))
    Dc = material.D_c
    if D.ndim != 1 or D.size == 0:
        raise ValueError(f"D_values must be a non-empty 1-D sequence in J/m^2, got "
                         f"{D_values!r}")
    bad = ~np.isfinite(D) | (np.abs(D) <= 0) | (np.abs(D) >= Dc)
    if bad.any() or np.unique(D).size != D.size:
        raise ValueError(f"D_values must be distinct with 0 < abs(D) < D_c = "
                         f"{Dc:.6g} J/m^2 (4√(A K_eff)/π of the material), got "
                         f"{D.tolist()!r}")
    return D


def _concat(parts: list) -> DefectSkyrmions:
    """One DefectSkyrmions of the points of several (one per D), in order; its
    ``radius0`` [m] becomes per point (P,)."""
    first = parts[0]
    skip = ("model", "shape", "a", "seconds", "radius0")
    arrays = {f.name: np.concatenate([getattr(r, f.name) for r in parts])
              for f in fields(DefectSkyrmions) if f.name not in skip}
    r0 = np.concatenate([np.full(r.sigma.size, r.radius0) for r in parts])
    return DefectSkyrmions(model=first.model, shape=first.shape, a=first.a, radius0=r0,
                           seconds=sum(r.seconds for r in parts), **arrays)


def ideal_film_radius(material, n: int, radius0=None, **relax_options) -> float:
    """The relaxed radius [m] of the ideal n × n periodic film (mean field at p = 1);
    a ValueError if that film keeps no skyrmion (at D close to D_c the skyrmion
    outgrows a quarter of a small film: a larger ``n`` is needed)."""
    ideal = defect_skyrmions(material, [1e-6], [0.0], model="mean_field", n=n,
                             radius0=radius0 or 7 * material.a, **relax_options)
    if ideal.state[0, 0] != 0:
        raise ValueError(f"the ideal {n} x {n} film at D = {material.D:g} J/m^2 keeps "
                         f"no skyrmion (it {STATES[ideal.state[0, 0]]}); choose a "
                         f"larger n or a D further from D_c")
    return float(ideal.radius[0, 0])


def existence_map(material, sigma_grid, tau_grid, *, D_values=None, models=MODELS,
                  n: int = 48, n_realisations: int = 4, radius0=None, ideal_radius=None,
                  seed: int = 0, **relax_options) -> ExistenceMap:
    """Relax skyrmions on every (σ, τ) [m] × D [J/m²] of the grid for each model.

    ``D_values``: the DMI constants (default the material's D alone; validated by
    :func:`check_dmi_values`).  ``radius0`` [m]: the start radius at every D (default:
    the ideal relaxed radius at each D, ``ideal_radius`` (one per D) or computed here);
    options (tol, max_iter, chunk, dtype, device) go to
    :func:`spsll.physics.skyrmion_defects.defect_skyrmions`.
    """
    sg = np.atleast_1d(np.asarray(sigma_grid, float))
    tg = np.atleast_1d(np.asarray(tau_grid, float))
    Dg = check_dmi_values(material, (material.D,) if D_values is None else D_values)
    S, T = np.meshgrid(sg, tg, indexing="ij")
    s, t = S.ravel(), T.ravel()
    mats = [dataclasses.replace(material, D=float(D)) for D in Dg]
    if ideal_radius is None:
        ideal_radius = [ideal_film_radius(m, n, radius0, **relax_options) for m in mats]
    ideal = np.atleast_1d(np.asarray(ideal_radius, float))
    if ideal.shape != Dg.shape or not np.all(np.isfinite(ideal) & (ideal > 0)):
        raise ValueError(f"ideal_radius must be {Dg.size} radius(es) > 0 m (one per "
                         f"D), got {ideal_radius!r}")
    maps = {}
    for model in models:
        parts = [defect_skyrmions(mat, s, t, model=model, n=n,
                                  n_realisations=(n_realisations if model == "explicit"
                                                  else 1),
                                  radius0=r0 if radius0 is None else radius0, seed=seed,
                                  **relax_options)
                 for mat, r0 in zip(mats, ideal)]
        maps[model] = ModelMap.of(_concat(parts))
    return ExistenceMap(sigma_grid=sg, tau_grid=tg, sigma=np.tile(s, Dg.size),
                        tau=np.tile(t, Dg.size), n=n, a=material.a, ideal_radius=ideal,
                        maps=maps, D_grid=Dg, D=np.repeat(Dg, s.size))
