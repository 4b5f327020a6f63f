"""The SPS-LL field terms against independent computations."""
import math

import numpy as np
import pytest
import torch

import spsll
from spsll.physics import rtn
from spsll.physics.fields import DefectExchange, build_field
from spsll.physics.material import MU0

NM = 1e-9
MAT = spsll.FePt


def _random_m(rng, B, n):
    m = rng.normal(size=(B, 3, n))
    return m / np.linalg.norm(m, axis=1, keepdims=True)


@pytest.mark.parametrize("method", DefectExchange.METHODS)
def test_ideal_exchange_is_nearest_neighbour_finite_difference(method, rng):
    n = 64
    m = _random_m(rng, 3, n)
    H = DefectExchange(MAT, n, None, method).h(torch.as_tensor(m)).numpy()
    # independent: H = (2A/(μ0 Ms)) (m_{j+1} + m_{j-1} − 2 m_j)/a² on a periodic chain
    ref = 2 * MAT.A / (MU0 * MAT.Ms) * (np.roll(m, 1, -1) + np.roll(m, -1, -1) - 2 * m) / MAT.a**2
    # round-off: |H| ~ 4 Ms (λ/a)² ≈ 3e8 A/m; FFT round-off ~ log2(n) eps relative
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-13 * np.abs(ref).max())


def test_envelope_product_equals_k_space_convolution(rng):
    """√S ⊛ m̂ (circular convolution over k, computed directly) = FFT(s · m)."""
    n = 48
    S = rtn.spectrum_on_grid(n, MAT.a, 10 * NM, 5 * NM)[0]
    s = rtn.envelope(n, MAT.a, 10 * NM, 5 * NM)[0]
    m = rng.normal(size=n)
    mh = np.fft.fft(m)
    sq = np.sqrt(S)
    conv = np.array([sum(sq[q] * mh[(k - q) % n] for q in range(n)) for k in range(n)])
    np.testing.assert_allclose(np.fft.fft(s * m), conv, rtol=0, atol=1e-12 * np.abs(conv).max())


def test_defect_exchange_stencil_equals_pseudospectral_form(rng):
    n = 100
    sig, tau = np.array([10, 50, 5]) * NM, np.array([5, 2, 20]) * NM
    env = rtn.envelope(n, MAT.a, sig, tau)
    m = torch.as_tensor(_random_m(rng, 3, n))
    Hs = DefectExchange(MAT, n, env, "stencil").h(m)
    Hf = DefectExchange(MAT, n, env, "fft").h(m)
    # direct transcription of Eq. 5: −Ms F⁻¹{ω(k) FFT(s m)} with complex FFTs in numpy
    k = 2 * math.pi * np.fft.fftfreq(n, MAT.a)
    ref = -MAT.Ms * np.fft.ifft(MAT.omega(k) * np.fft.fft(env[:, None, :] * m.numpy(), axis=-1), axis=-1).real
    scale = np.abs(ref).max()
    np.testing.assert_allclose(Hs.numpy(), ref, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(Hf.numpy(), ref, rtol=0, atol=1e-12 * scale)


def test_anisotropy_field():
    m = torch.tensor([[[0.6], [0.0], [0.8]]], dtype=torch.float64)
    H = build_field(MAT, 8, None)(m.expand(1, 3, 8).contiguous())
    np.testing.assert_allclose(H[0, :, 0].numpy(), [0, 0, (MAT.Hk - MAT.Ms) * 0.8], rtol=1e-14)


def test_growing_tau_weakens_exchange():
    """The exchange energy of a zone-edge spin wave in the flat region of s(x) falls with τ."""
    n = 500
    taus = np.array([0, 1, 2, 5, 10, 20]) * NM
    env = rtn.envelope(n, MAT.a, np.full(6, 10 * NM), taus)
    far = env[:, n // 2]
    assert np.all(np.diff(far) < 0)
    assert far[0] == pytest.approx(1.0)


def test_tau_to_zero_is_continuous():
    n = 500
    env = rtn.envelope(n, MAT.a, [10 * NM] * 3, [1e-12, 1e-14, 1e-16])
    # S → δ as τ → 0; the Lorentzian weight v ∝ τ, √S ∝ √τ: deviations shrink like √τ
    dev = np.abs(env - 1).max(axis=1)
    assert dev[0] < 0.05 and dev[1] < dev[0] / 5 and dev[2] < dev[1] / 5
