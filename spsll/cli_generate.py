"""``spsll generate {dispersions,walls}``: the command line of :func:`spsll.data.generate.generate`.

    spsll generate dispersions --n 1000 --out dispersions.h5
    spsll generate walls --n 12000 --out walls.h5 --chunk 500 --workers 4
    spsll generate walls --n 12000 --out walls.h5 --dask tcp://scheduler:8786

Rerunning an interrupted command resumes it (see :mod:`spsll.data.generate`); Ctrl-C says how
many chunks were kept.  Exit status as for every subcommand (:mod:`spsll.cli`): 0 when the
store is complete, 2 for invalid options or a store written with other settings, 3 when the
store is locked by another run or unusable, 130 when interrupted.
"""
from __future__ import annotations

import argparse

from .units import NM


def _range(nm, default):
    """A --*-nm LOW HIGH pair in metres; the exact default when not given (so CLI and Python runs match)."""
    return default if nm is None else (nm[0] * NM, nm[1] * NM)


def cmd_generate(args):
    from .cli import _material
    from .data.generate import generate
    from .data.plans import SIGMA_RANGE, TAU_RANGE
    options = {"n_cells": args.n_cells, "scheme": args.scheme}
    if args.kind == "dispersions":
        options["keep_power"] = args.power
    else:
        options["mode"] = args.mode
    rep = generate(args.kind, args.n, args.out, material=_material(args.material), plan=args.plan,
                   seed=args.seed, chunk=args.chunk, sigma_range=_range(getattr(args, "sigma_nm", None), SIGMA_RANGE),
                   tau_range=_range(getattr(args, "tau_nm", None), TAU_RANGE), device=args.device, dtype=args.dtype,
                   dask=args.dask, workers=args.workers, progress=not args.no_progress, **options)
    print(f"{rep.path}: {rep.n} {rep.kind} in {rep.n_chunks} chunks of {rep.chunk} "
          f"({rep.computed} computed now, {rep.skipped} already done) in {rep.seconds:.1f} s")
    return 0


def register(sub):
    """Add the ``generate`` subcommand to the subparsers ``sub`` of the ``spsll`` parser."""
    from .cli import HelpFormatter, add_solver_options
    from .data.generate import DEFAULT_CHUNK
    from .data.plans import PLANS, SIGMA_RANGE, TAU_RANGE
    g = sub.add_parser("generate", help="generate a dataset of dispersions or domain walls (HDF5, resumable)",
                       description="Generate a dataset into an HDF5 store; rerun the same command to resume.")
    kinds = g.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, help_ in (("dispersions", "magnon dispersions (paper: --n 1000)"),
                        ("walls", "relaxed domain walls and their widths (paper: --n 12000)")):
        p = kinds.add_parser(kind, help=help_, description=help_, formatter_class=HelpFormatter)
        p.add_argument("--n", type=int, required=True, help="number of samples (>= 1)")
        p.add_argument("--out", required=True, metavar="STORE.h5",
                       help="HDF5 store to write or resume (missing folders are created)")
        p.add_argument("--seed", type=int, default=0, help="seed of the (sigma, tau) plan, in [0, 2**63)")
        p.add_argument("--plan", choices=PLANS, default="uniform", help="sampling plan: " + ", ".join(PLANS))
        p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK[kind],
                       help="samples per chunk (the unit of resume, and the solver's batch)")
        p.add_argument("--sigma-nm", type=float, nargs=2, metavar=("LOW", "HIGH"), default=argparse.SUPPRESS,
                       help=f"range of sigma [nm] (default: {SIGMA_RANGE[0] / NM:g} {SIGMA_RANGE[1] / NM:g})")
        p.add_argument("--tau-nm", type=float, nargs=2, metavar=("LOW", "HIGH"), default=argparse.SUPPRESS,
                       help=f"range of tau [nm] (default: {TAU_RANGE[0] / NM:g} {TAU_RANGE[1] / NM:g})")
        add_solver_options(p)
        where = p.add_mutually_exclusive_group()
        where.add_argument("--dask", metavar="ADDRESS",
                           help="Dask scheduler address, e.g. tcp://host:8786 (needs spsll[dask])")
        where.add_argument("--workers", type=int, metavar="N",
                           help="start a local Dask cluster of N worker processes (needs spsll[dask])")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        if kind == "dispersions":
            p.add_argument("--power", action="store_true", help="also store the 2-D spectrum (float32, ~1 MB per sample)")
        else:
            p.add_argument("--mode", choices=["relax", "dynamics"], default="relax",
                           help="relax: torque minimisation; dynamics: the paper's alpha = 1 run for 100 ps")
        p.set_defaults(func=cmd_generate)
