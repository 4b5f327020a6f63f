"""Total micromagnetic energy of chains and films, whose gradient the fields are.

For a batch m ``(B, 3, *grid)`` on a periodic grid of cells a, with an optional 0/1 vacancy
mask c ``(B, *grid)`` (free edges and vacancies), the energies are sums over cells and
nearest-neighbour bonds, per unit thickness for a film [J/m] and per unit cross-section
for a chain [J/m²] (d = 1, 2 the grid's dimension)::

    exchange    E_ex = A a^(d−2) Σ_bonds c_i c_j |m_j − m_i|²
    anisotropy  E_K  = a^d Σ_i c_i K_eff (1 − m_z,i²),     K_eff = μ0 Ms (Hk − Ms)/2
    DMI         E_D  = D a^(d−1) Σ_k Σ_i c_i c_(i+k̂) (m_z,i m_k,(i+k̂)
                                                      − m_k,i m_z,(i+k̂))
    Zeeman      E_Z  = −μ0 Ms a^d Σ_i c_i H_ext·m_i

Each field term of :func:`spsll.physics.fields.build_field` (masked or ideal) is exactly
H_i = −(1/(μ0 Ms a^d)) ∂E/∂m_i of this E, so relaxations lower it.  The anisotropy
includes the local thin-film demag (the −Ms m_z part of Hk − Ms) and is 0 in a uniform
state along ±ẑ.

The statistical exchange Ms (λex/a)² Δ(s·m) (an envelope s) is not the gradient of any
energy: its coupling s_j between sites i and j is not symmetric in i and j.
:func:`energy_terms` raises :class:`NoEnergyError` for it rather than return a number
with no meaning.
"""
from __future__ import annotations

import numpy as np
import torch

from .dmi import dmi_energy
from .material import MU0, Material


class NoEnergyError(ValueError):
    """The field asked about is not the gradient of an energy (the statistical defect
    exchange Δ(s·m) is not reciprocal), so there is no energy to report."""


def _as_batch(m, mask):
    m = torch.as_tensor(m.detach().cpu() if torch.is_tensor(m) else np.asarray(m),
                        dtype=torch.float64)
    if m.dim() not in (3, 4) or m.shape[1] != 3:
        raise ValueError(f"m must have shape (B, 3, n) or (B, 3, nx, ny), "
                         f"got {tuple(m.shape)}")
    c = None
    if mask is not None:
        c = torch.as_tensor(np.asarray(mask), dtype=torch.float64)
        want = (m.shape[0],) + tuple(m.shape[2:])
        if tuple(c.shape) != want:
            raise ValueError(f"mask must have shape {want}, got {tuple(c.shape)}")
        if not bool(((c == 0) | (c == 1)).all()):
            raise ValueError("mask must hold only 0 (vacancy) and 1 (material)")
    return m, c


def _exchange_sum(u: torch.Tensor, c) -> torch.Tensor:
    """Σ over periodic bonds of |u_j − u_i|², bonds between present cells only."""
    total = torch.zeros(u.shape[0], dtype=u.dtype)
    for dim in range(2, u.dim()):
        diff = torch.roll(u, -1, dims=dim) - u
        if c is not None:  # a bond exists only between two present cells
            diff = diff * (c * torch.roll(c, -1, dims=dim - 1)).unsqueeze(1)
        total += diff.square().flatten(1).sum(1)
    return total


def energy_terms(material: Material, m, mask=None, H_ext=None, envelope=None) -> dict:
    """The four energies and their total per sample: a dict of (B,) float arrays, keys
    ``exchange``, ``anisotropy``, ``dmi``, ``zeeman``, ``total`` [J/m for films, J/m²
    for chains].

    ``mask`` ``(B, *grid)`` 0/1 explicit vacancies (None: the ideal periodic grid); H_ext
    [A/m] a 3-vector or None.  ``envelope`` not None and not ≡ 1 (the statistical defect
    model) raises :class:`NoEnergyError`.
    """
    if envelope is not None and not np.all(np.asarray(envelope) == 1.0):
        raise NoEnergyError(
            "envelope: the statistical defect exchange Ms (λex/a)² Δ(s·m) couples site "
            "i to site j with weight s_j, not symmetric in i and j, so it is not the "
            "gradient of an energy; energies exist for the ideal film and for explicit "
            "vacancies (mask=...)")
    m, c = _as_batch(m, mask)
    d = m.dim() - 2
    a = material.a
    u = m if c is None else m * c.unsqueeze(1)
    present = torch.ones_like(m[:, 2]) if c is None else c
    aniso = (present * (1 - m[:, 2].square())).flatten(1).sum(1)
    zee = torch.zeros(m.shape[0], dtype=m.dtype)
    if H_ext is not None:
        h = torch.as_tensor(np.asarray(H_ext, dtype=float).reshape(3), dtype=m.dtype)
        zee = (u * h.view((1, 3) + (1,) * d)).flatten(1).sum(1)
    out = {
        "exchange": (material.A * a ** (d - 2) * _exchange_sum(u, c)).numpy(),
        "anisotropy": (a**d * material.K_eff * aniso).numpy(),
        "dmi": dmi_energy(material, u) if material.D else np.zeros(m.shape[0]),
        "zeeman": (-MU0 * material.Ms * a**d * zee).numpy(),
    }
    out["total"] = out["exchange"] + out["anisotropy"] + out["dmi"] + out["zeeman"]
    return out


def micromagnetic_energy(material: Material, m, mask=None, H_ext=None,
                         envelope=None) -> np.ndarray:
    """Total energy per sample (B,) [J/m per unit film thickness; J/m² for a chain]:
    exchange + anisotropy (with thin-film demag) + DMI + Zeeman; see
    :func:`energy_terms`."""
    return energy_terms(material, m, mask, H_ext, envelope)["total"]
