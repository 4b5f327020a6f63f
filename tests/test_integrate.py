"""Integrators against the analytic macrospin solution of the LL equation."""
import math

import numpy as np
import pytest
import torch

import spsll
from spsll.physics.integrate import LandauLifshitz, SolverDivergedError, dopri5, relax, rk4

G = spsll.GAMMA_MU0


class UniformField:
    """A uniform field H ẑ per sample (A/m), the macrospin test problem."""

    def __init__(self, H):
        self.H = torch.as_tensor(np.asarray(H, dtype=float))

    def __call__(self, m, index=None):
        H = self.H if index is None else self.H[index]
        out = torch.zeros_like(m)
        out[:, 2] = H.view(-1, 1).to(m.dtype)
        return out


def analytic(theta0, H, alpha, t):
    """LL macrospin in H ẑ: φ = γμ0 H t, tan(θ/2) = tan(θ0/2) exp(−α γμ0 H t)."""
    th = 2 * np.arctan(np.tan(theta0 / 2) * np.exp(-alpha * G * H * t))
    ph = G * H * t
    return np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=-2)


def _m0(theta0, B, n=4):
    m = np.zeros((B, 3, n))
    m[:, 0], m[:, 2] = math.sin(theta0), math.cos(theta0)
    return torch.as_tensor(m)


def test_dopri5_dense_output_matches_analytic_precession():
    H = np.array([1e6, 5e6])  # two samples with different fields: per-sample step control
    theta0, alpha = 0.3, 0.05
    t = np.linspace(0, 20e-12, 37)[1:] + 1.234e-14  # sampling times unrelated to the steps
    sol = dopri5(LandauLifshitz(UniformField(H), alpha), _m0(theta0, 2), t, rtol=1e-9, atol=1e-12)
    ref = np.stack([analytic(theta0, h, alpha, t) for h in H])  # (B, 3, T)
    got = sol.y[..., 0].numpy().transpose(0, 2, 1)
    # global error of a 5th-order method at rtol 1e-9 over ~100 periods, dense output 4th order: 1e-6
    np.testing.assert_allclose(got, ref, atol=1e-6)
    assert sol.n_steps[1] > 2 * sol.n_steps[0]  # the stiffer sample took more steps


def test_rk4_is_fourth_order():
    H, theta0, alpha = 2e6, 0.4, 0.01
    T = [5e-12]
    errs = []
    for dt in (4e-14, 2e-14):
        sol = rk4(LandauLifshitz(UniformField([H]), alpha), _m0(theta0, 1), T, dt, normalize=False)
        errs.append(np.abs(sol.y[0, -1, :, 0].numpy() - analytic(theta0, H, alpha, np.array(T))[:, 0]).max())
    # halving dt divides the error by 2⁴ = 16 in the asymptotic regime; allow 13–19 for higher-order terms
    assert 13 < errs[0] / errs[1] < 19


def test_magnitude_is_kept():
    sol = dopri5(LandauLifshitz(UniformField([3e6]), 0.1), _m0(1.0, 1), [1e-11, 2e-11], rtol=1e-5)
    norm = sol.y.norm(dim=2)
    # dense-output points are interpolants between projected states: |m| − 1 = O(rtol)
    assert (norm - 1).abs().max() < 1e-5


def test_relax_reaches_the_equilibrium():
    r = relax(UniformField([1e6, 2e6]), _m0(2.0, 2), Ms=1e6, tol=1e-10)
    assert r.converged.all()
    np.testing.assert_allclose(r.m[:, 2].numpy(), 1.0, atol=1e-12)


def test_rk4_divergence_names_dt():
    # dt·γμ0H ≈ 22 is far outside RK4's stability region (2.8)
    with pytest.raises(SolverDivergedError, match="dt"):
        rk4(LandauLifshitz(UniformField([1e8]), 1.0), _m0(0.5, 1), [1e-10], dt=1e-12, normalize=False)


@pytest.mark.parametrize("kw,match", [(dict(rtol=0.5), "rtol"), (dict(rtol=0.0), "rtol"), (dict(atol=-1.0), "atol")])
def test_dopri5_rejects_bad_tolerances(kw, match):
    with pytest.raises(ValueError, match=match):
        dopri5(LandauLifshitz(UniformField([1e6]), 0.1), _m0(0.5, 1), [1e-12], **kw)


def test_non_finite_sample_is_named():
    m0 = _m0(0.5, 3)
    m0[1, 0, 2] = float("nan")
    with pytest.raises(SolverDivergedError, match=r"sample\(s\) \[1\]"):
        dopri5(LandauLifshitz(UniformField([1e6] * 3), 0.1), m0, [1e-12])


def test_an_overflowing_trial_step_is_rejected_not_fatal():
    """y' = −y³ from y = 1 (y = 1/√(1 + 2t)) with a first step of 1000: the trial stages overflow
    float32 (k₄ ~ −(5e30)³), which once ended the run as "non-finite" although the solution is
    bounded (a masked film whose excitation fell on a vacancy did the same, its heuristic first
    step being the whole 10-ps run).  The step is rejected and shrunk instead."""
    def f(t, y, index=None):
        return -y ** 3
    for dtype in (torch.float32, torch.float64):
        y0 = torch.ones((2, 1), dtype=dtype)
        sol = dopri5(f, y0, [10.0], rtol=1e-6, atol=1e-9, h0=1e3, normalize=False)
        # the global error of an adaptive run is a few times its local rtol = 1e-6 (5e-7
        # measured in float64); float32 round-off stays below 1e-5 over ~100 steps
        tol = 1e-5
        assert sol.y[:, -1].double().numpy().ravel() == pytest.approx([1 / math.sqrt(21)] * 2, rel=tol)
        assert (sol.n_rejected >= 1).all()   # the 1000-long step was refused
    # a non-finite state is still an error, naming the sample (test_non_finite_sample_is_named)


def test_bad_time_grid():
    with pytest.raises(ValueError, match="increasing"):
        dopri5(LandauLifshitz(UniformField([1e6]), 0.1), _m0(0.5, 1), [2e-12, 1e-12])
    with pytest.raises(ValueError, match="dt"):
        rk4(LandauLifshitz(UniformField([1e6]), 0.1), _m0(0.5, 1), [1e-12], dt=0.0)


def test_relax_non_finite_raises_relaxation_error():
    # a non-finite field makes the first torque non-finite: the failure is a RelaxationError
    # (a SolverDivergedError) naming the sample and the option to change
    with pytest.raises(spsll.RelaxationError, match=r"sample\(s\) \[1\].*step0"):
        relax(UniformField([1e6, float("nan")]), _m0(1.0, 2), Ms=1e6, tol=1e-8)
    assert issubclass(spsll.RelaxationError, SolverDivergedError)
