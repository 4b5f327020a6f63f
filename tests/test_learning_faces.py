"""Faces of the learning chapters: tables, figure builders, the wall round trip and the network
explorers (slider → spsll → figure), on small models and data."""

import numpy as np
import pytest
import torch

import spsll
from spsll import plots, tables
from spsll.learn.nets import InverseCNN, WallNet
from spsll.learn.roundtrip import relaxed_widths, width_roundtrip
from spsll.learn.tfc import TFCDispersion

NM = 1e-9


def test_html_table_words_and_numbers():
    t = tables.named_table(
        {
            "a <b>": {"R²": 0.12345, "ok": True, "n": float("nan"), "tiny": 1.2e-5},
            "c": {"R²": 1.0, "ok": False},
        },
        "model",
    )
    assert "a &lt;b&gt;" in t and "<td" in t
    assert (
        ">0.123<" in t
        and ">yes<" in t
        and ">no<" in t
        and ">—<" in t
        and ">1.2e-05<" in t
    )
    assert t.count("<tr>") == 3  # header + two rows; the missing cells are dashes
    with pytest.raises(ValueError, match="at least one row"):
        tables.named_table({})


def test_figure_builders():
    fig = plots.parity(
        np.arange(3.0),
        [np.arange(3.0) + 1],
        ["net"],
        "σ (nm)",
        "t",
        color=np.ones(3),
        line=(0, 100),
    )
    assert [d.name for d in fig.data] == ["y = x", "net"] and list(fig.data[0].x) == [
        0,
        100,
    ]
    fig = plots.points(
        [np.zeros(2), np.ones(2)],
        [np.zeros(2), np.ones(2)],
        ["a", "b"],
        "x",
        "y",
        "t",
        links=((np.zeros(2), np.zeros(2)), (np.ones(2), np.ones(2))),
        errors=[None, np.ones(2)],
    )
    assert len(fig.data) == 4 and fig.data[1].error_y.array is not None
    assert len(plots.histogram(np.arange(10.0), "e", "t", vline=1.0).data) == 1


def test_width_roundtrip_of_the_truth_is_exact():
    # relaxing the true (σ, τ) reproduces the stored widths: zero error, R² = 1; clipping is counted
    st = np.array([[10.0, 5.0], [50.0, 2.0], [150.0, 1.0]]) * NM
    w, n_clipped = relaxed_widths(
        spsll.FePt, st, (1 * NM, 100 * NM), (0.0, 20 * NM), n_cells=128
    )
    assert n_clipped == 1 and w.shape == (3,)
    direct = spsll.domain_wall(
        spsll.FePt, np.array([10.0, 50.0, 100.0]) * NM, st[:, 1], n_cells=128
    ).width
    np.testing.assert_array_equal(w, direct)
    trip = width_roundtrip(
        spsll.FePt,
        st[:2],
        st[:2],
        direct[:2],
        (1 * NM, 100 * NM),
        (0.0, 20 * NM),
        n_cells=128,
    )
    assert (
        trip["width_error_mean_nm"] == 0
        and trip["width_error_std_nm"] == 0
        and trip["r2_sigma"] == 1.0
    )


@pytest.fixture
def shown(monkeypatch):
    pytest.importorskip("ipywidgets")
    figs = []
    monkeypatch.setattr(plots, "show", figs.append)
    return figs


def test_network_explorers_redraw_on_a_slider(shown):
    from spsll import widgets

    torch.manual_seed(0)
    inv = InverseCNN(length=64, channels=(2, 2, 2, 2), hidden=(4, 4)).eval()
    box = widgets.inverse_explorer([inv], n_cells=64, duration=1e-12)
    box.children[0].children[1].value = 10.0
    assert len(shown) == 2 and "predicted σ" in shown[-1].layout.title.text
    tfc = TFCDispersion(n_k=64).eval()
    box = widgets.tfc_explorer({"untrained": tfc}, n_cells=64, duration=1e-12)
    # an untrained TFC network predicts the ideal dispersion whatever (σ, τ)
    np.testing.assert_allclose(
        shown[-1].data[1].y, spsll.FePt.ideal_frequency(tfc.k.numpy()) / 1e12, rtol=1e-5
    )
    wall = WallNet(length=64, channels=(2, 2, 2, 2)).eval()
    box = widgets.wall_inverse_explorer(wall)
    box.children[0].children[0].value = 20.0
    assert len(shown) == 5 and "actual w" in shown[-1].layout.title.text


@pytest.mark.parametrize(
    "nb, cls, names",
    [
        (
            "04_cnn_inverse",
            "InverseConfig",
            ("fractions", "epochs", "batch_size", "lr", "dropout"),
        ),
        (
            "05_tfc_pinn",
            "TFCConfig",
            ("fractions", "epochs", "patience", "batch_size", "lr"),
        ),
        (
            "06_width_prediction",
            "WallConfig",
            ("fractions", "epochs", "patience", "batch_size", "lr", "dropout"),
        ),
    ],
)
def test_chapter_parameters_are_the_recipe(nb, cls, names):
    """The chapters' parameter cells state the recipe of spsll.learn.config (= the CLI's defaults)."""
    import ast
    import json
    import os
    from spsll.learn import config

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cells = json.load(open(os.path.join(root, "notebooks", f"{nb}.ipynb")))["cells"]
    src = next(
        "".join(c["source"])
        for c in cells
        if "parameters" in c.get("metadata", {}).get("tags", [])
    )
    values = {
        n.targets[0].id: ast.literal_eval(n.value)
        for n in ast.parse(src).body
        if isinstance(n, ast.Assign)
    }
    recipe = getattr(config, cls)()
    for name in names:
        want = getattr(recipe, name)
        assert (list(want) if isinstance(want, tuple) else want) == values[name], (
            nb,
            name,
        )


def test_html_table_selects_and_labels_columns():
    t = tables.named_table(
        {"m": {"r2_sigma": 0.5, "other": 1.0}},
        "model",
        columns={"r2_sigma": "R² σ", "rmse_p": "p"},
    )
    assert "R² σ" in t and ">0.5<" in t and "other" not in t and ">—<" in t
