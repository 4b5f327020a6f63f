"""2-D defect fields (spsll.physics.defects2d) against their exact laws."""
import math

import numpy as np
import pytest
import scipy.stats

from spsll.physics.defects2d import site_dilution_masks, tessellation_masks

A = 0.339e-9


def _runs(row):
    """(value, length, start) of the runs of a 0/1 row."""
    edges = np.flatnonzero(np.diff(row)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [row.size]])
    return row[starts], ends - starts, starts


def _jittered_geometric_cdf(x, q):
    """CDF of L − 1 + U, L ~ Geometric(q) on {1, 2, …} and U ~ U(0, 1) independent: continuous,
    F(x) = 1 − (1−q)^⌊x⌋ + (x − ⌊x⌋) q (1−q)^⌊x⌋."""
    f = np.floor(x)
    tail = (1 - q) ** f
    return 1 - tail + (x - f) * q * tail


@pytest.mark.parametrize("sig_cells, tau_cells", [(4.0, 2.0), (10.0, 5.0), (3.0, 6.0)])
def test_transect_runs_are_the_grid_sampled_rtn(sig_cells, tau_cells):
    """Material and vacancy runs along rows against the exact law of the a-grid transect.

    Between neighbouring centres a line falls with probability 1 − e^{−a/T}; the new cell is a
    fresh Bernoulli(p), so runs (in cells) are geometric with ending probability
    q₁ = (1 − e^{−a/T})(1 − p) for material and q₀ = (1 − e^{−a/T}) p for vacancy (means σ/a, τ/a
    as a/T → 0).  How the KS test accounts for the grid: the lengths are integers, so each gets an
    independent U(0, 1) jitter; L − 1 + U has the continuous CDF above and the KS p-value is exact.
    Independence: one row per realisation (rows of one mask share cells), and only complete runs
    that start before cell n − 40 mean/q (a stopping rule that does not look at the run's length;
    the chance that such a run is cut by the window's end is < e^{−40})."""
    s, t = sig_cells * A, tau_cells * A
    n, R = 600, 150
    masks = tessellation_masks(s, t, (n, 3), A, R, seed=3)[0]
    p, T = s / (s + t), s * t / (s + t)
    cross = 1 - math.exp(-A / T)
    rng = np.random.default_rng(0)
    for state, q in ((1, cross * (1 - p)), (0, cross * p)):
        L = []
        for r in range(R):
            v, ln, st = _runs(masks[r, :, 1])
            ok = (v == state) & (st > 0) & (st < n - 40 / q)
            L.extend(ln[ok])
        L = np.asarray(L, float)
        assert L.size > 300
        x = L - 1 + rng.random(L.size)
        res = scipy.stats.kstest(x, lambda z: _jittered_geometric_cdf(z, q))
        assert res.pvalue > 1e-3, (state, res)
        # mean run 1/q cells (5 standard errors of a geometric law); in metres it is σ (τ) plus
        # ≈ a/(2(1 − p)) (a/(2p)): 1/(1 − e^{−x}) = 1/x + ½ + O(x)
        assert abs(L.mean() - 1 / q) < 5 * math.sqrt(1 - q) / q / math.sqrt(L.size)
    # and the exponential law of the continuum is rejected at this sample size when a/T is large
    if A / T > 0.5:
        xe = L + rng.random(L.size) - 0.5  # the best a continuous exponential can do, mean-matched
        assert scipy.stats.kstest(xe, "expon", args=(0, xe.mean())).pvalue < 1e-3


def _variance_of_mean(v, T, nx, ny):
    """Exact variance of the mean of c over an nx × ny window of centres: (v/N²) Σ C(r_ij)."""
    dx = np.arange(-nx + 1, nx)[:, None]
    dy = np.arange(-ny + 1, ny)[None, :]
    w = (nx - np.abs(dx)) * (ny - np.abs(dy))
    return v * (w * np.exp(-np.hypot(dx, dy) * A / T)).sum() / (nx * ny) ** 2


def test_mean_and_two_point_function_of_the_tessellation():
    """Mean p and ⟨c(x)c(x+r)⟩ = p² + p(1−p) e^{−r/T} (exact at centres) within standard errors.

    R independent realisations: the mean's standard error is the exact window variance above / R;
    each C(r) (pairs at grid displacements along rows, columns and diagonals) is compared with
    its standard error from the spread over realisations.  5 standard errors on ~16 comparisons
    (false alarm < 1e-5 for a fixed seed: a failure is a bias)."""
    s, t = 6 * A, 3 * A
    n, R = 48, 200
    masks = tessellation_masks(s, t, (n, n), A, R, seed=5)[0].astype(float)
    p, v, T = s / (s + t), s * t / (s + t) ** 2, s * t / (s + t)
    var1 = _variance_of_mean(v, T, n, n)
    means = masks.mean(axis=(1, 2))
    assert abs(means.mean() - p) < 5 * math.sqrt(var1 / R)
    assert 0.6 < means.var(ddof=1) / var1 < 1.5  # the spread of a realisation's mean (χ², R = 200)
    for d in (1, 2, 3, 5, 8, 12):
        for (ux, uy) in ((1, 0), (0, 1), (1, 1)):
            sx, sy = d * ux, d * uy
            prod = masks[:, : n - sx, : n - sy] * masks[:, sx:, sy:]
            per = prod.mean(axis=(1, 2))
            r = math.hypot(sx, sy) * A
            want = p * p + v * math.exp(-r / T)
            assert abs(per.mean() - want) < 5 * per.std(ddof=1) / math.sqrt(R), (d, ux, uy)


def test_site_dilution_is_independent_bernoulli():
    p = np.array([0.95, 0.6])
    m = site_dilution_masks(p, (64, 64), 20, seed=2).astype(float)
    N = 20 * 64 * 64
    for i, pi in enumerate(p):
        se = math.sqrt(pi * (1 - pi) / N)
        assert abs(m[i].mean() - pi) < 5 * se
        c1 = (m[i, :, 1:, :] * m[i, :, :-1, :]).mean()
        assert abs(c1 - pi * pi) < 5 * math.sqrt(pi * pi * (1 - pi * pi) / N) * 1.5  # neighbours share no cell
    # common random numbers: a smaller p removes cells, never adds them
    assert np.all(m[1] <= m[0])


def test_ideal_and_deterministic_and_bad_input():
    assert tessellation_masks(5 * A, 0.0, (10, 12), A, 2).min() == 1
    m1 = tessellation_masks([5 * A, 8 * A], [2 * A, 2 * A], (20, 20), A, 3, seed=9)
    np.testing.assert_array_equal(m1, tessellation_masks([5 * A, 8 * A], [2 * A, 2 * A], (20, 20), A, 3, seed=9))
    assert m1.shape == (2, 3, 20, 20) and m1.dtype == np.int8
    assert not np.array_equal(m1[0, 0], m1[0, 1])
    with pytest.raises(ValueError, match="p must"):
        site_dilution_masks(1.5, (4, 4))
    with pytest.raises(ValueError, match="shape"):
        tessellation_masks(A, A, (4,), A)
    with pytest.raises(ValueError, match="seed"):         # a range error (the one seed check)
        site_dilution_masks(0.5, (4, 4), seed=-1)
    with pytest.raises(TypeError, match="seed"):
        site_dilution_masks(0.5, (4, 4), seed=1.5)
    with pytest.raises(ValueError, match="tau"):
        tessellation_masks(A, -A, (4, 4), A)


def test_heatmap_slider_shows_one_mask_per_step():
    """The chapter's tessellation picture: one heatmap per (σ, τ), exactly one visible per step."""
    from spsll import plots
    maps = np.stack([np.eye(4), 1 - np.eye(4), np.ones((4, 4))])
    fig = plots.heatmap_slider(np.arange(4), np.arange(4), maps, ["a", "b", "c"], "x", "y", "t")
    assert [tr.visible for tr in fig.data] == [True, False, False]
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["a", "b", "c"]
    assert [s.args[0]["visible"] for s in steps] == [[True, False, False], [False, True, False],
                                                    [False, False, True]]
    np.testing.assert_array_equal(fig.data[1].z, maps[1])
