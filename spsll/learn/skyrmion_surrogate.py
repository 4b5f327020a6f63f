"""A surrogate of the skyrmion existence map: survival probability and radius from
(σ, τ).

Trained on the explicit ensembles of :mod:`spsll.physics.skyrmion_map` (k survivors of
R films at each training point, and their mean radius).  Features: a polynomial of
degree ``degree`` in the standardised logarithms u = (ln σ, ln τ) (ln σ − ln τ = logit
p, so degree 1 already holds the material fraction and the length scale
ln T = ln σ + ln τ − ln(σ + τ) is close to linear in u away from σ ≈ τ).

* survival: binomial logistic regression, P(survive) = 1/(1 + e^{−β·φ(u)}), fitted by
  Newton's method on the binomial log-likelihood Σ k ln P + (R − k) ln(1 − P) with a
  ridge λ|β|² (without it a separable map has no finite maximum);
* radius: weighted least squares on φ(u), weights = survivors per point.

Honest baselines (as in chapters 4–6): predict-the-mean (the training points' pooled
survival fraction and survivors' mean radius), and for the radius the mean-field
continuum radius, the radial ODE with A → pA, D → pD
(:func:`mean_field_radius`).  :func:`leave_one_out` scores all of them on each held-out
grid point in turn.
"""
from __future__ import annotations

import itertools
import math
import time

import numpy as np

from ..physics.radial import D_CRITICAL, radial_skyrmion

__all__ = ["SkyrmionSurrogate", "mean_field_radius", "leave_one_out"]

NM = 1e-9


def _poly(u: np.ndarray, degree: int) -> np.ndarray:
    cols = [np.ones(len(u))]
    for d in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(u.shape[1]), d):
            cols.append(np.prod(u[:, combo], axis=1))
    return np.stack(cols, axis=1)


class SkyrmionSurrogate:
    """Logistic survival and least-squares radius on polynomial features of
    (ln σ, ln τ) (module doc).  ``fit``, then ``predict(sigma, tau)`` → (P, radius
    [m])."""

    def __init__(self, degree: int = 1, ridge: float = 1e-2):
        if degree not in (1, 2, 3):
            raise ValueError(f"degree must be 1, 2 or 3, got {degree!r}")
        if not ridge >= 0:
            raise ValueError(f"ridge must be >= 0, got {ridge!r}")
        self.degree, self.ridge = degree, float(ridge)

    def _features(self, sigma, tau):
        u = np.log(np.stack([np.asarray(sigma, float), np.asarray(tau, float)], 1) / NM)
        return _poly((u - self.mu) / self.sd, self.degree)

    def fit(self, sigma, tau, survived, films, radius):
        """σ, τ [m] (P,), survivors k (P,) of ``films`` (scalar or (P,)), mean radius of
        the survivors [m] (P,; NaN where none survived)."""
        sigma, tau = np.asarray(sigma, float), np.asarray(tau, float)
        if np.any(sigma <= 0) or np.any(tau <= 0):
            raise ValueError("sigma and tau must be > 0 m (the surrogate works in "
                             "logs)")
        u = np.log(np.stack([sigma, tau], 1) / NM)
        self.mu, self.sd = u.mean(0), np.where(u.std(0) > 0, u.std(0), 1.0)
        X = self._features(sigma, tau)
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
        if w.sum() == 0:
            self.beta_radius = None
        else:
            A = (X * w[:, None]).T @ X + reg
            self.beta_radius = np.linalg.solve(A, (X * w[:, None]).T @ np.nan_to_num(r))
        return self

    def predict(self, sigma, tau):
        """(survival probability (Q,), radius [m] (Q,)) at σ, τ [m]."""
        X = self._features(np.atleast_1d(sigma), np.atleast_1d(tau))
        P = 1 / (1 + np.exp(-X @ self.beta_survival))
        R = (X @ self.beta_radius if self.beta_radius is not None
             else np.full(len(X), np.nan))
        return P, R


def mean_field_radius(material, sigma, tau) -> np.ndarray:
    """Continuum radius [m] of the radial ODE with A → pA, D → pD (p = σ/(σ+τ)):
    the mean-field statistical model without the lattice (NaN where it has no
    skyrmion, abs(pD) ≥ D_c(pA) never happens for p ≤ 1 and D < D_c)."""
    p = np.asarray(sigma, float) / (np.asarray(sigma, float) + np.asarray(tau, float))
    out = np.full(p.shape, np.nan)
    for i, pi in enumerate(p.ravel()):
        d = pi * material.D / math.sqrt(pi * material.A * material.K_eff)
        if 0 < d < D_CRITICAL:
            out.flat[i] = radial_skyrmion(pi * material.A, pi * material.D,
                                          material.K_eff).radius
    return out


def leave_one_out(material, sigma, tau, survived, films, radius, degree=1, ridge=1e-2):
    """Hold out each point in turn; fit on the rest.  Returns a dict: per method
    (``surrogate``, ``mean``, ``mean_field`` (radius only)) the survival MAE and Brier
    score against the held-out frequency k/R and the radius MAE [m] where the held-out
    point has survivors; plus ``seconds_per_query`` of the surrogate and of the
    mean-field radius (timed here)."""
    sigma, tau = np.asarray(sigma, float), np.asarray(tau, float)
    k, r = np.asarray(survived, float), np.asarray(radius, float)
    n = np.broadcast_to(np.asarray(films, float), k.shape)
    P = len(k)
    pred = {"surrogate": np.zeros((P, 2)), "mean": np.zeros((P, 2))}
    for i in range(P):
        keep = np.arange(P) != i
        sur = SkyrmionSurrogate(degree, ridge).fit(sigma[keep], tau[keep], k[keep],
                                                   n[keep], r[keep])
        pred["surrogate"][i] = [v[0] for v in sur.predict(sigma[i:i + 1], tau[i:i + 1])]
        rk = np.isfinite(r[keep])
        mean_r = (np.sum(k[keep][rk] * r[keep][rk]) / k[keep][rk].sum()
                  if k[keep][rk].sum() else np.nan)
        pred["mean"][i] = [k[keep].sum() / n[keep].sum(), mean_r]
    t0 = time.perf_counter()
    mf = mean_field_radius(material, sigma, tau)
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
    sur = SkyrmionSurrogate(degree, ridge).fit(sigma, tau, k, n, r)
    q = np.repeat(sigma, 1000), np.repeat(tau, 1000)
    t0 = time.perf_counter()
    sur.predict(*q)
    out["seconds_per_query"] = {"surrogate": (time.perf_counter() - t0) / q[0].size,
                                "mean_field_radius": mf_s}
    out["predictions"] = {name: v.tolist() for name, v in pred.items()}
    return out
