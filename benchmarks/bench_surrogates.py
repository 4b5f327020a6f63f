"""Benchmark of the three networks against the solver work they replace, per query.

A query is answered by the solver and by a network on the same machine, with the same threads
and device, in the same run:

* forward (TFC dispersion network): (σ, τ) → dispersion; solver: one 10-ps dispersion
  simulation (:func:`spsll.dispersion` in float32, one batch of ``--dispersions``);
* inverse from a dispersion (InverseCNN, the paper's and the compact one: folded onto |k|, half
  the channels): dispersion → (σ, τ); solver: a batched Levenberg–Marquardt fit through the
  simulation (:func:`spsll.physics.inverse.fit_dispersions`);
* inverse from a wall (WallNet, full and compact: 8-16-32-32 channels reading a 64-cell window):
  m_z profile + width → (σ, τ); solver: :func:`spsll.physics.inverse.fit_walls`, and the single
  forward relaxation (:func:`spsll.domain_wall`) as the lower bound of an inversion's cost.

Network speed does not depend on the weights, so the networks are freshly initialised (eval
mode) and fed real solver output; the trained networks' accuracy is in the book (chapters 4–6).
Rates are per second; the ratio is predictions/s ÷ solver queries/s.

    python benchmarks/bench_surrogates.py                      # CPU, 1 thread (~2 min)
    python benchmarks/bench_surrogates.py --device cuda --threads 16
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

import spsll
from spsll.learn import train
from spsll.physics.inverse import fit_dispersions, fit_walls
from spsll.learn.nets import NM, InverseCNN, TFCDispersion, WallNet


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def tile(x, n):
    """x repeated along the batch axis to at least n rows (network rates over a full batch)."""
    return x[np.arange(n) % len(x)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu", help="torch device of the solver and the networks")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (the book's chapters use 1)")
    ap.add_argument("--dispersions", type=int, default=32,
                    help="dispersions simulated (one batch) for the forward rate; 32 is the fastest batch on one CPU thread")
    ap.add_argument("--walls", type=int, default=1200, help="walls relaxed for the forward rate (the test split)")
    ap.add_argument("--fit-dispersions", type=int, default=4, help="dispersions inverted by the solver fit")
    ap.add_argument("--fit-walls", type=int, default=30, help="walls inverted by the solver fit")
    ap.add_argument("--iterations", type=int, default=8, help="batched LM iterations per solver fit (as the book)")
    ap.add_argument("--predictions", type=int, default=10_000, help="network queries per rate")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    mat = spsll.FePt
    g = np.random.default_rng(args.seed)
    box = lambda n: np.column_stack([g.uniform(1, 100, n), g.uniform(0, 20, n)]) * NM  # noqa: E731
    print(f"spsll {spsll.__version__}, torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"device {dev}, {args.threads} thread(s)")

    def rate(model, inputs, batch_size=512):
        # predictions/s of spsll.learn.train.predict (batches of 512 as the book's chapters; the TFC's
        # chapter predicts 10,000 pairs in one batch)
        model.to(dev)
        r = train.prediction_rate(model, inputs, batch_size=batch_size, device=dev)
        sync()
        return r

    rows = []
    # forward: TFC vs dispersion simulations
    st = box(args.dispersions)
    # the solver's fastest setting at the data's accuracy: float32, one batch (chapters 2 and 5)
    d, t_sim = timed(lambda: spsll.dispersion(mat, st[:, 0], st[:, 1], keep_power=False, dtype="float32",
                                              batch_size=len(st), device=dev))
    sim_rate = args.dispersions / t_sim
    tfc = TFCDispersion(material=mat, k=d.k).eval()
    rows.append(("TFC dispersion", "dispersion simulation", rate(tfc, box(args.predictions), batch_size=args.predictions), sim_rate))

    # inverse from a dispersion: CNN vs fit_dispersions
    curves = np.asarray(d.peak_frequency)
    n_fit = min(args.fit_dispersions, len(curves))
    _, t_fit = timed(lambda: fit_dispersions(mat, d.k, curves[:n_fit], max_iter=args.iterations, device=dev))
    x = tile(curves, min(args.predictions, 1000))
    for name, net in [("InverseCNN", InverseCNN(length=curves.shape[1])),
                      ("InverseCNN compact", InverseCNN(length=curves.shape[1], channels=(32, 64, 128, 64), fold_k=True))]:
        rows.append((name, "fit_dispersions inversion", rate(net.eval(), x), n_fit / t_fit))

    # inverse from a wall: WallNet (full, compact) vs fit_walls and the forward relaxation
    st = box(args.walls)
    w, t_relax = timed(lambda: spsll.domain_wall(mat, st[:, 0], st[:, 1], device=dev))
    relax_rate = args.walls / t_relax
    mz = np.asarray(w.m[:, 2])
    n_fit = min(args.fit_walls, len(mz))
    _, t_fit = timed(lambda: fit_walls(mat, mz[:n_fit], max_iter=args.iterations, device=dev))
    wall_inv_rate = n_fit / t_fit
    x = tile(np.concatenate([mz, np.asarray(w.width)[:, None]], 1), min(args.predictions, 1200))
    for name, net in [("WallNet", WallNet(length=mz.shape[1])),
                      ("WallNet compact", WallNet(length=mz.shape[1], channels=(8, 16, 32, 32), window=64))]:
        r = rate(net.eval(), x)
        rows.append((name, "fit_walls inversion", r, wall_inv_rate))
        rows.append((name, "one relaxation", r, relax_rate))

    print(f"\n{'network':<19} {'solver query':<27} {'predictions/s':>14} {'solver/s':>10} {'ratio':>9}")
    for name, query, r, s in rows:
        print(f"{name:<19} {query:<27} {r:>14.3g} {s:>10.3g} {r / s:>9.3g}")


if __name__ == "__main__":
    main()
