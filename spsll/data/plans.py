"""Sampling plans for the defect parameters (σ, τ) of a dataset [m].

The paper (Methods, "Learning defect thresholds") draws random pairs with σ in [0, 100] nm and
τ in [0, 20] nm for both its 1,000 dispersions and its 12,000 relaxed domain walls.  The defaults
here are the same ranges, except for the lower bound on σ:

* ``SIGMA_RANGE = (1 nm, 100 nm)``.  σ is the mean length of the uninterrupted material
  segments; σ → 0 is no material at all (p = σ/(σ+τ) → 0 and the exchange vanishes), and the
  model rejects σ = 0.  Below one lattice constant (a = 0.339 nm for FePt) a "segment" is
  shorter than one atom, which the RTN picture of a chain of atoms cannot describe.  1 nm is
  about three FePt atoms, the shortest segment that is still a piece of chain; at (σ, τ) =
  (1, 20) nm the exchange is down to p ≈ 0.05 and a relaxed wall collapses to about one cell,
  the extreme the networks must still see.  Pass ``sigma_range`` to choose another bound.
* ``TAU_RANGE = (0, 20 nm)``; τ = 0 is the ideal material.

Plans (both seeded by a :class:`numpy.random.Generator` from ``seed``):

``uniform``
    independent uniform draws, σ ~ U(σ_lo, σ_hi), τ ~ U(τ_lo, τ_hi), drawn as one (n, 2) array,
    so the first m samples of a plan of n are the plan of m (prefix-stable).
``lhs``
    Latin hypercube: each axis is cut into n equal strata and each stratum holds exactly one
    sample, u_i = (π(i) + U_i)/n with an independent random permutation π per axis.  Better
    coverage for small n; the whole plan depends on n.

All values are returned in metres, float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ..units import NM
from .._validate import check_seed  # noqa: F401  (the one seed check; re-exported here)

#: Default σ range [m]: 1 nm (about three FePt atoms, see the module docstring) to 100 nm (paper).
SIGMA_RANGE = (1.0 * NM, 100.0 * NM)
#: Default τ range [m]: 0 (ideal material) to 20 nm (paper).
TAU_RANGE = (0.0, 20.0 * NM)
#: Names of the sampling plans understood by :func:`make_plan`.
PLANS = ("uniform", "lhs")
#: Largest length accepted in a range [m] (the solver's own limit; guards against nanometres passed as metres).
MAX_LENGTH = 1e-3


def check_range(name: str, rng, *, allow_zero: bool) -> tuple[float, float]:
    """Validate a (low, high) range in metres: finite, low < high, low > 0 (σ) or ≥ 0 (τ), high ≤ 1 mm."""
    try:
        lo, hi = (float(v) for v in rng)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high) of lengths in metres, got {rng!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} must be finite, got ({lo!r}, {hi!r}) m")
    if allow_zero and lo < 0:
        raise ValueError(f"{name} low must be >= 0 m (tau = 0 is the ideal material), got {lo!r} m")
    if not allow_zero and lo <= 0:
        raise ValueError(f"{name} low must be > 0 m (sigma -> 0 is no material; default "
                         f"{SIGMA_RANGE[0]} m), got {lo!r} m")
    if hi > MAX_LENGTH:
        raise ValueError(f"{name} high must be <= {MAX_LENGTH} m (lengths are in metres; did you pass "
                         f"nanometres?), got {hi!r} m")
    if not lo < hi:
        raise ValueError(f"{name} must have low < high, got ({lo!r}, {hi!r}) m")
    return lo, hi


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an integer >= 1 (number of samples), got {n!r}")
    if n < 1:
        raise ValueError(f"n must be an integer >= 1 (number of samples), got {n}")
    return int(n)


def uniform_unit(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) independent uniform draws in [0, 1); prefix-stable in n."""
    return rng.random((n, 2))


def lhs_unit(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) Latin-hypercube design in [0, 1): one sample in each of the n strata of each axis."""
    cols = [(rng.permutation(n) + rng.random(n)) / n for _ in range(2)]
    return np.stack(cols, axis=1)


@dataclass(frozen=True)
class Plan:
    """A seeded sampling plan of n (σ, τ) pairs [m]; :meth:`sample` always returns the same arrays."""

    n: int
    plan: str = "uniform"
    seed: int = 0
    sigma_range: tuple = SIGMA_RANGE
    tau_range: tuple = TAU_RANGE

    def __post_init__(self):
        object.__setattr__(self, "n", _check_n(self.n))
        if self.plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}, got {self.plan!r}")
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "sigma_range", check_range("sigma_range", self.sigma_range, allow_zero=False))
        object.__setattr__(self, "tau_range", check_range("tau_range", self.tau_range, allow_zero=True))

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """(sigma[n], tau[n]) in metres."""
        rng = np.random.default_rng(self.seed)
        u = uniform_unit(self.n, rng) if self.plan == "uniform" else lhs_unit(self.n, rng)
        (s0, s1), (t0, t1) = self.sigma_range, self.tau_range
        return s0 + (s1 - s0) * u[:, 0], t0 + (t1 - t0) * u[:, 1]

    def to_dict(self) -> dict:
        """JSON-ready description (ranges in metres) as stored in dataset files."""
        return {"n": self.n, "plan": self.plan, "seed": self.seed,
                "sigma_range": list(self.sigma_range), "tau_range": list(self.tau_range)}


def make_plan(n, *, plan="uniform", seed=0, sigma_range=SIGMA_RANGE, tau_range=TAU_RANGE):
    """Draw n (σ, τ) pairs [m] with the named plan ("uniform" or "lhs") from ``seed``.

    Returns (sigma, tau), float64 arrays of shape (n,) in metres.  Example (paper ranges)::

        sigma, tau = make_plan(1000, plan="lhs", seed=1)
    """
    return Plan(n=n, plan=plan, seed=seed, sigma_range=sigma_range, tau_range=tau_range).sample()


def chunk_bounds(n: int, chunk: int) -> list[tuple[int, int]]:
    """Sample index ranges [lo, hi) of the chunks of a plan of n samples in chunks of ``chunk``.

    Chunk k holds samples k·chunk … min(n, (k+1)·chunk) − 1: fixed by (n, chunk) alone.
    """
    n = _check_n(n)
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be an integer >= 1 (samples per chunk), got {chunk!r}")
    return [(lo, min(n, lo + int(chunk))) for lo in range(0, n, int(chunk))]
