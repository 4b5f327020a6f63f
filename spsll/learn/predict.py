"""Prediction in physical units: one model, its rate, and ensembles' mean and spread."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .._validate import positive_int
from .checkpoint import device as _device, load_model
from .batching import call as _call, to_device as _to

__all__ = [
    "predict",
    "prediction_rate",
    "Ensemble",
    "EnsemblePrediction",
    "predict_ensemble",
    "load_ensemble",
]


def _batches(inputs, batch_size):
    if isinstance(inputs, DataLoader):
        for b in inputs:
            yield b[0] if isinstance(b, (tuple, list)) and len(b) == 2 else b
        return
    if isinstance(inputs, Dataset):
        yield from _batches(
            DataLoader(inputs, batch_size=batch_size, shuffle=False), batch_size
        )
        return
    if isinstance(inputs, (tuple, list)):
        arrs = [
            torch.as_tensor(np.asarray(v) if not torch.is_tensor(v) else v)
            for v in inputs
        ]
        n = len(arrs[0])
        for i in range(0, n, batch_size):
            yield tuple(a[i : i + batch_size] for a in arrs)
        return
    x = torch.as_tensor(np.asarray(inputs) if not torch.is_tensor(inputs) else inputs)
    for i in range(0, len(x), batch_size):
        yield x[i : i + batch_size]


@torch.no_grad()
def predict(
    model: nn.Module, inputs, *, batch_size: int = 512, device=None
) -> np.ndarray:
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
            z = z.double()  # decoded in float64: one pass less than decode-then-convert
            outs.append(
                (model.decode_output(z) if hasattr(model, "decode_output") else z).cpu()
            )
    finally:
        model.train(was)
    return (outs[0] if len(outs) == 1 else torch.cat(outs)).numpy()


def prediction_rate(
    model: nn.Module, inputs, *, repeat: int = 5, batch_size: int = 512, device=None
) -> float:
    """Predictions per second of ``predict`` over ``inputs`` [1/s]: one warm-up pass, then the
    wall-clock mean of ``repeat`` passes (the surrogate-speed figure of the book's chapters).
    """
    repeat = positive_int("repeat", repeat)
    n = len(predict(model, inputs, batch_size=batch_size, device=device))  # warm-up
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


def predict_ensemble(
    ensemble, inputs, *, batch_size: int = 512, device=None
) -> EnsemblePrediction:
    """Predictions of every member; mean and standard deviation over members."""
    members = list(ensemble.members if isinstance(ensemble, Ensemble) else ensemble)
    if not members:
        raise ValueError("ensemble has no members")
    preds = np.stack(
        [predict(m, inputs, batch_size=batch_size, device=device) for m in members]
    )
    std = preds.std(axis=0, ddof=1) if len(members) > 1 else np.zeros_like(preds[0])
    return EnsemblePrediction(preds.mean(axis=0), std, preds)


def load_ensemble(out_dir, device="cpu") -> Ensemble:
    """The members written by :func:`spsll.learn.ensemble.train_ensemble` under ``out_dir``:
    every ``member_*/model.pt`` (sorted by seed), or ``out_dir/model.pt`` for a one-member run.
    """
    out_dir = os.fspath(out_dir)
    if not os.path.isdir(out_dir):
        raise FileNotFoundError(f"no such run folder: {out_dir}")
    names = sorted(
        (
            d
            for d in os.listdir(out_dir)
            if d.startswith("member_")
            and d[7:].isdigit()
            and os.path.isfile(os.path.join(out_dir, d, "model.pt"))
        ),
        key=lambda d: int(d.split("_", 1)[1]),
    )
    paths = [os.path.join(out_dir, d, "model.pt") for d in names]
    if not paths and os.path.isfile(os.path.join(out_dir, "model.pt")):
        paths = [os.path.join(out_dir, "model.pt")]
    if not paths:
        raise FileNotFoundError(f"no model.pt or member_*/model.pt under {out_dir}")
    return Ensemble([load_model(p, device=device) for p in paths])
