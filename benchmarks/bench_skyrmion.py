"""Skyrmions: time per relaxed skyrmion, and the cost of the existence map.

Relax: the ideal CoPt film (n × n cells of 1 nm, periodic), a Néel skyrmion started at
the ODE radius, relaxed to max ‖m × H‖/Ms < 1e-6 with the Barzilai–Borwein minimiser;
batch B (B copies relax together, as the map batches realisations), float64 and
float32 (float32 stops at 1e-4: its round-off floor); seconds per skyrmion, iterations,
and the radius (the float32 radius against float64 is its accuracy).

Map: :func:`spsll.physics.skyrmion_map.existence_map` at the given grid (the paper
profile of chapter 9 by default: 6 × 6 (σ, τ) × 3 D, 12 tessellations per point, 64²
films), then the surrogate's leave-one-out scores and its speed per query against the
solver's seconds per (σ, τ, D) point, and with several D the identifiability medians and
the held-out inversion scores, in the same run; ``--out`` writes the summary as JSON.

    python benchmarks/bench_skyrmion.py relax [--sizes 128 256] [--batch 1 8]
    python benchmarks/bench_skyrmion.py map [--realisations 12] [--n 64] [--D 2.6 3 3.4]
    python benchmarks/bench_skyrmion.py relax --device cuda      # on a GPU
    python benchmarks/bench_skyrmion.py minimiser [--n 48] [--realisations 4]

Minimiser: does a film's fate depend on the minimiser's step?  The same explicit
tessellated films (ci grid of chapter 9 by default: σ 10, 30, 100 nm × τ 1, 3, 10 nm at
CoPt's D) relaxed with the Barzilai–Borwein steps capped at the default 1000 step0
(3000 iterations, as the map) and at a cap 100 times smaller (20 000 iterations); the
state counts of both and the films whose state differs.  Measured (48² films, 4 per
point, idle machine, one thread): 33 of 36 films end in the same state; 12 survive with
the default cap and 11 with the smaller one (one survivor collapses; the two unwound
films end isolated and collapsed), 10.7 s against 47.0 s.  The survival fraction moves by
one film in 36 (3 %), well inside the Wilson intervals of the map's points.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from spsll.learn.skyrmion_identifiability import inversion_scores, local_identifiability
from spsll.learn.skyrmion_surrogate import SkyrmionSurrogate, leave_one_out
from spsll.physics.material import CoPt
from spsll.physics.radial import radial_skyrmion_for
from spsll.physics.skyrmion import relax_skyrmion
from spsll.physics.skyrmion_defects import STATES, defect_skyrmions
from spsll.physics.skyrmion_map import existence_map

NM = 1e-9
SIGMA = [5, 10, 20, 40, 70, 100]  # nm: the paper profile of chapter 9
TAU = [0.5, 1, 2, 4, 8, 16]
DMI = [2.6, 3.0, 3.4]  # mJ/m²


def relax_rows(sizes, batches, device="cpu"):
    r0 = radial_skyrmion_for(CoPt).radius
    rows = []
    for n in sizes:
        for B in batches:
            for dtype, tol in ((torch.float64, 1e-6), (torch.float32, 1e-4)):
                t0 = time.perf_counter()
                res = relax_skyrmion(CoPt, (n, n), np.full(B, r0), tol=tol, dtype=dtype,
                                     device=device)
                if device != "cpu":
                    torch.cuda.synchronize()
                dt = time.perf_counter() - t0
                rows.append({"n": n, "B": B, "dtype": str(dtype).split(".")[-1],
                             "tol": tol,
                             "seconds_per_skyrmion": dt / B,
                             "iterations": int(res.iterations.max()),
                             "radius_nm": float(res.radius[0] / NM),
                             "converged": bool(res.converged.all())})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def map_summary(n, realisations, sigma, tau, D=DMI, seed=0, max_iter=3000, tol=1e-3):
    t0 = time.perf_counter()
    em = existence_map(CoPt, np.asarray(sigma) * NM, np.asarray(tau) * NM,
                       D_values=np.asarray(D) * 1e-3, n=n, n_realisations=realisations,
                       seed=seed, tol=tol, max_iter=max_iter)
    total = time.perf_counter() - t0
    out = em.summary()
    out["total_seconds"] = total
    ex = em.maps["explicit"]
    degree = 2 if em.sigma.size >= 16 else 1
    cv = leave_one_out(CoPt, em.sigma, em.tau, ex.survived, ex.films, ex.radius,
                       degree=degree, D=em.D)
    cv.pop("predictions")
    solver = ex.seconds / em.sigma.size
    cv["solver_seconds_per_point"] = solver
    cv["speedup"] = solver / cv["seconds_per_query"]["surrogate"]
    out["surrogate"] = cv
    if em.D_grid.size > 1:
        sur = SkyrmionSurrogate(degree).fit(em.sigma, em.tau, ex.survived, ex.films,
                                            ex.radius, D=em.D)
        out["identifiability"] = local_identifiability(sur, em.sigma, em.tau,
                                                       em.D)["median"]
        inv = inversion_scores(em.sigma, em.tau, em.D, ex.survived, ex.films, ex.radius,
                               degree=degree)
        out["inversion"] = {k: inv[k] for k in ("inverse", "prior_mean", "ratio")}
    out["D_mJ_m2_per_point"] = (em.D * 1e3).tolist()
    out["per_point"] = {m: {"probability": mm.probability.tolist(),
                            "lo": mm.lo.tolist(), "hi": mm.hi.tolist(),
                            "radius_nm": (mm.radius / NM).tolist()}
                        for m, mm in em.maps.items()}
    return out


def minimiser_rows(n, realisations, sigma, tau, seed=0, tol=1e-3):
    """State counts of the same explicit films under the default and a 100× smaller
    Barzilai–Borwein step cap (module doc)."""
    sg, tg = np.meshgrid(np.asarray(sigma) * NM, np.asarray(tau) * NM, indexing="ij")
    r0 = relax_skyrmion(CoPt, (n, n), radial_skyrmion_for(CoPt).radius, tol=tol).radius[0]
    out, states = {}, {}
    for name, step0, max_iter in (("default cap", None, 3000),
                                  ("cap / 100", 1e-5 / CoPt.Ms, 20_000)):
        t0 = time.perf_counter()
        res = defect_skyrmions(CoPt, sg.ravel(), tg.ravel(), model="explicit", n=n,
                               n_realisations=realisations, radius0=r0, seed=seed,
                               tol=tol, max_iter=max_iter, step0=step0)
        states[name] = np.asarray(res.state).ravel()
        out[name] = {"seconds": time.perf_counter() - t0,
                     "counts": {STATES[k]: int((states[name] == k).sum())
                                for k in range(len(STATES))},
                     "converged": float(np.mean(res.converged))}
    a, b = states.values()
    out["films"], out["same_state"] = int(a.size), int((a == b).sum())
    out["changes"] = [f"{STATES[x]} -> {STATES[y]}" for x, y in zip(a[a != b], b[a != b])]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["relax", "map", "minimiser"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--realisations", type=int, default=12)
    ap.add_argument("--sigma", type=float, nargs="+", default=SIGMA)
    ap.add_argument("--tau", type=float, nargs="+", default=TAU)
    ap.add_argument("--D", type=float, nargs="+", default=DMI, help="DMI (mJ/m²)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.what == "relax":
        result = relax_rows(args.sizes, args.batch, args.device)
    elif args.what == "minimiser":
        result = minimiser_rows(args.n, args.realisations, args.sigma, args.tau)
        print(json.dumps(result, indent=1))
    else:
        result = map_summary(args.n, args.realisations, args.sigma, args.tau, args.D)
        print(json.dumps(result, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
