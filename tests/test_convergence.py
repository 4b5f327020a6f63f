"""Observables against N: the mean-field model is the N → ∞ limit of the parseval model."""
import numpy as np
import pytest

import spsll
from spsll.physics.convergence import observable_vs_n
from spsll.physics.onenumber import one_number_dispersion

NM, GHZ = 1e-9, 1e9
MAT = spsll.FePt
NS = (250, 500, 1000, 2000)


def test_wall_width_mean_field_is_independent_of_n_and_parseval_approaches_it():
    mf = observable_vs_n(MAT, [10 * NM, 20 * NM], [5 * NM, 10 * NM], NS, "wall_width", "mean_field")
    ps = observable_vs_n(MAT, [10 * NM, 20 * NM], [5 * NM, 10 * NM], NS, "wall_width")
    # s ≡ p at every N: the same lattice wall, to the relaxation tolerance (< 1e-4 nm measured 1e-6)
    assert np.ptp(mf.values, axis=1).max() < 1e-4 * NM
    gap = np.abs(ps.values - mf.values)
    assert np.all(np.diff(gap, axis=1) < 0)               # monotone approach
    assert np.all(gap[:, -1] < 0.5 * gap[:, 0])           # deficit ∝ 1/√N: ×8 in N halves it at least
    assert np.all(np.diff(ps.s_min, axis=1) > 0) and np.allclose(mf.s_min, 2 / 3)


def test_zone_edge_mean_field_equals_the_analytic_limit_at_every_n():
    mf = observable_vs_n(MAT, 10 * NM, 5 * NM, (250, 500), "zone_edge_frequency", "mean_field")
    exact = one_number_dispersion(MAT, 2 / 3, np.pi / MAT.a)
    # refined peak at the zone edge: the ideal chain's refinement error is a few GHz there
    assert np.abs(mf.values - exact).max() < 10 * GHZ
    ps = observable_vs_n(MAT, 10 * NM, 5 * NM, (250, 500), "zone_edge_frequency")
    assert np.all(ps.values < exact) and ps.values[0, 1] > ps.values[0, 0]


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="observable"):
        observable_vs_n(MAT, 10 * NM, 5 * NM, (250,), "nonsense")
    with pytest.raises(ValueError, match="scheme"):
        observable_vs_n(MAT, 10 * NM, 5 * NM, (250,), "wall_width", "nope")
    with pytest.raises(ValueError, match="n_values"):
        observable_vs_n(MAT, 10 * NM, 5 * NM, (8,), "wall_width")
    with pytest.raises(ValueError, match="even"):
        observable_vs_n(MAT, 10 * NM, 5 * NM, (251,), "zone_edge_frequency")
