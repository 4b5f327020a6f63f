"""Peer program: batched 1-D spin-chain dispersion runs with magnum.np.

This script simulates ``B`` independent, identical, periodic FePt spin chains
with magnum.np (https://gitlab.com/magnum.np/magnum.np) and saves the recorded
``m_x(x, t)`` plus timings, so that a separate benchmark script (running in the
spsll environment) can compute spectra for spsll and magnum.np with identical
post-processing and compare speed and accuracy.

Environment
-----------
It must run in its OWN virtual environment, because ``import magnumnp``
changes global torch state (``torch.set_default_dtype(torch.float64)``,
``torch.set_default_device(...)``, ``torch.manual_seed(...)``, it may replace
``torch.compile`` by a no-op, and it renames the process via ``setproctitle``).
Set it up once from the repository root with::

    python3 -m venv benchmarks/.peer-venv
    echo "torch==2.13.0" > /tmp/peer-constraints.txt
    benchmarks/.peer-venv/bin/pip install torch==2.13.0
    benchmarks/.peer-venv/bin/pip install -c /tmp/peer-constraints.txt magnumnp numpy

(``torch==2.13.0`` resolves to the local CPU wheel; never install plain
``torch``, which pulls a multi-GB CUDA build. The constraints file keeps
magnumnp's dependencies from replacing it.) This script installs nothing.

Usage
-----
::

    benchmarks/.peer-venv/bin/python benchmarks/peer_magnumnp.py \\
        --batch 256 --out DIR [--threads 2] [--duration 10e-12] [--n-cells 500]

Outputs (written atomically)
----------------------------
``DIR/magnumnp_mx.npy``
    float64 (or ``--save-dtype float32``) array of shape ``(B, T, N)``: ``m_x`` of row ``b`` at sample time
    ``t_j = j * dt_sample`` (``j = 0..T-1``, ``T = round(duration/dt_sample)``)
    in cell ``i``.
``DIR/magnumnp_timing.json``
    program, versions, sizes, ``wall_s`` (time loop only), ``setup_s``,
    ``ms_per_simulation`` (= wall_s / B * 1000), integrator, threads, ...

Physics (SI units, identical to the spsll benchmark)
----------------------------------------------------
Landau-Lifshitz-Gilbert with alpha = 1e-3 (magnum.np integrates the LLG form,
i.e. gamma' = gamma/(1+alpha^2); the difference to LL is a factor 1 - 1e-6),
gamma = 1.76086e11 rad/(s T), mu0 = 4e-7*pi. FePt: Ms = 950e3 A/m,
A = 5.1e-12 J/m, K_u = K_eff = mu0*Ms*(Hk - Ms)/2 with Hk = 7e6 A/m (uniaxial
along z; this already contains the thin-film shape anisotropy, so no demag
field is added), lattice constant a = 0.339e-9 m. Periodic chain of N cells of
size a along x; exchange is magnum.np's ExchangeField, which on an equidistant
mesh with pbc in x is exactly 2A/(mu0 Ms) (m_{i+1} + m_{i-1} - 2 m_i)/a^2.
No external field.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time

# --- physical constants and material (must match spsll) ---------------------
GAMMA = 1.76086e11          # rad/(s T)
MU0 = 4e-7 * math.pi        # T m/A
ALPHA = 1e-3
MS = 950e3                  # A/m
A_EX = 5.1e-12              # J/m
HK = 7e6                    # A/m
KU = MU0 * MS * (HK - MS) / 2.0   # J/m^3 (anisotropy + thin-film shape)
LATTICE_A = 0.339e-9        # m

# Rows of the (N, B, 1) mesh are the independent chains. The cell size along y
# is huge, so the inter-row exchange field 2A/(mu0 Ms dy^2) is
# 2*5.1e-12/(4e-7*pi*950e3*1.0^2) ~ 8.5e-12 A/m, i.e. ~1e-18 of the
# anisotropy field Hk - Ms = 6.05e6 A/m (and ~1e-19 of the intra-chain exchange
# scale 2A/(mu0 Ms a^2) ~ 7.4e7 A/m). Since all rows start identical it is also
# exactly zero up to round-off. Open (non-periodic) boundaries in y and z.
DY = 1.0                    # m
DZ = LATTICE_A              # m (irrelevant: nz = 1, open boundary)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=256, help="number of chains B")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--duration", type=float, default=10e-12, help="simulated time (s)")
    p.add_argument("--n-cells", type=int, default=500, help="cells per chain N")
    p.add_argument("--dt-sample", type=float, default=10e-15, help="sampling interval (s)")
    p.add_argument("--device", default="cpu",
                   help="'cpu' (default) or 'cuda' (magnum.np then picks a GPU itself)")
    p.add_argument("--save-dtype", choices=("float64", "float32"), default="float64",
                   help="dtype of magnumnp_mx.npy (float64: 1 GB at B=256, N=500, T=1000)")
    p.add_argument("--verbose", action="store_true",
                   help="keep magnum.np's INFO logging (one line per output step)")
    return p.parse_args(argv)


def _atomic_write(path, writer, mode="wb"):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, mode) as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv=None):
    args = parse_args(argv)
    if args.batch < 1 or args.n_cells < 3:
        raise SystemExit("--batch must be >= 1 and --n-cells >= 3")
    n_samples = int(round(args.duration / args.dt_sample))
    if n_samples < 1:
        raise SystemExit("--duration must be at least one --dt-sample")
    os.makedirs(args.out, exist_ok=True)

    t_setup0 = time.perf_counter()

    # Thread settings must be in place before torch (and its OpenMP pool) and
    # the compiled kernels are initialised.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    if args.device == "cpu":
        # magnum.np otherwise spawns a subprocess to pick the GPU with the most
        # free memory; -1 selects the CPU.
        os.environ["CUDA_DEVICE"] = "-1"

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)

    # NOTE: this import sets torch's default dtype to float64 and default device
    # to the chosen device, seeds the RNG and calls setproctitle.
    import magnumnp as mn
    from magnumnp.common import constants as mn_constants

    torch.set_num_threads(args.threads)  # in case the import touched it

    # magnum.np's own constants are mu_0 = 1.2566370614e-6 and
    # gamma = 2.21276157e5 m/(A s) (= gamma_SI * mu0); they differ from the
    # spsll values by ~3e-11 and ~1.7e-7 relative. Override them so both
    # programs integrate exactly the same equation. Done before any field term
    # is evaluated (and thus before torch.compile traces them).
    default_constants = {"mu_0": mn_constants.mu_0, "gamma": mn_constants.gamma}
    mn_constants.mu_0 = MU0
    mn_constants.gamma = GAMMA * MU0

    if not args.verbose:
        mn.set_log_level(30)  # WARNING: no per-step "[LLG] step" lines

    dtype = torch.float64
    assert torch.get_default_dtype() == dtype

    N, B = args.n_cells, args.batch
    mesh = mn.Mesh((N, B, 1), (LATTICE_A, DY, DZ), pbc=(1, 0, 0))
    state = mn.State(mesh)
    state.material = {
        "Ms": MS,
        "A": A_EX,
        "Ku": KU,
        "Ku_axis": [0.0, 0.0, 1.0],
        "alpha": ALPHA,
    }

    # Initial state: m_x = 0.1 exp(-(x - x0)^2 / (2 a^2)), x = i a, x0 = (N/2) a.
    x = torch.arange(N, dtype=dtype) * LATTICE_A
    x0 = (N / 2) * LATTICE_A
    mx0 = 0.1 * torch.exp(-((x - x0) ** 2) / (2.0 * LATTICE_A ** 2))
    m = torch.zeros((N, B, 1, 3), dtype=dtype)
    m[..., 0] = mx0[:, None, None]
    m[..., 2] = torch.sqrt(1.0 - mx0 ** 2)[:, None, None]
    state.m = m

    exchange = mn.ExchangeField()
    aniso = mn.UniaxialAnisotropyField()
    llg = mn.LLGSolver([exchange, aniso])  # default solver (RKF45, default tolerances)
    solver = llg._solver
    integrator = type(solver).__name__
    integrator_info = {
        "name": integrator,
        "atol": getattr(solver, "_atol", None),
        "rtol": getattr(solver, "_rtol", None),
        "initial_dt": getattr(solver, "_dt", None),
        "max_step": getattr(solver, "_maxstep", None),
    }

    # Warm-up: trigger torch.compile of the field terms outside the timed loop
    # (evaluating h does not modify the state).
    t_c0 = time.perf_counter()
    with torch.no_grad():
        for term in (exchange, aniso):
            term.h(state)
        llg.dm(state.t, state.m, state=state)
    compile_s = time.perf_counter() - t_c0

    # Sanity check of the exchange field against the spsll formula.
    with torch.no_grad():
        h_ex = exchange.h(state)[:, 0, 0, :]
        mm = state.m[:, 0, 0, :]
        h_ref = 2 * A_EX / (MU0 * MS) * (torch.roll(mm, 1, 0) + torch.roll(mm, -1, 0) - 2 * mm) / LATTICE_A ** 2
        ex_rel_err = float((h_ex - h_ref).abs().max() / h_ref.abs().max())
    if ex_rel_err > 1e-10:
        raise RuntimeError("exchange field differs from nearest-neighbour formula (rel err %g)" % ex_rel_err)

    mx = np.empty((B, n_samples, N), dtype=np.dtype(args.save_dtype))
    t_reached = np.empty(n_samples, dtype=np.float64)
    setup_s = time.perf_counter() - t_setup0

    # --- timed time loop ----------------------------------------------------
    steps0 = state._step
    t0 = time.perf_counter()
    with torch.no_grad():
        mx[:, 0, :] = state.m[:, :, 0, 0].T.cpu().numpy()
        t_reached[0] = float(state.t)
        for j in range(1, n_samples):
            # step to the absolute sampling time (no drift from summing dt's)
            llg.step(state, j * args.dt_sample - state.t)
            mx[:, j, :] = state.m[:, :, 0, 0].T.cpu().numpy()
            t_reached[j] = float(state.t)
    wall_s = time.perf_counter() - t0
    accepted_steps = state._step - steps0
    # -------------------------------------------------------------------------

    t_err = float(np.max(np.abs(t_reached - np.arange(n_samples) * args.dt_sample)))
    if not np.all(np.isfinite(mx)):
        raise RuntimeError("non-finite magnetisation")

    timing = {
        "program": "magnum.np",
        "version": getattr(mn, "__version__", None),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "batch": B,
        "n_cells": N,
        "n_samples": n_samples,
        "dt_sample_s": args.dt_sample,
        "duration_s": args.duration,
        "wall_s": wall_s,
        "setup_s": setup_s,
        "compile_warmup_s": compile_s,
        "ms_per_simulation": wall_s / B * 1000.0,
        "integrator": "%s (magnum.np default LLGSolver solver, atol=%g, rtol=%g)"
                      % (integrator, integrator_info["atol"], integrator_info["rtol"]),
        "integrator_info": integrator_info,
        "accepted_steps": int(accepted_steps),
        "max_sample_time_error_s": t_err,
        "threads": args.threads,
        "torch_num_threads": torch.get_num_threads(),
        "device": str(state.device),
        "dtype": str(state.dtype),
        "mesh": {"n": [N, B, 1], "dx": [LATTICE_A, DY, DZ], "pbc": [1, 0, 0]},
        "constants_used": {"gamma": GAMMA, "mu0": MU0, "gamma_mu0": GAMMA * MU0},
        "magnumnp_default_constants_overridden": default_constants,
        "material": {"Ms": MS, "A": A_EX, "Ku": KU, "Hk": HK, "alpha": ALPHA, "a": LATTICE_A},
        "exchange_check_rel_err": ex_rel_err,
        "mx_layout": "(batch, time, cell)",
        "mx_dtype": args.save_dtype,
    }

    out_mx = os.path.join(args.out, "magnumnp_mx.npy")
    out_json = os.path.join(args.out, "magnumnp_timing.json")
    _atomic_write(out_mx, lambda f: np.save(f, mx))
    _atomic_write(out_json, lambda f: f.write(json.dumps(timing, indent=2) + "\n"), mode="w")

    print("magnum.np %s: B=%d N=%d T=%d  loop %.2f s  (%.2f ms/simulation)  setup %.2f s  "
          "%s, %d accepted steps -> %s"
          % (timing["version"], B, N, n_samples, wall_s, timing["ms_per_simulation"], setup_s,
             integrator, accepted_steps, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
