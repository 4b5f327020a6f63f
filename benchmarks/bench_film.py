"""2-D films: time per film per 10 ps of LL dynamics, and the percolation check's table.

Speed: ideal and masked FePt films (nx = ny = n), the recipe's dynamics (α = 0.001, Gaussian m_x
excitation, adaptive DOPRI5 with rtol 1e-5 and atol 1e-9) for 10 ps; the integration only (one
observed cell, so recording does not count), batch B; seconds per film per 10 ps, steps, and the
peak memory of the process (ru_maxrss).

Percolation: D(k → 0)/D₀ of explicit films (:func:`spsll.physics.stiffness.extrapolated_stiffness`)
against Σ/P∞ on the same masks, for site dilution at several p and for tessellations.

    python benchmarks/bench_film.py speed [--sizes 64 128 256] [--batch 1 4]
    python benchmarks/bench_film.py percolation [--sizes 32 48 64] [--realisations 24]
    python benchmarks/bench_film.py map [--realisations 16]
    python benchmarks/bench_film.py peer [--sizes 32 64]

Peer: one ideal film, the dispersion recipe (10 ps every 10 fs) in spsll and in magnum.np (its
own process and venv, through ``compare_vacancies_magnumnp.run_peer``; RKF45 with atol = rtol =
1e-5 against spsll's DOPRI5 rtol 1e-5, atol 1e-9), both recordings through the same
``spectrum``: seconds of the time loop and MAE against the lattice formula over the whole zone.

Map (the question of issue 13): explicit k → 0 stiffness against mean field, SPS-LL (parseval,
64² film), EMA and the calibrated percolation kernel (:mod:`spsll.physics.agreement`).  The kernel
is calibrated on one map (T/a = 0.7, 1.5, 3, 6; p = 0.95 … 0.58; site p = 0.95 … 0.65; seed 0)
and measured on another (T/a = 0.5, 1, 2, 4, 8; p = 0.9, 0.8, 0.7, 0.62; site p = 0.9 … 0.62;
seed 1000); explicit seconds per point against the models' seconds, side by side.
"""
from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import torch

import spsll
from spsll.physics.defects2d import site_dilution_masks, tessellation_masks
from spsll.physics.fields import build_field
from spsll.physics.integrate import LandauLifshitz, dopri5
from spsll.physics.magnons import gaussian_state
from spsll.physics.agreement import agreement_map, calibrate
from spsll.physics.stiffness import extrapolated_stiffness

MAT = spsll.FePt


def speed(sizes, batches, p_mask=0.8):
    rows = []
    for n in sizes:
        m0 = gaussian_state((n, n), MAT.a, 0.1, MAT.a, (n * MAT.a / 2, n * MAT.a / 2))
        for B in batches:
            for kind in ("ideal", "site-diluted"):
                mask = None if kind == "ideal" else site_dilution_masks(p_mask, (n, n), B, seed=0)[0]
                field = build_field(MAT, (n, n), None, mask=mask)
                y0 = np.broadcast_to(m0, (B,) + m0.shape) * (1 if mask is None else mask[:, None])
                y0 = torch.as_tensor(np.array(y0))
                t0 = time.perf_counter()
                sol = dopri5(LandauLifshitz(field, 1e-3), y0, [0.0, 10e-12], rtol=1e-5, atol=1e-9,
                             observe=lambda m: m[:, 0, :1, :1], linear_observe=True)
                dt = time.perf_counter() - t0
                rows.append({"n": n, "batch": B, "kind": kind, "s_per_film_per_10ps": dt / B,
                             "steps": int(sol.n_steps.max()), "maxrss_MB":
                             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def percolation(sizes, R, ps, tess):
    rows = []
    for fam, params in [("site", p) for p in ps] + [("tessellation", st) for st in tess]:
        t0 = time.perf_counter()
        if fam == "site":
            masks = {L: site_dilution_masks(params, (L, L), R, seed=L)[0] for L in sizes}
        else:
            s, t = (v * MAT.a for v in params)
            masks = {L: tessellation_masks(s, t, (L, L), MAT.a, R, seed=L)[0] for L in sizes}
        fit = extrapolated_stiffness(masks)
        rows.append({"family": fam, "params": params, "D_over_D0": fit.D, "D_se": fit.D_se,
                     "sigma_over_p_largest_L": fit.sigma_over_p[-1], "sigma_over_p_se": fit.sigma_over_p_se[-1],
                     "excess_k0": fit.excess, "excess_se": fit.excess_se,
                     "finite_k": fit.ratio_mean.round(4).tolist(), "seconds": time.perf_counter() - t0})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def peer(sizes, threads):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from compare_vacancies_magnumnp import run_peer
    from spsll.physics.film import ideal_film_frequency
    from spsll.physics.magnons import spectrum
    for n in sizes:
        r = spsll.dispersion(MAT, 10e-9, 0.0, n_cells=(n, n), keep_power=False)
        KX, KY = np.meshgrid(r.k, r.ky, indexing="ij")
        ref = ideal_film_frequency(MAT, KX, KY)
        m0 = gaussian_state((n, n), MAT.a, 0.1, MAT.a, (n * MAT.a / 2, n * MAT.a / 2))[None]
        out = run_peer(np.ones((1, n, n), np.int8), m0, m0, {"alpha": 1e-3, "duration": 10e-12,
                       "dt_sample": 10e-15, "atol": 1e-5, "rtol": 1e-5}, threads)
        _, _, _, pk = spectrum(out["m_t"][:, :, 0], 10e-15, MAT.a)
        print(json.dumps({"n": n, "spsll_s": r.stats["simulate_s"], "spsll_mae_GHz": float(np.abs(r.peak_frequency - ref).mean() / 1e9),
                          "magnumnp_s": out["info"]["run_s"], "magnumnp_mae_GHz": float(np.abs(pk[0] - ref).mean() / 1e9),
                          "magnumnp_steps": out["info"]["steps"], "spsll_steps": int(r.stats["n_steps"][0])}), flush=True)


def _grid(Ts, ps):
    return np.array([(T / (1 - p), T / p) for T in Ts for p in ps]) * MAT.a


def agreement(R):
    cal = _grid((0.7, 1.5, 3.0, 6.0), (0.95, 0.85, 0.75, 0.65, 0.58))
    m1 = agreement_map(cal[:, 0], cal[:, 1], MAT.a, site_p=(0.95, 0.85, 0.75, 0.65), n_realisations=R, seed=0)
    coef = calibrate(m1.p, m1.T, m1.D, m1.D_se, MAT.a)
    val = _grid((0.5, 1.0, 2.0, 4.0, 8.0), (0.9, 0.8, 0.7, 0.62))
    m2 = agreement_map(val[:, 0], val[:, 1], MAT.a, site_p=(0.9, 0.8, 0.7, 0.62), n_realisations=R, seed=1000,
                       calibration=coef)
    for name, m in (("calibration", m1), ("validation", m2)):
        for i, lab in enumerate(m.label):
            print(json.dumps({"map": name, "point": lab, "p": m.p[i], "T_over_a": m.T[i] / MAT.a, "D": m.D[i],
                              "D_se": m.D_se[i], "sigma_over_p": m.sigma_over_p[i],
                              **{k: float(v[i]) for k, v in m.models.items()}, "explicit_s": m.explicit_s[i]}))
    print(json.dumps({"calibration": coef, "validation_errors": m2.errors(),
                      "calibration_map_errors_uncalibrated": m1.errors(),
                      "explicit_s_per_point": float(m2.explicit_s.mean()),
                      "model_s_per_point": m2.model_s / len(m2.label),
                      "speedup": float(m2.explicit_s.mean() / (m2.model_s / len(m2.label)))}, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["speed", "percolation", "map", "peer"])
    ap.add_argument("--sizes", type=int, nargs="+")
    ap.add_argument("--batch", type=int, nargs="+", default=[1])
    ap.add_argument("--realisations", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.what == "speed":
        speed(a.sizes or [64, 128, 256], a.batch)
    elif a.what == "peer":
        peer(a.sizes or [32, 64], a.threads)
    elif a.what == "map":
        agreement(a.realisations)
    else:
        percolation(a.sizes or [32, 48, 64], a.realisations, [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65],
                    [(4, 1.5), (8, 2), (6, 3), (12, 4), (20, 5), (10, 5)])


if __name__ == "__main__":
    main()
