"""Figures of chapters 7 and 8 (spsll.plots_films): units on the axes, one slider position per
point, the reference curves where the physics puts them."""
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("plotly")
from spsll import plots_films  # noqa: E402
from spsll.physics import defects2d, stiffness  # noqa: E402


def test_explicit_spectrum_slider_shows_one_point_at_a_time_in_thz():
    k = np.linspace(-np.pi, np.pi, 8) * 1e9           # rad/m
    f = np.linspace(0, 20e12, 11)                      # Hz: the part above 14 THz is cut
    power = np.random.default_rng(0).random((3, 11, 8)) + 0.1
    ex = SimpleNamespace(k=k, f=f, power=power, peak_frequency=np.full((3, 8), 5e12))
    fig = plots_films.explicit_spectrum_slider(ex, np.full((3, 8), 6e12), np.full(8, 7e12),
                                               ["a", "b", "c"])
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["a", "b", "c"]
    assert len(fig.data) == 12  # 4 traces per point
    # step i shows exactly the 4 traces of point i
    for i, s in enumerate(steps):
        vis = np.array(s.args[0]["visible"])
        assert vis.sum() == 4 and vis[4 * i:4 * i + 4].all()
    heat = fig.data[0]
    assert max(heat.y) <= 14.0 and np.isclose(max(heat.x), np.pi)  # THz, rad/nm
    assert np.max(heat.z) == 0.0 and np.min(heat.z) >= -9  # log10 of power / max, clipped
    assert np.allclose(fig.data[2].y, 6.0) and np.allclose(fig.data[1].y, 7.0)


def test_film_slices_figure_pairs_formula_lines_with_film_markers():
    ref = {"kx": (np.array([0.0, 1e9]), np.array([1e12, 2e12]))}
    got = {"kx": (np.array([0.0, 1e9]), np.array([1.1e12, 2.1e12]))}
    fig = plots_films.film_slices_figure(ref, got)
    assert [t.mode for t in fig.data] == ["lines", "markers"]
    assert np.allclose(fig.data[0].x, [0, 1]) and np.allclose(fig.data[1].y, [1.1, 2.1])


def test_stiffness_figure_marks_site_percolation_and_the_models():
    amap = SimpleNamespace(
        T=np.array([0.0, 0.0, 1e-9]), p=np.array([0.9, 0.7, 0.8]),
        D=np.array([0.8, 0.4, 0.6]), D_se=np.full(3, 0.01),
        sigma_over_p=np.array([0.79, 0.41, np.nan]), sigma_over_p_se=np.full(3, 0.01))
    fig = plots_films.stiffness_figure(amap)
    names = [t.name for t in fig.data]
    assert names[:3] == ["Σ/P∞ (resistors)", "explicit films, site dilution (k → 0)",
                         "explicit, tessellation"]
    assert list(fig.data[1].x) == [0.9, 0.7] and list(fig.data[2].x) == [0.8]
    ema = fig.data[names.index("EMA, site")]
    assert np.allclose(ema.y, stiffness.ema_stiffness(np.asarray(ema.x)))
    assert fig.layout.shapes[0].x0 == pytest.approx(defects2d.P_C_SITE_SQUARE)
