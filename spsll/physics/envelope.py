"""What the defect envelope does: its spike, its flat value s_min and their dependence on N.

The statistical model multiplies m by the real envelope s(x_j) = N · IFFT(√S_j)
(:func:`spsll.rtn.envelope`).  With the Parseval grid spectrum
S_j = p² δ_j0 + v L_T(k_j) Δk (Δk = 2π/(N a), L_T(k) = (T/π)/(1 + k²T²)),

    s(x) = √S_0 + Σ_{j≠0} √S_j cos(k_j x),

is not translation-invariant: all terms add at x = 0, a spike

    s(0) = Σ_j √S_j ∝ √N,

while half a chain away (x = N a/2, cos k_j x = (−1)^j) the slowly varying alternating sum leaves
minus one term, √(v L_T(0) Δk) = √(2 v T/(N a)), so the flat value (the minimum of s up to ripples < 1e-4) is

    s_min ≈ p − √(2 v T/(N a))        (p = σ/(σ+τ), v = στ/(σ+τ)², T = στ/(σ+τ)).

The deficit times √N tends to √(2 v T/a) (dimensionless), so s_min → p (the mean-field model) as
N → ∞, slowly.

Films (``n_cells = (nx, ny)``, :func:`spsll.physics.rtn.spectrum_on_grid_2d`, S(k) = p² δ(k) +
v T²/(2π(1 + k²T²)^{3/2}), bins Δk² = (2π)²/(nx ny a²)): the same argument leaves minus the k = 0
term of the smooth part, √(v T²Δk²/(2π)), so

    spike s(0, 0) = Σ √S_ij ∝ √(nx ny),     s_min ≈ p − √(2π v) T/(√(nx ny) a),

a deficit ∝ 1/n for an n × n film (1/√n in 1-D): a film reaches mean field faster, and small films
(n a ≲ 10 T) have no flat region at all (measured at (10, 5) nm: s(centre) = 0.561 / 0.528 / 0.582 /
0.623 / 0.644 for n = 32 / 64 / 128 / 256 / 512, asymptote 0.30 / 0.49 / 0.576 / 0.621 / 0.644, p = 0.667).

Where an observable sits (the dispersion's excitation, a wall's centre) decides
which value of s it feels; ``spsll.physics.magnons`` and ``spsll.physics.domainwall``
place them at the minimum.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import rtn


@dataclass(frozen=True)
class EnvelopeFacts:
    """Envelope of an N-cell chain (arrays of shape (B,), dimensionless; s = 1 is ideal)."""
    n_cells: int              #: cells N (nx ny for a film)
    p: np.ndarray             #: material fraction σ/(σ+τ), the mean-field value
    spike: np.ndarray         #: s(0), the peak at cell 0 (∝ √N)
    s_min: np.ndarray         #: s(N a/2), the flat value half a chain from the spike (exact)
    s_min_asymptotic: np.ndarray  #: p − √(2 v T/(N a))
    mean: np.ndarray          #: mean of s over the chain, √S_0

    @property
    def deficit_sqrt_n(self) -> np.ndarray:
        """(p − s_min) √N: tends to √(2 v T/a) as N grows (a chain; √(2π v) T/a for a film)."""
        return (self.p - self.s_min) * math.sqrt(self.n_cells)


def envelope_facts(n_cells, a, sigma, tau, scheme: str = "parseval") -> EnvelopeFacts:
    """Spike, flat value and mean of the envelope of an ``n_cells`` chain (or (nx, ny) film) of cell ``a`` [m].

    sigma, tau [m]: scalars or equal-length arrays (τ = 0 gives s ≡ 1).
    """
    s = rtn.envelope(n_cells, a, sigma, tau, scheme)
    m = rtn.moments(sigma, tau)
    p, v, T = (np.atleast_1d(np.asarray(q, float)) for q in (m.p, m.v, m.T))
    grid = s.shape[1:]
    n = math.prod(grid)
    flat = s[(slice(None),) + tuple(g // 2 for g in grid)]
    deficit = np.sqrt(2 * v * T / (n * a)) if len(grid) == 1 else np.sqrt(2 * math.pi * v) * T / (math.sqrt(n) * a)
    return EnvelopeFacts(n_cells=n, p=p, spike=s[(slice(None),) + (0,) * len(grid)], s_min=flat,
                         s_min_asymptotic=p - deficit, mean=s.reshape(s.shape[0], -1).mean(axis=-1))


def s_min(n_cells, a, sigma, tau, scheme: str = "parseval") -> np.ndarray:
    """The flat value of the envelope, s(N a/2) (shape (B,)): the exchange scale that an
    observable placed half a chain from the spike feels.

    The flat region ripples by < 1e-4 (measured over (σ, τ) in the paper's box, N = 250 … 1000),
    so this is the global minimum of s to that accuracy.
    """
    return envelope_facts(n_cells, a, sigma, tau, scheme).s_min
