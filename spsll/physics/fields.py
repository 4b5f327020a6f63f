"""Effective-field terms of the SPS-LL model on a periodic 1-D chain (fields in A/m).

The magnetisation is a tensor m of shape (B, 3, N): B samples (one per (σ, τ)), three
components (x, y, z), N cells of size a.  Each term is a small object with one method
``h(m, index=None)`` returning its field; ``index`` selects a subset of the batch's samples
(the integrators drop finished samples from the batch).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .material import Material


def _as_tensor(x, like: torch.Tensor | None = None, dtype=None, device=None) -> torch.Tensor:
    if like is not None:
        dtype, device = like.dtype, like.device
    return torch.as_tensor(np.asarray(x), dtype=dtype, device=device)


class UniaxialAnisotropy:
    """Local field H_l = (Hk − Ms) m_z ẑ: uniaxial anisotropy Hk plus thin-film shape anisotropy −Ms m_z.

    Energy density K_eff (1 − m_z²) with K_eff = μ0 Ms (Hk − Ms)/2.
    """

    def __init__(self, material: Material):
        self.H = material.Hk - material.Ms

    def h(self, m: torch.Tensor, index=None) -> torch.Tensor:
        out = torch.zeros_like(m)
        out[:, 2] = self.H * m[:, 2]
        return out

    def add_to(self, H: torch.Tensor, m: torch.Tensor, index=None) -> None:
        H[:, 2].add_(m[:, 2], alpha=self.H)


class Zeeman:
    """Uniform external field H_ext [A/m], a 3-vector."""

    def __init__(self, H_ext):
        self.H_ext = np.asarray(H_ext, dtype=float).reshape(3)

    def h(self, m, index=None):
        return _as_tensor(self.H_ext, like=m).view(1, 3, 1).expand_as(m).clone()

    def add_to(self, H, m, index=None) -> None:
        H.add_(_as_tensor(self.H_ext, like=m).view(1, 3, 1))


def neighbour_sum(u: torch.Tensor) -> torch.Tensor:
    """u_{j−1} + u_{j+1} along the last axis, periodic (a new tensor; at least 3 cells).

    Written with slices: ``torch.roll`` copies through an index kernel and is several times
    slower on CPU.  The additions are those of ``roll(u, 1) + roll(u, −1)``, bit for bit.
    """
    out = torch.empty_like(u)
    torch.add(u[..., :-2], u[..., 2:], out=out[..., 1:-1])
    torch.add(u[..., -1], u[..., 1], out=out[..., 0])
    torch.add(u[..., -2], u[..., 0], out=out[..., -1])
    return out


class DefectExchange:
    """Statistical exchange field (paper Eqs. 2, 5, 6):

        H_nl = −Ms F⁻¹{ ω(k) W(k) },   W = √S ⊛ m̂ = FFT(s · m),
        ω(k) = 2 (λex/a)² [1 − cos(a k)],

    with s(x) the real-space defect envelope (:func:`spsll.rtn.envelope`).  Since ω(k) is the
    symbol of the nearest-neighbour Laplacian, F⁻¹{ω(k) û} = −(λex/a)² (u_{j+1} + u_{j−1} − 2u_j),
    so the same operator can be applied exactly in O(N) without FFT:

        H_nl = Ms (λex/a)² Δ_NN(s · m)         (``method="stencil"``, default)
        H_nl = −Ms irfft(ω(k) rfft(s · m))     (``method="fft"``, the pseudospectral form)

    ``envelope``: None (ideal material, s ≡ 1) or an array (B, N).  Samples whose envelope is
    identically 1 are ideal.
    """

    METHODS = ("stencil", "fft")

    def __init__(self, material: Material, n: int, envelope=None, method: str = "stencil",
                 dtype=torch.float64, device="cpu"):
        if method not in self.METHODS:
            raise ValueError(f"method must be one of {self.METHODS}, got {method!r}")
        self.method = method
        self.Ms = material.Ms
        self.coef = material.Ms * (material.lambda_ex / material.a) ** 2  # Ms (λ/a)² [A/m]
        self.n = n
        if envelope is None:
            self.s = None
        else:
            env = np.asarray(envelope, dtype=float)
            if env.ndim != 2 or env.shape[1] != n:
                raise ValueError(f"envelope must have shape (B, {n}), got {env.shape}")
            self.s = None if np.all(env == 1.0) else torch.as_tensor(env, dtype=dtype, device=device).unsqueeze(1)
        k = 2 * math.pi * np.fft.rfftfreq(n, d=material.a)
        omega = material.omega(k)
        self._omega = torch.as_tensor(-material.Ms * omega, dtype=dtype, device=device)

    def scaled(self, m: torch.Tensor, index=None) -> torch.Tensor:
        if self.s is None:
            return m
        s = self.s if index is None else self.s[index]
        return m * s

    def h(self, m: torch.Tensor, index=None) -> torch.Tensor:
        u = self.scaled(m, index)
        if self.method == "fft":
            return torch.fft.irfft(torch.fft.rfft(u, dim=-1) * self._omega, n=self.n, dim=-1)
        return neighbour_sum(u).add_(u, alpha=-2.0).mul_(self.coef)


class EffectiveField:
    """H_eff = H_nl(exchange) + H_l(anisotropy) [+ Zeeman], the sum of its terms."""

    def __init__(self, exchange: DefectExchange, local: list):
        self.exchange = exchange
        self.local = list(local)

    def __call__(self, m: torch.Tensor, index=None) -> torch.Tensor:
        H = self.exchange.h(m, index)
        for term in self.local:
            term.add_to(H, m, index)
        return H


def build_field(material: Material, n: int, envelope=None, H_ext=None, method="stencil",
                dtype=torch.float64, device="cpu") -> EffectiveField:
    """Compose the SPS-LL effective field for a chain of n cells."""
    local = [UniaxialAnisotropy(material)]
    if H_ext is not None and np.any(np.asarray(H_ext, dtype=float) != 0):
        local.append(Zeeman(H_ext))
    return EffectiveField(DefectExchange(material, n, envelope, method, dtype, device), local)
