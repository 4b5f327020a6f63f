"""Checkpoint I/O: the per-epoch :class:`History`, atomic writes, weights-only reads, model loading.

A checkpoint holds tensors and plain containers only; it is written atomically with
:func:`spsll._files.atomic_write` and read with ``torch.load(..., weights_only=True)``, so loading
one can never execute code.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .._files import atomic_write
from ..physics.problem import resolve_device
from .nets import build_model

__all__ = [
    "CHECKPOINT_FORMAT",
    "History",
    "save_checkpoint",
    "load_checkpoint",
    "load_model",
    "device",
]

CHECKPOINT_FORMAT = "spsll-checkpoint-v1"


def device(spec) -> torch.device:
    """A torch device from ``spec`` ("cpu", "cuda:0", a torch.device); a named ValueError otherwise."""
    try:
        return resolve_device(spec)
    except (RuntimeError, TypeError) as e:
        raise ValueError(
            f"device must be a torch device such as 'cpu' or 'cuda:0', got {spec!r}"
        ) from e


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
        return cls(
            **{
                k: (list(v) if isinstance(v, (list, tuple)) else v)
                for k, v in d.items()
            }
        )


def save_checkpoint(obj: dict, path) -> None:
    """``torch.save`` a dict of tensors and plain containers atomically (temp file + os.replace)."""
    atomic_write(path, lambda fh: torch.save(obj, fh))


def load_checkpoint(path, map_location="cpu") -> dict:
    """Read a checkpoint with ``torch.load(weights_only=True)`` (no arbitrary unpickling)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # UnpicklingError, RuntimeError, EOFError ...
        raise ValueError(
            f"{path} is not a loadable spsll checkpoint (read with weights_only=True, "
            f"which refuses arbitrary objects): {e}"
        ) from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"{path} is not an spsll checkpoint (format {CHECKPOINT_FORMAT!r})"
        )
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


_device = device  # for functions whose argument is called ``device``
