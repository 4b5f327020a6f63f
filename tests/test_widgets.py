"""The live explorers: a slider change recomputes with spsll and shows a new figure.

Outside a kernel the ipywidgets Output area captures nothing, so ``plots.show`` is replaced by
a recorder; what is tested is the wiring slider → spsll → figure, and that the figure shows the
physics of the chosen (σ, τ)."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from spsll import plots, widgets  # noqa: E402


@pytest.fixture
def shown(monkeypatch):
    figs = []
    monkeypatch.setattr(plots, "show", figs.append)
    return figs


def sliders(box):
    sigma, tau = box.children[0].children
    return sigma, tau


def test_rtn_explorer_follows_tau(shown):
    box = widgets.rtn_explorer()
    assert len(shown) == 1
    sigma, tau = sliders(box)
    tau.value = 15.0
    assert len(shown) == 2
    # S(0) = v T / π with v = p(1 − p), T = στ/(σ + τ): at σ = 10 nm, τ = 5 → 15 nm gives
    # v T = 0.741 → 1.440 nm, a factor 1.944 (the figure plots S in nm/rad)
    y0, y1 = (np.asarray(f.data[0].y) for f in shown)
    assert y1[0] / y0[0] == pytest.approx(1.944, rel=1e-9)


def test_dispersion_explorer_lowers_the_zone_edge_with_tau(shown):
    box = widgets.dispersion_explorer(n_cells=64, duration=2e-12)
    sigma, tau = sliders(box)
    tau.value = 0.0
    ideal_run = np.asarray(shown[-1].data[0].y)
    ideal_f = np.asarray(shown[-1].data[1].y)
    tau.value = 10.0
    defective = np.asarray(shown[-1].data[0].y)
    assert len(shown) == 3
    # τ = 0 is the ideal chain: the simulated zone edge is f(π/a) within a bin of this short run
    # (0.5 THz for 2 ps); τ = 10 nm at σ = 10 nm lowers it by far more than a bin (paper Fig. 1d)
    assert abs(ideal_run.max() - ideal_f.max()) < 0.5
    assert defective.max() < ideal_run.max() - 1.0


def test_wall_explorer_narrows_the_wall_with_tau(shown):
    box = widgets.wall_explorer(n_cells=64)
    sigma, tau = sliders(box)
    tau.value = 0.0
    t_ideal = shown[-1].layout.title.text
    tau.value = 10.0
    t_def = shown[-1].layout.title.text
    w_ideal = float(t_ideal.split("w = ")[1].split(" nm")[0])
    w_def = float(t_def.split("w = ")[1].split(" nm")[0])
    # the ideal wall's Eq. 10 width is 3.668 nm (tests/test_domainwall.py); defects narrow it
    assert w_ideal == pytest.approx(3.668, abs=0.01)
    assert w_def < w_ideal
