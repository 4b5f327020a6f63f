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
from .units import NM

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


def _point_title(em, i: int) -> str:
    states = ", ".join(f"{m}: {STATES[em.maps[m].raw.state[i, 0]]}" for m in em.maps)
    ex = em.maps.get("explicit")
    count = (f"; explicit survival {ex.survived[i]}/{ex.films}" if ex is not None
             else "")
    return (f"σ = {em.sigma[i] / NM:g} nm, τ = {em.tau[i] / NM:g} nm, "
            f"D = {em.D[i] * 1e3:g} mJ/m²: p = {em.p[i]:.3f}, T = {em.T[i] / NM:.2f} nm"
            f"{count}<br>{states}")


def _slider(values, label, x):
    steps = [dict(method="skip", label=f"{v:g}", args=[]) for v in values]
    return dict(steps=steps, active=0, x=x, len=0.3, y=0, yanchor="top",
                pad=dict(t=50), currentvalue=dict(prefix=label))


def explorer_figure(em, realisation: int = 0) -> go.Figure:
    """m_z of the relaxed films at every (σ, τ, D) point of the map: explicit
    realisation ``realisation`` beside the statistical models, chosen with three
    sliders σ, τ, D coupled in static HTML by :data:`spsll.plots.COUPLED_SLIDERS_JS`
    (``layout.meta``).  m_z is drawn as the integer 100 m_z (int8: a third of the map's
    bytes of float32 on the page)."""
    models = list(em.maps)
    fig = make_subplots(rows=1, cols=len(models),
                        subplot_titles=[MODEL_NAMES.get(m, m) for m in models])
    xy = (np.arange(em.n) + 0.5) * em.a / NM
    P = em.sigma.size
    bar = dict(title="m_z", tickvals=[-100, 0, 100], ticktext=["−1", "0", "1"])
    for i in range(P):
        for j, m in enumerate(models):
            raw = em.maps[m].raw
            r = min(realisation, raw.mz.shape[1] - 1)
            z = np.round(100 * raw.mz[i, r].T).astype(np.int8)
            fig.add_trace(go.Heatmap(x=xy, y=xy, z=z, zmin=-100, zmax=100,
                                     colorscale="RdBu", showscale=j == 0,
                                     colorbar=bar, visible=i == 0,
                                     hovertemplate="x %{x} nm, y %{y} nm<br>"
                                                   "100 m_z = %{z}<extra></extra>"),
                          row=1, col=j + 1)
    ns, nt = em.sigma_grid.size, em.tau_grid.size
    titles = [_point_title(em, i) for i in range(P)]
    sliders = [_slider(em.sigma_grid / NM, "σ (nm) = ", 0.0),
               _slider(em.tau_grid / NM, "τ (nm) = ", 0.35),
               _slider(em.D_grid * 1e3, "D (mJ/m²) = ", 0.7)]
    fig.update_layout(sliders=sliders, title=titles[0], height=560,
                      margin=dict(t=110, b=150),
                      meta={"coupled_sliders": {"strides": [nt, 1, ns * nt],
                                                "traces_per_point": len(models),
                                                "titles": titles}})
    for j in range(len(models)):
        fig.update_yaxes(scaleanchor=f"x{j + 1 if j else ''}", row=1, col=j + 1)
    return fig


def existence_figure(em) -> go.Figure:
    """Survival probability over the (σ, τ) grid, one heatmap per model (columns) and
    per D (rows)."""
    models, Ds = list(em.maps), em.D_grid
    fig = make_subplots(rows=len(Ds), cols=len(models), vertical_spacing=0.08,
                        subplot_titles=[MODEL_NAMES.get(m, m) for m in models])
    sg, tg = em.sigma_grid / NM, em.tau_grid / NM
    for d in range(len(Ds)):
        for j, m in enumerate(models):
            z = em.grid(m, d=d)
            lo, hi = em.grid(m, "lo", d), em.grid(m, "hi", d)
            text = [[f"{z[a, b]:.2f} [{lo[a, b]:.2f}, {hi[a, b]:.2f}]"
                     for a in range(len(sg))] for b in range(len(tg))]
            fig.add_trace(go.Heatmap(x=[f"{v:g}" for v in sg], y=[f"{v:g}" for v in tg],
                                     z=z.T, zmin=0, zmax=1, colorscale="Viridis",
                                     text=text, texttemplate="%{text}",
                                     textfont=dict(size=10),
                                     showscale=j == 0 and d == 0),
                          row=d + 1, col=j + 1)
        fig.update_yaxes(title_text=f"D = {Ds[d] * 1e3:g} mJ/m²<br>τ (nm)", row=d + 1,
                         col=1)
    fig.update_xaxes(title_text="σ (nm)", row=len(Ds))
    fig.update_layout(title="Existence map: survival probability "
                            "[95 % Wilson interval]",
                      height=120 + 380 * len(Ds))
    return fig


def survival_vs_p(em, mean_field_curves=()) -> go.Figure:
    """Survival probability (Wilson error bars) and mean radius against p, per model
    (every D; hover for D and T); ``mean_field_curves``: (p, radius [m], name) lines."""
    fig = make_subplots(rows=1, cols=2,
                        subplot_titles=["survival", "radius of survivors"])
    hover = [f"T = {t / NM:.2f} nm, D = {D * 1e3:g} mJ/m²" for t, D in zip(em.T, em.D)]
    for m, mm in em.maps.items():
        name = MODEL_NAMES.get(m, m)
        fig.add_scatter(x=em.p, y=mm.probability, mode="markers", name=name,
                        legendgroup=m, error_y=dict(type="data", symmetric=False,
                                                    array=mm.hi - mm.probability,
                                                    arrayminus=mm.probability - mm.lo),
                        text=hover, row=1, col=1)
        fig.add_scatter(x=em.p, y=mm.radius / NM, mode="markers", name=name,
                        legendgroup=m, showlegend=False, text=hover,
                        error_y=dict(array=np.nan_to_num(mm.radius_sd) / NM),
                        row=1, col=2)
    for p, r, name in mean_field_curves:
        fig.add_scatter(x=p, y=r / NM, mode="lines", line_dash="dot", name=name,
                        row=1, col=2)
    fig.update_xaxes(title_text="p = σ/(σ+τ)")
    fig.update_yaxes(title_text="P(survive)", row=1, col=1)
    fig.update_yaxes(title_text="R (nm)", row=1, col=2)
    return fig


def surrogate_figure(sur, em, n: int = 60) -> go.Figure:
    """The surrogate's survival probability on a fine (σ, τ) grid (log axes) at each D
    of the map, with the explicit training points labelled by their measured
    survival."""
    Ds = em.D_grid
    sg = np.geomspace(em.sigma_grid.min(), em.sigma_grid.max(), n)
    tg = np.geomspace(em.tau_grid.min(), em.tau_grid.max(), n)
    S, T = np.meshgrid(sg, tg, indexing="ij")
    fig = make_subplots(rows=1, cols=len(Ds),
                        subplot_titles=[f"D = {D * 1e3:g} mJ/m²" for D in Ds])
    ex = em.maps["explicit"]
    for d, D in enumerate(Ds):
        P, _ = sur.predict(S.ravel(), T.ravel(), np.full(S.size, D))
        fig.add_trace(go.Contour(x=sg / NM, y=tg / NM, z=P.reshape(S.shape).T, zmin=0,
                                 zmax=1, colorscale="Viridis", showscale=d == 0,
                                 name="surrogate"), row=1, col=d + 1)
        at = em.D == D
        fig.add_scatter(x=em.sigma[at] / NM, y=em.tau[at] / NM, mode="markers+text",
                        text=[f"{v:.2f}" for v in ex.probability[at]],
                        textposition="top center", showlegend=d == 0,
                        marker=dict(color="white", line=dict(width=1)), name="explicit",
                        row=1, col=d + 1)
    fig.update_xaxes(title_text="σ (nm)", type="log")
    fig.update_yaxes(type="log")
    fig.update_yaxes(title_text="τ (nm)", row=1, col=1)
    fig.update_layout(title="Surrogate survival probability", height=480,
                      legend=dict(orientation="h", y=-0.25))
    return fig


def identifiability_figure(ident: dict, em) -> go.Figure:
    """At every (σ, τ) point, one column per D: the cosine of the least-identifiable
    direction's angle to the constant-p plane (1: the invisible direction keeps p),
    with the direction (δ ln σ, δ ln τ, δ ln D) as text."""
    Ds, ns, nt = em.D_grid, em.sigma_grid.size, em.tau_grid.size
    fig = make_subplots(rows=1, cols=len(Ds),
                        subplot_titles=[f"D = {D * 1e3:g} mJ/m²" for D in Ds])
    al = np.asarray(ident["constant_p_alignment"]).reshape(len(Ds), ns, nt)
    v = np.asarray(ident["direction"]).reshape(len(Ds), ns, nt, 3)
    for d in range(len(Ds)):
        text = [[", ".join(f"{c:+.2f}" for c in v[d, a, b]) for a in range(ns)]
                for b in range(nt)]
        fig.add_trace(go.Heatmap(x=[f"{x:g}" for x in em.sigma_grid / NM],
                                 y=[f"{y:g}" for y in em.tau_grid / NM],
                                 z=al[d].T, zmin=0, zmax=1, colorscale="Viridis",
                                 text=text, texttemplate="%{text}",
                                 textfont=dict(size=9), showscale=d == 0),
                      row=1, col=d + 1)
    fig.update_xaxes(title_text="σ (nm)")
    fig.update_yaxes(title_text="τ (nm)", row=1, col=1)
    fig.update_layout(title="Least-identifiable direction (δ ln σ, δ ln τ, δ ln D): "
                            "colour = its alignment with constant p", height=460)
    return fig
