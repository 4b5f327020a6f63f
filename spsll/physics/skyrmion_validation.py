"""Validation numbers of chapter 9: the relaxed skyrmion against independent references.

* :func:`radius_convergence`: the relaxed radius of the ideal periodic film at several
  cell sizes a (the same physical film side L), against the continuum radius of the
  radial ODE (:mod:`spsll.physics.radial`).  A periodic film of finite side is not the
  isolated skyrmion: its images press it by an amount that does not depend on a (0.16
  nm at L = 48 nm, measured; ~0.006 nm at 64 nm).  So the lattice error is read from
  the least-squares fit R(a) = R_L + β a^q (q scanned, R_L and β linear): q is the
  observed order (2 for the second-order stencils of exchange and DMI) and R_L − R_ODE
  the film's offset;
* :func:`charge_checks`: Berg–Lüscher charges of the relaxed skyrmion, the uniform
  state and the reversed skyrmion (−1, 0, +1, integers to round-off);
* :func:`cycloid_curves`: the Néel wall energy 4√(A K_eff) − π D and the optimal
  cycloid's energy density against D (:mod:`spsll.physics.cycloid`), whose sign
  changes at D_c = 4√(A K_eff)/π.
"""
from __future__ import annotations

import math
import time

import numpy as np

from . import cycloid
from .radial import radial_skyrmion_for
from .skyrmion import relax_skyrmion
from .topology import berg_luscher_charge

__all__ = ["radius_convergence", "charge_checks", "cycloid_curves"]


def radius_convergence(material, cells=(1e-9, 0.8e-9, 2e-9 / 3, 0.5e-9), film=64e-9,
                       tol: float = 1e-6) -> dict:
    """Relaxed radius [m] of the ideal film of side ``film`` [m] for each cell size in
    ``cells`` [m] (n = film / a cells per side, rounded), the ODE radius, the errors
    and the observed order (module doc); ``seconds`` per relaxation."""
    ode = radial_skyrmion_for(material).radius
    radius, secs, sizes = [], [], []
    for a in cells:
        n = int(round(film / a))
        t0 = time.perf_counter()
        res = relax_skyrmion(material.with_cell(a), (n, n), ode, tol=tol)
        secs.append(time.perf_counter() - t0)
        radius.append(float(res.radius[0]))
        sizes.append(n)
    a, R = np.asarray(cells, float), np.asarray(radius)
    best = (np.inf, None, None)
    for q in np.linspace(0.5, 4.0, 701):  # R = R_L + β a^q, linear in (R_L, β)
        X = np.stack([np.ones_like(a), (a / a[0]) ** q], 1)
        coef, *_ = np.linalg.lstsq(X, R, rcond=None)
        res = float(np.sum((X @ coef - R) ** 2))
        if res < best[0]:
            best = (res, q, coef)
    _, q, (R_L, beta) = best
    return {"a": a, "cells": sizes, "radius": R, "ode_radius": ode,
            "error": np.abs(R - ode), "lattice_error": np.abs(R - R_L),
            "order": float(q),
            "film_radius": float(R_L), "film_offset": float(R_L - ode),
            "fit_rms": float(math.sqrt(best[0] / len(a))), "seconds": np.asarray(secs)}


def charge_checks(material, n: int = 48) -> dict:
    """Charges of the relaxed ideal skyrmion, the uniform +z film and the skyrmion with
    every moment reversed (periodic n × n film), and the largest distance of any of them
    from an integer."""
    r0 = radial_skyrmion_for(material).radius
    res = relax_skyrmion(material, (n, n), r0, tol=1e-6)
    up = np.zeros_like(res.m)
    up[:, 2] = 1
    q = berg_luscher_charge(np.concatenate([res.m, up, -res.m]))
    return {"skyrmion": float(q[0]), "uniform": float(q[1]), "reversed": float(q[2]),
            "max_distance_from_integer": float(np.abs(q - np.round(q)).max())}


def cycloid_curves(material, D=None) -> dict:
    """Néel wall energy [J/m²] and optimal cycloid energy density [J/m³] (NaN below D_c:
    no cycloid) at the DMI constants ``D`` [J/m²] (default 0 … 1.5 D_c), and D_c."""
    A, K = material.A, material.K_eff
    Dc = cycloid.critical_dmi(A, K)
    D = np.linspace(0.0, 1.5 * Dc, 61)[1:] if D is None else np.asarray(D, float)
    wall = np.array([cycloid.neel_wall_energy(A, d, K) for d in D])
    cyc = np.array([cycloid.cycloid_energy_density(A, d, K) if d > Dc * (1 + 1e-9)
                    else np.nan for d in D])
    return {"D": D, "wall_energy": wall, "cycloid_energy": cyc, "D_c": Dc}
