"""Relaxed domain walls of the (defective) chain and their widths (paper Methods, Fig. 1e–f).

Initial state (paper's ansatz): on a chain of n cells (default 500) centred on the wall,

    m_z = tanh(x / Δ),  m_y = 0,  m_x = sqrt(1 − m_z²),    Δ = sqrt(A / K_eff),

x_i = (i + ½ − n/2) a.  A periodic (FFT) domain needs two walls, so the simulated domain is the
mirrored ("duplicate and flip") extension of length L = 2 n a: cells 0…n−1 hold the chain and
cells n…2n−1 its mirror image; the walls sit at L/4 and 3L/4.

Where the walls sit relative to the defect envelope: s(x) is the envelope of the n-cell chain
(as for the dispersion), tiled twice over the mirrored domain, with its peak in the middle of the
domains (x = ±n a/2) and its minimum at each wall centre.  Both walls then see an envelope that
is symmetric about them, so they have no reason to move, and the mirror symmetry is exact.  A
wall placed on a slope of s(x) drifts towards the minimum of s (the torque of Δ(s m) pushes it
there; Δ(s m) is not reciprocal, J_ij = s_j, so there is no exchange energy it lowers), which is
why the placement matters; ``envelope_offset`` (cells) moves the peak for such studies (the
symmetric alternative is ``envelope_offset = n/2``: walls on the peak).  ``mirror_envelope``
chooses the envelope of the mirrored domain: ``"tiled"`` (default, above: the n-cell envelope,
flat value s_min(n)) or ``"whole"`` (the 2n-cell envelope, one spike, flat value s_min(2n); the
walls at L/4, 3L/4 sit in its flat region, and the mirror symmetry is kept).

Relaxation: ``mode="relax"`` (default) minimises the torque with precession off until
max ‖m × H‖ / Ms < ``tol``; ``mode="dynamics"`` integrates the LL equation with α = 1 for 100 ps
as the paper does.  Both reach the same equilibrium (tested).

Width (both reported):

* ``width`` — the paper's cosine-series linearisation (Eq. 10): θ = arccos(m_z) on the mirrored
  domain is expanded as f(x) = a₀/2 + Σₙ aₙ cos(nπx/L) (a discrete cosine transform of the cell
  values, n ≤ ``n_harmonics``, 700 for the paper's 500-cell chain), the series is linearised at the wall centre x_w,
  f(x) ≈ f(x_w) + f'(x_w)(x − x_w), f'(x_w) = −Σ aₙ (nπ/L) sin(nπ x_w/L), and the width is the
  distance over which the line spans 0…π, w = π / abs(f'(x_w)) (= π sqrt(A/K_eff) for the
  continuum tanh wall).  ``width_error`` is the standard deviation of the widths obtained with
  the truncations n = 601 … 700 (the last 100 harmonics; 10 % of the mirrored cells in general).
* ``width_tanh`` — a least-squares fit of m_z = tanh((x − x₀)/Δ) within ±``fit_halfwidth`` of
  the centre, w = πΔ, with its 1-σ error from the fit covariance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field as dc_field

import numpy as np
import scipy.fft
import scipy.optimize
import torch

from .._validate import finite_scalar, positive_int
from .integrate import LandauLifshitz, RelaxationError, dopri5, relax
from .problem import check_alpha, setup


@dataclass
class DomainWallResult:
    """Output of :func:`spsll.domain_wall` (SI units).

    x : (n,) cell centres of the chain [m], wall initially at x = 0
    m : (B, 3, n) or (3, n) relaxed magnetisation of the chain (the first half of the mirrored domain)
    width, width_error : cosine-series width and its truncation error [m]
    width_tanh, width_tanh_error : tanh-fit width and its 1-σ fit error [m]
    center : wall centre (m_z = 0 crossing) [m]
    converged, torque, iterations : relaxation diagnostics (max ‖m × H‖ / Ms at the end)
    """

    x: np.ndarray
    m: np.ndarray
    width: np.ndarray
    width_error: np.ndarray
    width_tanh: np.ndarray
    width_tanh_error: np.ndarray
    center: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    converged: np.ndarray
    torque: np.ndarray
    iterations: np.ndarray
    stats: dict = dc_field(default_factory=dict)


def initial_wall(material, n: int) -> np.ndarray:
    """The paper's ansatz on the mirrored domain of 2n cells, shape (3, 2n)."""
    x = (np.arange(n) + 0.5 - n / 2) * material.a
    mz = np.tanh(x / material.wall_parameter)
    half = np.stack([np.sqrt(np.clip(1 - mz**2, 0, None)), np.zeros(n), mz])
    return np.concatenate([half, half[:, ::-1]], axis=1)


def wall_center(mz: np.ndarray, a: float) -> np.ndarray:
    """Position [m] of the first m_z = 0 crossing of each row of ``mz`` (B, n) (linear interpolation),
    measured on the grid x_i = (i + ½ − n/2) a."""
    mz = np.atleast_2d(mz)
    n = mz.shape[-1]
    out = np.full(mz.shape[0], np.nan)
    for b, row in enumerate(mz):
        s = np.flatnonzero((row[:-1] < 0) & (row[1:] >= 0))
        if s.size:
            i = s[np.argmin(np.abs(s - n / 2))]
            frac = -row[i] / (row[i + 1] - row[i])
            out[b] = (i + frac + 0.5 - n / 2) * a
    return out


def width_cosine_series(mz_full: np.ndarray, a: float, x_wall: np.ndarray, n_harmonics: int = 700,
                        n_err: int = 100):
    """Paper Eq. 10 on the mirrored domain: returns (width, error) [m] per row of ``mz_full`` (B, 2n).

    ``x_wall``: wall positions [m] measured from the start of the mirrored domain (x_j = (j + ½) a).
    """
    mz_full = np.atleast_2d(mz_full)
    N = mz_full.shape[-1]
    if not (n_err < n_harmonics < N):
        raise ValueError(f"n_harmonics must be in ({n_err}, {N}) for a domain of {N} cells, got {n_harmonics}")
    L = N * a
    theta = np.arccos(np.clip(mz_full, -1.0, 1.0))
    # Half-range cosine coefficients a_n = (2/N) Σ_j θ_j cos(nπ (j+½)/N): DCT-II / N.
    coef = scipy.fft.dct(theta, type=2, axis=-1) / N
    nn = np.arange(N)
    xw = np.asarray(x_wall, dtype=float).reshape(-1, 1)
    terms = -coef * (nn * math.pi / L) * np.sin(nn * math.pi * xw / L)  # (B, N)
    slopes = np.cumsum(terms[:, : n_harmonics + 1], axis=-1)  # f'(x_w) truncated at n = 0..n_harmonics
    widths = math.pi / np.abs(slopes[:, n_harmonics - n_err + 1:])
    return widths[:, -1], widths.std(axis=-1)


def width_tanh_fit(mz: np.ndarray, x: np.ndarray, center: np.ndarray, guess: float, fit_halfwidth: float):
    """Fit m_z = tanh((x − x₀)/Δ) near each wall; returns (πΔ, π σ_Δ) [m].

    σ_Δ is the 1-σ error of Δ from the Gauss–Newton covariance s² (JᵀJ)⁻¹, s² the residual
    variance (zero for a profile that is exactly a tanh).
    """
    mz = np.atleast_2d(mz)
    w = np.full(mz.shape[0], np.nan)
    e = np.full(mz.shape[0], np.nan)
    for b in range(mz.shape[0]):
        c = center[b] if np.isfinite(center[b]) else 0.0
        sel = np.abs(x - c) <= fit_halfwidth
        xs, ys = x[sel] / guess, mz[b, sel]  # dimensionless for a well-conditioned fit
        res = scipy.optimize.least_squares(lambda q: np.tanh((xs - q[0]) / q[1]) - ys, x0=(c / guess, 1.0),
                                           bounds=([-np.inf, 1e-3], [np.inf, np.inf]), xtol=1e-14, ftol=1e-14)
        if not res.success:
            continue
        dof = max(xs.size - 2, 1)
        s2 = 2 * res.cost / dof
        cov = s2 * np.linalg.pinv(res.jac.T @ res.jac)
        w[b] = math.pi * res.x[1] * guess
        e[b] = math.pi * math.sqrt(max(cov[1, 1], 0.0)) * guess
    return w, e


def width_options(material, n: int, n_harmonics=None, fit_halfwidth=None):
    """Validated width-analysis options for a chain of n cells (mirrored domain of 2n cells).

    Returns (n_harmonics, n_err, fit_halfwidth [m]): the paper's 700 harmonics with the error
    from the last 100 of a 1000-cell mirrored domain, scaled with n (n_err = max(10, 0.2 n),
    n_harmonics = 1.4 n by default, in (n_err, 2n)), and a tanh-fit half-width of 6 Δ by
    default (at least 2 a).
    """
    n_err = max(10, round(0.1 * 2 * n))
    n_harmonics = round(0.7 * 2 * n) if n_harmonics is None else \
        positive_int("n_harmonics", n_harmonics, low=n_err + 1, high=2 * n - 1)
    fit_halfwidth = 6 * material.wall_parameter if fit_halfwidth is None else \
        finite_scalar("fit_halfwidth", fit_halfwidth, low=2 * material.a, unit="m")
    return n_harmonics, n_err, fit_halfwidth


def relax_walls(field, m0, Ms, *, mode="relax", tol=1e-6, max_iter=50_000, alpha=1.0, duration=100e-12,
                rtol=1e-6, dtype=torch.float64, device="cpu", batch_size=1024, progress=False, desc="domain walls"):
    """The wall recipe's relaxation of m0 (B, 3, *grid) under ``field``, in chunks of ``batch_size``.

    ``mode="relax"``: :func:`spsll.physics.integrate.relax` to max ‖m × H‖/Ms < ``tol``;
    ``"dynamics"``: the LL equation with damping ``alpha`` for ``duration`` s (dopri5, ``rtol``).
    Returns (m (B, 3, *grid) numpy, converged (B,), torque (B,), iterations (B,)); does not raise
    on non-convergence (the caller decides).
    """
    B = m0.shape[0]
    m_out = np.empty(m0.shape)
    conv = np.zeros(B, bool)
    torque = np.zeros(B)
    iters = np.zeros(B, int)
    chunks = range(0, B, batch_size)
    if progress:
        from tqdm.auto import tqdm
        chunks = tqdm(chunks, desc=desc, unit="chunk")
    for lo in chunks:
        hi = min(B, lo + batch_size)
        sub = field.subset(lo, hi)
        y0 = torch.as_tensor(np.array(m0[lo:hi]), dtype=dtype, device=device)
        if mode == "relax":
            r = relax(sub, y0, Ms, tol=tol, max_iter=max_iter)
            m_out[lo:hi] = r.m.cpu().numpy()
            conv[lo:hi], torque[lo:hi], iters[lo:hi] = r.converged, r.torque, r.iterations
        else:
            sol = dopri5(LandauLifshitz(sub, alpha), y0, [duration], rtol=rtol, atol=rtol * 1e-3)
            mm = sol.y[:, -1]
            tq = torch.linalg.cross(mm, sub(mm), dim=1).norm(dim=1).flatten(1).amax(dim=1) / Ms
            m_out[lo:hi] = mm.cpu().numpy()
            torque[lo:hi] = tq.cpu().numpy()
            conv[lo:hi] = torque[lo:hi] < tol
            iters[lo:hi] = sol.n_steps
    return m_out, conv, torque, iters


def domain_wall(material, sigma, tau, *, n_cells=500, mode="relax", tol=1e-6, max_iter=50_000,
                alpha=1.0, duration=100e-12, rtol=1e-6, scheme="parseval", envelope_offset=0.0,
                exchange="stencil", n_harmonics=None, fit_halfwidth=None, batch_size=1024,
                dtype="float64", device=None, progress=False, mirror_envelope="tiled") -> DomainWallResult:
    """Relax the paper's wall ansatz in chains with RTN defects (σ, τ) [m] and measure its width.

    sigma, tau: scalars or equal-length arrays (batched).  ``mode``: "relax" (torque tolerance
    ``tol``, relative to Ms) or "dynamics" (LL with damping ``alpha`` for ``duration`` s, adaptive
    RK with ``rtol``).  ``n_cells``: cells of the chain (the mirrored domain has 2 n_cells); a pair
    (n, ny) relaxes a straight wall across a film of ny cells, periodic in y (``m`` is then
    (..., 3, n, ny) and the widths are those of the profile averaged over y).
    """
    grid = (n_cells,) if np.ndim(n_cells) == 0 else tuple(n_cells)
    film = len(grid) == 2
    n = positive_int("n_cells", grid[0], low=16)
    if mode not in ("relax", "dynamics"):
        raise ValueError(f"mode must be 'relax' or 'dynamics', got {mode!r}")
    if mirror_envelope not in ("tiled", "whole"):
        raise ValueError(f"mirror_envelope must be 'tiled' or 'whole', got {mirror_envelope!r}")
    s, t, batched, env, field, tdt, dev = setup(
        material, sigma, tau, (2 * n,) + grid[1:] if film else 2 * n,
        period=n if mirror_envelope == "tiled" else 2 * n, offset=envelope_offset - 0.5, scheme=scheme,
        exchange=exchange, dtype=dtype, device=device)
    n_harmonics, n_err, fit_halfwidth = width_options(material, n, n_harmonics, fit_halfwidth)
    batch_size = positive_int("batch_size", batch_size)
    a = material.a
    if mode == "dynamics":
        alpha = check_alpha(alpha, low_open=True)
        duration = finite_scalar("duration", duration, low=0, low_open=True, unit="s")
    m0 = initial_wall(material, n)
    if film:
        m0 = np.repeat(m0[..., None], grid[1], axis=-1)
    m0 = np.broadcast_to(m0, (s.size,) + m0.shape)
    m_full, conv, torque, iters = relax_walls(field, m0, material.Ms, mode=mode, tol=tol, max_iter=max_iter,
                                              alpha=alpha, duration=duration, rtol=rtol, dtype=tdt, device=dev,
                                              batch_size=batch_size, progress=progress)
    if mode == "relax" and not conv.all():
        bad = np.flatnonzero(~conv)
        raise RelaxationError(
            f"domain_wall: relaxation did not reach tol={tol:g} within max_iter={max_iter} for "
            f"sample(s) {bad[:10].tolist()} (torque reached {torque[bad[:3]].tolist()} Ms, max ‖m × H‖/Ms); "
            "raise max_iter or tol")
    if film:  # a straight wall: its profile is the mean over y
        m_film = m_full[:, :, :n]
        m_full = m_full.mean(axis=-1)
    x = (np.arange(n) + 0.5 - n / 2) * a
    m_half = m_full[:, :, :n]
    center = wall_center(m_half[:, 2], a)
    x_wall_full = center + n * a / 2  # position in the mirrored domain, x_j = (j + ½) a
    width, width_err = width_cosine_series(m_full[:, 2], a, x_wall_full, n_harmonics, n_err)
    wt, wte = width_tanh_fit(m_half[:, 2], x, center, material.wall_parameter, fit_halfwidth)
    res = DomainWallResult(x=x, m=m_film if film else m_half, width=width, width_error=width_err, width_tanh=wt,
                           width_tanh_error=wte, center=center, sigma=s, tau=t, converged=conv,
                           torque=torque, iterations=iters, stats={"mode": mode})
    if not batched:
        for name in ("m", "width", "width_error", "width_tanh", "width_tanh_error", "center", "sigma",
                     "tau", "converged", "torque", "iterations"):
            setattr(res, name, getattr(res, name)[0])
    return res
