"""Torch datasets over stores: splits fixed by seed, training-split normalisation, inverses, loaders."""
import io

import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from spsll.data.datasets import (DefectsToDispersion, DispersionToDefects, Normalization, WallToDefects, load_splits,
                            split_indices)
from spsll.data.generate import generate
from spsll.data.store import StoreError, read_store

NM = 1e-9


@pytest.fixture(scope="module")
def walls(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("ds") / "walls.h5")
    generate("walls", 40, p, chunk=8, n_cells=64, seed=1, progress=False)
    return p


@pytest.fixture(scope="module")
def disp(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("ds") / "disp.h5")
    generate("dispersions", 20, p, chunk=10, n_cells=64, duration=1e-12, seed=2, progress=False)
    return p


def test_split_indices_are_a_fixed_partition():
    s = split_indices(1000, split_seed=5)
    assert [len(s[k]) for k in ("train", "val", "test")] == [800, 100, 100]
    assert np.array_equal(np.sort(np.concatenate(list(s.values()))), np.arange(1000))
    again, other = split_indices(1000, split_seed=5), split_indices(1000, split_seed=6)
    assert all(np.array_equal(s[k], again[k]) for k in s)
    assert not np.array_equal(s["test"], other["test"])
    with pytest.raises(ValueError, match="fractions"):
        split_indices(10, fractions=(0.8, 0.3, 0.1))


@pytest.mark.parametrize("target", ["nm", "log"])
def test_wall_splits_normalisation_from_training_split_only(walls, target):
    sp = load_splits(WallToDefects, walls, target=target)
    tr, va, te = sp["train"], sp["val"], sp["test"]
    assert (len(tr), len(va), len(te)) == (32, 4, 4)
    idx = np.concatenate([tr.index, va.index, te.index])
    assert np.array_equal(np.sort(idx), np.arange(40))
    # standardised on train: zero mean, unit (population) variance
    assert torch.allclose(tr.y.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(tr.y.std(0, unbiased=False), torch.ones(2), atol=1e-5)
    data, _ = read_store(walls)
    s, t = data["sigma"][tr.index] / NM, data["tau"][tr.index] / NM
    feats = np.stack([s, t], 1) if target == "nm" else np.stack([np.log(s), np.log1p(t)], 1)
    assert np.allclose(tr.normalization["defects"].mean, feats.mean(0))
    assert np.allclose(tr.normalization["width"].mean, data["width"][tr.index].mean() / NM)
    # val built on its own computes the same train statistics
    va2 = WallToDefects(walls, "val", target=target)
    assert va2.normalization.state_dict() == tr.normalization.state_dict()
    assert torch.equal(va2.y, va.y)
    # the inverse returns metres
    sig, tau = te.defects_to_si(te.y)
    assert np.allclose(sig, te.sigma, rtol=1e-5) and np.allclose(tau, te.tau, rtol=1e-5, atol=1e-14)
    (profile, width), y = tr[0]
    assert profile.shape == (1, 64) and width.shape == (1,) and y.shape == (2,)
    assert torch.equal(profile[0], torch.as_tensor(data["m"][tr.index[0], 2], dtype=torch.float32))


def test_tanh_width_option_and_loader_batches(walls):
    ds = WallToDefects(walls, "train", width="tanh")
    data, _ = read_store(walls)
    assert np.allclose(ds.normalization["width"].mean, data["width_tanh"][ds.index].mean() / NM)
    (p, w), y = next(iter(DataLoader(ds, batch_size=8, shuffle=True)))
    assert p.shape == (8, 1, 64) and w.shape == (8, 1) and y.shape == (8, 2) and p.dtype == torch.float32


def test_dispersion_directions(disp):
    fwd = load_splits(DispersionToDefects, disp, split_seed=3)
    x, y = fwd["train"][0]
    assert x.shape == (1, 64) and y.shape == (2,)
    assert (len(fwd["train"]), len(fwd["val"]), len(fwd["test"])) == (16, 2, 2)
    assert np.array_equal(fwd["train"].k, read_store(disp)[0]["k"])
    rev = DefectsToDispersion(disp, "test", split_seed=3, target="log")
    x, y = rev[0]
    assert x.shape == (2,) and y.shape == (64,)
    data, _ = read_store(disp)
    assert np.allclose(rev.dispersion_to_si(rev.y), data["peak_frequency"][rev.index], rtol=1e-6)
    assert np.array_equal(rev.index, fwd["test"].index)
    std = DefectsToDispersion(disp, "train", split_seed=3, standardize_dispersion=True)
    assert torch.allclose(std.y.mean(0), torch.zeros(64), atol=1e-4)
    assert np.allclose(std.dispersion_to_si(std.y), data["peak_frequency"][std.index], rtol=1e-6)


def test_normalization_goes_into_a_weights_only_checkpoint(disp):
    ds = DispersionToDefects(disp, "train")
    buf = io.BytesIO()
    torch.save({"normalization": ds.normalization.state_dict()}, buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)["normalization"]
    again = DispersionToDefects(disp, "test", normalization=state)
    assert torch.equal(again.x, DispersionToDefects(disp, "test").x)
    assert isinstance(Normalization.from_state_dict(state), Normalization)
    with pytest.raises(ValueError, match="target"):
        DispersionToDefects(disp, "test", normalization=state, target="log")


def test_incomplete_and_wrong_stores_are_refused(tmp_path, walls, disp):
    p = str(tmp_path / "w.h5")
    with open(walls, "rb") as src, open(p, "wb") as dst:
        dst.write(src.read())
    with h5py.File(p, "r+") as f:
        f["done"][1] = False  # samples 8..15 no longer data
    with pytest.raises(StoreError, match="incomplete"):
        WallToDefects(p)
    parts = [WallToDefects(p, s, allow_incomplete=True) for s in ("train", "val", "test")]
    used = np.concatenate([d.index for d in parts])
    assert len(used) == 32 and not np.isin(np.arange(8, 16), used).any()
    with pytest.raises(StoreError, match="walls"):
        WallToDefects(disp)
    with pytest.raises(ValueError, match="split"):
        WallToDefects(walls, "training")


def test_non_finite_samples_are_dropped_and_counted(tmp_path, walls):
    p = str(tmp_path / "w.h5")
    with open(walls, "rb") as src, open(p, "wb") as dst:
        dst.write(src.read())
    train_idx = split_indices(40)["train"]
    with h5py.File(p, "r+") as f:
        f["width"][int(train_idx[0])] = np.nan
    ds = WallToDefects(p, "train")
    assert ds.n_dropped == 1 and len(ds) == 31 and train_idx[0] not in ds.index
