"""Peer program: interfacial DMI, effective field and relaxed skyrmions of a film in
magnum.np.

An independent check of spsll's DMI term.  Runs in magnum.np's own virtual environment
(``benchmarks/.peer-venv``; see ``peer_magnumnp.py`` for why a separate process and how
to set it up: importing magnum.np sets torch's default dtype and device).  The spsll
side calls :func:`run_peer` (importable without magnum.np), which writes the inputs,
runs this file as a script and reads the outputs back.

magnum.np's interfacial DMI (``InterfaceDMIField``, version 2.2, read from its source):

    h_i = (2/(μ0 Ms_i)) Σ_{k = ±x, ±y} D_avg e_k^dmi × m_{i+k} / (2Δ),
    e_{±x}^dmi = ±(0, 1, 0), e_{±y}^dmi = ∓(1, 0, 0),

i.e. h = (2D/(μ0 Ms)) [∇m_z − (∇·m) ẑ] with central differences, the field of the energy
density D(m_z ∇·m − (m·∇) m_z) (its docstring prints the opposite overall sign; the code
and the vector table above give this one: e_x × ∂x m + e_y × ∂y m = (∂x m_z, ∂y m_z, −∂x
m_x − ∂y m_y)). Between cells the constant is the harmonic mean D_avg = 2 D_i D_j/(D_i +
D_j), so a bond to a cell with D = 0 carries no DMI: at a free edge or a vacancy the sum
runs over present neighbours only.  This is the variational derivative of the bond
energy Σ_bonds D_avg a (ẑ × e_ij)·(m_i × m_j) (per unit thickness): its natural boundary
condition is the discrete 2A ∂m/∂n = −D (ẑ × n) × m (this energy's sign, as in
:mod:`spsll.physics.dmi`; the literature's +D is for the opposite sign).
Exchange uses the harmonic mean of A the same way; a vacancy is Ms = A = Ku = D = 0 (fields there are NaN/inf and zeroed by
magnum.np's ``nan_to_num``).

Inputs (``--in DIR``):

- ``m.npy`` (B, 3, nx, ny) or (3, nx, ny): the states (axis 2 = x, axis 3 = y)
- ``mask.npy`` optional, (B, nx, ny) or (nx, ny) of 0/1: vacancies have
  Ms = A = Ku = D = 0
- ``params.json``: ``Ms`` [A/m], ``A`` [J/m], ``K_eff`` [J/m³] (the uniaxial constant
  handed to magnum.np: Ku − μ0Ms²/2 for a thin film with local demag, no demag field
  term), ``D`` [J/m²], ``a`` [m] (square cells, one layer of thickness a), ``H_ext``
  [A/m] (3-vector, default 0), ``periodic`` (bool, default true), ``relax`` (bool),
  ``relax_maxiter`` (default 20000), ``relax_dm_tol`` [A/m] (max |m × (m × h)|,
  default 1e-2)

Outputs (``--out DIR``): ``h_dmi.npy``, ``h_exchange.npy``, ``h_anisotropy.npy``,
``h_total.npy`` (B, 3, nx, ny) [A/m] at the input m; with ``relax``: ``m_relaxed.npy``
(B, 3, nx, ny) from magnum.np's MinimizerBB (energy minimisation, Exl et al. 2014);
``info.json`` (versions, timings, energies per unit thickness [J/m] of the input and
relaxed states relative to the uniform +z state, convergence).

    benchmarks/.peer-venv/bin/python benchmarks/peer_magnumnp_dmi.py --in DIR --out DIR
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER_PY = HERE / ".peer-venv" / "bin" / "python"
MU0 = 4e-7 * math.pi
TERMS = ("h_dmi", "h_exchange", "h_anisotropy", "h_total")


def run_peer(m, params, mask=None, threads=2, timeout=1800):
    """Run this program in the peer environment on ``m`` (B, 3, nx, ny) with ``params``
    (the dict of params.json) and an optional 0/1 ``mask``; returns a dict of the output
    arrays and ``info``.  Imports only numpy here."""
    import numpy as np
    if not PEER_PY.exists():
        raise FileNotFoundError(f"magnum.np environment missing at "
                                f"{PEER_PY.parent.parent} "
                                "(see benchmarks/peer_magnumnp.py)")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        np.save(d / "m.npy", np.asarray(m, dtype=np.float64))
        if mask is not None:
            np.save(d / "mask.npy", np.asarray(mask, dtype=np.int8))
        (d / "params.json").write_text(json.dumps(params))
        cmd = [str(PEER_PY), str(Path(__file__).resolve()), "--in", str(d),
               "--out", str(d / "out"), "--threads", str(threads)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"magnum.np peer failed (rc {proc.returncode}):\n"
                               f"{proc.stderr[-3000:]}")
        names = TERMS + (("m_relaxed",) if params.get("relax") else ())
        out = {k: np.load(d / "out" / f"{k}.npy") for k in names}
        out["info"] = json.loads((d / "out" / "info.json").read_text())
    return out


def _load(inp):
    import numpy as np
    m = np.load(os.path.join(inp, "m.npy"))
    if m.ndim == 3:
        m = m[None]
    if m.ndim != 4 or m.shape[1] != 3:
        raise ValueError(f"m.npy must have shape (B, 3, nx, ny) or (3, nx, ny), "
                         f"got {m.shape}")
    path = os.path.join(inp, "mask.npy")
    if os.path.exists(path):
        c = np.load(path).astype(float)
    else:
        c = np.ones((1,) + m.shape[2:])
    c = np.broadcast_to(c if c.ndim == 3 else c[None], (m.shape[0],) + m.shape[2:])
    prm = json.load(open(os.path.join(inp, "params.json")))
    for key in ("Ms", "A", "K_eff", "D", "a"):
        if key not in prm or not math.isfinite(float(prm[key])):
            raise ValueError(f"params.json needs a finite '{key}'")
    return m, np.ascontiguousarray(c), prm


def _film(mn, m, c, prm):
    """Fields, energies and (optionally) the relaxed state of one film in magnum.np."""
    import numpy as np
    import torch
    a = float(prm["a"])
    H = [float(v) for v in prm.get("H_ext", [0.0, 0.0, 0.0])]
    pbc = (1, 1, 0) if prm.get("periodic", True) else (0, 0, 0)
    st = mn.State(mn.Mesh(m.shape[1:] + (1,), (a, a, a), pbc=pbc))
    cc = torch.as_tensor(c[:, :, None, None])
    st.material = {"Ms": prm["Ms"] * cc, "A": prm["A"] * cc, "Ku": prm["K_eff"] * cc,
                   "Di": prm["D"] * cc, "Ku_axis": [0.0, 0.0, 1.0], "alpha": 1.0}
    terms = {"h_dmi": mn.InterfaceDMIField(), "h_exchange": mn.ExchangeField(),
             "h_anisotropy": mn.UniaxialAnisotropyField()}
    zeeman = [mn.ExternalField(H)] if any(H) else []
    # energy per unit thickness relative to the uniform +z state: magnum.np's anisotropy
    # energy is −K_eff (m·ẑ)² per volume, its Zeeman energy −μ0 Ms m·H
    shift = prm["K_eff"] * c.sum() * a * a + MU0 * prm["Ms"] * H[2] * c.sum() * a * a

    def energy():
        return sum(float(t.E(st)) for t in list(terms.values()) + zeeman) / a + shift

    def from_mesh(t):  # (nx, ny, 1, 3) -> (3, nx, ny)
        return np.moveaxis(t[:, :, 0, :].cpu().numpy(), -1, 0)

    out = {}
    with torch.no_grad():
        mesh_m = np.moveaxis(m * c, 0, -1)[:, :, None]  # (nx, ny, 1, 3)
        st.m = torch.as_tensor(np.ascontiguousarray(mesh_m))
        h = {k: t.h(st) for k, t in terms.items()}
        out["h_total"] = from_mesh(sum(h.values()) + sum(z.h(st) * cc for z in zeeman))
        out.update({k: from_mesh(v) for k, v in h.items()})
        out["energy_in"] = energy()
    if prm.get("relax"):
        t1 = time.perf_counter()
        solver = mn.MinimizerBB(list(terms.values()) + zeeman)
        out["relax_converged"] = bool(solver.minimize(
            st, maxiter=int(prm.get("relax_maxiter", 20000)),
            dm_tol=float(prm.get("relax_dm_tol", 1e-2))))
        out["relax_s"] = time.perf_counter() - t1
        with torch.no_grad():
            out["m_relaxed"] = from_mesh(st.m)
            out["energy_relaxed"] = energy()
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--in", dest="inp", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--compile", action="store_true",
                   help="let magnum.np torch.compile its field terms (minutes of "
                        "start-up on a small CPU; eager mode, the default, evaluates "
                        "the same formulas)")
    args = p.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["CUDA_DEVICE"] = "-1"
    if not args.compile:
        os.environ["TORCHDYNAMO_DISABLE"] = "1"
    import numpy as np
    import torch
    t0 = time.perf_counter()
    import magnumnp as mn
    from magnumnp.common import constants as mn_constants
    torch.set_num_threads(args.threads)
    mn.set_log_level(30)
    mn_constants.mu_0 = MU0
    m_all, c_all, prm = _load(args.inp)
    runs = [_film(mn, m, c, prm) for m, c in zip(m_all, c_all)]
    info = {"program": "magnum.np", "version": mn.__version__,
            "torch": torch.__version__, "B": len(runs),
            "grid": list(m_all.shape[2:]), "params": prm,
            "total_s": time.perf_counter() - t0}
    for key in ("energy_in", "energy_relaxed", "relax_converged", "relax_s"):
        info[key] = [r[key] for r in runs if key in r]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for key in TERMS + (("m_relaxed",) if prm.get("relax") else ()):
        np.save(out / f"{key}.npy", np.stack([r[key] for r in runs]))
    (out / "info.json").write_text(json.dumps(info, indent=2))
    print(f"magnum.np {mn.__version__}: {len(runs)} films {list(m_all.shape[2:])}, "
          f"{info['total_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
