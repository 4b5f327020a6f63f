"""The one-number structure of the 1-D statistical model: an observable feels s where it sits.

The exchange field of the model is Ms (λex/a)² Δ_NN(s m) (``spsll.physics.fields``).  Where the
envelope is flat, s(x) = s_min (half a chain from its spike, where the dispersion's excitation
and the walls sit; :mod:`spsll.physics.envelope`), this is the ideal exchange scaled by s_min, so

* **dispersion** (linearised about m = ẑ, the gap unchanged because Δ_NN s = 0 there):

      f(k) = f₀ + s_min · X_ideal · (1 − cos ka),
      f₀ = (γμ0/2π)(Hk − Ms),   X_ideal = (γμ0/2π) Ms · 2(λex/a)²          [Hz];

  a fit of f₀ + X (1 − cos ka) returns X/X_ideal = s_min, and (σ, τ) pairs with equal s_min
  (one contour of :func:`s_min_map`) give the same curve: the degenerate valley of the inverse
  problem;
* **wall**: the width is that of the ideal lattice wall with the exchange A scaled by s at the
  wall, w(s) ≈ π √(s A/K_eff) [1 − (5/24) a² K_eff/(s A)]; :func:`wall_width_at_scale` computes
  it exactly on the lattice (the mean-field model with p = s, s ≡ p everywhere).

Nothing here is fitted to the model's output: these are predictions from the envelope alone.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.optimize

from .._validate import finite_scalar
from .domainwall import domain_wall
from .envelope import s_min
from .material import GAMMA_MU0

__all__ = ["x_ideal", "gap_frequency", "one_number_dispersion", "exchange_ratio",
           "wall_width_at_scale", "s_min_map", "tau_on_contour"]


def x_ideal(material) -> float:
    """Exchange amplitude of the ideal chain, X_ideal = (γμ0/2π) Ms 2(λex/a)² [Hz]."""
    return GAMMA_MU0 / (2 * math.pi) * material.Ms * material.exchange_prefactor


def gap_frequency(material) -> float:
    """f₀ = (γμ0/2π)(Hk − Ms) [Hz], the k = 0 frequency (unchanged by a flat envelope)."""
    return GAMMA_MU0 / (2 * math.pi) * material.H_eff_anis


def one_number_dispersion(material, s, k) -> np.ndarray:
    """f₀ + s X_ideal (1 − cos ka) [Hz]; s (B,) or scalar, k [rad/m] (N,) → (B, N) or (N,)."""
    k = np.asarray(k, float)
    s_arr = np.asarray(s, float)
    c = 1 - np.cos(k * material.a)
    out = gap_frequency(material) + s_arr[..., None] * x_ideal(material) * c
    return out


def exchange_ratio(material, k, f, k_max=None):
    """Least-squares fit of f(k) = f₀ + X (1 − cos ka) over abs(k) ≤ ``k_max``.

    k [rad/m] (N,); f [Hz] (N,) or (B, N); ``k_max`` [rad/m] defaults to the zone edge π/a.
    Returns (X/X_ideal, f₀ [Hz]), each of shape (B,) or scalar.
    """
    k = np.asarray(k, float)
    f = np.asarray(f, float)
    kz = material.k_zone_edge
    k_max = kz if k_max is None else finite_scalar("k_max", k_max, low=0, high=kz * (1 + 1e-12),
                                                   low_open=True, unit="rad/m")
    sel = np.abs(k) <= k_max * (1 + 1e-12)
    if sel.sum() < 3:
        raise ValueError(f"k_max={k_max} rad/m keeps {sel.sum()} wavenumbers; need at least 3")
    c = 1 - np.cos(k[sel] * material.a)
    A = np.stack([np.ones_like(c), c], 1)
    rows = np.atleast_2d(f)[:, sel]
    coef, *_ = np.linalg.lstsq(A, rows.T, rcond=None)
    ratio, f0 = coef[1] / x_ideal(material), coef[0]
    if f.ndim == 1:
        return float(ratio[0]), float(f0[0])
    return ratio, f0


def wall_width_at_scale(material, s, n_cells=500, **options):
    """Width [m] of the lattice wall whose exchange is scaled uniformly by ``s`` (0 < s ≤ 1).

    Computed as the mean-field model (envelope ≡ p) with p = s: σ = 1 nm, τ = σ (1 − s)/s.
    ``options`` go to :func:`spsll.domain_wall`.  Returns the :class:`DomainWallResult`.
    """
    s_arr = np.atleast_1d(np.asarray(s, float))
    if s_arr.ndim != 1 or np.any(~np.isfinite(s_arr)) or np.any(s_arr <= 0.01) or np.any(s_arr > 1):
        raise ValueError(f"s must be in (0.01, 1] (the exchange scale), got {np.asarray(s)!r}")
    sigma = np.full(s_arr.shape, 1e-9)
    tau = sigma * (1 - s_arr) / s_arr
    res = domain_wall(material, sigma, tau, n_cells=n_cells, scheme="mean_field", **options)
    if np.ndim(s) == 0:
        for name in ("m", "width", "width_error", "width_tanh", "width_tanh_error", "center",
                     "sigma", "tau", "converged", "torque", "iterations"):
            setattr(res, name, getattr(res, name)[0])
    return res


def s_min_map(material, sigmas, taus, n_cells=500, scheme="parseval") -> np.ndarray:
    """s_min(σ_i, τ_j) on a grid (len σ, len τ); sigmas, taus [m] (1-D)."""
    sg, tg = np.meshgrid(np.asarray(sigmas, float), np.asarray(taus, float), indexing="ij")
    vals = s_min(n_cells, material.a, sg.ravel(), tg.ravel(), scheme)
    return vals.reshape(sg.shape)


def tau_on_contour(material, sigma, target, n_cells=500, tau_max=1e-7, scheme="parseval"):
    """τ [m] such that s_min(σ, τ) = ``target`` for each σ [m] (the degenerate partners).

    s_min falls monotonically in τ at fixed σ (from 1 at τ = 0); the root is bracketed in
    [0, ``tau_max``].  Raises ValueError naming σ when the target is not reached there.
    """
    target = finite_scalar("target", target, low=0, high=1, low_open=True)
    out = []
    for sg in np.atleast_1d(np.asarray(sigma, float)):
        g = lambda t: s_min(n_cells, material.a, sg, t, scheme)[0] - target
        if g(tau_max) > 0:
            raise ValueError(f"s_min(σ={sg} m, τ) stays above target={target} for τ ≤ tau_max={tau_max} m")
        out.append(scipy.optimize.brentq(g, 0.0, tau_max, xtol=1e-15, rtol=1e-12))
    return np.array(out) if np.ndim(sigma) else out[0]
