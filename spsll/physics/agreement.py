"""Which statistical model gives the long-wavelength stiffness of explicit 2-D vacancies?

For a film with defects (σ, τ) (Poisson line tessellation, :mod:`spsll.physics.defects2d`;
p = σ/(σ+τ), T = στ/(σ+τ)) or uncorrelated site dilution (T = 0), the explicit ensemble's
k → 0 stiffness D/D₀ (:func:`spsll.physics.stiffness.extrapolated_stiffness`) is compared with
models that need no ensemble:

* ``mean_field``: s = p (the virtual crystal; SPS-LL with ``scheme="mean_field"``);
* ``sps_ll``: the SPS-LL envelope's flat value on an n × n film,
  s_min = s(n a/2, n a/2) (:func:`spsll.physics.envelope.envelope_facts`, ``parseval``), the exchange
  scale that an excitation placed there feels;
* ``ema``: Bruggeman/Kirkpatrick effective medium on the lattice with correlated bonds: a bond is
  present when both its cells are, with probability q = p² + p(1−p) e^{−a/T} (the two-point
  function at r = a), and the square lattice's bond EMA gives Σ = 2q − 1 (q_c = ½); with P∞ ≈ p,
  D/D₀ ≈ (2q − 1)/p.  It is Kirkpatrick's (2p² − 1)/p for site dilution (T → 0) and the continuum
  (2p − 1)/p for coarse holes (T ≫ a);
* ``percolation``: threshold-scaled, x = (p − p_c(T))/(1 − p_c(T)) clipped to [0, 1], with p_c
  interpolated between the square lattice's site threshold 0.592746 (T → 0) and the tessellation's
  ½ (T ≫ a; cells are independently material, so the threshold is ½ by self-duality) with the
  EMA's weight w = e^{−a/T}: p_c = ½ + 0.092746 (1 − w), and

      D/D₀ ≈ x + (c₀ + c₁ w) x (1 − x),

  a curvature that changes sign from site dilution (D above the line) to coarse holes (below).
  An empirical kernel calibrated on explicit ensembles (:func:`calibrate`, weighted least squares
  on a calibration map), not derived; ``CALIBRATION`` holds the coefficients fitted on the
  calibration map of ``benchmarks/bench_film.py map`` and :func:`agreement_map` measures the
  kernel on other points.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

import numpy as np

from .._validate import defect_params
from .defects2d import P_C_SITE_SQUARE
from .envelope import envelope_facts
from .stiffness import site_dilution_stiffness, tessellation_stiffness

__all__ = ["MODELS", "CALIBRATION", "kernel", "tessellation_label", "site_label", "point_keys",
           "stiffness_models", "calibrate", "AgreementMap", "agreement_map"]

MODELS = ("mean_field", "sps_ll", "ema", "percolation")
#: (c₀, c₁) of the ``percolation`` kernel, fitted by :func:`calibrate` (see the module docstring).
#: Fitted on the calibration map (28 ensembles, 16 realisations per size) by
#: ``python benchmarks/bench_film.py map --realisations 16``.
CALIBRATION = (0.120, -0.307)


def _bond_weight(T, a):
    """e^{−a/T}: the probability that neighbouring centres share a tessellation cell (0 for T = 0)."""
    T = np.asarray(T, float)
    return np.where(T > 0, np.exp(-a / np.where(T > 0, T, 1.0)), 0.0)


def _p_c(w):
    """Percolation threshold interpolated by the bond weight w (module docstring)."""
    return 0.5 + (P_C_SITE_SQUARE - 0.5) * (1 - w)


def _threshold_scaled(p, w):
    pc = _p_c(w)
    x = np.clip((p - pc) / (1 - pc), 0, 1)
    return x, x * (1 - x)


def kernel(p, T, a, calibration=None):
    """D/D₀ of the calibrated ``percolation`` kernel (module docstring) for arrays p, T [m]
    (T = 0: site dilution); ``calibration`` (c₀, c₁), default ``CALIBRATION``.  It is 0 at and
    below p_c(T) and 1 for the ideal film (p = 1)."""
    p, T = np.broadcast_arrays(np.asarray(p, float), np.asarray(T, float))
    w = _bond_weight(T, a)
    c0, c1 = CALIBRATION if calibration is None else calibration
    x, curv = _threshold_scaled(p, w)
    return x + (c0 + c1 * w) * curv


def stiffness_models(p, T, a, n_cells=64, calibration=None):
    """D/D₀ of the four models (module docstring) for arrays p, T [m] (T = 0: site dilution).

    ``n_cells``: side of the film whose SPS-LL envelope gives ``sps_ll``; ``calibration``: (c₀, c₁)
    of the ``percolation`` kernel (default ``CALIBRATION``).  Returns a dict of arrays.
    """
    p, T = np.broadcast_arrays(np.asarray(p, float), np.asarray(T, float))
    q = p * p + p * (1 - p) * _bond_weight(T, a)
    out = {"mean_field": p.copy(), "ema": np.clip(2 * q - 1, 0, None) / p,
           "percolation": kernel(p, T, a, calibration)}
    # SPS-LL: σ, τ from (p, T): σ = T/(1 − p), τ = T/p; site dilution has no RTN form (T = 0: s = p)
    sps = p.copy()
    has = T > 0
    if has.any():
        sig, tau = T[has] / (1 - p[has]), T[has] / p[has]
        sps[has] = envelope_facts((n_cells, n_cells), a, sig, tau).s_min
    out["sps_ll"] = sps
    return out


def calibrate(p, T, D, D_se, a):
    """(c₀, c₁) of the ``percolation`` kernel by weighted least squares (weights 1/D_se²) of
    D − x = (c₀ + c₁ w) x (1 − x) on explicit ensembles (p, T [m], D, D_se arrays)."""
    p, T, D, D_se = (np.asarray(v, float) for v in (p, T, D, D_se))
    w = _bond_weight(T, a)
    x, curv = _threshold_scaled(p, w)
    A = np.stack([curv, w * curv], axis=1) / D_se[:, None]
    coef = np.linalg.lstsq(A, (D - x) / D_se, rcond=None)[0]
    return float(coef[0]), float(coef[1])


def tessellation_label(sigma, tau, a) -> str:
    """The label of a tessellation point (σ, τ) [m] on cells a [m]: "tessellation (11.8a, 4.01a)"."""
    return f"tessellation ({sigma / a:.3g}a, {tau / a:.3g}a)"


def site_label(p) -> str:
    """The label of a site-dilution point: "site p = 0.65"."""
    return f"site p = {p:g}"


def point_keys(labels) -> list:
    """Dot-free metrics keys of point labels: "site p = 0.65" → "site_p0_65",
    "tessellation (11.8a, 4.01a)" → "tess_11_8a_4_01a"."""
    out = []
    for lab in labels:
        k = lab.replace("site p = ", "site_p").replace("tessellation (", "tess_")
        out.append(re.sub(r"[^0-9a-zA-Z_]+", "_", k.replace(".", "_")).strip("_"))
    return out


@dataclass
class AgreementMap:
    """Explicit k → 0 stiffness and the models at each point.  ``label`` (P,), ``p``, ``T`` [m],
    ``D``, ``D_se`` (explicit ensembles), ``sigma_over_p`` and ``sigma_over_p_se`` (Σ/P∞ on the
    same masks, largest L), ``excess``, ``excess_se`` (k → 0 intercept of D(k)/D₀ − Σ/P∞),
    ``models`` (dict of (P,) arrays), ``explicit_s`` (seconds per point), ``model_s`` (seconds for
    all points and models), ``a`` [m] (the cell, for p_c(T)); :meth:`errors` summarises."""

    label: list
    p: np.ndarray
    T: np.ndarray
    D: np.ndarray
    D_se: np.ndarray
    sigma_over_p: np.ndarray
    sigma_over_p_se: np.ndarray
    excess: np.ndarray
    excess_se: np.ndarray
    models: dict
    explicit_s: np.ndarray
    model_s: float
    a: float = math.nan

    @property
    def keys(self) -> list:
        """Dot-free keys of the points for a metrics record ("site_p0_65", "tess_11_8a_4_01a")."""
        return point_keys(self.label)

    def metrics(self) -> dict:
        """Per point (dot-free key): D/D₀ and its standard error, Σ/P∞ and its standard error, the
        k → 0 excess and its standard error — plain floats for ``spsll.book.record``."""
        names = {"D_over_D0": self.D, "D_se": self.D_se, "sigma_over_p_inf": self.sigma_over_p,
                 "sigma_over_p_inf_se": self.sigma_over_p_se, "excess": self.excess,
                 "excess_se": self.excess_se}
        return {k: {n: float(v[i]) for n, v in names.items()} for i, k in enumerate(self.keys)}

    def errors(self, above=0.3):
        """Per model: max abs(model − D) over points (``max_abs``, at ``worst_point``), over the
        points above percolation, p > p_c(T) of the kernel (``max_abs_above_pc``; every point
        when ``a`` is unknown), and max relative error where D ≥ ``above``."""
        big = self.D >= above
        up = (self.p > _p_c(_bond_weight(self.T, self.a)) if math.isfinite(self.a)
              else np.ones(self.p.shape, bool))
        out = {}
        for m, v in self.models.items():
            dev = np.abs(v - self.D)
            out[m] = {"max_abs": float(np.max(dev)), "worst_point": self.label[int(np.argmax(dev))],
                      "max_abs_above_pc": float(np.max(dev[up])) if up.any() else math.nan,
                      "max_rel_where_D_above": float(np.max(dev[big] / self.D[big]))
                      if big.any() else math.nan}
        return out


def agreement_map(sigma, tau, a, site_p=(), sizes=(32, 48, 64), coarse_sizes=(64, 96, 128),
                  n_realisations=16, seed=0, n_cells=64, calibration=None,
                  ensembles=None) -> AgreementMap:
    """Explicit stiffness and models over tessellation points (σ, τ) [m] and site-dilution values p.

    Tessellations with T > 2a use ``coarse_sizes`` (the finite-k excess decays like (kT)²).
    ``ensembles``: where the explicit fits come from.  None computes them here; else an
    object whose methods ``tessellation`` and ``site`` take the arguments of
    :func:`~spsll.physics.stiffness.tessellation_stiffness` and
    :func:`~spsll.physics.stiffness.site_dilution_stiffness` and return fits, e.g.
    :class:`spsll.data.film_ensembles.StoreEnsembles` (the ensembles of a
    ``spsll generate film_stiffness`` store); ``explicit_s`` then times the lookup.
    """
    tess_fits = tessellation_stiffness if ensembles is None else ensembles.tessellation
    site_fits = site_dilution_stiffness if ensembles is None else ensembles.site
    s, t, _ = defect_params(sigma, tau)
    rows = []
    for si, ti in zip(s, t):
        T = si * ti / (si + ti)
        t0 = time.perf_counter()
        fit = tess_fits(si, ti, a, coarse_sizes if T > 2 * a else sizes, n_realisations, seed)[0]
        rows.append((tessellation_label(si, ti, a), si / (si + ti), T, fit,
                     time.perf_counter() - t0))
    for p in site_p:
        t0 = time.perf_counter()
        fit = site_fits(p, sizes, n_realisations, seed)[0]
        rows.append((site_label(p), p, 0.0, fit, time.perf_counter() - t0))
    p = np.array([r[1] for r in rows])
    T = np.array([r[2] for r in rows])
    t0 = time.perf_counter()
    models = stiffness_models(p, T, a, n_cells, calibration)
    model_s = time.perf_counter() - t0
    get = lambda f: np.array([f(r[3]) for r in rows])
    return AgreementMap(label=[r[0] for r in rows], p=p, T=T, D=get(lambda f: f.D), D_se=get(lambda f: f.D_se),
                        sigma_over_p=get(lambda f: f.sigma_over_p[-1]),
                        sigma_over_p_se=get(lambda f: f.sigma_over_p_se[-1]), excess=get(lambda f: f.excess),
                        excess_se=get(lambda f: f.excess_se), models=models,
                        explicit_s=np.array([r[4] for r in rows]), model_s=model_s, a=a)
