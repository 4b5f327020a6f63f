"""Explicit vacancies: spsll.physics.explicit against magnum.np (cells with Ms = 0, A = 0, Ku = 0), chains and films.

Builds a few masks on a short periodic chain — RTN realisations of (σ, τ) = (3, 1) nm, a hand-made
mask with isolated cells, adjacent vacancies and a vacancy across the periodic boundary, and a
chain without vacancies — and compares, for the same inputs,

1. the effective field (exchange + anisotropy) at random unit vectors (0 at vacancies):
   max |h_spsll − h_magnum.np| / max |h|  (round-off expected);
2. the field of the "Ms = 0 only" variant (A left unchanged at vacancies): it must differ from the
   free-end field only by a component parallel to m (no torque);
3. a short stretch of damped dynamics (α = 0.05) from a randomly tilted state, recorded every
   10 fs: max |m_spsll − m_magnum.np| over all times and cells, to be compared with the
   integrators' tolerances; and that m stays exactly 0 at vacancies in both programs.

magnum.np runs in its own process and virtual environment (``benchmarks/.peer-venv``, see
``peer_magnumnp.py``), through ``peer_magnumnp_vacancies.py``.

``--film``: the same on 16 × 12 films (a tessellated, a site-diluted and an ideal film; each film
its own periodic (Nx, Ny, 1) mesh in magnum.np).

    python benchmarks/compare_vacancies_magnumnp.py [--n-cells 64] [--duration 0.5e-12] [--film] [--out results.json]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

import spsll
from spsll.physics.explicit import ExplicitField, sample_masks
from spsll.physics.integrate import LandauLifshitz, dopri5

HERE = Path(__file__).resolve().parent
PEER_PY = HERE / ".peer-venv" / "bin" / "python"
NM = 1e-9


def make_inputs(n_cells=64, seed=3):
    mat = spsll.FePt
    rtn_masks = sample_masks(3 * NM, 1 * NM, n_cells, mat.a, n_realisations=3, seed=seed)[0]
    hand = np.ones(n_cells, dtype=np.int8)
    hand[[0, 3, 4, 8, 10, 11, 12, n_cells - 1]] = 0  # isolated cells 9, single/double/triple gaps, wrap-around
    masks = np.concatenate([rtn_masks, hand[None], np.ones((1, n_cells), np.int8)])
    rng = np.random.default_rng(seed)
    B = masks.shape[0]
    m_field = rng.normal(size=(B, 3, n_cells))
    m_field /= np.linalg.norm(m_field, axis=1, keepdims=True)
    m_field *= masks[:, None, :]
    m0 = np.zeros((B, 3, n_cells))
    m0[:, :2] = 0.3 * rng.normal(size=(B, 2, n_cells))
    m0[:, 2] = 1.0
    m0 /= np.linalg.norm(m0, axis=1, keepdims=True)
    m0 *= masks[:, None, :]
    return masks, m_field, m0


def run_peer(masks, m_field, m0, params, threads=2):
    if not PEER_PY.exists():
        raise FileNotFoundError(f"magnum.np environment missing at {PEER_PY.parent.parent} (see benchmarks/peer_magnumnp.py)")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        np.save(d / "masks.npy", masks)
        np.save(d / "m_field.npy", m_field)
        np.save(d / "m0.npy", m0)
        (d / "params.json").write_text(json.dumps(params))
        subprocess.run([str(PEER_PY), str(HERE / "peer_magnumnp_vacancies.py"), "--in", str(d), "--out", str(d / "out"),
                        "--threads", str(threads)], check=True, capture_output=True, text=True)
        out = {k: np.load(d / "out" / f"{k}.npy") for k in ("h", "h_exchange", "h_ms0_only", "m_t")}
        out["info"] = json.loads((d / "out" / "info.json").read_text())
    return out


def compare(n_cells=64, duration=0.5e-12, dt_sample=10e-15, alpha=0.05, rtol=1e-9, threads=2):
    """Run both programs on the same inputs and return the agreement figures (dict)."""
    mat = spsll.FePt
    masks, m_field, m0 = make_inputs(n_cells)
    params = {"alpha": alpha, "duration": duration, "dt_sample": dt_sample, "atol": rtol, "rtol": rtol}
    peer = run_peer(masks, m_field, m0, params, threads)

    field = ExplicitField(mat, masks)
    mf = torch.as_tensor(m_field)
    h = field.h(mf).numpy()
    h_ex = field.exchange(mf).numpy()
    scale = np.abs(h).max()
    # Ms = 0 only: the difference must be parallel to m (zero torque)
    d2 = peer["h_ms0_only"] - h
    torque_diff = np.linalg.norm(np.cross(m_field, d2, axis=1), axis=1).max() / scale

    n_t = int(round(duration / dt_sample))
    t_eval = np.arange(n_t) * dt_sample
    sol = dopri5(LandauLifshitz(field, alpha), torch.as_tensor(m0), t_eval, rtol=rtol, atol=rtol * 1e-3)
    m_sp = sol.y.numpy()  # (B, T, 3, N)
    vac = masks == 0
    res = {
        "n_chains": int(masks.shape[0]), "n_cells": n_cells, "vacant_cells": int(vac.sum()),
        "field_max_rel_diff": float(np.abs(h - peer["h"]).max() / scale),
        "exchange_max_rel_diff": float(np.abs(h_ex - peer["h_exchange"]).max() / np.abs(h_ex).max()),
        "ms0_only_max_rel_field_diff": float(np.abs(d2).max() / scale),
        "ms0_only_max_rel_torque_diff": float(torque_diff),
        "dynamics_max_abs_m_diff": float(np.abs(m_sp - peer["m_t"]).max()),
        "dynamics_duration_s": duration, "alpha": alpha, "rtol": rtol,
        "spsll_max_abs_m_at_vacancies": float((np.abs(m_sp) * vac[:, None, None, :]).max()),
        "magnumnp": peer["info"],
    }
    return res


def make_film_inputs(shape=(16, 12), seed=3):
    """A tessellated film ((σ, τ) = (1.5, 0.6) nm), a site-diluted film (p = 0.7) and an ideal film."""
    from spsll.physics.defects2d import site_dilution_masks, tessellation_masks
    mat = spsll.FePt
    masks = np.concatenate([tessellation_masks(1.5 * NM, 0.6 * NM, shape, mat.a, 1, seed)[0],
                            site_dilution_masks(0.7, shape, 1, seed)[0], np.ones((1,) + shape, np.int8)])
    rng = np.random.default_rng(seed)
    m_field = rng.normal(size=(3, 3) + shape)
    m_field /= np.linalg.norm(m_field, axis=1, keepdims=True)
    m0 = np.zeros((3, 3) + shape)
    m0[:, :2] = 0.3 * rng.normal(size=(3, 2) + shape)
    m0[:, 2] = 1.0
    m0 /= np.linalg.norm(m0, axis=1, keepdims=True)
    return masks, m_field * masks[:, None], m0 * masks[:, None]


def compare_film(shape=(16, 12), duration=0.3e-12, dt_sample=10e-15, alpha=0.05, rtol=1e-9, threads=2):
    """The same comparison on films (B, Nx, Ny): fields, damped dynamics, vacancies."""
    masks, m_field, m0 = make_film_inputs(shape)
    params = {"alpha": alpha, "duration": duration, "dt_sample": dt_sample, "atol": rtol, "rtol": rtol}
    peer = run_peer(masks, m_field, m0, params, threads)
    field = ExplicitField(spsll.FePt, masks)
    h = field.h(torch.as_tensor(m_field)).numpy()
    t_eval = np.arange(int(round(duration / dt_sample))) * dt_sample
    m_sp = dopri5(LandauLifshitz(field, alpha), torch.as_tensor(m0), t_eval, rtol=rtol, atol=rtol * 1e-3).y.numpy()
    return {"films": int(masks.shape[0]), "shape": list(shape), "vacant_cells": int((masks == 0).sum()),
            "field_max_rel_diff": float(np.abs(h - peer["h"]).max() / np.abs(h).max()),
            "dynamics_max_abs_m_diff": float(np.abs(m_sp - peer["m_t"]).max()),
            "spsll_max_abs_m_at_vacancies": float((np.abs(m_sp) * (masks == 0)[:, None, None]).max()),
            "magnumnp": peer["info"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cells", type=int, default=64)
    ap.add_argument("--duration", type=float, default=0.5e-12)
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--out", help="write the figures to this JSON file")
    ap.add_argument("--film", action="store_true", help="compare 16 x 12 films instead of chains")
    args = ap.parse_args(argv)
    res = compare_film() if args.film else compare(args.n_cells, args.duration, rtol=args.rtol)
    text = json.dumps(res, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
