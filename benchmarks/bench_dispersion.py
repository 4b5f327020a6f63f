"""Speed and accuracy of batched ideal dispersion runs: spsll against magnum.np, in one run.

Both programs simulate the same physics (FePt exchange + K_eff on a periodic 500-cell chain of
spacing a, α = 0.001, Gaussian m_x excitation of amplitude 0.1, 10 ps recorded every 10 fs), and
both recordings go through the same analysis (:func:`spsll.physics.magnons.spectrum`), so the accuracy
against f(k) compares the integrators only.  magnum.np runs in its own process and virtual
environment (``benchmarks/.peer-venv``, see ``peer_magnumnp.py``; ``--setup-peer`` creates it),
because importing it changes torch's global defaults.  Timings are the simulation loops only;
set-up (magnum.np compiles its field terms) and analysis are reported separately.

Also reported: ms per simulation of the paper's two jobs (a 10-ps dispersion, a relaxed wall) at
batch 1 and at large batch, and a plain fixed-step RK4 baseline at the sampling interval.

    python benchmarks/bench_dispersion.py [--batch 256] [--skip-peer] [--setup-peer]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import spsll
from spsll.physics.magnons import spectrum

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".peer-venv"
NM = 1e-9


def setup_peer():
    py = PEER_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("torch==2.13.0\n")
    pip = [str(PEER_VENV / "bin" / "pip"), "install", "-q"]
    subprocess.run(pip + ["torch==2.13.0"], check=True)
    subprocess.run(pip + ["-c", fh.name, "magnumnp", "numpy"], check=True)


def mae_ghz(peaks, k):
    err = np.abs(peaks - spsll.FePt.ideal_frequency(k))
    return err.mean() / 1e9, err.max() / 1e9


def run_peer(batch, threads):
    py = PEER_VENV / "bin" / "python"
    if not py.exists():
        raise SystemExit(f"magnum.np environment missing: run with --setup-peer (creates {PEER_VENV})")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([str(py), str(HERE / "peer_magnumnp.py"), "--batch", str(batch), "--out", d,
                        "--threads", str(threads), "--save-dtype", "float32"], check=True)
        timing = json.loads(Path(d, "magnumnp_timing.json").read_text())
        mx = np.load(Path(d, "magnumnp_mx.npy"))
    k, f, P, peaks = spectrum(mx, 10e-15, spsll.FePt.a)
    return timing, mae_ghz(peaks, k)


def run_spsll(batch, repeat=1, **kw):
    """One batched run per repeat; the stats of the run with the median simulation time."""
    sig = np.full(batch, 10 * NM)
    tau = np.zeros(batch)
    runs = []
    for _ in range(repeat):
        r = spsll.dispersion(spsll.FePt, sig, tau, keep_power=False, batch_size=batch, **kw)
        runs.append((r.stats["simulate_s"], r))
    runs.sort(key=lambda x: x[0])
    r = runs[len(runs) // 2][1]
    return r.stats, mae_ghz(r.peak_frequency, r.k)


def run_walls(batch):
    rng = np.random.default_rng(0)
    sig = rng.uniform(1, 100, batch) * NM
    tau = rng.uniform(0, 20, batch) * NM
    t0 = time.perf_counter()
    spsll.domain_wall(spsll.FePt, sig, tau, batch_size=batch)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-peer", action="store_true", help="do not run magnum.np")
    ap.add_argument("--setup-peer", action="store_true", help="create the magnum.np environment first")
    ap.add_argument("--repeat", type=int, default=3,
                    help="spsll runs per configuration; the median time is reported (the machine's noise is ~10 %%)")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.setup_peer:
        setup_peer()
    B = args.batch
    rows = []

    def row(name, ms, acc, note=""):
        rows.append({"program": name, "ms_per_sim": ms, "mae_GHz": acc[0], "max_err_GHz": acc[1], "note": note})
        print(f"{name:34s} {ms:9.1f} ms/sim   MAE {acc[0]:6.2f} GHz   max {acc[1]:6.1f} GHz   {note}", flush=True)

    print(f"batch {B} ideal FePt dispersions, 500 cells, 10 ps sampled every 10 fs, "
          f"torch {torch.__version__}, {args.threads} threads; spsll: median of {args.repeat} runs")
    st, acc = run_spsll(B, args.repeat, rtol=1e-5)
    spsll_ms = st["simulate_s"] / B * 1e3
    row("spsll dopri5 rtol=1e-5 float64", spsll_ms, acc,
        f"{st['n_evals']} RHS evals, analysis {st['analyse_s'] / B * 1e3:.1f} ms/sim")
    st, acc = run_spsll(B, args.repeat, rtol=1e-5, dtype="float32")
    f32_ms = st["simulate_s"] / B * 1e3
    row("spsll dopri5 rtol=1e-5 float32", f32_ms, acc, f"{st['n_evals']} RHS evals")
    st, acc = run_spsll(B, method="rk4", dt=10e-15)
    row("plain RK4 dt=10 fs (torch, spsll RHS)", st["simulate_s"] / B * 1e3, acc, f"{st['n_evals']} RHS evals")
    peer_ms = None
    if not args.skip_peer:
        timing, acc = run_peer(B, args.threads)
        peer_ms = timing["ms_per_simulation"]
        row(f"magnum.np {timing.get('version', '')} {timing.get('integrator', '')}", peer_ms, acc,
            f"set-up {timing.get('setup_s', float('nan')):.1f} s not counted")
        print(f"\nspeed-up over magnum.np: spsll float64 {peer_ms / spsll_ms:.1f}x, float32 {peer_ms / f32_ms:.1f}x "
              "(both at the MAE in the table; magnum.np runs in float64)")

    # the paper's two jobs, per simulation
    st, _ = run_spsll(1, rtol=1e-5)
    one_disp = st["simulate_s"] * 1e3
    t_wall1 = run_walls(1) * 1e3
    t_walls = run_walls(1000) / 1000 * 1e3
    print(f"\npaper jobs: dispersion {one_disp:.0f} ms at batch 1, {spsll_ms:.1f} ms/sim at batch {B}; "
          f"relaxed wall {t_wall1:.0f} ms at batch 1, {t_walls:.2f} ms/sim at batch 1000")
    out = {"batch": B, "rows": rows, "speedup_vs_magnumnp": None if peer_ms is None else peer_ms / spsll_ms,
           "speedup_float32_vs_magnumnp": None if peer_ms is None else peer_ms / f32_ms,
           "dispersion_ms_batch1": one_disp, "wall_ms_batch1": t_wall1, "wall_ms_batch1000": t_walls}
    if args.json:
        tmp = args.json + ".tmp"
        Path(tmp).write_text(json.dumps(out, indent=2))
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
