"""What a survival frequency and a mean radius determine about (σ, τ, D).

Two observables, three parameters: at every point some combination of (σ, τ, D) leaves
both unchanged to first order.  For a fitted
:class:`spsll.learn.skyrmion_surrogate.SkyrmionSurrogate` (trained on several D),
:func:`local_identifiability` takes the Jacobian

    J = ∂(logit P, R/R̄) / ∂(ln σ, ln τ, ln D)     (2 × 3)

(R̄ the survivors' mean radius of the training points; central differences of the
polynomial surrogate; relative coordinates throughout, so the directions are unit-free)
and its singular value decomposition J = U S Vᵀ.  The
third right singular vector v (S₃ = 0: J has rank ≤ 2) is the least-identifiable
direction, unchanged by any rescaling of the two outputs.  A quantity q is locally
determined by the two observables exactly when its gradient g_q is orthogonal to v;
``null_share`` reports abs(ĝ_q · v) for q = p, T, D (0: determined, 1: q is what moves
along v), with g_logit p = (1, −1, 0), g_ln T = (1 − p, p, 0), g_ln D = (0, 0, 1).  The
constant-p directions (ln σ − ln τ fixed) form the plane spanned by (1, 1, 0) and
(0, 0, 1); ``constant_p_alignment`` = √(1 − (v · n)²), n = (1, −1, 0)/√2, is the cosine
of v's angle to that plane (1: the valley runs at constant p).

:func:`inversion_scores` inverts the surrogate on held-out points like chapter 4's
oracle: each grid point in turn is left out, the surrogate refitted on the rest, and
(ln σ, ln τ, D) fitted to the held-out point's k survivors of n films and their mean
radius r by minimising, in the grid's box,

    −[k ln P + (n − k) ln(1 − P)] + ½ ((r − R_sur)/s_r)²

(s_r: the training points' rms radius residual; the radius term only where r exists),
from the best of a 12³ scan of the box refined with L-BFGS-B.  Recovered p, T, σ, τ, D
are scored against predicting the training points' mean of each (the prior mean).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize

from .skyrmion_surrogate import NM, SkyrmionSurrogate

__all__ = ["jacobian", "local_identifiability", "invert", "inversion_scores"]

_N = np.array([1.0, -1.0, 0.0]) / math.sqrt(2)  # the logit-p direction


def _relative(x) -> np.ndarray:
    """(ln σ, ln τ, D mJ/m²) → (ln σ, ln τ, ln D)."""
    x = np.array(x, float)
    x[:, 2] = np.log(x[:, 2])
    return x


def _outputs(sur, z, r_scale):
    """(logit P, R/R̄) at relative coordinates z (Q, 3)."""
    x = np.array(z, float)
    x[:, 2] = np.exp(x[:, 2])
    eta, R = sur.raw(x)
    return np.stack([eta, R / r_scale], 1)


def jacobian(sur: SkyrmionSurrogate, sigma, tau, D, h: float = 1e-4) -> np.ndarray:
    """J (Q, 2, 3) = ∂(logit P, R/R̄)/∂(ln σ, ln τ, ln D) at σ, τ [m], D [J/m²] (Q,)
    by central differences of step h (exact to round-off for degree ≤ 2, O(h²) for
    degree 3); R̄ = ``sur.radius_scale``."""
    if not getattr(sur, "uses_D", False):
        raise ValueError("the surrogate must be fitted on several D values "
                         "(fit(..., D=...)) for a Jacobian in D")
    if D is None or np.any(np.asarray(D, float) <= 0):
        raise ValueError("D must be > 0 J/m^2 (the Jacobian is taken in ln D)")
    r_scale = sur.radius_scale if math.isfinite(sur.radius_scale) else NM
    z = _relative(sur.inputs(sigma, tau, D))
    J = np.empty((len(z), 2, 3))
    for j in range(3):
        dz = np.zeros(3)
        dz[j] = h
        J[:, :, j] = (_outputs(sur, z + dz, r_scale) - _outputs(sur, z - dz, r_scale)
                      ) / (2 * h)
    return J


def local_identifiability(sur: SkyrmionSurrogate, sigma, tau, D) -> dict:
    """At each point (σ, τ [m], D [J/m²], (Q,)): the singular values (Q, 2) of J, the
    least-identifiable direction v (Q, 3) in (ln σ, ln τ, ln D) (sign: v·(1, 1, 0) ≥
    0), ``constant_p_alignment`` (Q,) and ``null_share`` {p, T, D: (Q,)} (module
    doc); ``median`` of each scalar over the points."""
    sigma, tau = np.atleast_1d(np.asarray(sigma, float)), np.atleast_1d(
        np.asarray(tau, float))
    J = jacobian(sur, sigma, tau, D)
    _, S, Vt = np.linalg.svd(J)  # Vt (Q, 3, 3): rows are right singular vectors
    v = Vt[:, 2]
    v = v * np.where(v[:, 0] + v[:, 1] >= 0, 1.0, -1.0)[:, None]
    p = sigma / (sigma + tau)
    grads = {"p": np.broadcast_to(_N * math.sqrt(2), (len(p), 3)),
             "T": np.stack([1 - p, p, 0 * p], 1),
             "D": np.broadcast_to(np.array([0.0, 0.0, 1.0]), (len(p), 3))}
    share = {q: np.abs(np.sum(g * v, 1)) / np.linalg.norm(g, axis=1)
             for q, g in grads.items()}
    align = np.sqrt(np.clip(1 - (v @ _N) ** 2, 0, 1))
    med = {"constant_p_alignment": float(np.median(align)),
           "smallest_nonzero_singular_value": float(np.median(S[:, 1])),
           **{f"null_share_{q}": float(np.median(s)) for q, s in share.items()}}
    return {"singular_values": S, "direction": v, "constant_p_alignment": align,
            "null_share": share, "median": med}


def _nll(sur, x, k, n, r, s_r):
    eta, R = sur.raw(x)
    # binomial log-likelihood in logits: k ln P + (n − k) ln(1 − P)
    ll = k * eta - n * np.logaddexp(0, eta)
    if np.isfinite(r):
        ll = ll - 0.5 * ((r - R) / s_r) ** 2
    return -ll


def invert(sur: SkyrmionSurrogate, k: float, n: float, r: float, box, s_r: float,
           scan: int = 12) -> np.ndarray:
    """(σ [m], τ [m], D [J/m²]) that best explain k survivors of n films with mean
    radius r [m] (NaN: none survived), within ``box`` = (lo, hi) of the surrogate's
    raw coordinates (ln(σ/nm), ln(τ/nm), D/(mJ/m²)); s_r [m] the radius noise."""
    lo, hi = (np.asarray(b, float) for b in box)
    axes = [np.linspace(a, b, scan) for a, b in zip(lo, hi)]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], 1)
    f = _nll(sur, grid, k, n, r, s_r)
    x0 = grid[np.argmin(f)]
    res = minimize(lambda x: float(_nll(sur, x[None], k, n, r, s_r)[0]), x0,
                   method="L-BFGS-B", bounds=list(zip(lo, hi)))
    x = res.x if res.fun <= f.min() else x0
    return np.array([math.exp(x[0]) * NM, math.exp(x[1]) * NM, x[2] * 1e-3])


def _derived(sigma, tau, D) -> dict:
    return {"p": sigma / (sigma + tau), "T_nm": sigma * tau / (sigma + tau) / NM,
            "sigma_nm": sigma / NM, "tau_nm": tau / NM, "D_mJ_m2": D * 1e3}


def inversion_scores(sigma, tau, D, survived, films, radius, degree: int = 1,
                     ridge: float = 1e-2) -> dict:
    """Leave each point out, refit, invert its (k/R, r) (:func:`invert`).  Returns
    ``inverse`` and ``prior_mean``: MAE of p, T [nm], σ [nm], τ [nm], D [mJ/m²];
    ``ratio``: inverse/prior_mean of each (below 1: the observables carry information
    on it); ``estimates``: the inverted (σ, τ, D) per point [m, m, J/m²]."""
    sigma, tau = np.asarray(sigma, float), np.asarray(tau, float)
    k, r = np.asarray(survived, float), np.asarray(radius, float)
    n = np.broadcast_to(np.asarray(films, float), k.shape)
    D = np.broadcast_to(np.asarray(D, float), k.shape)
    if np.unique(D).size < 2:
        raise ValueError("inversion_scores needs points at two or more D values")
    P = len(k)
    est = np.empty((P, 3))
    prior = np.empty((P, 5))
    for i in range(P):
        keep = np.arange(P) != i
        sur = SkyrmionSurrogate(degree, ridge).fit(sigma[keep], tau[keep], k[keep],
                                                   n[keep], r[keep], D[keep])
        x = sur.inputs(sigma[keep], tau[keep], D[keep])
        has = np.isfinite(r[keep]) & (k[keep] > 0)
        resid = r[keep][has] - sur.raw(x[has])[1] if has.any() else np.zeros(1)
        s_r = max(float(np.sqrt(np.mean(resid ** 2))), 0.01 * NM)
        est[i] = invert(sur, k[i], n[i], r[i], (x.min(0), x.max(0)), s_r)
        prior[i] = [v.mean() for v in _derived(sigma[keep], tau[keep],
                                               D[keep]).values()]
    truth = _derived(sigma, tau, D)
    got = _derived(*est.T)
    out = {"inverse": {}, "prior_mean": {}}
    for j, q in enumerate(truth):
        out["inverse"][q] = float(np.abs(got[q] - truth[q]).mean())
        out["prior_mean"][q] = float(np.abs(prior[:, j] - truth[q]).mean())
    out["ratio"] = {q: out["inverse"][q] / out["prior_mean"][q]
                    if out["prior_mean"][q] > 0 else math.nan for q in truth}
    out["estimates"] = est.tolist()
    return out
