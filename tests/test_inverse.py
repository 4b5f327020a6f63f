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
