"""``spsll generate {dispersions,walls}``: the command line of :func:`spsll.data.generate.generate`.

    spsll generate dispersions --n 1000 --out dispersions.h5
    spsll generate walls --n 12000 --out walls.h5 --chunk 500 --workers 4
    spsll generate walls --n 12000 --out walls.h5 --dask tcp://scheduler:8786

Rerunning an interrupted command resumes it (see :mod:`spsll.data.generate`).  Exit status 0 when the
store is complete, 2 for invalid options or a store written with other settings, 3 when the store
is locked by another run or unusable.
"""
from __future__ import annotations

import argparse
import sys
from .units import NM



def _material(name):
    from .physics.material import FePt
    if name == "FePt":
        return FePt
    raise ValueError(f"--material: unknown material {name!r}; available: FePt")


def _range(nm, default):
    """A --*-nm LOW HIGH pair in metres; the exact default when not given (so CLI and Python runs match)."""
    return default if nm is None else (nm[0] * NM, nm[1] * NM)


def cmd_generate(args):
    from .data.generate import generate
    from .data.store import StoreError, StoreLockedError, StoreMismatchError
    from .data.plans import SIGMA_RANGE, TAU_RANGE
    options = {"n_cells": args.n_cells, "scheme": args.scheme}
    if args.kind == "dispersions":
        options["keep_power"] = args.power
    else:
        options["mode"] = args.mode
    try:
        rep = generate(args.kind, args.n, args.out, material=_material(args.material), plan=args.plan,
                       seed=args.seed, chunk=args.chunk, sigma_range=_range(getattr(args, "sigma_nm", None), SIGMA_RANGE),
                       tau_range=_range(getattr(args, "tau_nm", None), TAU_RANGE), device=args.device, dtype=args.dtype,
                       dask=args.dask, workers=args.workers, progress=not args.no_progress, **options)
    except StoreMismatchError as e:
        print(f"spsll generate: error: {e}", file=sys.stderr)
        return 2
    except (StoreLockedError, StoreError) as e:
        print(f"spsll generate: error: {e}", file=sys.stderr)
        return 3
    print(f"{rep.path}: {rep.n} {rep.kind} in {rep.n_chunks} chunks of {rep.chunk} "
          f"({rep.computed} computed now, {rep.skipped} already done) in {rep.seconds:.1f} s")
    return 0


def register(sub):
    """Add the ``generate`` subcommand to the subparsers ``sub`` of the ``spsll`` parser."""
    from .data.generate import DEFAULT_CHUNK
    from .data.plans import PLANS, SIGMA_RANGE, TAU_RANGE
    g = sub.add_parser("generate", help="generate a dataset of dispersions or domain walls (HDF5, resumable)",
                       description="Generate a dataset into an HDF5 store; rerun the same command to resume.")
    kinds = g.add_subparsers(dest="kind", required=True)
    for kind, help_ in (("dispersions", "magnon dispersions (paper: --n 1000)"),
                        ("walls", "relaxed domain walls and their widths (paper: --n 12000)")):
        p = kinds.add_parser(kind, help=help_, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        p.add_argument("--n", type=int, required=True, help="number of samples")
        p.add_argument("--out", required=True, help="HDF5 store to write or resume")
        p.add_argument("--seed", type=int, default=0, help="seed of the (sigma, tau) plan")
        p.add_argument("--plan", choices=PLANS, default="uniform", help="sampling plan")
        p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK[kind], help="samples per chunk (and per solver batch)")
        p.add_argument("--sigma-nm", type=float, nargs=2, metavar=("LOW", "HIGH"), default=argparse.SUPPRESS,
                       help=f"range of sigma [nm] (default: {SIGMA_RANGE[0] / NM:g} {SIGMA_RANGE[1] / NM:g})")
        p.add_argument("--tau-nm", type=float, nargs=2, metavar=("LOW", "HIGH"), default=argparse.SUPPRESS,
                       help=f"range of tau [nm] (default: {TAU_RANGE[0] / NM:g} {TAU_RANGE[1] / NM:g})")
        p.add_argument("--material", default="FePt", help="material preset")
        p.add_argument("--n-cells", type=int, default=500, help="cells of the chain")
        p.add_argument("--scheme", default="parseval", help="discretisation of S(k) on the grid")
        p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
        p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
        where = p.add_mutually_exclusive_group()
        where.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786")
        where.add_argument("--workers", type=int, help="start a local Dask cluster of N worker processes")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        if kind == "dispersions":
            p.add_argument("--power", action="store_true", help="also store the 2-D spectrum (float32, ~1 MB per sample)")
        else:
            p.add_argument("--mode", choices=["relax", "dynamics"], default="relax",
                           help="relax: torque minimisation; dynamics: the paper's alpha = 1 run for 100 ps")
        p.set_defaults(func=cmd_generate)
