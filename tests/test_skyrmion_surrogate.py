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
