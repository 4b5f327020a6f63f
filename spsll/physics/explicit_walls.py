"""Domain walls in chains with explicit vacancies: :func:`explicit_domain_wall` and its analysis.

The paper's wall recipe (:func:`spsll.domain_wall`) run on every realisation's mask, with the
widths defined per realisation (walls in material) and on the ensemble-averaged profile; see
:mod:`spsll.physics.explicit` (which re-exports this module's public names) for the physics.
All lengths in metres.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field as dc_field, fields as dc_fields

import numpy as np

from .._validate import defect_params, finite_scalar, positive_int
from .domainwall import (initial_wall, relax_walls, wall_center, width_cosine_series,
                         width_options, width_tanh_fit)
from .explicit_masks import ExplicitField, check_seed, sample_masks
from .ll import RelaxationError
from .problem import check_material, resolve_device, resolve_dtype

__all__ = ["ExplicitDomainWallResult", "explicit_domain_wall", "present_wall_center"]


@dataclass
class ExplicitDomainWallResult:
    """Output of :func:`explicit_domain_wall` (SI units); P points, R realisations each.

    Per realisation ((P, R, ...) or (R, ...) for scalar σ, τ):

    - ``m`` (3, n) (films (3, n, ny)): relaxed chain (0 at vacancies); ``masks`` (n,) ((n, ny)) int8
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



def _mirrored(v):
    """Rows of a chain followed by their mirror image: the 2n-cell domain of the wall recipe."""
    return np.concatenate([v, v[:, ::-1]], axis=1)


def _realisation_widths(mz, flat, center, pinned, x, material, n_harmonics, n_err, fit_halfwidth):
    """Eq. 10 and tanh-fit widths (and errors) [m] of every wall in material (NaN where pinned).

    Eq. 10 runs on the mirrored profile with vacant cells filled by interpolation; the tanh fit
    uses the present cells only.
    """
    B, n = mz.shape
    a = material.a
    width, width_err, wt, wte = (np.full(B, np.nan) for _ in range(4))
    ok = np.flatnonzero(np.isfinite(center) & ~pinned)
    if ok.size:
        full = _mirrored(_fill_vacancies(mz[ok], flat[ok]))
        width[ok], width_err[ok] = width_cosine_series(full, a, center[ok] + n * a / 2,
                                                       n_harmonics, n_err)
        for b in ok:
            sel = flat[b].astype(bool)
            wt[b], wte[b] = (v[0] for v in width_tanh_fit(
                mz[b, sel][None], x[sel], center[b:b + 1], material.wall_parameter, fit_halfwidth))
    return width, width_err, wt, wte


def _ensemble_profile(mz, flat, P, R, x, material, n_harmonics, n_err, fit_halfwidth):
    """The ensemble-averaged profile m̄_z = Σ_r c_r m_z,r / Σ_r c_r per point (cells present in
    no realisation interpolated) and its widths: a dict of ExplicitDomainWallResult fields."""
    n, a = mz.shape[-1], material.a
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
        ens_w[has], ens_we[has] = width_cosine_series(
            _mirrored(mean_profile[has]), a, ens_center[has] + n * a / 2, n_harmonics, n_err)
    ens_wt, ens_wte = width_tanh_fit(mean_profile, x, ens_center, material.wall_parameter,
                                     fit_halfwidth)
    return dict(mean_profile=mean_profile, coverage=coverage.astype(int), ensemble_width=ens_w,
                ensemble_width_error=ens_we, ensemble_width_tanh=ens_wt,
                ensemble_width_tanh_error=ens_wte, ensemble_center=ens_center)


def _ensemble_widths(width, wt, conv, pinned, creeping, P, R):
    """Mean and spread over the equilibrium walls in material (converged, not pinned) per point."""
    eq_w = np.where(conv, width, np.nan)  # equilibrium walls in material
    eq_wt = np.where(conv, wt, np.nan)

    def per_point(fn, v):
        return np.array([fn(row) for row in v.reshape(P, R)])

    return dict(width_mean=per_point(_mean, eq_w), width_std=per_point(_std, eq_w),
                width_tanh_mean=per_point(_mean, eq_wt), width_tanh_std=per_point(_std, eq_wt),
                n_defined=np.isfinite(eq_w).reshape(P, R).sum(1),
                pinned_fraction=pinned.reshape(P, R).mean(1),
                creeping_fraction=creeping.reshape(P, R).mean(1))


def _wall_masks(masks, s, t, grid, a, R, seed):
    """The ensemble's masks (P, R, *grid): sampled (:func:`sample_masks`) or the user's ``masks``
    ((P, R, *grid), or (R, *grid) for one point), checked to be 0/1."""
    if masks is None:
        return sample_masks(s, t, grid if len(grid) == 2 else grid[0], a, R, seed)
    c = np.asarray(masks)
    if c.shape == (R,) + grid:
        c = c[None]
    if c.shape != (s.size, R) + grid or not np.isin(c, (0, 1)).all():
        raise ValueError(f"masks must be 0/1 of shape (P, R, *n_cells) = {(s.size, R) + grid} (or "
                         f"{(R,) + grid} for one point), got shape {c.shape}")
    return c.astype(np.int8)


def _lines(mz, flat):
    """A film's wall as a line: (m̄_z, present) per realisation, m̄_z(x) the mean of m_z over the
    present cells of each column (0 where the column is entirely vacant, which counts as a vacancy
    of the line).  Chains (B, n) pass through unchanged."""
    if mz.ndim == 2:
        return mz, flat
    count = flat.sum(-1)
    return (np.where(count > 0, (mz * flat).sum(-1) / np.maximum(count, 1), 0.0),
            (count > 0).astype(np.int8))


def _check_relaxed(m_full, torque, tol, max_iter):
    """Raise :class:`RelaxationError` for realisations whose relaxed state is not finite."""
    bad = np.flatnonzero(~np.isfinite(m_full.reshape(m_full.shape[0], -1)).all(axis=1))
    if bad.size:
        raise RelaxationError(
            f"explicit_domain_wall: the relaxation produced non-finite values for realisation(s) "
            f"{bad[:10].tolist()} (torque reached {torque[bad[:3]].tolist()} Ms, tol={tol:g}, "
            f"max_iter={max_iter}); check the material and the masks")


def explicit_domain_wall(material, sigma, tau, *, n_realisations=16, seed=0, n_cells=500, masks=None,
                         tol=1e-6, max_iter=20_000, n_harmonics=None, fit_halfwidth=None, batch_size=1024,
                         dtype="float64", device=None, progress=False) -> ExplicitDomainWallResult:
    """The paper's wall recipe on chains (or films) with explicit vacancies, ``n_realisations`` per (σ, τ).

    Each realisation's chain of ``n_cells`` gets its mask; the mirrored ("duplicate and flip")
    domain of 2 n_cells mirrors the mask too, so the mirror symmetry of :func:`spsll.domain_wall`
    holds exactly.  The ansatz ``spsll.physics.domainwall.initial_wall`` times the mask is relaxed by
    :func:`spsll.physics.integrate.relax` to max ‖m × H‖/Ms < ``tol`` or ``max_iter`` iterations.

    ``n_cells = (n, ny)``: a straight wall across films of n × ny cells (periodic in y; Poisson line
    tessellation masks, :func:`sample_masks`), the ansatz repeated along y.  The wall is then read
    as a line: m̄_z(x) = mean of m_z over the present cells of column x, a column with no present
    cell being a vacancy of the line; centre, classification and widths below are those of m̄_z
    (``m`` and ``masks`` keep the film).  A film's wall can only be ``pinned`` where vacancies cut
    the film across; elsewhere it bends around holes and converges in material.
    ``masks``: 0/1 masks of shape ``(P, R, *n_cells)`` (or ``(R, *n_cells)`` for one point) instead of
    sampled ones (σ, τ then only label the points).

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
    grid = _wall_grid(n_cells)
    n = grid[0]
    R, seed = positive_int("n_realisations", n_realisations), check_seed(seed)
    tol = finite_scalar("tol", tol, low=0, high=1, low_open=True)
    max_iter, batch_size = positive_int("max_iter", max_iter), positive_int("batch_size", batch_size)
    n_harmonics, n_err, fit_halfwidth = width_options(material, n, n_harmonics, fit_halfwidth)
    tdt, dev = resolve_dtype(dtype), resolve_device(device)

    masks = _wall_masks(masks, s, t, grid, material.a, R, seed)  # (P, R, *grid)
    P, B = s.size, s.size * R
    flat = masks.reshape((B,) + grid)
    full_mask = _mirrored(flat)  # mirrored with the chain (along x)
    m0 = initial_wall(material, n).reshape((1, 3, 2 * n) + (1,) * (len(grid) - 1)) * full_mask[:, None]
    t0 = time.perf_counter()
    # the relaxation of spsll.domain_wall; non-converged walls are classified below, not raised
    m_full, conv, torque, iters = relax_walls(
        ExplicitField(material, full_mask, dtype=tdt, device=dev), m0, material.Ms, tol=tol,
        max_iter=max_iter, dtype=tdt, device=dev, batch_size=batch_size, progress=progress,
        desc="explicit walls")
    relax_s = time.perf_counter() - t0
    _check_relaxed(m_full, torque, tol, max_iter)

    x = (np.arange(n) + 0.5 - n / 2) * material.a
    m_half = m_full[:, :, :n]
    mz, line = _lines(m_half[:, 2], flat)  # a film's wall as a line (chains unchanged)
    center, pinned = present_wall_center(mz, line, material.a)
    creeping = ~conv & ~pinned
    if creeping.any():
        _warn_creeping(creeping, torque, max_iter, tol)
    options = (material, n_harmonics, n_err, fit_halfwidth)
    width, width_err, wt, wte = _realisation_widths(mz, line, center, pinned, x, *options)
    per = dict(m=m_half, center=center, pinned=pinned, creeping=creeping, width=width,
               width_error=width_err, width_tanh=wt, width_tanh_error=wte, converged=conv,
               torque=torque, iterations=iters)
    res = ExplicitDomainWallResult(
        x=x, masks=masks, **{k: v.reshape((P, R) + v.shape[1:]) for k, v in per.items()},
        **_ensemble_widths(width, wt, conv, pinned, creeping, P, R),
        **_ensemble_profile(mz, line, P, R, x, *options),
        sigma=s, tau=t, seed=seed, n_realisations=R, stats={"relax_s": relax_s})
    if not batched:  # scalar σ, τ: drop the point axis of every per-point field
        for f in dc_fields(res):
            if f.name not in ("x", "seed", "n_realisations", "stats"):
                setattr(res, f.name, getattr(res, f.name)[0])
    return res


def _wall_grid(n_cells) -> tuple:
    """``n_cells`` as (n,) for a chain or (n, ny) for a film, validated (n ≥ 16, ny ≥ 3)."""
    grid = (n_cells,) if np.ndim(n_cells) == 0 else tuple(n_cells)
    if len(grid) not in (1, 2):
        raise ValueError(f"n_cells must be an integer n or a pair (n, ny), got {n_cells!r}")
    n = positive_int("n_cells", grid[0], low=16)
    return (n,) + tuple(positive_int("n_cells[1] (ny)", g, low=3) for g in grid[1:])


def _warn_creeping(creeping, torque, max_iter, tol):
    warnings.warn(f"explicit_domain_wall: {int(creeping.sum())} of {creeping.size} walls are still creeping "
                  f"towards a vacancy after max_iter={max_iter} (torque up to {torque[creeping].max():.1e} Ms > "
                  f"tol={tol:g}); they are flagged in .creeping and left out of width_mean/width_std",
                  RuntimeWarning, stacklevel=3)
