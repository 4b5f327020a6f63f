"""The 1-D spin cycloid and the Néel wall of a perpendicular film with interfacial DMI:
closed forms (numpy/scipy only, independent of the field code).

Energy.  For m = (sinθ, 0, cosθ)(x) the interfacial density D(m_z ∇·m − (m·∇) m_z) is
D(cos²θ + sin²θ) θ' = D θ', so per unit volume

    e = A θ'² + D θ' + K_eff sin²θ          [J/m³]

(the form A θ'² − D θ' + K sin²θ is the same with θ → −θ).  The DMI term is a total
derivative: it does not enter the Euler–Lagrange equation, only the energy, through the
winding: a rotation with θ' of sign −sign(D) gains −abs(D)·abs(Δθ).  Hence (Δ = √(A/K_eff), d
= abs(D)/√(A K_eff)):

* Néel wall (θ: 0 → π, the sine-Gordon kink θ = 2 atan(e^{x/Δ})): σ = 4√(A K_eff) − πabs(D)
  [J/m²], of chirality sign θ' = −sign(D) (m_x > 0 in a wall from −z to +z along +x for
  D > 0).
* σ vanishes at D_c = 4√(A K_eff)/π: above it walls proliferate into a cycloid.
* Cycloid.  The first integral A θ'² − K sin²θ = C > 0 with C = K(1 − k²)/k² gives θ' =
  ±(1/(Δk)) √(1 − k² cos²θ), θ = π/2 ± am(x/(Δk) | k²), period (one full turn) L = 4 Δ k
  K(k).  Per unit length, with ∫₀^{2π} √(1 − k² cos²θ) dθ = 4E(k) and K sin²θ = A θ'² −
  C,

      ε(k)/K_eff = 2E(k)/(k² K(k)) − (1 − k²)/k² − π d/(2 k K(k)).

  dε/dk = 0 gives E(k)/k = π d/4 (E(k)/k falls from ∞ at k = 0 to 1 at k = 1, so a
  solution exists iff d > 4/π), and there ε = −C = −K_eff (1 − k²)/k² < 0: the cycloid
  is below the uniform state.  Limits: d → 4/π⁺: k → 1, L ≈ 4Δ ln(4/√(1 − k²)) → ∞;
  d ≫ 4/π: k → 2/d, L → 2πΔ·(2/d) = 4πA/abs(D).  (K, E: complete elliptic integrals of
  modulus k, scipy's ellipk(k²), ellipe(k²).)
* The uniform state is never linearly unstable: for small deviations m = (u, v, 1 − (u²
  + v²)/2), D(m_z ∂x m_x − m_x ∂x m_z) = D ∂x u + O(3), a total derivative, so the
  quadratic energy is A(u'² + v'²) + K(u² + v²) for every D (tested on a discrete
  chain).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import ellipe, ellipj, ellipk

__all__ = ["critical_dmi", "neel_wall_energy", "cycloid_modulus", "cycloid_period",
           "cycloid_energy_density", "cycloid_profile"]


def _positive(name, v, unit):
    v = float(v)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0 {unit}, got {v!r}")
    return v


def _params(A, D, K_eff):
    A, K = _positive("A", A, "J/m"), _positive("K_eff", K_eff, "J/m^3")
    D = float(D)
    if not math.isfinite(D):
        raise ValueError(f"D must be a finite number [J/m^2], got {D!r}")
    return A, D, K


def critical_dmi(A, K_eff):
    """D_c = 4√(A K_eff)/π [J/m²]: the Néel-wall energy vanishes; A [J/m], K_eff
    [J/m³]."""
    A, K = _positive("A", A, "J/m"), _positive("K_eff", K_eff, "J/m^3")
    return 4 * math.sqrt(A * K) / math.pi


def neel_wall_energy(A, D, K_eff):
    """σ = 4√(A K_eff) − πabs(D) [J/m²]: energy per unit area of a relaxed Néel wall of the
    favourable chirality (θ' of sign −sign(D)); negative above D_c."""
    A, D, K = _params(A, D, K_eff)
    return 4 * math.sqrt(A * K) - math.pi * abs(D)


def cycloid_modulus(A, D, K_eff):
    """k ∈ (0, 1) of the equilibrium cycloid: E(k)/k = πabs(D)/(4√(A K_eff)); needs abs(D) >
    D_c."""
    A, D, K = _params(A, D, K_eff)
    target = math.pi * abs(D) / (4 * math.sqrt(A * K))
    if target <= 1:
        Dc = critical_dmi(A, K)
        raise ValueError(f"abs(D) must exceed D_c = {Dc:.6g} J/m^2 for a cycloid, "
                         f"got D = {D!r}")
    # E(k)/k decreases from +∞ to E(1) = 1; E ≥ 1 puts the root in [1/target, 1]
    return brentq(lambda k: ellipe(k * k) / k - target, 1 / target, 1.0,
                  xtol=1e-16, rtol=1e-15)


def cycloid_period(A, D, K_eff):
    """Equilibrium period L = 4 Δ k K(k) [m] (one full turn of m), Δ = √(A/K_eff); abs(D) >
    D_c."""
    A, D, K = _params(A, D, K_eff)
    k = cycloid_modulus(A, D, K)
    return 4 * math.sqrt(A / K) * k * ellipk(k * k)


def cycloid_energy_density(A, D, K_eff, period=None):
    """Mean energy density ε [J/m³] of a cycloid relative to the uniform state.

    ``period`` None: the equilibrium cycloid, ε = −K_eff(1 − k²)/k² (needs abs(D) > D_c).
    Given a period L [m]: the relaxed cycloid constrained to that period (k from L =
    4ΔkK(k)), ε(k) = K_eff [2E/(k²K) − (1 − k²)/k² − πd/(2kK)], valid for any D.
    """
    A, D, K = _params(A, D, K_eff)
    if period is None:
        k = cycloid_modulus(A, D, K)
        return -K * (1 - k * k) / (k * k)
    L = _positive("period", period, "m") / math.sqrt(A / K)
    k = brentq(lambda q: 4 * q * ellipk(q * q) - L, 1e-12, 1 - 1e-16, xtol=1e-15)
    m, d = k * k, abs(D) / math.sqrt(A * K)
    Kk, Ek = ellipk(m), ellipe(m)
    return K * (2 * Ek / (m * Kk) - (1 - m) / m - math.pi * d / (2 * k * Kk))


def cycloid_profile(x, A, D, K_eff):
    """θ(x) [rad] of the equilibrium cycloid, θ(0) = π/2: θ = π/2 − sign(D) am(x/(Δk) |
    k²); m = (sinθ, 0, cosθ).  x [m] (array)."""
    A, D, K = _params(A, D, K_eff)
    k = cycloid_modulus(A, D, K)
    u = np.asarray(x, float) / (math.sqrt(A / K) * k)
    return math.pi / 2 - math.copysign(1.0, D) * ellipj(u, k * k)[3]
