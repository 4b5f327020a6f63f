"""Relaxed isolated Néel skyrmions in a periodic film or a disk: radius, charge, energy.

The ansatz (:func:`neel_skyrmion`) is a 360° wall of radius R and width
Δ = sqrt(A/K_eff),

    θ(r) = 2 arctan[sinh(R/Δ) / sinh(r/Δ)],
    m = (sin θ cos(φ + ψ), sin θ sin(φ + ψ), cos θ),

core down (θ(0) = π, m_z = −1) in an up background; ψ = 0 for D > 0 (the in-plane
moment points radially outwards where m_z = 0) and ψ = π for D < 0: the chirality that
the DMI energy D (m_z ∇·m − (m·∇) m_z) favours (:mod:`spsll.physics.dmi`).  It relaxes
with :func:`spsll.physics.integrate.relax` (batched: radii, masks or envelopes).

Observables of the relaxed state:

* radius: where m_z = 0, on 64 rays from the skyrmion's centre (cubic-spline
  interpolation of m_z on the lattice, the first − → + crossing along each ray, linearly
  interpolated between samples a/8 apart), averaged over the azimuth; 0 if the core has
  collapsed (m_z ≥ 0 at the centre), NaN if no crossing lies within half the film
  (expanded into a stripe or beyond);
* topological charge Q = (1/4π) ∫ m·(∂x m × ∂y m) by Berg & Lüscher's lattice formula,
  Nucl. Phys. B 190, 412 (1981) (:func:`spsll.physics.topology.berg_luscher_charge`):
  an integer on a periodic film (−1 for this core-down skyrmion); in a disk
  −(1 + cos θ_edge)/2 for an axisymmetric texture;
* energy per unit thickness [J/m] (:mod:`spsll.physics.energy`) and its excess over the
  relaxed uniform state of the same geometry (in a disk the uniform state has tilted
  edges).  The statistical exchange has no energy: with an envelope both are NaN.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage

from .energy import micromagnetic_energy
from .fields import build_field
from .integrate import relax
from .material import Material
from .problem import check_material
from .topology import berg_luscher_charge

N_PHI = 64  #: rays of the radius measurement


def neel_skyrmion(material: Material, shape, radius: float, center=None) -> np.ndarray:
    """Néel skyrmion ansatz (3, nx, ny) of ``radius`` [m] on cells of ``material.a``
    (module doc).  ``center`` [m] (x, y) from the corner of cell (0, 0); default the
    middle of the grid."""
    a = material.a
    nx, ny = shape
    xc, yc = (nx * a / 2, ny * a / 2) if center is None else center
    x = (np.arange(nx) + 0.5) * a - xc
    y = (np.arange(ny) + 0.5) * a - yc
    X, Y = np.meshgrid(x, y, indexing="ij")
    r = np.hypot(X, Y)
    w = material.wall_parameter
    with np.errstate(divide="ignore", over="ignore"):
        theta = 2 * np.arctan2(np.sinh(radius / w), np.sinh(r / w))
    phi = np.arctan2(Y, X) + (0.0 if material.D >= 0 else math.pi)
    return np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi),
                     np.cos(theta)])


def disk_mask(shape, radius: float, a: float) -> np.ndarray:
    """0/1 int8 mask (nx, ny): the cells whose centre lies within ``radius`` [m] of the
    grid's centre."""
    nx, ny = shape
    x = (np.arange(nx) + 0.5 - nx / 2) * a
    y = (np.arange(ny) + 0.5 - ny / 2) * a
    X, Y = np.meshgrid(x, y, indexing="ij")
    return (np.hypot(X, Y) <= radius).astype(np.int8)


def core_centre(mz: np.ndarray) -> np.ndarray:
    """Centres (B, 2) in cell units (cell centres at i + ½) of max(−m_z, 0) of films
    mz (B, nx, ny): circular means along each axis, so a core straddling the periodic
    boundary is found; NaN where m_z ≥ 0 everywhere."""
    w = np.clip(-np.asarray(mz, float), 0, None)
    B, nx, ny = w.shape
    out = np.full((B, 2), np.nan)
    for axis, n in enumerate((nx, ny)):
        phase = np.exp(2j * math.pi * (np.arange(n) + 0.5) / n)
        prof = w.sum(axis=2 - axis)  # (B, n) along this axis
        z = prof @ phase
        ok = np.abs(z) > 0
        out[ok, axis] = (np.angle(z[ok]) % (2 * math.pi)) * n / (2 * math.pi)
    return out


def _fill_vacancies(mz: np.ndarray, c: np.ndarray) -> np.ndarray:
    """m_z with every vacant cell replaced by the mean of its filled 3 × 3 neighbours,
    growing inwards from the material (so holes and a disk's corners carry no false
    m_z = 0 into the interpolation)."""
    filled = c.astype(bool)
    mz = np.where(filled, mz, 0.0)
    while not filled.all():
        total = ndimage.uniform_filter(mz * filled, 3, mode="wrap")
        count = ndimage.uniform_filter(filled.astype(float), 3, mode="wrap")
        new = ~filled & (count > 1e-9)
        if not new.any():
            break
        mz = np.where(new, total / np.where(new, count, 1.0), mz)
        filled |= new
    return mz


def skyrmion_radius(m, a: float, mask=None, n_phi: int = N_PHI):
    """Radius [m] (B,) where m_z = 0 and its spread over the azimuth (B,) [m] (module
    doc).  m (B, 3, nx, ny) on the periodic grid; ``mask`` (B, nx, ny) 0/1 or None:
    vacant cells (holes, a disk's outside) take their present neighbours' m_z first.
    """
    m = np.asarray(m, dtype=float)
    B, _, nx, ny = m.shape
    phi = 2 * math.pi * np.arange(n_phi) / n_phi
    step = 1 / 8
    rr = np.arange(0, min(nx, ny) / 2, step)
    radius, spread = np.zeros(B), np.zeros(B)
    for b in range(B):
        mz = m[b, 2] if mask is None else _fill_vacancies(m[b, 2], np.asarray(mask)[b])
        if mz.min() >= 0:
            continue  # collapsed: no core
        cx, cy = core_centre(mz[None])[0]
        px = cx - 0.5 + rr[None, :] * np.cos(phi)[:, None]  # cell-index coordinates
        py = cy - 0.5 + rr[None, :] * np.sin(phi)[:, None]
        prof = ndimage.map_coordinates(mz, [px.ravel(), py.ravel()], order=3,
                                       mode="grid-wrap")
        prof = prof.reshape(n_phi, rr.size)
        if np.any(prof[:, 0] >= 0):
            continue  # the centre is not inside the core: treat as collapsed
        up = prof >= 0
        if not up.any(axis=1).all():
            radius[b] = spread[b] = np.nan
            continue
        i = np.argmax(up, axis=1)  # first sample at or above 0
        lo, hi = prof[np.arange(n_phi), i - 1], prof[np.arange(n_phi), i]
        r = (rr[i - 1] + step * (-lo) / (hi - lo)) * a
        radius[b], spread[b] = r.mean(), r.std()
    return radius, spread


@dataclass
class SkyrmionResult:
    """Relaxed skyrmions, one per sample (SI units).

    m (B, 3, nx, ny); radius, radius_spread [m]; charge (Berg–Lüscher); energy and
    excess_energy [J/m per unit thickness] (NaN with an envelope); torque
    (max ‖m × H‖/Ms),
    iterations, converged (of the skyrmion's relaxation); a [m] the cell size.
    """

    m: np.ndarray
    radius: np.ndarray
    radius_spread: np.ndarray
    charge: np.ndarray
    energy: np.ndarray
    excess_energy: np.ndarray
    torque: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    a: float


def _batch(arr, B, shape, name):
    if arr is None:
        return None
    arr = np.asarray(arr, dtype=float)
    if arr.shape == shape:
        arr = np.broadcast_to(arr, (B,) + shape)
    if arr.shape != (B,) + shape:
        raise ValueError(f"{name} must have shape {shape} or {(B,) + shape}, "
                         f"got {arr.shape}")
    return np.ascontiguousarray(arr)


def relax_skyrmion(material: Material, shape, radius0, *, mask=None, envelope=None,
                   H_ext=None, tol: float = 1e-6, max_iter: int = 50_000,
                   dtype=torch.float64, device="cpu") -> SkyrmionResult:
    """Relax Néel skyrmions of initial radius ``radius0`` [m] (scalar or (B,)) on an
    (nx, ny) film.

    ``mask`` (nx, ny) or (B, nx, ny) 0/1: explicit geometry (a disk: :func:`disk_mask`)
    and vacancies, free edges with the DMI boundary condition; ``envelope``
    (B, nx, ny): the statistical defect model instead; neither: the ideal periodic
    film.  H_ext [A/m] 3-vector.  ``tol``, ``max_iter``: of
    :func:`spsll.physics.integrate.relax`.  Cell size ``material.a``; use
    ``material.with_cell(a)`` for a convergence study in a.
    """
    material = check_material(material)
    shape = tuple(int(v) for v in shape)
    if len(shape) != 2 or min(shape) < 8:
        raise ValueError(f"shape must be (nx, ny) with nx, ny >= 8, got {shape!r}")
    r0 = np.atleast_1d(np.asarray(radius0, dtype=float))
    if r0.ndim != 1 or not np.all(np.isfinite(r0)) or np.any(r0 <= 0):
        raise ValueError(f"radius0 must be a radius > 0 m or a 1-D array of them, "
                         f"got {radius0!r}")
    B = max([r0.size] + [np.shape(x)[0] for x in (mask, envelope) if np.ndim(x) == 3])
    r0 = np.broadcast_to(r0, (B,)) if r0.size == 1 else r0
    if r0.size != B:
        raise ValueError(f"radius0 has {r0.size} values but the masks/envelopes hold "
                         f"{B} samples")
    c = _batch(mask, B, shape, "mask")
    env = _batch(envelope, B, shape, "envelope")
    m0 = np.stack([neel_skyrmion(material, shape, r) for r in r0])
    up = np.zeros_like(m0)
    up[:, 2] = 1.0
    if c is not None:  # the uniform state of the same geometry relaxes alongside
        m0, up = m0 * c[:, None], up * c[:, None]
        m0 = np.concatenate([m0, up])
        c = np.concatenate([c, c])
    field = build_field(material, shape, env, H_ext=H_ext, dtype=dtype, device=device,
                        mask=c)
    res = relax(field, torch.as_tensor(m0, dtype=dtype, device=device), material.Ms,
                tol=tol, max_iter=max_iter)
    m = res.m.cpu().numpy()
    radius, spread = skyrmion_radius(m[:B], material.a, None if c is None else c[:B])
    charge = berg_luscher_charge(m[:B], None if c is None else c[:B])
    if env is not None:
        energy = excess = np.full(B, np.nan)
    else:
        e = micromagnetic_energy(material, m, c, H_ext)
        e_up = e[B:] if c is not None else micromagnetic_energy(material, up, None,
                                                                 H_ext)
        energy, excess = e[:B], e[:B] - e_up
    return SkyrmionResult(m=m[:B], radius=radius, radius_spread=spread, charge=charge,
                          energy=energy, excess_energy=excess, torque=res.torque[:B],
                          iterations=res.iterations[:B], converged=res.converged[:B],
                          a=material.a)


def skyrmion_in_film(material: Material, length: float, radius0,
                     **options) -> SkyrmionResult:
    """A skyrmion in a periodic square film of side ``length`` [m] (rounded to whole
    cells of ``material.a``); options of :func:`relax_skyrmion`."""
    n = int(round(length / material.a))
    return relax_skyrmion(material, (n, n), radius0, **options)


def skyrmion_in_disk(material: Material, disk_radius: float, radius0,
                     **options) -> SkyrmionResult:
    """A skyrmion in a disk of radius ``disk_radius`` [m] (free edges), on a square grid
    with two empty cells around it; options of :func:`relax_skyrmion`."""
    n = 2 * int(math.ceil(disk_radius / material.a)) + 4
    mask = disk_mask((n, n), disk_radius, material.a)
    return relax_skyrmion(material, (n, n), radius0, mask=mask, **options)
