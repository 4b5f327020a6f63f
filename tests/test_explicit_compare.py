"""The comparison tables of chapter 7 on synthetic results with known answers."""
from types import SimpleNamespace

import numpy as np
import pytest

import spsll
from spsll.physics import explicit_compare as cmp
from spsll.physics.ensemble_stats import mask_mean_standard_error
from spsll.physics.onenumber import one_number_dispersion

MAT = spsll.FePt
NM, GHZ = 1e-9, 1e9


def _k(n=64):
    return np.fft.fftshift(2 * np.pi * np.fft.fftfreq(n, d=MAT.a))


def test_dispersion_table_on_one_number_curves():
    k = _k()
    ideal = MAT.ideal_frequency(k)[None]
    ex = SimpleNamespace(k=k, peak_frequency=ideal, masks=np.ones((1, 4, k.size)))
    sps = {"parseval": SimpleNamespace(peak_frequency=one_number_dispersion(MAT, [0.5], k))}
    d = cmp.dispersion_table(MAT, ex, sps)[0]
    assert d["explicit_half_zone_mae_vs_ideal_GHz"] == pytest.approx(0, abs=1e-9)
    assert d["explicit_exchange_ratio"] == pytest.approx(1.0, rel=1e-10)
    assert d["parseval_exchange_ratio"] == pytest.approx(0.5, rel=1e-10)
    half = np.abs(k) <= 0.5 * np.pi / MAT.a
    expect = np.abs(sps["parseval"].peak_frequency[0] - ideal[0])[half].mean() / GHZ
    assert d["parseval_half_zone_mae_vs_explicit_GHz"] == pytest.approx(expect)


def test_robust_table_drops_by_mask_and_counts_reasons():
    k = _k(40)
    fid = MAT.ideal_frequency(k)
    masks = np.ones((1, 3, 40), np.int8)
    masks[0, 1, 20] = 0                    # excitation in a vacancy
    masks[0, 2, [10, 25]] = 0              # segment 11..24: 14 cells < 20
    peaks = np.stack([fid, fid + 5000 * GHZ, fid + 1000 * GHZ])[None]
    run = SimpleNamespace(k=k, masks=masks, realisation_peak_frequency=peaks, n_realisations=3)
    d = cmp.robust_table(MAT, [run, run], min_segment=20)[0]
    assert d["n_kept"] == 2 and d["dropped: excitation in a vacancy"] == 2
    assert d["dropped: excited segment shorter than the minimum"] == 2
    assert d["median_kept"] == pytest.approx(0.0, abs=1e-9) and d["mean_all"] == pytest.approx(2000)
    over = cmp.robust_overall({0: d})
    assert over["median_kept_max"] == pytest.approx(0.0, abs=1e-9)


def test_mask_standard_error_matches_a_monte_carlo_estimate():
    from spsll.physics.explicit import sample_masks
    se = mask_mean_standard_error(10 * NM, 5 * NM, 250, MAT.a, 1)[0]
    means = sample_masks(10 * NM, 5 * NM, 250, MAT.a, 400, seed=3)[0].mean(-1)
    # 400 draws: the standard deviation of the sample standard deviation is ~ se/√800 (3.5 %);
    # 15 % is four of those
    assert means.std() == pytest.approx(se, rel=0.15)
    assert mask_mean_standard_error(10 * NM, 0.0, 250, MAT.a, 4)[0] == 0.0


def test_separation_and_verdict():
    disp = {0: {"parseval_half_zone_mae_vs_ideal_GHz": 400.0}, 1: {"parseval_half_zone_mae_vs_ideal_GHz": 90.0}}
    robust = {0: {"median_kept": 100.0}, 1: {"median_kept": 20.0}}
    assert cmp.separation(disp, robust) == pytest.approx(4.0)
    summary = {"parseval_vs_explicit_half_zone_min_GHz": 300.0, "explicit_width_max_dev_from_ideal_nm": 1e-5,
               "pinned_fraction_min": 0.1, "pinned_fraction_max": 0.5, "explicit_minus_parseval_width_min_nm": 0.3}
    overall = {"median_kept_min": 20.0, "median_kept_max": 100.0, "median_kept_seed_spread": 10.0,
               "mean_all_max": 900.0}
    assert cmp.verdict(summary, overall, 4.0)[0] == "limitation of the model"
    assert cmp.verdict(summary, overall, 2.0)[0] == "no limitation shown"
