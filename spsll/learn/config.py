"""One training configuration per network; its defaults are the book's (``ci`` profile) recipe.

The same dataclass drives the command line (``spsll train KIND``: every option defaults to a
field), :func:`spsll.learn.ensemble.train_ensemble` and the chapters 04–06, so the three give
the same numbers for the same store and seed:

==========  ===========  ======  =====  ======  ========  ===========  ================
kind        model        epochs  batch  lr      patience  lr patience  split (tr/va/te)
==========  ===========  ======  =====  ======  ========  ===========  ================
inverse     InverseCNN   40      8      3e-4    none      10           0.6 / 0.2 / 0.2
tfc         TFCDisp.     400     32     3e-3    50        10           0.6 / 0.2 / 0.2
walls       WallNet      10      128    1e-3    none      4            0.8 / 0.1 / 0.1
==========  ===========  ======  =====  ======  ========  ===========  ================

The inverse CNN trains without dropout in this recipe (30 % in the paper): with ~150 training
curves dropout delays the end of its loss plateau beyond the epochs the ``ci`` book affords
(chapter 4); the ``paper`` profile of ``book/build.py`` passes the paper's values instead.
``patience=None`` trains every epoch; the best validation epoch's weights are restored either way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._validate import finite_scalar, non_negative_int, positive_int
from .losses import LOSSES

__all__ = [
    "TrainConfig",
    "InverseConfig",
    "TFCConfig",
    "WallConfig",
    "CONFIGS",
    "config_for",
]

#: settings a resumed run may change (a new total of epochs); any other difference is refused
RESUMABLE = ("epochs",)


@dataclass(frozen=True)
class TrainConfig:
    """Settings shared by every network: optimiser, schedule, early stopping, loss, data split.

    epochs: total epochs (a resumed run counts those done); batch_size, lr [1], weight_decay:
    Adam; patience: early-stopping patience in epochs (None: train every epoch); lr_patience,
    lr_factor: ReduceLROnPlateau; loss: one of :data:`spsll.learn.losses.LOSSES`; fractions:
    (train, validation, test) of the store; split_seed: seed of that split.
    """

    epochs: int = 100
    batch_size: int = 64
    lr: float = 1e-3
    patience: int | None = 20
    lr_patience: int = 5
    lr_factor: float = 0.5
    weight_decay: float = 0.0
    loss: str = "mse"
    fractions: tuple = (0.8, 0.1, 0.1)
    split_seed: int = 0

    kind: ClassVar[str] = ""
    model_name: ClassVar[str] = ""
    dataset: ClassVar[str] = ""

    def __post_init__(self):
        positive_int("epochs", self.epochs)
        positive_int("batch_size", self.batch_size)
        finite_scalar("lr", self.lr, low=0, low_open=True)
        finite_scalar("weight_decay", self.weight_decay, low=0)
        if self.patience is not None:
            positive_int("patience", self.patience)
        non_negative_int("lr_patience", self.lr_patience)
        if not 0 < finite_scalar("lr_factor", self.lr_factor) < 1:
            raise ValueError(f"lr_factor must be in (0, 1), got {self.lr_factor!r}")
        if self.loss not in self.losses():
            raise ValueError(
                f"loss must be one of {self.losses()} for {self.kind or 'this model'}, "
                f"got {self.loss!r}"
            )
        fr = np.asarray(self.fractions, dtype=float)
        if fr.shape != (3,) or np.any(fr < 0) or not np.isclose(fr.sum(), 1.0):
            raise ValueError(
                f"fractions must be three numbers >= 0 (train, val, test) summing to 1, "
                f"got {list(self.fractions)}"
            )
        object.__setattr__(self, "fractions", tuple(float(f) for f in self.fractions))
        non_negative_int("split_seed", self.split_seed)

    @classmethod
    def losses(cls) -> tuple:
        return LOSSES

    def trainer_kwargs(self) -> dict:
        """Keyword arguments of :class:`spsll.learn.trainer.Trainer`."""
        keys = (
            "epochs",
            "batch_size",
            "lr",
            "weight_decay",
            "patience",
            "lr_patience",
            "lr_factor",
            "loss",
        )
        return {k: getattr(self, k) for k in keys}

    def dataset_kwargs(self) -> dict:
        """Keyword arguments of :func:`spsll.data.datasets.load_splits` besides the path."""
        return {"fractions": self.fractions, "split_seed": self.split_seed}

    def load_splits(self, path, **kw) -> dict:
        """{"train", "val", "test"} datasets of this network's direction over the store ``path``."""
        from ..data import datasets

        return datasets.load_splits(
            getattr(datasets, self.dataset), path, **self.dataset_kwargs(), **kw
        )

    def model_kwargs(self, train_data) -> dict:
        raise NotImplementedError

    def build_model(self, train_data, fit: bool = True):
        """A fresh model sized to ``train_data`` (a dataset of :mod:`spsll.data.datasets`), its
        normalisation fitted on that data unless ``fit=False``."""
        from .nets import build_model

        model = build_model(self.model_name, self.model_kwargs(train_data))
        if fit:
            model.fit_normalization(train_data)
        return model

    def to_dict(self) -> dict:
        """Plain values (lists for tuples), with ``kind``: stored in checkpoints."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {
            "kind": self.kind,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in d.items()},
        }

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def differences(self, stored: dict, ignore=RESUMABLE) -> list:
        """``["lr: 0.001 (checkpoint) != 0.003 (now)", ...]`` against a stored :meth:`to_dict`."""
        now = self.to_dict()
        out = []
        for k in sorted(set(now) | set(stored)):
            if k in ignore:
                continue
            a, b = stored.get(k, "<absent>"), now.get(k, "<absent>")
            if _plain(a) != _plain(b):
                out.append(f"{k}: {a!r} (checkpoint) != {b!r} (now)")
        return out


def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _channels(value, n=4):
    ch = tuple(value)
    if len(ch) != n or not all(isinstance(c, (int, np.integer)) and c >= 1 for c in ch):
        raise ValueError(
            f"channels must be {n} positive integers (one per conv block), got {list(ch)}"
        )
    return tuple(int(c) for c in ch)


@dataclass(frozen=True)
class InverseConfig(TrainConfig):
    """InverseCNN, dispersion → (σ, τ): chapter 4's recipe.  dropout (the paper: 0.3),
    channels of the 4 conv blocks, fold_k (fold the even dispersion onto abs(k))."""

    epochs: int = 40
    batch_size: int = 8
    lr: float = 3e-4
    patience: int | None = None
    lr_patience: int = 10
    fractions: tuple = (0.6, 0.2, 0.2)
    dropout: float = 0.0
    channels: tuple = (64, 128, 256, 128)
    fold_k: bool = False

    kind: ClassVar[str] = "inverse"
    model_name: ClassVar[str] = "InverseCNN"
    dataset: ClassVar[str] = "DispersionToDefects"

    def __post_init__(self):
        super().__post_init__()
        finite_scalar("dropout", self.dropout, low=0.0, high=0.95)
        object.__setattr__(self, "channels", _channels(self.channels))

    def model_kwargs(self, train_data) -> dict:
        return dict(
            length=len(train_data.k),
            dropout=self.dropout,
            channels=self.channels,
            fold_k=bool(self.fold_k),
        )


@dataclass(frozen=True)
class TFCConfig(TrainConfig):
    """TFCDispersion, (σ, τ) → dispersion: chapter 5's recipe.  form ("harmonic" or the paper's
    "paper"), n_harmonics (N of the harmonic form)."""

    epochs: int = 400
    batch_size: int = 32
    lr: float = 3e-3
    patience: int | None = 50
    lr_patience: int = 10
    fractions: tuple = (0.6, 0.2, 0.2)
    form: str = "harmonic"
    n_harmonics: int = 6

    kind: ClassVar[str] = "tfc"
    model_name: ClassVar[str] = "TFCDispersion"
    dataset: ClassVar[str] = "DefectsToDispersion"

    def __post_init__(self):
        super().__post_init__()
        if self.form not in ("harmonic", "paper"):
            raise ValueError(f"form must be 'harmonic' or 'paper', got {self.form!r}")
        positive_int("n_harmonics", self.n_harmonics)

    @classmethod
    def losses(cls) -> tuple:
        return ("mse", "mae")

    def build_model(self, train_data, fit: bool = True):
        from ..physics.material import Material
        from .tfc import TFCDispersion

        model = TFCDispersion(
            material=Material(**train_data.info["material"]),
            form=self.form,
            k=np.asarray(train_data.k, float),
            n_harmonics=self.n_harmonics,
        )
        if fit:
            model.fit_normalization(train_data)
        return model


@dataclass(frozen=True)
class WallConfig(TrainConfig):
    """WallNet, m_z profile + width → (σ, τ): chapter 6's recipe.  dropout, channels of the
    profile branch, window (cells around the wall the profile branch sees; None: all), width
    (the width estimate fed: "cosine", paper Eq. 10, or "tanh")."""

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    patience: int | None = None
    lr_patience: int = 4
    fractions: tuple = (0.8, 0.1, 0.1)
    dropout: float = 0.3
    channels: tuple = (32, 64, 128, 128)
    window: int | None = None
    width: str = "cosine"

    kind: ClassVar[str] = "walls"
    model_name: ClassVar[str] = "WallNet"
    dataset: ClassVar[str] = "WallToDefects"

    def __post_init__(self):
        super().__post_init__()
        finite_scalar("dropout", self.dropout, low=0.0, high=0.95)
        object.__setattr__(self, "channels", _channels(self.channels))
        if self.window is not None:
            positive_int("window", self.window, low=8)
        if self.width not in ("cosine", "tanh"):
            raise ValueError(f"width must be 'cosine' or 'tanh', got {self.width!r}")

    def dataset_kwargs(self) -> dict:
        return {**super().dataset_kwargs(), "width": self.width}

    def model_kwargs(self, train_data) -> dict:
        return dict(
            length=int(train_data.profile.shape[-1]),
            dropout=self.dropout,
            channels=self.channels,
            window=self.window,
        )


CONFIGS = {c.kind: c for c in (InverseConfig, TFCConfig, WallConfig)}


def config_for(stored: dict) -> TrainConfig:
    """The configuration saved by :meth:`TrainConfig.to_dict` (e.g. from a checkpoint)."""
    d = dict(stored)
    kind = d.pop("kind", None)
    if kind not in CONFIGS:
        raise ValueError(f"unknown network kind {kind!r}; known: {sorted(CONFIGS)}")
    names = {f.name for f in dataclasses.fields(CONFIGS[kind])}
    return CONFIGS[kind](
        **{
            k: tuple(v) if isinstance(v, list) else v
            for k, v in d.items()
            if k in names
        }
    )
