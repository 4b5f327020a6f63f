"""Direct (σ, τ) fit through the solver, on a small chain."""
import numpy as np
import pytest

import spsll
from spsll.inverse import fit_dispersion

NM = 1e-9
OPTS = dict(n_cells=64)


def test_fit_recovers_the_well_determined_combination():
    truth = (40.0, 8.0)
    r = spsll.dispersion(spsll.FePt, truth[0] * NM, truth[1] * NM, keep_power=False, **OPTS)
    fit = fit_dispersion(spsll.FePt, r.k, r.peak_frequency, starts=((70.0, 14.0),), max_iter=6, **OPTS)
    start = spsll.dispersion(spsll.FePt, 70 * NM, 14 * NM, keep_power=False, **OPTS)
    rms_start = np.sqrt(np.mean((start.peak_frequency - r.peak_frequency) ** 2)) / 1e9
    # six Gauss–Newton iterations reduce the misfit (430 GHz RMS at the start) by more than 20×;
    # the floor is ~1 GHz, the noise of the sub-bin peak refinement
    assert fit.rms_GHz < rms_start / 20
    # and move towards the truth along the poorly identified valley (T = στ/(σ+τ) is not fixed)
    assert abs(fit.sigma / NM - truth[0]) < abs(70.0 - truth[0])
    assert abs(fit.tau / NM - truth[1]) < abs(14.0 - truth[1])


def test_fit_validates_inputs():
    with pytest.raises(ValueError, match="peak_frequency"):
        fit_dispersion(spsll.FePt, np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match="sigma_range_nm"):
        fit_dispersion(spsll.FePt, np.zeros(4), np.zeros(4), sigma_range_nm=(0.0, 10.0))


def test_batched_fit_lowers_every_misfit():
    """fit_dispersions (batched Levenberg–Marquardt): one solver call per iteration for all curves."""
    from spsll.inverse import fit_dispersions
    truths = np.array([(40.0, 8.0), (40.0, 8.0)])
    r = spsll.dispersion(spsll.FePt, truths[:, 0] * NM, truths[:, 1] * NM, keep_power=False, **OPTS)
    starts = np.array([(70.0, 14.0), (25.0, 4.0)])
    fit = fit_dispersions(spsll.FePt, r.k, r.peak_frequency, starts=starts, max_iter=8, **OPTS)
    start = spsll.dispersion(spsll.FePt, starts[:, 0] * NM, starts[:, 1] * NM, keep_power=False, **OPTS)
    rms_start = np.sqrt(np.mean((start.peak_frequency - r.peak_frequency) ** 2, axis=1)) / 1e9
    assert fit.sigma.shape == (2,) and fit.n_sims <= 3 * 2 * 8
    # LM only accepts steps that lower the cost: never worse than the start (431 and 77 GHz RMS)
    assert np.all(fit.rms_GHz <= rms_start)
    # from the start of the scipy test, the same > 20× reduction (measured 130×: 3.3 GHz)
    assert fit.rms_GHz[0] < rms_start[0] / 20
    # the reported misfit is that of the returned point (an independent simulation)
    back = spsll.dispersion(spsll.FePt, fit.sigma, fit.tau, keep_power=False, **OPTS)
    rms_back = np.sqrt(np.mean((back.peak_frequency - r.peak_frequency) ** 2, axis=1)) / 1e9
    np.testing.assert_allclose(fit.rms_GHz, rms_back, rtol=1e-9)
    assert np.all(fit.sigma / NM >= 1.0) and np.all(fit.tau / NM <= 20.0)


def test_batched_fit_validates_inputs():
    from spsll.inverse import fit_dispersions
    with pytest.raises(ValueError, match="peak_frequency"):
        fit_dispersions(spsll.FePt, np.zeros(4), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="step_nm"):
        fit_dispersions(spsll.FePt, np.zeros(4), np.zeros((2, 4)), step_nm=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        fit_dispersions(spsll.FePt, np.zeros(4), np.zeros((2, 4)), max_iter=0)
