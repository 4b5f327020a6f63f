"""Explicit vacancies (spsll.physics.explicit): masks, field, ideal limit, |m| at vacancies, determinism, magnum.np."""
import importlib.util
import os
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import spsll
from spsll.physics import rtn
from spsll.physics.domainwall import wall_center
from spsll.physics.explicit import (ExplicitField, explicit_dispersion, explicit_domain_wall, present_wall_center,
                            sample_masks)
from spsll.physics.fields import DefectExchange
from spsll.physics.integrate import LandauLifshitz, dopri5, relax
from spsll.physics.magnons import refine_peaks
from spsll.physics.material import MU0

NM = 1e-9
MAT = spsll.FePt
ROOT = Path(__file__).resolve().parent.parent
PEER_PY = ROOT / "benchmarks" / ".peer-venv" / "bin" / "python"


def _masked_unit(rng, mask):
    m = rng.normal(size=(mask.shape[0], 3, mask.shape[1]))
    return m / np.linalg.norm(m, axis=1, keepdims=True) * mask[:, None, :]


# ---- masks -------------------------------------------------------------------------------

@pytest.mark.parametrize("sigma,tau", [(10, 5), (3, 2), (100, 20)])
def test_present_fraction_is_p_within_its_standard_error(sigma, tau):
    """Mean of R masks of n cells against p = σ/(σ+τ).

    The mask point-sampled at spacing a has autocovariance v r^|ℓ| (r = exp(−a/T)), so the mean of
    n consecutive cells has the exact variance (v/n)[(1+r)/(1−r) − 2r(1−rⁿ)/(n(1−r)²)]; R
    independent realisations divide it by R.  We allow 5 standard errors (two-sided false-alarm
    probability 6e-7 for a deterministic seed: a failure means a bias, not bad luck)."""
    n, R = 500, 300
    masks = sample_masks(sigma * NM, tau * NM, n, MAT.a, R, seed=11)[0]
    assert masks.dtype == np.int8 and set(np.unique(masks)) <= {0, 1}
    mo = rtn.moments(sigma * NM, tau * NM)
    r = math.exp(-MAT.a / mo.T)
    var1 = mo.v / n * ((1 + r) / (1 - r) - 2 * r * (1 - r**n) / (n * (1 - r) ** 2))
    se = math.sqrt(var1 / R)
    assert abs(masks.mean() - mo.p) < 5 * se, (masks.mean(), mo.p, se)
    # the realisations are independent: the spread of the per-mask fractions matches var1 (χ², 30 %)
    assert 0.7 < masks.mean(axis=1).var(ddof=1) / var1 < 1.3


def test_ideal_material_has_no_vacancy():
    assert sample_masks(10 * NM, 0.0, 50, MAT.a, 3, seed=0).min() == 1


def test_masks_are_rtn_sample_with_seed_pair_and_deterministic():
    s, t = np.array([10, 50]) * NM, np.array([5, 5]) * NM
    m1 = sample_masks(s, t, 200, MAT.a, 4, seed=7)
    m2 = sample_masks(s, t, 200, MAT.a, 4, seed=7)
    np.testing.assert_array_equal(m1, m2)
    for i in range(2):
        for r in range(4):
            np.testing.assert_array_equal(m1[i, r], rtn.sample(s[i], t[i], 200 * MAT.a, MAT.a, seed=[7, r]))
    assert not np.array_equal(m1, sample_masks(s, t, 200, MAT.a, 4, seed=8))
    assert not np.array_equal(m1[0, 0], m1[0, 1])  # realisations differ


# ---- field -------------------------------------------------------------------------------

def test_exchange_field_against_numpy_loop(rng):
    n, B = 40, 4
    mask = (rng.random((B, n)) < 0.6).astype(np.int8)
    mask[0, :] = 1
    mask[1, [0, n - 1]] = 0  # vacancies across the periodic boundary
    m = _masked_unit(rng, mask)
    f = ExplicitField(MAT, mask)
    H = f.h(torch.as_tensor(m)).numpy()
    Hex = f.exchange(torch.as_tensor(m)).numpy()
    J = 2 * MAT.A / (MU0 * MAT.Ms * MAT.a**2)
    ref_ex = np.zeros_like(m)
    for b in range(B):
        for j in range(n):
            if not mask[b, j]:
                continue
            for i in ((j - 1) % n, (j + 1) % n):
                if mask[b, i]:
                    ref_ex[b, :, j] += J * (m[b, :, i] - m[b, :, j])
    ref = ref_ex.copy()
    ref[:, 2] += (MAT.Hk - MAT.Ms) * m[:, 2]
    scale = np.abs(ref).max()
    np.testing.assert_allclose(Hex, ref_ex, rtol=0, atol=1e-14 * scale)
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-14 * scale)
    assert np.all(H.transpose(0, 2, 1)[mask == 0] == 0)
    # index selects samples, as the integrators use it
    idx = torch.tensor([3, 1])
    np.testing.assert_array_equal(f.h(torch.as_tensor(m[[3, 1]]), idx).numpy(), H[[3, 1]])
    np.testing.assert_array_equal(f.subset(1, 3).h(torch.as_tensor(m[1:3])).numpy(), H[1:3])


def test_no_vacancy_field_is_the_ideal_sps_ll_field_bit_for_bit(rng):
    m = torch.as_tensor(_masked_unit(rng, np.ones((3, 50), np.int8)))
    field = spsll.physics.fields.build_field(MAT, 50, None)
    assert torch.equal(ExplicitField(MAT, np.ones((3, 50))).h(m), field(m))


def test_rtn_multiplied_to_m_differs_only_by_a_parallel_field(rng):
    """The paper's direct simulation (ideal stencil on c·m) vs free ends: same torque."""
    mask = (rng.random((3, 60)) < 0.7).astype(np.int8)
    m = torch.as_tensor(_masked_unit(rng, mask))
    c = torch.as_tensor(mask, dtype=torch.float64).unsqueeze(1)
    H_direct = DefectExchange(MAT, 60, None).h(m * c) * c
    H_free = ExplicitField(MAT, mask).exchange(m)
    torque = torch.linalg.cross(m, H_direct - H_free, dim=1)
    assert float((H_direct - H_free).abs().max()) > 1e6  # the fields do differ ...
    assert float(torque.abs().max()) < 1e-14 * float(H_free.abs().max())  # ... by a part parallel to m


def test_field_rejects_bad_masks():
    with pytest.raises(ValueError, match="mask must hold only 0"):
        ExplicitField(MAT, np.full((1, 10), 0.5))
    with pytest.raises(ValueError, match=r"mask must have shape \(B, N\)"):
        ExplicitField(MAT, np.ones(10))
    with pytest.raises(TypeError, match="material"):
        ExplicitField("FePt", np.ones((1, 10)))


# ---- |m| at vacancies --------------------------------------------------------------------

def test_vacancies_stay_exactly_empty_and_unit_length_elsewhere(rng):
    mask = sample_masks(3 * NM, 1 * NM, 64, MAT.a, 3, seed=2)[0]
    assert 0 < mask.mean() < 1
    m0 = torch.as_tensor(_masked_unit(rng, mask))
    sol = dopri5(LandauLifshitz(ExplicitField(MAT, mask), 0.02), m0, np.arange(20) * 10e-15, rtol=1e-6)
    y = sol.y.numpy()  # (B, T, 3, N)
    vac = (mask == 0)[:, None, None, :]
    assert np.all(np.where(vac, y, 0.0) == 0.0)
    norm = np.linalg.norm(y, axis=2).transpose(0, 2, 1)[mask == 1]  # (present cells, T)
    np.testing.assert_allclose(norm, 1.0, atol=1e-12)
    r = relax(ExplicitField(MAT, mask), m0, MAT.Ms, tol=1e-4, max_iter=3000)
    assert np.all(r.m.numpy().transpose(0, 2, 1)[mask == 0] == 0)
    np.testing.assert_allclose(np.linalg.norm(r.m.numpy(), axis=1)[mask == 1], 1.0, atol=1e-12)


def test_relaxed_walls_keep_vacancies_empty():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        w = explicit_domain_wall(MAT, 5 * NM, 2 * NM, n_realisations=3, seed=1, n_cells=64, max_iter=500)
    m = w.m.transpose(0, 2, 1)  # (R, n, 3)
    assert np.all(m[w.masks == 0] == 0)
    np.testing.assert_allclose(np.linalg.norm(m[w.masks == 1], axis=-1), 1.0, atol=1e-12)


# ---- ideal limit -------------------------------------------------------------------------

def test_ideal_limit_dispersion_equals_sps_ll():
    kw = dict(n_cells=64, duration=1e-12)
    ref = spsll.dispersion(MAT, 10 * NM, 0.0, **kw)
    e = explicit_dispersion(MAT, 10 * NM, 0.0, n_realisations=2, seed=5, **kw)
    np.testing.assert_allclose(e.peak_frequency, ref.peak_frequency, rtol=1e-12, atol=0)
    np.testing.assert_allclose(e.realisation_peak_frequency, np.stack([ref.peak_frequency] * 2), rtol=1e-12)
    # spsll.dispersion keeps its power in float32
    np.testing.assert_allclose(e.power, ref.power, rtol=1e-6, atol=1e-7 * ref.power.max())
    assert np.all(e.excited_fraction == 1) and np.all(e.present_fraction == 1)


def test_ideal_limit_domain_wall_equals_sps_ll():
    ref = spsll.domain_wall(MAT, 10 * NM, 0.0, n_cells=100)
    w = explicit_domain_wall(MAT, 10 * NM, 0.0, n_realisations=2, seed=5, n_cells=100)
    np.testing.assert_allclose(w.m, np.stack([ref.m] * 2), rtol=0, atol=1e-13)
    for got, want in ((w.width, ref.width), (w.width_tanh, ref.width_tanh), (w.center, ref.center)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-22)
    np.testing.assert_allclose(w.ensemble_width, ref.width, rtol=1e-12)
    np.testing.assert_allclose(w.width_mean, ref.width, rtol=1e-12)
    assert w.pinned_fraction == 0 and w.creeping_fraction == 0 and w.n_defined == 2
    assert w.width_std == pytest.approx(0.0, abs=1e-20)


# ---- ensembles, walls, determinism -------------------------------------------------------

def test_ensemble_power_is_averaged_before_peak_finding_and_runs_are_deterministic():
    kw = dict(n_realisations=3, seed=4, n_cells=48, duration=0.5e-12, keep_power=True)
    s, t = np.array([3, 5]) * NM, np.array([1, 2]) * NM
    e = explicit_dispersion(MAT, s, t, **kw)
    assert e.power.shape == (2, e.f.size, 48) and e.realisation_power.shape == (2, 3, e.f.size, 48)
    np.testing.assert_allclose(e.power, e.realisation_power.astype(float).mean(1), rtol=1e-6,
                               atol=1e-7 * e.power.max())
    np.testing.assert_array_equal(e.peak_frequency, refine_peaks(e.power, e.f))
    e2 = explicit_dispersion(MAT, s, t, **kw)
    np.testing.assert_array_equal(e.power, e2.power)
    np.testing.assert_array_equal(e.masks, e2.masks)
    # a batch equals its points run alone (each realisation is its own sample)
    e1 = explicit_dispersion(MAT, s[1], t[1], **kw)
    np.testing.assert_allclose(e1.power, e.power[1], rtol=1e-12, atol=0)


def test_present_wall_center_in_material_and_at_a_vacancy():
    n, a = 40, MAT.a
    x = (np.arange(n) + 0.5 - n / 2) * a
    mz = np.tanh((x - 0.3 * a) / MAT.wall_parameter)
    full = np.ones(n, np.int8)
    c, p = present_wall_center(mz, full, a)
    assert not p[0] and c[0] == pytest.approx(wall_center(mz, a)[0], rel=1e-12)
    # a vacancy gap across the sign change: pinned, centre in the middle of the gap
    gap = full.copy()
    gap[18:22] = 0
    step = np.where(x < 0, -1.0, 1.0) * gap
    c, p = present_wall_center(step, gap, a)
    assert p[0] and c[0] == pytest.approx((20 + 0.5 - n / 2) * a - 0.5 * a)


def test_equilibrium_walls_in_material_have_the_ideal_width():
    """A wall that converges inside a segment is an ideal wall: vacancies do not narrow it."""
    ideal = spsll.domain_wall(MAT, 10 * NM, 0.0, n_cells=120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        w = explicit_domain_wall(MAT, 40 * NM, 2 * NM, n_realisations=6, seed=0, n_cells=120, max_iter=2000)
    ok = w.converged & ~w.pinned
    assert ok.sum() >= 2
    np.testing.assert_allclose(w.width[ok], ideal.width, atol=1e-4 * NM)
    assert np.all(np.isnan(w.width[w.pinned]))
    assert w.n_defined == ok.sum()


@pytest.mark.parametrize("kw, match", [
    (dict(n_realisations=0), "n_realisations"), (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"),
    (dict(n_cells=4), "n_cells"), (dict(duration=-1), "duration"), (dict(keep_power="yes"), "keep_power"),
    (dict(alpha=-1), "alpha"), (dict(dtype="float16"), "dtype"),
])
def test_bad_dispersion_options_name_the_parameter(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        explicit_dispersion(MAT, 10 * NM, 5 * NM, **kw)


@pytest.mark.parametrize("kw, match", [
    (dict(n_realisations=-2), "n_realisations"), (dict(seed="x"), "seed"), (dict(tol=0), "tol"),
    (dict(n_cells=8), "n_cells"), (dict(max_iter=0), "max_iter"),
])
def test_bad_wall_options_name_the_parameter(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        explicit_domain_wall(MAT, 10 * NM, 5 * NM, **kw)


def test_bad_sigma_tau_name_the_parameter():
    with pytest.raises(ValueError, match="sigma"):
        explicit_dispersion(MAT, -1 * NM, 5 * NM)
    with pytest.raises(ValueError, match="tau"):
        explicit_domain_wall(MAT, 10 * NM, -5 * NM)


# ---- independent check with magnum.np ------------------------------------------------------

# `make test` (and so CI) creates the peer environment; a bare pytest without it skips, CI fails.
@pytest.mark.skipif(not PEER_PY.exists() and not os.environ.get("CI"),
                    reason="magnum.np peer environment benchmarks/.peer-venv is missing (make peer)")
def test_magnumnp_with_ms_zero_cells_agrees():
    spec = importlib.util.spec_from_file_location("cmp_vac", ROOT / "benchmarks" / "compare_vacancies_magnumnp.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.compare(n_cells=48, duration=0.3e-12, rtol=1e-9)
    assert r["vacant_cells"] > 10
    assert r["field_max_rel_diff"] < 1e-14  # same formula, round-off only
    assert r["exchange_max_rel_diff"] < 1e-14
    assert r["ms0_only_max_rel_torque_diff"] < 1e-14 < r["ms0_only_max_rel_field_diff"]
    # two adaptive integrators at rtol = atol = 1e-9 (magnum.np RKF45 with a max-norm, spsll dopri5)
    assert r["dynamics_max_abs_m_diff"] < 1e-7
    assert r["spsll_max_abs_m_at_vacancies"] == 0 and r["magnumnp"]["max_abs_m_at_vacancies_during_run"] == 0
    assert r["magnumnp"]["max_abs_h_at_vacancies"] == 0 and not r["magnumnp"]["any_nonfinite"]


def test_non_finite_relaxed_walls_raise_relaxation_error():
    from spsll.physics.explicit_walls import _check_relaxed
    m = np.ones((3, 3, 8))
    m[2, 1, 5] = np.nan  # realisation 2 diverged
    with pytest.raises(spsll.RelaxationError, match=r"realisation\(s\) \[2\].*torque reached"):
        _check_relaxed(m, np.array([1e-7, 2e-7, np.nan]), 1e-6, 100)
    _check_relaxed(m[:2], np.zeros(2), 1e-6, 100)  # finite states pass
