"""One trainer for every network of :mod:`spsll.learn.nets` (and any ``nn.Module`` with the same convention).

Data: any map-style ``torch.utils.data.Dataset`` (or ready ``DataLoader``) yielding
``(input, target)`` in physical SI units; ``input`` may be a tensor or a tuple of tensors (the
model is called as ``model(*input)``).  The model maps targets to its loss space with
``model.encode_target`` (standardised σ, τ; THz for dispersions), so losses see O(1) numbers;
its normalisation buffers are fitted beforehand with ``model.fit_normalization(train_data)``.

Training: Adam, ReduceLROnPlateau on the validation loss, early stopping on the validation loss
with the best weights restored at the end, optional gradient clipping, a tqdm bar (``progress``)
and a :class:`~spsll.learn.checkpoint.History` (train/val loss and learning rate per epoch).

Checkpoints (``checkpoint_dir/checkpoint.pt``, every ``checkpoint_every`` epochs and at the end)
hold the model, optimiser, scheduler, epoch, early-stopping state (best loss, epoch, weights),
history, normalisation statistics, model and training configuration, and the RNG states
(torch CPU/CUDA, numpy, python ``random`` and the DataLoader's shuffling ``torch.Generator``);
see :mod:`spsll.learn.checkpoint`.  :func:`resume` continues a run and, on CPU, gives bit for
bit the result of the uninterrupted run.  At the end of :meth:`Trainer.fit` ``model.pt``
(inference: best weights, config, normalisation, history) and ``history.json`` are written too.
"""

from __future__ import annotations

import math
import os
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._files import write_json
from .._validate import finite_scalar, non_negative_int, positive_int
from .batching import call, check_data, encode, to_device
from .checkpoint import History, device as _device
from .losses import make_loss
from .seeding import seed_everything
from .trainer_state import CheckpointState

__all__ = ["Trainer", "fit", "resume"]


# ------------------------------------------------------------------------------------------
# the trainer
# ------------------------------------------------------------------------------------------


class Trainer(CheckpointState):
    """Train ``model`` on ``train_data``, select on ``val_data`` (see the module docstring).

    Parameters
    ----------
    model : nn.Module following the :mod:`spsll.learn.nets` convention (fit its normalisation first:
        ``model.fit_normalization(train_data)``).
    train_data, val_data : Dataset or DataLoader of (input, target).  A Dataset is batched with
        ``batch_size`` and shuffled by a ``torch.Generator`` seeded with ``seed`` (checkpointed).
        Without ``val_data`` the training loss drives the scheduler and early stopping.
    loss : one of :data:`~spsll.learn.losses.LOSSES` (default ``"mse"`` on standardised targets); ``loss_kwargs``.
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

    def __init__(
        self,
        model: nn.Module,
        train_data,
        val_data=None,
        *,
        loss: str = "mse",
        loss_kwargs: dict | None = None,
        epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int | None = 20,
        min_delta: float = 0.0,
        lr_factor: float = 0.5,
        lr_patience: int = 5,
        lr_threshold: float = 1e-4,
        min_lr: float = 1e-6,
        grad_clip: float | None = None,
        seed: int = 0,
        device="cpu",
        checkpoint_dir=None,
        checkpoint_every: int = 1,
        restore_best: bool = True,
        progress: bool = True,
        num_workers: int = 0,
        metadata: dict | None = None,
        _resuming: bool = False,
    ):
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"model must be a torch nn.Module, got {type(model).__name__}"
            )
        opts = dict(locals())
        for name in (
            "self",
            "model",
            "train_data",
            "val_data",
            "_resuming",
            "__class__",
        ):
            opts.pop(name, None)
        self._set_options(**opts)
        check_data("train_data", train_data)
        check_data("val_data", val_data, required=False)

        if not _resuming:
            seed_everything(self.seed)
        self.model = model.to(self.device)
        self.loss_fn = make_loss(self.loss_name, model, **self.loss_kwargs)
        self.train_gen = torch.Generator().manual_seed(self.seed)
        self.val_gen = torch.Generator().manual_seed(self.seed + 1)
        self.train_loader = self._loader(train_data, shuffle=True, gen=self.train_gen)
        self.val_loader = (
            None
            if val_data is None
            else self._loader(val_data, shuffle=False, gen=self.val_gen)
        )
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimizer,
            mode="min",
            factor=self.lr_factor,
            patience=self.lr_patience,
            threshold=self.lr_threshold,
            min_lr=self.min_lr,
        )
        self.epoch = 0
        self.history = History()
        self.best_state = None
        self.bad_epochs = 0
        self._checked = False

    def _set_options(
        self,
        *,
        loss,
        loss_kwargs,
        epochs,
        batch_size,
        lr,
        weight_decay,
        patience,
        min_delta,
        lr_factor,
        lr_patience,
        lr_threshold,
        min_lr,
        grad_clip,
        seed,
        device,
        checkpoint_dir,
        checkpoint_every,
        restore_best,
        progress,
        num_workers,
        metadata,
    ):
        """Validate and keep the settings (see the class docstring)."""
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
        self.grad_clip = (
            None
            if grad_clip is None
            else finite_scalar("grad_clip", grad_clip, low=0, low_open=True)
        )
        self.seed = non_negative_int("seed", seed)
        self.checkpoint_every = positive_int("checkpoint_every", checkpoint_every)
        self.num_workers = non_negative_int("num_workers", num_workers)
        self.restore_best = bool(restore_best)
        self.progress = bool(progress)
        self.device = _device(device)
        self.checkpoint_dir = (
            None if checkpoint_dir is None else os.fspath(checkpoint_dir)
        )
        self.loss_name = loss
        self.loss_kwargs = dict(loss_kwargs or {})
        self.metadata = dict(metadata or {})

    # -- data -------------------------------------------------------------------------------
    def _loader(self, data, shuffle, gen):
        if isinstance(data, DataLoader):
            return data
        n = len(data)
        # BatchNorm cannot train on a batch of one: drop a trailing single sample.
        drop_last = shuffle and n > self.batch_size and n % self.batch_size == 1
        return DataLoader(
            data,
            batch_size=self.batch_size,
            shuffle=shuffle,
            generator=gen,
            drop_last=drop_last,
            num_workers=self.num_workers,
        )

    def _loader_gens(self):
        return {
            "train": self.train_loader.generator,
            "val": None if self.val_loader is None else self.val_loader.generator,
        }

    # -- one epoch --------------------------------------------------------------------------
    def _batch_loss(self, x, y):
        dtype = next(self.model.parameters()).dtype
        x, y = to_device(x, self.device, dtype), to_device(y, self.device, dtype)
        out = call(self.model, x)
        if not self._checked:
            if out.shape != y.shape:
                raise ValueError(
                    f"model output shape {tuple(out.shape)} does not match the target shape "
                    f"{tuple(y.shape)}: check that the dataset matches the model"
                )
            self._checked = True
        t = encode(self.model, y)
        return self.loss_fn(out, t), len(y)

    def _train_epoch(self):
        self.model.train()
        total, n = 0.0, 0
        for i, (x, y) in enumerate(self.train_loader):
            loss, b = self._batch_loss(x, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"training loss became {loss.item()} at epoch {self.epoch + 1}, "
                    f"batch {i}; lower lr or check the data and normalisation"
                )
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
        bar = tqdm(
            total=self.epochs,
            initial=self.epoch,
            disable=not self.progress,
            unit="epoch",
            desc=type(self.model).__name__,
        )
        try:
            while self.epoch < self.epochs and not h.stopped_early:
                t0 = time.perf_counter()
                lr = self.optimizer.param_groups[0]["lr"]
                train_loss = self._train_epoch()
                val_loss = (
                    self.evaluate() if self.val_loader is not None else train_loss
                )
                if not math.isfinite(val_loss):
                    raise FloatingPointError(
                        f"validation loss became {val_loss} at epoch {self.epoch + 1}"
                    )
                self.scheduler.step(val_loss)
                self.epoch += 1
                h.epoch.append(self.epoch)
                h.train_loss.append(train_loss)
                h.val_loss.append(val_loss)
                h.lr.append(lr)
                h.time_s.append(time.perf_counter() - t0)
                if val_loss < h.best_val_loss - self.min_delta:
                    h.best_val_loss, h.best_epoch = val_loss, self.epoch
                    self.best_state = {
                        k: v.detach().cpu().clone()
                        for k, v in self.model.state_dict().items()
                    }
                    self.bad_epochs = 0
                else:
                    self.bad_epochs += 1
                    if self.patience is not None and self.bad_epochs >= self.patience:
                        h.stopped_early = True
                bar.update(1)
                bar.set_postfix(
                    train=f"{train_loss:.4g}", val=f"{val_loss:.4g}", lr=f"{lr:.2g}"
                )
                last = self.epoch >= self.epochs or h.stopped_early
                if self.checkpoint_dir and (
                    self.epoch % self.checkpoint_every == 0 or last
                ):
                    self.save(os.path.join(self.checkpoint_dir, "checkpoint.pt"))
        finally:
            bar.close()
        if self.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        if self.checkpoint_dir:
            self.save_model(os.path.join(self.checkpoint_dir, "model.pt"))
            write_json(os.path.join(self.checkpoint_dir, "history.json"), h.to_dict())
        return h


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
