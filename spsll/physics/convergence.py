"""Observables against the chain length N: how far a finite chain is from the N → ∞ model.

The envelope's flat value s_min = s(N a/2) ≈ p − √(2 v T/(N a)) depends on N
(:mod:`spsll.physics.envelope`), and every observable placed there follows it.  The mean-field
model, ``scheme="mean_field"`` (S_j = p² δ_j0, s ≡ p), is the N → ∞ limit of the default
``parseval`` model: choose it knowingly, as the model without the finite-chain deficit
(its results do not depend on N at all).

:func:`observable_vs_n` evaluates a named observable (or any callable) for a few (σ, τ) over
a list of N.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import defect_params, positive_int
from .domainwall import domain_wall
from .envelope import s_min
from .magnons import dispersion
from .rtn import SCHEMES


def zone_edge_frequency(material, sigma, tau, n_cells, scheme="parseval", **options):
    """Refined peak frequency at k = π/a [Hz] (the −π/a bin of an even chain), shape (B,)."""
    if n_cells % 2:
        raise ValueError(f"n_cells must be even (the zone edge is a grid point), got {n_cells}")
    d = dispersion(material, sigma, tau, n_cells=n_cells, scheme=scheme, keep_power=False, **options)
    return np.atleast_2d(d.peak_frequency)[:, 0]


def wall_width(material, sigma, tau, n_cells, scheme="parseval", **options):
    """Eq. 10 wall width [m] of the n_cells chain (mirrored domain of 2 n_cells), shape (B,)."""
    return np.atleast_1d(domain_wall(material, sigma, tau, n_cells=n_cells, scheme=scheme,
                                     **options).width)


#: Observables by name: f(material, sigma[B], tau[B], n_cells, scheme, **options) → (B,) SI.
OBSERVABLES = {"zone_edge_frequency": zone_edge_frequency, "wall_width": wall_width}


@dataclass(frozen=True)
class Convergence:
    """An observable over N (SI units): ``values`` (B, len(n)), ``s_min`` (B, len(n))."""
    observable: str
    scheme: str
    n: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    values: np.ndarray
    s_min: np.ndarray


def observable_vs_n(material, sigma, tau, n_values=(250, 500, 1000, 2000, 4000),
                    observable="zone_edge_frequency", scheme="parseval", **options) -> Convergence:
    """``observable`` (a name of ``OBSERVABLES`` or a callable with their signature) for
    the (σ, τ) points [m] and every N in ``n_values`` (even integers ≥ 16), with the grid
    ``scheme`` (``"mean_field"`` is the N → ∞ model).  ``options`` go to the observable.
    """
    s, t, _ = defect_params(sigma, tau)
    ns = np.array([positive_int("n_values", n, low=16) for n in n_values])
    if ns.size == 0:
        raise ValueError("n_values must name at least one chain length")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if callable(observable):
        fn, name = observable, getattr(observable, "__name__", "custom")
    elif observable in OBSERVABLES:
        fn, name = OBSERVABLES[observable], observable
    else:
        raise ValueError(f"observable must be one of {sorted(OBSERVABLES)} or a callable, "
                         f"got {observable!r}")
    vals = np.stack([np.asarray(fn(material, s, t, int(n), scheme, **options), float)
                     for n in ns], axis=1)
    if scheme == "mean_field":
        smin = np.repeat((s / (s + t))[:, None], ns.size, axis=1)
    else:
        smin = np.stack([s_min(int(n), material.a, s, t, scheme) for n in ns], axis=1)
    return Convergence(observable=name, scheme=scheme, n=ns, sigma=s, tau=t, values=vals,
                       s_min=smin)
