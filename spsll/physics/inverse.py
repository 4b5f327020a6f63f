"""Direct inversion: fit (σ, τ) to a measured dispersion or wall with the solver in the loop.

The baseline a reviewer expects beside the networks: minimise

    χ²(σ, τ) = Σ_k [ f_SPS-LL(k; σ, τ) − f_measured(k) ]²

over the paper's ranges with a batched Levenberg–Marquardt method (:func:`fit_dispersions`,
:func:`fit_walls`).  The observables are peak-picked or relaxed, piecewise smooth in (σ, τ), so
the Jacobian is taken by forward differences; the base points and all perturbed points are
simulated in one batched call per iteration.

What a fit can determine: in 1-D a dispersion depends on (σ, τ) only through the envelope's flat
value s_min (:mod:`spsll.physics.envelope`), so a dispersion fit lands somewhere on the true
s_min contour, not at the true pair; a wall's width likewise fixes one combination.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import positive_int
from .domainwall import domain_wall
from .magnons import dispersion
from .problem import check_material
from ..units import NM


def _check_fit_inputs(target, sigma_range_nm, tau_range_nm, name="peak_frequency"):
    """Finite target; the box (lo, hi) = ((σ_lo, τ_lo), (σ_hi, τ_hi)) [nm] with σ_lo > 0, increasing."""
    if not np.all(np.isfinite(target)):
        raise ValueError(f"{name} must be finite")
    lo = np.array([sigma_range_nm[0], tau_range_nm[0]], float)
    hi = np.array([sigma_range_nm[1], tau_range_nm[1]], float)
    if not (lo[0] > 0 and np.all(hi > lo)):
        raise ValueError(f"sigma_range_nm must start above 0 and ranges must be increasing, got {sigma_range_nm}, {tau_range_nm}")
    return lo, hi


def _peaks(material, points_nm, k, options):
    """Peak frequencies (P, K) [Hz] of one batched solver call at (σ, τ) points [nm], on grid k."""
    pts = np.asarray(points_nm, float)
    r = dispersion(material, pts[:, 0] * NM, pts[:, 1] * NM, **options)
    if not np.allclose(r.k, k, rtol=1e-9, atol=0):
        raise ValueError("k does not match the solver's grid for these options (check n_cells)")
    return np.atleast_2d(r.peak_frequency)


@dataclass
class BatchFitResult:
    """Per curve: sigma, tau [m]; rms_GHz: RMS residual over k; iterations done; n_sims in all."""

    sigma: np.ndarray
    tau: np.ndarray
    rms_GHz: np.ndarray
    iterations: int
    n_sims: int


def _levenberg_marquardt(simulate, target, lo, hi, starts, step_nm, max_iter):
    """Batched Levenberg–Marquardt in (σ, τ) [nm] for B targets (B, K), the solver in the loop.

    The method described in :func:`fit_dispersions`, for any observable: ``simulate(points
    (P, 2) nm) -> (P, K)`` is one batched solver call in the units of ``target``.
    Returns (q (B, 2) nm, cost (B,) = ½ Σ r², iterations, simulations).
    """
    max_iter = positive_int("max_iter", max_iter)
    if not (step_nm > 0 and np.all(2 * step_nm < hi - lo)):
        raise ValueError(f"step_nm must be > 0 and smaller than half of each range, got {step_nm!r}")
    B, K = target.shape
    q = np.broadcast_to(np.asarray((lo + hi) / 2 if starts is None else starts, float), (B, 2)).copy()
    if not np.all(np.isfinite(q)):
        raise ValueError("starts must be finite")
    q = np.clip(q, lo, hi)
    scale = np.array([10.0, 2.0])                     # nm: the typical sizes of σ and τ moves
    lam = np.full(B, 1e-2)
    cost = np.full(B, np.inf)                         # at the accepted points q
    J = np.zeros((B, K, 2))
    res = np.zeros((B, K))
    cand = q.copy()                                   # the points simulated next
    todo = np.arange(B)                               # curves still moving
    n_sims, it = 0, 0
    while todo.size and it < max_iter:
        it += 1
        c = cand[todo]
        h = np.where(c + step_nm <= hi, step_nm, -step_nm)
        pts = np.concatenate([c, c + h * [1, 0], c + h * [0, 1]])
        f = np.asarray(simulate(pts)).reshape(3, todo.size, -1)
        n_sims += len(pts)
        res_c = f[0] - target[todo]
        cost_c = 0.5 * np.sum(res_c ** 2, axis=1)
        acc = cost_c <= cost[todo]
        small = acc & (cost[todo] - cost_c <= 1e-4 * cost_c)                  # converged
        a = todo[acc]
        q[a], res[a] = c[acc], res_c[acc]
        J[a] = np.stack([(f[1] - f[0]) / h[:, :1], (f[2] - f[0]) / h[:, 1:]], axis=-1)[acc] * scale
        cost[a] = cost_c[acc]
        lam[todo] = np.where(acc, lam[todo] / 3, lam[todo] * 10)
        todo = todo[~small & (lam[todo] < 1e8)]
        if not todo.size:
            break
        JtJ = np.einsum("bki,bkj->bij", J[todo], J[todo])
        g = np.einsum("bki,bk->bi", J[todo], res[todo])
        # Levenberg damping λ·mean(diag JᵀJ)·I in the scaled units (Marquardt's diag JᵀJ would leave
        # a nearly flat direction, a poorly identified parameter, undamped)
        mu = lam[todo] * np.trace(JtJ, axis1=1, axis2=2) / 2 + 1e-12
        A = JtJ + mu[:, None, None] * np.eye(2)
        cand[todo] = np.clip(q[todo] - np.linalg.solve(A, g[..., None])[..., 0] * scale, lo, hi)
    return q, cost, it, n_sims


def fit_dispersions(material, k, peak_frequency, *, starts=None, sigma_range_nm=(1.0, 100.0),
                    tau_range_nm=(0.0, 20.0), step_nm=1.0, max_iter=10, **options) -> BatchFitResult:
    """Fit (σ, τ) to many measured dispersions at once: batched Levenberg–Marquardt with the solver.

    For each curve b, minimise χ²_b = Σ_k [f(k; σ_b, τ_b) − F_b(k)]² over the box of the paper's
    ranges (residuals in GHz).  Every iteration makes one batched solver call with 3B samples:
    the current points and their forward-difference neighbours (σ + h, τ) and (σ, τ + h),
    h = ``step_nm`` (towards the inside of the box).  The step δ of curve b solves
    (JᵀJ + λ_b μ_b I) δ = −Jᵀr (μ_b: mean of diag JᵀJ) in units scaled by (10, 2) nm, then is
    clipped to the box; if the cost of the new point (known at the next call) is higher, the
    curve returns to its previous point and λ_b grows ×10, otherwise λ_b shrinks ÷3.  Curves
    whose relative cost decrease falls below 1e-4 stop moving.

    ``peak_frequency``: (B, K) [Hz] on ``k`` [rad/m], the solver's grid for the ``n_cells``
    option.  ``starts``: (B, 2) or (2,) in nm, default the middle of the box.  ``max_iter``:
    solver calls.  ``options`` go to :func:`spsll.dispersion`.
    """
    material = check_material(material)
    target = np.atleast_2d(np.asarray(peak_frequency, dtype=float))
    k = np.asarray(k, dtype=float)
    if k.ndim != 1 or target.ndim != 2 or target.shape[1] != k.size:
        raise ValueError(f"peak_frequency must have shape (B, {k.size}) matching k, got {np.shape(peak_frequency)}")
    lo, hi = _check_fit_inputs(target, sigma_range_nm, tau_range_nm)
    options.setdefault("keep_power", False)
    q, cost, it, n_sims = _levenberg_marquardt(lambda pts: _peaks(material, pts, k, options) / 1e9, target / 1e9,
                                               lo, hi, starts, step_nm, max_iter)
    rms = np.sqrt(2 * cost / target.shape[1])
    return BatchFitResult(sigma=q[:, 0] * NM, tau=q[:, 1] * NM, rms_GHz=rms, iterations=it, n_sims=n_sims)


@dataclass
class WallFitResult:
    """Per wall: sigma, tau [m]; rms_mz: RMS m_z residual over the cells; iterations; n_sims in all."""

    sigma: np.ndarray
    tau: np.ndarray
    rms_mz: np.ndarray
    iterations: int
    n_sims: int


def fit_walls(material, mz, *, starts=None, sigma_range_nm=(1.0, 100.0), tau_range_nm=(0.0, 20.0),
              step_nm=1.0, max_iter=10, **options) -> WallFitResult:
    """Fit (σ, τ) to relaxed wall profiles: the solver-in-the-loop inversion of a wall.

    For each profile b, minimise Σ_j [m_z(x_j; σ_b, τ_b) − M_b(x_j)]² over the box, where m_z is
    the wall :func:`spsll.domain_wall` relaxes (the same options as the data: pass them in
    ``options``).  The profile contains the width, so this uses everything WallNet sees.  The
    method is the batched Levenberg–Marquardt of :func:`fit_dispersions` (the same step, damping
    and stopping rules): one batched relaxation of 3B walls per iteration.

    ``mz``: (B, N) relaxed m_z profiles on the solver's grid (N = ``n_cells``, default 500).
    ``starts``: (B, 2) or (2,) in nm, default the middle of the box.
    """
    material = check_material(material)
    target = np.atleast_2d(np.asarray(mz, dtype=float))
    n = options.get("n_cells", 500)
    if target.ndim != 2 or target.shape[1] != n:
        raise ValueError(f"mz must have shape (B, {n}) (n_cells={n}), got {np.shape(mz)}")
    lo, hi = _check_fit_inputs(target, sigma_range_nm, tau_range_nm, "mz")
    if np.any(np.abs(target) > 1 + 1e-6):
        raise ValueError("mz must hold the z component of unit vectors, |m_z| <= 1")

    def simulate(pts):
        return domain_wall(material, pts[:, 0] * NM, pts[:, 1] * NM, **options).m[:, 2]  # (P, N)

    q, cost, it, n_sims = _levenberg_marquardt(simulate, target, lo, hi, starts, step_nm, max_iter)
    return WallFitResult(sigma=q[:, 0] * NM, tau=q[:, 1] * NM, rms_mz=np.sqrt(2 * cost / n), iterations=it,
                         n_sims=n_sims)
