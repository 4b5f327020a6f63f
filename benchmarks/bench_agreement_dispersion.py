"""Whole-dispersion agreement of statistical films with explicit 2-D ensembles: the crossover
constant of the k-dependent kernel, fitted on a calibration set and measured on another.

Explicit ensembles (:func:`spsll.physics.agreement_dispersion.ensemble_peaks`, n² films,
R realisations, the paper's recipe) on the azimuthal average; the k-dependent kernel
(:mod:`spsll.physics.agreement_finite_k`) is fitted on the calibration tessellations
(σ, τ) = (2, 1), (6.8, 1.7), (6.8, 3.4), (10.2, 1.8) nm, seed 100, and measured on the
validation points (3, 1), (13.6, 3.4), (4, 1.36), (5, 2.5) nm and site p = 0.85, 0.75, seed 1000
(the chapter's points use seed 0).  Per validation point: the half-zone MAE (abs(k) ≤ π/2a) of
mean field (s = p), the uniform calibrated envelope (s = D/D₀) and the k-dependent kernel, and
the seconds of the explicit ensemble against those of the closed forms, side by side.

    python benchmarks/bench_agreement_dispersion.py [--n 32] [--realisations 8] [--duration-ps 10]
"""
from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

import spsll
from spsll.physics.agreement_dispersion import (closed_form_curves, ensemble_peaks,
                                                uniform_envelope_frequency)
from spsll.physics.agreement_finite_k import finite_k_curves, fit_crossover
from spsll.physics.defects2d import site_dilution_masks, tessellation_masks
from spsll.physics.film import azimuthal_average

MAT, NM = spsll.FePt, 1e-9
CAL = [(2.0, 1.0), (6.8, 1.7), (6.8, 3.4), (10.2, 1.8)]
VAL = [(3.0, 1.0), (13.6, 3.4), (4.0, 1.36), (5.0, 2.5), 0.85, 0.75]


def explicit(points, n, R, seed, duration):
    """(p, T [m], ring k, explicit curves (P, M), kx, seconds) of the points: (σ, τ) nm or p."""
    a, grid = MAT.a, (n, n)
    masks, p, T = [], [], []
    for q in points:
        if isinstance(q, tuple):
            s, t = q[0] * NM, q[1] * NM
            masks.append(tessellation_masks(s, t, grid, a, R, seed)[0])
            p.append(s / (s + t))
            T.append(s * t / (s + t))
        else:
            masks.append(site_dilution_masks(q, grid, R, seed)[0])
            p.append(q)
            T.append(0.0)
    t0 = time.perf_counter()
    pk, run = ensemble_peaks(MAT, np.stack(masks), duration=duration)
    secs = time.perf_counter() - t0
    k, curves = azimuthal_average(run.k, run.ky, pk, a)
    return np.array(p), np.array(T), k, curves, run.k, secs


def main(n, R, duration):
    p, T, k, ex, kx, _ = explicit(CAL, n, R, 100, duration)
    c, mae = fit_crossover(MAT, p, T, kx, kx, ex)
    print(json.dumps({"calibration": [list(q) for q in CAL], "crossover": c, "mae_GHz": mae / 1e9,
                      "n": n, "realisations": R, "duration_ps": duration * 1e12}))
    p, T, k, ex, kx, ex_s = explicit(VAL, n, R, 1000, duration)
    half = k <= 0.5 * math.pi / MAT.a * (1 + 1e-12)
    t0 = time.perf_counter()
    fk = finite_k_curves(MAT, p, T, kx, kx, crossover=c)[1]
    fk_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    uni = closed_form_curves(MAT, p, T, kx, kx)[1]
    uni_s = time.perf_counter() - t0
    KX, KY = np.meshgrid(kx, kx, indexing="ij")
    mf = azimuthal_average(kx, kx, uniform_envelope_frequency(MAT, p[:, None, None], KX, KY), MAT.a)[1]
    for i, q in enumerate(VAL):
        mae = {name: float(np.abs(v[i] - ex[i])[half].mean() / 1e9)
               for name, v in (("mean_field", mf), ("uniform_kernel", uni), ("finite_k_kernel", fk))}
        print(json.dumps({"point": q, "p": p[i], "T_over_a": T[i] / MAT.a, "mae_GHz": mae}))
    print(json.dumps({"explicit_s": ex_s, "finite_k_closed_form_s": fk_s, "uniform_closed_form_s": uni_s,
                      "speedup_finite_k": ex_s / fk_s}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--realisations", type=int, default=8)
    ap.add_argument("--duration-ps", type=float, default=10.0)
    a = ap.parse_args()
    main(a.n, a.realisations, a.duration_ps * 1e-12)
