"""Adaptive Dormand–Prince 5(4) for batches of LL problems: :func:`dopri5`.

One attempted step of sample b from (t, y, k1 = f(y)) with step h_b:

* stages (the kernel, :func:`_stages`): k_s = f(y + h Σ_{i<s} a_si k_i), s = 2…7; the 7th
  point is the 5th-order solution y5 = y + h Σ b_i k_i and k7 = f(y5) is the next k1 (FSAL);
* error control (:func:`_error_norm`, :func:`_next_step`): the embedded estimate
  e = h Σ (b5_i − b4_i) k_i, err = RMS_b of e / (atol + rtol max(|y|, |y5|)); accepted when
  err ≤ 1; the next step is h · clip(0.9 err^(−1/5 + 3β/4) err_prev^β, 0.2, 5) (PI control);
* dense output (:func:`_dense_coeffs`, :func:`_dense_eval`): Hairer's 4th-order continuous
  extension y(t + θh) = y0 + θ (r2 + (1 − θ)(r3 + θ (r4 + (1 − θ) r5))) gives the state at
  every sampling time inside the accepted step.

Tableau: Hairer, Nørsett & Wanner, Solving ODEs I, Table 5.2 and the DOPRI5 code's contd5.
"""
from __future__ import annotations

import math

import torch

from .ll import Solution, SolverDivergedError, normalize_, sampling_times

# Stage coefficients a_si; the LL right-hand side is autonomous, so the nodes c_s are not
# needed, and the last row is b5 (the 7th stage point is the 5th-order solution: FSAL).
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
# error coefficients e = b5 − b4
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)
# dense output (Hairer's contd5)
_D = (-12715105075 / 11282082432, 0.0, 87487479700 / 32700410799, -10690763975 / 1880347072,
      701980252875 / 199316789632, -1453857185 / 822651844, 69997945 / 29380423)


def _identity(x):
    return x


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


# ---- the kernel ------------------------------------------------------------------------------

def _stages(f, y, k1, hb, index):
    """The seven stages of one step from y with slope k1 = f(y) and per-sample step hb.

    Returns (y5, k7, hks): the 5th-order solution (the 7th stage point), k7 = f(y5) (FSAL),
    and the list of h·k_i (i = 1…7) that the error estimate and the dense output combine.
    """
    hks = [k1 * hb]  # h k_i: every stage sum is then a plain scaled addition
    for s in range(1, 7):
        ys = _combine(y, hks, _A[s])
        k = f(None, ys, index)
        # k2..k6 are needed only as h k (scaled in place); k7 also unscaled, for FSAL
        hks.append(k * hb if s == 6 else k.mul_(hb))
    return ys, k, hks


# ---- error control ---------------------------------------------------------------------------

def _error_norm(err, y0, y1, rtol, atol):
    """RMS over each sample's elements of err / (atol + rtol max(|y0|, |y1|)) (Hairer's scale)."""
    scale = torch.maximum(y0.abs(), y1.abs()).mul_(rtol).add_(atol)
    q = err.div_(scale).flatten(1)
    return torch.linalg.vector_norm(q, dim=1).div_(math.sqrt(q.shape[1])).to(torch.float64)


def _next_step(h, en, en_prev, accepted, beta, h_max):
    """Per-sample step after an attempt of step h with error norm en (≤ 1: accepted).

    PI control (Gustafsson; Hairer's DOPRI5 uses β = 0.04): accepted steps grow by
    clip(0.9 en^(−(0.2 − 0.75β)) en_prev^β, 0.2, 5), the memory of the previous error damping
    the oscillation of h between accepted and rejected steps; rejected steps shrink by
    clip(0.9 en^(−0.2), 0.2, 1).  The result is capped at h_max.
    """
    fac = 0.9 * en.clamp(min=1e-10).pow(-(0.2 - 0.75 * beta)) * en_prev.pow(beta)
    shrink = (0.9 * en.clamp(min=1e-10).pow(-0.2)).clamp(0.2, 1.0)
    fac = torch.where(accepted, fac.clamp(0.2, 5.0), shrink)
    return (h * fac).clamp(max=h_max)


def _initial_step(y, k1, rtol, atol, h0, t_end, h_max):
    """Per-sample first step: ``h0`` if given, else Hairer's heuristic 0.01 ‖y‖/‖f(y)‖ (scaled
    RMS norms; 1e-6 t_end where either is < 1e-5), capped at h_max; float64 (B,)."""
    if h0 is None:
        # in float64: (k1 / sc)² overflows float32 for atol ~ 1e-9
        y64 = y.to(torch.float64)
        sc = atol + rtol * y64.abs()
        d0 = (y64 / sc).pow(2).flatten(1).mean(1).sqrt()
        d1 = (k1.to(torch.float64) / sc).pow(2).flatten(1).mean(1).sqrt()
        small = (d0 < 1e-5) | (d1 < 1e-5)
        h = torch.where(small, torch.full_like(d0, 1e-6 * t_end), 0.01 * d0 / d1)
    else:
        h = torch.full((y.shape[0],), float(h0), dtype=torch.float64, device=y.device)
    return h.clamp(max=h_max).to(torch.float64)


# ---- dense output ----------------------------------------------------------------------------

def _dense_coeffs(y0, y1, hk):
    """Hairer's contd5 coefficients (y0, r2, r3, r4, r5) of a step from y0 to y1 (h k_i: ``hk``)."""
    r2 = y1 - y0
    r3 = hk[0] - r2
    r4 = (r2 - hk[6]).sub_(r3)
    r5 = _combine(None, hk, _D)
    return (y0, r2, r3, r4, r5)


def _dense_eval(coeffs, th):
    """y0 + θ (r2 + (1 − θ)(r3 + θ (r4 + (1 − θ) r5))), evaluated in place on a new tensor."""
    c0, c2, c3, c4, c5 = coeffs
    th1 = 1 - th
    return (c5 * th1).add_(c4).mul_(th).add_(c3).mul_(th1).add_(c2).mul_(th).add_(c0)


# ---- the run ---------------------------------------------------------------------------------

class _Run:
    """Per-sample state of a :func:`dopri5` run over B samples and the recorded observations.

    y, k1 (FSAL slope), t, h, en_prev (PI memory) and the counters are indexed by sample; nxt[b]
    is the index of sample b's next sampling time and done[b] says all of them are recorded.
    """

    def __init__(self, f, m0, t_out, observe, linear_observe, rtol, atol, h0, h_max, beta,
                 normalize):
        self.f, self.observe, self.linear_observe = f, observe, linear_observe
        self.rtol, self.atol, self.beta, self.normalize = rtol, atol, beta, normalize
        self.dev, self.dtype = m0.device, m0.dtype
        self.B, self.T = m0.shape[0], t_out.numel()
        self.times = t_out
        self.t_out = t_out.to(device=self.dev)
        self.t_end = float(t_out[-1])
        self.y = m0.clone()
        self.shape1 = (-1,) + (1,) * (self.y.dim() - 1)
        obs0 = observe(self.y)  # outputs at t = 0 are recorded directly
        self.rec = torch.empty((self.B, self.T) + tuple(obs0.shape[1:]), dtype=obs0.dtype,
                               device=self.dev)
        zeros = dict(dtype=torch.long, device=self.dev)
        self.t = torch.zeros(self.B, dtype=torch.float64, device=self.dev)
        self.nxt = torch.zeros(self.B, **zeros)
        if bool(self.t_out[0] == 0):
            self.rec[:, 0] = obs0
            self.nxt += 1
        self.k1 = f(0.0, self.y)
        self.n_evals = 1
        self.h_max = self.t_end if h_max is None else float(h_max)
        self.h = _initial_step(self.y, self.k1, rtol, atol, h0, self.t_end, self.h_max)
        self.en_prev = torch.ones(self.B, dtype=torch.float64, device=self.dev)
        self.n_steps = torch.zeros(self.B, **zeros)
        self.n_rej = torch.zeros(self.B, **zeros)
        self.done = self.nxt >= self.T

    def attempt(self, active):
        """One step attempt of the samples ``active``: stages, error control, acceptance."""
        full = active.numel() == self.B
        idx = None if full else active
        ya = self.y if full else self.y[active]
        ka = self.k1 if full else self.k1[active]
        ta = self.t if full else self.t[active]
        hh = torch.minimum(self.h if full else self.h[active], self.t_end - ta).clamp(min=0.0)
        y5, k7, hks = _stages(self.f, ya, ka, hh.to(self.dtype).view(self.shape1), idx)
        self.n_evals += 6
        en = _error_norm(_combine(None, hks, _E), ya, y5, self.rtol, self.atol)
        finite = torch.isfinite(en)
        if not finite.all():
            # A trial step that overflows from a finite state (a first step far too long: the
            # heuristic can give the whole run when f(y0) is tiny, and float32 overflows) is
            # rejected and shrunk 5× like any failed step; a solution that truly diverges ends
            # in the step-size underflow below.  A non-finite state itself is an error now.
            state_ok = torch.isfinite(ya.flatten(1)).all(1) & torch.isfinite(ka.flatten(1)).all(1)
            if not bool(state_ok[~finite].all()):
                bad = active[~finite & ~state_ok]
                raise SolverDivergedError(
                    f"dopri5: the solution became non-finite for sample(s) {bad[:10].tolist()} at "
                    f"t≈{float(ta.min()):.3g} s; tighten rtol (now {self.rtol:g}) or check the inputs")
            en = torch.where(finite, en, torch.full_like(en, math.inf))
        acc = en <= 1.0
        prev = self.en_prev if full else self.en_prev[active]
        h_new = _next_step(hh, en, prev, acc, self.beta, self.h_max)
        tiny = (h_new < 1e-12 * self.t_end) & (ta < self.t_end)
        if tiny.any():
            raise SolverDivergedError(
                f"dopri5: step size underflow for sample(s) {active[tiny][:10].tolist()}; the "
                f"tolerance rtol={self.rtol:g}, atol={self.atol:g} cannot be met")
        if acc.any():
            self._accept(active, acc, full, ya, y5, k7, hks, ta, hh)
        if (~acc).any():
            self.n_rej[active[~acc]] += 1
        self.h[active] = h_new
        self.en_prev[active] = torch.where(acc, en.clamp(min=1e-4), prev)

    def _accept(self, active, acc, full, ya, y5, k7, hks, ta, hh):
        """Record the sampling times inside the accepted steps, then advance those samples."""
        all_acc = bool(acc.all())
        ai = None if all_acc else torch.nonzero(acc).flatten()
        pick = _identity if all_acc else (lambda x: x[ai])
        ga = active if all_acc else active[ai]
        t0a, ha = pick(ta), pick(hh)
        t1a = t0a + ha
        # the continuous extension from the observed part (linear observe) or the full state
        lin = self.observe if self.linear_observe else _identity
        self._emit(ga, t0a, ha, t1a, lambda: _dense_coeffs(
            pick(lin(ya)), pick(lin(y5)), [pick(lin(x)) for x in hks]))
        y1 = pick(y5)
        if self.normalize:
            normalize_(y1)
        # FSAL: k7 was evaluated at the un-projected y5; the projection moves y by O(tolerance)
        if full and all_acc:
            self.y, self.k1, self.t = y1, k7, t1a
        else:
            self.y[ga] = y1
            self.k1[ga] = pick(k7)
            self.t[ga] = t1a
        self.n_steps[ga] += (ha > 0).long()  # zero-length steps of finished samples do not count
        self.done[ga] = self.nxt[ga] >= self.T

    def _emit(self, ga, t0a, ha, t1a, make_coeffs):
        """Record observe(m) at every sampling time in (t0, t1] of samples ``ga`` (dense output;
        the coefficients are built only if a step holds a sampling time)."""
        coeffs = None
        while True:
            j = self.nxt[ga]
            tj = self.t_out[j.clamp(max=self.T - 1)]
            emit = (j < self.T) & (tj <= t1a * (1 + 1e-12))
            if not emit.any():
                break
            if coeffs is None:
                coeffs = make_coeffs()
            if bool(emit.all()):
                sel = _identity
            else:
                ei = torch.nonzero(emit).flatten()
                sel = (lambda x, ei=ei: x[ei])
            c = [sel(v) for v in coeffs]
            th = ((sel(tj) - sel(t0a)) / sel(ha)).clamp(0, 1).to(self.dtype)
            ym = _dense_eval(c, th.view((-1,) + (1,) * (c[0].dim() - 1)))
            self.rec[sel(ga), sel(j)] = ym if self.linear_observe else self.observe(ym)
            self.nxt[sel(ga)] += 1


def dopri5(f, m0: torch.Tensor, t_eval, rtol=1e-6, atol=1e-9, h0=None, h_max=None,
           max_steps=1_000_000, observe=None, normalize=True, progress=None, beta=0.04,
           compact=True, linear_observe=False) -> Solution:
    """Adaptive Dormand–Prince 5(4) from t = 0 with per-sample error control and dense output.

    ``f(t, y, index)`` returns dy/dt as a new tensor (the integrator scales it in place).
    Each sample b has its own step h_b.  A step is accepted when the RMS over the sample's
    elements of e / (atol + rtol max(abs(y_n), abs(y_{n+1}))) is ≤ 1 (e: embedded error
    estimate); the next step is h · clip(0.9 err^(−1/5 + 3β/4) err_prev^β, 0.2, 5) (PI control,
    β = ``beta``; β = 0 is the classical controller).  ``compact=False`` keeps finished samples
    in the batch (zero-length steps) so that shapes never change, which suits compiled
    right-hand sides.  Observations ``observe(m)`` at the times ``t_eval`` [s] are evaluated
    with the 4th-order continuous extension, so sampling does not constrain the step.  Samples
    that reach the last time are dropped from the batch.

    ``linear_observe=True`` declares that ``observe`` is linear (a component or a slice, as in
    ``m[:, 0, :]``): the continuous extension is then built from the observed part of the
    stages only, which is the same number and costs a fraction of the full state's.

    rtol in (0, 0.1], atol > 0 (in units of ‖m‖ = 1); max_steps bounds accepted+rejected
    steps; ``h0``/``h_max`` [s]: first and largest step (default: Hairer's heuristic, the
    last sampling time); ``progress(t_min, t_end)`` is called after every attempt.
    """
    if not (0 < rtol <= 0.1):
        raise ValueError(f"rtol must be in (0, 0.1]; larger values let the run diverge, got {rtol!r}")
    if not (atol > 0 and math.isfinite(atol)):
        raise ValueError(f"atol must be a finite number > 0, got {atol!r}")
    # no floor at the unit round-off: floats are relative, so an atol below float32's eps still
    # controls small components (spin-wave amplitudes); a tolerance that round-off cannot meet
    # ends in the step-size-underflow error, which names it.
    run = _Run(f, m0, sampling_times(t_eval), observe or _identity, linear_observe, rtol, atol,
               h0, h_max, beta, normalize)
    step = 0
    while True:
        active = torch.nonzero(~run.done).flatten()
        if active.numel() == 0:
            break
        if not compact:
            # keep the batch whole (static shapes, e.g. for torch.compile): finished samples take
            # zero-length steps that change nothing
            active = torch.arange(run.B, device=run.dev)
        step += 1
        if step > max_steps:
            raise SolverDivergedError(
                f"dopri5: max_steps={max_steps} reached before t={run.t_end:g} s for samples "
                f"{active[:10].tolist()}; loosen rtol/atol or raise max_steps")
        run.attempt(active)
        if progress is not None:
            progress(float(run.t.min()), run.t_end)
    return Solution(t=run.times.numpy(), y=run.rec, n_steps=run.n_steps.cpu().numpy(),
                    n_rejected=run.n_rej.cpu().numpy(), n_evals=run.n_evals)
