"""Effective-field terms of the SPS-LL model on a periodic chain or film (fields in A/m).

The magnetisation is a tensor m of shape ``(B, 3, *grid)``: B samples, three components (x, y, z)
and a grid of cells of size a, either a chain (N,) or a film (Nx, Ny).  The grid's dimension
d = len(grid) ∈ {1, 2} is a parameter of every term, not a copy of it.

The field is a sum of terms composed by :class:`EffectiveField`: one exchange term
(:class:`DefectExchange`, which also carries explicit vacancies as a 0/1 mask) and local terms
(:class:`UniaxialAnisotropy`, :class:`Zeeman`).  ``EffectiveField(m, index)`` starts from the
exchange term's new tensor ``exchange.h(m, index)`` and each local term then adds its field to it
in place with ``add_to(H, m, index)``; local terms have no method returning a field of their own.
``index`` selects a subset of the batch's samples (the integrators drop finished samples from
the batch), and ``subset(lo, hi)`` restricts a term with per-sample data to samples lo:hi.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import torch

from .dmi import InterfacialDMI, _pick
from .material import Material


def grid_shape(n) -> tuple:
    """``n`` (int: a chain of n cells; pair: an Nx × Ny film) as a tuple of 1 or 2 ints >= 3."""
    shape = (n,) if np.ndim(n) == 0 else tuple(n)
    if len(shape) not in (1, 2) or any(isinstance(v, bool) or int(v) != v or v < 3 for v in shape):
        raise ValueError(f"the grid must be n (a chain) or (nx, ny) (a film), integers >= 3, got {n!r}")
    return tuple(int(v) for v in shape)


class UniaxialAnisotropy:
    """Local field H_l = (Hk − Ms) m_z ẑ: uniaxial anisotropy Hk plus thin-film shape anisotropy −Ms m_z.

    Energy density K_eff (1 − m_z²) with K_eff = μ0 Ms (Hk − Ms)/2.  Vanishes where m = 0 (vacancies).
    """

    def __init__(self, material: Material):
        self.H = material.Hk - material.Ms

    def add_to(self, H: torch.Tensor, m: torch.Tensor, index=None) -> None:
        H[:, 2].add_(m[:, 2], alpha=self.H)


class Zeeman:
    """Uniform external field H_ext [A/m], a 3-vector; times the 0/1 ``mask`` ``(B, 1, *grid)`` if given,
    so that vacant cells feel no field."""

    def __init__(self, H_ext, mask: torch.Tensor | None = None):
        self.H_ext = np.asarray(H_ext, dtype=float).reshape(3)
        self.c = mask

    def add_to(self, H, m, index=None) -> None:
        h = torch.as_tensor(self.H_ext, dtype=m.dtype, device=m.device).view((1, 3) + (1,) * (m.dim() - 2))
        H.add_(h if self.c is None else h * _pick(self.c, index))

    def subset(self, lo, hi):
        sub = copy.copy(self)
        sub.c = None if self.c is None else self.c[lo:hi]
        return sub


def neighbour_sum(u: torch.Tensor, ndim: int = 1) -> torch.Tensor:
    """Σ of the 2·ndim nearest neighbours over the last ``ndim`` axes, periodic (a new tensor; >= 3 cells per axis).

    1-D: u_{j−1} + u_{j+1}.  2-D: u_{i−1,j} + u_{i+1,j} + u_{i,j−1} + u_{i,j+1}.  Written with
    slices: ``torch.roll`` copies through an index kernel and is several times slower on CPU.
    The 1-D additions are those of ``roll(u, 1) + roll(u, −1)``, bit for bit.
    """
    out = torch.empty_like(u)
    torch.add(u[..., :-2], u[..., 2:], out=out[..., 1:-1])
    torch.add(u[..., -1], u[..., 1], out=out[..., 0])
    torch.add(u[..., -2], u[..., 0], out=out[..., -1])
    if ndim == 2:
        out[..., 1:-1, :].add_(u[..., :-2, :]).add_(u[..., 2:, :])
        out[..., 0, :].add_(u[..., -1, :]).add_(u[..., 1, :])
        out[..., -1, :].add_(u[..., -2, :]).add_(u[..., 0, :])
    return out


class DefectExchange:
    """Exchange field on a chain or film, statistical (paper Eqs. 2, 5, 6) or with explicit vacancies.

    Statistical (``envelope`` s, shape ``(B, *grid)``; None is the ideal material s ≡ 1):

        H_nl = −Ms F⁻¹{ ω(k) W(k) },   W = √S ⊛ m̂ = FFT(s · m),
        ω(k) = 2 (λex/a)² Σ_axes [1 − cos(a k_axis)],

    the symbol of the nearest-neighbour Laplacian Δ (2·d neighbours), so the same operator is applied
    exactly in O(N) without FFT:

        H_nl = Ms (λex/a)² Δ(s · m)            (``method="stencil"``, default)
        H_nl = −Ms irfftn(ω(k) rfftn(s · m))   (``method="fft"``, the pseudospectral form)

    Explicit vacancies (``mask`` c, 0/1 of shape ``(B, *grid)``): vacant cells carry m = 0 and feel no
    field; a present cell feels exchange from its present neighbours only (free ends):

        H_j = c_j Ms (λex/a)² Σ_{i ∈ nn(j)} c_i (m_i − m_j),

    the gradient of the bond energy (2A/a) Σ_bonds c_i c_j (1 − m_i·m_j) per unit area (d = 1), so
    conservative and symmetric.  With no vacancy it is the ideal stencil to the last bit.
    Ms (λex/a)² = 2A/(μ0 Ms a²) [A/m].
    """

    METHODS = ("stencil", "fft")

    def __init__(self, material: Material, n, envelope=None, method: str = "stencil",
                 dtype=torch.float64, device="cpu", mask=None):
        if method not in self.METHODS:
            raise ValueError(f"method must be one of {self.METHODS}, got {method!r}")
        self.shape = grid_shape(n)
        self.ndim = len(self.shape)
        self.method = method
        self.coef = material.Ms * (material.lambda_ex / material.a) ** 2  # Ms (λ/a)² [A/m]
        self.s = None
        if envelope is not None:
            env = np.asarray(envelope, dtype=float)
            if env.ndim != self.ndim + 1 or env.shape[1:] != self.shape:
                raise ValueError(f"envelope must have shape (B, {', '.join(map(str, self.shape))}), got {env.shape}")
            if not np.all(env == 1.0):
                self.s = torch.as_tensor(env, dtype=dtype, device=device).unsqueeze(1)
        self.c = self.nn = None
        if mask is not None:
            c = np.asarray(mask)
            if c.ndim != self.ndim + 1 or c.shape[1:] != self.shape:
                raise ValueError(f"mask must have shape (B, {', '.join(map(str, self.shape))}), got {c.shape}")
            if not np.all((c == 0) | (c == 1)):
                raise ValueError("mask must hold only 0 (vacancy) and 1 (material)")
            if self.s is not None or method != "stencil":
                raise ValueError("a mask (explicit vacancies) takes the ideal stencil exchange: "
                                 "envelope=None and method='stencil'")
            self.c = torch.as_tensor(c.astype(float), dtype=dtype, device=device).unsqueeze(1)  # ``(B, 1, *grid)``
            self.nn = neighbour_sum(self.c, self.ndim)  # number of present neighbours
        if method == "fft":
            ks = [2 * math.pi * np.fft.fftfreq(n_, d=material.a) for n_ in self.shape[:-1]]
            ks.append(2 * math.pi * np.fft.rfftfreq(self.shape[-1], d=material.a))
            grids = np.meshgrid(*ks, indexing="ij")
            omega = sum(material.omega(k) for k in grids)
            self._omega = torch.as_tensor(-material.Ms * omega, dtype=dtype, device=device)

    def scaled(self, m: torch.Tensor, index=None) -> torch.Tensor:
        return m if self.s is None else m * _pick(self.s, index)

    def h(self, m: torch.Tensor, index=None) -> torch.Tensor:
        dims = tuple(range(-self.ndim, 0))
        if self.c is not None:
            c, nn = _pick(self.c, index), _pick(self.nn, index)
            u = m * c
            return neighbour_sum(u, self.ndim).sub_(u * nn).mul_(self.coef).mul_(c)
        u = self.scaled(m, index)
        if self.method == "fft":
            return torch.fft.irfftn(torch.fft.rfftn(u, dim=dims) * self._omega, s=self.shape, dim=dims)
        return neighbour_sum(u, self.ndim).add_(u, alpha=-2.0 * self.ndim).mul_(self.coef)

    __call__ = h

    def subset(self, lo, hi):
        sub = copy.copy(self)
        for name in ("s", "c", "nn"):
            v = getattr(self, name)
            setattr(sub, name, None if v is None else v[lo:hi])
        return sub


class EffectiveField:
    """H_eff = H_nl(exchange) + H_l(anisotropy) [+ DMI] [+ Zeeman], the sum of terms.

    Callable as ``field(m, index=None)`` (also ``field.h``); ``subset(lo, hi)`` is the field of
    samples lo:hi (shares the tensors).  Explicit vacancies: ``field.exchange.c``, the 0/1 tensor
    ``(B, 1, *grid)``, or None.
    """

    def __init__(self, exchange: DefectExchange, local: list):
        self.exchange = exchange
        self.local = list(local)

    def __call__(self, m: torch.Tensor, index=None) -> torch.Tensor:
        H = self.exchange.h(m, index)
        for term in self.local:
            term.add_to(H, m, index)
        return H

    h = __call__

    def subset(self, lo: int, hi: int) -> "EffectiveField":
        return EffectiveField(self.exchange.subset(lo, hi),
                              [t.subset(lo, hi) if hasattr(t, "subset") else t for t in self.local])


def build_field(material: Material, n, envelope=None, H_ext=None, method="stencil",
                dtype=torch.float64, device="cpu", mask=None) -> EffectiveField:
    """Compose the effective field of a chain (n cells) or film ((nx, ny) cells).

    ``envelope`` ``(B, *grid)``: the statistical defect envelope; ``mask`` ``(B, *grid)`` of 0/1: explicit
    vacancies (the two exclude each other).  H_ext [A/m]: uniform field (zero at vacancies).
    ``material.D`` ≠ 0 adds the interfacial DMI
    (:class:`spsll.physics.dmi.InterfacialDMI`), acting on s·m with an envelope and
    dropping the bonds to vacancies with a mask.
    """
    ex = DefectExchange(material, n, envelope, method, dtype, device, mask=mask)
    local = [UniaxialAnisotropy(material)]
    if material.D != 0:
        local.append(InterfacialDMI(material, ex.ndim, s=ex.s, c=ex.c))
    if H_ext is not None and np.any(np.asarray(H_ext, dtype=float) != 0):
        local.append(Zeeman(H_ext, ex.c))
    return EffectiveField(ex, local)
