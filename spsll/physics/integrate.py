"""Time integration of the Landau–Lifshitz equation for a batch of chains or films (B, 3, *grid).

    dm/dt = −γμ0 [ m × H + α m × (m × H) ]           (paper Eq. 1; H in A/m, t in s)

Integrators (all batched over samples, float64 by default, any torch device):

* :func:`dopri5` — adaptive embedded Runge–Kutta 5(4) of Dormand & Prince with a step size and
  error control *per sample*, FSAL, and Hairer's 4th-order dense output to report the state at
  prescribed sampling times without stepping on them (:mod:`spsll.physics.dormand_prince`).
* :func:`rk4` — classical fixed-step RK4, the reference.
* :func:`relax` — precession off: steepest descent of the torque on the unit sphere with
  Barzilai–Borwein step sizes, stopping when max ‖m × H‖ / Ms falls below a tolerance.

After every accepted step ‖m‖ is restored to 1 by projection.  A sample that goes non-finite
stops the run with :class:`SolverDivergedError` naming the sample.  The equation's right-hand
side, the projection and the errors live in :mod:`spsll.physics.ll`; this module is the face
that the recipes import (``from spsll.physics.integrate import LandauLifshitz, dopri5, ...``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .dormand_prince import dopri5
from .ll import (LandauLifshitz, RelaxationError, Solution, SolverDivergedError, check_finite,
                 ll_rhs, normalize_, sampling_times)

__all__ = ["LandauLifshitz", "ll_rhs", "normalize_", "Solution", "RelaxResult",
           "SolverDivergedError", "RelaxationError", "dopri5", "rk4", "relax"]


def rk4(f, m0: torch.Tensor, t_eval, dt: float, observe=None, normalize=True) -> Solution:
    """Classical fixed-step RK4 from t = 0, recording ``observe(m)`` at each time of ``t_eval``.

    Between consecutive sampling times the interval is split into ceil(Δt/dt) equal steps, so
    every sampling time is hit exactly.  dt [s] must be > 0.
    """
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a finite time step > 0 s, got {dt!r}")
    t_out = sampling_times(t_eval)
    observe = observe or (lambda m: m)
    y = m0.clone()
    rec = []
    t = 0.0
    n_steps = 0
    for t_next in t_out.tolist():
        span = t_next - t
        if span > 0:
            n = max(1, math.ceil(span / dt - 1e-9))
            h = span / n
            for _ in range(n):
                k1 = f(t, y)
                k2 = f(t + h / 2, y + (h / 2) * k1)
                k3 = f(t + h / 2, y + (h / 2) * k2)
                k4 = f(t + h, y + h * k3)
                y = y + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
                # the exact flow keeps ‖m‖ = 1; a step that changes it by > 1 % is unstable
                drift = (y.square().sum(dim=1).sqrt() - 1).abs().flatten(1).amax(dim=1)
                if bool((drift > 1e-2).any()) or not bool(torch.isfinite(drift).all()):
                    bad = torch.nonzero((drift > 1e-2) | ~torch.isfinite(drift)).flatten().tolist()
                    raise SolverDivergedError(
                        f"rk4: dt={dt:g} s is too large for this problem (unstable step, ‖m‖ changed by "
                        f"> 1 % for sample(s) {bad[:10]} at t={t:.3g} s); reduce dt")
                if normalize:
                    normalize_(y)
                t += h
                n_steps += 1
            check_finite(y, None, "rk4", f"dt={dt:g} s is too large for this problem (reduce dt)")
        rec.append(observe(y).clone())
    B = m0.shape[0]
    return Solution(t=t_out.numpy(), y=torch.stack(rec, dim=1), n_steps=np.full(B, n_steps),
                    n_rejected=np.zeros(B, dtype=int), n_evals=4 * n_steps)


@dataclass
class RelaxResult:
    m: torch.Tensor
    torque: np.ndarray  # max ‖m × H‖ / Ms per sample at the end
    iterations: np.ndarray
    converged: np.ndarray


def relax(field, m0: torch.Tensor, Ms: float, tol: float = 1e-6, max_iter: int = 50_000,
          step0: float | None = None) -> RelaxResult:
    """Minimise torque with precession off: m ← normalise(m + τ_b H_⊥), H_⊥ = H − (m·H) m.

    This is the damping-only LL flow (dm/dt ∝ H_⊥) discretised with per-sample step lengths τ_b
    [m/A] chosen by the Barzilai–Borwein rule (alternating BB1/BB2), as in mumax3's minimiser.
    Stops per sample when max over cells ‖m × H‖ / Ms < tol.  Fixed points are exactly the
    equilibria of the full LL equation (m × H = 0).
    """
    if not (0 < tol < 1):
        raise ValueError(f"tol must be in (0, 1) (torque relative to Ms), got {tol!r}")
    m = normalize_(m0.clone())
    B = m.shape[0]
    dev = m.device

    def hperp(mm, idx):
        H = field(mm, idx)
        return H - (mm * H).sum(1, keepdim=True) * mm

    g = hperp(m, None)
    if step0 is None:
        step0 = 1e-3 / Ms
    tau = torch.full((B,), float(step0), dtype=m.dtype, device=dev)
    it = torch.zeros(B, dtype=torch.long, device=dev)
    torque = g.norm(dim=1).flatten(1).amax(dim=1) / Ms
    conv = torque < tol
    shape1 = (-1,) + (1,) * (m.dim() - 1)
    k = 0
    while not bool(conv.all()) and k < max_iter:
        k += 1
        act = torch.nonzero(~conv).flatten()
        full = act.numel() == B
        idx = None if full else act
        ma, ga, ta = (m, g, tau) if full else (m[act], g[act], tau[act])
        m_new = normalize_(ma + ta.view(shape1) * ga)
        g_new = hperp(m_new, idx)
        s = (m_new - ma).flatten(1)
        yv = (ga - g_new).flatten(1)  # difference of the energy gradient (∝ −H_⊥)
        sy = (s * yv).sum(1)
        if k % 2:
            t_bb = (s * s).sum(1) / sy
        else:
            t_bb = sy / (yv * yv).sum(1)
        t_bb = torch.where(torch.isfinite(t_bb) & (t_bb > 0), t_bb, ta)
        tq = g_new.norm(dim=1).flatten(1).amax(dim=1) / Ms
        if not torch.isfinite(tq).all():
            bad = act[~torch.isfinite(tq)]
            raise RelaxationError(
                f"relax: non-finite state for sample(s) {bad[:10].tolist()} after {k} iterations "
                f"(torque reached {torque[bad[:3]].tolist()} Ms before, tol={tol:g}); lower step0 "
                f"(now {step0:g} m/A) or check the field")
        if full:
            m, g, tau = m_new, g_new, t_bb.clamp(max=1e3 * step0)
            torque = tq
            it += 1
        else:
            m[act], g[act], tau[act] = m_new, g_new, t_bb.clamp(max=1e3 * step0)
            torque[act] = tq
            it[act] += 1
        conv = torque < tol
    return RelaxResult(m=m, torque=torque.cpu().numpy(), iterations=it.cpu().numpy(),
                       converged=conv.cpu().numpy())
