"""What survival and radius determine of (σ, τ, D): spsll.learn.skyrmion_identifiability
on laws whose unidentifiable direction is known in closed form."""
import math

import numpy as np
import pytest

from spsll.learn.skyrmion_identifiability import (inversion_scores, jacobian,
                                                  local_identifiability)
from spsll.learn.skyrmion_surrogate import SkyrmionSurrogate

NM = 1e-9
S, T, D = (g.ravel() for g in np.meshgrid(np.geomspace(5, 100, 4) * NM,
                                          np.geomspace(0.5, 16, 4) * NM,
                                          [2.6e-3, 3.0e-3, 3.4e-3], indexing="ij"))
U = np.stack([np.log(S / NM), np.log(T / NM), D * 1e3], 1)
N = 10**6  # films per point: binomial noise ≤ 5e-4, the laws are recovered closely


def _fit(eta, radius_nm):
    P = 1 / (1 + np.exp(-eta))
    k = np.random.default_rng(0).binomial(N, P).astype(float)
    return SkyrmionSurrogate(1, 0.0).fit(S, T, k, N, radius_nm * NM, D=D), k


def test_a_law_of_p_and_d_hides_exactly_the_constant_p_constant_d_direction():
    """logit P and R depend on ln σ − ln τ and D only: moving ln σ and ln τ together
    (T changes, p and D do not) is invisible, v = (1, 1, 0)/√2."""
    sur, _ = _fit(-1 + 1.2 * (U[:, 0] - U[:, 1]) + 1.5 * (U[:, 2] - 3),
                  5 + 0.4 * (U[:, 0] - U[:, 1]) + 3 * (U[:, 2] - 3))
    out = local_identifiability(sur, S, T, D)
    # the fit recovers the coefficients to ~1e-3 relative (binomial noise 5e-4)
    v = [1 / math.sqrt(2), 1 / math.sqrt(2), 0]
    assert np.abs(out["direction"] - v).max() < 1e-2
    assert out["constant_p_alignment"].min() > 0.999
    assert out["null_share"]["p"].max() < 1e-2 and out["null_share"]["D"].max() < 1e-2
    p = S / (S + T)  # ĝ_lnT · v = (1/√2)/√((1−p)² + p²), exactly
    expect = (1 / math.sqrt(2)) / np.sqrt((1 - p) ** 2 + p ** 2)
    assert out["null_share"]["T"] == pytest.approx(expect, abs=1e-2)


def test_a_law_of_sigma_and_d_hides_tau():
    """Nothing depends on τ: v = (0, 1, 0), at 45° to the constant-p plane."""
    sur, _ = _fit(0.5 + 1.0 * (U[:, 0] - 3) - 2 * (U[:, 2] - 3),
                  6 + 0.5 * (U[:, 0] - 3) + 2 * (U[:, 2] - 3))
    out = local_identifiability(sur, S, T, D)
    assert np.abs(out["direction"] - [0, 1, 0]).max() < 1e-2
    assert out["constant_p_alignment"] == pytest.approx(1 / math.sqrt(2), abs=1e-2)
    assert out["null_share"]["D"].max() < 1e-2
    assert out["median"]["null_share_p"] == pytest.approx(1 / math.sqrt(2), abs=1e-2)


def test_jacobian_matches_the_linear_law_in_ln_d():
    """For logit P = c·u (u = (ln σ, ln τ, D mJ/m²)) the ln D column is c₃ D."""
    c = np.array([0.7, -0.4, 1.1])
    sur, _ = _fit(c @ (U - U.mean(0)).T, 5 + 0 * U[:, 0])
    J = jacobian(sur, S, T, D)
    assert J[:, 0, 0] == pytest.approx(c[0], rel=1e-2)
    assert J[:, 0, 1] == pytest.approx(c[1], rel=1e-2)
    assert J[:, 0, 2] == pytest.approx(c[2] * D * 1e3, rel=1e-2)


def test_inversion_recovers_p_and_d_of_a_law_of_p_and_d():
    """Held-out inversion recovers what the law determines (p and D) far better than the
    prior mean; σ, τ and T along the invisible direction it cannot."""
    eta = -1 + 1.2 * (U[:, 0] - U[:, 1]) + 1.5 * (U[:, 2] - 3)
    rad = 5 + 0.4 * (U[:, 0] - U[:, 1]) + 3 * (U[:, 2] - 3)
    _, k = _fit(eta, rad)
    sc = inversion_scores(S, T, D, k, N, rad * NM)
    inv, prior = sc["inverse"], sc["prior_mean"]
    assert inv["p"] < 0.05 * prior["p"]
    assert inv["D_mJ_m2"] < 0.05 * prior["D_mJ_m2"]
    assert inv["T_nm"] > 0.2 * prior["T_nm"]  # T is not identifiable from this law


def test_bad_input():
    sur = SkyrmionSurrogate(1).fit(S, T, np.full(S.size, 5.0), 10,
                                   np.full(S.size, 5 * NM))
    with pytest.raises(ValueError, match="several D"):
        jacobian(sur, S, T, D)
    with pytest.raises(ValueError, match="two or more D"):
        inversion_scores(S, T, 3e-3, np.full(S.size, 5.0), 10, np.full(S.size, 5 * NM))
