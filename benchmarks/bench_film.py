"""2-D films: time per film per 10 ps of LL dynamics and its memory, and the percolation
check's table.

Speed: ideal and site-diluted (p = 0.8) FePt films (nx = ny = n), the recipe's dynamics
(α = 0.001, Gaussian m_x excitation, adaptive DOPRI5 with rtol 1e-5 and atol 1e-9) in
float64 and float32; the integration only (one observed cell, so recording does not
count), batch B; seconds per film per 10 ps (``--record``: of the whole recipe,
:func:`spsll.dispersion`), wall and CPU (``--duration`` is simulated and the time scaled
to 10 ps; CPU time of one thread is what other processes on a shared machine disturb
least), steps, and memory: each configuration runs in its own process, which reports its
resident set before the run and its peak (ru_maxrss) after it, and the size of one copy
of the state (B, 3, n, n).

Percolation: D(k → 0)/D₀ of explicit films
(:func:`spsll.physics.stiffness.extrapolated_stiffness`) against Σ/P∞ on the same masks,
for site dilution at several p and for tessellations.

    python benchmarks/bench_film.py speed [--sizes 256 512] [--batch 1 8 32]
                                          [--duration 1e-12] [--record [--chunk C]]
    python benchmarks/bench_film.py percolation [--sizes 32 48 64] [--realisations 24]
    python benchmarks/bench_film.py map [--realisations 16] [--sizes 32 48 64]
                                        [--coarse-sizes 64 96 128]

The comparison with magnum.np at equal accuracy is ``bench_film_peer.py``.

Map (the question of issue 13): explicit k → 0 stiffness against mean field, SPS-LL
(parseval, 64² film), EMA and the calibrated percolation kernel
(:mod:`spsll.physics.agreement`). The kernel is calibrated on one map (T/a = 0.7, 1.5,
3, 6; p = 0.95 … 0.58; site p = 0.95 … 0.65; seed 0) and measured on another (T/a = 0.5,
1, 2, 4, 8; p = 0.9, 0.8, 0.7, 0.62; site p = 0.9 … 0.62; seed 1000); explicit seconds
per point against the models' seconds, side by side.
"""
from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
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


def speed_one(n, B, kind, dtype, duration, record=False, chunk=None, p_mask=0.8):
    """One configuration, in this process: seconds per film per 10 ps and memory (dict).

    The integration only (one observed cell, so recording does not count), or with
    ``record`` the whole recipe, :func:`spsll.dispersion` (m_x of every cell every 10
    fs, the spectrum and its peaks; ``keep_power=False``, the B films in chunks of
    ``chunk``, default all at once).
    Memory: the process' resident set before the run and its peak (ru_maxrss) after it,
    and one copy of the state (B, 3, n, n) for scale.  ``duration`` [s] is simulated and
    the time scaled to 10 ps."""
    tdt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    m0 = gaussian_state((n, n), MAT.a, 0.1, MAT.a, (n * MAT.a / 2, n * MAT.a / 2))
    mask = None if kind == "ideal" else site_dilution_masks(p_mask, (n, n), B, 0)[0]
    y0 = np.broadcast_to(m0, (B,) + m0.shape) * (1 if mask is None else mask[:, None])
    y0 = torch.as_tensor(np.array(y0), dtype=tdt)
    rss0 = _rss_now_MB()
    t0, c0 = time.perf_counter(), time.process_time()
    if record:
        r = spsll.dispersion(MAT, np.full(B, 10e-9), np.zeros(B), n_cells=(n, n),
                             duration=duration, dtype=dtype, mask=mask,
                             keep_power=False, batch_size=chunk or B)
        steps = int(r.stats["n_steps"].max())
    else:
        field = build_field(MAT, (n, n), None, mask=mask, dtype=tdt)
        sol = dopri5(LandauLifshitz(field, 1e-3), y0, [0.0, duration], rtol=1e-5,
                     atol=1e-9, observe=lambda m: m[:, 0, :1, :1], linear_observe=True)
        steps = int(sol.n_steps.max())
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    per_10ps = 10e-12 / duration / B
    return {"n": n, "batch": B, "kind": kind, "dtype": dtype, "record": record,
            "chunk": (chunk or B) if record else B,
            "duration_ps": duration / 1e-12, "s_per_film_per_10ps": dt * per_10ps,
            "cpu_s_per_film_per_10ps": cpu * per_10ps, "steps": steps,
            "state_MB": y0.numel() * y0.element_size() / 2**20, "rss_before_MB": rss0,
            "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "threads": torch.get_num_threads()}


def _rss_now_MB():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def speed(sizes, batches, dtypes, kinds, duration, threads, record=False, chunk=None):
    """Every configuration in its own process (so that each peak memory is its own), one
    at a time; prints and returns one dict per configuration."""
    rows = []
    for n, B, dtype, kind in itertools.product(sizes, batches, dtypes, kinds):
        cmd = [sys.executable, __file__, "speed-one", "--sizes", str(n),
               "--batch", str(B), "--dtypes", dtype, "--kinds", kind,
               "--duration", repr(duration), "--threads", str(threads)]
        cmd += ["--record"] if record else []
        cmd += ["--chunk", str(chunk)] if chunk else []
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
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


def _grid(Ts, ps):
    return np.array([(T / (1 - p), T / p) for T in Ts for p in ps]) * MAT.a


def agreement(R, sizes=(32, 48, 64), coarse=(64, 96, 128)):
    cal = _grid((0.7, 1.5, 3.0, 6.0), (0.95, 0.85, 0.75, 0.65, 0.58))
    kw = dict(sizes=tuple(sizes), coarse_sizes=tuple(coarse), n_realisations=R)
    m1 = agreement_map(cal[:, 0], cal[:, 1], MAT.a, site_p=(0.95, 0.85, 0.75, 0.65),
                       seed=0, **kw)
    coef = calibrate(m1.p, m1.T, m1.D, m1.D_se, MAT.a)
    val = _grid((0.5, 1.0, 2.0, 4.0, 8.0), (0.9, 0.8, 0.7, 0.62))
    m2 = agreement_map(val[:, 0], val[:, 1], MAT.a, site_p=(0.9, 0.8, 0.7, 0.62),
                       seed=1000, calibration=coef, **kw)
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["speed", "speed-one", "percolation", "map"])
    ap.add_argument("--sizes", type=int, nargs="+")
    ap.add_argument("--batch", type=int, nargs="+", default=[1])
    ap.add_argument("--dtypes", nargs="+", default=["float64", "float32"],
                    choices=["float64", "float32"])
    ap.add_argument("--kinds", nargs="+", default=["ideal", "site"],
                    choices=["ideal", "site"])
    ap.add_argument("--duration", type=float, default=10e-12,
                    help="simulated time [s] (speed)")
    ap.add_argument("--record", action="store_true",
                    help="speed: the whole recipe (spsll.dispersion)")
    ap.add_argument("--chunk", type=int, help="speed --record: films per chunk")
    ap.add_argument("--coarse-sizes", type=int, nargs="+", default=[64, 96, 128],
                    help="map: the tori of tessellations with T > 2a")
    ap.add_argument("--realisations", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.what == "speed":
        speed(a.sizes or [64, 128, 256], a.batch, a.dtypes, a.kinds, a.duration,
              a.threads, a.record, a.chunk)
    elif a.what == "speed-one":
        print(json.dumps(speed_one(a.sizes[0], a.batch[0], a.kinds[0], a.dtypes[0],
                                   a.duration, a.record, a.chunk)))
    elif a.what == "map":
        agreement(a.realisations, a.sizes or (32, 48, 64), a.coarse_sizes)
    else:
        percolation(a.sizes or [32, 48, 64], a.realisations, [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65],
                    [(4, 1.5), (8, 2), (6, 3), (12, 4), (20, 5), (10, 5)])


if __name__ == "__main__":
    main()
