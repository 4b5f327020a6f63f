"""The Landau–Lifshitz equation as the integrators see it: right-hand side, projection, records.

    dm/dt = −γμ0 [ m × H + α m × (m × H) ]           (paper Eq. 1; H in A/m, t in s)

for a batch of chains or films m (B, 3, *grid).  Shared by :func:`spsll.physics.integrate.rk4`,
:func:`spsll.physics.integrate.relax` and :func:`spsll.physics.dormand_prince.dopri5`
(all re-exported by :mod:`spsll.physics.integrate`), with the errors they raise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .material import GAMMA_MU0


class SolverDivergedError(RuntimeError):
    """The integration produced non-finite values or could not meet the tolerance."""


class RelaxationError(SolverDivergedError):
    """A relaxation (torque minimisation) failed: it did not reach its torque tolerance within
    its iterations, or its state became non-finite.

    A subclass of :class:`spsll.SolverDivergedError`, so ``except SolverDivergedError`` still catches
    every failed solve; the message names the samples, the torque reached (max ‖m × H‖ / Ms)
    and the option to change (``max_iter`` or ``tol``).
    """


class LandauLifshitz:
    """Right-hand side of the LL equation for an effective field ``field(m, index) -> H``.

    ``precession=False`` keeps only the damping term (relaxation dynamics).
    """

    def __init__(self, field, alpha: float, precession: bool = True):
        self.field = field
        self.alpha = float(alpha)
        self.precession = precession

    def __call__(self, t, m: torch.Tensor, index=None) -> torch.Tensor:
        H = self.field(m, index)
        return ll_rhs(m, H, self.alpha, self.precession)


def ll_rhs(m: torch.Tensor, H: torch.Tensor, alpha: float, precession: bool = True) -> torch.Tensor:
    """−γμ0 [ m × H + α m × (m × H) ] for (B, 3, *grid) tensors, component-wise.

    On the unit sphere m × (m × H) = m (m·H) − H, and that is the form evaluated:
    f = −γμ0 m × H + γμ0 α (H − m (m·H)).  Off the sphere (RK stages drift by O(h²)) this f
    satisfies m·f = γμ0 α (m·H)(1 − |m|²), so |m| = 1 is an invariant of the flow and the
    integrators' projection after each step only removes round-off and truncation error.

    Written as ~5 full passes over memory (no broadcast kernels, γμ0 folded into the scalar
    factors): this function and the stage sums are where a dispersion run spends its time.
    """
    mx, my, mz = m.unbind(1)
    Hx, Hy, Hz = H.unbind(1)
    mH = mx * Hx
    mH.addcmul_(my, Hy).addcmul_(mz, Hz)
    ga = GAMMA_MU0 * alpha
    out = H * ga if alpha != 0 else torch.zeros_like(H)  # γμ0 α H
    ox, oy, oz = out.unbind(1)
    if alpha != 0:  # − γμ0 α m (m·H)
        ox.addcmul_(mx, mH, value=-ga)
        oy.addcmul_(my, mH, value=-ga)
        oz.addcmul_(mz, mH, value=-ga)
    if precession:  # − γμ0 m × H
        g = GAMMA_MU0
        ox.addcmul_(my, Hz, value=-g).addcmul_(mz, Hy, value=g)
        oy.addcmul_(mz, Hx, value=-g).addcmul_(mx, Hz, value=g)
        oz.addcmul_(mx, Hy, value=-g).addcmul_(my, Hx, value=g)
    return out


def normalize_(m: torch.Tensor) -> torch.Tensor:
    """Project every cell back onto ‖m‖ = 1 (in place); cells with m = 0 (vacancies) stay 0.

    ‖m‖² is summed component by component (a reduction over the size-3 axis is several times
    slower on CPU); a zero norm is raised to the smallest normal number, so 0 / it stays 0.
    """
    mx, my, mz = m.unbind(1)
    n = mx * mx
    n.addcmul_(my, my).addcmul_(mz, mz).sqrt_().clamp_(min=torch.finfo(m.dtype).tiny)
    return m.div_(n.unsqueeze(1))


def check_finite(y: torch.Tensor, index, what: str, hint: str):
    """Raise :class:`SolverDivergedError` naming the samples of ``y`` (B, ...) that are not finite."""
    bad = ~torch.isfinite(y.reshape(y.shape[0], -1)).all(dim=1)
    if bool(bad.any()):
        idx = torch.nonzero(bad).flatten()
        samples = (idx if index is None else index[idx]).tolist()
        raise SolverDivergedError(
            f"{what}: the solution became non-finite for sample(s) {samples[:10]}"
            f"{' ...' if len(samples) > 10 else ''}; {hint}"
        )


def sampling_times(t_eval) -> torch.Tensor:
    """``t_eval`` [s] as a float64 tensor, checked: non-empty, 1-D, finite, >= 0, increasing."""
    t = torch.as_tensor(np.asarray(t_eval, dtype=float), dtype=torch.float64)
    if t.ndim != 1 or t.numel() < 1:
        raise ValueError("t_eval must be a non-empty 1-D array of times [s]")
    if not torch.isfinite(t).all() or (t < 0).any():
        raise ValueError("t_eval must hold finite times >= 0 s")
    if (t.diff() <= 0).any():
        raise ValueError("t_eval must be strictly increasing")
    return t


@dataclass
class Solution:
    """Recorded observations ``y`` (B, T, ...) at times ``t`` [s] and integrator statistics."""

    t: np.ndarray
    y: torch.Tensor
    n_steps: np.ndarray
    n_rejected: np.ndarray
    n_evals: int
