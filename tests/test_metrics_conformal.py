"""spsll.learn.metrics against hand-computed values; spsll.learn.conformal against known quantiles
and the exact finite-sample coverage k/(n+1) of split-conformal intervals."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from spsll.learn import conformal, metrics
from spsll.physics.envelope import s_min

NM = 1e-9


def test_r2_rmse_mae_by_hand():
    y, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.0, 4.0])
    # residuals 0.5, 0, 1, 0: SS_res 1.25; mean 2.5, SS_tot 5
    assert metrics.r2(y, p) == pytest.approx(1 - 1.25 / 5)
    assert metrics.rmse(y, p) == pytest.approx(math.sqrt(1.25 / 4))
    assert metrics.mae(y, p) == pytest.approx(1.5 / 4)
    assert metrics.r2(y, y) == 1.0 and metrics.r2(y, np.full(4, 2.5)) == 0.0
    two = metrics.r2(np.c_[y, 2 * y], np.c_[p, 2 * y])  # per column
    assert two.shape == (2,) and two[1] == 1.0 and two[0] == pytest.approx(0.75)
    assert math.isnan(metrics.r2(np.ones(3), np.zeros(3)))  # constant truth: undefined
    with pytest.raises(ValueError, match="same shape"):
        metrics.rmse(y, p[:3])


def test_p_T_and_inverse_scores():
    st = np.array([[10.0, 5.0], [20.0, 0.0], [-1.0, 3.0]]) * NM
    p, T = metrics.p_T(st)
    assert p[0] == pytest.approx(2 / 3) and T[0] == pytest.approx(10 * 5 / 15 * NM)
    assert p[1] == 1.0 and T[1] == 0.0
    assert 0 < p[2] < 1e-3  # a negative σ is clipped, not propagated
    g = np.random.default_rng(0)
    truth = np.c_[g.uniform(1, 100, 40), g.uniform(0, 20, 40)] * NM
    perfect = metrics.inverse_scores(truth, truth, n_cells=500, a=0.339e-9)
    assert all(
        perfect[k] == pytest.approx(1.0)
        for k in ("r2_sigma", "r2_tau", "r2_p", "r2_T", "r2_smin")
    )
    # a prediction on the same s_min contour but elsewhere in (σ, τ): s_min is scored perfect, σ is not
    s_true = s_min(500, 0.339e-9, truth[:, 0], truth[:, 1])
    moved = truth.copy()
    moved[:, 0] *= 1.3
    sc = metrics.inverse_scores(truth, moved, n_cells=500, a=0.339e-9)
    assert sc["r2_sigma"] < 0.95 and sc["rmse_sigma_nm"] == pytest.approx(
        metrics.rmse(truth[:, 0], moved[:, 0]) / NM
    )
    s_moved = s_min(500, 0.339e-9, moved[:, 0], moved[:, 1])
    assert sc["r2_smin"] == pytest.approx(metrics.r2(s_true, s_moved))


def test_conformal_quantile_is_the_finite_sample_rank():
    r = np.arange(1.0, 20.0)  # n = 19 scores 1 … 19
    # k = ⌈20 · 0.9⌉ = 18 → the 18th smallest
    assert conformal.conformal_quantile(r[::-1], 0.1) == 18.0
    assert conformal.conformal_quantile(r, 0.05) == 19.0  # k = ⌈20 · 0.95⌉ = 19
    assert (
        conformal.conformal_quantile(r[:10], 0.05) == math.inf
    )  # k = ⌈11 · 0.95⌉ = 11 > n
    assert conformal.conformal_quantile(np.c_[r, 2 * r], 0.1).tolist() == [18.0, 36.0]
    with pytest.raises(ValueError, match="alpha"):
        conformal.conformal_quantile(r, 1.5)


def test_conformal_quantile_tends_to_the_true_quantile():
    # |ε| with ε ~ N(0, 1): the 0.9 quantile is Φ⁻¹(0.95) = 1.6449.  Standard error of the sample
    # quantile: √(0.9 · 0.1 / n) / f(q) with f(q) = 2φ(q) = 0.206 → 0.0046 at n = 1e5; 4 SE = 0.02.
    eps = np.abs(np.random.default_rng(1).standard_normal(100_000))
    assert conformal.conformal_quantile(eps, 0.1) == pytest.approx(
        norm.ppf(0.95), abs=0.02
    )


def test_split_conformal_coverage_is_exact_and_the_plain_quantile_undercovers():
    # For continuous exchangeable scores the coverage of a new point, averaged over calibration
    # draws, is exactly k/(n + 1) = 18/20 = 0.9 (n = 19, α = 0.1).  2000 trials × 50 test points:
    # per-trial coverage variance ≈ Beta(18, 2) variance 0.0043 + binomial 0.0018 → standard error
    # of the mean √(0.0061/2000) = 0.0017; 4 SE = 0.007.  The plain np.quantile (no (n+1)/n
    # correction) sits near 17.2/20 = 0.86, 0.04 lower: far outside that band.
    g = np.random.default_rng(2)
    n, trials, m = 19, 2000, 50
    cov, plain = np.empty(trials), np.empty(trials)
    for i in range(trials):
        y_cal, y_new = g.standard_normal(n), g.standard_normal(m)
        ci = conformal.split_conformal(np.zeros(n), y_cal, np.zeros(m), alpha=0.1)
        cov[i] = ci.coverage(y_new)
        q = np.quantile(np.abs(y_cal), 0.9)
        plain[i] = np.mean(np.abs(y_new) <= q)
    assert cov.mean() == pytest.approx(18 / 20, abs=0.007)
    assert plain.mean() < 0.9 - 0.02


def test_scaled_scores_and_crossed_halves():
    # heteroscedastic data with a known scale s: normalised scores are N(0, 1), so the interval
    # ŷ ± q·s covers about 1 − α whatever s; crossed halves report held-out coverage per column.
    g = np.random.default_rng(3)
    n = 4000
    s = g.uniform(0.1, 10.0, (n, 2))
    y = s * g.standard_normal((n, 2))
    out = conformal.crossed_halves(np.zeros((n, 2)), y, alpha=0.05, scale=s, seed=0)
    # n_cal = 2000: coverage within [0.95, 0.95 + 1/2001] in expectation; binomial SE over 4000
    # points √(0.95 · 0.05 / 4000) = 0.0034 per column; 4 SE = 0.014
    assert out["coverage_per_column"] == pytest.approx([0.95, 0.95], abs=0.014)
    for q in out["q_halves"]:
        assert q == pytest.approx(
            [norm.ppf(0.975)] * 2, abs=0.15
        )  # 1.96 ± ~3 SE at n = 2000
    # without the scale, the same intervals are far too wide where s is small and too narrow where it is large
    flat = conformal.split_conformal(
        np.zeros((n // 2, 2)), y[: n // 2], np.zeros((n // 2, 2)), alpha=0.05
    )
    small = s[n // 2 :, 0] < 1
    assert flat.coverage(y[n // 2 :])[0] == pytest.approx(0.95, abs=0.02)
    assert np.mean(np.abs(y[n // 2 :][small, 0]) <= flat.q[0]) > 0.99
    with pytest.raises(ValueError, match="scale"):
        conformal.split_conformal(
            np.zeros(5), np.ones(5), np.zeros(2), scale_cal=np.zeros(5)
        )


def test_crossed_halves_averages_cuts_to_the_rank_expectation():
    # 51 samples cut 25 | 26: calibrating on 25 takes the largest score (k = ⌈26·0.95⌉ = 25), which a
    # random one of the other 26 exceeds with probability 1/26; calibrating on 26 (k = 26), 1/27.
    # Over random cuts the coverage tends to (26·25/26 + 25·26/27)/51 = 0.9622 for any distinct
    # scores; 400 cuts leave a standard error of ≈ 0.002 (per-cut spread ≈ 0.04), so 0.01 is 5 SE.
    g = np.random.default_rng(4)
    y = g.standard_normal((51, 2)) * [1.0, 30.0]
    out = conformal.crossed_halves(np.zeros((51, 2)), y, alpha=0.05, repeats=400, seed=1)
    assert out["coverage"] == pytest.approx((26 * 25 / 26 + 25 * 26 / 27) / 51, abs=0.01)
    assert out["n_cal"] == (25, 26) and 0 < out["coverage_spread"] < 0.1
    one = conformal.crossed_halves(np.zeros((51, 2)), y, alpha=0.05, seed=1)
    assert one["coverage_spread"] == 0.0
