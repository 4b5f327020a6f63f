"""A k-dependent stiffness kernel: the whole dispersion of diluted films without an ensemble.

Measured with :mod:`spsll.physics.agreement_dispersion` (chapter 8): the explicit films'
exchange part, s(k) = (f(k) − f₀)/(f_ideal(k) − f₀) on the azimuthal average, stays near the
k → 0 stiffness D/D₀ for uncorrelated site dilution, but for tessellations it rises from D/D₀
towards 1 once kT ≳ 1 (waves shorter than the material patches see nearly ideal exchange).  A
uniform envelope has one s for every k and cannot follow that.  The model here is

    s(k) = 1 − (1 − D/D₀) / (1 + (c k T)²),       f(k) = f₀ + s(abs(k)) (f_ideal(k) − f₀)   [Hz],

with D/D₀ the calibrated k → 0 kernel (:func:`spsll.physics.agreement.kernel`), T = στ/(σ+τ)
(0 for site dilution: s = D/D₀ at every k) and one dimensionless crossover constant c, fitted
on explicit film ensembles by :func:`fit_crossover` (``benchmarks/bench_agreement_dispersion.py``
fits it on a calibration set and measures it on other points).  It is empirical, not derived,
and it is a closed form: there is no real-space envelope with a k-dependent scale, so it is
evaluated on the film's (kx, ky) grid and read through the same azimuthal average.  Beyond
about abs(k) = π/(2a) the explicit ensembles have no propagating peak (their averaged spectrum
is broad); the fit and its error use abs(k) ≤ ``kmax`` (default π/(2a)).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize_scalar

from .agreement import kernel
from .film import azimuthal_average, ideal_film_frequency
from .onenumber import gap_frequency

__all__ = ["CROSSOVER", "finite_k_stiffness", "finite_k_curves", "fit_crossover"]

#: c of the crossover (module docstring), fitted by ``python benchmarks/bench_agreement_dispersion.py``
#: (four calibration tessellations, 32² films, 8 realisations, 10 ps, seed 100: c = 0.495, MAE
#: 67 GHz on abs(k) ≤ π/2a).  On its validation points (seed 1000) the half-zone MAE is 38-243 GHz
#: against 259-508 GHz for mean field and 64-1042 GHz for the uniform calibrated envelope.
CROSSOVER = 0.495


def finite_k_stiffness(k, p, T, a, calibration=None, crossover=None):
    """s(k) of the module docstring for abs(k) ``k`` [rad/m] (any shape) and scalars p, T [m]."""
    c = CROSSOVER if crossover is None else float(crossover)
    if not math.isfinite(c) or c < 0:
        raise ValueError(f"crossover must be a finite number >= 0, got {crossover!r}")
    D = float(kernel(p, T, a, calibration))
    return 1 - (1 - D) / (1 + (c * np.asarray(k, float) * T) ** 2)


def finite_k_curves(material, p, T, kx, ky, calibration=None, crossover=None):
    """Azimuthal averages (P, M) [Hz] of f₀ + s(abs(k)) (f_ideal − f₀) for arrays p, T [m] on the
    grid kx, ky [rad/m] (fftshifted axes of a film); returns (ring k, curves)."""
    KX, KY = np.meshgrid(kx, ky, indexing="ij")
    kk = np.hypot(KX, KY)
    f0 = gap_frequency(material)
    ex = ideal_film_frequency(material, KX, KY) - f0
    f = np.stack([f0 + finite_k_stiffness(kk, pi, Ti, material.a, calibration, crossover) * ex
                  for pi, Ti in zip(np.atleast_1d(p), np.atleast_1d(T))])
    return azimuthal_average(kx, ky, f, material.a)


def fit_crossover(material, p, T, kx, ky, explicit_curves, kmax=None, calibration=None):
    """c minimising the mean over points and rings abs(k) ≤ ``kmax`` (default π/(2a)) of
    abs(model − explicit) on the azimuthal average; ``explicit_curves`` (P, M) [Hz] on the rings
    of the grid kx, ky.  Points with T = 0 do not depend on c.  Returns (c, MAE [Hz])."""
    a = material.a
    kmax = 0.5 * math.pi / a if kmax is None else kmax
    k, _ = finite_k_curves(material, p[:1], T[:1], kx, ky, calibration, 0.0)
    use = k <= kmax * (1 + 1e-12)
    ex = np.asarray(explicit_curves, float)[:, use]

    def mae(c):
        return float(np.abs(finite_k_curves(material, p, T, kx, ky, calibration, c)[1][:, use]
                            - ex).mean())

    best = minimize_scalar(mae, bounds=(0.0, 10.0), method="bounded", options=dict(xatol=1e-3))
    return float(best.x), float(best.fun)
