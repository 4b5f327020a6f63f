"""Peer program: chains with explicit vacancies in magnum.np (cells with Ms = 0, A = 0, Ku = 0).

An independent check of :mod:`spsll.physics.explicit`.  The spsll side (``compare_vacancies_magnumnp.py``)
writes the masks and states; this script, running in magnum.np's own virtual environment
(``benchmarks/.peer-venv``, see ``peer_magnumnp.py`` for why and how), evaluates magnum.np's
effective field and integrates a short stretch of dynamics, and writes arrays back.

How magnum.np treats vacancies (read from its source, version 2.2, and checked by the outputs):

* ``ExchangeField`` couples neighbours with the harmonic mean 2 A_i A_j/(A_i + A_j) and divides by
  μ0 Ms; a cell with A = 0 therefore has no coupling to its neighbours (free ends), 0/0 between
  two vacant cells gives NaN, and division by Ms = 0 gives ±inf — both are zeroed by the final
  ``nan_to_num(posinf=0, neginf=0)`` (NaN → 0 by default), so h = 0 at Ms = 0 cells.
* ``UniaxialAnisotropyField``: 2 Ku/(μ0 Ms) → 0/0 at vacancies, zeroed the same way.
* ``normalize`` divides by |m| and zeroes the NaN of 0/0, so m = 0 cells stay 0; the LLG right-hand
  side is a cross product with m, hence 0 there.
* With Ms = 0 but A left unchanged ("Ms0_only"), a present neighbour of a vacancy feels exchange
  towards m = 0, i.e. an extra −m_j: parallel to m_j, so the torque (and the dynamics) is the same.

Inputs (``--in DIR``): ``masks.npy`` int8 (B, N) or (B, Nx, Ny); ``m_field.npy`` (B, 3, *grid)
states at which the field is evaluated; ``m0.npy`` (B, 3, *grid) the initial state of the
dynamics; ``params.json`` with ``alpha``, ``duration``, ``dt_sample``, ``atol``, ``rtol``.
Chains: each row b is an independent periodic chain of N cells of size a (rows of an (N, B, 1)
mesh, separated by DY = 1 m: the inter-row exchange 2A/(μ0 Ms DY²) ≈ 8.5e-12 A/m is ~1e-18 of the
anisotropy field).  Films: each film is its own (Nx, Ny, 1) mesh of a × a × a cells, periodic in
x and y (one layer: no neighbour along z).

Outputs (``--out DIR``): ``h.npy`` (B, 3, *grid) exchange + anisotropy at m_field; ``h_exchange.npy``;
``h_ms0_only.npy`` (vacancies with Ms = 0 but A unchanged); ``m_t.npy`` (B, T, 3, *grid) the state at
t_j = j dt_sample; ``info.json`` (versions, timings, vacancy diagnostics).

The equation: magnum.np integrates LLG in explicit form, dm/dt = −γ'[m×h + α m×(m×h)] with
γ' = γ/(1 + α²); setting its γ to γμ0 (1 + α²) makes γ' = γμ0, i.e. exactly spsll's LL equation.

    benchmarks/.peer-venv/bin/python benchmarks/peer_magnumnp_vacancies.py --in DIR --out DIR
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

GAMMA = 1.76086e11
MU0 = 4e-7 * math.pi
MS = 950e3
A_EX = 5.1e-12
HK = 7e6
KU = MU0 * MS * (HK - MS) / 2.0
LATTICE_A = 0.339e-9
DY = 1.0


def io_args(doc, argv=None, threads=2):
    """--in DIR, --out DIR, --threads N of a peer program; sets OMP_NUM_THREADS and
    selects the CPU (CUDA_DEVICE=-1: magnum.np otherwise probes for a GPU) before torch
    is imported."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--in", dest="inp", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=threads)
    args = p.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["CUDA_DEVICE"] = "-1"
    return args


def main(argv=None):
    args = io_args(__doc__, argv)
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    import magnumnp as mn
    from magnumnp.common import constants as mn_constants
    torch.set_num_threads(args.threads)
    mn.set_log_level(30)

    masks = np.load(os.path.join(args.inp, "masks.npy")).astype(float)
    m_field = np.load(os.path.join(args.inp, "m_field.npy"))
    m0 = np.load(os.path.join(args.inp, "m0.npy"))
    prm = json.load(open(os.path.join(args.inp, "params.json")))
    alpha = float(prm["alpha"])
    mn_constants.mu_0 = MU0
    mn_constants.gamma = GAMMA * MU0 * (1 + alpha**2)  # γ' = γ/(1+α²) = γμ0: spsll's LL equation
    n_t = int(round(prm["duration"] / prm["dt_sample"]))
    film = masks.ndim == 3
    # chains: one (N, B, 1) mesh whose rows are the chains; films: one (Nx, Ny, 1) mesh per film
    if film:
        grids = [(masks[b], m_field[b], m0[b]) for b in range(masks.shape[0])]
        cell, pbc = (LATTICE_A, LATTICE_A, LATTICE_A), (1, 1, 0)
    else:
        grids = [(masks.T, m_field.transpose(1, 2, 0), m0.transpose(1, 2, 0))]  # rows b: the y axis
        cell, pbc = (LATTICE_A, DY, LATTICE_A), (1, 0, 0)

    def to_mesh(a):  # (3, nx, ny) -> (nx, ny, 1, 3)
        return torch.as_tensor(np.ascontiguousarray(np.moveaxis(a, 0, -1)[:, :, None, :]), dtype=torch.float64)

    def from_mesh(t):  # (nx, ny, 1, 3) -> (3, nx, ny)
        return np.moveaxis(t[:, :, 0, :].cpu().numpy(), -1, 0)

    def make_state(c_grid, A_grid):
        mesh = mn.Mesh(c_grid.shape + (1,), cell, pbc=pbc)
        st = mn.State(mesh)
        c = torch.as_tensor(c_grid[:, :, None, None], dtype=torch.float64)
        cA = torch.as_tensor(A_grid[:, :, None, None], dtype=torch.float64)
        st.material = {"Ms": MS * c, "A": A_EX * cA, "Ku": KU * c, "Ku_axis": [0.0, 0.0, 1.0], "alpha": alpha}
        return st

    outs = {"h": [], "h_exchange": [], "h_ms0_only": [], "m_t": []}
    setup_s = run_s = 0.0
    steps = 0
    for c_grid, mf, mi in grids:
        t0 = time.perf_counter()
        st = make_state(c_grid, c_grid)
        exchange, aniso = mn.ExchangeField(), mn.UniaxialAnisotropyField()
        with torch.no_grad():
            st.m = to_mesh(mf)
            h_ex = exchange.h(st)
            outs["h_exchange"].append(from_mesh(h_ex))
            outs["h"].append(from_mesh(h_ex + aniso.h(st)))
            st2 = make_state(c_grid, np.ones_like(c_grid))  # Ms = 0 at vacancies, A unchanged
            st2.m = to_mesh(mf)
            outs["h_ms0_only"].append(from_mesh(mn.ExchangeField().h(st2) + mn.UniaxialAnisotropyField().h(st2)))
        setup_s += time.perf_counter() - t0
        llg = mn.LLGSolver([exchange, aniso], atol=float(prm["atol"]), rtol=float(prm["rtol"]))
        rec = np.empty((n_t,) + mi.shape)
        t1 = time.perf_counter()
        with torch.no_grad():
            st.m = to_mesh(mi)
            st.t = 0.0
            rec[0] = from_mesh(st.m)
            for j in range(1, n_t):
                llg.step(st, j * prm["dt_sample"] - st.t)
                rec[j] = from_mesh(st.m)
        run_s += time.perf_counter() - t1
        steps += int(st._step)
        outs["m_t"].append(rec)
    if film:  # (B, 3, Nx, Ny) and m_t (B, T, 3, Nx, Ny)
        outs = {k: np.stack(v) for k, v in outs.items()}
    else:  # back from (3, N, B) to (B, 3, N) and m_t (B, T, 3, N)
        outs = {k: np.moveaxis(v[0], -1, 0) for k, v in outs.items()}
    B, N = masks.shape[0], masks.shape[1:]
    vac = masks == 0
    h_np, rec = outs["h"], outs["m_t"]
    info = {
        "program": "magnum.np", "version": getattr(mn, "__version__", None), "torch": torch.__version__,
        "B": B, "N": list(N), "n_t": n_t, "alpha": alpha, "atol": prm["atol"], "rtol": prm["rtol"],
        "setup_s": setup_s, "run_s": run_s, "steps": steps,
        "max_abs_h_at_vacancies": float(np.abs(np.moveaxis(h_np, 1, -1)[vac]).max()) if vac.any() else 0.0,
        "max_abs_m_at_vacancies_during_run": float((np.abs(rec) * vac[:, None, None]).max()),
        "any_nonfinite": bool(not np.all(np.isfinite(rec)) or not np.all(np.isfinite(h_np))),
        "gamma_used": mn_constants.gamma, "mu0_used": MU0,
    }
    os.makedirs(args.out, exist_ok=True)
    for k, v in outs.items():
        np.save(os.path.join(args.out, f"{k}.npy"), v)
    with open(os.path.join(args.out, "info.json"), "w") as fh:
        json.dump(info, fh, indent=2)
    print(f"magnum.np {info['version']}: B={B} N={N} T={n_t} setup {setup_s:.1f} s, run {run_s:.1f} s, {info['steps']} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
