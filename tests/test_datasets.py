"""Torch datasets over stores: splits fixed by seed, SI items, fingerprints, loaders."""
import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from spsll.data.datasets import (DefectsToDispersion, DispersionToDefects, WallToDefects, load_splits,
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


def test_wall_splits_yield_si_values_of_the_store(walls):
    sp = load_splits(WallToDefects, walls)
    tr, va, te = sp["train"], sp["val"], sp["test"]
    assert (len(tr), len(va), len(te)) == (32, 4, 4)
    idx = np.concatenate([tr.index, va.index, te.index])
    assert np.array_equal(np.sort(idx), np.arange(40))
    data, _ = read_store(walls)
    # items are the stored SI values (float32): m_z, width [m], (σ, τ) [m]; nothing normalised
    (profile, width), y = tr[0]
    i = tr.index[0]
    assert profile.shape == (64,) and width.shape == () and y.shape == (2,)
    assert torch.equal(profile, torch.as_tensor(data["m"][i, 2], dtype=torch.float32))
    assert width.item() == pytest.approx(data["width"][i], rel=1e-7)
    assert y.tolist() == pytest.approx([data["sigma"][i], data["tau"][i]], rel=1e-7)
    assert np.array_equal(tr.targets, np.stack([data["sigma"][tr.index], data["tau"][tr.index]], -1))
    # the model fits its normalisation from these items: the width's mean and spread in metres
    from spsll.learn.nets import WallNet
    m = WallNet(length=64, channels=(2, 2, 2, 2))
    m.fit_normalization(tr)
    w = data["width"][tr.index]
    assert m.norms["width"].mean.item() == pytest.approx(w.mean(), rel=1e-6)
    assert m.norms["width"].std.item() == pytest.approx(w.std(), rel=1e-5)
    assert m.norms["target"].mean.numpy() == pytest.approx(tr.targets.mean(0), rel=1e-6)


def test_tanh_width_option_and_loader_batches(walls):
    ds = WallToDefects(walls, "train", width="tanh")
    data, _ = read_store(walls)
    assert np.array_equal(ds.width, data["width_tanh"][ds.index])
    (p, w), y = next(iter(DataLoader(ds, batch_size=8, shuffle=True)))
    assert p.shape == (8, 64) and w.shape == (8,) and y.shape == (8, 2) and p.dtype == torch.float32
    with pytest.raises(ValueError, match="width"):
        WallToDefects(walls, "train", width="sech")


def test_dispersion_directions(disp):
    fwd = load_splits(DispersionToDefects, disp, split_seed=3)
    x, y = fwd["train"][0]
    assert x.shape == (64,) and y.shape == (2,)
    assert (len(fwd["train"]), len(fwd["val"]), len(fwd["test"])) == (16, 2, 2)
    data, _ = read_store(disp)
    assert np.array_equal(fwd["train"].k, data["k"])
    rev = DefectsToDispersion(disp, "test", split_seed=3)
    x, y = rev[0]
    assert x.shape == (2,) and y.shape == (64,)
    np.testing.assert_allclose(y.numpy(), data["peak_frequency"][rev.index[0]], rtol=1e-7)  # Hz, float32
    assert np.array_equal(rev.peak_frequency, data["peak_frequency"][rev.index])
    assert np.array_equal(rev.index, fwd["test"].index)


def test_fingerprint_names_the_store_settings(tmp_path, disp):
    a = DispersionToDefects(disp, "train")
    assert a.fingerprint == DefectsToDispersion(disp, "test").fingerprint and len(a.fingerprint) == 16
    other = str(tmp_path / "other.h5")
    generate("dispersions", 20, other, chunk=10, n_cells=64, duration=1e-12, seed=3, progress=False)
    assert DispersionToDefects(other, "train").fingerprint != a.fingerprint  # another plan seed


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
