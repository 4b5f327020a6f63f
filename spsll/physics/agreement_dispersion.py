"""Gap and whole-dispersion agreement of statistical models with explicit 2-D vacancy ensembles.

:mod:`spsll.physics.agreement` compares the models' k → 0 stiffness with explicit films.  This
module compares whole dispersions, all through the SAME solver and analysis
(:func:`spsll.dispersion` on an n × n film, the paper's Gaussian recipe, peak of the power at
each (kx, ky), then the azimuthal average :func:`spsll.physics.film.azimuthal_average`):

* ``explicit``: the ensemble of R masked films (tessellation or site-dilution masks), the power
  averaged over realisations before the peak search (as :func:`spsll.physics.explicit.explicit_dispersion`,
  which gives the same numbers for tessellations: tested);
* ``sps_ll``: SPS-LL with the 2-D ``parseval`` envelope s = N·IFFT2(√S) (site dilution has no
  RTN form; its envelope is uniform p, the ``mean_field`` run, so no separate run is made);
* ``mean_field``: SPS-LL with the uniform envelope s = p (virtual crystal);
* ``calibrated``: SPS-LL with the uniform envelope s = D/D₀(p, T) of the calibrated kernel
  (:func:`spsll.physics.agreement.kernel`): the kernel used as the solver's envelope
  (:func:`calibrated_dispersion`);
* ``finite_k``: the k-dependent kernel of :mod:`spsll.physics.agreement_finite_k`, a closed form
  (no solver) read on the same rings; its exact frequencies lack the analysis' resolution error
  that the solver's curves carry (6.5 GHz MAE for the ideal 32² film over 5 ps, 1 GHz over 10 ps).

**Gap.**  The gap is the frequency of the k = 0 mode.  Linearised about m = ẑ, ψ = m_x + i m_y
obeys i dψ/dt = γμ0[(Hk − Ms) ψ + Ms(λex/a)² L ψ] on the present cells of an explicit film, with
L the graph Laplacian (:mod:`spsll.physics.stiffness`).  Since 1ᵀL = 0, the film's k = 0 Fourier
component Σ_j ψ_j obeys i d/dt Σψ = γμ0(Hk − Ms) Σψ exactly: it precesses at
f₀ = (γμ0/2π)(Hk − Ms) whatever the mask.  A uniform envelope s gives the same (Σ_j Δ(sψ)_j = 0
on the periodic grid).  A non-uniform SPS-LL envelope does not: the exchange field's z part
Ms(λex/a)² Δs acts as a local field and shifts the k = 0 line.  So the explicit gap is f₀ (tested
against the ideal film through the same analysis), and only SPS-LL ``parseval`` can miss it.
The measured gap is the refined peak at k = 0; with Δf = 1/duration comparable to f₀ it carries
the analysis' bias, the same for every curve, which cancels in the gap *error*.

**Whole dispersion.**  ``zone_mae``: mean over the rings of abs(f_model − f_explicit) up to
abs(k) = π/a (``half_zone_mae``: up to π/(2a)).  ``stiffness``: the exchange part's scale at
long wavelengths,

    s_disp = Σ_rings Δf Δf_ideal / Σ_rings Δf_ideal²,   Δf = f − f₀,  abs(k) ≤ π/(4a),

1 for the ideal film and s for a uniform envelope s (f = f₀ + s Δf_ideal exactly).  For explicit
films it is a finite-k stiffness, above the k → 0 value D/D₀ (:mod:`spsll.physics.stiffness`).

Costs are wall seconds measured in the same run: each model's solver run against the explicit
ensemble it replaces, and the closed form f₀ + s Δf_ideal (:func:`uniform_envelope_frequency`)
that a uniform envelope makes exact.  Frequencies in Hz, lengths in m.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .._validate import defect_params, positive_int
from .agreement import kernel, point_keys, site_label, tessellation_label
from .envelope import s_min
from .defects2d import site_dilution_masks, tessellation_masks
from .agreement_finite_k import finite_k_curves
from .film import azimuthal_average, ideal_film_frequency
from .magnons import dispersion, refine_peaks
from .onenumber import gap_frequency
from .problem import check_material

__all__ = ["DISPERSION_MODELS", "uniform_envelope_dispersion", "calibrated_dispersion",
           "uniform_envelope_frequency", "closed_form_curves", "ensemble_peaks", "DispersionAgreement",
           "dispersion_agreement"]

DISPERSION_MODELS = ("sps_ll", "mean_field", "calibrated", "finite_k")
#: bytes of recorded m(t) per chunk that sets the default ``batch_size`` of
#: :func:`dispersion_agreement` (24 bytes per cell and time sample, as ``spsll.dispersion`` counts)
_RECORD_BYTES = 1e9


def _check_s(s):
    s = np.atleast_1d(np.asarray(s, float))
    if s.ndim != 1 or not np.all(np.isfinite(s)) or np.any((s <= 0) | (s > 1)):
        raise ValueError(f"s (the uniform envelope) must be in (0, 1], got {s.tolist()}")
    return s


def uniform_envelope_dispersion(material, s, *, n_cells, **kw):
    """SPS-LL dispersion whose envelope is the uniform s ∈ (0, 1] (scalar or (B,)), exchange
    Ms(λex/a)² Δ(s m) = s Ms(λex/a)² Δm.

    The ``mean_field`` scheme's envelope is N·IFFT(√(p² δ_k0)) = p in every cell, so this is
    :func:`spsll.dispersion` with scheme="mean_field" at (σ', τ') = (s a, (1 − s) a), whose
    p' = s (T' plays no part); ``sigma``/``tau`` of the result are those σ', τ'.  Keyword
    arguments go to :func:`spsll.dispersion` (``scheme`` is fixed)."""
    material = check_material(material)
    scalar = np.ndim(s) == 0
    s = _check_s(s)
    if "scheme" in kw:
        raise TypeError("uniform_envelope_dispersion fixes scheme='mean_field'")
    s = s[0] if scalar else s
    return dispersion(material, s * material.a, (1 - s) * material.a, scheme="mean_field",
                      n_cells=n_cells, **kw)


def calibrated_dispersion(material, sigma, tau, *, n_cells, calibration=None, **kw):
    """SPS-LL dispersion of tessellation defects (σ, τ) [m] with the calibrated kernel as its
    envelope: s = D/D₀(p, T) (:func:`spsll.physics.agreement.kernel`), p = σ/(σ+τ),
    T = στ/(σ+τ).  A ValueError if some (σ, τ) lies at or below the threshold (s = 0: no
    spanning film).  Returns (result, s)."""
    material = check_material(material)
    sg, t, batched = defect_params(sigma, tau)
    s = kernel(sg / (sg + t), sg * t / (sg + t), material.a, calibration)
    if np.any(s <= 0):
        raise ValueError(f"(sigma, tau) at indices {np.flatnonzero(s <= 0).tolist()} lie at or "
                         "below the percolation threshold: the calibrated stiffness is 0")
    res = uniform_envelope_dispersion(material, s if batched else s[0], n_cells=n_cells, **kw)
    res.sigma, res.tau = (sg, t) if batched else (sg[0], t[0])
    return res, s if batched else float(s[0])


def uniform_envelope_frequency(material, s, kx, ky):
    """Closed form of a uniform envelope s: f = f₀ + s (f_ideal(kx, ky) − f₀) [Hz], with
    f₀ = (γμ0/2π)(Hk − Ms) and f_ideal of :func:`spsll.physics.film.ideal_film_frequency`."""
    f0 = gap_frequency(material)
    return f0 + s * (ideal_film_frequency(material, kx, ky) - f0)


def closed_form_curves(material, p, T, kx, ky, calibration=None):
    """The calibrated model without a solver: azimuthal averages (P, M) [Hz] of
    f₀ + s (f_ideal − f₀) with s = :func:`spsll.physics.agreement.kernel` (p, T), on the grid
    kx, ky [rad/m]; returns (ring k, curves)."""
    KX, KY = np.meshgrid(kx, ky, indexing="ij")
    s = np.atleast_1d(kernel(p, T, material.a, calibration))
    f = uniform_envelope_frequency(material, s[:, None, None], KX[None], KY[None])
    return azimuthal_average(kx, ky, f, material.a)


def ensemble_peaks(material, masks, **kw):
    """Explicit films: peak frequency (P, nx, ny) [Hz] of the realisation-averaged power for
    masks (P, R, nx, ny) of 0/1, and the :func:`spsll.dispersion` result (its k, ky, f, stats).

    All P·R films run in one :func:`spsll.dispersion` call (``kw``: its options), each with its
    mask; the power (FFT of m_x) is averaged over the R realisations of each point, then its
    peak is refined."""
    masks = np.asarray(masks)
    if masks.ndim != 4:
        raise ValueError(f"masks must have shape (P, R, nx, ny), got {masks.shape}")
    P, R = masks.shape[:2]
    acc = {}

    def add(lo, hi, power, _peaks):
        for j in range(lo, hi):
            acc[j // R] = acc.get(j // R, 0.0) + power[j - lo] / R

    run = dispersion(material, np.full(P * R, material.a), 0.0, n_cells=masks.shape[2:],
                     mask=masks.reshape((P * R,) + masks.shape[2:]), keep_power=False,
                     on_chunk=add, **kw)
    power = np.stack([acc[i] for i in range(P)])
    return refine_peaks(power.reshape(P, power.shape[1], -1), run.f).reshape(
        (P,) + masks.shape[2:]), run


@dataclass
class DispersionAgreement:
    """Whole-dispersion agreement (module docstring) at P points.  ``label``, ``p``, ``T`` [m]
    (T = 0: site dilution), ``k`` (M,) ring wavenumbers [rad/m], ``f0`` [Hz], ``curves``
    (name → (P, M) azimuthal peak frequency [Hz]; "explicit" and the models), ``gap`` (name →
    (P,) k = 0 peak [Hz]), ``s`` (model → (P,) envelope value: SPS-LL its flat value s_min),
    ``seconds`` (name → wall seconds of its batched run over all points), ``closed_form_s``
    (seconds of the calibrated closed form, kernel included, for all points)."""

    label: list
    p: np.ndarray
    T: np.ndarray
    k: np.ndarray
    f0: float
    curves: dict
    gap: dict
    s: dict
    seconds: dict
    closed_form_s: float
    a: float

    def _within(self, fraction):
        return self.k <= fraction * math.pi / self.a * (1 + 1e-12)

    def stiffness(self, name) -> np.ndarray:
        """s_disp of a curve (module docstring) over abs(k) ≤ π/(4a), (P,)."""
        low = self._within(0.25)
        ideal = self.curves["ideal"][0, low] - self.f0
        d = self.curves[name][:, low] - self.f0
        return (d @ ideal) / (ideal @ ideal)

    def errors(self) -> dict:
        """Per model: (P,) arrays ``gap_error_GHz`` (model − explicit at k = 0), ``zone_mae_GHz``
        (abs(k) ≤ π/a), ``half_zone_mae_GHz`` (abs(k) ≤ π/(2a)) and ``stiffness`` (s_disp); the
        explicit films' ``stiffness``."""
        ex = self.curves["explicit"]
        half = self._within(0.5)
        out = {"explicit": {"stiffness": self.stiffness("explicit")}}
        for m in self.s:
            dev = np.abs(self.curves[m] - ex) / 1e9
            out[m] = {"gap_error_GHz": (self.gap[m] - self.gap["explicit"]) / 1e9,
                      "zone_mae_GHz": dev.mean(axis=1),
                      "half_zone_mae_GHz": dev[:, half].mean(axis=1),
                      "stiffness": self.stiffness(m)}
        return out

    def summary(self) -> dict:
        """Per model: worst abs(gap error) and worst zone MAE [GHz] over the points, and the
        speed-up (explicit seconds / model seconds, all points; SPS-LL's site-dilution points reuse
        the mean-field run); plus the explicit
        gap's worst offset from the ideal film's (same analysis) and the closed form's speed-up."""
        err = self.errors()
        ex_s = self.seconds["explicit"]
        out = {m: {"worst_gap_error_GHz": float(np.max(np.abs(err[m]["gap_error_GHz"]))),
                   "worst_zone_mae_GHz": float(np.max(err[m]["zone_mae_GHz"])),
                   "worst_half_zone_mae_GHz": float(np.max(err[m]["half_zone_mae_GHz"])),
                   "worst_stiffness_error": float(np.max(np.abs(
                       err[m]["stiffness"] - err["explicit"]["stiffness"]))),
                   "speedup": ex_s / max(self.seconds[m], 1e-12)} for m in self.s}
        out["explicit_gap_minus_ideal_GHz"] = float(
            np.max(np.abs(self.gap["explicit"] - self.gap["ideal"][0])) / 1e9)
        out["closed_form_speedup"] = ex_s / max(self.closed_form_s, 1e-12)
        return out

    def metrics(self) -> dict:
        """Per point (dot-free key): per model gap error, zone MAE, stiffness; plain floats."""
        err = self.errors()
        return {key: {m: {n: float(v[i]) for n, v in e.items()} for m, e in err.items()}
                for i, key in enumerate(point_keys(self.label))}


def _points(material, sigma, tau, site_p):
    s, t = (defect_params(sigma, tau)[:2] if np.size(sigma) or np.size(tau)
            else (np.empty(0), np.empty(0)))
    a = material.a
    pts = [(tessellation_label(si, ti, a), si / (si + ti), si * ti / (si + ti), si, ti)
           for si, ti in zip(s, t)]
    return pts + [(site_label(p), float(p), 0.0, None, None) for p in np.atleast_1d(site_p)]


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def dispersion_agreement(material, sigma=(), tau=(), site_p=(), *, n_cells=32, n_realisations=8,
                         seed=0, calibration=None, crossover=None, **kw) -> DispersionAgreement:
    """Explicit film ensembles and the models' dispersions (module docstring) at tessellation
    points (σ, τ) [m] and site-dilution values p, on n × n films (``n_cells``), R =
    ``n_realisations`` masks per point (seeded); ``calibration`` and ``crossover`` those of the
    kernels (default their fitted constants).  Each family of runs is one batched
    :func:`spsll.dispersion` call; ``kw`` go to every call (duration, dt_sample, ...); the
    default ``batch_size`` keeps the recorded m(t) of a chunk near 1 GB."""
    material = check_material(material)
    n = positive_int("n_cells", n_cells, low=8)
    R = positive_int("n_realisations", n_realisations)
    pts = _points(material, sigma, tau, site_p)
    if not pts:
        raise ValueError("give at least one tessellation point (sigma, tau) or one site_p")
    a, grid = material.a, (n, n)
    n_t = round(kw.get("duration", 10e-12) / kw.get("dt_sample", 10e-15))
    kw.setdefault("batch_size", int(np.clip(_RECORD_BYTES / (24.0 * n_t * n * n), 1, 128)))
    p = np.array([q[1] for q in pts])
    T = np.array([q[2] for q in pts])
    tess = np.array([q[3] is not None for q in pts])
    run = dict(n_cells=grid, keep_power=False, **kw)
    ideal = dispersion(material, 10 * a, 0.0, **run)
    masks = np.stack([tessellation_masks(si, ti, grid, a, R, seed)[0] if si is not None
                      else site_dilution_masks(pi, grid, R, seed)[0] for _, pi, _, si, ti in pts])
    (ex, _), secs = _timed(ensemble_peaks, material, masks, **kw)
    seconds = {"explicit": secs}
    s_cal = kernel(p, T, a, calibration)
    peaks = {"ideal": ideal.peak_frequency[None], "explicit": ex}
    s_used = {"mean_field": p, "calibrated": s_cal}
    for m, s in s_used.items():
        res, seconds[m] = _timed(uniform_envelope_dispersion, material, s, **run)
        peaks[m] = res.peak_frequency
    # SPS-LL: the parseval envelope of the tessellations; site dilution has no RTN form, its
    # envelope is uniform p (the mean-field run, not repeated: no extra seconds)
    peaks["sps_ll"] = peaks["mean_field"].copy()
    s_used["sps_ll"] = p.copy()
    seconds["sps_ll"] = 0.0
    if tess.any():
        sg = np.array([q[3] for q in pts if q[3] is not None])
        tu = np.array([q[4] for q in pts if q[3] is not None])
        res, seconds["sps_ll"] = _timed(dispersion, material, sg, tu, **run)
        peaks["sps_ll"][tess] = res.peak_frequency
        s_used["sps_ll"][tess] = s_min(grid, a, sg, tu)
    _, closed = _timed(closed_form_curves, material, p, T, ideal.k, ideal.ky, calibration)
    i0, j0 = int(np.argmin(np.abs(ideal.k))), int(np.argmin(np.abs(ideal.ky)))
    curves, gap = {}, {}
    for name, v in peaks.items():
        k, curves[name] = azimuthal_average(ideal.k, ideal.ky, v, a)
        gap[name] = v[:, i0, j0]
    # the k-dependent kernel: a closed form whose k = 0 line is f₀ exactly, which the analysis
    # reports as the ideal film's k = 0 peak (a pure f₀ line)
    (_, curves["finite_k"]), seconds["finite_k"] = _timed(
        finite_k_curves, material, p, T, ideal.k, ideal.ky, calibration, crossover)
    gap["finite_k"] = np.repeat(gap["ideal"], len(pts))
    s_used["finite_k"] = s_cal
    return DispersionAgreement(
        label=[q[0] for q in pts], p=p, T=T, k=k,
        f0=gap_frequency(material), curves=curves, gap=gap,
        s=s_used, seconds=seconds, closed_form_s=closed, a=a)
