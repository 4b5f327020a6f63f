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


#: Coupled sliders in static HTML.  A figure whose ``layout.meta.coupled_sliders`` is
#: {"strides": [s₀, s₁, …], "traces_per_point": k, "titles": [...]} shows the k traces
#: of point i = Σ active_j s_j (active_j: slider j's step) and title i whenever a slider
#: moves (its steps use method "skip": plain plotly sliders cannot combine).
COUPLED_SLIDERS_JS = """
var gd = document.getElementById('{plot_id}');
var c = gd.layout.meta.coupled_sliders;
gd.on('plotly_sliderchange', function () {
  var i = 0;
  for (var j = 0; j < c.strides.length; j++) {
    i += gd.layout.sliders[j].active * c.strides[j];
  }
  var vis = gd.data.map(function (t, n) {
    return Math.floor(n / c.traces_per_point) === i;
  });
  Plotly.update(gd, {visible: vis}, {'title.text': c.titles[i]});
});
"""


def coupled(fig: go.Figure) -> bool:
    """Whether ``fig`` carries coupled sliders (:data:`COUPLED_SLIDERS_JS`)."""
    meta = fig.layout.meta
    return isinstance(meta, dict) and "coupled_sliders" in meta


def show(*figs: go.Figure):
    """Display each figure with a text/html representation that static HTML pages can render
    (with the script of coupled sliders where the figure has them)."""
    from IPython.display import display
    if not figs:
        raise ValueError("show needs at least one figure")
    for fig in figs:
        html = fig.to_html(include_plotlyjs=False, full_html=False,
                           config={"displaylogo": False, "responsive": True},
                           post_script=COUPLED_SLIDERS_JS if coupled(fig) else None)
        display({"application/vnd.plotly.v1+json": fig.to_plotly_json(), "text/html": html},
                raw=True)


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


def heatmap_slider(x, y, maps, labels, xlabel, ylabel, title, prefix=""):
    """Colour maps ``maps[i]`` (z(y, x), e.g. defect masks), one shown at a time, chosen with a
    slider whose steps are ``labels``; equal x and y scales."""
    groups = [[go.Heatmap(x=x, y=y, z=z, colorscale="Viridis", showscale=False)] for z in maps]
    fig = slider_groups(groups, labels, title, xlabel, ylabel, prefix)
    return fig.update_layout(yaxis_scaleanchor="x")


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


# ---- learning chapters (04–06): training curves, (σ, τ) parity, intervals, TFC spectra ----
def training_curves(histories, names, ylabel, title):
    """Train and validation loss per epoch of each :class:`~spsll.learn.checkpoint.History`
    (log scale); ``names``: one per history ("name: train", "name: validation"), or None for
    one unnamed history ("train", "validation")."""
    if names is None:
        if len(histories) != 1:
            raise ValueError("names may be None only for one history")
        labels = ["train", "validation"]
    else:
        if len(names) != len(histories):
            raise ValueError(f"need one name per history, got {len(names)} for "
                             f"{len(histories)}")
        labels = [f"{n}: {w}" for n in names for w in ("train", "validation")]
    return lines([np.asarray(h.epoch) for h in histories for _ in (0, 1)],
                 [v for h in histories for v in (h.train_loss, h.val_loss)], labels,
                 "epoch", ylabel, title, log_y=True)


def sigma_tau_parity(truth, pred, name):
    """Two parity figures, σ then τ [nm], of predictions ``pred`` (B, 2) [m] against ``truth``;
    each coloured by the other parameter's true value, with y = x over the sampled range."""
    figs = []
    for j, (p, other, hi) in enumerate([("σ", "τ", 100), ("τ", "σ", 20)]):
        figs.append(parity(truth[:, j] / NM, [pred[:, j] / NM], [name], f"{p} (nm)",
                           f"{p}: predicted against true (test split)",
                           color=truth[:, 1 - j] / NM, color_label=f"true {other} (nm)",
                           line=(0, hi)))
    return figs


def dispersion_samples(k, dataset, n=6, title="Network input: 1-D dispersions"):
    """``n`` peak-frequency curves [THz] against k [rad/nm] of ``dataset``, spread over its τ
    range (every len/n-th sample in order of τ), labelled with their (σ, τ) [nm]."""
    idx = np.argsort(dataset.tau)[:: max(1, len(dataset) // n)][:n]
    return lines(k / 1e9, [dataset.peak_frequency[i] / 1e12 for i in idx],
                 [f"σ = {dataset.sigma[i] / NM:.1f}, τ = {dataset.tau[i] / NM:.1f} nm"
                  for i in idx], "k (rad/nm)", "peak frequency (THz)", title)


def ensemble_intervals(truth, mean, std, z=1.96, order_by=1):
    """Two figures, σ then τ [nm]: the truth and the ensemble mean ± ``z``·std per sample,
    samples sorted by the true value of column ``order_by``."""
    order = np.argsort(truth[:, order_by])
    by = "στ"[order_by]
    return [points([np.arange(len(order))] * 2, [truth[order, j] / NM, mean[order, j] / NM],
                   [f"true {p}", f"ensemble mean ± {z} spread"], "test sample", f"{p} (nm)",
                   f"Ensemble intervals for {p} (sorted by true {by})",
                   errors=[None, z * std[order, j] / NM])
            for j, p in enumerate("στ")]


def with_band(fig, y0, y1, text, color="red"):
    """``fig`` with a shaded horizontal band y0 ≤ y ≤ y1 labelled ``text`` (a paper's range)."""
    fig.add_hrect(y0=y0, y1=y1, fillcolor=color, opacity=0.12, line_width=0,
                  annotation_text=text, annotation_position="top left")
    return fig


#: line styles of the TFC forms' predictions over the solver's spectrum
TFC_STYLES = {"harmonic": dict(color="magenta", dash="dash"),
              "paper": dict(color="orange", dash="dashdot")}


def spectrum_with_predictions(sim, i, k, preds, labels, ideal, title, f_max=12e12):
    """The solver's spectrum ``sim.power[i]`` (log power, f ≤ ``f_max`` [Hz]) with each
    network's prediction ``preds[form][i]`` [Hz] on ``k`` [rad/m] (named ``labels[form]``,
    styled by :data:`TFC_STYLES`) and the ideal dispersion ``ideal`` [Hz] on ``sim.k``."""
    sel = sim.f <= f_max
    fig = heatmap(sim.k / 1e9, sim.f[sel] / 1e12, sim.power[i][sel], "k (rad/nm)", "f (THz)",
                  title, colorbar="power", log_z=True)
    for f, p in preds.items():
        fig.add_trace(go.Scatter(x=k / 1e9, y=p[i] / 1e12, mode="lines",
                                 name=f"{labels[f]} prediction", line=TFC_STYLES.get(f)))
    fig.add_trace(go.Scatter(x=sim.k / 1e9, y=ideal / 1e12, mode="lines", name="ideal",
                             line=dict(color="red", dash="dot")))
    return fig


def sigma_tau_points(pairs, names, title, link=False):
    """Where each method puts a few samples in the (σ, τ) plane [nm]: one marker trace per
    array of ``pairs`` ((B, 2) [m], named by ``names``); ``link``: grey segments join each
    sample of the first array (the truth) to the same sample of the second."""
    xs, ys = [p[:, 0] / NM for p in pairs], [p[:, 1] / NM for p in pairs]
    return points(xs, ys, names, "σ (nm)", "τ (nm)", title,
                  links=((xs[0], ys[0]), (xs[1], ys[1])) if link else None)


def width_roundtrip_figures(T, actual, predicted, err, paper=(0.077, 0.835)):
    """Paper Fig. 5a–b: actual and predicted wall widths [nm] against the defect density
    ``T`` [m] (widths in [m]), and the histogram of ``err`` = actual − predicted [nm] with its
    mean marked and the paper's mean and standard deviation ``paper`` [nm] in the title."""
    err = np.asarray(err, dtype=float)
    fig_a = points([T / NM] * 2, [actual / NM, predicted / NM],
                   ["actual (data)", "predicted (relaxed with predicted σ, τ)"],
                   "T = στ/(σ+τ) (nm)", "wall width (nm)",
                   "Wall width against the defect density T (Fig. 5a)")
    title = (f"Width error, actual − predicted: mean {err.mean():.3f} nm, std "
             f"{err.std():.3f} nm (Fig. 5b; paper {paper[0]}, {paper[1]} nm)")
    return fig_a, histogram(err, "width error (nm)", title, vline=float(err.mean()))


def curves_slider(x, curves, labels, xlabel, ylabel, title, prefix=""):
    """One slider position per point: ``curves`` maps a name to (P, M) arrays (a (1, M) array is
    drawn at every position, e.g. a reference), x (M,) shared; ``labels`` (P,) name the points."""
    groups = [[go.Scatter(x=x, y=np.asarray(c)[min(i, len(c) - 1)], name=n,
                          mode="lines" if len(c) == 1 else "lines+markers")
               for n, c in curves.items()] for i in range(len(labels))]
    return slider_groups(groups, labels, title, xlabel, ylabel, prefix)
