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
    mz = [np.asarray(t.z) for t in fig.data]
    assert all(np.allclose(z, mz[0], atol=1e-3) for z in mz)  # one ideal film, thrice
    assert min(z.min() for z in mz) < -0.9  # a core
    dmi.value = 3.5
    assert len(shown) == 3


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
