"""Plotly figures of chapter 9 (skyrmions in defective films).

Inputs are the results of :mod:`spsll.physics.skyrmion_validation`,
:mod:`spsll.physics.skyrmion_map` and :mod:`spsll.learn.skyrmion_surrogate`; lengths
are shown in nm.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .physics.skyrmion_defects import STATES

NM = 1e-9
MODEL_NAMES = {"explicit": "explicit (tessellation)", "envelope": "SPS-LL envelope",
               "mean_field": "mean field s = p"}


def convergence_figure(conv: dict) -> go.Figure:
    """|R(a) − R_ODE| and the lattice part |R(a) − R_L| against the cell size a
    (log–log) with an a² guide."""
    a, err, lat = conv["a"] / NM, conv["error"] / NM, conv["lattice_error"] / NM
    fig = go.Figure()
    fig.add_scatter(x=a, y=err, mode="markers+lines", name="|R − R_ODE|")
    fig.add_scatter(x=a, y=lat, mode="markers+lines",
                    name="|R − R_L| (fitted film limit)")
    fig.add_scatter(x=a, y=lat[0] * (a / a[0]) ** 2, mode="lines", line_dash="dot",
                    name="∝ a²")
    ode = conv["ode_radius"] / NM
    fig.update_layout(title=f"Radius against the radial ODE ({ode:.4f} nm): "
                            f"observed order {conv['order']:.2f}",
                      xaxis_title="cell size a (nm)", yaxis_title="radius error (nm)",
                      xaxis_type="log", yaxis_type="log")
    return fig


def cycloid_figure(cyc: dict, D_material: float) -> go.Figure:
    """Néel wall and cycloid energies against D, with D_c and the material's D."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    D = cyc["D"] * 1e3
    fig.add_scatter(x=D, y=cyc["wall_energy"] * 1e3,
                    name="Néel wall 4√(AK) − πD (mJ/m²)")
    fig.add_scatter(x=D, y=cyc["cycloid_energy"] / 1e3, name="cycloid ε (kJ/m³)",
                    secondary_y=True)
    fig.add_vline(x=cyc["D_c"] * 1e3, line_dash="dash", annotation_text="D_c")
    fig.add_vline(x=D_material * 1e3, line_dash="dot", annotation_text="CoPt")
    fig.update_layout(title="The cycloid threshold", xaxis_title="D (mJ/m²)")
    return fig


def explorer_figure(em, realisation: int = 0) -> go.Figure:
    """m_z of the relaxed films at every (σ, τ) point of the map, one slider step per
    point: explicit realisation ``realisation`` beside the statistical models."""
    models = list(em.maps)
    fig = make_subplots(rows=1, cols=len(models),
                        subplot_titles=[MODEL_NAMES.get(m, m) for m in models])
    xy = (np.arange(em.n) + 0.5) * em.a / NM
    P = em.sigma.size
    for i in range(P):
        for j, m in enumerate(models):
            raw = em.maps[m].raw
            r = min(realisation, raw.mz.shape[1] - 1)
            fig.add_trace(go.Heatmap(x=xy, y=xy, z=raw.mz[i, r].T, zmin=-1, zmax=1,
                                     colorscale="RdBu", showscale=j == 0,
                                     visible=i == 0), row=1, col=j + 1)
    k = len(models)
    steps = []
    for i in range(P):
        states = ", ".join(f"{m}: {STATES[em.maps[m].raw.state[i, 0]]}" for m in models)
        steps.append(dict(method="update",
                          label=f"{em.sigma[i] / NM:g}, {em.tau[i] / NM:g}",
                          args=[{"visible": [t // k == i for t in range(P * k)]},
                                {"title": f"p = {em.p[i]:.3f}, "
                                          f"T = {em.T[i] / NM:.2f} nm<br>{states}"}]))
    slider = dict(steps=steps, currentvalue=dict(prefix="(σ, τ) nm = "))
    fig.update_layout(sliders=[slider],
                      title=steps[0]["args"][1]["title"], height=480)
    return fig


def existence_figure(em) -> go.Figure:
    """Survival probability over the (σ, τ) grid, one heatmap per model."""
    models = list(em.maps)
    fig = make_subplots(rows=1, cols=len(models),
                        subplot_titles=[MODEL_NAMES.get(m, m) for m in models])
    sg, tg = em.sigma_grid / NM, em.tau_grid / NM
    for j, m in enumerate(models):
        z = em.grid(m)
        lo, hi = em.grid(m, "lo"), em.grid(m, "hi")
        text = [[f"{z[a, b]:.2f} [{lo[a, b]:.2f}, {hi[a, b]:.2f}]"
                 for a in range(len(sg))] for b in range(len(tg))]
        fig.add_trace(go.Heatmap(x=[f"{v:g}" for v in sg], y=[f"{v:g}" for v in tg],
                                 z=z.T,
                                 zmin=0, zmax=1, colorscale="Viridis", text=text,
                                 texttemplate="%{text}", textfont=dict(size=11),
                                 showscale=j == 0), row=1, col=j + 1)
        fig.update_xaxes(title_text="σ (nm)", row=1, col=j + 1)
    fig.update_yaxes(title_text="τ (nm)", row=1, col=1)
    fig.update_layout(title="Existence map: survival probability "
                            "[95 % Wilson interval]",
                      height=520)
    return fig


def survival_vs_p(em, mean_field_curve=None) -> go.Figure:
    """Survival probability (Wilson error bars) and mean radius against p, per model."""
    fig = make_subplots(rows=1, cols=2,
                        subplot_titles=["survival", "radius of survivors"])
    for m, mm in em.maps.items():
        name = MODEL_NAMES.get(m, m)
        fig.add_scatter(x=em.p, y=mm.probability, mode="markers", name=name,
                        legendgroup=m, error_y=dict(type="data", symmetric=False,
                                                    array=mm.hi - mm.probability,
                                                    arrayminus=mm.probability - mm.lo),
                        text=[f"T = {t / NM:.2f} nm" for t in em.T], row=1, col=1)
        fig.add_scatter(x=em.p, y=mm.radius / NM, mode="markers", name=name,
                        legendgroup=m, showlegend=False,
                        error_y=dict(array=np.nan_to_num(mm.radius_sd) / NM),
                        row=1, col=2)
    if mean_field_curve is not None:
        p, r = mean_field_curve
        fig.add_scatter(x=p, y=r / NM, mode="lines", line_dash="dot",
                        name="radial ODE, A, D → pA, pD", row=1, col=2)
    fig.update_xaxes(title_text="p = σ/(σ+τ)")
    fig.update_yaxes(title_text="P(survive)", row=1, col=1)
    fig.update_yaxes(title_text="R (nm)", row=1, col=2)
    return fig


def surrogate_figure(sur, em, n: int = 60) -> go.Figure:
    """The surrogate's survival probability on a fine (σ, τ) grid (log axes) with the
    explicit training points coloured by their measured survival."""
    sg = np.geomspace(em.sigma_grid.min(), em.sigma_grid.max(), n)
    tg = np.geomspace(em.tau_grid.min(), em.tau_grid.max(), n)
    S, T = np.meshgrid(sg, tg, indexing="ij")
    P, _ = sur.predict(S.ravel(), T.ravel())
    fig = go.Figure(go.Contour(x=sg / NM, y=tg / NM, z=P.reshape(S.shape).T, zmin=0,
                               zmax=1, colorscale="Viridis", name="surrogate"))
    ex = em.maps["explicit"]
    fig.add_scatter(x=em.sigma / NM, y=em.tau / NM, mode="markers+text",
                    text=[f"{v:.2f}" for v in ex.probability],
                    textposition="top center",
                    marker=dict(color="white", line=dict(width=1)), name="explicit")
    fig.update_layout(title="Surrogate survival probability", xaxis_title="σ (nm)",
                      yaxis_title="τ (nm)", xaxis_type="log", yaxis_type="log")
    return fig
