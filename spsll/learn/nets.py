"""Neural networks of the paper (plain ``torch.nn`` modules, float32 by default, any device).

Three models, one convention:

* :class:`InverseCNN` — 1-D dispersion (peak frequency per k, length L, Hz) → (σ, τ) [m]
  (paper, "CNN for dispersion relation feature extraction").
* :class:`TFCDispersion` — (σ, τ) [m] (optionally + the features of a CNN over a dispersion, as
  the paper's Fig. 2 feeds) → coefficients → a dispersion f(k) [Hz] built by a constrained
  expression (theory of functional connections, paper Eqs. 7–9 and Methods "Implementation of
  TFC"), in the paper's form or in an improved, exactly constrained form.
* :class:`WallNet` — two branches: m_z profile (4 conv blocks) + wall width (scalar MLP) →
  fused → (σ, τ) [m] (paper, "Prediction of domain-wall widths", Fig. 4).

Convention shared by all models (and relied on by :mod:`spsll.learn.train`):

* ``model(*inputs)`` takes inputs in **physical SI units** (Hz, m, dimensionless m_z) and
  returns the output in the **loss space**: standardised targets for the inverse models,
  THz for the TFC dispersion.  Normalisation statistics are registered buffers
  (:class:`Normalization`, fixed shapes), so they travel with ``state_dict`` and checkpoints,
  and each model fits them from training data in SI units: ``model.fit_normalization(data)``.
* ``model.encode_target(y)`` maps a physical target to the loss space, ``model.decode_output(z)``
  maps back; ``model.predict(*inputs)`` = eval mode, no grad, physical units.
* ``model.config`` is a plain dict of the constructor's arguments, so
  ``build_model(type(model).__name__, model.config)`` rebuilds it (checkpoints store both).
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import finite_scalar, positive_int
from ..units import NM, THZ
from .blocks import ConvTrunk, Net, Normalization, _as_batch, _mlp, mean_std
from .tfc import TFCDispersion, dispersion_k_grid, tfc_least_squares

__all__ = [
    "Normalization",
    "ConvTrunk",
    "InverseCNN",
    "TFCDispersion",
    "WallNet",
    "MODELS",
    "build_model",
    "n_parameters",
    "dispersion_k_grid",
    "fold_even",
    "tfc_least_squares",
    "THZ",
    "NM",
    "Net",
]


# ------------------------------------------------------------------------------------------
# 1. inverse CNN: dispersion → (σ, τ)
# ------------------------------------------------------------------------------------------
class InverseCNN(Net):
    """Dispersion f(k) (peak frequency per k, length ``length``, Hz) → (σ, τ) [m].

    Paper architecture (Methods): four conv blocks, 1→64 (k=5), 64→128 (k=5), 128→256 (k=3),
    256→128 (k=3), each Conv1d → BatchNorm → ReLU, max-pooling by 2 in the first three blocks;
    adaptive average pooling to ``pool_size`` positions (4 × 128 channels = the paper's 512
    features); dense 512 → 256 → 64 → 2 with ReLU and ``dropout`` (30 %).

    ``fold_k=True`` (not in the paper) uses that a lattice dispersion is even, f(−k) = f(k): the
    (standardised) curve on spsll's fftshifted grid (:func:`dispersion_k_grid`, k = 0 at index
    L // 2) is folded onto ``|k|`` — f(0), the mean of the values at ±k, and for even L the zone edge
    −π/a — so the convolutions see L // 2 + 1 values: half the arithmetic, and each value
    averages two independently measured peaks.

    Normalisers: ``input`` (shape (L,), default mean 0, std 1 THz) and ``target`` (shape (2,),
    default mean 0, std 10 nm); :meth:`~spsll.learn.blocks.Net.fit_normalization` sets ``input`` per k (the std floored
    at 1 % of its mean over k, so that the nearly constant gap at k = 0 is not blown up) and
    ``target`` per component.  ``forward`` returns standardised (σ, τ).
    """

    def __init__(
        self,
        length: int = 500,
        dropout: float = 0.3,
        pool_size: int = 4,
        channels=(64, 128, 256, 128),
        kernels=(5, 5, 3, 3),
        pools=(2, 2, 2, 1),
        hidden=(256, 64),
        fold_k: bool = False,
    ):
        super().__init__()
        length = positive_int("length", length, low=8)
        dropout = finite_scalar("dropout", dropout, low=0.0, high=0.95)
        pool_size = positive_int("pool_size", pool_size)
        self.fold_k = bool(fold_k)
        self.config = dict(
            length=length,
            dropout=dropout,
            pool_size=pool_size,
            channels=list(channels),
            kernels=list(kernels),
            pools=list(pools),
            hidden=list(hidden),
            fold_k=self.fold_k,
        )
        self.length = length
        self.features = ConvTrunk([1, *channels], kernels, pools, pool_size)
        seen = length // 2 + 1 if self.fold_k else length
        if seen < self.features.min_length:
            raise ValueError(
                f"length must be >= {self.features.min_length} for pools {list(pools)}"
                f"{' (after folding: length // 2 + 1)' if self.fold_k else ''}, got {length}"
            )
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            _mlp([self.features.out_features, *hidden, 2], dropout=dropout),
        )
        self.norms["input"] = Normalization((length,), 0.0, THZ)
        self.norms["target"] = Normalization((2,), 0.0, 10 * NM)

    def forward(self, dispersion):
        x = _as_batch(self._in(dispersion), self.length, "dispersion")
        x = self.norms["input"].encode(x)
        if self.fold_k:
            x = fold_even(x)
        return self.head(self.features(x[:, None, :]))

    def _fit_stats(self, x, y) -> None:
        x = x[0] if isinstance(x, tuple) else x
        self.set_normalization(
            "input", *mean_std(x.reshape(len(x), -1), 0, floor_fraction=0.01)
        )
        self.set_normalization("target", *mean_std(y, 0))


def fold_even(x: torch.Tensor) -> torch.Tensor:
    """Values (B, L) on the fftshifted k grid → (B, L // 2 + 1) on ``|k|`` = 0, 1, …: f(0), then
    ½[f(k) + f(−k)], then (even L) the zone-edge value f(−π/a), which has no partner."""
    c = x.shape[-1] // 2
    n = x.shape[-1] - c - 1  # positive wavenumbers
    parts = [x[:, c : c + 1], 0.5 * (x[:, c + 1 :] + x[:, c - n : c].flip(-1))]
    if x.shape[-1] % 2 == 0:
        parts.append(x[:, :1])
    return torch.cat(parts, -1)


# ------------------------------------------------------------------------------------------
# 3. WallNet: m_z profile + width → (σ, τ)
# ------------------------------------------------------------------------------------------
class WallNet(Net):
    """Two-branch network: m_z profile (length L) and wall width [m] → (σ, τ) [m] (paper Fig. 4).

    Profile branch: 4 conv blocks 1→32 (k=7), 32→64 (k=5), 64→128 (k=5), 128→128 (k=3), each
    Conv1d → BatchNorm → ReLU, max-pooling by 2 in the first three, adaptive average pooling to
    4 positions, dense 512 → 128.  Width branch: MLP 1 → 32 → 32.  Fusion: concatenation →
    128 → 64 → 2 with ReLU and ``dropout``.

    ``window`` (cells, default None = the whole profile, as in the paper): the profile branch
    sees only the ``window`` cells centred on the wall.  The centre is found per profile as
    c = number of cells on the side of the first cell (sign of m_z − ½(m_z[0] + m_z[−1])), so
    a wall at any position and of either polarity is read the same way; the window is clamped
    to the profile.  A relaxed FePt wall (a = 0.339 nm, width ≈ 3.7 nm) is within half a float32
    ulp of ±1 about 30 cells from its centre, so a 64-cell window drops nothing a float32
    network sees, while the convolutions cost about L / window times less.

    ``forward(profile, width)`` or ``forward(x)`` with x of length L + 1 (profile, then width).
    Normalisers: ``profile`` (L,), mean 0, std 1 (m_z is a unit-vector component, already in
    [−1, 1]: :meth:`~spsll.learn.blocks.Net.fit_normalization` leaves it); ``width`` (1,), default mean 0, std 1 nm, and
    ``target`` (2,), default mean 0, std 10 nm, both fitted from the training data.  Loss choices: see :mod:`spsll.learn.train`
    (``"mse"`` on standardised targets by default, ``"paper_wall"`` = MSE(σ) + 5 MSE(τ) in nm).
    """

    def __init__(
        self,
        length: int = 500,
        dropout: float = 0.3,
        channels=(32, 64, 128, 128),
        kernels=(7, 5, 5, 3),
        pools=(2, 2, 2, 1),
        pool_size: int = 4,
        width_hidden: int = 32,
        fusion=(128, 64),
        window: int | None = None,
    ):
        super().__init__()
        length = positive_int("length", length, low=8)
        if window is not None:
            window = positive_int("window", window, low=8)
            if window > length:
                raise ValueError(
                    f"window must be between 8 and length = {length} cells, got {window}"
                )
        dropout = finite_scalar("dropout", dropout, low=0.0, high=0.95)
        pool_size = positive_int("pool_size", pool_size)
        width_hidden = positive_int("width_hidden", width_hidden)
        if len(channels) != 4:
            raise ValueError(f"channels must list 4 conv blocks, got {list(channels)}")
        self.config = dict(
            length=length,
            dropout=dropout,
            channels=list(channels),
            kernels=list(kernels),
            pools=list(pools),
            pool_size=pool_size,
            width_hidden=width_hidden,
            fusion=list(fusion),
            window=window,
        )
        self.length = length
        self.window = window
        self.profile_net = ConvTrunk([1, *channels], kernels, pools, pool_size)
        seen = length if window is None else window
        if seen < self.profile_net.min_length:
            raise ValueError(
                f"{'length' if window is None else 'window'} must be >= {self.profile_net.min_length} "
                f"for pools {list(pools)}, got {seen}"
            )
        self.profile_proj = nn.Sequential(
            nn.Linear(self.profile_net.out_features, 128),
            nn.ReLU(),
            nn.Dropout(dropout),
        )
        self.width_net = _mlp([1, width_hidden, width_hidden], final_act=True)
        self.fusion = _mlp([128 + width_hidden, *fusion, 2], dropout=dropout)
        self.norms["profile"] = Normalization((length,), 0.0, 1.0)
        self.norms["width"] = Normalization((1,), 0.0, NM)
        self.norms["target"] = Normalization((2,), 0.0, 10 * NM)

    def forward(self, profile, width=None):
        p = self._in(profile)
        if width is None:
            p = _as_batch(p, self.length + 1, "profile+width input")
            p, w = p[:, :-1], p[:, -1:]
        else:
            p = _as_batch(p, self.length, "profile")
            w = self._in(width).reshape(-1, 1)
            if w.shape[0] != p.shape[0]:
                raise ValueError(
                    f"width must have one value per profile: got {w.shape[0]} widths "
                    f"for {p.shape[0]} profiles"
                )
        if self.window is None:
            p = self.norms["profile"].encode(p)
        else:  # cut the window first, then encode it with its cells' statistics
            idx = self.window_index(p)
            norm = self.norms["profile"]
            p = (p.gather(-1, idx) - norm.mean[idx]) / norm.std[idx]
        w = self.norms["width"].encode(w)
        h = torch.cat(
            [self.profile_proj(self.profile_net(p[:, None, :])), self.width_net(w)],
            dim=-1,
        )
        return self.fusion(h)

    def _fit_stats(self, x, y) -> None:
        width = x[1] if isinstance(x, tuple) else x[:, -1]
        self.set_normalization("width", *mean_std(width.reshape(-1)))
        self.set_normalization("target", *mean_std(y, 0))

    def window_index(self, profile: torch.Tensor) -> torch.Tensor:
        """Cell indices (B, window) of the ``window`` cells of each profile (B, L) centred on its wall.

        Centre c = number of cells on the first cell's side of the midpoint ½(m_z[0] + m_z[−1]);
        the window starts at c − window/2, clamped to [0, L − window]."""
        if self.window is None:
            raise ValueError("window_index needs a WallNet built with window=<cells>")
        n = profile.shape[-1]
        mid = 0.5 * (profile[:, :1] + profile[:, -1:])
        first_side = torch.sign(profile[:, :1] - mid)
        c = ((profile - mid) * first_side > 0).sum(-1, keepdim=True)
        start = (c - self.window // 2).clamp(0, n - self.window)
        return start + torch.arange(self.window, device=profile.device)

    def unsaturated_outside(self, profile: torch.Tensor) -> tuple:
        """``(n_not_saturated, n_outside)``: how many values of ``profile`` (B, L) outside
        each profile's window (:meth:`window_index`) differ from ±1, out of how many lie
        outside.  The compact WallNet ignores those cells; the count says what it loses."""
        outside = torch.ones_like(profile, dtype=torch.bool)
        outside.scatter_(1, self.window_index(profile), False)
        return int((profile[outside].abs() != 1).sum()), int(outside.sum())


def n_parameters(model: nn.Module) -> int:
    """Number of trainable and frozen parameters (weights and biases) of ``model``."""
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------------------------
MODELS = {"InverseCNN": InverseCNN, "TFCDispersion": TFCDispersion, "WallNet": WallNet}


def build_model(name: str, config: dict | None = None) -> Net:
    """Rebuild a model from its class name and ``model.config`` (as stored in checkpoints).

    ``TFCDispersion`` configs carry gap, a and the ideal amplitude explicitly, so the material
    is not needed.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; available: {sorted(MODELS)}")
    return MODELS[name](**dict(config or {}))
