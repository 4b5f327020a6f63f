"""Plotly figure builders for the book (nm and THz on the axes; the API stays SI).

Figures are built from the arrays that :mod:`spsll` returns; nothing here computes physics.
:func:`show` displays a figure both as plotly's own mime bundle (JupyterLab, VS Code) and as an
HTML fragment that expects plotly.js to be loaded by the page (the book serves it from its own
``_static`` folder, so static pages need neither a kernel nor a network).
"""
from __future__ import annotations

import numpy as np

try:  # plotly is the [book] extra: the solver, CLI and data generation do without it
    import plotly.graph_objects as go
except ImportError as e:
    raise ImportError("spsll.plots draws with plotly, which is not installed: "
                      "pip install 'spsll[book]' (or pip install plotly)") from e
from .units import NM


LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=50, b=50), font=dict(size=13))


def show(fig: go.Figure):
    """Display ``fig`` with a text/html representation that static HTML pages can render."""
    from IPython.display import display
    html = fig.to_html(include_plotlyjs=False, full_html=False,
                       config={"displaylogo": False, "responsive": True})
    display({"application/vnd.plotly.v1+json": fig.to_plotly_json(), "text/html": html}, raw=True)


def _fig(title, xlabel, ylabel, **kw):
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, **LAYOUT, **kw)
    return fig


def rtn_traces(x_nm, traces, labels, title="RTN traces"):
    """Stacked 0/1 traces (paper Fig. SI 1a–b)."""
    fig = _fig(title, "x (nm)", "RTN state")
    for i, (tr, lab) in enumerate(zip(traces, labels)):
        fig.add_trace(go.Scatter(x=x_nm, y=np.asarray(tr) + 1.5 * i, mode="lines", name=lab,
                                 line=dict(shape="hv", width=1)))
    return fig


def psd_vs_machlup(k, estimates, references, labels, title="PSD of RTN vs S(k)"):
    """Wiener–Khinchin estimates (markers) against Eq. 3 (lines), log scale (paper Fig. SI 1c–d)."""
    fig = _fig(title, "k (rad/nm)", "S(k) (nm/rad)")
    for est, ref, lab in zip(estimates, references, labels):
        fig.add_trace(go.Scatter(x=k / 1e9, y=np.asarray(est) / NM, mode="markers", marker=dict(size=4),
                                 name=f"{lab}: estimate"))
        fig.add_trace(go.Scatter(x=k / 1e9, y=np.asarray(ref) / NM, mode="lines", line=dict(color="red"),
                                 name=f"{lab}: Eq. 3"))
    fig.update_yaxes(type="log")
    return fig


def slider_lines(x, ys, params, param_label, xlabel, ylabel, title, fixed=None, log_y=False):
    """One line per parameter value, chosen with a plotly slider (works in static HTML).

    ys: (P, X) array; params: (P,) values shown on the slider; fixed: optional list of
    (x, y, name) reference traces drawn in every frame.
    """
    fixed = fixed or []
    fig = _fig(title, xlabel, ylabel)
    for fx, fy, name in fixed:
        fig.add_trace(go.Scatter(x=fx, y=fy, mode="lines", name=name, line=dict(color="red", dash="dash")))
    n_fixed = len(fixed)
    for i, y in enumerate(ys):
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", visible=(i == 0),
                                 name=f"{param_label} = {params[i]:g}"))
    steps = []
    for i, p in enumerate(params):
        vis = [True] * n_fixed + [j == i for j in range(len(params))]
        steps.append(dict(method="update", args=[{"visible": vis}], label=f"{p:g}"))
    fig.update_layout(sliders=[dict(active=0, currentvalue=dict(prefix=f"{param_label} = "), steps=steps,
                                    pad=dict(t=40))])
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def heatmap(x, y, z, xlabel, ylabel, title, colorbar="", overlays=(), log_z=False):
    """A colour map z(y, x) (e.g. a 2-D spectrum) with optional line overlays (x, y, name, dash)."""
    zz = np.log10(np.maximum(z, np.max(z) * 1e-12)) if log_z else z
    fig = _fig(title, xlabel, ylabel)
    fig.add_trace(go.Heatmap(x=x, y=y, z=zz, colorscale="Viridis",
                             colorbar=dict(title=("log10 " if log_z else "") + colorbar)))
    for ox, oy, name, dash in overlays:
        fig.add_trace(go.Scatter(x=ox, y=oy, mode="lines", name=name, line=dict(color="red", dash=dash)))
    return fig


def surface(x, y, z, xlabel, ylabel, zlabel, title):
    fig = go.Figure(go.Surface(x=x, y=y, z=z, colorscale="Viridis", colorbar=dict(title=zlabel)))
    fig.update_layout(title=title, scene=dict(xaxis_title=xlabel, yaxis_title=ylabel, zaxis_title=zlabel),
                      **LAYOUT)
    return fig


def lines(x, ys, names, xlabel, ylabel, title, modes=None, log_y=False):
    """Several traces; ``x`` is one shared array or a list with one array per trace."""
    fig = _fig(title, xlabel, ylabel)
    xs = x if isinstance(x, (list, tuple)) else [x] * len(ys)
    modes = modes or ["lines"] * len(ys)
    for xx, y, n, m in zip(xs, ys, names, modes):
        fig.add_trace(go.Scatter(x=xx, y=y, mode=m, name=n))
    if log_y:
        fig.update_yaxes(type="log")
    return fig


# ---- the one-number structure, convergence and ensembles (book: model, chapters 2, 3, 7) ----

def contour_map(x, y, z, xlabel, ylabel, title, levels=None, colorbar="", points=()):
    """Filled contours of z(y, x) with labelled lines; ``levels`` = (start, end, step) or None;
    ``points``: (x, y, name) marker traces drawn on top."""
    fig = _fig(title, xlabel, ylabel)
    contours = dict(showlabels=True, labelfont=dict(size=11, color="white"))
    if levels is not None:
        contours.update(start=levels[0], end=levels[1], size=levels[2])
    fig.add_trace(go.Contour(x=x, y=y, z=z, colorscale="Viridis", contours=contours,
                             colorbar=dict(title=colorbar)))
    for px, py, name in points:
        fig.add_trace(go.Scatter(x=px, y=py, mode="markers+lines", name=name,
                                 marker=dict(size=10, color="red", symbol="x"),
                                 line=dict(color="red", dash="dot")))
    return fig


def slider_groups(groups, labels, title, xlabel, ylabel, prefix=""):
    """Groups of plotly traces (a list per slider position) shown one group at a time."""
    fig = _fig(title, xlabel, ylabel)
    owner = []
    for i, group in enumerate(groups):
        for tr in group:
            tr.visible = i == 0
            fig.add_trace(tr)
            owner.append(i)
    steps = [dict(method="update", args=[{"visible": [o == i for o in owner]}], label=str(lab))
             for i, lab in enumerate(labels)]
    fig.update_layout(sliders=[dict(active=0, currentvalue=dict(prefix=prefix), steps=steps,
                                    pad=dict(t=40))])
    return fig


def markers(x, series, xlabel, ylabel, title, log_y=False):
    """Marker traces over shared (categorical or numeric) x: ``series`` = (name, y, err) with
    err an array of error-bar half-lengths or None."""
    fig = _fig(title, xlabel, ylabel)
    for name, y, err in series:
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name=name, marker=dict(size=9),
                                 error_y=None if err is None else dict(type="data", array=err)))
    if log_y:
        fig.update_yaxes(type="log")
    return fig


# ---- learning chapters (04–06): predicted against true, points with guides ----------------------
def parity(truth, preds, names, label, title, color=None, color_label="", line=None):
    """Predicted against true (one trace per prediction in ``preds``) with the line y = x;
    ``color``: values that colour the first trace's markers (e.g. the other parameter)."""
    fig = _fig(title, f"true {label}", f"predicted {label}")
    lo, hi = (line if line is not None else (float(np.min(truth)), float(np.max(truth))))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="y = x",
                             line=dict(color="grey", dash="dash")))
    for i, (p, n) in enumerate(zip(preds, names)):
        marker = dict(size=7)
        if color is not None and i == 0:
            marker.update(color=color, colorscale="Viridis", colorbar=dict(title=color_label))
        fig.add_trace(go.Scatter(x=truth, y=p, mode="markers", name=n, marker=marker))
    return fig


def points(xs, ys, names, xlabel, ylabel, title, links=None, errors=None):
    """Marker traces (one per name); ``links``: pairs of (x, y) arrays joined by grey segments;
    ``errors``: symmetric error bars for the traces (None where a trace has none)."""
    fig = _fig(title, xlabel, ylabel)
    for i, (x, y, n) in enumerate(zip(xs, ys, names)):
        err = None if errors is None or errors[i] is None else dict(type="data", array=errors[i])
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name=n, error_y=err))
    if links is not None:
        (x0, y0), (x1, y1) = links
        for a, b, c, d in zip(x0, y0, x1, y1):
            fig.add_trace(go.Scatter(x=[a, c], y=[b, d], mode="lines", showlegend=False,
                                     line=dict(color="grey", width=1)))
    return fig


def histogram(values, xlabel, title, bins=40, vline=None, ylabel="count"):
    """A histogram of ``values`` with an optional dashed vertical line at ``vline``."""
    fig = _fig(title, xlabel, ylabel)
    fig.add_trace(go.Histogram(x=values, nbinsx=bins, showlegend=False))
    if vline is not None:
        fig.add_vline(x=vline, line=dict(color="red", dash="dash"))
    return fig
