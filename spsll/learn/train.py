"""One trainer for every network of :mod:`spsll.learn.nets` (and any ``nn.Module`` with the same convention).

Data: any map-style ``torch.utils.data.Dataset`` (or ready ``DataLoader``) yielding
``(input, target)`` in physical SI units; ``input`` may be a tensor or a tuple of tensors (the
model is called as ``model(*input)``).  The model maps targets to its loss space with
``model.encode_target`` (standardised σ, τ; THz for dispersions), so losses see O(1) numbers.

Training: Adam, ReduceLROnPlateau on the validation loss, early stopping on the validation loss
with the best weights restored at the end, optional gradient clipping, a tqdm bar (``progress``)
and a :class:`History` (train/val loss and learning rate per epoch) for plotting.

Checkpoints (``checkpoint_dir/checkpoint.pt``, every ``checkpoint_every`` epochs and at the end)
hold the model, optimiser, scheduler, epoch, early-stopping state (best loss, epoch, weights),
history, normalisation statistics, model and training configuration, and the RNG states
(torch CPU/CUDA, numpy, python ``random`` and the DataLoader's shuffling ``torch.Generator``).
Only tensors and plain containers are stored, written atomically (temporary file in the same
folder + ``os.replace``) and read with ``torch.load(..., weights_only=True)``: a checkpoint can
never execute code.  :func:`resume` continues a run and, on CPU, gives bit for bit the result
of the uninterrupted run.  At the end of :meth:`Trainer.fit` ``model.pt`` (inference: best
weights, config, normalisation, history) and ``history.json`` are written as well.

Losses (``loss=``), all on the model's loss space:

* ``"mse"`` (default) — mean squared error on standardised targets: each of σ and τ is
  measured in units of its spread over the training data, so both count equally whatever
  their ranges.
* ``"paper_wall"`` — the paper's MSE(σ) + 5·MSE(τ) with σ, τ in nm.  With σ ∈ [0, 100] nm
  and τ ∈ [0, 20] nm the variance ratio is 25, so the factor 5 leaves σ dominating the loss
  about five-fold, and the weight would have to be retuned for any other sampling range.
  Evidence: WallNet on 2000 relaxed SPS-LL walls (128 cells, σ ~ U(1, 100) nm, τ ~ U(0, 20) nm,
  1400/300/300 split, early stopping, two seeds) gave test RMSE σ 17.86/17.74 nm and
  τ 3.56/3.53 nm with ``"mse"`` against σ 17.83/17.75 nm and τ 3.61/3.60 nm with
  ``"paper_wall"`` (target spreads 27.7 and 5.7 nm): equal on σ, slightly better on τ.  The
  difference is small; the default is the scale-free choice with no hand-tuned weight, and the
  experiment shows it loses nothing.  (Log targets are not offered: τ = 0 is a valid target.)
* ``"mae"`` — mean absolute error on the same standardised scale.

Ensembles (:func:`train_ensemble`) train K models with different seeds; :func:`predict_ensemble`
returns the mean and the spread (standard deviation over members) as a prediction interval.
"""
from __future__ import annotations

import copy
import math
import os
import random
import time
from dataclasses import dataclass, field, asdict

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._files import atomic_write, write_json
from .._validate import finite_scalar, non_negative_int, positive_int
from .nets import MODELS, NM, build_model

__all__ = [
    "Trainer", "History", "fit", "resume", "seed_everything", "make_loss", "LOSSES",
    "fit_normalization", "save_checkpoint", "load_checkpoint", "load_model", "predict",
    "Ensemble", "train_ensemble", "predict_ensemble", "load_ensemble", "CHECKPOINT_FORMAT",
]

CHECKPOINT_FORMAT = "spsll-checkpoint-v1"


# ------------------------------------------------------------------------------------------
# seeds and RNG states
# ------------------------------------------------------------------------------------------
def seed_everything(seed: int) -> None:
    """Seed python ``random``, numpy's global RNG and torch (CPU and CUDA)."""
    seed = non_negative_int("seed", seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _rng_state(loader_gens: dict) -> dict:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, pystate, gauss_next = random.getstate()
    out = {
        "torch": torch.get_rng_state(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": int(version), "state": torch.tensor(pystate, dtype=torch.int64),
                   "gauss_next": gauss_next},
        "loaders": {k: g.get_state() for k, g in loader_gens.items() if g is not None},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        out["cuda"] = torch.cuda.get_rng_state_all()
    return out


def _set_rng_state(state: dict, loader_gens: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    p = state["python"]
    random.setstate((p["version"], tuple(int(v) for v in p["state"].tolist()), p["gauss_next"]))
    for k, g in loader_gens.items():
        if g is not None and k in state.get("loaders", {}):
            g.set_state(state["loaders"][k])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# ------------------------------------------------------------------------------------------
# losses
# ------------------------------------------------------------------------------------------
class StandardizedMSE(nn.Module):
    """Mean squared error in the model's loss space (standardised targets / THz)."""

    def forward(self, out, target):
        return torch.mean((out - target) ** 2)


class StandardizedMAE(nn.Module):
    """Mean absolute error in the model's loss space."""

    def forward(self, out, target):
        return torch.mean(torch.abs(out - target))


class PaperWallLoss(nn.Module):
    """The paper's wall loss MSE(σ) + w·MSE(τ), w = 5, with σ and τ in nm.

    Outputs and targets are standardised; the differences are scaled back to nm with the
    model's target std (read at call time, so later normalisation changes are honoured).
    """

    def __init__(self, model: nn.Module, tau_weight: float = 5.0):
        super().__init__()
        if "target" not in getattr(model, "norms", {}):
            raise ValueError("loss 'paper_wall' needs a model with a 'target' normalization "
                             "(σ, τ outputs), e.g. WallNet or InverseCNN")
        self._norm = [model.norms["target"]]  # a list, so it is not registered as a submodule
        self.tau_weight = finite_scalar("tau_weight", tau_weight, low=0)

    def forward(self, out, target):
        d = (out - target) * (self._norm[0].std / NM)
        return torch.mean(d[:, 0] ** 2) + self.tau_weight * torch.mean(d[:, 1] ** 2)


LOSSES = ("mse", "mae", "paper_wall")


def make_loss(name: str, model: nn.Module | None = None, **kwargs) -> nn.Module:
    """Loss by name (one of :data:`LOSSES`); ``paper_wall`` needs the model (for its nm scale)."""
    if name == "mse":
        return StandardizedMSE()
    if name == "mae":
        return StandardizedMAE()
    if name == "paper_wall":
        if model is None:
            raise ValueError("loss 'paper_wall' needs the model")
        return PaperWallLoss(model, **kwargs)
    raise ValueError(f"loss must be one of {LOSSES}, got {name!r}")


# ------------------------------------------------------------------------------------------
# history and checkpoint I/O
# ------------------------------------------------------------------------------------------
@dataclass
class History:
    """Per-epoch record: epoch (1-based), train_loss, val_loss, lr (used during the epoch), time_s."""

    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    time_s: list = field(default_factory=list)
    best_epoch: int = 0
    best_val_loss: float = math.inf
    stopped_early: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        return cls(**{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in d.items()})



def save_checkpoint(obj: dict, path) -> None:
    """``torch.save`` a dict of tensors and plain containers atomically (temp file + os.replace)."""
    atomic_write(path, lambda fh: torch.save(obj, fh))


def _write_json(path, obj) -> None:
    write_json(path, obj)


def load_checkpoint(path, map_location="cpu") -> dict:
    """Read a checkpoint with ``torch.load(weights_only=True)`` (no arbitrary unpickling)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # UnpicklingError, RuntimeError, EOFError ...
        raise ValueError(f"{path} is not a loadable spsll checkpoint (read with weights_only=True, "
                         f"which refuses arbitrary objects): {e}") from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an spsll checkpoint (format {CHECKPOINT_FORMAT!r})")
    return ckpt


def load_model(path, device="cpu", which: str = "best") -> nn.Module:
    """Rebuild a model from a checkpoint or ``model.pt``; ``which`` = "best" (default) or "last"
    weights.  Returned in eval mode on ``device``."""
    if which not in ("best", "last"):
        raise ValueError(f"which must be 'best' or 'last', got {which!r}")
    ckpt = load_checkpoint(path)
    model = build_model(ckpt["model_name"], ckpt["model_config"])
    state = ckpt["model_state"]
    if which == "best" and ckpt.get("best", {}).get("state") is not None:
        state = ckpt["best"]["state"]
    model.load_state_dict(state)
    return model.to(_device(device)).eval()


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
def _device(device) -> torch.device:
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda:0', got {device!r}") from e
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return dev


def _to(x, device, dtype=None):
    if isinstance(x, (tuple, list)):
        return type(x)(_to(v, device, dtype) for v in x)
    x = torch.as_tensor(x)
    if dtype is not None and x.is_floating_point():
        x = x.to(dtype)
    return x.to(device)


def _call(model, x):
    return model(*x) if isinstance(x, (tuple, list)) else model(x)


def _encode(model, y):
    return model.encode_target(y) if hasattr(model, "encode_target") else y


def _check_data(name, data, required=True):
    if data is None:
        if required:
            raise ValueError(f"{name} must be a torch Dataset or DataLoader, got None")
        return None
    if not isinstance(data, (Dataset, DataLoader)):
        raise TypeError(f"{name} must be a torch Dataset or DataLoader yielding (input, target), "
                        f"got {type(data).__name__}")
    try:
        n = len(data.dataset if isinstance(data, DataLoader) else data)
    except TypeError:
        raise TypeError(f"{name} must be a map-style dataset with a length") from None
    if n == 0:
        raise ValueError(f"{name} is empty")
    return data


def _collect(data, max_samples=None, batch_size=1024):
    """Inputs and targets of a dataset (first ``max_samples``), concatenated on CPU."""
    loader = data if isinstance(data, DataLoader) else DataLoader(data, batch_size=batch_size, shuffle=False)
    xs, ys, n = [], [], 0
    for x, y in loader:
        xs.append(x)
        ys.append(y)
        n += len(y)
        if max_samples is not None and n >= max_samples:
            break
    if isinstance(xs[0], (tuple, list)):
        x = tuple(torch.cat([b[i] for b in xs]) for i in range(len(xs[0])))
    else:
        x = torch.cat(xs)
    return x, torch.cat(ys)


def _robust_std(v: torch.Tensor, dim=None, fallback=1.0):
    s = v.std(dim=dim) if dim is not None else v.std()
    m = v.mean(dim=dim) if dim is not None else v.mean()
    fb = torch.where(m.abs() > 0, m.abs(), torch.full_like(m, fallback))
    return m, torch.where(s > 1e-12 * fb, s, fb)


def fit_normalization(model: nn.Module, data, max_samples: int | None = 20000) -> dict:
    """Set the model's normalisation statistics from (the first ``max_samples`` of) ``data``.

    Sequences (dispersions, m_z profiles) get one global mean and std (their shape is kept);
    scalars and (σ, τ) get per-component statistics.  A zero spread (e.g. all τ = 0) falls back
    to |mean| (or the default scale).  Returns ``model.normalization_state()``.
    """
    from .nets import InverseCNN, TFCDispersion, WallNet
    _check_data("data", data)
    x, y = _collect(data, max_samples)
    x = tuple(v.double() for v in x) if isinstance(x, tuple) else x.double()
    y = y.double()
    sm = lambda v: _robust_std(v.reshape(-1))  # global scalar
    if isinstance(model, InverseCNN):
        model.set_normalization("input", *sm(x[0] if isinstance(x, tuple) else x))
        model.set_normalization("target", *_robust_std(y, 0, NM))
    elif isinstance(model, WallNet):
        if isinstance(x, tuple):
            prof, width = x
        else:
            prof, width = x[:, :-1], x[:, -1]
        model.set_normalization("profile", *sm(prof))
        model.set_normalization("width", *sm(width.reshape(-1)))
        model.set_normalization("target", *_robust_std(y, 0, NM))
    elif isinstance(model, TFCDispersion):
        params = x[0] if isinstance(x, tuple) else x
        model.set_normalization("input", *_robust_std(params.reshape(-1, 2), 0, NM))
        if model.use_dispersion:
            model.set_normalization("dispersion", *sm(x[1]))
    else:
        raise TypeError(f"fit_normalization knows InverseCNN, TFCDispersion and WallNet, got {type(model).__name__}")
    return model.normalization_state()


# ------------------------------------------------------------------------------------------
# the trainer
# ------------------------------------------------------------------------------------------
_TRAIN_KEYS = ("loss", "loss_kwargs", "epochs", "batch_size", "lr", "weight_decay", "patience", "min_delta",
               "lr_factor", "lr_patience", "lr_threshold", "min_lr", "grad_clip", "seed", "restore_best", "checkpoint_every",
               "num_workers")


class Trainer:
    """Train ``model`` on ``train_data``, select on ``val_data`` (see the module docstring).

    Parameters
    ----------
    model : nn.Module following the :mod:`spsll.learn.nets` convention (set its normalisation first,
        e.g. with :func:`fit_normalization`).
    train_data, val_data : Dataset or DataLoader of (input, target).  A Dataset is batched with
        ``batch_size`` and shuffled by a ``torch.Generator`` seeded with ``seed`` (checkpointed).
        Without ``val_data`` the training loss drives the scheduler and early stopping.
    loss : one of :data:`LOSSES` (default ``"mse"`` on standardised targets); ``loss_kwargs``.
    epochs : total number of epochs (a resumed run counts the epochs already done).
    batch_size, lr, weight_decay : Adam settings.
    patience : early-stopping patience in epochs (None: never stop early); ``min_delta`` the
        improvement that counts.  ``lr_factor``, ``lr_patience``, ``lr_threshold`` (relative
        improvement that counts), ``min_lr``: ReduceLROnPlateau.
    grad_clip : max gradient norm (None: no clipping).
    seed : seeds torch, numpy, python and the shuffling generator at construction (not when
        resuming, which restores the saved states).
    device : torch device ("cpu", "cuda", ...); data and model are moved there.
    checkpoint_dir : where ``checkpoint.pt``, ``model.pt`` and ``history.json`` go (None: none).
    checkpoint_every : write ``checkpoint.pt`` every this many epochs (and always at the end).
    restore_best : load the best validation weights at the end of :meth:`fit`.
    progress : show a tqdm bar.  ``metadata``: a plain dict stored in checkpoints (data source…).
    """

    def __init__(self, model: nn.Module, train_data, val_data=None, *, loss: str = "mse",
                 loss_kwargs: dict | None = None, epochs: int = 100, batch_size: int = 64, lr: float = 1e-3,
                 weight_decay: float = 0.0, patience: int | None = 20, min_delta: float = 0.0,
                 lr_factor: float = 0.5, lr_patience: int = 5, lr_threshold: float = 1e-4, min_lr: float = 1e-6,
                 grad_clip: float | None = None, seed: int = 0, device="cpu", checkpoint_dir=None,
                 checkpoint_every: int = 1, restore_best: bool = True, progress: bool = True,
                 num_workers: int = 0, metadata: dict | None = None, _resuming: bool = False):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
        self.epochs = positive_int("epochs", epochs)
        self.batch_size = positive_int("batch_size", batch_size)
        self.lr = finite_scalar("lr", lr, low=0, low_open=True)
        self.weight_decay = finite_scalar("weight_decay", weight_decay, low=0)
        self.patience = None if patience is None else positive_int("patience", patience)
        self.min_delta = finite_scalar("min_delta", min_delta, low=0)
        self.lr_factor = finite_scalar("lr_factor", lr_factor, low=0, low_open=True)
        if self.lr_factor >= 1:
            raise ValueError(f"lr_factor must be in (0, 1), got {lr_factor!r}")
        self.lr_patience = non_negative_int("lr_patience", lr_patience)
        self.lr_threshold = finite_scalar("lr_threshold", lr_threshold, low=0)
        self.min_lr = finite_scalar("min_lr", min_lr, low=0)
        self.grad_clip = None if grad_clip is None else finite_scalar("grad_clip", grad_clip, low=0, low_open=True)
        self.seed = non_negative_int("seed", seed)
        self.checkpoint_every = positive_int("checkpoint_every", checkpoint_every)
        self.num_workers = non_negative_int("num_workers", num_workers)
        self.restore_best = bool(restore_best)
        self.progress = bool(progress)
        self.device = _device(device)
        self.checkpoint_dir = None if checkpoint_dir is None else os.fspath(checkpoint_dir)
        self.loss_name = loss
        self.loss_kwargs = dict(loss_kwargs or {})
        self.metadata = dict(metadata or {})
        _check_data("train_data", train_data)
        _check_data("val_data", val_data, required=False)

        if not _resuming:
            seed_everything(self.seed)
        self.model = model.to(self.device)
        self.loss_fn = make_loss(loss, model, **self.loss_kwargs)
        self.train_gen = torch.Generator().manual_seed(self.seed)
        self.val_gen = torch.Generator().manual_seed(self.seed + 1)
        self.train_loader = self._loader(train_data, shuffle=True, gen=self.train_gen)
        self.val_loader = None if val_data is None else self._loader(val_data, shuffle=False, gen=self.val_gen)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimizer, mode="min", factor=self.lr_factor, patience=self.lr_patience,
            threshold=self.lr_threshold, min_lr=self.min_lr)
        self.epoch = 0
        self.history = History()
        self.best_state = None
        self.bad_epochs = 0
        self._checked = False

    # -- data -------------------------------------------------------------------------------
    def _loader(self, data, shuffle, gen):
        if isinstance(data, DataLoader):
            return data
        n = len(data)
        # BatchNorm cannot train on a batch of one: drop a trailing single sample.
        drop_last = shuffle and n > self.batch_size and n % self.batch_size == 1
        return DataLoader(data, batch_size=self.batch_size, shuffle=shuffle, generator=gen, drop_last=drop_last,
                          num_workers=self.num_workers)

    def _loader_gens(self):
        return {"train": self.train_loader.generator,
                "val": None if self.val_loader is None else self.val_loader.generator}

    # -- one epoch --------------------------------------------------------------------------
    def _batch_loss(self, x, y):
        dtype = next(self.model.parameters()).dtype
        x, y = _to(x, self.device, dtype), _to(y, self.device, dtype)
        out = _call(self.model, x)
        if not self._checked:
            if out.shape != y.shape:
                raise ValueError(f"model output shape {tuple(out.shape)} does not match the target shape "
                                 f"{tuple(y.shape)}: check that the dataset matches the model")
            self._checked = True
        t = _encode(self.model, y)
        return self.loss_fn(out, t), len(y)

    def _train_epoch(self):
        self.model.train()
        total, n = 0.0, 0
        for i, (x, y) in enumerate(self.train_loader):
            loss, b = self._batch_loss(x, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"training loss became {loss.item()} at epoch {self.epoch + 1}, "
                                         f"batch {i}; lower lr or check the data and normalisation")
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.grad_clip is not None:
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self.optimizer.step()
            total += loss.item() * b
            n += b
        if n == 0:
            raise ValueError("train_data produced no batches")
        return total / n

    @torch.no_grad()
    def evaluate(self, loader=None) -> float:
        """Mean loss over ``loader`` (default: the validation loader) in eval mode."""
        loader = self.val_loader if loader is None else loader
        self.model.eval()
        total, n = 0.0, 0
        for x, y in loader:
            loss, b = self._batch_loss(x, y)
            total += loss.item() * b
            n += b
        return total / max(n, 1)

    # -- fit --------------------------------------------------------------------------------
    def fit(self) -> History:
        """Train up to ``epochs`` (total) epochs; returns the :class:`History`."""
        from tqdm.auto import tqdm
        h = self.history
        bar = tqdm(total=self.epochs, initial=self.epoch, disable=not self.progress, unit="epoch",
                   desc=type(self.model).__name__)
        try:
            while self.epoch < self.epochs and not h.stopped_early:
                t0 = time.perf_counter()
                lr = self.optimizer.param_groups[0]["lr"]
                train_loss = self._train_epoch()
                val_loss = self.evaluate() if self.val_loader is not None else train_loss
                if not math.isfinite(val_loss):
                    raise FloatingPointError(f"validation loss became {val_loss} at epoch {self.epoch + 1}")
                self.scheduler.step(val_loss)
                self.epoch += 1
                h.epoch.append(self.epoch)
                h.train_loss.append(train_loss)
                h.val_loss.append(val_loss)
                h.lr.append(lr)
                h.time_s.append(time.perf_counter() - t0)
                if val_loss < h.best_val_loss - self.min_delta:
                    h.best_val_loss, h.best_epoch = val_loss, self.epoch
                    self.best_state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
                    self.bad_epochs = 0
                else:
                    self.bad_epochs += 1
                    if self.patience is not None and self.bad_epochs >= self.patience:
                        h.stopped_early = True
                bar.update(1)
                bar.set_postfix(train=f"{train_loss:.4g}", val=f"{val_loss:.4g}", lr=f"{lr:.2g}")
                last = self.epoch >= self.epochs or h.stopped_early
                if self.checkpoint_dir and (self.epoch % self.checkpoint_every == 0 or last):
                    self.save(os.path.join(self.checkpoint_dir, "checkpoint.pt"))
        finally:
            bar.close()
        if self.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        if self.checkpoint_dir:
            self.save_model(os.path.join(self.checkpoint_dir, "model.pt"))
            _write_json(os.path.join(self.checkpoint_dir, "history.json"), h.to_dict())
        return h

    # -- state ------------------------------------------------------------------------------
    def config(self) -> dict:
        return {k: getattr(self, "loss_name" if k == "loss" else k) for k in _TRAIN_KEYS}

    def _model_meta(self) -> dict:
        m = self.model
        name = type(m).__name__
        return {"model_name": name if name in MODELS else None,
                "model_config": copy.deepcopy(getattr(m, "config", {})),
                "normalization": m.normalization_state() if hasattr(m, "normalization_state") else {}}

    def state_dict(self) -> dict:
        """Everything needed to resume exactly (tensors and plain containers only)."""
        from .. import __version__
        cpu = lambda sd: {k: v.detach().cpu().clone() for k, v in sd.items()}
        return {
            "format": CHECKPOINT_FORMAT, "spsll_version": __version__, "torch_version": str(torch.__version__),
            **self._model_meta(),
            "model_state": cpu(self.model.state_dict()),
            "optimizer_state": self.optimizer.state_dict(),
            "scheduler_state": self.scheduler.state_dict(),
            "epoch": self.epoch,
            "best": {"val_loss": self.history.best_val_loss, "epoch": self.history.best_epoch,
                     "state": self.best_state, "bad_epochs": self.bad_epochs},
            "history": self.history.to_dict(),
            "train_config": self.config(),
            "metadata": self.metadata,
            "rng": _rng_state(self._loader_gens()),
        }

    def load_state_dict(self, ckpt: dict) -> None:
        self.model.load_state_dict(ckpt["model_state"])
        self.optimizer.load_state_dict(ckpt["optimizer_state"])
        self.scheduler.load_state_dict(ckpt["scheduler_state"])
        self.epoch = int(ckpt["epoch"])
        best = ckpt["best"]
        self.best_state = best["state"]
        self.bad_epochs = int(best["bad_epochs"])
        self.history = History.from_dict(ckpt["history"])
        self.metadata = dict(ckpt.get("metadata", {}))
        _set_rng_state(ckpt["rng"], self._loader_gens())

    def save(self, path) -> None:
        """Write the full resumable checkpoint atomically."""
        save_checkpoint(self.state_dict(), path)

    def save_model(self, path) -> None:
        """Write an inference checkpoint: the current weights (best, after fit), config, normalisation."""
        from .. import __version__
        save_checkpoint({"format": CHECKPOINT_FORMAT, "spsll_version": __version__, **self._model_meta(),
                         "model_state": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
                         "history": self.history.to_dict(), "train_config": self.config(),
                         "metadata": self.metadata}, path)

    @classmethod
    def from_checkpoint(cls, path, train_data, val_data=None, *, model: nn.Module | None = None,
                        **overrides) -> "Trainer":
        """Rebuild a trainer from ``checkpoint.pt`` to continue training (see :func:`resume`).

        ``model``: a module of the same architecture; default: rebuilt from the stored config.
        ``overrides``: ``epochs`` (new total), ``device``, ``progress``, ``checkpoint_dir``,
        ``checkpoint_every``, ``num_workers``; other settings come from the checkpoint.
        """
        allowed = {"epochs", "device", "progress", "checkpoint_dir", "checkpoint_every", "num_workers"}
        bad = set(overrides) - allowed
        if bad:
            raise ValueError(f"cannot override {sorted(bad)} when resuming; allowed: {sorted(allowed)}")
        ckpt = load_checkpoint(path)
        if "optimizer_state" not in ckpt:
            raise ValueError(f"{path} is an inference checkpoint (model.pt); resume from checkpoint.pt")
        if model is None:
            if ckpt.get("model_name") is None:
                raise ValueError("the checkpoint's model is not an spsll.learn.nets model: pass model=")
            model = build_model(ckpt["model_name"], ckpt["model_config"])
        cfg = dict(ckpt["train_config"])
        cfg.update(overrides)
        cfg.setdefault("checkpoint_dir", os.path.dirname(os.path.abspath(os.fspath(path))))
        tr = cls(model, train_data, val_data, _resuming=True, **cfg)
        tr.load_state_dict(ckpt)
        return tr


def fit(model, train_data, val_data=None, **kwargs) -> History:
    """``Trainer(model, train_data, val_data, **kwargs).fit()``; the model is trained in place."""
    return Trainer(model, train_data, val_data, **kwargs).fit()


def resume(path, train_data, val_data=None, *, model=None, **overrides) -> Trainer:
    """Continue the run saved in ``path`` (a ``checkpoint.pt``) up to ``epochs`` in total.

    Returns the trainer after :meth:`Trainer.fit` (``trainer.model``, ``trainer.history``).  Pass
    the same datasets as the original run; the result then equals the uninterrupted run.
    """
    tr = Trainer.from_checkpoint(path, train_data, val_data, model=model, **overrides)
    tr.fit()
    return tr


# ------------------------------------------------------------------------------------------
# prediction and ensembles
# ------------------------------------------------------------------------------------------
def _batches(inputs, batch_size):
    if isinstance(inputs, DataLoader):
        for b in inputs:
            yield b[0] if isinstance(b, (tuple, list)) and len(b) == 2 else b
        return
    if isinstance(inputs, Dataset):
        yield from _batches(DataLoader(inputs, batch_size=batch_size, shuffle=False), batch_size)
        return
    if isinstance(inputs, (tuple, list)):
        arrs = [torch.as_tensor(np.asarray(v) if not torch.is_tensor(v) else v) for v in inputs]
        n = len(arrs[0])
        for i in range(0, n, batch_size):
            yield tuple(a[i:i + batch_size] for a in arrs)
        return
    x = torch.as_tensor(np.asarray(inputs) if not torch.is_tensor(inputs) else inputs)
    for i in range(0, len(x), batch_size):
        yield x[i:i + batch_size]


@torch.no_grad()
def predict(model: nn.Module, inputs, *, batch_size: int = 512, device=None) -> np.ndarray:
    """Physical-unit predictions (SI: m for σ, τ; Hz for dispersions) as a float64 numpy array.

    ``inputs``: array/tensor (batch first), a tuple of them (multi-input models), a Dataset or a
    DataLoader of (input, target) (targets ignored).  Eval mode; the previous mode is restored.
    """
    batch_size = positive_int("batch_size", batch_size)
    p = next(model.parameters())
    dev = p.device if device is None else _device(device)
    model.to(dev)
    was = model.training
    model.eval()
    try:
        outs = []
        for x in _batches(inputs, batch_size):
            x = _to(x, dev, p.dtype)
            z = _call(model, x)
            z = z.double()                          # decoded in float64: one pass less than decode-then-convert
            outs.append((model.decode_output(z) if hasattr(model, "decode_output") else z).cpu())
    finally:
        model.train(was)
    return (outs[0] if len(outs) == 1 else torch.cat(outs)).numpy()


def prediction_rate(model: nn.Module, inputs, *, repeat: int = 5, batch_size: int = 512, device=None) -> float:
    """Predictions per second of ``predict`` over ``inputs`` [1/s]: one warm-up pass, then the
    wall-clock mean of ``repeat`` passes (the surrogate-speed figure of the book's chapters)."""
    repeat = positive_int("repeat", repeat)
    n = len(predict(model, inputs, batch_size=batch_size, device=device))   # warm-up
    t0 = time.perf_counter()
    for _ in range(repeat):
        predict(model, inputs, batch_size=batch_size, device=device)
    return repeat * n / (time.perf_counter() - t0)


class Ensemble(nn.Module):
    """K members of one architecture; :func:`predict_ensemble` gives their mean and spread."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)
        if len(self.members) == 0:
            raise ValueError("an Ensemble needs at least one member")

    def __len__(self):
        return len(self.members)


@dataclass
class EnsemblePrediction:
    """mean, std (over members, ddof = 1 when K > 1) and members (K, ...), physical units."""

    mean: np.ndarray
    std: np.ndarray
    members: np.ndarray

    def interval(self, z: float = 1.96):
        """(lower, upper) = mean ∓ z·std (a Gaussian prediction interval of the ensemble spread)."""
        return self.mean - z * self.std, self.mean + z * self.std


def predict_ensemble(ensemble, inputs, *, batch_size: int = 512, device=None) -> EnsemblePrediction:
    """Predictions of every member; mean and standard deviation over members."""
    members = list(ensemble.members if isinstance(ensemble, Ensemble) else ensemble)
    if not members:
        raise ValueError("ensemble has no members")
    preds = np.stack([predict(m, inputs, batch_size=batch_size, device=device) for m in members])
    std = preds.std(axis=0, ddof=1) if len(members) > 1 else np.zeros_like(preds[0])
    return EnsemblePrediction(preds.mean(axis=0), std, preds)


def train_ensemble(make_model, train_data, val_data=None, *, seeds=(0, 1, 2, 3, 4), out_dir=None,
                   normalize: bool = True, **trainer_kwargs):
    """Train one model per seed; returns ``(Ensemble, [History, ...])``.

    ``make_model``: a callable returning a fresh model (called right after seeding, so member
    initialisations differ) or a model name of :data:`spsll.learn.nets.MODELS` (default config).
    ``normalize``: call :func:`fit_normalization` on each new model.  With ``out_dir`` each
    member writes into ``out_dir/member_<seed>/``.
    """
    seeds = [non_negative_int("seeds", s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    if isinstance(make_model, str):
        name = make_model
        make_model = lambda: build_model(name)
    elif not callable(make_model):
        raise TypeError("make_model must be a callable returning a model or a model name")
    members, histories = [], []
    for s in seeds:
        seed_everything(s)
        model = make_model()
        if normalize:
            fit_normalization(model, train_data)
        ckdir = None if out_dir is None else os.path.join(os.fspath(out_dir), f"member_{s}")
        tr = Trainer(model, train_data, val_data, seed=s, checkpoint_dir=ckdir, **trainer_kwargs)
        histories.append(tr.fit())
        members.append(tr.model)
    return Ensemble(members), histories


def load_ensemble(out_dir, device="cpu") -> Ensemble:
    """Load every ``member_*/model.pt`` under ``out_dir`` (sorted by seed)."""
    out_dir = os.fspath(out_dir)
    names = sorted((d for d in os.listdir(out_dir) if d.startswith("member_")
                    and os.path.isfile(os.path.join(out_dir, d, "model.pt"))),
                   key=lambda d: int(d.split("_", 1)[1]))
    if not names:
        raise FileNotFoundError(f"no member_*/model.pt under {out_dir}")
    return Ensemble([load_model(os.path.join(out_dir, d, "model.pt"), device=device) for d in names])
