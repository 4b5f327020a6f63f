"""Building blocks shared by the networks: normalisation buffers, conv trunk, MLP, the model base.

Every model of :mod:`spsll.learn.nets` derives from :class:`Net`: its inputs and outputs are in
physical SI units, its normalisation statistics are buffers (:class:`Normalization`) that travel
with ``state_dict`` and checkpoints, and it fits them itself from training data
(:meth:`Net.fit_normalization`): the one normalisation path of the package.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Normalization(nn.Module):
    """Affine standardisation z = (x − mean) / std with fixed-shape buffers.

    ``shape`` is the per-sample feature shape (e.g. ``(500,)`` for a dispersion, ``(2,)`` for
    (σ, τ)).  :meth:`set` accepts scalars or arrays broadcastable to ``shape``.
    """

    def __init__(self, shape, mean=0.0, std=1.0):
        super().__init__()
        shape = tuple(int(s) for s in shape)
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("std", torch.ones(shape))
        self.set(mean, std)

    @torch.no_grad()
    def set(self, mean=None, std=None, *, name: str = "normalization"):
        for what, value, buf in (("mean", mean, self.mean), ("std", std, self.std)):
            if value is None:
                continue
            v = torch.as_tensor(value, dtype=torch.float64)
            try:
                v = torch.broadcast_to(v, buf.shape)
            except RuntimeError:
                raise ValueError(
                    f"{name} {what} has shape {tuple(v.shape)}, which does not broadcast "
                    f"to the feature shape {tuple(buf.shape)}"
                ) from None
            if not torch.isfinite(v).all():
                raise ValueError(f"{name} {what} must be finite")
            if what == "std" and not (v > 0).all():
                raise ValueError(
                    f"{name} std must be > 0 everywhere, got min {v.min().item()!r}"
                )
            buf.copy_(v.to(buf.dtype))
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.std + self.mean

    def extra_repr(self) -> str:
        return f"shape={tuple(self.mean.shape)}"


class ConvTrunk(nn.Module):
    """Stack of 1-D conv blocks: Conv1d('same' padding) → BatchNorm1d → ReLU → MaxPool1d(pool),
    then adaptive average pooling to ``pool_size`` and flattening.

    ``channels = [c0, c1, ..., cB]`` (c0 input channels), ``kernels`` and ``pools`` per block
    (pool 1 = no pooling).  Output: ``(batch, cB * pool_size)``.
    """

    def __init__(self, channels, kernels, pools, pool_size=4):
        super().__init__()
        if not (len(channels) - 1 == len(kernels) == len(pools)):
            raise ValueError("channels must have one more entry than kernels and pools")
        layers = []
        for cin, cout, k, p in zip(channels[:-1], channels[1:], kernels, pools):
            layers += [
                nn.Conv1d(cin, cout, k, padding=k // 2),
                nn.BatchNorm1d(cout),
                nn.ReLU(),
            ]
            if p > 1:
                layers.append(nn.MaxPool1d(p))
        self.blocks = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool1d(pool_size)
        self.out_features = channels[-1] * pool_size
        self.min_length = math.prod(pools)

    def forward(self, x):
        return self.pool(self.blocks(x)).flatten(1)


def _mlp(sizes, dropout=0.0, act=nn.ReLU, final_act=False):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or final_act:
            layers.append(act())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _as_batch(x: torch.Tensor, length: int, name: str) -> torch.Tensor:
    """(B, L) or (B, 1, L) or (L,) → (B, L); checks L."""
    x = torch.as_tensor(x)
    if x.ndim == 3 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[-1] != length:
        raise ValueError(
            f"{name} must have shape (batch, {length}) (or (batch, 1, {length})), got {tuple(x.shape)}"
        )
    return x


class Net(nn.Module):
    """Base: normalisation buffers in ``self.norms`` and the conventions of :mod:`spsll.learn.nets`.

    Subclasses implement :meth:`_fit_stats` (which buffers to fit, and how); :meth:`fit_normalization`
    feeds it the training data in SI units.
    """

    target_name = "target"

    def __init__(self):
        super().__init__()
        self.norms = nn.ModuleDict()
        self.config: dict = {}

    @property
    def _ref(self) -> torch.Tensor:
        return next(iter(self.parameters()))

    def _in(self, x) -> torch.Tensor:
        p = self._ref
        return torch.as_tensor(x).to(device=p.device, dtype=p.dtype)

    def set_normalization(self, name: str, mean=None, std=None):
        """Set the statistics of normaliser ``name`` (one of ``self.norms``) in physical units."""
        if name not in self.norms:
            raise ValueError(
                f"unknown normalization {name!r} for {type(self).__name__}; "
                f"available: {sorted(self.norms)}"
            )
        self.norms[name].set(mean, std, name=name)
        return self

    def normalization_state(self) -> dict:
        """{name: {"mean": tensor, "std": tensor}} (CPU copies) — stored in checkpoints."""
        return {
            k: {
                "mean": m.mean.detach().cpu().clone(),
                "std": m.std.detach().cpu().clone(),
            }
            for k, m in self.norms.items()
        }

    def load_normalization_state(self, state: dict):
        for k, v in state.items():
            self.set_normalization(k, v["mean"], v["std"])
        return self

    def fit_normalization(self, data, max_samples: int | None = 20000) -> dict:
        """Set the normalisation buffers from (the first ``max_samples`` of) the training ``data``.

        ``data``: a map-style Dataset or a DataLoader of ``(input, target)`` in SI units (the
        items of ``spsll.data.datasets``).  Statistics are computed in float64 from the data
        alone; which buffers are fitted and how is the model's choice (see its docstring).
        Returns ``normalization_state()``.
        """
        x, y = collect(data, max_samples)
        x = tuple(v.double() for v in x) if isinstance(x, tuple) else x.double()
        self._fit_stats(x, y.double())
        return self.normalization_state()

    def _fit_stats(self, x, y) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} does not define how to fit its normalisation"
        )

    def encode_target(self, y: torch.Tensor) -> torch.Tensor:
        return self.norms[self.target_name].encode(y)

    def decode_output(self, z: torch.Tensor) -> torch.Tensor:
        return self.norms[self.target_name].decode(z)

    @torch.no_grad()
    def predict(self, *inputs) -> torch.Tensor:
        """Eval-mode forward pass in physical units (restores the previous train/eval mode)."""
        was = self.training
        self.eval()
        try:
            return self.decode_output(self(*inputs))
        finally:
            self.train(was)


_Net = Net  # the former private name


def mean_std(v: torch.Tensor, dim=None, floor_fraction: float = 0.0):
    """(mean, std) of ``v`` (over all values, or along ``dim``); population std (ddof = 0).

    ``floor_fraction``: the std is floored at that fraction of its mean over the features (so
    that a nearly constant feature, e.g. the k = 0 gap of a dispersion, is not blown up).  A zero
    spread (e.g. every τ = 0) falls back to |mean|, or 1 where the mean is 0 as well.
    """
    v = torch.as_tensor(v, dtype=torch.float64)
    if dim is None:
        m, s = v.mean(), v.std(correction=0)
    else:
        m, s = v.mean(dim=dim), v.std(dim=dim, correction=0)
    if floor_fraction:
        s = torch.clamp(s, min=floor_fraction * float(s.mean()))
    fallback = torch.where(m.abs() > 0, m.abs(), torch.ones_like(m))
    return m, torch.where(s > 1e-12 * fallback, s, fallback)


def collect(data, max_samples=None, batch_size=1024):
    """Inputs and targets of a map-style dataset or loader (the first ``max_samples``), concatenated.

    Returns ``(x, y)``; ``x`` is a tuple of tensors for multi-input items.
    """
    if not isinstance(data, (Dataset, DataLoader)):
        raise TypeError(
            f"data must be a torch Dataset or DataLoader yielding (input, target), "
            f"got {type(data).__name__}"
        )
    loader = (
        data
        if isinstance(data, DataLoader)
        else DataLoader(data, batch_size=batch_size)
    )
    xs, ys, n = [], [], 0
    for x, y in loader:
        xs.append(x)
        ys.append(y)
        n += len(y)
        if max_samples is not None and n >= max_samples:
            break
    if not ys:
        raise ValueError("data is empty")
    if isinstance(xs[0], (tuple, list)):
        return tuple(
            torch.cat([b[i] for b in xs]) for i in range(len(xs[0]))
        ), torch.cat(ys)
    return torch.cat(xs), torch.cat(ys)
