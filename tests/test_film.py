"""2-D SPS-LL (films) against independent computations: fields, spectrum, envelope, dispersion, wall."""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.integrate
import torch

import spsll
from spsll.physics import rtn
from spsll.physics.envelope import envelope_facts
from spsll.physics.explicit import ExplicitField
from spsll.physics.fields import DefectExchange
from spsll.physics.film import film_slices, ideal_film_frequency
from spsll.physics.integrate import LandauLifshitz, dopri5
from spsll.physics.material import MU0

NM = 1e-9
MAT = spsll.FePt
J = 2 * MAT.A / (MU0 * MAT.Ms * MAT.a**2)  # Ms (λex/a)² [A/m], from A directly


def _unit(rng, shape):
    m = rng.normal(size=shape)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _laplacian(u):
    """5-point periodic Laplacian (times a²) over the last two axes, with numpy rolls."""
    return sum(np.roll(u, s, ax) for s in (1, -1) for ax in (-1, -2)) - 4 * u


# ---- field --------------------------------------------------------------------------------

@pytest.mark.parametrize("method", DefectExchange.METHODS)
def test_film_exchange_with_envelope_is_ms_lambda2_laplacian_of_s_m(method, rng):
    shape = (12, 10)
    env = rtn.envelope(shape, MAT.a, [10 * NM, 4 * NM], [5 * NM, 4 * NM])
    m = _unit(rng, (2, 3) + shape)
    H = DefectExchange(MAT, shape, env, method).h(torch.as_tensor(m)).numpy()
    ref = J * _laplacian(env[:, None] * m)
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-12 * np.abs(ref).max())  # FFT round-off


def test_masked_film_exchange_against_a_loop_and_vacancies_feel_nothing(rng):
    nx, ny = 7, 6
    mask = (rng.random((2, nx, ny)) < 0.6).astype(np.int8)
    m = _unit(rng, (2, 3, nx, ny)) * mask[:, None]
    H_ext = (1e5, -2e5, 3e5)
    H = ExplicitField(MAT, mask, H_ext=H_ext).h(torch.as_tensor(m)).numpy()
    ref = np.zeros_like(m)
    for b in range(2):
        for i in range(nx):
            for j in range(ny):
                if not mask[b, i, j]:
                    continue
                for (u, w) in (((i + 1) % nx, j), ((i - 1) % nx, j), (i, (j + 1) % ny), (i, (j - 1) % ny)):
                    if mask[b, u, w]:
                        ref[b, :, i, j] += J * (m[b, :, u, w] - m[b, :, i, j])
                ref[b, :, i, j] += H_ext
                ref[b, 2, i, j] += (MAT.Hk - MAT.Ms) * m[b, 2, i, j]
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-14 * np.abs(ref).max())
    assert np.all(H.transpose(0, 2, 3, 1)[mask == 0] == 0)


def test_film_vacancies_stay_empty_under_dynamics(rng):
    mask = (rng.random((2, 10, 10)) < 0.7).astype(np.int8)
    m0 = torch.as_tensor(_unit(rng, (2, 3, 10, 10)) * mask[:, None])
    y = dopri5(LandauLifshitz(ExplicitField(MAT, mask), 0.05), m0, np.arange(5) * 10e-15).y.numpy()
    assert np.all(y.transpose(0, 1, 3, 4, 2)[:, :, mask[0] == 0][0] == 0)
    n = np.linalg.norm(y, axis=2)  # (B, T, nx, ny)
    np.testing.assert_allclose(n[0][:, mask[0] == 1], 1.0, atol=1e-12)


# ---- spectrum and envelope ----------------------------------------------------------------

def test_2d_spectral_density_integrates_to_the_variance_and_grid_sums():
    m = rtn.moments(10 * NM, 5 * NM)
    T = m.T
    # radial integral of T²/(2π(1 + k²T²)^{3/2}) over the plane, by quadrature in q = kT
    tot = scipy.integrate.quad(lambda q: 2 * math.pi * q / (2 * math.pi * (1 + q * q) ** 1.5), 0, np.inf)[0]
    assert tot == pytest.approx(1.0, rel=1e-8)
    S = rtn.spectrum_on_grid_2d((64, 48), MAT.a, 10 * NM, 5 * NM, "parseval")[0]
    # the grid holds k up to π/a; the lost tail ∫_{k>K} ≈ 1/(K T) of v with K ≈ π/a, within 1/(K T)
    cont = S.sum() - m.p**2
    assert 0 < m.v - cont < 1.5 * m.v * MAT.a / (math.pi * T)
    Sn = rtn.spectrum_on_grid_2d((64, 48), MAT.a, 10 * NM, 5 * NM, "normalized")[0]
    assert Sn.sum() == pytest.approx(m.p, rel=1e-12)
    Sm = rtn.spectrum_on_grid_2d((8, 8), MAT.a, 10 * NM, 5 * NM, "mean_field")[0]
    assert Sm[0, 0] == pytest.approx(m.p**2) and np.count_nonzero(Sm) == 1
    # ideal material: S = δ, s ≡ 1
    np.testing.assert_allclose(rtn.envelope((8, 6), MAT.a, 10 * NM, 0.0), 1.0, rtol=0, atol=1e-15)


def test_film_envelope_is_the_double_cosine_sum_and_its_facts():
    shape = (16, 12)
    S = rtn.spectrum_on_grid_2d(shape, MAT.a, 8 * NM, 4 * NM)[0]
    s = rtn.envelope(shape, MAT.a, 8 * NM, 4 * NM)[0]
    kx = 2 * math.pi * np.fft.fftfreq(shape[0])
    ky = 2 * math.pi * np.fft.fftfreq(shape[1])
    for (i, j) in ((0, 0), (3, 5), (8, 6), (15, 1)):
        direct = sum(math.sqrt(S[u, w]) * math.cos(kx[u] * i + ky[w] * j)
                     for u in range(shape[0]) for w in range(shape[1]))
        assert s[i, j] == pytest.approx(direct, rel=1e-12, abs=1e-13)
    f = envelope_facts((256, 256), MAT.a, 10 * NM, 5 * NM)
    assert f.spike[0] == pytest.approx(np.sqrt(rtn.spectrum_on_grid_2d((256, 256), MAT.a, 10 * NM, 5 * NM)).sum())
    # the asymptote p − √(2πv) T/(n a) holds to O(1/n²): 1.5e-3 at n = 256, 3.9e-4 at 512 (measured)
    f2 = envelope_facts((512, 512), MAT.a, 10 * NM, 5 * NM)
    err1, err2 = (abs(g.s_min[0] - g.s_min_asymptotic[0]) for g in (f, f2))
    assert err1 < 0.05 * (f.p[0] - f.s_min[0]) and err1 / err2 > 3
    assert f2.spike[0] / f.spike[0] == pytest.approx(2.0, rel=0.02)  # spike ∝ √N = n
    assert f.s_min[0] < f2.s_min[0] < f.p[0]


# ---- observables --------------------------------------------------------------------------

def test_ideal_film_dispersion_matches_the_lattice_formula():
    """Along kx, the diagonal and on the azimuthal average, over the zone.

    Issue 13 asks for MAE ≤ 10 GHz; with 100-GHz bins refined below one bin the 32 × 32 film
    measures 1.2 / 2.1 / 0.5 GHz (64 × 64: 1.1 / 2.1 / 0.5), so 3 GHz (about 1.5× the worst
    measured) is the tolerance: a wrong exchange constant by 1 % moves the zone edge by 30 GHz."""
    r = spsll.dispersion(MAT, 10 * NM, 0.0, n_cells=(32, 32), keep_power=False)
    assert r.peak_frequency.shape == (32, 32) and r.ky.shape == (32,)
    KX, KY = np.meshgrid(r.k, r.ky, indexing="ij")
    got = film_slices(r.k, r.ky, r.peak_frequency, MAT.a)
    want = film_slices(r.k, r.ky, ideal_film_frequency(MAT, KX, KY), MAT.a)
    for name in ("kx", "diagonal", "azimuthal"):
        np.testing.assert_allclose(got[name][0], want[name][0])
        mae = np.abs(got[name][1] - want[name][1]).mean()
        assert mae < 3e9, (name, mae)
    f0 = ideal_film_frequency(MAT, 0.0, 0.0)  # the zone's corner is twice as far above f₀ as its edge
    assert (got["diagonal"][1][-1] - f0) / (got["kx"][1][-1] - f0) == pytest.approx(2.0, rel=0.01)


def test_straight_wall_in_a_film_is_the_chain_wall():
    w1 = spsll.domain_wall(MAT, 10 * NM, 0.0, n_cells=100)
    w2 = spsll.domain_wall(MAT, 10 * NM, 0.0, n_cells=(100, 8))
    assert w2.m.shape == (3, 100, 8)
    assert abs(w2.width - w1.width) < 1e-4 * NM and abs(w2.width_tanh - w1.width_tanh) < 1e-4 * NM
    np.testing.assert_allclose(w2.m, np.repeat(w1.m[..., None], 8, axis=-1), rtol=0, atol=1e-10)


def test_statistical_film_softens_and_mean_field_is_p_times_exchange():
    """mean_field scheme: s ≡ p, so f = f₀ + p (f_ideal − f₀) exactly (to the 3-GHz resolution above)."""
    p = 10 / 15
    r = spsll.dispersion(MAT, 10 * NM, 5 * NM, n_cells=(32, 32), scheme="mean_field", keep_power=False)
    KX, KY = np.meshgrid(r.k, r.ky, indexing="ij")
    f0 = ideal_film_frequency(MAT, 0.0, 0.0)
    want = f0 + p * (ideal_film_frequency(MAT, KX, KY) - f0)
    kx, got = film_slices(r.k, r.ky, r.peak_frequency, MAT.a)["kx"]
    assert np.abs(got - want[16:, 16]).mean() < 3e9
    mask = np.ones((1, 32, 32), np.int8)
    ideal = spsll.dispersion(MAT, 10 * NM, 0.0, n_cells=(32, 32), keep_power=False, duration=1e-12)
    masked = spsll.dispersion(MAT, 10 * NM, 5 * NM, n_cells=(32, 32), keep_power=False, duration=1e-12, mask=mask)
    np.testing.assert_allclose(masked.peak_frequency, ideal.peak_frequency, rtol=1e-12)


def test_explicit_film_ensemble_uses_the_recipe_and_tessellation_masks():
    from spsll.physics.defects2d import tessellation_masks
    from spsll.physics.explicit import explicit_dispersion
    kw = dict(n_cells=(16, 12), duration=0.5e-12)
    ref = spsll.dispersion(MAT, 10 * NM, 0.0, **kw)
    e0 = explicit_dispersion(MAT, 10 * NM, 0.0, n_realisations=2, seed=1, **kw)
    np.testing.assert_allclose(e0.peak_frequency, ref.peak_frequency, rtol=1e-12)
    assert e0.ky.shape == (12,) and e0.realisation_peak_frequency.shape == (2, 16, 12)
    e = explicit_dispersion(MAT, [2 * NM, 3 * NM], [1 * NM, 1 * NM], n_realisations=3, seed=4, keep_power=True,
                            **kw)
    np.testing.assert_array_equal(e.masks, tessellation_masks([2 * NM, 3 * NM], [NM, NM], (16, 12), MAT.a, 3, 4))
    # power averaged over realisations (float32 copies per realisation: 1e-6)
    np.testing.assert_allclose(e.power, e.realisation_power.astype(float).mean(1), rtol=1e-6, atol=1e-7 * e.power.max())
    assert e.power.shape == (2, e.f.size, 16, 12) and e.excited_fraction.shape == (2, 3)
    np.testing.assert_allclose(e.present_fraction, e.masks.reshape(2, 3, -1).mean(-1))


# ---- independent check with magnum.np ------------------------------------------------------

PEER_PY = Path(__file__).resolve().parent.parent / "benchmarks" / ".peer-venv" / "bin" / "python"


@pytest.mark.skipif(not PEER_PY.exists(), reason="magnum.np peer environment benchmarks/.peer-venv is missing (make peer)")
def test_magnumnp_films_with_ms_zero_cells_agree():
    """16 × 12 films (tessellated, site-diluted, ideal) in magnum.np, one periodic mesh each."""
    path = PEER_PY.parents[2] / "compare_vacancies_magnumnp.py"
    spec = importlib.util.spec_from_file_location("cmp_vac", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.compare_film(duration=0.2e-12)
    assert r["vacant_cells"] > 50
    assert r["field_max_rel_diff"] < 1e-14  # same formula, round-off only
    # two adaptive integrators at rtol = atol = 1e-9 (magnum.np RKF45, spsll dopri5); issue 13 asks 1e-6
    assert r["dynamics_max_abs_m_diff"] < 1e-7
    assert r["spsll_max_abs_m_at_vacancies"] == 0 and r["magnumnp"]["max_abs_m_at_vacancies_during_run"] == 0
    assert not r["magnumnp"]["any_nonfinite"]


@pytest.mark.parametrize("kw, match", [
    (dict(n_cells=(4, 16)), "n_cells"), (dict(n_cells=(16, 16, 16)), "n_cells"),
    (dict(n_cells=(16, 16), mask=np.ones((2, 16, 16))), "mask must have shape"),
    (dict(n_cells=(16, 16), mask=np.full((1, 16, 16), 0.5)), "mask must hold only 0"),
    (dict(n_cells=(16, 16), mask=np.ones((1, 16, 16)), exchange="fft"), "mask"),
    (dict(n_cells=(16, 16), position=1e-9), "position"),
])
def test_bad_film_options_name_the_parameter(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        spsll.dispersion(MAT, 10 * NM, 5 * NM, duration=0.1e-12, **kw)
