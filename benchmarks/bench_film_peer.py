"""2-D films against magnum.np at equal accuracy: the recipe's cost at one MAE.

The same ideal FePt film (nx = ny = n, periodic), the same recipe (Gaussian m_x
excitation of amplitude 0.1 and width a at the centre, α = 0.001, 10 ps recorded every
10 fs) and the same analysis (:func:`spsll.physics.magnons.spectrum`: Hann-windowed FFT,
log-parabolic peak) in both programs; the accuracy of a run is the MAE of its peak
frequency over the whole zone against the lattice formula f(kx, ky) of
:func:`spsll.physics.film.ideal_film_frequency`, and, as a second column, against the
tightest spsll float64 run of the same size and batch ("MAE vs ref": the integration
error alone, without the analysis' own floor). Each program's accuracy knob is swept:

* spsll: the recipe of :func:`spsll.dispersion` (adaptive DOPRI5, per-sample step
  control, dense output) with rtol in ``--rtols`` and atol = 1e-4 rtol (the default pair
  is 1e-5, 1e-9), in float64 and float32;
* magnum.np (its own process and venv, ``peer_magnumnp_film.py``): the RKF45 solver (its
  default; max-norm error control, stepping to each sampling time) and its TorchDiffEq
  dopri5 solver (RMS error control, dense output), atol = rtol = tol in ``--tols``; and
  "dopri5-atol", the latter with spsll's pair atol = 1e-4 rtol (with atol = rtol, an RMS
  norm over all cells lets the few excited ones drift: its MAE grows with the film).

Cost is the CPU seconds of the time loop per film (integration and recording;
magnum.np's after a warm-up that triggers its torch.compile), both on ``--threads``
threads (default 1), run one after the other in the same invocation; wall seconds are
printed too. CPU time, because the machine is shared: other processes stretch wall time,
much less a single thread's CPU time. For each program the Pareto front (cheapest cost
for an MAE at most m) is interpolated log-log at the MAE targets ``--targets`` [GHz];
the summary gives both costs and their ratio at each target that both fronts reach.
``--batch B`` (> 1): spsll integrates B films in one batch, magnum.np B films one after
another (its mesh is one film); cost per film.

    python benchmarks/bench_film_peer.py [--sizes 64 128] [--batch 1 8] [--threads 1]
        [--rtols ...] [--tols ...] [--solvers ...] [--peer-runs RKF45=1e-7 ...]
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import spsll
from spsll.physics.film import ideal_film_frequency
from spsll.physics.fields import build_field
from spsll.physics.integrate import LandauLifshitz, SolverDivergedError, dopri5
from spsll.physics.magnons import gaussian_state, spectrum

HERE = Path(__file__).resolve().parent
PEER_PY = HERE / ".peer-venv" / "bin" / "python"
MAT = spsll.FePt
DT_SAMPLE = 10e-15
ALPHA = 1e-3
#: magnum.np's solvers: name -> (its solver, atol / rtol)
SOLVERS = {"RKF45": ("RKF45", 1.0), "dopri5": ("dopri5", 1.0),
           "dopri5-atol": ("dopri5", 1e-4)}


def initial_state(n):
    """The recipe's Gaussian (3, n, n) at the centre of an n × n film."""
    return gaussian_state((n, n), MAT.a, 0.1, MAT.a, (n * MAT.a / 2, n * MAT.a / 2))


def reference(n):
    """f(kx, ky) [Hz] of the ideal film on the fftshifted n × n grid of the analysis."""
    k = np.fft.fftshift(2 * math.pi * np.fft.fftfreq(n, d=MAT.a))
    KX, KY = np.meshgrid(k, k, indexing="ij")
    return ideal_film_frequency(MAT, KX, KY)


def spsll_point(n, B, rtol, dtype, duration):
    """One spsll run of B identical ideal films, the steps of :func:`spsll.dispersion`
    (its field, initial state, integrator call and analysis; timed around the
    integration and recording alone, as ``stats["simulate_s"]`` is).

    Returns (wall and CPU seconds per film, peak frequency of film 0, right-hand-side
    evaluations), or None where the tolerance cannot be met in this precision."""
    tdt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    field = build_field(MAT, (n, n), None, dtype=tdt)
    y0 = torch.as_tensor(np.repeat(initial_state(n)[None], B, axis=0), dtype=tdt)
    t_eval = np.arange(int(round(duration / DT_SAMPLE))) * DT_SAMPLE
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        sol = dopri5(LandauLifshitz(field, ALPHA), y0, t_eval, rtol=rtol,
                     atol=1e-4 * rtol, observe=lambda m: m[:, 0], linear_observe=True)
    except SolverDivergedError as err:
        print(json.dumps({"n": n, "batch": B, "program": "spsll", "rtol": rtol,
                          "dtype": dtype, "failed": str(err)[:120]}), flush=True)
        return None
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    pk = spectrum(sol.y[:1], DT_SAMPLE, MAT.a)[3][0]
    return wall / B, cpu / B, pk, sol.n_evals


def peer_points(n, jobs, threads, duration):
    """Run magnum.np's ``jobs`` ({solver, tol, films, ...}) on the ideal n × n film in
    one process; returns (its info.json, the peak frequency of each run's 1st film)."""
    if not PEER_PY.exists():
        raise FileNotFoundError(f"magnum.np environment missing at {PEER_PY.parents[1]}"
                                " (make peer; see benchmarks/peer_magnumnp.py)")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        np.save(d / "masks.npy", np.ones((1, n, n), np.int8))
        np.save(d / "m0.npy", initial_state(n)[None])
        prm = {"alpha": ALPHA, "duration": duration, "dt_sample": DT_SAMPLE}
        (d / "params.json").write_text(json.dumps({**prm, "runs": jobs}))
        cmd = [str(PEER_PY), str(HERE / "peer_magnumnp_film.py"), "--in", str(d),
               "--out", str(d / "out"), "--threads", str(threads)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        info = json.loads((d / "out" / "info.json").read_text())
        mx = (np.load(d / "out" / f"mx_{i}.npy")[None] for i in range(len(jobs)))
        peaks = [spectrum(x, DT_SAMPLE, MAT.a)[3][0] for x in mx]
    return info, peaks


def front_cost(points, target):
    """Cost at MAE ``target`` on the Pareto front of ``points`` [(mae, cost)]: the
    cheapest cost whose MAE is at most ``target``, interpolated log-log between the two
    front points around it; None if no point is that accurate."""
    pts = sorted(points)
    front = [p for i, p in enumerate(pts) if all(p[1] < q[1] for q in pts[:i])]
    if not front or target < front[0][0]:
        return None
    for (m0, c0), (m1, c1) in zip(front, front[1:]):
        if m0 <= target <= m1:
            w = math.log(target / m0) / math.log(m1 / m0)
            return math.exp((1 - w) * math.log(c0) + w * math.log(c1))
    return front[-1][1]


def sweep(n, B, a, rtols, tols):
    """Both programs' runs for n × n films in batches of B: one dict a run."""
    ref_f = reference(n)
    rows, best = [], None
    for dtype in ("float64", "float32"):
        for rtol in sorted(rtols):  # tightest first: float64's is "vs ref"'s reference
            out = spsll_point(n, B, rtol, dtype, a.duration)
            if out is None:
                continue
            s, c, pk, evals = out
            best = pk if best is None else best
            rows.append({"n": n, "batch": B, "program": "spsll",
                         "knob": f"{dtype} rtol={rtol:g}", "s_per_film": s,
                         "cpu_s_per_film": c, "rhs_evals": evals, "pk": pk})
    pairs = a.peer_runs or [(sv, t) for sv in a.solvers for t in tols]
    jobs = [{"solver": SOLVERS[sv][0], "atol_factor": SOLVERS[sv][1], "tol": t,
             "films": B, "name": sv} for sv, t in pairs]
    info, peaks = peer_points(n, jobs, a.threads, a.duration)
    for run, pk in zip(info["runs"], peaks):
        rows.append({"n": n, "batch": B, "program": "magnum.np",
                     "knob": f"{run['name']} tol={run['tol']:g}",
                     "s_per_film": run["run_s"] / B, "cpu_s_per_film": run["cpu_s"] / B,
                     "rhs_evals": run["evals_per_film"][0], "pk": pk})
    for r in rows:
        pk = r.pop("pk")
        r["mae_GHz"] = float(np.abs(pk - ref_f).mean() / 1e9)
        r["mae_vs_ref_GHz"] = float(np.abs(pk - best).mean() / 1e9)
        print(json.dumps(r), flush=True)
    return rows


def summary(rows, targets, cost="cpu_s_per_film"):
    """Per (n, batch) and MAE target: each program's interpolated cost (``cost``: CPU
    seconds per film by default, which other processes on a shared machine disturb less
    than wall seconds) and the ratio.  A target above all of a program's MAEs gets the
    cost of its cheapest run, an upper bound (no looser run was made): marked "<=" in
    the table, ``*_upper_bound`` in the dict."""
    out = []
    for n, B in sorted({(r["n"], r["batch"]) for r in rows}):
        pts = {p: [(r["mae_GHz"], r[cost]) for r in rows
                   if (r["n"], r["batch"], r["program"]) == (n, B, p)]
               for p in ("spsll", "magnum.np")}
        for t in targets:
            c_s, c_m = front_cost(pts["spsll"], t), front_cost(pts["magnum.np"], t)
            out.append({"n": n, "batch": B, "target_mae_GHz": t,
                        "spsll_s_per_film": c_s, "magnumnp_s_per_film": c_m,
                        "magnumnp_over_spsll": c_m / c_s if c_s and c_m else None,
                        "spsll_upper_bound": t > max(m for m, _ in pts["spsll"]),
                        "magnumnp_upper_bound":
                            t > max(m for m, _ in pts["magnum.np"])})
    print(f"{'n':>4} {'B':>3} {'MAE GHz':>8} {'spsll':>13} {'magnum.np':>13} "
          f"{'ratio':>8}   ({cost})")

    def f(v, w, ub=False):
        if v is None:
            return f"{'not reached':>{w}}"
        return f"{('<=' if ub else '') + format(v, '.3g'):>{w}}"

    for o in out:
        print(f"{o['n']:>4} {o['batch']:>3} {o['target_mae_GHz']:>8.3g} "
              f"{f(o['spsll_s_per_film'], 13, o['spsll_upper_bound'])} "
              f"{f(o['magnumnp_s_per_film'], 13, o['magnumnp_upper_bound'])} "
              f"{f(o['magnumnp_over_spsll'], 8)}")
    return out


def _solver_tol(text):
    name, _, tol = text.partition("=")
    if name not in SOLVERS:
        raise argparse.ArgumentTypeError(
            f"solver must be one of {list(SOLVERS)}, got {name!r}")
    try:
        return name, float(tol)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected solver=tol with a number tol, got {text!r}") from None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    floats = dict(type=float, nargs="+")
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--rtols", **floats, default=[1e-4, 1e-5, 1e-6, 1e-7])
    ap.add_argument("--tols", **floats, default=[1e-5, 1e-6, 1e-7, 1e-8])
    ap.add_argument("--batch-rtols", **floats, default=[1e-5, 1e-6],
                    help="spsll's rtols for batches B > 1")
    ap.add_argument("--batch-tols", **floats, default=[1e-7, 1e-8],
                    help="magnum.np's tols for batches B > 1")
    ap.add_argument("--solvers", nargs="+", default=list(SOLVERS),
                    choices=list(SOLVERS))
    ap.add_argument("--peer-runs", nargs="+", type=_solver_tol, metavar="SOLVER=TOL",
                    help="magnum.np's runs as solver=tol pairs (e.g. RKF45=1e-7), "
                         "instead of --solvers × --tols (--batch-tols), every batch")
    ap.add_argument("--targets", **floats, default=[1.2, 1.5, 2.0, 5.0, 10.0])
    ap.add_argument("--duration", type=float, default=10e-12)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    rows = []
    for n in a.sizes:
        for B in a.batch:
            rows += sweep(n, B, a, a.rtols if B == 1 else a.batch_rtols,
                          a.tols if B == 1 else a.batch_tols)
    out = summary(rows, a.targets)
    print(json.dumps({"threads": a.threads, "torch_threads": torch.get_num_threads(),
                      "total_s": time.perf_counter() - t0}))
    return rows, out


if __name__ == "__main__":
    main()
