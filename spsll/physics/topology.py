"""Topological charge of a magnetisation texture on a square lattice (numpy only).

Continuum: Q = (1/4π) ∫ m · (∂x m × ∂y m) dx dy.  For m = (sinθ cos(ψ + ψ0), sinθ sin(ψ
+ ψ0), cosθ) with θ(0) = π, θ(∞) = 0 (core along −z in a +z background, vorticity +1,
any helicity ψ0, Néel or Bloch), Q = ½ ∫ sinθ θ' dr · 1 = ½ [−cosθ]_{π}^{0} = −1.  An
antiskyrmion (vorticity −1) in the same background has Q = +1; reversing every spin
reverses Q.

Lattice (Berg & Lüscher, Nucl. Phys. B 190, 412 (1981)).  Each plaquette with corners
(i, j), (i+1, j), (i+1, j+1), (i, j+1) (i along x, j along y, counter-clockwise) is
split into the triangles (m00, m10, m11) and (m00, m11, m01); the signed solid angle of
the spherical triangle of unit vectors (m1, m2, m3) is

    Ω = 2 atan2( m1·(m2 × m3), 1 + m1·m2 + m2·m3 + m3·m1 ),    Ω ∈ (−2π, 2π],

and Q = Σ Ω / 4π.  For smooth textures Ω ≈ (area) m·(∂x m × ∂y m), so the sign follows
the continuum formula.  On a periodic lattice the triangles tile a closed surface, their
images cover the sphere an integer number of times, and Q is an integer up to round-off
(≈1e-15 per triangle), whatever the texture, unless a triangle is degenerate (two
antiparallel corners, where numerator and denominator both vanish and the branch of
atan2 is undetermined).

Vacancies.  Cells with m = 0 (or a ``mask`` of 0) are excluded: a triangle with a vacant
corner has numerator 0 and denominator 1 + m2·m3 ≥ 0, so the formula itself gives Ω = 0,
and this function sets it to 0 explicitly.  Excluding triangles leaves holes in the
closed surface, so Q is no longer an integer: it misses the solid angle the texture
spans across each hole (small where m is nearly uniform around the vacancy, up to the
whole charge if the core sits on a vacant region).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["berg_luscher_charge", "triangle_solid_angles", "finite_difference_charge"]


def _as_numpy(m, name="m"):
    if hasattr(m, "detach"):  # a torch tensor (any device)
        m = m.detach().cpu().numpy()
    a = np.asarray(m, dtype=np.float64)
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4 or a.shape[1] != 3 or min(a.shape[2:]) < 2:
        raise ValueError(f"{name} must have shape (B, 3, nx, ny) or (3, nx, ny) with "
                         "nx, ny >= 2, "
                         f"got {tuple(np.shape(m))}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a


def _unit(m, mask):
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    present = norm > 0
    if mask is not None:
        c = _as_mask(mask, m.shape)
        present &= c[:, None]
    return np.where(present, m / np.where(present, norm, 1.0), 0.0), present[:, 0]


def _as_mask(mask, shape):
    if hasattr(mask, "detach"):
        mask = mask.detach().cpu().numpy()
    c = np.asarray(mask)
    if c.ndim == 2:
        c = c[None]
    if c.shape[1:] != shape[2:] or c.shape[0] not in (1, shape[0]):
        raise ValueError(f"mask must have shape (B, nx, ny) or (nx, ny) matching m "
                         f"{shape}, got {c.shape}")
    if not np.all((c == 0) | (c == 1)):
        raise ValueError("mask must hold only 0 (vacancy) and 1 (material)")
    return np.broadcast_to(c.astype(bool), (shape[0],) + shape[2:])


def _omega(m1, m2, m3):
    def dot(u, v):
        return np.einsum("bi...,bi...->b...", u, v)

    num = dot(m1, np.cross(m2, m3, axis=1))
    den = 1 + dot(m1, m2) + dot(m2, m3) + dot(m3, m1)
    return 2 * np.arctan2(num, den)


def triangle_solid_angles(m, mask=None, periodic=True):
    """Signed solid angles Ω [sr] of the two triangles of every plaquette: array (B, 2,
    px, py) (px = nx if periodic else nx − 1, same for y).  m (B, 3, nx, ny) or (3, nx,
    ny), numpy or torch; non-zero vectors are normalised first; triangles with a vacant
    corner (m = 0 or mask = 0) get Ω = 0."""
    m = _as_numpy(m)
    u, present = _unit(m, mask)
    if periodic:
        m10, m01 = np.roll(u, -1, axis=2), np.roll(u, -1, axis=3)
        m11 = np.roll(m10, -1, axis=3)
        p10, p01 = np.roll(present, -1, axis=1), np.roll(present, -1, axis=2)
        p11 = np.roll(p10, -1, axis=2)
        m00, p00 = u, present
    else:
        m00, m10 = u[..., :-1, :-1], u[..., 1:, :-1]
        m01, m11 = u[..., :-1, 1:], u[..., 1:, 1:]
        p00, p10 = present[:, :-1, :-1], present[:, 1:, :-1]
        p01, p11 = present[:, :-1, 1:], present[:, 1:, 1:]
    lower = np.where(p00 & p10 & p11, _omega(m00, m10, m11), 0.0)
    upper = np.where(p00 & p11 & p01, _omega(m00, m11, m01), 0.0)
    return np.stack([lower, upper], axis=1)


def berg_luscher_charge(m, mask=None, periodic=True):
    """Berg–Lüscher lattice charge Q = Σ Ω/4π per sample: array (B,) (see the module
    docstring).

    m: (B, 3, nx, ny) or (3, nx, ny) (axis 2 is x, axis 3 is y), numpy or torch;
    ``mask`` (B, nx, ny) or (nx, ny) of 0/1 (0: vacancy, excluded); ``periodic``: wrap
    plaquettes across the edges (an integer charge is guaranteed only then, and only
    without vacancies). A core along −z in a +z background (vorticity +1) gives Q = −1.
    """
    omega = triangle_solid_angles(m, mask, periodic)
    return omega.sum(axis=(1, 2, 3)) / (4 * math.pi)


def finite_difference_charge(m, periodic=True):
    """The continuum formula Q = (1/4π) Σ m·(∂x m × ∂y m) with central differences (cell
    area cancels): a naive lattice charge, not an integer on a finite lattice (shown in
    the tests). Returns (B,)."""
    u, _ = _unit(_as_numpy(m), None)
    if periodic:
        dx = (np.roll(u, -1, axis=2) - np.roll(u, 1, axis=2)) / 2
        dy = (np.roll(u, -1, axis=3) - np.roll(u, 1, axis=3)) / 2
    else:
        dx, dy = np.gradient(u, axis=2), np.gradient(u, axis=3)
    q = np.einsum("bi...,bi...->b...", u, np.cross(dx, dy, axis=1))
    return q.sum(axis=(1, 2)) / (4 * math.pi)
