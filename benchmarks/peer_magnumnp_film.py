"""Peer program: the dispersion recipe on 2-D films in magnum.np, film after film.

The magnum.np side of ``bench_film_peer.py`` (runs in magnum.np's own virtual
environment, ``benchmarks/.peer-venv``; see ``peer_magnumnp.py`` for why and how). Each
film b is its own (Nx, Ny, 1) mesh of a × a × a cells, periodic in x and y (one layer:
no neighbour along z), with Ms, A, Ku = 0 on vacant cells
(``peer_magnumnp_vacancies.py`` explains how magnum.np treats them). From ``m0`` it
integrates LLG for ``duration`` and records m_x every ``dt_sample``; setting its γ to
γμ0 (1 + α²) makes magnum.np's γ' = γ/(1 + α²) = γμ0, spsll's LL equation.

Solvers and their accuracy knob ``tol`` = rtol = atol (atol = ``atol_factor`` tol if a
run gives that factor): "RKF45", magnum.np's default (embedded 4(5) Fehlberg pair,
max-norm error |e| / (atol + rtol |m|) ≤ 1, stepping to each sampling time with
``LLGSolver.step``, magnum.np's way of recording), or "dopri5", its ``TorchDiffEq``
solver (torchdiffeq's Dormand–Prince 5(4), RMS error norm, dense output at the sampling
times through ``LLGSolver.solve``: the same method as spsll's integrator).

Inputs (``--in DIR``): ``masks.npy`` 0/1 (M, Nx, Ny), ``m0.npy`` (M, 3, Nx, Ny),
``params.json`` with alpha, duration, dt_sample and ``runs``, a list of {solver, tol,
films[, atol_factor]}: each run integrates ``films`` films one after another (film b
takes masks[b % M] and m0[b % M]). One process does all runs, so magnum.np's
import (about 5 s) is paid once.

Outputs (``--out DIR``): ``mx_<i>.npy`` (T, Nx, Ny) float64, m_x of run i's first film;
``info.json`` with versions and per run ``run_s`` (the time loops of its films, summed;
the field terms' torch.compile is triggered by a warm-up evaluation outside them and
counted in ``setup_s``), ``cpu_s`` (the same loops' CPU time of the process),
``run_s_per_film`` and ``evals_per_film`` (right-hand-side evaluations).

    benchmarks/.peer-venv/bin/python benchmarks/peer_magnumnp_film.py \
        --in DIR --out DIR --threads 1

"""
from __future__ import annotations

import json
import os
import sys
import time

# FePt and the constants, the same as the other peer programs' (stdlib-only module)
from peer_magnumnp_vacancies import A_EX, GAMMA, KU, LATTICE_A, MS, MU0, io_args


def run_films(mn, solver, masks, m0, tol, atol, alpha, dts, n_t, n_films):
    """Run ``n_films`` films one after another (film b: masks[b % len], m0[b % len]).

    Returns (m_x(t) of film 0 (T, Nx, Ny), loop seconds per film (wall and CPU), RHS
    evaluations per film, setup seconds)."""
    import numpy as np
    import torch
    nx, ny = masks.shape[1:]
    setup_s, run_s, cpu_s, evals, first = 0.0, [], [], [], None
    for b in range(n_films):
        t0 = time.perf_counter()
        st = mn.State(mn.Mesh((nx, ny, 1), (LATTICE_A,) * 3, pbc=(1, 1, 0)))
        c = torch.as_tensor(masks[b % len(masks)][:, :, None, None])
        st.material = {"Ms": MS * c, "A": A_EX * c, "Ku": KU * c,
                       "Ku_axis": [0.0, 0.0, 1.0], "alpha": alpha}
        m_b = np.moveaxis(m0[b % len(m0)], 0, -1)[:, :, None]  # (nx, ny, 1, 3)
        st.m = torch.as_tensor(np.ascontiguousarray(m_b))
        terms = [mn.ExchangeField(), mn.UniaxialAnisotropyField()]
        llg = mn.LLGSolver(terms, solver=solver, atol=atol, rtol=tol)
        count, rhs = [0], llg._solver._f

        def counted(*a, **k):  # the right-hand side, counting its evaluations
            count[0] += 1
            return rhs(*a, **k)

        llg._solver._f = counted
        with torch.no_grad():
            for term in terms:  # warm-up (torch.compile of the field terms), untimed
                term.h(st)
        setup_s += time.perf_counter() - t0
        t1, c1 = time.perf_counter(), time.process_time()
        with torch.no_grad():
            if solver.__name__ == "TorchDiffEq":  # dense output at every sampling time
                m_t = llg.solve(st, torch.arange(n_t) * dts)[..., 0, 0]
            else:
                m_t = torch.empty((n_t, nx, ny))
                m_t[0] = st.m[:, :, 0, 0]
                for j in range(1, n_t):
                    llg.step(st, j * dts - st.t)  # to the absolute sampling time
                    m_t[j] = st.m[:, :, 0, 0]
        run_s.append(time.perf_counter() - t1)
        cpu_s.append(time.process_time() - c1)
        evals.append(count[0])
        if not bool(torch.isfinite(st.m).all()):
            raise RuntimeError(f"film {b}: non-finite magnetisation")
        if b == 0:
            first = m_t.numpy()
    return first, run_s, cpu_s, evals, setup_s


def main(argv=None):
    args = io_args(__doc__, argv, threads=1)
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    import magnumnp as mn  # sets torch's default dtype (float64) and device
    from magnumnp.common import constants as mn_constants
    from magnumnp.solvers.ode_solvers import RKF45, TorchDiffEq
    torch.set_num_threads(args.threads)
    mn.set_log_level(30)

    masks = np.load(os.path.join(args.inp, "masks.npy")).astype(float)
    m0 = np.load(os.path.join(args.inp, "m0.npy"))
    prm = json.load(open(os.path.join(args.inp, "params.json")))
    alpha, dts = float(prm["alpha"]), float(prm["dt_sample"])
    mn_constants.mu_0 = MU0
    mn_constants.gamma = GAMMA * MU0 * (1 + alpha**2)
    n_t = int(round(prm["duration"] / dts))
    os.makedirs(args.out, exist_ok=True)
    runs = []
    for i, job in enumerate(prm["runs"]):
        solver = {"RKF45": RKF45, "dopri5": TorchDiffEq}[job["solver"]]
        tol = float(job["tol"])
        atol = tol * float(job.get("atol_factor", 1.0))
        mx, run_s, cpu_s, evals, setup_s = run_films(
            mn, solver, masks, m0, tol, atol, alpha, dts, n_t, int(job["films"]))
        np.save(os.path.join(args.out, f"mx_{i}.npy"), mx)
        runs.append({**job, "run_s": float(sum(run_s)), "run_s_per_film": run_s,
                     "cpu_s": float(sum(cpu_s)), "evals_per_film": evals,
                     "setup_s": setup_s})
        print(f"magnum.np: {job} run {runs[-1]['run_s']:.2f} s, RHS evaluations "
              f"{evals}", flush=True)
    info = {"program": "magnum.np", "version": getattr(mn, "__version__", None),
            "torch": torch.__version__, "threads": torch.get_num_threads(),
            "N": list(masks.shape[1:]), "n_t": n_t, "alpha": alpha,
            "gamma_used": mn_constants.gamma, "runs": runs}
    with open(os.path.join(args.out, "info.json"), "w") as fh:
        json.dump(info, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
