"""Time integration of the Landau–Lifshitz equation for a batch of chains or films (B, 3, *grid).

    dm/dt = −γμ0 [ m × H + α m × (m × H) ]           (paper Eq. 1; H in A/m, t in s)

Integrators (all batched over samples, float64 by default, any torch device):

* :func:`dopri5` — adaptive embedded Runge–Kutta 5(4) of Dormand & Prince with a step size and
  error control *per sample*, FSAL, and Hairer's 4th-order dense output to report the state at
  prescribed sampling times without stepping on them.
* :func:`rk4` — classical fixed-step RK4, the reference.
* :func:`relax` — precession off: steepest descent of the torque on the unit sphere with
  Barzilai–Borwein step sizes, stopping when max ‖m × H‖ / Ms falls below a tolerance.

After every accepted step ‖m‖ is restored to 1 by projection.  A sample that goes non-finite
stops the run with :class:`SolverDivergedError` naming the sample.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .material import GAMMA_MU0


class SolverDivergedError(RuntimeError):
    """The integration produced non-finite values or could not meet the tolerance."""


def cross(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cross product along dim 1 of (B, 3, *grid) tensors."""
    return torch.linalg.cross(a, b, dim=1)


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


def _check_finite(y: torch.Tensor, index, what: str, hint: str):
    bad = ~torch.isfinite(y.reshape(y.shape[0], -1)).all(dim=1)
    if bool(bad.any()):
        idx = torch.nonzero(bad).flatten()
        samples = (idx if index is None else index[idx]).tolist()
        raise SolverDivergedError(
            f"{what}: the solution became non-finite for sample(s) {samples[:10]}"
            f"{' ...' if len(samples) > 10 else ''}; {hint}"
        )


def _times(t_eval) -> torch.Tensor:
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


def rk4(f, m0: torch.Tensor, t_eval, dt: float, observe=None, normalize=True) -> Solution:
    """Classical fixed-step RK4 from t = 0, recording ``observe(m)`` at each time of ``t_eval``.

    Between consecutive sampling times the interval is split into ceil(Δt/dt) equal steps, so
    every sampling time is hit exactly.  dt [s] must be > 0.
    """
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a finite time step > 0 s, got {dt!r}")
    t_out = _times(t_eval)
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
            _check_finite(y, None, "rk4", f"dt={dt:g} s is too large for this problem (reduce dt)")
        rec.append(observe(y).clone())
    B = m0.shape[0]
    return Solution(t=t_out.numpy(), y=torch.stack(rec, dim=1), n_steps=np.full(B, n_steps),
                    n_rejected=np.zeros(B, dtype=int), n_evals=4 * n_steps)


# Dormand–Prince 5(4) tableau (Hairer, Nørsett & Wanner, Solving ODEs I, Table 5.2).
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_B5 = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
# error coefficients e = b5 − b4
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)
# dense output (Hairer's contd5)
_D = (-12715105075 / 11282082432, 0.0, 87487479700 / 32700410799, -10690763975 / 1880347072,
      701980252875 / 199316789632, -1453857185 / 822651844, 69997945 / 29380423)


def _combine(y, hks, coefs):
    """y + Σ c_i (h k_i), or Σ c_i (h k_i) for y None: one pass per non-zero coefficient.

    The stage slopes arrive already multiplied by each sample's step (``hks``), so every term
    is a plain scaled addition with no broadcast over the batch.
    """
    acc = None
    for c, hk in zip(coefs, hks):
        if c == 0.0:
            continue
        if acc is None:
            acc = torch.mul(hk, c) if y is None else torch.add(y, hk, alpha=c)
        else:
            acc.add_(hk, alpha=c)
    return acc


def _error_norm(err, y0, y1, rtol, atol):
    """RMS over each sample's elements of err / (atol + rtol max(|y0|, |y1|)) (Hairer's scale)."""
    scale = torch.maximum(y0.abs(), y1.abs()).mul_(rtol).add_(atol)
    q = err.div_(scale).flatten(1)
    return torch.linalg.vector_norm(q, dim=1).div_(math.sqrt(q.shape[1])).to(torch.float64)


def dopri5(f, m0: torch.Tensor, t_eval, rtol=1e-6, atol=1e-9, h0=None, h_max=None,
           max_steps=1_000_000, observe=None, normalize=True, progress=None, beta=0.04,
           compact=True, linear_observe=False) -> Solution:
    """Adaptive Dormand–Prince 5(4) from t = 0 with per-sample error control and dense output.

    ``f(t, y, index)`` returns dy/dt as a new tensor (the integrator scales it in place).
    Each sample b has its own step h_b.  A step is accepted when the RMS over the sample's
    elements of e / (atol + rtol max(abs(y_n), abs(y_{n+1}))) is ≤ 1 (e: embedded error estimate);
    the next step is h · clip(0.9 err^(−1/5 + 3β/4) err_prev^β, 0.2, 5) (PI control, β = ``beta``;
    β = 0 is the classical controller).  ``compact=False`` keeps finished samples in the batch
    (zero-length steps) so that shapes never change, which suits compiled right-hand sides.  Observations ``observe(m)`` at the times
    ``t_eval`` are evaluated with the 4th-order continuous extension, so sampling does not
    constrain the step.  Samples that reach the last time are dropped from the batch.

    ``linear_observe=True`` declares that ``observe`` is linear (a component or a slice, as in
    ``m[:, 0, :]``): the continuous extension is then built from the observed part of the
    stages only, which is the same number and costs a fraction of the full state's.

    rtol in (0, 0.1], atol > 0 (in units of ‖m‖ = 1); max_steps bounds accepted+rejected steps.
    """
    if not (0 < rtol <= 0.1):
        raise ValueError(f"rtol must be in (0, 0.1]; larger values let the run diverge, got {rtol!r}")
    if not (atol > 0 and math.isfinite(atol)):
        raise ValueError(f"atol must be a finite number > 0, got {atol!r}")
    # no floor at the unit round-off: floats are relative, so an atol below float32's eps still
    # controls small components (spin-wave amplitudes); a tolerance that round-off cannot meet
    # ends in the step-size-underflow error below, which names it.
    t_out = _times(t_eval)
    observe = observe or (lambda m: m)
    dev, dt_ = m0.device, m0.dtype
    B = m0.shape[0]
    T = t_out.numel()
    t_out_d = t_out.to(device=dev)
    y = m0.clone()
    shape1 = (-1,) + (1,) * (y.dim() - 1)

    # record outputs at t = 0 directly
    obs0 = observe(y)
    rec = torch.empty((B, T) + tuple(obs0.shape[1:]), dtype=obs0.dtype, device=dev)
    t = torch.zeros(B, dtype=torch.float64, device=dev)
    nxt = torch.zeros(B, dtype=torch.long, device=dev)
    at0 = t_out_d[0] == 0
    if bool(at0):
        rec[:, 0] = obs0
        nxt += 1
    t_end = float(t_out[-1])

    k1 = f(0.0, y)
    n_evals = 1
    if h0 is None:
        # Hairer's starting-step heuristic, per sample
        # in float64: (k1 / sc)² overflows float32 for atol ~ 1e-9
        y64 = y.to(torch.float64)
        sc = atol + rtol * y64.abs()
        d0 = (y64 / sc).pow(2).flatten(1).mean(1).sqrt()
        d1 = (k1.to(torch.float64) / sc).pow(2).flatten(1).mean(1).sqrt()
        h = torch.where((d0 < 1e-5) | (d1 < 1e-5), torch.full_like(d0, 1e-6 * t_end), 0.01 * d0 / d1)
    else:
        h = torch.full((B,), float(h0), dtype=torch.float64, device=dev)
    h_max = t_end if h_max is None else float(h_max)
    h = h.clamp(max=h_max).to(torch.float64)
    en_prev = torch.ones(B, dtype=torch.float64, device=dev)
    n_steps = torch.zeros(B, dtype=torch.long, device=dev)
    n_rej = torch.zeros(B, dtype=torch.long, device=dev)
    active = torch.arange(B, device=dev)
    done = nxt >= T

    step = 0
    while True:
        active = torch.nonzero(~done).flatten()
        if active.numel() == 0:
            break
        if not compact:
            # keep the batch whole (static shapes, e.g. for torch.compile): finished samples take
            # zero-length steps that change nothing
            active = torch.arange(B, device=dev)
        step += 1
        if step > max_steps:
            raise SolverDivergedError(
                f"dopri5: max_steps={max_steps} reached before t={t_end:g} s for samples "
                f"{active[:10].tolist()}; loosen rtol/atol or raise max_steps")
        full = active.numel() == B
        idx = None if full else active
        ya = y if full else y[active]
        ka = k1 if full else k1[active]
        ta = t if full else t[active]
        hh = torch.minimum(h if full else h[active], t_end - ta).clamp(min=0.0)
        hc = hh.to(dt_)
        hb = hc.view(shape1)
        hks = [ka * hb]  # h k_i: every stage sum is then a plain scaled addition
        for s in range(1, 7):
            ys = _combine(ya, hks, _A[s])
            k = f(None, ys, idx)
            # k2..k6 are needed only as h k (scaled in place); k7 also unscaled, for FSAL
            hks.append(k * hb if s == 6 else k.mul_(hb))
        k7 = k
        n_evals += 6
        y5 = ys  # stage 7 point is the 5th-order solution (FSAL)
        en = _error_norm(_combine(None, hks, _E), ya, y5, rtol, atol)
        if not torch.isfinite(en).all():
            bad = active[~torch.isfinite(en)]
            raise SolverDivergedError(
                f"dopri5: the solution became non-finite for sample(s) {bad[:10].tolist()} at "
                f"t≈{float(ta.min()):.3g} s; tighten rtol (now {rtol:g}) or check the inputs")
        acc = en <= 1.0
        # PI step control (Gustafsson; Hairer's DOPRI5 uses β = 0.04): the memory of the previous
        # error damps the oscillation of h between accepted and rejected steps.
        prev = en_prev if full else en_prev[active]
        fac = 0.9 * en.clamp(min=1e-10).pow(-(0.2 - 0.75 * beta)) * prev.pow(beta)
        fac = torch.where(acc, fac.clamp(0.2, 5.0), (0.9 * en.clamp(min=1e-10).pow(-0.2)).clamp(0.2, 1.0))
        h_new = (hh * fac).clamp(max=h_max)
        tiny = (h_new < 1e-12 * t_end) & (ta < t_end)
        if tiny.any():
            bad = active[tiny]
            raise SolverDivergedError(
                f"dopri5: step size underflow for sample(s) {bad[:10].tolist()}; the tolerance "
                f"rtol={rtol:g}, atol={atol:g} cannot be met")
        if acc.any():
            all_acc = bool(acc.all())
            ai = None if all_acc else torch.nonzero(acc).flatten()
            pick = (lambda x: x) if all_acc else (lambda x: x[ai])
            ga = active if all_acc else active[ai]
            t0a, ha = pick(ta), pick(hh)
            t1a = t0a + ha
            # dense output (Hairer's contd5) for every sampling time inside (t, t + h]
            coeffs = None
            while True:
                j = nxt[ga]
                tj = t_out_d[j.clamp(max=T - 1)]
                emit = (j < T) & (tj <= t1a * (1 + 1e-12))
                if not emit.any():
                    break
                if coeffs is None:
                    # Hairer's contd5 from the observed part (linear observe) or the full state
                    lin = observe if linear_observe else (lambda x: x)
                    y0a, y1a = pick(lin(ya)), pick(lin(y5))
                    hk = [pick(lin(x)) for x in hks]
                    r2 = y1a - y0a
                    r3 = hk[0] - r2
                    r4 = (r2 - hk[6]).sub_(r3)
                    r5 = _combine(None, hk, _D)
                    coeffs = (y0a, r2, r3, r4, r5)
                if bool(emit.all()):
                    ei, sel = None, (lambda x: x)
                else:
                    ei = torch.nonzero(emit).flatten()
                    sel = (lambda x, ei=ei: x[ei])
                c0, c2, c3, c4, c5 = (sel(c) for c in coeffs)
                th = ((sel(tj) - sel(t0a)) / sel(ha)).clamp(0, 1).to(dt_).view((-1,) + (1,) * (c0.dim() - 1))
                th1 = 1 - th
                # y0 + θ (r2 + (1 − θ)(r3 + θ (r4 + (1 − θ) r5))), evaluated in place
                ym = (c5 * th1).add_(c4).mul_(th).add_(c3).mul_(th1).add_(c2).mul_(th).add_(c0)
                rec[sel(ga), sel(j)] = ym if linear_observe else observe(ym)
                nxt[sel(ga)] += 1
            y1 = pick(y5)
            if normalize:
                normalize_(y1)
            # FSAL: k7 was evaluated at the un-projected y5; the projection moves y by O(tolerance)
            if full and all_acc:
                y, k1, t = y1, k7, t1a
            else:
                y[ga] = y1
                k1[ga] = pick(k7)
                t[ga] = t1a
            n_steps[ga] += (ha > 0).long()  # zero-length steps of finished samples do not count
            done[ga] = nxt[ga] >= T
        if (~acc).any():
            n_rej[active[~acc]] += 1
        h[active] = h_new
        en_prev[active] = torch.where(acc, en.clamp(min=1e-4), prev)
        if progress is not None:
            progress(float(t.min()), t_end)
    return Solution(t=t_out.numpy(), y=rec, n_steps=n_steps.cpu().numpy(),
                    n_rejected=n_rej.cpu().numpy(), n_evals=n_evals)


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
            raise SolverDivergedError(f"relax: non-finite state for sample(s) {bad[:10].tolist()}")
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
