"""Tests of the trainer, checkpoints, ensembles and prediction on small synthetic data (no store)."""
import json
import math
import os
import pickle

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset, TensorDataset

import spsll
from spsll.learn import train as T
from spsll.learn.nets import InverseCNN, TFCDispersion, WallNet, dispersion_k_grid, NM, THZ

MAT = spsll.FePt
L = 32
SMALL = dict(channels=(4, 8, 8, 4), hidden=(16, 8), dropout=0.3)
FAST = dict(batch_size=32, progress=False)


def _synthetic(n, seed=0, length=L):
    """Analytic dispersions whose shape encodes (σ, τ): amplitude ∝ p = σ/(σ+τ) (the low-pass
    reduction), a second harmonic ∝ the correlation length T = στ/(σ+τ), 0.5 % noise."""
    g = np.random.default_rng(seed)
    sig, tau = g.uniform(5, 100, n) * NM, g.uniform(0, 20, n) * NM
    p, Tc = sig / (sig + tau), sig * tau / (sig + tau)
    ka = dispersion_k_grid(length, MAT.a).numpy() * MAT.a
    gap, X = MAT.ideal_frequency(0.0), (MAT.ideal_frequency(np.pi / MAT.a) - MAT.ideal_frequency(0.0)) / 2
    f = gap + X * p[:, None] * (1 - np.cos(ka)) - 0.3 * THZ * (Tc / (20 * NM))[:, None] * (1 - np.cos(2 * ka))
    f *= 1 + 0.005 * g.standard_normal(f.shape)
    return torch.tensor(f, dtype=torch.float32), torch.tensor(np.c_[sig, tau], dtype=torch.float32)


@pytest.fixture(scope="module")
def inverse_data():
    x, y = _synthetic(192, seed=1)
    return TensorDataset(x[:128], y[:128]), TensorDataset(x[128:], y[128:])


def _inverse_model(seed=0, data=None):
    T.seed_everything(seed)
    m = InverseCNN(length=L, **SMALL)
    if data is not None:
        m.fit_normalization(data)
    return m


def _states_equal(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


# --------------------------------------------------------------------------------- learning
def test_training_lowers_validation_loss(inverse_data):
    tr, va = inverse_data
    m = _inverse_model(0, tr)
    trainer = T.Trainer(m, tr, va, epochs=6, lr=3e-3, **{**FAST, "batch_size": 16})
    before = trainer.evaluate()
    h = trainer.fit()
    assert len(h.epoch) == len(h.train_loss) == len(h.val_loss) == len(h.lr) == 6
    assert h.best_val_loss < 0.7 * before, (before, h.val_loss)  # ~0.55 observed
    assert trainer.evaluate() == pytest.approx(h.best_val_loss, rel=1e-6)  # best weights restored


def test_tfc_training_lowers_validation_loss():
    x, y = _synthetic(96, seed=2)
    tr, va = TensorDataset(y[:64], x[:64]), TensorDataset(y[64:], x[64:])
    T.seed_everything(0)
    m = TFCDispersion(n_k=L, hidden=(16, 16))
    m.fit_normalization(tr)
    trainer = T.Trainer(m, tr, va, epochs=15, lr=1e-2, **FAST)
    before = trainer.evaluate()
    h = trainer.fit()
    assert h.best_val_loss < 0.3 * before, (before, h.val_loss)
    # the trained output still obeys the constraints
    f = m.predict(y[:4])
    assert (f[:, L // 2] == torch.tensor(m.gap * THZ, dtype=torch.float32)).all()


class WallData(Dataset):
    """Synthetic tanh walls: (m_z profile, width) → (σ, τ), two-input items."""

    def __init__(self, n, seed):
        g = np.random.default_rng(seed)
        self.y = torch.tensor(np.c_[g.uniform(5, 100, n), g.uniform(0, 20, n)] * NM, dtype=torch.float32)
        p = self.y[:, 0] / self.y.sum(1)
        self.w = (MAT.wall_width * (0.6 + 0.4 * p)).float()
        x = (torch.arange(L) - L / 2 + 0.5) * MAT.a
        self.mz = torch.tanh(math.pi * x[None] / self.w[:, None])

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.mz[i], self.w[i]), self.y[i]


@pytest.mark.parametrize("loss", ["mse", "paper_wall"])
def test_wallnet_trains_with_both_losses(loss):
    tr, va = WallData(96, 0), WallData(32, 1)
    T.seed_everything(0)
    m = WallNet(length=L, channels=(4, 8, 8, 4), dropout=0.1)
    m.fit_normalization(tr)
    trainer = T.Trainer(m, tr, va, loss=loss, epochs=8, lr=3e-3, **FAST)
    before = trainer.evaluate()
    h = trainer.fit()
    assert h.best_val_loss < before
    assert T.predict(m, tr).shape == (96, 2)


def test_paper_wall_loss_value():
    m = WallNet(length=L, channels=(4, 8, 8, 4))
    m.set_normalization("target", [50 * NM, 10 * NM], [20 * NM, 4 * NM])
    loss = T.make_loss("paper_wall", m)
    out, tgt = torch.tensor([[1.0, 1.0]]), torch.tensor([[0.0, 0.0]])
    # differences of 20 nm in σ and 4 nm in τ: 20² + 5 * 4²
    assert loss(out, tgt).item() == pytest.approx(400 + 5 * 16)


# ----------------------------------------------------------------------- determinism / resume
def test_same_seed_same_weights(inverse_data):
    tr, va = inverse_data
    runs = []
    for _ in range(2):
        m = _inverse_model(3, tr)
        T.fit(m, tr, va, epochs=2, seed=3, **FAST)
        runs.append(m.state_dict())
    _states_equal(*runs)


def test_resume_equals_uninterrupted_run_bit_for_bit(inverse_data, tmp_path):
    tr, va = inverse_data
    tr, va = TensorDataset(*tr[:72]), TensorDataset(*va[:24])  # 72 = 2 full batches + 8: a short last batch
    kw = dict(lr=3e-3, lr_patience=0, lr_threshold=0.02, lr_factor=0.5, patience=50, seed=7, **FAST)
    m = _inverse_model(7, tr)
    a = T.Trainer(m, tr, va, epochs=6, checkpoint_dir=tmp_path / "a", **kw)
    ha = a.fit()

    m = _inverse_model(7, tr)
    T.Trainer(m, tr, va, epochs=3, checkpoint_dir=tmp_path / "b", **kw).fit()
    # disturb every RNG the run uses: resume must restore them
    torch.manual_seed(12345)
    np.random.seed(12345)
    import random
    random.seed(12345)
    b = T.resume(tmp_path / "b" / "checkpoint.pt", tr, va, epochs=6)

    assert b.epoch == a.epoch == 6
    assert b.history.to_dict() == {**ha.to_dict(), "time_s": b.history.time_s}
    _states_equal(a.model.state_dict(), b.model.state_dict())       # final (best) weights
    ca = T.load_checkpoint(tmp_path / "a" / "checkpoint.pt")
    cb = T.load_checkpoint(tmp_path / "b" / "checkpoint.pt")
    _states_equal(ca["model_state"], cb["model_state"])               # last weights
    _states_equal(ca["best"]["state"], cb["best"]["state"])
    assert ca["scheduler_state"] == cb["scheduler_state"]
    for sa, sb in zip(ca["optimizer_state"]["state"].values(), cb["optimizer_state"]["state"].values()):
        _states_equal(sa, sb)
    assert torch.equal(ca["rng"]["loaders"]["train"], cb["rng"]["loaders"]["train"])
    assert ha.lr[0] > ha.lr[3] > ha.lr[5]  # the scheduler acted before and after the break


def test_resume_is_sensitive_to_the_shuffling_state(inverse_data, tmp_path):
    """Guard for the test above: a wrong DataLoader generator state does change the result."""
    tr, va = inverse_data
    m = _inverse_model(7, tr)
    T.Trainer(m, tr, va, epochs=1, seed=7, checkpoint_dir=tmp_path, **FAST).fit()
    path = tmp_path / "checkpoint.pt"
    runs = []
    for tamper in (False, True):
        ck = T.load_checkpoint(path)
        if tamper:
            ck["rng"]["loaders"]["train"] = torch.Generator().manual_seed(99).get_state()
        T.save_checkpoint(ck, tmp_path / "c.pt")
        runs.append(T.resume(tmp_path / "c.pt", tr, va, epochs=2, checkpoint_dir=tmp_path / f"r{tamper}").model)
    assert any(not torch.equal(p, q) for p, q in zip(runs[0].parameters(), runs[1].parameters()))


# ----------------------------------------------------------------------- early stopping, LR
class _Scripted(T.Trainer):
    """A trainer whose validation losses follow a script (to test the bookkeeping exactly)."""

    script = []

    def evaluate(self, loader=None):
        return self.script[self.epoch]


def test_early_stopping_restores_best_weights_and_scheduler_reduces_lr(inverse_data):
    tr, va = inverse_data
    m = _inverse_model(0, tr)
    snaps = {}
    _Scripted.script = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    t = _Scripted(m, tr, va, epochs=8, patience=3, lr_patience=1, lr_factor=0.1, lr=1e-3, **FAST)
    orig = t._train_epoch

    def wrapped(*a):
        r = orig(*a)
        snaps[t.epoch + 1] = {k: v.clone() for k, v in m.state_dict().items()}
        return r

    t._train_epoch = wrapped
    h = t.fit()
    assert h.stopped_early and h.epoch == [1, 2, 3, 4, 5] and h.best_epoch == 2
    assert h.best_val_loss == 0.5
    _states_equal(m.state_dict(), snaps[2])
    assert h.lr[:4] == [1e-3, 1e-3, 1e-3, 1e-3] and h.lr[4] == pytest.approx(1e-4)


# ----------------------------------------------------------------------------- checkpoints
def test_checkpoint_files_and_weights_only_loading(inverse_data, tmp_path):
    tr, va = inverse_data
    m = _inverse_model(0, tr)
    t = T.Trainer(m, tr, va, epochs=2, checkpoint_dir=tmp_path, metadata={"store": "x.h5"}, **FAST)
    t.fit()
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.pt", "history.json", "model.pt"]
    for f in ("checkpoint.pt", "model.pt"):
        ck = torch.load(tmp_path / f, weights_only=True)  # plain tensors/containers only
        assert ck["format"] == T.CHECKPOINT_FORMAT and ck["model_name"] == "InverseCNN"
        assert set(ck["normalization"]) == {"input", "target"}
    ck = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert {"optimizer_state", "scheduler_state", "epoch", "rng", "train_config", "history"} <= set(ck)
    assert set(ck["rng"]) >= {"torch", "numpy", "python", "loaders"}
    assert ck["metadata"] == {"store": "x.h5"} and ck["epoch"] == 2
    json.loads(json.dumps(ck["train_config"]))
    assert json.loads((tmp_path / "history.json").read_text())["epoch"] == [1, 2]
    loaded = T.load_model(tmp_path / "model.pt")
    x = va.tensors[0][:5]
    np.testing.assert_array_equal(T.predict(loaded, x), T.predict(m, x))
    np.testing.assert_array_equal(T.predict(T.load_model(tmp_path / "checkpoint.pt"), x), T.predict(m, x))


_EXECUTED = []


def _mark_executed(*args):
    _EXECUTED.append(args)
    return {}


class _Evil:
    def __reduce__(self):
        return (_mark_executed, ("pwned",))


def test_loading_refuses_arbitrary_objects(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as fh:
        torch.save({"format": T.CHECKPOINT_FORMAT, "payload": _Evil()}, fh)
    with pytest.raises(ValueError, match="weights_only"):
        T.load_checkpoint(path)
    assert _EXECUTED == []
    with open(tmp_path / "junk.pt", "wb") as fh:
        pickle.dump({"format": "something else"}, fh, protocol=2)
    with pytest.raises(ValueError):
        T.load_model(tmp_path / "junk.pt")
    with pytest.raises(FileNotFoundError):
        T.load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_write_is_atomic(inverse_data, tmp_path, monkeypatch):
    tr, va = inverse_data
    m = _inverse_model(0, tr)
    t = T.Trainer(m, tr, va, epochs=1, **FAST)
    path = tmp_path / "checkpoint.pt"
    real_save = torch.save

    def crashing_save(obj, fh, *a, **k):
        fh.write(b"PARTIAL" * 1000)  # some bytes reach the disk, then the process "dies"
        raise KeyboardInterrupt("simulated crash during save")

    monkeypatch.setattr(torch, "save", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        t.save(path)
    assert os.listdir(tmp_path) == []  # neither a partial checkpoint nor a stray temp file

    monkeypatch.setattr(torch, "save", real_save)
    t.save(path)
    before = path.read_bytes()
    monkeypatch.setattr(torch, "save", crashing_save)
    t.epoch = 99
    with pytest.raises(KeyboardInterrupt):
        t.save(path)
    assert os.listdir(tmp_path) == ["checkpoint.pt"] and path.read_bytes() == before  # old one intact
    monkeypatch.setattr(torch, "save", real_save)
    assert T.load_checkpoint(path)["epoch"] == 0


# ------------------------------------------------------------------------- ensembles, predict
def test_ensemble_mean_and_spread(inverse_data, tmp_path):
    tr, va = inverse_data
    ens, hs = T.train_ensemble(T.InverseConfig(epochs=1, batch_size=32), tr, va, seeds=(0, 1),
                               out_dir=tmp_path, model_fn=lambda: InverseCNN(length=L, **SMALL), progress=False)
    assert len(ens) == 2 and len(hs) == 2
    x = va.tensors[0][:6]
    pred = T.predict_ensemble(ens, x)
    assert pred.mean.shape == pred.std.shape == (6, 2) and pred.members.shape == (2, 6, 2)
    # members differ (each seed its own initialisation and shuffling) and the spread is their
    # sample standard deviation; the interval is mean ± z·spread
    assert not np.allclose(pred.members[0], pred.members[1], rtol=1e-3)
    np.testing.assert_allclose(pred.mean, pred.members.mean(0))
    np.testing.assert_allclose(pred.std, pred.members.std(0, ddof=1))
    lo, hi = pred.interval(2.5)
    np.testing.assert_allclose(hi - pred.mean, 2.5 * pred.std, rtol=1e-12, atol=0)
    np.testing.assert_allclose(pred.mean - lo, 2.5 * pred.std, rtol=1e-12, atol=0)
    # the members' normalisation was fitted on the training data (SI values in the buffers)
    f = tr.tensors[0].double()
    for m in ens.members:
        np.testing.assert_allclose(m.norms["input"].mean.double(), f.mean(0), rtol=1e-6)
    again = T.predict_ensemble(T.load_ensemble(tmp_path), x)
    np.testing.assert_array_equal(again.members, pred.members)


def test_predict_accepts_arrays_tuples_and_datasets(inverse_data):
    tr, va = inverse_data
    m = _inverse_model(0, tr)
    x = va.tensors[0]
    a = T.predict(m, x, batch_size=7)
    np.testing.assert_allclose(a, T.predict(m, x.numpy()), rtol=1e-6)
    np.testing.assert_allclose(a, T.predict(m, va), rtol=1e-6)
    assert a.dtype == np.float64 and a.shape == (64, 2)
    w = WallData(8, 0)
    wm = WallNet(length=L, channels=(4, 8, 8, 4))
    np.testing.assert_allclose(T.predict(wm, (w.mz, w.w)), T.predict(wm, w), rtol=1e-6)
    assert m.training  # predict restores the mode


# ------------------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("kw,exc,msg", [
    (dict(epochs=0), ValueError, "epochs"),
    (dict(epochs=2.5), TypeError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(lr=-1e-3), ValueError, "lr"),
    (dict(lr=float("nan")), ValueError, "lr"),
    (dict(patience=0), ValueError, "patience"),
    (dict(lr_factor=1.5), ValueError, "lr_factor"),
    (dict(weight_decay=-1), ValueError, "weight_decay"),
    (dict(loss="huber"), ValueError, "loss must be one of"),
    (dict(device="quantum"), ValueError, "device"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(grad_clip=0), ValueError, "grad_clip"),
])
def test_bad_trainer_arguments(inverse_data, kw, exc, msg):
    tr, va = inverse_data
    with pytest.raises(exc, match=msg):
        T.Trainer(_inverse_model(0), tr, va, **{**FAST, **kw})


def test_bad_data_and_model(inverse_data, tmp_path):
    tr, va = inverse_data
    m = _inverse_model(0)
    with pytest.raises(TypeError, match="train_data"):
        T.Trainer(m, [(1, 2)], va, **FAST)
    with pytest.raises(ValueError, match="train_data is empty"):
        T.Trainer(m, TensorDataset(torch.zeros(0, L), torch.zeros(0, 2)), va, **FAST)
    with pytest.raises(TypeError, match="val_data"):
        T.Trainer(m, tr, "val.h5", **FAST)
    with pytest.raises(TypeError, match="model"):
        T.Trainer("InverseCNN", tr, va, **FAST)
    bad = TensorDataset(tr.tensors[0], torch.zeros(len(tr), 3))
    with pytest.raises(ValueError, match="model output shape"):
        T.fit(m, bad, None, epochs=1, **FAST)
    T.Trainer(m, tr, va, epochs=1, checkpoint_dir=tmp_path, **FAST).fit()
    with pytest.raises(ValueError, match="cannot override"):
        T.resume(tmp_path / "checkpoint.pt", tr, va, lr=1.0)
    with pytest.raises(ValueError, match="inference checkpoint"):
        T.resume(tmp_path / "model.pt", tr, va)
    with pytest.raises(ValueError, match="seeds must be distinct"):
        T.train_ensemble(T.InverseConfig(), tr, va, seeds=(1, 1))
    with pytest.raises(TypeError, match="TrainConfig"):
        T.train_ensemble("InverseCNN", tr, va)
    with pytest.raises(ValueError, match="which"):
        T.load_model(tmp_path / "model.pt", which="worst")


def test_non_finite_loss_is_reported(inverse_data):
    tr, va = inverse_data
    m = _inverse_model(0, tr)
    x = tr.tensors[0].clone()
    x[3, 5] = float("nan")
    with pytest.raises(FloatingPointError, match="epoch 1"):
        T.fit(m, TensorDataset(x, tr.tensors[1]), va, epochs=1, **FAST)


def test_prediction_rate_counts_the_inputs_and_keeps_the_mode():
    from spsll.learn.nets import WallNet
    from spsll.learn.train import prediction_rate
    m = WallNet(length=16, channels=(2, 2, 2, 2))
    m.train()
    rate = prediction_rate(m, torch.randn(40, 17), repeat=2)
    assert math.isfinite(rate) and rate > 0
    assert m.training  # predict's eval mode is undone
    with pytest.raises(ValueError, match="repeat"):
        prediction_rate(m, torch.randn(4, 17), repeat=0)
