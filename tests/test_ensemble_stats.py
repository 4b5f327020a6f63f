"""Robust statistics of explicit ensembles on masks and numbers with known answers."""
import numpy as np
import pytest

from spsll.physics.ensemble_stats import (drop_reasons, realisation_errors, robust_summary,
                                          segment_length_at, trimmed_mean)


def test_segment_length_counts_the_run_through_the_cell_periodically():
    m = np.array([[1, 1, 0, 1, 1, 1, 0, 1],     # cell 4: run 3..5 → 3
                  [1, 1, 1, 1, 1, 1, 1, 1],     # no vacancy → n
                  [1, 1, 1, 1, 0, 1, 1, 1],     # cell 4 vacant → 0
                  [1, 0, 0, 0, 1, 1, 1, 1]])    # cell 4: run 4..7 + wrap 0 → 5
    assert segment_length_at(m, 4).tolist() == [3, 8, 0, 5]
    keep, reason = drop_reasons(m, 4, min_segment=4)
    assert keep.tolist() == [False, True, False, True] and reason.tolist() == [1, -1, 0, -1]


def test_statistics_are_robust_to_one_outlier():
    assert trimmed_mean([1, 2, 3, 4, 1000], trim=0.2) == pytest.approx(3.0)
    e = np.array([[10.0, 12, 11, 5000], [9.0, 13, 11, 8000]])
    keep = np.array([[True, True, True, False], [True, True, True, False]])
    s = robust_summary(e, keep, trim=0.25)
    assert s["median_all"] == pytest.approx((11.5 + 12) / 2)
    assert s["mean_kept"] == pytest.approx(11.0) and s["mean_all"] > 1000
    assert s["mean_kept_seed_spread"] == pytest.approx(0.0) and s["n_kept"] == 6
    assert realisation_errors(np.array([[1.0, 5.0, 9.0]]), np.zeros(3), [True, True, False])[0] == 3.0
    with pytest.raises(ValueError, match="shapes"):
        robust_summary(e, keep[:, :2])
