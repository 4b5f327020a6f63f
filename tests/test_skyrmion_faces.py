"""Chapter 9's faces: the live skyrmion explorer's wiring and the benchmark script at a
tiny scale (its timings are not checked here)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from spsll import plots

ROOT = Path(__file__).resolve().parent.parent


def test_skyrmion_explorer_follows_the_sliders(monkeypatch):
    pytest.importorskip("ipywidgets")
    shown = []  # outside a kernel the Output area captures nothing: record the figures
    monkeypatch.setattr(plots, "show", shown.append)
    from spsll import widgets
    box = widgets.skyrmion_explorer(n=32, n_realisations=2, max_iter=500)
    sigma, tau, dmi = box.children[0].children
    assert len(shown) == 1
    tau.value = 0.0  # the ideal film: every model keeps the skyrmion, s ≡ 1, no vacancy
    assert len(shown) == 2
    fig = shown[-1]
    assert "survival 2/2" in fig.layout.title.text
    mz = [np.asarray(t.z) / 100 for t in fig.data]  # drawn as the integer 100 m_z
    assert all(np.allclose(z, mz[0], atol=0.011) for z in mz)  # one ideal film, thrice
    assert min(z.min() for z in mz) < -0.9  # a core
    assert "D = 3 mJ/m²" in fig.layout.title.text
    dmi.value = 3.5
    assert len(shown) == 3
    assert "D = 3.5 mJ/m²" in shown[-1].layout.title.text  # the slider's D was relaxed


def test_bench_skyrmion_relax_rows():
    spec = importlib.util.spec_from_file_location(
        "bench_skyrmion", ROOT / "benchmarks" / "bench_skyrmion.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(["relax", "--sizes", "32", "--batch", "2"])
    assert [r["dtype"] for r in rows] == ["float64", "float32"]
    assert all(r["seconds_per_skyrmion"] > 0 and r["converged"] for r in rows)
    # float32 stops at 1e-4 Ms: its radius is float64's to well within 0.05 nm
    assert abs(rows[0]["radius_nm"] - rows[1]["radius_nm"]) < 0.05


def test_explorer_sliders_address_every_sigma_tau_d_point(monkeypatch):
    """The static explorer's three sliders: point i = Σ active_j stride_j must be the
    (σ, τ, D) its title names, and plots.show must attach the coupling script."""
    from spsll.physics.material import CoPt
    from spsll.physics.skyrmion_map import existence_map
    from spsll.plots_skyrmion import explorer_figure
    NM = 1e-9
    em = existence_map(CoPt, [20 * NM, 60 * NM], [1 * NM, 4 * NM, 8 * NM],
                       D_values=[2.6e-3, 3.0e-3], n=32, n_realisations=1, max_iter=200,
                       models=("explicit", "mean_field"))
    fig = explorer_figure(em)
    c = fig.layout.meta["coupled_sliders"]
    values = [[float(s.label) for s in sl.steps] for sl in fig.layout.sliders]
    assert values == [[20, 60], [1, 4, 8], [2.6, 3.0]]
    assert all(s.method == "skip" for sl in fig.layout.sliders for s in sl.steps)
    for a in range(2):
        for b in range(3):
            for d in range(2):
                i = a * c["strides"][0] + b * c["strides"][1] + d * c["strides"][2]
                assert c["titles"][i].startswith(
                    f"σ = {values[0][a]:g} nm, τ = {values[1][b]:g} nm, "
                    f"D = {values[2][d]:g} mJ/m²")
    assert len(fig.data) == 12 * c["traces_per_point"] == 24
    assert [t.visible for t in fig.data[:3]] == [True, True, False]
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    plots.show(fig)
    html = shown[0]["text/html"]
    assert "plotly_sliderchange" in html and "{plot_id}" not in html
    plots.show(plots.lines(np.array([0, 1]), [np.array([0, 1])], ["a"], "x", "y", "t"))
    assert "plotly_sliderchange" not in shown[1]["text/html"]


def test_bench_skyrmion_map_with_a_d_axis():
    spec = importlib.util.spec_from_file_location(
        "bench_skyrmion", ROOT / "benchmarks" / "bench_skyrmion.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.map_summary(32, 2, [20, 60], [1, 4], D=[2.6, 3.0], max_iter=300)
    assert out["points"] == 8 and out["D_mJ_m2"] == pytest.approx([2.6, 3.0])
    assert out["D_mJ_m2_per_point"] == pytest.approx([2.6] * 4 + [3.0] * 4)
    assert set(out["inversion"]["ratio"]) == {"p", "T_nm", "sigma_nm", "tau_nm",
                                              "D_mJ_m2"}
    assert 0 <= out["identifiability"]["constant_p_alignment"] <= 1


def test_bench_skyrmion_minimiser_compares_the_same_films():
    spec = importlib.util.spec_from_file_location(
        "bench_skyrmion", ROOT / "benchmarks" / "bench_skyrmion.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.main(["minimiser", "--n", "32", "--realisations", "2", "--sigma", "100",
                      "--tau", "1"])
    assert out["films"] == 2
    for name in ("default cap", "cap / 100"):
        assert sum(out[name]["counts"].values()) == 2 and out[name]["seconds"] > 0
    # every film is either in the same state under both caps or listed as a change
    assert out["same_state"] + len(out["changes"]) == 2
