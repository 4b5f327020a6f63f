"""RTN sampling and spectra against the analytic Machlup statistics (paper Eq. 3, SI 1)."""
import math

import numpy as np
import pytest

from spsll.physics import rtn

NM = 1e-9
DX = 0.3 * NM  # the paper's cell size for Fig. SI 1
LENGTH = 3000 * NM  # the paper's trace length


@pytest.mark.parametrize("sigma,tau", [(10 * NM, 5 * NM), (100 * NM, 5 * NM)])
def test_sample_mean_and_variance_within_one_percent(sigma, tau):
    x = rtn.sample([sigma] * 2000, [tau] * 2000, LENGTH, DX, seed=1)
    m = rtn.moments(sigma, tau)
    # The mean of a trace has variance ≈ 2 v T / L: over 2000 traces of 3000 nm the relative
    # standard error of p is < 0.1 %.  The variance is limited by the number of vacancy segments
    # (≈ 10^5 for σ = 100 nm): its spread over seeds was measured at 0.3 %, so 1 % (the issue's
    # bound) is a 3σ test.
    assert x.mean() == pytest.approx(m.p, rel=0.01)
    assert x.astype(float).var(axis=1).mean() == pytest.approx(m.v, rel=0.01)


def test_sample_is_binary_seeded_and_ideal_is_all_ones():
    a = rtn.sample(10 * NM, 5 * NM, 300 * NM, DX, seed=7)
    b = rtn.sample(10 * NM, 5 * NM, 300 * NM, DX, seed=7)
    assert a.shape == (1000,) and set(np.unique(a)) <= {0, 1}
    np.testing.assert_array_equal(a, b)
    assert np.all(rtn.sample(10 * NM, 0.0, 300 * NM, DX, seed=7) == 1)


def test_segment_lengths_are_exponential_with_means_sigma_and_tau():
    sigma, tau = 10 * NM, 5 * NM
    x = rtn.sample(sigma, tau, 30000 * NM, 0.01 * NM, seed=3)
    edges = np.flatnonzero(np.diff(x)) + 1
    runs = np.diff(edges)
    states = x[edges[:-1]]
    # mean run lengths (cells × dx) vs σ and τ; ~2000 runs each → 2.2 % standard error; 8 % is > 3σ
    assert runs[states == 1].mean() * 0.01 * NM == pytest.approx(sigma, rel=0.08)
    assert runs[states == 0].mean() * 0.01 * NM == pytest.approx(tau, rel=0.08)


def _block_mean(y, n):
    m = y.shape[-1] // n * n
    return y[..., :m].reshape(*y.shape[:-1], -1, n).mean(-1)


@pytest.mark.parametrize("sigma,tau", [(10 * NM, 5 * NM), (100 * NM, 5 * NM)])
def test_ensemble_psd_matches_machlup_within_five_percent(sigma, tau):
    x = rtn.sample([sigma] * 1000, [tau] * 1000, LENGTH, DX, seed=11)
    est = rtn.psd(x, DX)
    # A periodogram bin is exponentially distributed (std = mean); 1000 traces × 16 adjacent
    # bins average 16000 of them: 0.8 % standard error, so a deviation of 3.2 % is 4σ.
    # (1) Against Eq. 3 itself on 0 < k ≤ 1 rad/nm (S falls by 1–2 decades there), where the
    # aliasing of the point-sampled trace adds < 0.85 % (checked): 3.2 % + 0.85 % < 5 %.
    band = (est.k > 0) & (est.k <= 1e9)
    k = est.k[band]
    cont = rtn.machlup(k, sigma, tau)
    assert np.max(np.abs(rtn.machlup_sampled(k, sigma, tau, DX) / cont - 1)) < 0.0085
    assert np.max(np.abs(_block_mean(est.S[band], 16) / _block_mean(cont, 16) - 1)) < 0.05
    # (2) Over the whole band up to the Nyquist wavenumber π/dx against the exact expectation of
    # the sampled trace (the aliased Lorentzian), with the same 4σ noise bound.
    band = est.k > 0
    ref = rtn.machlup_sampled(est.k[band], sigma, tau, DX)
    assert np.max(np.abs(_block_mean(est.S[band], 16) / _block_mean(ref, 16) - 1)) < 0.05
    # DC weight of the δ(k) term is mean² = p²: the 1 % bound on the mean gives 2 %
    assert est.dc == pytest.approx(rtn.moments(sigma, tau).p ** 2, rel=0.02)


def test_machlup_integrates_to_variance_and_total_to_p():
    sigma, tau = 10 * NM, 5 * NM
    m = rtn.moments(sigma, tau)
    T = m.T
    # ∫ v (T/π)/(1+(kT)²) dk = v; integrate numerically in u = kT on a fine grid to |u| ≤ 1e4
    u = np.linspace(-1e4, 1e4, 2_000_001)
    val = np.trapezoid(rtn.machlup(u / T, sigma, tau), u / T)
    # truncation beyond |u| = 1e4 removes 2/(π·1e4) of the weight ≈ 6.4e-5
    assert val == pytest.approx(m.v, rel=1e-4)
    assert m.p**2 + m.v == pytest.approx(m.p, rel=1e-14)


def test_machlup_limits():
    k = np.linspace(0, 5e9, 11)
    assert np.all(rtn.machlup(k, 10 * NM, 0.0) == 0)  # ideal: only the δ(k) of weight 1
    # τ → ∞: no material, S → 0
    assert np.all(rtn.machlup(k, 10 * NM, 1e-3) < 1e-3 * rtn.machlup(k, 10 * NM, 5 * NM).max())


@pytest.mark.parametrize("scheme", rtn.SCHEMES)
def test_grid_spectrum_weights(scheme):
    n, a = 500, 0.339 * NM
    sigma, tau = 10 * NM, 5 * NM
    S = rtn.spectrum_on_grid(n, a, sigma, tau, scheme)[0]
    m = rtn.moments(sigma, tau)
    assert S[0] >= m.p**2 and np.all(S >= 0)
    assert np.allclose(S[1:], S[1:][::-1])  # even in k
    if scheme == "normalized":
        assert S.sum() == pytest.approx(m.p, rel=1e-12)
    elif scheme == "mean_field":
        assert S.sum() == pytest.approx(m.p**2, rel=1e-12)
    else:
        # Parseval: Σ S_j = p minus the Lorentzian weight beyond the zone, v (1 − (2/π) atan(πT/a)),
        # up to the Riemann-sum error of the rectangle rule on a smooth function (< 1e-3 relative here)
        tail = m.v * (1 - 2 / math.pi * math.atan(math.pi * m.T / a))
        assert S.sum() == pytest.approx(m.p - tail, rel=2e-3)
    # ideal material: S = δ_j0 for every scheme
    S0 = rtn.spectrum_on_grid(n, a, sigma, 0.0, scheme)[0]
    assert S0[0] == 1.0 and np.all(S0[1:] == 0)


def test_envelope_values_quoted_in_design():
    # s(0) and the far value (x = L/2) at (σ, τ) = (10, 5) nm from a term-by-term cosine sum
    # (book/reference_values.md; independent of the FFT path tested here)
    a = 0.339 * NM
    for n, s0, far in [(250, 4.96, 0.55), (500, 6.82, 0.58), (1000, 9.43, 0.60), (2000, 13.1, 0.62)]:
        s = rtn.envelope(n, a, 10 * NM, 5 * NM)[0]
        assert s[0] == pytest.approx(s0, abs=0.006)
        assert s[n // 2] == pytest.approx(far, abs=0.006)
        # peak at x = 0; beyond a few T the envelope is flat to 1e-4, the value at L/2 is its floor
        assert s.argmax() == 0 and s[n // 2] - s.min() < 1e-4
        assert s.mean() == pytest.approx(math.sqrt(rtn.spectrum_on_grid(n, a, 10 * NM, 5 * NM)[0, 0]), rel=1e-12)
    assert np.allclose(rtn.envelope(64, a, 10 * NM, 0.0), 1.0, atol=1e-15)


def test_envelope_offset_moves_the_peak():
    a = 0.339 * NM
    s0 = rtn.envelope(100, a, 10 * NM, 5 * NM)[0]
    s7 = rtn.envelope(100, a, 10 * NM, 5 * NM, offset=7)[0]
    np.testing.assert_allclose(s7, np.roll(s0, 7), atol=1e-12)
    half = rtn.envelope(100, a, 10 * NM, 5 * NM, offset=-0.5)[0]
    np.testing.assert_allclose(half, half[::-1], atol=1e-12)  # symmetric about the cell boundary 49|50


@pytest.mark.parametrize("kw,match", [
    (dict(sigma=0.0, tau=1e-9), "sigma"), (dict(sigma=-1e-9, tau=1e-9), "sigma"),
    (dict(sigma=1e-8, tau=-1e-9), "tau"), (dict(sigma=float("nan"), tau=1e-9), "sigma"),
    (dict(sigma=[1e-8, 2e-8], tau=[1e-9, 1e-9, 1e-9]), "equal lengths"),
    (dict(sigma=10.0, tau=5.0), "nanometres"),
])
def test_bad_defect_parameters_name_the_parameter(kw, match):
    with pytest.raises(ValueError, match=match):
        rtn.machlup(np.zeros(3), **kw)
