"""What the learning chapters (04–06) call instead of inline code: metric helpers, baselines,
solver fits, the wall round trip's summaries, TFC scores, and their tables and figures.

Checked against values computed by hand or by an independent route (numpy, the solver called
directly), never against the function's own output."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

import spsll
from spsll import plots, tables
from spsll.learn import baselines, conformal, metrics, roundtrip, solverfit, tfc_scores
from spsll.learn.blocks import Normalization
from spsll.learn.nets import WallNet, n_parameters
from spsll.learn.splits import book_splits, data_chain
from spsll.learn.tfc import TFCDispersion
from spsll.physics.envelope import s_min

NM, THZ = 1e-9, 1e12


# ---- metrics ------------------------------------------------------------------------------
def test_prefixed_mean_std_and_s_min_of():
    flat = metrics.prefixed({"knn_": {"r2": 0.5, "n_clipped": 3}, "": {"r2": 0.7}},
                            drop=("n_clipped",))
    assert flat == {"knn_r2": 0.5, "r2": 0.7}
    with pytest.raises(ValueError, match="produced twice"):
        metrics.prefixed({"a_": {"b": 1}, "a_b": {"": 2}})
    assert metrics.mean_std([1.0, 2.0, 3.0]) == (2.0, 1.0)   # sample std of 1, 2, 3 is 1
    assert metrics.mean_std([4.0]) == (4.0, 0.0)
    with pytest.raises(ValueError, match="at least one"):
        metrics.mean_std([])
    # a negative τ is clipped to 0 and a negative σ to SIGMA_FLOOR, as in inverse_scores
    st = np.array([[10.0, 5.0], [20.0, -3.0]]) * NM
    got = metrics.s_min_of(st, n_cells=500, a=spsll.FePt.a)
    want = s_min(500, spsll.FePt.a, np.array([10.0, 20.0]) * NM, np.array([5.0, 0.0]) * NM)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="sigma_tau"):
        metrics.s_min_of(np.ones(3), n_cells=500, a=1e-9)


def test_data_chain_and_book_splits_check_their_input():
    info = {"settings": {"solver": {"n_cells": 500, "scheme": "parseval"},
                         "material": {"a": 2.5e-10}}}
    assert data_chain(info) == dict(n_cells=500, a=2.5e-10, scheme="parseval")
    with pytest.raises(ValueError, match="not a dispersion store"):
        data_chain({"settings": {"material": {}}})
    with pytest.raises(ValueError, match="kind must be one of"):
        book_splits(None, "spectra", 4, "/nonexistent")


# ---- ensemble intervals -------------------------------------------------------------------
def test_ensemble_coverage_counts_the_gaussian_intervals():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(40, 2))
    mean, std = np.zeros_like(y), np.ones_like(y)
    scores, cc = conformal.ensemble_coverage(mean, std, y, alpha=0.1, seed=1, repeats=3)
    inside = (np.abs(y) <= 1.96).mean(0)                     # counted directly
    assert scores["interval_coverage_sigma"] == inside[0]
    assert scores["interval_coverage_tau"] == inside[1]
    assert scores["interval_coverage"] == pytest.approx(inside.mean(), abs=1e-15)
    ref = conformal.crossed_halves(mean, y, alpha=0.1, seed=1, scale=std, repeats=3)
    assert scores["conformal_coverage"] == ref["coverage"] and scores["conformal_alpha"] == 0.1
    assert cc["n_cal"] == (20, 20)
    with pytest.raises(ValueError, match="names must name"):
        conformal.ensemble_coverage(mean, std, y, names=("a",))
    html = tables.coverage_table(scores, cc)
    assert "split-conformal (nominal 0.90)" in html and "mean ± 1.96 spread" in html
    assert f">{inside[0]:.3g}<" in html


# ---- classical baselines --------------------------------------------------------------------
def _standardising_model(k_len):
    norms = {"input": Normalization((k_len,), 2.0, 0.5),
             "target": Normalization((2,), [50e-9, 10e-9], [20e-9, 5e-9])}
    return SimpleNamespace(norms=norms)


def test_knn_and_forest_recover_training_points():
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(3)
    targets = np.column_stack([rng.uniform(1, 100, 30), rng.uniform(0, 20, 30)]) * NM
    x = np.column_stack([targets[:, 0] / NM, targets[:, 1] / NM, targets.sum(1) / NM])

    def ds(idx):
        return SimpleNamespace(peak_frequency=x[idx], targets=targets[idx])

    splits = {"train": ds(slice(0, 20)), "val": ds(slice(20, 30)), "test": ds(slice(0, 5))}
    pred, k_best = baselines.knn_and_forest(_standardising_model(3), splits, ks=(3, 5))
    assert k_best in (3, 5)
    # distance-weighted k-NN at a training point returns that point's target exactly
    np.testing.assert_allclose(pred["knn"], targets[:5], rtol=1e-6)
    lo, hi = targets[:20].min(0), targets[:20].max(0)      # a forest averages its leaves
    assert np.all(pred["rf"] >= lo * (1 - 1e-6)) and np.all(pred["rf"] <= hi * (1 + 1e-6))
    with pytest.raises(ValueError, match="ks must hold"):
        baselines.knn_and_forest(_standardising_model(3), splits, ks=(0,))


def test_nearest_mean_by_hand():
    pytest.importorskip("sklearn")
    got = baselines.nearest_mean([0.0, 1.0, 2.0, 10.0], np.c_[[0.0, 1.0, 2.0, 10.0]],
                                 [0.4, 9.0], k=2)
    np.testing.assert_allclose(got[:, 0], [0.5, 6.0])      # (0 + 1)/2 and (2 + 10)/2
    with pytest.raises(ValueError, match="k must be in"):
        baselines.nearest_mean([0.0, 1.0], [[0.0], [1.0]], [0.5], k=3)


# ---- the solver fits --------------------------------------------------------------------------
def test_dispersion_fits_started_at_the_truth_stay_there():
    opts = dict(n_cells=64, duration=1e-12)
    st = np.array([[30.0, 5.0], [60.0, 12.0]]) * NM
    sim = spsll.dispersion(spsll.FePt, st[:, 0], st[:, 1], **opts)
    test = SimpleNamespace(k=sim.k, peak_frequency=sim.peak_frequency, targets=st)
    chain = dict(n_cells=64, a=spsll.FePt.a)
    fits = solverfit.dispersion_fits(spsll.FePt, test, st, n=5, max_iter=1, chain=chain,
                                     **opts)
    assert fits.n == 2 and fits.rate == pytest.approx(4 / fits.seconds)
    assert list(fits.scores) == ["cnn_subset", "solver_fit", "cnn_start_fit"]
    assert fits.scores["cnn_subset"]["rmse_sigma_nm"] == 0.0   # the "network" is the truth
    # the fit from the truth reproduces its own curves: misfit at the float noise of the
    # solver, far below one frequency bin (~ 1/duration = 1 THz here)
    assert fits.scores["cnn_start_fit"]["median_misfit_GHz"] < 1.0
    assert "median_misfit_GHz" not in fits.scores["cnn_subset"]


def test_wall_fits_score_against_the_truth():
    st = np.array([[30.0, 5.0], [60.0, 12.0]]) * NM
    wall = spsll.domain_wall(spsll.FePt, st[:, 0], st[:, 1], n_cells=128)
    test = SimpleNamespace(mz=wall.m[:, 2], targets=st)
    guess = st + np.array([5.0, 1.0]) * NM
    fits = solverfit.wall_fits(spsll.FePt, test, guess, n=2, max_iter=1, n_cells=128)
    s = fits.scores
    # the network's RMSE on the same walls, by hand: it is off by (5, 1) nm everywhere
    assert s["wallnet_same_walls_rmse_sigma_nm"] == pytest.approx(5.0)
    assert s["wallnet_same_walls_rmse_tau_nm"] == pytest.approx(1.0)
    want = np.sqrt(np.mean((fits.middle.sigma - st[:, 0]) ** 2)) / NM
    assert s["solver_fit_rmse_sigma_nm"] == pytest.approx(want)
    np.testing.assert_array_equal(fits.fitted[:, 1], fits.middle.tau)
    rows = fits.rows()
    assert rows["solver fit from WallNet"]["relaxations"] == fits.from_net.n_sims
    assert set(rows["WallNet"]) == {"rmse_sigma_nm", "rmse_tau_nm"}
    with pytest.raises(ValueError, match="n .samples to fit"):
        solverfit.wall_fits(spsll.FePt, test, guess, n=0, max_iter=1)


# ---- the wall round trip ----------------------------------------------------------------------
def test_width_errors_by_hand():
    err, s = roundtrip.width_errors([3e-9, 5e-9, 4e-9], [2e-9, 5e-9, 6e-9])
    np.testing.assert_allclose(err, [1.0, 0.0, -2.0])
    assert s["width_error_mean_nm"] == pytest.approx(-1 / 3)
    assert s["width_error_std_nm"] == pytest.approx(np.sqrt(14 / 9))   # population std
    assert s["width_error_median_abs_nm"] == pytest.approx(1.0)
    assert s["actual_width_std_nm"] == pytest.approx(np.sqrt(2 / 3))


def test_width_only_baseline_at_the_training_widths_is_exact():
    pytest.importorskip("sklearn")
    box, opts = ((1 * NM, 100 * NM), (0.0, 20 * NM)), dict(n_cells=128)
    st = np.array([[10.0, 5.0], [50.0, 2.0], [80.0, 15.0]]) * NM
    w = spsll.domain_wall(spsll.FePt, st[:, 0], st[:, 1], **opts).width
    train = SimpleNamespace(width=w, targets=st)
    trip, scores = roundtrip.width_only_baseline(spsll.FePt, train, st, w, *box, k=1, **opts)
    # one neighbour at the walls' own widths: the truth, relaxed again to the same widths
    assert trip["r2_sigma"] == 1.0 and trip["width_error_std_nm"] == pytest.approx(0, abs=1e-9)
    assert scores["knn_width_only_r2_tau"] == 1.0 and "knn_width_only_n_clipped" not in scores
    w_mean = spsll.domain_wall(spsll.FePt, st[:, 0].mean(), st[:, 1].mean(), **opts).width
    assert scores["mean_pair_error_std_nm"] == pytest.approx(np.std(w - w_mean) / NM)


def test_seed_roundtrips_summarise_each_member(monkeypatch):
    box, opts = ((1 * NM, 100 * NM), (0.0, 20 * NM)), dict(n_cells=128)
    st = np.array([[10.0, 5.0], [50.0, 2.0], [80.0, 15.0]]) * NM
    w = spsll.domain_wall(spsll.FePt, st[:, 0], st[:, 1], **opts).width
    data = SimpleNamespace(targets=st, width=w)
    # two stand-in members: the truth, and the truth 10 % off in σ (predict is replaced)
    preds = {"exact": st, "off": st * [1.1, 1.0]}
    monkeypatch.setattr(roundtrip, "predict", lambda m, d: preds[m])
    runs, summary = roundtrip.seed_roundtrips(spsll.FePt, ["exact", "off"], data, *box, **opts)
    assert runs[0]["r2_sigma"] == 1.0 and runs[0]["width_error_std_nm"] < 1e-9
    r2_off = 1 - np.sum((0.1 * st[:, 0]) ** 2) / np.sum((st[:, 0] - st[:, 0].mean()) ** 2)
    assert runs[1]["r2_sigma"] == pytest.approx(r2_off)
    assert summary["seed_mean_r2_sigma"] == pytest.approx((1 + r2_off) / 2)
    assert summary["seed_std_r2_sigma"] == pytest.approx((1 - r2_off) / np.sqrt(2))
    assert "seed_mean_n_clipped" not in summary


# ---- TFC scores -------------------------------------------------------------------------------
class _Pairs(torch.utils.data.TensorDataset):
    """(σ, τ) → dispersion pairs with the attributes of spsll's dispersion datasets."""

    def __init__(self, st, f):
        super().__init__(torch.as_tensor(st), torch.as_tensor(f))
        self.targets, self.peak_frequency = st, f


def test_tfc_error_summary_of_an_offset():
    # an untrained harmonic network predicts the ideal dispersion whatever (σ, τ) (zero final
    # weights; the form contains the ideal dispersion exactly)
    nets = {f: TFCDispersion(form=f, n_k=64).eval() for f in ("harmonic", "paper")}
    ideal = spsll.FePt.ideal_frequency(nets["harmonic"].k.numpy())
    st = np.array([[10.0, 5.0], [40.0, 2.0], [90.0, 19.0]]) * NM
    data = _Pairs(st, np.tile(ideal, (3, 1)) + 0.02 * THZ)      # every curve 20 GHz higher
    summary, per_k = tfc_scores.error_summary(nets, data)
    h = summary["harmonic"]
    assert h["mae"] == pytest.approx(0.02, rel=1e-3)   # float32 output: ~1e-7 of 10 THz
    assert h["rmse"] == pytest.approx(0.02, rel=1e-3)
    assert h["per_k_min"] <= h["mae"] <= h["per_k_max"]
    # a constant offset of the gap is outside both forms (the gap is fixed), and the best
    # fit within the bounds can do no worse than the ideal curve the network returns
    for f in nets:
        assert 0 < summary[f]["floor"] <= summary[f]["mae"] + 1e-9
        assert per_k["network"][f].shape == per_k["floor"][f].shape == (64,)
    ens = {f: SimpleNamespace(members=[n, n]) for f, n in nets.items()}
    seeds = tfc_scores.seed_maes(ens, data)
    assert seeds["harmonic"]["std"] == 0.0
    assert seeds["harmonic"]["mean"] == pytest.approx(0.02, rel=1e-3)
    assert seeds["paper"]["mean"] == pytest.approx(summary["paper"]["mae"], rel=1e-12)


def test_fig3_examples_score_the_solver_directly():
    opts = dict(n_cells=64, duration=1e-12)
    nets = {f: TFCDispersion(form=f, n_k=64).eval() for f in ("harmonic", "paper")}
    sim, preds, scores = tfc_scores.fig3_examples(nets, spsll.FePt, **opts)
    assert list(scores) == ["fig3a", "fig3b"] and scores["fig3a"]["sigma_nm"] == 22.9
    pf = sim.peak_frequency[1]
    ideal = spsll.FePt.ideal_frequency(nets["harmonic"].k.numpy())
    assert scores["fig3b"]["mae_THz_harmonic"] == pytest.approx(
        np.mean(np.abs(pf - ideal)) / THZ, rel=1e-4)
    half = (pf[np.argmax(np.abs(sim.k))] - pf[np.argmin(np.abs(sim.k))]) / 2 / THZ
    assert scores["fig3b"]["solver_half_bandwidth_THz"] == pytest.approx(half)
    # untrained harmonic: b_1 is the ideal amplitude (f(π/a) − f(0))/2
    amp = (spsll.FePt.ideal_frequency(np.pi / spsll.FePt.a)
           - spsll.FePt.ideal_frequency(0.0)) / 2 / THZ
    assert scores["fig3a"]["b1_THz_harmonic"] == pytest.approx(amp, rel=1e-5)
    with pytest.raises(ValueError, match="'paper' and 'harmonic'"):
        tfc_scores.fig3_examples({"paper": nets["paper"]}, spsll.FePt)
    fig = plots.spectrum_with_predictions(sim, 0, nets["paper"].k.numpy(), preds,
                                          {"harmonic": "h", "paper": "p"},
                                          spsll.FePt.ideal_frequency(sim.k), "t")
    assert [d.name for d in fig.data][1:] == ["h prediction", "p prediction", "ideal"]


# ---- networks ------------------------------------------------------------------------
def test_n_parameters_and_unsaturated_outside_by_hand():
    assert n_parameters(nn.Linear(3, 2)) == 3 * 2 + 2
    net = WallNet(length=64, channels=(2, 2, 2, 2), window=16)
    x = np.arange(64)
    prof = torch.tensor(np.stack([np.tanh((x - 20.0) / 2), np.tanh((x - 40.0) / 2)]),
                        dtype=torch.float32)
    idx = net.window_index(prof).numpy()
    outside = np.ones((2, 64), bool)
    for b in range(2):
        outside[b, idx[b]] = False
    want = int((np.abs(prof.numpy()[outside]) != 1).sum())
    assert net.unsaturated_outside(prof) == (want, 2 * (64 - 16))


# ---- figures and tables ----------------------------------------------------------------
class _Curves:
    """The attributes of a dispersions dataset that the figures read."""

    def __init__(self, tau, sigma, peak_frequency):
        self.tau, self.sigma, self.peak_frequency = tau, sigma, peak_frequency

    def __len__(self):
        return len(self.tau)


def test_learning_figure_builders():
    h = SimpleNamespace(epoch=[1, 2], train_loss=[1.0, 0.5], val_loss=[1.2, 0.7])
    fig = plots.training_curves([h, h], ["a", "b"], "loss", "t")
    assert [d.name for d in fig.data] == ["a: train", "a: validation", "b: train",
                                          "b: validation"]
    assert fig.layout.yaxis.type == "log"
    assert [d.name for d in plots.training_curves([h], None, "l", "t").data] == [
        "train", "validation"]
    with pytest.raises(ValueError, match="one name per history"):
        plots.training_curves([h], ["a", "b"], "l", "t")
    truth = np.array([[10.0, 2.0], [20.0, 4.0]]) * NM
    sig, tau = plots.sigma_tau_parity(truth, truth * 2, "net")
    np.testing.assert_allclose(sig.data[1].y, [20.0, 40.0])       # 2σ in nm
    np.testing.assert_allclose(tau.data[1].marker.color, [10.0, 20.0])   # coloured by σ
    figs = plots.ensemble_intervals(truth[::-1], truth, np.full((2, 2), NM), z=2.0)
    np.testing.assert_allclose(figs[1].data[1].error_y.array, [2.0, 2.0])
    pts = plots.sigma_tau_points([truth, truth * 2], ["a", "b"], "t", link=True)
    assert len(pts.data) == 2 + 2                               # two traces, two links
    ds = _Curves(np.arange(12.0) * NM, np.ones(12) * NM, np.ones((12, 3)) * THZ)
    samples = plots.dispersion_samples(np.arange(3.0), ds, n=6)
    assert [d.name for d in samples.data][:2] == ["σ = 1.0, τ = 0.0 nm",
                                                  "σ = 1.0, τ = 2.0 nm"]
    band = plots.with_band(plots.lines(np.arange(2), [np.arange(2)], ["x"], "", "", ""),
                           0.29, 0.36, "paper")
    assert band.layout.shapes[0].y0 == 0.29
    a, b = plots.width_roundtrip_figures(np.ones(3) * NM, np.ones(3) * NM,
                                         np.ones(3) * NM, np.array([1.0, 2.0, 3.0]))
    assert "mean 2.000 nm" in b.layout.title.text and len(a.data) == 2
    with pytest.raises(ValueError, match="at least one figure"):
        plots.show()


def test_learning_tables():
    assert set(tables.FIT) == {"rmse_sigma_nm", "rmse_tau_nm", "rmse_T_nm", "rmse_p",
                               "rmse_smin", "median_misfit_GHz"}
    t = tables.seed_table({"seed_mean_r2": 0.5, "seed_std_r2": 0.01}, 3)
    assert ">r2<" in t and ">0.5<" in t and ">0.01<" in t and ">3<" in t
    with pytest.raises(ValueError, match="no 'seed_mean_'"):
        tables.seed_table({"r2": 1.0}, 3)
