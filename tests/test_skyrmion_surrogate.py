"""The existence-map surrogate (spsll.learn.skyrmion_surrogate) on maps with known
answers."""
import numpy as np
import pytest

from spsll.learn.skyrmion_surrogate import (SkyrmionSurrogate, leave_one_out,
                                            mean_field_radius)
from spsll.physics.material import CoPt
from spsll.physics.radial import radial_skyrmion_for

NM = 1e-9
S, T = (g.ravel() for g in np.meshgrid(np.geomspace(5, 100, 5) * NM,
                                       np.geomspace(0.5, 20, 5) * NM, indexing="ij"))
U = np.log(np.stack([S, T], 1) / NM)


def _truth():
    """A logistic survival law and a radius linear in (ln σ, ln τ)."""
    eta = 1.0 + 1.5 * (U[:, 0] - 3) - 2.0 * (U[:, 1] - 1)
    return 1 / (1 + np.exp(-eta)), (6 + 0.3 * U[:, 0] - 0.5 * U[:, 1]) * NM


def test_recovers_a_logistic_map_and_a_linear_radius():
    P, R = _truth()
    n = 10**6  # binomial noise 5e-4: the fit must recover P to that level
    k = np.round(P * n)
    sur = SkyrmionSurrogate(degree=1, ridge=0.0).fit(S, T, k, n, R)
    p_hat, r_hat = sur.predict(S, T)
    assert p_hat == pytest.approx(P, abs=2e-3)
    assert r_hat == pytest.approx(R, rel=1e-9)  # exact: the law is in the model class


def test_leave_one_out_beats_the_mean_on_a_structured_map():
    P, R = _truth()
    n = 32
    rng = np.random.default_rng(0)
    k = rng.binomial(n, P).astype(float)
    rad = np.where(k > 0, R + rng.normal(0, 0.1 * NM, R.size), np.nan)
    cv = leave_one_out(CoPt, S, T, k, n, rad)
    assert cv["surrogate"]["survival_mae"] < 0.5 * cv["mean"]["survival_mae"]
    assert cv["surrogate"]["radius_mae_nm"] < 0.5 * cv["mean"]["radius_mae_nm"]
    speed = cv["seconds_per_query"]
    assert speed["surrogate"] < speed["mean_field_radius"]


def test_mean_field_radius_limits():
    """p = 1 is the ideal radial ODE; p < 1 is the ODE with A, D scaled by p."""
    r = mean_field_radius(CoPt, [10 * NM, 10 * NM], [0.0, 2.5 * NM])
    assert r[0] == pytest.approx(radial_skyrmion_for(CoPt).radius, rel=1e-12)
    assert 0 < r[1] < r[0]


def test_bad_input():
    with pytest.raises(ValueError, match="degree"):
        SkyrmionSurrogate(degree=5)
    with pytest.raises(ValueError, match="ridge"):
        SkyrmionSurrogate(ridge=-1)
    with pytest.raises(ValueError, match="sigma and tau"):
        SkyrmionSurrogate().fit([1 * NM], [0.0], [1], 2, [1 * NM])


# ---- D as an input ----------------------------------------------------------------
S3, T3, D3 = (g.ravel() for g in np.meshgrid(np.geomspace(5, 100, 4) * NM,
                                             np.geomspace(0.5, 16, 4) * NM,
                                             [2.6e-3, 3.0e-3, 3.4e-3], indexing="ij"))
U3 = np.stack([np.log(S3 / NM), np.log(T3 / NM), D3 * 1e3], 1)


def _law_of_p_and_d(u):
    """Survival and radius that depend on logit p = ln σ − ln τ and D only."""
    eta = -4.0 + 1.2 * (u[:, 0] - u[:, 1]) + 1.5 * (u[:, 2] - 3.0)
    radius = 5 + 0.4 * (u[:, 0] - u[:, 1]) + 3 * (u[:, 2] - 3)
    return 1 / (1 + np.exp(-eta)), radius * NM


def test_recovers_a_logistic_law_linear_in_log_sigma_log_tau_and_d():
    eta = 0.5 + 1.5 * (U3[:, 0] - 3) - 2.0 * (U3[:, 1] - 1) + 2.5 * (U3[:, 2] - 3)
    P, R = 1 / (1 + np.exp(-eta)), (6 + 0.3 * U3[:, 0] - 0.5 * U3[:, 1]
                                    + 4 * (U3[:, 2] - 3)) * NM
    n = 10**6  # binomial noise ≤ 5e-4 on P: the fit must recover it to that level
    k = np.random.default_rng(1).binomial(n, P).astype(float)
    sur = SkyrmionSurrogate(degree=1, ridge=0.0).fit(S3, T3, k, n, R, D=D3)
    p_hat, r_hat = sur.predict(S3, T3, D3)
    assert sur.uses_D
    assert p_hat == pytest.approx(P, abs=2e-3)
    assert r_hat == pytest.approx(R, rel=1e-9)  # exact: the law is in the model class
    # the D dependence is real: at the other end of the D range the prediction moves
    assert np.abs(sur.predict(S3, T3, 2.6e-3)[0] - P).max() > 0.3
    with pytest.raises(ValueError, match="D is required"):
        sur.predict(S3, T3)


def test_one_d_value_gives_the_sigma_tau_surrogate():
    P, R = _truth()
    k = np.round(P * 10**6)
    a = SkyrmionSurrogate(1, 0.0).fit(S, T, k, 10**6, R)
    b = SkyrmionSurrogate(1, 0.0).fit(S, T, k, 10**6, R, D=3e-3)
    assert not b.uses_D
    assert np.allclose(a.predict(S, T)[0], b.predict(S, T, 2e-3)[0], atol=1e-12)


def test_mean_field_radius_at_pd_is_the_radial_ode_at_pa_pd():
    from spsll.physics.radial import radial_skyrmion
    s, t, D = np.array([20, 9]) * NM, np.array([2, 1]) * NM, np.array([2.7e-3, 3.3e-3])
    r = mean_field_radius(CoPt, s, t, D)
    for i in range(2):
        p = s[i] / (s[i] + t[i])
        ref = radial_skyrmion(p * CoPt.A, p * D[i], CoPt.K_eff).radius
        assert r[i] == pytest.approx(ref, rel=1e-12)
    # larger D, larger skyrmion at one (σ, τ) (the ODE radius grows towards D_c)
    r2 = mean_field_radius(CoPt, [20 * NM] * 2, [2 * NM] * 2, [2.7e-3, 3.3e-3])
    assert r2[1] > r2[0] > 0


def test_leave_one_out_with_d_beats_the_mean():
    P, R = _law_of_p_and_d(U3)
    rng = np.random.default_rng(2)
    k = rng.binomial(32, P).astype(float)
    rad = np.where(k > 0, R + rng.normal(0, 0.1 * NM, R.size), np.nan)
    cv = leave_one_out(CoPt, S3, T3, k, 32, rad, D=D3)
    assert cv["surrogate"]["survival_mae"] < 0.5 * cv["mean"]["survival_mae"]
    assert cv["surrogate"]["radius_mae_nm"] < 0.5 * cv["mean"]["radius_mae_nm"]
