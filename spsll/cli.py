"""Command line: ``spsll --help`` (also ``python -m spsll``).

Subcommands: ``info``, ``dispersion``, ``wall``, ``generate``, ``train``, ``inspect``.

Exit status, the same in every subcommand:

* 0 done;
* 2 a usage error: an invalid option or value, a store written with other settings, a path
  that cannot be written or read, a missing optional package (the message names its extra);
* 3 a store that cannot be used: damaged, not an spsll store, or locked by another run;
* 130 interrupted (Ctrl-C); ``generate`` says how many chunks were kept and how to resume.

Errors print ``spsll: error: ...`` (one line; a settings mismatch lists each setting) (never a traceback); a traceback means a bug.
Every ``--out`` is checked before the computation: missing folders are created and the
folder must be writable.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from ._files import prepare_output, write_json

MATERIALS = ("FePt",)
EXIT_USAGE, EXIT_STORE, EXIT_INTERRUPTED = 2, 3, 130


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Adds ``(default: X)`` to an option's help, except for required options and ``None`` defaults."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if ("%(default)" in text or action.required or default is None or default is False
                or default == argparse.SUPPRESS or not action.option_strings):
            return text
        return text + " (default: %(default)s)"


def _material(name):
    from .physics.material import FePt
    if name == "FePt":
        return FePt
    raise ValueError(f"--material must be one of {MATERIALS}, got {name!r}")


def _fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def cmd_info(args):
    for k, v in _material(args.material).summary().items():
        print(f"{k:36s} {_fmt(v)}")
    return 0


def _solver_kw(args):
    return dict(n_cells=args.n_cells, scheme=args.scheme, device=args.device, dtype=args.dtype)


def cmd_dispersion(args):
    from .physics.magnons import dispersion
    mat = _material(args.material)
    r = dispersion(mat, args.sigma_nm * 1e-9, args.tau_nm * 1e-9, keep_power=False, **_solver_kw(args))
    k, f = r.k, r.peak_frequency
    edge = f[np.argmin(np.abs(np.abs(k) - np.abs(k).max()))]
    print(f"sigma = {args.sigma_nm:g} nm, tau = {args.tau_nm:g} nm: zone-edge peak {edge / 1e12:.3f} THz "
          f"(ideal {mat.ideal_frequency(np.pi / mat.a) / 1e12:.3f} THz)")
    if args.out:
        write_json(args.out, {"k_rad_per_m": k.tolist(), "peak_frequency_Hz": f.tolist(),
                              "sigma_m": float(r.sigma), "tau_m": float(r.tau)})
        print(f"wrote {args.out}")
    return 0


def cmd_wall(args):
    from .physics.domainwall import domain_wall
    mat = _material(args.material)
    r = domain_wall(mat, args.sigma_nm * 1e-9, args.tau_nm * 1e-9, **_solver_kw(args))
    print(f"sigma = {args.sigma_nm:g} nm, tau = {args.tau_nm:g} nm: width (cosine series) "
          f"{r.width * 1e9:.4f} ± {r.width_error * 1e9:.1e} nm, tanh fit {r.width_tanh * 1e9:.4f} ± "
          f"{r.width_tanh_error * 1e9:.1e} nm (continuum ideal {mat.wall_width * 1e9:.4f} nm)")
    if args.out:
        write_json(args.out, {"x_m": r.x.tolist(), "m": r.m.tolist(), "width_m": float(r.width),
                              "width_error_m": float(r.width_error), "width_tanh_m": float(r.width_tanh)})
        print(f"wrote {args.out}")
    return 0


def cmd_inspect(args):
    from .data.store import describe_store
    print(describe_store(args.store))
    return 0


def add_solver_options(sp, *, n_cells=500):
    """--material, --n-cells, --scheme, --device, --dtype: shared by dispersion, wall and generate."""
    from .physics.rtn import SCHEMES
    sp.add_argument("--material", default="FePt", choices=MATERIALS, help="material preset")
    sp.add_argument("--n-cells", type=int, default=n_cells, help="cells of the chain (>= 8; 16 for walls)")
    sp.add_argument("--scheme", default="parseval", choices=SCHEMES,
                    help="how the defect spectrum S(k) is discretised on the grid: " + ", ".join(SCHEMES))
    sp.add_argument("--device", default="cpu",
                    help="torch device: cpu, cuda, cuda:N or mps (the machine must have it)")
    sp.add_argument("--dtype", default="float64", choices=["float64", "float32"],
                    help="floating-point precision of the solver: float64 or float32")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    p = argparse.ArgumentParser(prog="spsll", formatter_class=HelpFormatter, description=(
        "Statistical pseudospectral Landau-Lifshitz (SPS-LL) model of magnetic chains with\n"
        "random vacancies (RTN defects of mean material length sigma and mean vacancy length tau)."),
        epilog="Exit status: 0 done, 2 usage error, 3 unusable or locked store, 130 interrupted.")
    p.add_argument("--version", action="version", version=f"spsll {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("info", help="material parameters and analytic references", formatter_class=HelpFormatter)
    s.add_argument("--material", default="FePt", choices=MATERIALS, help="material preset")
    s.set_defaults(func=cmd_info)
    for name, func, help_, what in (
            ("dispersion", cmd_dispersion, "simulate one dispersion relation (paper Methods)",
             "the dispersion (k [rad/m], peak frequency [Hz])"),
            ("wall", cmd_wall, "relax one domain wall and measure its width", "the wall profile and widths")):
        s = sub.add_parser(name, help=help_, description=help_, formatter_class=HelpFormatter)
        s.add_argument("--sigma-nm", type=float, default=10.0, help="mean material length sigma [nm] (> 0)")
        s.add_argument("--tau-nm", type=float, default=0.0, help="mean vacancy length tau [nm] (>= 0; 0 = ideal)")
        add_solver_options(s)
        s.add_argument("--out", metavar="FILE.json", help=f"write {what} as JSON to this file")
        s.set_defaults(func=func)
    s = sub.add_parser("inspect", help="layout, settings and completeness of a dataset store",
                       description="Print what an HDF5 store of 'spsll generate' holds: kind, samples done, "
                                   "settings, datasets with shapes and units.", formatter_class=HelpFormatter)
    s.add_argument("store", metavar="STORE", help="HDF5 store written by 'spsll generate'")
    s.set_defaults(func=cmd_inspect)
    from .cli_generate import register
    register(sub)
    from .cli_train import register as register_train
    register_train(sub)
    __import__(f"{__package__}.cli_predict", fromlist=["register"]).register(sub)
    return p


#: Subcommands whose --out is a folder (the others write one file).
OUT_IS_FOLDER = ("train",)


def _check_before_running(args):
    """Checks that must fail before any computation: the device and every --out."""
    from .physics.problem import resolve_device
    if getattr(args, "device", None) is not None:
        remote = getattr(args, "dask", None) is not None or getattr(args, "workers", None) is not None
        try:
            resolve_device(args.device, check_available=not remote)
        except ValueError as e:
            raise ValueError(f"--{e}") from None
    out = getattr(args, "out", None)
    if out is not None:
        prepare_output(out, directory=args.command in OUT_IS_FOLDER, name="--out")


def _error_code(e) -> int | None:
    """The exit status of an expected error, or None for a bug (then the traceback is shown)."""
    from .data.store import StoreError, StoreLockedError, StoreMismatchError
    if isinstance(e, StoreMismatchError):
        return EXIT_USAGE
    if isinstance(e, (StoreError, StoreLockedError)):
        return EXIT_STORE
    if isinstance(e, (ValueError, TypeError, OSError, ImportError)):
        return EXIT_USAGE
    return None


def _message(e) -> str:
    if isinstance(e, OSError) and e.filename and e.strerror:
        return f"{e.strerror}: {e.filename}"
    return str(e) or type(e).__name__


def main(argv=None):
    """Run the command line; returns 0 when done.  Errors and Ctrl-C end in ``SystemExit`` with
    the exit status above (as argparse's own usage errors do), after one line on stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_before_running(args)
        return args.func(args)
    except KeyboardInterrupt as e:
        hint = getattr(e, "hint", None)
        print("spsll: interrupted" + (f": {hint}" if hint else ""), file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except Exception as e:
        code = _error_code(e)
        if code is None:
            raise
        print(f"spsll: error: {_message(e)}", file=sys.stderr)
        raise SystemExit(code) from None


def exit_status(argv=None) -> int:
    """Run :func:`main` and return its exit status instead of raising ``SystemExit`` (for
    scripts and tests that run several commands in one process)."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1


if __name__ == "__main__":
    sys.exit(main())
