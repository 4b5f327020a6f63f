"""A surrogate of the skyrmion existence map: survival probability and radius from
(σ, τ) and the DMI constant D.

Trained on the explicit ensembles of :mod:`spsll.physics.skyrmion_map` (k survivors of
R films at each training point, and their mean radius).  Features: a polynomial of
degree ``degree`` in the standardised u = (ln σ, ln τ, D) (ln σ − ln τ = logit p, so
degree 1 already holds the material fraction and the length scale
ln T = ln σ + ln τ − ln(σ + τ) is close to linear in u away from σ ≈ τ); D [J/m²]
enters when the training points have more than one D (otherwise the features are
those of (ln σ, ln τ) alone and ``predict`` ignores D).

* survival: binomial logistic regression, P(survive) = 1/(1 + e^{−β·φ(u)}), fitted by
  Newton's method on the binomial log-likelihood Σ k ln P + (R − k) ln(1 − P) with a
  ridge λ|β|² (without it a separable map has no finite maximum);
* radius: weighted least squares on φ(u), weights = survivors per point.

Honest baselines (as in chapters 4–6): predict-the-mean (the training points' pooled
survival fraction and survivors' mean radius), and for the radius the mean-field
continuum radius, the radial ODE with A → pA, D → pD
(:func:`mean_field_radius`, at each point's D).  :func:`leave_one_out` scores all of
them on each held-out grid point in turn.  What the two outputs determine of (σ, τ, D):
:mod:`spsll.learn.skyrmion_identifiability`.
"""
from __future__ import annotations

import itertools
import math
import time

import numpy as np

from ..physics.radial import D_CRITICAL, radial_skyrmion
from ..units import NM

__all__ = ["SkyrmionSurrogate", "mean_field_radius", "leave_one_out"]



def _poly(u: np.ndarray, degree: int) -> np.ndarray:
    cols = [np.ones(len(u))]
    for d in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(u.shape[1]), d):
            cols.append(np.prod(u[:, combo], axis=1))
    return np.stack(cols, axis=1)


class SkyrmionSurrogate:
    """Logistic survival and least-squares radius on polynomial features of
    (ln σ, ln τ[, D]) (module doc).  ``fit``, then ``predict(sigma, tau, D)`` →
    (P, radius [m])."""

    def __init__(self, degree: int = 1, ridge: float = 1e-2):
        if degree not in (1, 2, 3):
            raise ValueError(f"degree must be 1, 2 or 3, got {degree!r}")
        if not ridge >= 0:
            raise ValueError(f"ridge must be >= 0, got {ridge!r}")
        self.degree, self.ridge = degree, float(ridge)

    def inputs(self, sigma, tau, D=None) -> np.ndarray:
        """x (Q, 2 or 3): (ln(σ/nm), ln(τ/nm)[, D/(mJ/m²)]), the surrogate's raw
        coordinates."""
        sigma, tau = np.atleast_1d(np.asarray(sigma, float)), np.atleast_1d(
            np.asarray(tau, float))
        if np.any(sigma <= 0) or np.any(tau <= 0):
            raise ValueError("sigma and tau must be > 0 m (the surrogate works in "
                             "logs)")
        cols = [np.log(sigma / NM), np.log(tau / NM)]
        if getattr(self, "uses_D", False):
            if D is None:
                raise ValueError("D is required: this surrogate was fitted on several "
                                 "D values")
            cols.append(np.broadcast_to(np.asarray(D, float) * 1e3, sigma.shape))
        return np.stack(np.broadcast_arrays(*cols), 1)

    def raw(self, x) -> tuple:
        """(logit P (Q,), radius [m] (Q,)) at raw coordinates x (Q, 2 or 3)."""
        X = _poly((np.asarray(x, float) - self.mu) / self.sd, self.degree)
        R = (X @ self.beta_radius if self.beta_radius is not None
             else np.full(len(X), np.nan))
        return X @ self.beta_survival, R

    def fit(self, sigma, tau, survived, films, radius, D=None):
        """σ, τ [m] (P,), survivors k (P,) of ``films`` (scalar or (P,)), mean radius of
        the survivors [m] (P,; NaN where none survived), D [J/m²] (scalar or (P,),
        optional)."""
        self.uses_D = D is not None and np.unique(np.asarray(D, float)).size > 1
        x = self.inputs(sigma, tau, D)
        self.mu, self.sd = x.mean(0), np.where(x.std(0) > 0, x.std(0), 1.0)
        X = _poly((x - self.mu) / self.sd, self.degree)
        k = np.asarray(survived, float)
        n = np.broadcast_to(np.asarray(films, float), k.shape)
        reg = self.ridge * np.eye(X.shape[1])
        reg[0, 0] = 0.0  # the intercept is not shrunk
        beta = np.zeros(X.shape[1])
        for _ in range(100):  # Newton on the penalised binomial log-likelihood
            P = 1 / (1 + np.exp(-X @ beta))
            grad = X.T @ (k - n * P) - reg @ beta
            hess = ((X * (n * P * (1 - P))[:, None]).T @ X + reg
                    + 1e-12 * np.eye(len(beta)))
            step = np.linalg.solve(hess, grad)
            beta = beta + step
            if np.abs(step).max() < 1e-10:
                break
        self.beta_survival = beta
        r = np.asarray(radius, float)
        w = np.where(np.isfinite(r), k, 0.0)
        #: survivors' mean radius [m] (NaN if none): the radius scale of Jacobians
        self.radius_scale = (float(np.sum(w * np.nan_to_num(r)) / w.sum()) if w.sum()
                             else math.nan)
        if w.sum() == 0:
            self.beta_radius = None
        else:
            A = (X * w[:, None]).T @ X + reg
            self.beta_radius = np.linalg.solve(A, (X * w[:, None]).T @ np.nan_to_num(r))
        return self

    def predict(self, sigma, tau, D=None):
        """(survival probability (Q,), radius [m] (Q,)) at σ, τ [m] (and D [J/m²])."""
        eta, R = self.raw(self.inputs(sigma, tau, D))
        return 1 / (1 + np.exp(-eta)), R


def mean_field_radius(material, sigma, tau, D=None) -> np.ndarray:
    """Continuum radius [m] of the radial ODE with A → pA, D → pD (p = σ/(σ+τ)):
    the mean-field statistical model without the lattice.  ``D`` [J/m²]: scalar or per
    point (default the material's).  NaN where it has no skyrmion: pD/√(pA K_eff) =
    √p d leaves (0, 4/π) only if abs(D) ≥ D_c or p = 0."""
    sigma, tau = np.asarray(sigma, float), np.asarray(tau, float)
    p = sigma / (sigma + tau)
    Ds = np.broadcast_to(np.asarray(material.D if D is None else D, float), p.shape)
    out = np.full(p.shape, np.nan)
    for i, (pi, Di) in enumerate(zip(p.ravel(), Ds.ravel())):
        if not pi > 0:
            continue
        d = pi * Di / math.sqrt(pi * material.A * material.K_eff)
        if 0 < d < D_CRITICAL:
            out.flat[i] = radial_skyrmion(pi * material.A, pi * Di, material.K_eff).radius
    return out


def _pooled(k, n, r):
    """Predict-the-mean: pooled survival fraction and survivors' mean radius."""
    rk = np.isfinite(r)
    mean_r = np.sum(k[rk] * r[rk]) / k[rk].sum() if k[rk].sum() else np.nan
    return k.sum() / n.sum(), mean_r


def leave_one_out(material, sigma, tau, survived, films, radius, degree=1, ridge=1e-2,
                  D=None):
    """Hold out each point in turn; fit on the rest.  Returns a dict: per method
    (``surrogate``, ``mean``, ``mean_field`` (radius only, at each point's D)) the
    survival MAE and Brier score against the held-out frequency k/R and the radius MAE
    [m] where the held-out point has survivors; plus ``seconds_per_query`` of the
    surrogate and of the mean-field radius (timed here).  ``D`` [J/m²]: scalar or per
    point (default the material's)."""
    sigma, tau = np.asarray(sigma, float), np.asarray(tau, float)
    k, r = np.asarray(survived, float), np.asarray(radius, float)
    n = np.broadcast_to(np.asarray(films, float), k.shape)
    Ds = np.broadcast_to(np.asarray(material.D if D is None else D, float), k.shape)
    P = len(k)
    pred = {"surrogate": np.zeros((P, 2)), "mean": np.zeros((P, 2))}
    for i in range(P):
        keep = np.arange(P) != i
        sur = SkyrmionSurrogate(degree, ridge).fit(sigma[keep], tau[keep], k[keep],
                                                   n[keep], r[keep], Ds[keep])
        pred["surrogate"][i] = [v[0] for v in sur.predict(sigma[i:i + 1], tau[i:i + 1],
                                                          Ds[i:i + 1])]
        pred["mean"][i] = _pooled(k[keep], n[keep], r[keep])
    t0 = time.perf_counter()
    mf = mean_field_radius(material, sigma, tau, Ds)
    mf_s = (time.perf_counter() - t0) / P
    freq = k / n
    has = np.isfinite(r)
    out = {}
    for name, v in pred.items():
        out[name] = {"survival_mae": float(np.abs(v[:, 0] - freq).mean()),
                     "survival_brier": float(((v[:, 0] - freq) ** 2).mean()),
                     "radius_mae_nm": float(np.abs(v[has, 1] - r[has]).mean() / NM)
                     if has.any() else None}
    out["mean_field"] = {"radius_mae_nm": float(np.abs(mf[has] - r[has]).mean() / NM)
                         if has.any() else None}
    sur = SkyrmionSurrogate(degree, ridge).fit(sigma, tau, k, n, r, Ds)
    q = np.repeat(sigma, 1000), np.repeat(tau, 1000), np.repeat(Ds, 1000)
    t0 = time.perf_counter()
    sur.predict(*q)
    out["seconds_per_query"] = {"surrogate": (time.perf_counter() - t0) / q[0].size,
                                "mean_field_radius": mf_s}
    out["predictions"] = {name: v.tolist() for name, v in pred.items()}
    return out
