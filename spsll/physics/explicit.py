"""Explicit vacancies: each sample carries its own RTN realisation as a 0/1 mask on the grid.

The paper replaces a chain with random vacancies by one deterministic statistical kernel (SPS-LL,
Eqs. 3–6) and notes that "in a direct simulation, the RTN can be multiplied directly to the
magnetisation vector, so that a vacancy describes a numerical cell without magnetisation".  This
module is that direct simulation, to test the statistical model against it.

Mask.  Realisation r of an ensemble with base seed ``seed`` at (σ, τ) is

    c = rtn.sample(σ, τ, n a, a, seed=[seed, r])          (0/1 at the cell centres (i + ½) a)

so a realisation is fully named by (σ, τ, seed, r).  The same (seed, r) is used at every (σ, τ)
point of a batch: the ensembles at different points share their random numbers (common random
numbers; differences across the grid are less noisy, but the points are not independent).

Field.  Vacant cells (c_j = 0) carry no magnetisation (m_j = 0) and feel no field; a present cell
feels nearest-neighbour exchange from its present neighbours only (free ends at a vacancy) and the
local field of :class:`spsll.physics.fields.UniaxialAnisotropy`:

    H_j = c_j [ (2A/(μ0 Ms a²)) Σ_{i = j±1} c_i (m_i − m_j) + (Hk − Ms) m_z,j ẑ  (+ H_ext) ].

The exchange is the gradient of the bond energy (2A/a) Σ_bonds c_j c_{j+1} (1 − m_j·m_{j+1}) per
unit area, so it is conservative and symmetric.  Applying the ideal stencil to c·m (the paper's
"RTN multiplied to m") instead gives Σ_{i=j±1} (c_i m_i − m_j), which differs from the free-end
field only by −(number of vacant neighbours) m_j, a term parallel to m_j: it exerts no torque, so
both forms have the same dynamics and equilibria (tested).  The free-end form is implemented.
With no vacancy (τ = 0) the field is the ideal SPS-LL field to the last bit (same operations).

Since m_j = 0 *and* H_j = 0 at vacancies, the LL right-hand side there is exactly 0 in any of its
algebraically equivalent forms (the damping written as α(H − m(m·H)) would otherwise give αH), and
``spsll.physics.integrate.normalize_`` leaves such cells at 0, so the existing integrators work
unchanged and vacancies stay exactly empty.

Physics of 1-D explicit vacancies (what the comparison shows).  A vacancy cuts the exchange, so a
chain with vacancies is a set of decoupled segments of mean length σ: a spin wave cannot cross a
vacancy (the paper's remark that wave scattering is precluded in 1-D), and the modes of a segment
of L cells with free ends are m_j ∝ cos(k (j + ½) a), k = nπ/(L a), with exactly the ideal
frequencies f(k).  A wall is not pinned inside a segment (the free ends attract it): it either sits
in a segment long enough that the force on it is below the relaxation tolerance, or it ends at a
vacancy, where the magnetisation flips across the gap with no width at all.

Observables (same recipes and analysis as :func:`spsll.dispersion` and :func:`spsll.domain_wall`):

* :func:`explicit_dispersion` — the paper's Gaussian excitation (masked: vacant cells stay empty),
  the same integrator and :func:`spsll.physics.magnons.spectrum` per realisation; the ensemble spectrum
  is the *power* averaged over realisations, and its 1-D dispersion the refined peak of that mean
  power (power averaged before peak finding).
* :func:`explicit_domain_wall` — the paper's ansatz on the mirrored domain with the mask mirrored
  too, relaxed with :func:`spsll.physics.integrate.relax`.  Widths are defined in two ways:

  - per realisation, where defined: the wall centre is the m_z sign change between consecutive
    *present* cells nearest the middle of the chain.  If those two cells are neighbours the wall
    sits in material and has a width: the tanh fit over the present cells within
    ±``fit_halfwidth`` of the centre, and the paper's Eq. 10 on the mirrored domain with m_z at
    vacant cells filled by linear interpolation between present cells (the cosine series needs a
    value in every cell; where the wall sits in material the fill only touches the uniform
    domains).  If a vacancy separates them, the wall ends at a vacancy (``pinned``): the
    magnetisation flips across the gap and no width is defined (NaN; counted in ``pinned_fraction``).
  - on the ensemble-averaged profile m̄_z(x) = Σ_r c_r m_z,r / Σ_r c_r (the mean over the
    realisations in which the cell is present; cells present in none are interpolated), which
    includes the scatter of the wall positions: the counterpart of the paper's statement that an
    SPS-LL wall is "analogous to that of an ensemble of domain walls".  Same centre finder, Eq. 10
    and tanh fit as :func:`spsll.domain_wall`.

All lengths in metres, frequencies in Hz.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field as dc_field

import numpy as np
import torch

from . import rtn
from .._validate import defect_params, finite_scalar, positive_int
from .defects2d import tessellation_masks
from .fields import build_field
from .domainwall import initial_wall, relax_walls, wall_center, width_cosine_series, width_tanh_fit
from .magnons import dispersion, gaussian_state, refine_peaks
from .problem import check_material, resolve_device, resolve_dtype

__all__ = ["ExplicitField", "sample_masks", "explicit_dispersion", "explicit_domain_wall",
           "ExplicitDispersionResult", "ExplicitDomainWallResult"]


# ---- masks ------------------------------------------------------------------------------

def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"seed must be an integer >= 0 (realisation r uses rtn.sample(..., seed=[seed, r])), got {seed!r}")
    return int(seed)


def sample_masks(sigma, tau, n_cells, a, n_realisations=16, seed=0):
    """RTN masks for every (σ, τ) point and realisation: int8 array (P, R, n_cells) of 0/1.

    Realisation r is ``rtn.sample(σ, τ, n_cells a, a, seed=[seed, r])`` (cell centres, dx = a),
    the same (seed, r) at every point.  sigma, tau [m]: scalars or equal-length arrays (P points).
    ``n_cells = (nx, ny)``: films, Poisson line tessellations
    (:func:`spsll.physics.defects2d.tessellation_masks`, same seeding), shape (P, R, nx, ny).
    """
    if np.ndim(n_cells) == 1:
        return tessellation_masks(sigma, tau, n_cells, a, n_realisations, seed)
    s, t, _ = defect_params(sigma, tau)
    n = positive_int("n_cells", n_cells, low=2)
    a = finite_scalar("a", a, low=0, low_open=True, unit="m")
    R = positive_int("n_realisations", n_realisations)
    seed = _check_seed(seed)
    out = np.empty((s.size, R, n), dtype=np.int8)
    for r in range(R):
        for i in range(s.size):
            out[i, r] = rtn.sample(s[i], t[i], n * a, a, seed=[seed, r])
    return out


# ---- field ------------------------------------------------------------------------------

def ExplicitField(material, mask, H_ext=None, dtype=torch.float64, device="cpu"):
    """The effective field of chains or films with explicit vacancies (A/m): the SPS-LL field of
    :func:`spsll.physics.fields.build_field` with its exchange term masked,

        H_j = c_j [ Ms (λex/a)² Σ_{i ∈ nn(j)} c_i (m_i − m_j) + (Hk − Ms) m_z,j ẑ (+ H_ext) ],

    periodic; ``mask`` c is a 0/1 array (B, N) or (B, Nx, Ny) (one realisation per sample).  The
    result is callable as ``field(m, index)`` (also ``.h``), ``.exchange`` is the masked exchange
    term and ``.subset(lo, hi)`` the field of samples lo:hi.  m is expected to vanish at vacant
    cells (the integrators keep it so); the field there is 0 regardless.
    """
    material = check_material(material)
    c = np.asarray(mask)
    if c.ndim not in (2, 3) or min(c.shape[1:]) < 3:
        raise ValueError(f"mask must have shape (B, N) or (B, Nx, Ny) with N >= 3, got {c.shape}")
    return build_field(material, c.shape[1:], None, H_ext=H_ext, dtype=dtype, device=device, mask=c)


# ---- dispersion -------------------------------------------------------------------------

@dataclass
class ExplicitDispersionResult:
    """Output of :func:`explicit_dispersion` (SI units); P points, R realisations each.

    - ``k`` (N,) [rad/m] ascending; ``f`` (F,) [Hz]
    - ``power`` (P, F, N) or (F, N): ensemble-averaged power (mean over realisations of abs(FFT₂ m_x)²)
    - ``peak_frequency`` (P, N) or (N,): refined peak per k of the ensemble-averaged power [Hz]
    - ``realisation_peak_frequency`` (P, R, N) or (R, N): peak per k of each realisation's own power [Hz]
    - ``realisation_power`` (P, R, F, N) float32, or None unless ``keep_power=True``
    - ``masks`` (P, R, N) or (R, N) int8 0/1; ``seed``: base seed (realisation r used seed=[seed, r])
    - ``present_fraction`` (P, R) or (R,): fraction of present cells of each mask
    - ``excited_fraction`` (P, R) or (R,): Σ (c m_x,0)² / Σ m_x,0², how much of the Gaussian
      excitation fell on material (it is lost where its centre falls on a vacancy)
    """

    k: np.ndarray
    f: np.ndarray
    power: np.ndarray
    peak_frequency: np.ndarray
    realisation_peak_frequency: np.ndarray
    realisation_power: np.ndarray | None
    masks: np.ndarray
    present_fraction: np.ndarray
    excited_fraction: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    seed: int
    n_realisations: int
    stats: dict = dc_field(default_factory=dict)
    ky: np.ndarray | None = None


def explicit_dispersion(material, sigma, tau, *, n_realisations=16, seed=0, n_cells=500, duration=10e-12,
                        dt_sample=10e-15, alpha=1e-3, amplitude=0.1, width=None, position=None, H_ext=None,
                        rtol=1e-5, atol=None, window=True, keep_power=False, batch_size=128,
                        dtype="float64", device=None, progress=False) -> ExplicitDispersionResult:
    """The paper's dispersion recipe on chains (or films) with explicit vacancies, ``n_realisations`` per (σ, τ).

    Same initial state as :func:`spsll.dispersion` (Gaussian in m_x of standard deviation
    ``width`` = a at ``position`` = middle of the chain, m_z = sqrt(1 − m_x²)) multiplied by the
    mask, the same adaptive integrator (dopri5, ``rtol``/``atol``), the same recording of m_x
    every ``dt_sample`` for ``duration`` and the same analysis (:func:`spsll.physics.magnons.spectrum`).
    sigma, tau [m]: scalars or equal-length arrays.  The ensemble dispersion is the refined peak
    of the realisation-averaged power.  With τ = 0 every realisation equals
    :func:`spsll.dispersion` to round-off.  ``n_cells = (nx, ny)``: films with tessellation masks
    (:func:`sample_masks`); k is then the kx axis, ``ky`` the ky axis, and the grid axes follow.
    """
    material = check_material(material)
    s, t, batched = defect_params(sigma, tau)
    grid = tuple(positive_int("n_cells", v, low=8) for v in np.atleast_1d(n_cells))
    R = positive_int("n_realisations", n_realisations)
    seed = _check_seed(seed)
    if not isinstance(keep_power, bool):
        raise TypeError(f"keep_power must be True or False, got {keep_power!r}")
    n_arg = grid if len(grid) == 2 else grid[0]
    masks = sample_masks(s, t, n_arg, material.a, R, seed)  # (P, R, *grid)
    P, B = s.size, s.size * R
    flat = masks.reshape((B,) + grid)
    duration = finite_scalar("duration", duration, low=0, low_open=True, unit="s")
    n_t = int(round(duration / finite_scalar("dt_sample", dt_sample, low=0, low_open=True, unit="s")))
    F = n_t // 2 + 1
    mean_power = np.zeros((P, F) + grid)
    peaks = np.empty((B,) + grid)
    real_power = np.empty((B, F) + grid, dtype=np.float32) if keep_power else None

    def accumulate(lo, hi, Pw, pk):
        peaks[lo:hi] = pk
        for j in range(lo, hi):
            mean_power[j // R] += Pw[j - lo]
        if keep_power:
            real_power[lo:hi] = Pw

    # the recipe of spsll.dispersion with each realisation's mask (one sample per realisation)
    run = dispersion(material, np.repeat(s, R), np.repeat(t, R), mask=flat, n_cells=n_arg, duration=duration,
                     dt_sample=dt_sample, alpha=alpha, amplitude=amplitude, width=width, position=position,
                     H_ext=H_ext, rtol=rtol, atol=atol, window=window, batch_size=batch_size, dtype=dtype,
                     device=device, progress=progress, keep_power=False, on_chunk=accumulate)
    mean_power /= R
    centre = [n * material.a / 2 for n in grid] if position is None else np.atleast_1d(position)
    mx0 = gaussian_state(grid, material.a, amplitude, material.a if width is None else width, centre)[0]
    axes = tuple(range(1, 1 + len(grid)))
    excited = (mx0[None] ** 2 * flat).sum(axis=axes) / (mx0**2).sum()
    ens = refine_peaks(mean_power.reshape(P, F, -1), run.f).reshape((P,) + grid)
    res = ExplicitDispersionResult(
        k=run.k, f=run.f, power=mean_power, peak_frequency=ens,
        realisation_peak_frequency=peaks.reshape((P, R) + grid),
        realisation_power=None if real_power is None else real_power.reshape((P, R, F) + grid),
        masks=masks, present_fraction=masks.reshape(P, R, -1).mean(-1), excited_fraction=excited.reshape(P, R),
        sigma=s, tau=t, seed=seed, n_realisations=R, stats=run.stats, ky=run.ky)
    if not batched:
        for name in ("power", "peak_frequency", "realisation_peak_frequency", "realisation_power", "masks",
                     "present_fraction", "excited_fraction", "sigma", "tau"):
            v = getattr(res, name)
            if v is not None:
                setattr(res, name, v[0])
    return res


# ---- domain walls -----------------------------------------------------------------------

@dataclass
class ExplicitDomainWallResult:
    """Output of :func:`explicit_domain_wall` (SI units); P points, R realisations each.

    Per realisation ((P, R, ...) or (R, ...) for scalar σ, τ):

    - ``m`` (3, n): relaxed chain (0 at vacancies); ``masks`` (n,) int8
    - ``center``: wall centre [m] on x (sign change of m_z between consecutive present cells; the
      middle of the vacancy gap where the wall ends at a vacancy)
    - ``pinned``: the wall ends at a vacancy (the sign change spans a gap): no width
    - ``creeping``: the wall sits in material but has not converged (it is being pulled to a vacancy)
    - ``width``, ``width_error``: Eq. 10 width and truncation error [m] of every wall in material
      (converged or creeping; NaN where pinned)
    - ``width_tanh``, ``width_tanh_error``: tanh fit over present cells [m] (NaN where pinned)
    - ``converged``, ``torque``, ``iterations``: relaxation diagnostics

    Ensemble ((P,) or scalars):

    - ``width_mean``, ``width_std``, ``width_tanh_mean``, ``width_tanh_std``: mean and standard
      deviation over the equilibrium walls in material (converged, not pinned; ddof = 1; NaN with
      fewer than 2)
    - ``n_defined``: number of those walls; ``pinned_fraction``, ``creeping_fraction``
    - ``mean_profile`` (P, n): ensemble-averaged m_z over present realisations; ``coverage``
      (P, n): how many realisations are present in each cell
    - ``ensemble_width``, ``ensemble_width_error``, ``ensemble_width_tanh``,
      ``ensemble_width_tanh_error``, ``ensemble_center``: Eq. 10 / tanh widths and centre of the
      mean profile [m]
    """

    x: np.ndarray
    m: np.ndarray
    masks: np.ndarray
    center: np.ndarray
    pinned: np.ndarray
    creeping: np.ndarray
    width: np.ndarray
    width_error: np.ndarray
    width_tanh: np.ndarray
    width_tanh_error: np.ndarray
    converged: np.ndarray
    torque: np.ndarray
    iterations: np.ndarray
    width_mean: np.ndarray
    width_std: np.ndarray
    width_tanh_mean: np.ndarray
    width_tanh_std: np.ndarray
    n_defined: np.ndarray
    pinned_fraction: np.ndarray
    creeping_fraction: np.ndarray
    mean_profile: np.ndarray
    coverage: np.ndarray
    ensemble_width: np.ndarray
    ensemble_width_error: np.ndarray
    ensemble_width_tanh: np.ndarray
    ensemble_width_tanh_error: np.ndarray
    ensemble_center: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    seed: int
    n_realisations: int
    stats: dict = dc_field(default_factory=dict)


def present_wall_center(mz: np.ndarray, mask: np.ndarray, a: float):
    """Wall centre of each row from present cells only: returns (center [m], pinned) per row.

    The m_z < 0 → m_z ≥ 0 changes between consecutive present cells are found; the one nearest
    the middle of the chain is the wall.  If the two cells are neighbours the centre is the linear
    interpolation between them (as ``spsll.physics.domainwall.wall_center``); if a vacancy separates
    them, the wall ends at the vacancy (``pinned``) and the centre is the middle of the gap.
    x_i = (i + ½ − n/2) a.  Rows without a sign change give NaN, not pinned.
    """
    mz, mask = np.atleast_2d(mz), np.atleast_2d(mask)
    n = mz.shape[-1]
    center = np.full(mz.shape[0], np.nan)
    pinned = np.zeros(mz.shape[0], bool)
    for b in range(mz.shape[0]):
        idx = np.flatnonzero(mask[b])
        if idx.size < 2:
            continue
        v = mz[b, idx]
        s = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
        if not s.size:
            continue
        mid = 0.5 * (idx[s] + idx[s + 1])
        j = s[np.argmin(np.abs(mid - (n - 1) / 2))]
        i0, i1 = idx[j], idx[j + 1]
        if i1 - i0 == 1:
            frac = -v[j] / (v[j + 1] - v[j])
            center[b] = (i0 + frac + 0.5 - n / 2) * a
        else:
            pinned[b] = True
            center[b] = (0.5 * (i0 + i1) + 0.5 - n / 2) * a
    return center, pinned


def _fill_vacancies(mz: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """m_z with vacant cells filled by linear interpolation between present cells (per row)."""
    out = np.array(mz, dtype=float)
    cells = np.arange(mz.shape[-1])
    for b in range(mz.shape[0]):
        pres = mask[b].astype(bool)
        if pres.all() or not pres.any():
            continue
        out[b, ~pres] = np.interp(cells[~pres], cells[pres], mz[b, pres])
    return out


def _std(v):
    v = v[np.isfinite(v)]
    return float(np.std(v, ddof=1)) if v.size >= 2 else math.nan


def _mean(v):
    v = v[np.isfinite(v)]
    return float(np.mean(v)) if v.size else math.nan


def explicit_domain_wall(material, sigma, tau, *, n_realisations=16, seed=0, n_cells=500, tol=1e-6,
                         max_iter=20_000, n_harmonics=None, fit_halfwidth=None, batch_size=1024,
                         dtype="float64", device=None, progress=False) -> ExplicitDomainWallResult:
    """The paper's wall recipe on chains with explicit vacancies, ``n_realisations`` per (σ, τ).

    Each realisation's chain of ``n_cells`` gets its mask; the mirrored ("duplicate and flip")
    domain of 2 n_cells mirrors the mask too, so the mirror symmetry of :func:`spsll.domain_wall`
    holds exactly.  The ansatz ``spsll.physics.domainwall.initial_wall`` times the mask is relaxed by
    :func:`spsll.physics.integrate.relax` to max ‖m × H‖/Ms < ``tol`` or ``max_iter`` iterations.

    Each realisation ends in one of three states:

    * in material and converged: an equilibrium wall inside a segment long enough that the pull
      of its free ends (∝ exp(−2d/Δ) at distance d) is below ``tol``; its width is defined;
    * ``pinned``: the m_z sign change spans a vacancy gap — the wall has left its segment (or
      started in a vacancy region) and the magnetisation flips across the gap; no width;
    * ``creeping`` (not converged, in material): the wall is being pulled towards the nearer free
      end of its segment, exponentially slowly.  The pull grows as it approaches, so in the
      steepest-descent flow it can only end at the vacancy; the profile is quasi-static and its
      width is reported per realisation, but it is left out of ``width_mean``/``width_std``.
      ``relax`` at α = 1 is not time-accurate: the paper's 100-ps dynamics moves such walls by
      much less than a cell, so the paper's recipe would keep them where they start.

    Creeping walls do not raise (they are the physics of free ends, not a solver failure); a
    :class:`RuntimeWarning` says how many there are.  Widths: see the module docstring.  With
    τ = 0 every realisation equals :func:`spsll.domain_wall` to round-off.
    """
    material = check_material(material)
    s, t, batched = defect_params(sigma, tau)
    n = positive_int("n_cells", n_cells, low=16)
    R = positive_int("n_realisations", n_realisations)
    seed = _check_seed(seed)
    tol = finite_scalar("tol", tol, low=0, high=1, low_open=True)
    max_iter = positive_int("max_iter", max_iter)
    n_err = max(10, round(0.1 * 2 * n))
    n_harmonics = round(0.7 * 2 * n) if n_harmonics is None else \
        positive_int("n_harmonics", n_harmonics, low=n_err + 1, high=2 * n - 1)
    batch_size = positive_int("batch_size", batch_size)
    a = material.a
    fit_halfwidth = 6 * material.wall_parameter if fit_halfwidth is None else \
        finite_scalar("fit_halfwidth", fit_halfwidth, low=2 * a, unit="m")
    tdt, dev = resolve_dtype(dtype), resolve_device(device)

    masks = sample_masks(s, t, n, a, R, seed)  # (P, R, n)
    P = s.size
    B = P * R
    flat = masks.reshape(B, n)
    full_mask = np.concatenate([flat, flat[:, ::-1]], axis=1)  # mirrored with the chain
    field = ExplicitField(material, full_mask, dtype=tdt, device=dev)
    m0 = initial_wall(material, n)[None] * full_mask[:, None, :]
    t0 = time.perf_counter()
    # the relaxation of spsll.domain_wall; non-converged walls are classified below, not raised
    m_full, conv, torque, iters = relax_walls(field, m0, material.Ms, tol=tol, max_iter=max_iter, dtype=tdt,
                                              device=dev, batch_size=batch_size, progress=progress,
                                              desc="explicit walls")
    relax_s = time.perf_counter() - t0
    if not np.all(np.isfinite(m_full)):
        raise RuntimeError("explicit_domain_wall: the relaxation produced non-finite values")

    x = (np.arange(n) + 0.5 - n / 2) * a
    m_half = m_full[:, :, :n]
    mz = m_half[:, 2]
    center, pinned = present_wall_center(mz, flat, a)
    creeping = ~conv & ~pinned
    if creeping.any():
        import warnings
        warnings.warn(f"explicit_domain_wall: {int(creeping.sum())} of {B} walls are still creeping towards a "
                      f"vacancy after max_iter={max_iter} (torque up to {torque[creeping].max():.1e} Ms > tol={tol:g}); "
                      "they are flagged in .creeping and left out of width_mean/width_std", RuntimeWarning, stacklevel=2)
    width = np.full(B, np.nan)
    width_err = np.full(B, np.nan)
    wt = np.full(B, np.nan)
    wte = np.full(B, np.nan)
    ok = np.flatnonzero(np.isfinite(center) & ~pinned)
    if ok.size:
        filled = _fill_vacancies(mz[ok], flat[ok])
        full = np.concatenate([filled, filled[:, ::-1]], axis=1)
        width[ok], width_err[ok] = width_cosine_series(full, a, center[ok] + n * a / 2, n_harmonics, n_err)
        for b in ok:
            sel = flat[b].astype(bool)
            wt[b], wte[b] = (v[0] for v in width_tanh_fit(mz[b, sel][None], x[sel], center[b:b + 1],
                                                           material.wall_parameter, fit_halfwidth))

    # ensemble-averaged profile over present realisations
    mzr = mz.reshape(P, R, n)
    cr = flat.reshape(P, R, n).astype(float)
    coverage = cr.sum(1)
    mean_profile = np.where(coverage > 0, (mzr * cr).sum(1) / np.where(coverage > 0, coverage, 1), 0.0)
    mean_profile = _fill_vacancies(mean_profile, coverage > 0)
    ens_center = wall_center(mean_profile, a)
    ens_w = np.full(P, np.nan)
    ens_we = np.full(P, np.nan)
    has = np.flatnonzero(np.isfinite(ens_center))
    if has.size:
        full = np.concatenate([mean_profile[has], mean_profile[has, ::-1]], axis=1)
        ens_w[has], ens_we[has] = width_cosine_series(full, a, ens_center[has] + n * a / 2, n_harmonics, n_err)
    ens_wt, ens_wte = width_tanh_fit(mean_profile, x, ens_center, material.wall_parameter, fit_halfwidth)

    eq_w = np.where(conv, width, np.nan)  # equilibrium walls in material
    eq_wt = np.where(conv, wt, np.nan)

    def per_point(fn, v):
        return np.array([fn(row) for row in v.reshape(P, R)])

    res = ExplicitDomainWallResult(
        x=x, m=m_half.reshape(P, R, 3, n), masks=masks, center=center.reshape(P, R), pinned=pinned.reshape(P, R),
        creeping=creeping.reshape(P, R),
        width=width.reshape(P, R), width_error=width_err.reshape(P, R), width_tanh=wt.reshape(P, R),
        width_tanh_error=wte.reshape(P, R), converged=conv.reshape(P, R), torque=torque.reshape(P, R),
        iterations=iters.reshape(P, R),
        width_mean=per_point(_mean, eq_w), width_std=per_point(_std, eq_w),
        width_tanh_mean=per_point(_mean, eq_wt), width_tanh_std=per_point(_std, eq_wt),
        n_defined=np.isfinite(eq_w).reshape(P, R).sum(1), pinned_fraction=pinned.reshape(P, R).mean(1),
        creeping_fraction=creeping.reshape(P, R).mean(1),
        mean_profile=mean_profile, coverage=coverage.astype(int),
        ensemble_width=ens_w, ensemble_width_error=ens_we, ensemble_width_tanh=ens_wt,
        ensemble_width_tanh_error=ens_wte, ensemble_center=ens_center,
        sigma=s, tau=t, seed=seed, n_realisations=R, stats={"relax_s": relax_s})
    if not batched:
        for name in ("m", "masks", "center", "pinned", "creeping", "creeping_fraction", "width", "width_error", "width_tanh", "width_tanh_error",
                     "converged", "torque", "iterations", "width_mean", "width_std", "width_tanh_mean",
                     "width_tanh_std", "n_defined", "pinned_fraction", "mean_profile", "coverage",
                     "ensemble_width", "ensemble_width_error", "ensemble_width_tanh", "ensemble_width_tanh_error",
                     "ensemble_center", "sigma", "tau"):
            setattr(res, name, getattr(res, name)[0])
    return res
