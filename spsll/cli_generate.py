"""``spsll generate {dispersions,walls,film_stiffness}``: the command line of
:func:`spsll.data.generate.generate` and
:func:`spsll.data.film_stiffness.generate_film_stiffness`.

    spsll generate dispersions --n 1000 --out dispersions.h5
    spsll generate walls --n 12000 --out walls.h5 --chunk 500 --workers 4
    spsll generate walls --n 12000 --out walls.h5 --dask tcp://scheduler:8786
    spsll generate film_stiffness --out film.h5 --tessellation-nm 1.58 0.28 \
        --site-p 0.9 0.7 --sizes 24 32 48 --realisations 24 --seed 7 --workers 4

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
    if args.kind == "walls":
        options["mode"] = args.mode
    else:
        options["keep_power"] = args.power
    rep = generate(args.kind, args.n, args.out, material=_material(args.material), plan=args.plan,
                   seed=args.seed, chunk=args.chunk, sigma_range=_range(getattr(args, "sigma_nm", None), SIGMA_RANGE),
                   tau_range=_range(getattr(args, "tau_nm", None), TAU_RANGE), device=args.device, dtype=args.dtype,
                   dask=args.dask, workers=args.workers, progress=not args.no_progress, **options)
    print(_summary(rep, rep.kind))
    return 0


def _summary(rep, what) -> str:
    return (f"{rep.path}: {rep.n} {what} in {rep.n_chunks} chunks of {rep.chunk} "
            f"({rep.computed} computed now, {rep.skipped} already done) "
            f"in {rep.seconds:.1f} s")


def cmd_film(args):
    from .cli import _material
    from .data.film_stiffness import generate_film_stiffness
    pts = args.tessellation_nm or []
    rep = generate_film_stiffness(
        args.out, [s * NM for s, _ in pts], [t * NM for _, t in pts], args.site_p,
        material=_material(args.material), sizes=args.sizes, coarse_sizes=args.coarse_sizes,
        n_realisations=args.realisations, seed=args.seed, chunk=args.chunk, dask=args.dask,
        workers=args.workers, progress=not args.no_progress)
    print(_summary(rep, "film masks"))
    return 0


def _add_where(p):
    """--dask / --workers / --no-progress: where and how every kind runs."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--dask", metavar="ADDRESS",
                       help="Dask scheduler address, e.g. tcp://host:8786 (needs spsll[dask])")
    where.add_argument("--workers", type=int, metavar="N",
                       help="start a local Dask cluster of N worker processes "
                            "(needs spsll[dask])")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _register_film(kinds):
    from .cli import MATERIALS, HelpFormatter
    from .data.film_stiffness import DEFAULT_CHUNK
    help_ = "explicit 2-D ensembles of the agreement map: D(k)/D0, P_inf, Sigma per mask"
    p = kinds.add_parser("film_stiffness", help=help_, formatter_class=HelpFormatter,
                         description=help_ + " (spsll.data.film_stiffness)")
    p.add_argument("--out", required=True, metavar="STORE.h5",
                   help="HDF5 store to write or resume (missing folders are created)")
    p.add_argument("--tessellation-nm", type=float, nargs=2, action="append",
                   metavar=("SIGMA", "TAU"),
                   help="a Poisson-line-tessellation point (sigma, tau) [nm]; repeat it")
    p.add_argument("--site-p", type=float, nargs="+", default=[], metavar="P",
                   help="site-dilution material fractions p in (0, 1]")
    p.add_argument("--sizes", type=int, nargs="+", default=[32, 48, 64], metavar="L",
                   help="film sides L [cells] of the k -> 0 fit (at least two)")
    p.add_argument("--coarse-sizes", type=int, nargs="+", default=[64, 96, 128],
                   metavar="L", help="film sides of the tessellations with T > 2a")
    p.add_argument("--realisations", type=int, default=16,
                   help="masks per point and size (>= 3)")
    p.add_argument("--seed", type=int, default=0, help="realisation r of size L draws "
                   "from numpy default_rng([seed + L, r]); in [0, 2**63)")
    p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK,
                   help="masks per chunk (the unit of resume and of a Dask task)")
    p.add_argument("--material", default="FePt", choices=MATERIALS,
                   help="material preset (its lattice constant a is the cell size)")
    _add_where(p)
    p.set_defaults(func=cmd_film)


def register(sub):
    """Add the ``generate`` subcommand to the subparsers ``sub`` of the ``spsll`` parser."""
    from .cli import HelpFormatter, add_solver_options
    from .data.generate import DEFAULT_CHUNK, FILM_CELLS
    from .data.plans import PLANS, SIGMA_RANGE, TAU_RANGE
    g = sub.add_parser("generate", help="generate a dataset of dispersions, domain walls "
                       "or 2-D film ensembles (HDF5, resumable)",
                       description="Generate a dataset into an HDF5 store; rerun the same command to resume.")
    kinds = g.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, help_ in (("dispersions", "magnon dispersions (paper: --n 1000)"),
                        ("walls", "relaxed domain walls and their widths (paper: --n 12000)"),
                        ("film_dispersions", "magnon dispersions of SPS-LL films (--n-cells NX NY)")):
        p = kinds.add_parser(kind, help=help_, description=help_, formatter_class=HelpFormatter,
                             conflict_handler="resolve")  # a film's --n-cells replaces the chain's
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
        if kind == "film_dispersions":
            p.add_argument("--n-cells", type=int, nargs=2, default=list(FILM_CELLS),
                           metavar=("NX", "NY"), help="cells of the film along x and y (>= 8 each)")
        _add_where(p)
        if kind != "walls":
            p.add_argument("--power", action="store_true",
                           help="also store the spectrum (float32; 1-D: ~1 MB per sample)")
        else:
            p.add_argument("--mode", choices=["relax", "dynamics"], default="relax",
                           help="relax: torque minimisation; dynamics: the paper's alpha = 1 run for 100 ps")
        p.set_defaults(func=cmd_generate)
    _register_film(kinds)
