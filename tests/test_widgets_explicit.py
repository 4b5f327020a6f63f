"""The explicit-vacancy wall explorer of chapter 7: slider → explicit walls → figure."""
import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from spsll import plots, widgets  # noqa: E402


def test_explicit_wall_explorer_shows_realisations_mean_and_sps(monkeypatch):
    shown = []
    monkeypatch.setattr(plots, "show", shown.append)
    box = widgets.explicit_wall_explorer(n_realisations=3, wall_cells=64, max_iter=200)
    sigma, tau = box.children[0].children
    tau.value = 0.0                        # ideal material: no vacancy, every trace is one wall
    assert len(shown) == 2
    fig = shown[-1]
    assert len(fig.data) == 3 + 2          # realisations, ensemble mean, SPS-LL
    ys = [np.asarray(t.y, float) for t in fig.data]
    # with τ = 0 every realisation, the ensemble mean and the SPS-LL wall are the same ideal wall,
    # relaxed by the same steps to the same torque tolerance: equal to round-off
    assert all(np.allclose(y, ys[-1], atol=1e-12) for y in ys)
    assert fig.layout.title.text == "σ = 10 nm, τ = 0 nm"
