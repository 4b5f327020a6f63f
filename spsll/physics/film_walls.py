"""A straight wall across a defective film: the statistical model against explicit vacancies.

For each (σ, τ) point the same n × ny film (periodic in y, the mirrored domain 2n × ny along x)
carries

* the SPS-LL wall, :func:`spsll.domain_wall` with ``n_cells=(n, ny)`` (the 2-D envelope), one per
  grid scheme; its width is that of the profile averaged over y;
* an explicit ensemble, :func:`spsll.physics.explicit.explicit_domain_wall` with
  ``n_cells=(n, ny)`` on Poisson line tessellation masks; each wall is read as the line
  m̄_z(x) (the mean of m_z over the present cells of column x).

Each explicit wall is in one of four states: ``in_material`` (converged, a width), ``pinned``
(the sign change of m̄_z spans columns that are entirely vacant: vacancies cut the film),
``creeping`` (not converged after ``max_iter``, pulled towards holes) or ``no_wall`` (converged with
no sign change left: the wall and its mirror image met and annihilated).  Widths in nm.  The
width of the ensemble-averaged profile (chapter 7's ``ensemble_width``) is not reported: walls at
scattered x average to a profile whose slope at its crossing can all but vanish (measured: 553 nm
at (10, 3) nm on 48 × 16 films with 4 realisations).
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np

from ..units import NM
from .domainwall import domain_wall
from .explicit_compare import wall_table
from .explicit_walls import explicit_domain_wall

__all__ = ["compare_film_walls", "film_wall_table"]


def _states(ew):
    """Counts of the four states per point (module docstring) from an ensemble result (P, R)."""
    conv, pinned, creeping = ew.converged, ew.pinned, ew.creeping
    in_mat = conv & ~pinned & np.isfinite(ew.width)
    no_wall = conv & ~pinned & np.isnan(ew.center)
    return {"in_material": in_mat.sum(1), "pinned": pinned.sum(1), "creeping": creeping.sum(1),
            "no_wall": no_wall.sum(1)}


def compare_film_walls(material, sigma, tau, n_cells=(48, 16), n_realisations=8, seed=0,
                       schemes=("parseval", "mean_field"), max_iter=5000) -> dict:
    """Statistical and explicit walls across n × ny films at points (σ, τ) [m] (1-D arrays).

    Returns {point index: dict} with, per point, σ and τ [nm], the counts of the four states,
    the explicit widths (mean, standard deviation and standard error over the walls in material),
    each scheme's width and its difference from
    the explicit mean in standard errors; and "seconds" (explicit ensemble, statistical walls).
    """
    s, t = np.atleast_1d(np.asarray(sigma, float)), np.atleast_1d(np.asarray(tau, float))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # creeping walls are counted below
        ew = explicit_domain_wall(material, s, t, n_realisations=n_realisations, seed=seed,
                                  n_cells=tuple(n_cells), max_iter=max_iter)
    t1 = time.perf_counter()
    sw = {sc: domain_wall(material, s, t, n_cells=tuple(n_cells), scheme=sc) for sc in schemes}
    t2 = time.perf_counter()
    base, states = wall_table(ew, sw), _states(ew)
    out = {}
    for i in range(s.size):
        d = {"sigma_nm": float(s[i] / NM), "tau_nm": float(t[i] / NM)}
        d.update({k: int(v[i]) for k, v in states.items()})
        d.update(base[i])
        d.pop("ensemble_width_nm")
        n_ok, sd = d["n_in_material_converged"], d["width_std_nm"]
        se = sd / math.sqrt(n_ok) if sd is not None and n_ok >= 2 else None
        d["width_se_nm"] = se
        for sc in schemes:
            diff = None if not se else (d[f"{sc}_width_nm"] - d["width_mean_nm"]) / se
            d[f"{sc}_minus_explicit_in_se"] = diff
        out[str(i)] = d
    out["seconds"] = {"explicit": t1 - t0, "statistical": t2 - t1}
    return out


def film_wall_table(cmp: dict, schemes=("parseval", "mean_field")):
    """(header, rows) of :func:`compare_film_walls` for ``spsll.tables.html_table``."""
    header = ["σ, τ (nm)", "in material / pinned / creeping / no wall",
              "explicit width (nm)"] + [f"SPS-LL {sc} (nm)" for sc in schemes]
    rows = []
    for k, d in cmp.items():
        if k == "seconds":
            continue
        mean, se = d["width_mean_nm"], d["width_se_nm"]
        rows.append([f"{d['sigma_nm']:g}, {d['tau_nm']:g}",
                     f"{d['in_material']} / {d['pinned']} / {d['creeping']} / {d['no_wall']}",
                     "—" if mean is None else f"{mean:.3f} ± {se or math.nan:.3f}"]
                    + [d[f"{sc}_width_nm"] for sc in schemes])
    return header, rows
