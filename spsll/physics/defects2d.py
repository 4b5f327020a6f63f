"""Two-dimensional defect fields on the a-grid: a Poisson line tessellation and site dilution.

**Poisson line tessellation** (the 2-D field with the paper's RTN along every line).  An isotropic
Poisson line process cuts the plane into convex cells; each cell is independently material (1)
with probability p = σ/(σ+τ), else vacant (0).  A line x·n(θ) = ρ is a point (θ, ρ) of
[0, π) × ℝ; with intensity λ dθ dρ, the lines crossing a segment of length r form a set of measure
λ ∫₀^π r abs(cos θ) dθ = 2λr, so choosing λ = 1/(2T), T = στ/(σ+τ), makes the crossings of a segment
Poisson(r/T).  Along any straight transect the state then changes cell at rate 1/T and the new
cell is a fresh Bernoulli(p) (a line meets a convex cell once), so the transect is an RTN with
mean lengths (1−p)⁻¹T = σ of material and p⁻¹T = τ of vacancy, and the two-point function is

    ⟨c(x) c(x + r)⟩ = p² + p(1−p) exp(−r/T)          (exact for any two points).

Sampled on the a-grid by cell centre ((i + ½) a, (j + ½) a): neighbouring centres lie in different
cells with probability 1 − e^{−a/T}, so along a grid row the state is a Markov chain and material
(vacancy) runs, counted in cells, are geometric with ending probability (1 − e^{−a/T})(1 − p)
((1 − e^{−a/T}) p), not exponential.  The lines are drawn in the disc circumscribing the window
(Poisson(π R/T) lines, R the half-diagonal); the mask is that of the window, not periodic, so a
periodic simulation grid sees one extra cell boundary at its seam.

**Site dilution**: every grid cell independently material with probability p (the textbook
percolation problem; site percolation threshold on the square lattice p_c = 0.592746).

Realisation r of an ensemble with base seed ``seed`` uses ``numpy.random.default_rng([seed, r])``
at every (σ, τ) or p point (common random numbers, as :func:`spsll.physics.explicit.sample_masks`).
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import check_seed, defect_params, finite_scalar, positive_int

__all__ = ["tessellation", "tessellation_masks", "site_dilution_masks", "P_C_SITE_SQUARE"]

#: Site percolation threshold of the square lattice (Newman & Ziff 2000).
P_C_SITE_SQUARE = 0.592746


def _shape(shape) -> tuple:
    if np.ndim(shape) != 1 or len(shape) != 2:
        raise ValueError(f"shape must be (nx, ny), got {shape!r}")
    return tuple(positive_int("shape", v, low=1) for v in shape)


def tessellation(p: float, T: float, shape, a: float, rng: np.random.Generator) -> np.ndarray:
    """One Poisson-line-tessellation mask (nx, ny) of int8 0/1: material fraction p, correlation
    length T [m] (T = 0 or p = 1: all material), cells of size a [m], sampled at cell centres."""
    nx, ny = shape
    if p >= 1 or T <= 0:
        return np.ones(shape, np.int8)
    Lx, Ly = nx * a, ny * a
    R = 0.5 * math.hypot(Lx, Ly)
    M = rng.poisson(math.pi * R / T)
    theta = rng.uniform(0.0, math.pi, M)
    rho = rng.uniform(-R, R, M)
    weights = rng.integers(0, 2**63, M, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    x = (np.arange(nx) + 0.5) * a - Lx / 2
    y = (np.arange(ny) + 0.5) * a - Ly / 2
    X, Y = (g.reshape(-1, 1) for g in np.meshgrid(x, y, indexing="ij"))
    key = np.zeros(nx * ny, np.uint64)  # Σ of the weights of the lines the centre lies beyond (mod 2⁶⁴)
    for lo in range(0, M, 64):
        hi = min(M, lo + 64)
        side = X * np.cos(theta[lo:hi]) + Y * np.sin(theta[lo:hi]) > rho[lo:hi]
        key += (side * weights[lo:hi]).sum(axis=1, dtype=np.uint64)
    _, cell = np.unique(key, return_inverse=True)
    state = rng.random(cell.max() + 1) < p
    return state[cell.reshape(-1)].reshape(shape).astype(np.int8)


def tessellation_masks(sigma, tau, shape, a, n_realisations=16, seed=0) -> np.ndarray:
    """Tessellation masks for every (σ, τ) point [m] and realisation: int8 (P, R, nx, ny) of 0/1.

    p = σ/(σ+τ), T = στ/(σ+τ); every straight transect is an RTN(σ, τ) (module docstring).
    Realisation r draws from ``default_rng([seed, r])``.
    """
    s, t, _ = defect_params(sigma, tau)
    shape = _shape(shape)
    a = finite_scalar("a", a, low=0, low_open=True, unit="m")
    R = positive_int("n_realisations", n_realisations)
    seed = check_seed(seed)
    out = np.empty((s.size, R) + shape, np.int8)
    for i in range(s.size):
        p, T = s[i] / (s[i] + t[i]), s[i] * t[i] / (s[i] + t[i])
        for r in range(R):
            out[i, r] = tessellation(p, T, shape, a, np.random.default_rng([seed, r]))
    return out


def site_dilution_masks(p, shape, n_realisations=16, seed=0) -> np.ndarray:
    """Uncorrelated site dilution: int8 (P, R, nx, ny), each cell material with probability p.

    p: scalar or 1-D array in (0, 1].  Realisation r draws from ``default_rng([seed, r])``.
    """
    pp = np.atleast_1d(np.asarray(p, dtype=float))
    if pp.ndim != 1 or not np.all(np.isfinite(pp)) or np.any((pp <= 0) | (pp > 1)):
        raise ValueError(f"p must be a scalar or 1-D array of material fractions in (0, 1], got {p!r}")
    shape = _shape(shape)
    R = positive_int("n_realisations", n_realisations)
    seed = check_seed(seed)
    out = np.empty((pp.size, R) + shape, np.int8)
    for r in range(R):
        u = np.random.default_rng([seed, r]).random(shape)
        out[:, r] = u[None] < pp[:, None, None]
    return out
