"""Figures of explicit vacancies: the 1-D explicit ensemble spectrum (chapter 7) and the 2-D
films (chapter 8).  Axes in rad/nm and THz; the arrays come in SI from :mod:`spsll.physics`.
Nothing here computes physics beyond the closed-form reference curves it draws.
"""
from __future__ import annotations

import numpy as np

from .physics import defects2d, stiffness
from .plots import _fig, go, slider_groups
from .units import THZ

__all__ = ["explicit_spectrum_slider", "film_slices_figure", "stiffness_figure"]


def explicit_spectrum_slider(ex, statistical_peak, ideal_frequency, labels, f_max=14 * THZ):
    """Chapter 7: the explicit ensemble's power (log₁₀ of power/max, clipped at 10⁻⁹) per
    (σ, τ) point, with the ideal f(k) [Hz], a statistical model's peak frequency [Hz]
    (``statistical_peak``, (P, K)) and the explicit ensemble's peak; one slider position
    per point (``labels``).  ``ex``: an :class:`~spsll.physics.explicit.ExplicitDispersionResult`."""
    k, f = ex.k / 1e9, ex.f / THZ
    fs = f <= f_max / THZ
    groups = []
    for i, pw in enumerate(ex.power):
        z = np.log10(np.maximum(pw[fs] / pw.max(), 1e-9)).round(2)
        groups.append([
            go.Heatmap(x=k, y=f[fs], z=z, colorscale="Viridis", zmin=-9, zmax=0,
                       name="explicit ensemble"),
            go.Scatter(x=k, y=ideal_frequency / THZ, line=dict(color="red", dash="dash"),
                       name="ideal f(k)"),
            go.Scatter(x=k, y=statistical_peak[i] / THZ, line=dict(color="white"),
                       name="SPS-LL (parseval)"),
            go.Scatter(x=k, y=ex.peak_frequency[i] / THZ, mode="markers",
                       marker=dict(color="black", size=3), name="explicit peak")])
    return slider_groups(groups, labels, "Explicit vacancies: ensemble spectrum",
                         "k (rad/nm)", "f (THz)", prefix="(σ, τ) in nm = ")


def film_slices_figure(reference, simulated, title="Ideal film"):
    """Chapter 8: slices of a film's dispersion, ``{name: (|k| [rad/m], f [Hz])}`` for the
    closed form (lines) and the simulated film (markers)."""
    fig = _fig(title, "|k| (rad/nm)", "f (THz)")
    for s in reference:
        fig.add_scatter(x=reference[s][0] / 1e9, y=reference[s][1] / THZ, mode="lines",
                        name=f"{s}: formula")
        fig.add_scatter(x=simulated[s][0] / 1e9, y=simulated[s][1] / THZ, mode="markers",
                        name=f"{s}: film")
    return fig


def stiffness_figure(amap, title="Spin-wave stiffness of diluted films"):
    """Chapter 8: the stiffness D/D₀ of explicit films against p (site dilution and
    tessellations, ± standard error) with the resistor-network Σ/P∞, mean field s = p, the
    effective-medium stiffness (site and continuum holes) and the site percolation threshold
    p_c.  ``amap``: a :class:`~spsll.physics.agreement.AgreementMap`."""
    site = amap.T == 0
    pl = np.linspace(0.5, 1, 101)
    fig = _fig(title, "p", "D/D₀")
    fig.add_scatter(x=amap.p[site], y=amap.sigma_over_p[site], mode="lines",
                    error_y=dict(array=amap.sigma_over_p_se[site]), name="Σ/P∞ (resistors)")
    fig.add_scatter(x=amap.p[site], y=amap.D[site], error_y=dict(array=amap.D_se[site]),
                    mode="markers", name="explicit films, site dilution (k → 0)")
    fig.add_scatter(x=amap.p[~site], y=amap.D[~site], error_y=dict(array=amap.D_se[~site]),
                    mode="markers", marker_symbol="diamond", name="explicit, tessellation")
    for y, name in ((pl, "mean field s = p"), (stiffness.ema_stiffness(pl), "EMA, site"),
                    (stiffness.ema_stiffness(pl, "continuum"), "EMA, continuum holes")):
        fig.add_scatter(x=pl, y=y, mode="lines", line_dash="dot", name=name)
    fig.add_vline(x=defects2d.P_C_SITE_SQUARE, line_dash="dash", annotation_text="p_c")
    return fig
