"""Scorecard rows of chapter 9 (skyrmions in defective films): beyond the paper, which names
topological textures as its motivation and studies none.

Each verdict is computed from the ``skyrmions`` record of a book run with the rule stated in
its row; :func:`skyrmion_rows` is appended to :func:`spsll.scorecard.beyond`.
"""
from __future__ import annotations

from .scorecard import Metrics, Row, _all, holds

#: the exchange and DMI stencils are second-order central differences: R(a) − R_L ∝ a², and a
#: fitted order within 0.3 of 2 over the cell sizes of the run says so (the ci fit over four
#: cells gives 2.08)
ORDER_TOL = 0.3
#: a statistical model that predicts survival should fall inside the explicit ensemble's 95 %
#: Wilson interval at nearly every point; 0.9 leaves room for one miss in ten points
INSIDE_FRACTION = 0.9

__all__ = ["skyrmion_rows"]


def skyrmion_rows(m: Metrics) -> list[Row]:
    """The radius against the radial ODE, the statistical models against explicit films, and
    the surrogate against predicting the mean."""
    order, offset = m["skyrmions.convergence.order"], m["skyrmions.convergence.film_offset_nm"]
    radii, ode = m["skyrmions.convergence.radius_nm"], m["skyrmions.convergence.ode_radius_nm"]
    conv = _all(order, offset, radii, ode)
    rows = [Row("A relaxed lattice skyrmion converges to the continuum radius (radial ODE)",
                "not studied (skyrmions are the motivation)",
                "not measured" if not conv else
                f"R = {radii[-1]:.4f} nm at the finest cell against the ODE's {ode:.4f} nm; order "
                f"{order:.2f} in the cell size; film limit {offset:+.4f} nm from the ODE",
                "not measured" if not conv else holds(abs(order - 2) <= ORDER_TOL),
                "scipy's solve_bvp on the radial Euler–Lagrange equation, independent of the field "
                f"code; second order expected (bound ±{ORDER_TOL}); the film limit's offset is the "
                "periodic images")]
    inside = {k: m[f"skyrmions.map.{k}.inside_explicit_interval"]
              for k in ("envelope", "mean_field")}
    mae = {k: m[f"skyrmions.map.{k}.survival_mae_vs_explicit"] for k in inside}
    explicit = m["skyrmions.map.explicit.mean_survival"]
    ok = _all(explicit, *inside.values(), *mae.values())
    best = max(inside, key=lambda k: inside[k]) if ok else None
    rows.append(Row(
        "A statistical defect model predicts whether a skyrmion survives its defects",
        "the paper's motivation (“the parameter range in which their existence is guaranteed”)",
        "not measured" if not ok else
        f"explicit films keep it at {100 * explicit:.0f} % of the map's films; the SPS-LL "
        f"envelope is inside their 95 % interval at {100 * inside['envelope']:.0f} % of the "
        f"points (survival MAE {mae['envelope']:.2f}), mean field at "
        f"{100 * inside['mean_field']:.0f} % (MAE {mae['mean_field']:.2f})",
        "not measured" if not ok else
        ("holds" if inside[best] >= INSIDE_FRACTION else "limitation of the model"),
        "explicit tessellated films, several per point, against one deterministic film per "
        "model; a model that holds falls inside the binomial (Wilson) interval at ≥ "
        f"{100 * INSIDE_FRACTION:.0f} % of the points"))
    sur, mean = m["skyrmions.surrogate.surrogate"], m["skyrmions.surrogate.mean"]
    speed = m["skyrmions.surrogate_speedup"]
    ok = _all(sur, mean, speed)
    rows.append(Row(
        "A surrogate of the skyrmion existence map beats predicting the mean",
        "asked (“the minimum material quality”), not built",
        "not measured" if not ok else
        f"leave-one-point-out survival MAE {sur['survival_mae']:.3f} against the mean's "
        f"{mean['survival_mae']:.3f}; {speed:.2g}× faster than the solver per point",
        "not measured" if not ok else holds(sur["survival_mae"] < mean["survival_mae"]),
        "trained on the explicit ensembles; each grid point held out in turn; the mean is the "
        "pooled survival of the other points"))
    return rows
