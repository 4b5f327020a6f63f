"""Interfacial (Cnv) Dzyaloshinskii–Moriya interaction of a chain or film (H in A/m).

Energy density and field (D [J/m²], its sign sets the chirality; film normal ẑ):

    w = D (m_z ∇·m − (m·∇) m_z),
    H = −(1/μ0 Ms) δE/δm = (2D/μ0 Ms) (∂x m_z, ∂y m_z, −∂x m_x − ∂y m_y).

This is MuMax3's ``Dind`` and magnum.np's ``InterfaceDMIField`` convention (both write
H = −(2D/μ0 Ms)[∇m_z − (∇·m) ẑ]).  A chain has only the x-derivatives.  With D > 0 a
wall from m_z = +1 to −1 along +x has m_x < 0 at its centre (w = D θ' for
m = (sin θ, 0, cos θ) favours θ' < 0), and a core-down skyrmion points radially
outwards.

Discretisation: the bond energy (per unit thickness of a film, per unit area of a chain;
k̂ the cell step along axis k ∈ {x, y}, c the 0/1 mask, 1 without vacancies)

    E = D a^(d−1) Σ_k Σ_i c_i c_(i+k̂) [m_z,i m_k,(i+k̂) − m_k,i m_z,(i+k̂)],

whose exact gradient H_i = −(1/(μ0 Ms a^d)) ∂E/∂m_i is, with u = c m,

    H_i = c_i D/(μ0 Ms a) Σ_k { [u_z,(i+k̂) − u_z,(i−k̂)] ê_k
                                − [u_k,(i+k̂) − u_k,(i−k̂)] ẑ },

central differences in the bulk.  At a free edge or a vacancy the missing neighbour
contributes nothing, as in magnum.np.  The field being the gradient of a discrete energy
whose exchange partner (:class:`spsll.physics.fields.DefectExchange`) drops the same
bonds, the DMI boundary condition is the natural boundary condition of the discrete
variational problem, met by equilibria to O(a).  For this sign of w the boundary term
of the first variation is δm · [2A ∂m/∂n + D (ẑ × n) × m], so

    2A ∂m/∂n = −D (ẑ × n) × m = D [(m·n) ẑ − m_z n],

i.e. θ' = −D/(2A) at both ends of a chain in the x–z plane.  MuMax3 imposes the same
condition with ghost cells (its kernel extrapolates m_x − (D/2A) a m_z beyond a right
edge); the literature also writes it with +D, for the opposite sign of w.
``tests/test_dmi.py`` checks the tilt of relaxed edges against it.

Statistical defects (envelope s): the field acts on s·m, H = (2D/μ0 Ms) ∇_D(s·m), as the
statistical exchange does (:class:`DefectExchange`).  DMI is the antisymmetric part of
the two-site coupling whose symmetric part is the exchange (Moriya); the SPS-LL model
replaces a neighbour's moment in a bond by its statistical amplitude s·m, so both bond
terms take the same substitution, and a vacancy-rich region (s < 1) weakens exchange
and DMI in the same proportion, as removing sites does in the explicit model (where
both lose the bond).  Like the statistical exchange it is not reciprocal (the site's
own s does not enter) and has no energy.
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from .material import MU0, Material


def central_difference(u: torch.Tensor, dim: int) -> torch.Tensor:
    """u_{i+1} − u_{i−1} along ``dim``, periodic (a new tensor)."""
    n = u.shape[dim]
    out = torch.empty_like(u)
    torch.sub(u.narrow(dim, 2, n - 2), u.narrow(dim, 0, n - 2),
              out=out.narrow(dim, 1, n - 2))
    torch.sub(u.narrow(dim, 1, 1), u.narrow(dim, n - 1, 1), out=out.narrow(dim, 0, 1))
    torch.sub(u.narrow(dim, 0, 1), u.narrow(dim, n - 2, 1),
              out=out.narrow(dim, n - 1, 1))
    return out


def _pick(t, index):
    """``t[index]`` (the rows of a batch subset), or ``t`` itself when either is None (a
    per-cell array shared by the batch, or the whole batch); also used by
    :mod:`spsll.physics.fields`."""
    return t if (t is None or index is None) else t[index]


class InterfacialDMI:
    """Interfacial DMI field, a local-style term of
    :class:`spsll.physics.fields.EffectiveField` (``add_to(H, m, index)`` adds its field
    in place; ``subset(lo, hi)``).

    ``ndim``: 1 (chain) or 2 (film), the last ``ndim`` axes of m ``(B, 3, *grid)`` being x
    (and y).  ``s``: the statistical envelope ``(B, 1, *grid)`` or None; ``c``: the 0/1
    mask ``(B, 1, *grid)`` or None (the two exclude each other, as for the exchange).
    Periodic grid; free edges and vacancies come from the mask.  D/(μ0 Ms a) [A/m].
    """

    def __init__(self, material: Material, ndim: int, s=None, c=None):
        if ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 (a chain) or 2 (a film), got {ndim!r}")
        if s is not None and c is not None:
            raise ValueError("the DMI takes the statistical envelope s or the mask c, "
                             "not both")
        self.ndim = ndim
        self.coef = material.D / (MU0 * material.Ms * material.a)
        self.s, self.c = s, c

    def add_to(self, H: torch.Tensor, m: torch.Tensor, index=None) -> None:
        weight = _pick(self.s if self.c is None else self.c, index)
        u = m if weight is None else m * weight
        dmi = torch.zeros_like(H) if self.c is not None else H
        for axis in range(self.ndim):  # axis 0: x (component 0), axis 1: y (comp. 1)
            dim = u.dim() - 1 - self.ndim + axis  # of the component slices u[:, j]
            dmi[:, axis].add_(central_difference(u[:, 2], dim), alpha=self.coef)
            dmi[:, 2].sub_(central_difference(u[:, axis], dim), alpha=self.coef)
        if self.c is not None:
            H.addcmul_(dmi, weight)

    def h(self, m: torch.Tensor, index=None) -> torch.Tensor:
        """The DMI field alone (a new tensor) [A/m]."""
        H = torch.zeros_like(m)
        self.add_to(H, m, index)
        return H

    def subset(self, lo, hi):
        sub = copy.copy(self)
        sub.s = None if self.s is None else self.s[lo:hi]
        sub.c = None if self.c is None else self.c[lo:hi]
        return sub


def dmi_energy(material: Material, m, mask=None) -> np.ndarray:
    """Discrete DMI energy per sample (B,) [J/m per unit film thickness; chain: J/m²].

    E = D a^(d−1) Σ_k Σ_i c_i c_(i+k̂) (m_z,i m_k,(i+k̂) − m_k,i m_z,(i+k̂)), periodic
    bonds; the field of :class:`InterfacialDMI` is −(1/(μ0 Ms a^d)) ∂E/∂m.
    m ``(B, 3, *grid)``; mask ``(B, *grid)`` or None.
    """
    m = torch.as_tensor(m if torch.is_tensor(m) else np.asarray(m), dtype=torch.float64)
    ndim = m.dim() - 2
    if mask is not None:
        m = m * torch.as_tensor(np.asarray(mask), dtype=m.dtype).unsqueeze(1)
    total = torch.zeros(m.shape[0], dtype=m.dtype)
    for axis in range(ndim):
        nxt = torch.roll(m, -1, dims=2 + axis)
        bond = m[:, 2] * nxt[:, axis] - m[:, axis] * nxt[:, 2]
        total += bond.flatten(1).sum(1)
    return (material.D * material.a ** (ndim - 1) * total).numpy()
