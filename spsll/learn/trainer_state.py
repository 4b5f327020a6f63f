"""What a :class:`~spsll.learn.trainer.Trainer` saves and restores: its settings, the model's
identity and normalisation, optimiser, scheduler, early-stopping and RNG states (see
:mod:`spsll.learn.checkpoint` for the file format)."""

from __future__ import annotations

import copy
import os

import torch
from torch import nn

from .checkpoint import CHECKPOINT_FORMAT, History, load_checkpoint, save_checkpoint
from .nets import MODELS, build_model
from .seeding import rng_state, set_rng_state

__all__ = ["CheckpointState", "TRAIN_KEYS"]

TRAIN_KEYS = (
    "loss",
    "loss_kwargs",
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "patience",
    "min_delta",
    "lr_factor",
    "lr_patience",
    "lr_threshold",
    "min_lr",
    "grad_clip",
    "seed",
    "restore_best",
    "checkpoint_every",
    "num_workers",
)


class CheckpointState:
    """Mixin of :class:`~spsll.learn.trainer.Trainer`: state_dict, save, from_checkpoint."""

    # -- state ------------------------------------------------------------------------------
    def config(self) -> dict:
        return {k: getattr(self, "loss_name" if k == "loss" else k) for k in TRAIN_KEYS}

    def _model_meta(self) -> dict:
        m = self.model
        name = type(m).__name__
        return {
            "model_name": name if name in MODELS else None,
            "model_config": copy.deepcopy(getattr(m, "config", {})),
            "normalization": (
                m.normalization_state() if hasattr(m, "normalization_state") else {}
            ),
        }

    def state_dict(self) -> dict:
        """Everything needed to resume exactly (tensors and plain containers only)."""
        from .. import __version__

        cpu = lambda sd: {k: v.detach().cpu().clone() for k, v in sd.items()}
        return {
            "format": CHECKPOINT_FORMAT,
            "spsll_version": __version__,
            "torch_version": str(torch.__version__),
            **self._model_meta(),
            "model_state": cpu(self.model.state_dict()),
            "optimizer_state": self.optimizer.state_dict(),
            "scheduler_state": self.scheduler.state_dict(),
            "epoch": self.epoch,
            "best": {
                "val_loss": self.history.best_val_loss,
                "epoch": self.history.best_epoch,
                "state": self.best_state,
                "bad_epochs": self.bad_epochs,
            },
            "history": self.history.to_dict(),
            "train_config": self.config(),
            "metadata": self.metadata,
            "rng": rng_state(self._loader_gens()),
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
        set_rng_state(ckpt["rng"], self._loader_gens())

    def save(self, path) -> None:
        """Write the full resumable checkpoint atomically."""
        save_checkpoint(self.state_dict(), path)

    def save_model(self, path) -> None:
        """Write an inference checkpoint: the current weights (best, after fit), config, normalisation."""
        from .. import __version__

        save_checkpoint(
            {
                "format": CHECKPOINT_FORMAT,
                "spsll_version": __version__,
                **self._model_meta(),
                "model_state": {
                    k: v.detach().cpu().clone()
                    for k, v in self.model.state_dict().items()
                },
                "history": self.history.to_dict(),
                "train_config": self.config(),
                "metadata": self.metadata,
            },
            path,
        )

    @classmethod
    def from_checkpoint(
        cls,
        path,
        train_data,
        val_data=None,
        *,
        model: nn.Module | None = None,
        **overrides,
    ) -> "Trainer":
        """Rebuild a trainer from ``checkpoint.pt`` to continue training (see :func:`resume`).

        ``model``: a module of the same architecture; default: rebuilt from the stored config.
        ``overrides``: ``epochs`` (new total), ``device``, ``progress``, ``checkpoint_dir``,
        ``checkpoint_every``, ``num_workers``; other settings come from the checkpoint.
        """
        allowed = {
            "epochs",
            "device",
            "progress",
            "checkpoint_dir",
            "checkpoint_every",
            "num_workers",
        }
        bad = set(overrides) - allowed
        if bad:
            raise ValueError(
                f"cannot override {sorted(bad)} when resuming; allowed: {sorted(allowed)}"
            )
        ckpt = load_checkpoint(path)
        if "optimizer_state" not in ckpt:
            raise ValueError(
                f"{path} is an inference checkpoint (model.pt); resume from checkpoint.pt"
            )
        if model is None:
            if ckpt.get("model_name") is None:
                raise ValueError(
                    "the checkpoint's model is not an spsll.learn.nets model: pass model="
                )
            model = build_model(ckpt["model_name"], ckpt["model_config"])
        cfg = dict(ckpt["train_config"])
        cfg.update(overrides)
        cfg.setdefault(
            "checkpoint_dir", os.path.dirname(os.path.abspath(os.fspath(path)))
        )
        tr = cls(model, train_data, val_data, _resuming=True, **cfg)
        tr.load_state_dict(ckpt)
        return tr
