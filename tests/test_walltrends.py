"""Fig. 1f trend statistics on synthetic width grids with known answers."""
import numpy as np
import pytest

from spsll.physics.walltrends import collapsed, fig1f_trends

A = 0.339e-9
NM = 1e-9


def test_known_trends_and_collapsed_points_are_excluded():
    sigma = np.array([5.0, 50.0]) * NM
    tau = np.array([0, 5, 10, 13, 16, 20]) * NM
    # σ = 50: falls then rises late (τ < σ); σ = 5: falls everywhere, but collapses at τ = 20
    W = np.array([[3.6, 3.0, 2.5, 2.0, 1.5, 0.5],
                  [3.6, 3.4, 3.3, 3.31, 3.32, 3.33]]) * NM
    out = fig1f_trends(W, sigma, tau, A)
    assert out["n_collapsed"] == 1 and collapsed(0.5 * NM, A)
    assert out["frac_falls_at_low_tau"] == 1.0
    # σ = 5: late slopes at τ = 13 (uses 10, 16) valid; τ = 16 and 20 touch the collapsed point
    assert out["n_decreasing_where_tau_gt_sigma_valid"] == 1 and out["frac_decreasing_where_tau_gt_sigma"] == 1.0
    assert out["n_increasing_where_tau_lt_sigma_valid"] == 3 and out["frac_increasing_where_tau_lt_sigma"] == 1.0
    assert out["n_late_slopes_excluded"] == 2


def test_rejects_misshapen_grids():
    with pytest.raises(ValueError, match="shape"):
        fig1f_trends(np.ones((2, 3)), [1, 2, 3], [0, 1, 2], A)
    with pytest.raises(ValueError, match="tau"):
        fig1f_trends(np.ones((1, 3)), [1], [1, 2, 3], A)
