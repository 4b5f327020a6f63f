"""Command line: ``spsll --help``."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from ._files import write_json


def _material(args):
    from .physics.material import FePt
    if args.material == "FePt":
        return FePt
    raise SystemExit(f"unknown material {args.material!r}; available: FePt")


def cmd_info(args):
    mat = _material(args)
    for k, v in mat.summary().items():
        print(f"{k:36s} {v}")


def cmd_dispersion(args):
    from .physics.magnons import dispersion
    mat = _material(args)
    r = dispersion(mat, args.sigma_nm * 1e-9, args.tau_nm * 1e-9, n_cells=args.n_cells,
                   scheme=args.scheme, device=args.device, dtype=args.dtype, keep_power=False)
    k, f = r.k, r.peak_frequency
    edge = f[np.argmin(np.abs(np.abs(k) - np.abs(k).max()))]
    print(f"sigma = {args.sigma_nm} nm, tau = {args.tau_nm} nm: zone-edge peak {edge / 1e12:.3f} THz "
          f"(ideal {mat.ideal_frequency(np.pi / mat.a) / 1e12:.3f} THz)")
    if args.out:
        write_json(args.out, {"k_rad_per_m": k.tolist(), "peak_frequency_Hz": f.tolist(),
                                      "sigma_m": float(r.sigma), "tau_m": float(r.tau)})
        print(f"wrote {args.out}")


def cmd_wall(args):
    from .physics.domainwall import domain_wall
    mat = _material(args)
    r = domain_wall(mat, args.sigma_nm * 1e-9, args.tau_nm * 1e-9, n_cells=args.n_cells,
                    scheme=args.scheme, device=args.device, dtype=args.dtype)
    print(f"sigma = {args.sigma_nm} nm, tau = {args.tau_nm} nm: width (cosine series) "
          f"{r.width * 1e9:.4f} ± {r.width_error * 1e9:.1e} nm, tanh fit {r.width_tanh * 1e9:.4f} ± "
          f"{r.width_tanh_error * 1e9:.1e} nm (continuum ideal {mat.wall_width * 1e9:.4f} nm)")
    if args.out:
        write_json(args.out, {"x_m": r.x.tolist(), "m": r.m.tolist(), "width_m": float(r.width),
                                      "width_error_m": float(r.width_error),
                                      "width_tanh_m": float(r.width_tanh)})
        print(f"wrote {args.out}")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    p = argparse.ArgumentParser(prog="spsll", description=(
        "Statistical pseudospectral Landau-Lifshitz (SPS-LL) model of magnetic chains with random "
        "vacancies (RTN defects of mean material length sigma and mean vacancy length tau)."))
    p.add_argument("--version", action="version", version=f"spsll {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--material", default="FePt", help="material preset (default: FePt)")
        sp.add_argument("--sigma-nm", type=float, default=10.0, help="mean material length sigma [nm] (> 0)")
        sp.add_argument("--tau-nm", type=float, default=0.0, help="mean vacancy length tau [nm] (>= 0; 0 = ideal)")
        sp.add_argument("--n-cells", type=int, default=500, help="cells of the chain (default 500)")
        sp.add_argument("--scheme", default="parseval", help="discretisation of S(k) on the grid")
        sp.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
        sp.add_argument("--dtype", default="float64", choices=["float64", "float32"])
        sp.add_argument("--out", help="write the result as JSON to this path")

    s = sub.add_parser("info", help="material parameters and analytic references")
    s.add_argument("--material", default="FePt")
    s.set_defaults(func=cmd_info)
    s = sub.add_parser("dispersion", help="simulate one dispersion relation (paper Methods)")
    common(s)
    s.set_defaults(func=cmd_dispersion)
    s = sub.add_parser("wall", help="relax one domain wall and measure its width")
    common(s)
    s.set_defaults(func=cmd_wall)
    from .cli_generate import register
    register(sub)
    from .cli_train import register as register_train
    register_train(sub)
    __import__(f"{__package__}.cli_predict", fromlist=["register"]).register(sub)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as e:
        parser.exit(2, f"spsll: error: {e}\n")


if __name__ == "__main__":
    sys.exit(main())
