"""Reading a film's 2-D dispersion: the ideal reference and its slices (along kx, the diagonal,
the azimuthal average).

A film's :func:`spsll.dispersion` (``n_cells=(nx, ny)``) gives the peak frequency on the
(kx, ky) grid, fftshifted, kx and ky ascending.  The ideal film with nearest-neighbour exchange
on the square a-grid has

    f(kx, ky) = (γμ0/2π) [ (Hk − Ms) + 2 Ms (λex/a)² (2 − cos kx a − cos ky a) ]      [Hz],

which is anisotropic beyond small k (cubic harmonics of the square lattice): slices are compared
point by point, and the azimuthal average of a measured quantity is compared with the azimuthal
average of the reference over the same cells.
"""
from __future__ import annotations

import math

import numpy as np

from .material import GAMMA_MU0

__all__ = ["ideal_film_frequency", "film_slices", "azimuthal_average"]


def ideal_film_frequency(material, kx, ky):
    """f(kx, ky) [Hz] of the ideal film (above); kx, ky [rad/m] broadcast against each other."""
    kx, ky = np.asarray(kx, float), np.asarray(ky, float)
    return GAMMA_MU0 / (2 * math.pi) * (material.H_eff_anis + material.Ms * (material.omega(kx) + material.omega(ky)))


def azimuthal_average(kx, ky, values, a):
    """Mean of ``values`` (…, nx, ny) over rings of width Δk = 2π/(max(nx, ny) a) up to π/a.

    Returns (k_ring (M,) [rad/m]: the mean abs(k) of the cells of each ring, averages (…, M)).
    Rings with no cell are dropped.
    """
    KX, KY = np.meshgrid(np.asarray(kx), np.asarray(ky), indexing="ij")
    kk = np.hypot(KX, KY)
    dk = 2 * math.pi / (max(KX.shape) * a)
    ring = np.rint(kk / dk).astype(int)
    inside = kk <= math.pi / a * (1 + 1e-12)
    ids = np.unique(ring[inside])
    vals = np.asarray(values, float)
    out = np.stack([vals[..., inside & (ring == i)].mean(axis=-1) for i in ids], axis=-1)
    kring = np.array([kk[inside & (ring == i)].mean() for i in ids])
    return kring, out


def film_slices(kx, ky, values, a):
    """Slices of ``values`` (…, nx, ny) on the fftshifted grid: a dict of (abs(k), v) pairs for
    "kx" (ky = 0, kx ≥ 0), "diagonal" (kx = ky ≥ 0; needs nx = ny) and "azimuthal"
    (:func:`azimuthal_average`)."""
    kx, ky = np.asarray(kx), np.asarray(ky)
    vals = np.asarray(values, float)
    i0, j0 = int(np.argmin(np.abs(kx))), int(np.argmin(np.abs(ky)))
    out = {"kx": (kx[i0:], vals[..., i0:, j0])}
    if kx.size == ky.size:
        d = np.arange(kx.size - i0)
        out["diagonal"] = (math.sqrt(2) * kx[i0 + d], vals[..., i0 + d, j0 + d])
    out["azimuthal"] = azimuthal_average(kx, ky, vals, a)
    return out
