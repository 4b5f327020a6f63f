"""ipywidgets explorers for live use in Jupyter (sliders for σ and τ calling spsll).

Each explorer returns a widget; display it in a notebook cell.  The computations are the
package's own (a dispersion takes about a second on a laptop CPU, a wall a few tens of ms).
In the static book these need a kernel; the static pages use plotly sliders over precomputed
grids instead.
"""
from __future__ import annotations

import math

import numpy as np

from . import plots
from .physics import rtn
from .physics.domainwall import domain_wall
from .physics.magnons import dispersion
from .physics.material import FePt
from .units import NM



def _ipywidgets():
    try:
        import ipywidgets
    except ImportError as e:
        raise ImportError("spsll.widgets needs ipywidgets, which is not installed: "
                          "pip install 'spsll[book]'") from e
    return ipywidgets


def _sliders():
    w = _ipywidgets()
    sigma = w.FloatSlider(value=10.0, min=1.0, max=100.0, step=0.5, description="σ (nm)", continuous_update=False)
    tau = w.FloatSlider(value=5.0, min=0.0, max=20.0, step=0.25, description="τ (nm)", continuous_update=False)
    return sigma, tau


def _explorer(draw):
    w = _ipywidgets()
    sigma, tau = _sliders()
    out = w.Output()

    def update(*_):
        with out:
            out.clear_output(wait=True)
            plots.show(draw(sigma.value * NM, tau.value * NM))

    sigma.observe(update, "value")
    tau.observe(update, "value")
    update()
    return w.VBox([w.HBox([sigma, tau]), out])


def rtn_explorer():
    """S(k) of Eq. 3 and a sampled trace for the chosen (σ, τ)."""
    k = np.linspace(0, 3e9, 400)

    def draw(s, t):
        S = rtn.machlup(k, s, t)
        m = rtn.moments(s, t)
        return plots.lines(k / 1e9, [S / NM], [f"p = {float(m.p):.3f}, T = {float(m.T) / NM:.2f} nm"],
                           "k (rad/nm)", "S(k) (nm/rad)", "Machlup spectrum (continuous part)")
    return _explorer(draw)


def dispersion_explorer(material=FePt, **options):
    """Peak frequency per k of a simulated dispersion against the ideal f(k)."""
    def draw(s, t):
        r = dispersion(material, s, t, keep_power=False, **options)
        return plots.lines(r.k / 1e9, [r.peak_frequency / 1e12, material.ideal_frequency(r.k) / 1e12],
                           ["SPS-LL", "ideal f(k)"], "k (rad/nm)", "f (THz)", "Dispersion")
    return _explorer(draw)


def wall_explorer(material=FePt, **options):
    """Relaxed m_z profile against the ideal wall, with both width estimates."""
    ideal = domain_wall(material, 10 * NM, 0.0, **options)

    def draw(s, t):
        r = domain_wall(material, s, t, **options)
        title = (f"w = {r.width / NM:.3f} nm (Eq. 10), {r.width_tanh / NM:.3f} nm (tanh fit); "
                 f"ideal {ideal.width / NM:.3f} nm")
        return plots.lines(r.x / NM, [r.m[2], ideal.m[2]], ["defective", "ideal"], "x (nm)", "m_z", title)
    return _explorer(draw)


# ---- explicit vacancies (chapter 7) --------------------------------------------------------

def explicit_wall_explorer(material=FePt, n_realisations=8, wall_cells=250, seed=0,
                           max_iter=2000):
    """Explicit-vacancy walls (each realisation, gaps at vacancies), their ensemble mean and
    the SPS-LL wall for the chosen (σ, τ) (a few seconds per update)."""
    import warnings

    from .physics.explicit import explicit_domain_wall

    def draw(s, t):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # walls left creeping: shown as such
            e = explicit_domain_wall(material, s, t, n_realisations=n_realisations, seed=seed,
                                     n_cells=wall_cells, max_iter=max_iter)
        sps = domain_wall(material, s, t, n_cells=wall_cells)
        ys = [np.where(e.masks[r] == 1, e.m[r, 2], np.nan) for r in range(n_realisations)]
        names = [f"realisation {r}" for r in range(n_realisations)] + ["ensemble mean", "SPS-LL"]
        fig = plots.lines(e.x / NM, ys + [e.mean_profile, sps.m[2]], names, "x (nm)", "m_z",
                          f"σ = {s / NM:g} nm, τ = {t / NM:g} nm")
        return fig.update_xaxes(range=[-25, 25])
    return _explorer(draw)


# ---- learning chapters (04–06): the trained networks against the solver ------------------------
def inverse_explorer(members, material=FePt, **options):
    """Choose (σ, τ): the solver's dispersion, the ensemble's (σ, τ) read back from it, and the
    solver's dispersion at the predicted pair."""
    from .learn.predict import predict_ensemble

    def draw(s, t):
        r = dispersion(material, s, t, keep_power=False, **options)
        e = predict_ensemble(members, r.peak_frequency[None].astype(np.float32))
        ps, pt = np.clip(e.mean[0, 0], 1 * NM, 100 * NM), np.clip(e.mean[0, 1], 0.0, 20 * NM)
        back = dispersion(material, ps, pt, keep_power=False, **options)
        title = (f"predicted σ = {e.mean[0, 0] / NM:.1f} ± {e.std[0, 0] / NM:.1f} nm, "
                 f"τ = {e.mean[0, 1] / NM:.1f} ± {e.std[0, 1] / NM:.1f} nm")
        return plots.lines(r.k / 1e9, [r.peak_frequency / 1e12, back.peak_frequency / 1e12],
                           ["input (solver)", "solver at the predicted (σ, τ)"], "k (rad/nm)", "f (THz)", title)
    return _explorer(draw)


def tfc_explorer(models: dict, material=FePt, **options):
    """Choose (σ, τ): the solver's dispersion and each TFC network's ({label: model})."""
    from .learn.predict import predict

    def draw(s, t):
        r = dispersion(material, s, t, keep_power=False, **options)
        st = np.array([[s, t]], dtype=np.float32)
        ys = [r.peak_frequency / 1e12] + [predict(m, st)[0] / 1e12 for m in models.values()]
        k = next(iter(models.values())).k.numpy()
        return plots.lines([r.k / 1e9] + [k / 1e9] * len(models), ys, ["solver", *models], "k (rad/nm)",
                           "f (THz)", "Solver against the TFC networks")
    return _explorer(draw)


def wall_inverse_explorer(model, material=FePt, sigma_range=(1 * NM, 100 * NM), tau_range=(0.0, 20 * NM)):
    """Choose (σ, τ): the relaxed wall, WallNet's (σ, τ) from its profile and width, and the wall
    relaxed at the prediction (clipped to the sampled ranges)."""
    from .learn.predict import predict

    def draw(s, t):
        w0 = domain_wall(material, s, t, n_cells=model.length)
        p = predict(model, (w0.m[2][None].astype(np.float32), np.array([w0.width], dtype=np.float32)))
        w1 = domain_wall(material, np.clip(p[0, 0], *sigma_range), np.clip(p[0, 1], *tau_range),
                         n_cells=model.length)
        title = (f"actual w = {w0.width / NM:.3f} nm; predicted σ = {p[0, 0] / NM:.1f} nm, "
                 f"τ = {p[0, 1] / NM:.1f} nm → w = {w1.width / NM:.3f} nm")
        return plots.lines(w0.x / NM, [w0.m[2], w1.m[2]], ["solver, chosen (σ, τ)", "solver, predicted (σ, τ)"],
                           "x (nm)", "m_z", title)
    return _explorer(draw)


# ---- skyrmions (chapter 9) ----------------------------------------------------------------------
def skyrmion_explorer(material=None, n=48, n_realisations=4, seed=0, max_iter=3000):
    """Sliders σ, τ and D: a skyrmion relaxed in explicit tessellated films (realisation 0
    shown, the survivors counted over ``n_realisations``), the SPS-LL envelope and mean
    field, on n × n films (a few seconds per update)."""
    from .physics.material import CoPt
    from .physics.skyrmion_map import existence_map
    from .plots_skyrmion import explorer_figure

    material = CoPt if material is None else material
    w = _ipywidgets()
    sigma, tau = _sliders()
    # up to the last 0.1 mJ/m² step below D_c (3.7 for CoPt): above D_c no skyrmion exists
    d_max = math.floor(material.D_c * 1e4 - 1e-9) / 10
    dmi = w.FloatSlider(value=material.D * 1e3, min=1.5, max=d_max, step=0.1,
                        description="D (mJ/m²)", continuous_update=False)
    out = w.Output()

    def update(*_):
        with out:
            out.clear_output(wait=True)
            em = existence_map(material, [sigma.value * NM], [tau.value * NM],
                               D_values=[dmi.value * 1e-3], n=n,
                               n_realisations=n_realisations, seed=seed, tol=1e-3,
                               max_iter=max_iter)
            plots.show(explorer_figure(em))  # its title counts the explicit survivors

    for s in (sigma, tau, dmi):
        s.observe(update, "value")
    update()
    return w.VBox([w.HBox([sigma, tau, dmi]), out])
