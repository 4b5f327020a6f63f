"""Explicit vacancies: the RTN masks of an ensemble and the masked effective field.

Realisation r of an ensemble with base seed ``seed`` at (σ, τ) is the 0/1 mask
``rtn.sample(σ, τ, n a, a, seed=[seed, r])`` at the cell centres (i + ½) a; films use Poisson
line tessellations (:func:`spsll.physics.defects2d.tessellation_masks`, same seeding).  The
physics and the observables are described in :mod:`spsll.physics.explicit`, which re-exports
both functions.
"""
from __future__ import annotations

import numpy as np
import torch

from . import rtn
from .._validate import check_seed, defect_params, finite_scalar, positive_int
from .defects2d import tessellation_masks
from .fields import build_field
from .problem import check_material


def sample_masks(sigma, tau, n_cells, a, n_realisations=16, seed=0):
    """RTN masks for every (σ, τ) point and realisation: int8 array (P, R, n_cells) of 0/1.

    Realisation r is ``rtn.sample(σ, τ, n_cells a, a, seed=[seed, r])`` (cell centres, dx = a),
    the same (seed, r) at every point.  sigma, tau [m]: scalars or equal-length arrays (P points).
    ``n_cells = (nx, ny)``: films, Poisson line tessellations
    (:func:`spsll.physics.defects2d.tessellation_masks`, same seeding), shape (P, R, nx, ny).
    """
    if np.ndim(n_cells) == 1:
        return tessellation_masks(sigma, tau, n_cells, a, n_realisations, seed)
    s, t, _ = defect_params(sigma, tau)
    n = positive_int("n_cells", n_cells, low=2)
    a = finite_scalar("a", a, low=0, low_open=True, unit="m")
    R = positive_int("n_realisations", n_realisations)
    seed = check_seed(seed)
    out = np.empty((s.size, R, n), dtype=np.int8)
    for r in range(R):
        for i in range(s.size):
            out[i, r] = rtn.sample(s[i], t[i], n * a, a, seed=[seed, r])
    return out


def ExplicitField(material, mask, H_ext=None, dtype=torch.float64, device="cpu"):
    """The effective field of chains or films with explicit vacancies (A/m): the SPS-LL field of
    :func:`spsll.physics.fields.build_field` with its exchange term masked,

        H_j = c_j [ Ms (λex/a)² Σ_{i ∈ nn(j)} c_i (m_i − m_j) + (Hk − Ms) m_z,j ẑ (+ H_ext) ],

    periodic; ``mask`` c is a 0/1 array (B, N) or (B, Nx, Ny) (one realisation per sample).  The
    result is callable as ``field(m, index)`` (also ``.h``), ``.exchange`` is the masked exchange
    term and ``.subset(lo, hi)`` the field of samples lo:hi.  m is expected to vanish at vacant
    cells (the integrators keep it so); the field there is 0 regardless.
    """
    material = check_material(material)
    c = np.asarray(mask)
    if c.ndim not in (2, 3) or min(c.shape[1:]) < 3:
        raise ValueError(f"mask must have shape (B, N) or (B, Nx, Ny) with N >= 3, got {c.shape}")
    return build_field(material, c.shape[1:], None, H_ext=H_ext, dtype=dtype, device=device, mask=c)
