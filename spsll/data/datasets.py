"""PyTorch datasets over the HDF5 stores of :mod:`spsll.data.generate` (read with h5py only, never pickle).

Three directions, as the paper's networks need them:

* :class:`DispersionToDefects` — input the 1-D dispersion (peak frequency per k), target (σ, τ)
  (the CNN of "Prediction of dispersion relations").
* :class:`WallToDefects` — input the relaxed m_z profile and the wall width, target (σ, τ)
  (the dual-branch CNN of Fig. 4).
* :class:`DefectsToDispersion` — input (σ, τ), target the 1-D dispersion (the TFC network).

Splits: the store's sample indices 0 … n−1 are permuted with ``split_seed`` and cut into
train/val/test by ``fractions`` (default 80/10/10): fixed by (n, split_seed, fractions) alone,
whatever else happens.  Samples of incomplete chunks and samples with non-finite values are then
left out (``n_dropped`` counts the latter).

Normalisation (:class:`Normalization`): every statistic is computed on the *training* split
only — each split computes the same numbers, so train, val and test datasets agree — or taken
from a saved ``normalization`` (e.g. from a checkpoint: ``Normalization.from_state_dict``).
``state_dict()`` holds only str, float and lists, so it can go into a checkpoint loaded with
``torch.load(weights_only=True)``.

* (σ, τ) targets or inputs: ``target="nm"`` uses (σ/nm, τ/nm); ``target="log"`` uses
  (ln(σ/nm), ln(1 + τ/nm)) (τ may be 0); then standardised (zero mean, unit variance on train).
  :meth:`~_StoreDataset.defects_to_si` inverts both steps and returns metres.
* dispersion as input: standardised per k; the standard deviation is floored at 1 % of its mean
  over k so that nearly constant features (the k = 0 gap) do not blow up.
* dispersion as target: THz, not standardised unless ``standardize_dispersion=True``.
* m_z profile: left as is (a unit-vector component, already in [−1, 1]); width: nm, standardised.
"""
from __future__ import annotations

import abc
import json
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.utils.data import Dataset

from .store import StoreError, read_store
from ..units import NM, THZ

SPLITS = ("train", "val", "test")
TARGETS = ("nm", "log")


def split_indices(n: int, split_seed: int = 0, fractions=(0.8, 0.1, 0.1)) -> dict:
    """Sorted sample indices of each split {"train", "val", "test"} of n samples (fixed by the seed)."""
    fr = np.asarray(fractions, dtype=float)
    if fr.shape != (3,) or np.any(fr < 0) or not np.isclose(fr.sum(), 1.0):
        raise ValueError(f"fractions must be three numbers >= 0 (train, val, test) summing to 1, got {fractions!r}")
    perm = np.random.default_rng(split_seed).permutation(int(n))
    n_train = int(round(fr[0] * n))
    n_val = int(round(fr[1] * n))
    parts = (perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:])
    return {name: np.sort(p) for name, p in zip(SPLITS, parts)}


@dataclass(frozen=True)
class Standardizer:
    """y = (x − mean) / std, per feature (arrays broadcast against the last axes of x)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x, floor_fraction=0.0):
        x = np.asarray(x, dtype=np.float64)
        mean, std = x.mean(axis=0), x.std(axis=0)
        floor = floor_fraction * float(np.mean(std)) if floor_fraction else 0.0
        std = np.maximum(std, floor)
        std = np.where(std > 0, std, 1.0)
        return cls(mean=np.asarray(mean), std=np.asarray(std))

    def apply(self, x):
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.std

    def invert(self, y):
        return np.asarray(y, dtype=np.float64) * self.std + self.mean

    def state_dict(self) -> dict:
        return {"mean": np.atleast_1d(self.mean).tolist(), "std": np.atleast_1d(self.std).tolist(),
                "shape": list(np.shape(self.mean))}

    @classmethod
    def from_state_dict(cls, d):
        shape = tuple(d["shape"])
        return cls(mean=np.asarray(d["mean"], float).reshape(shape), std=np.asarray(d["std"], float).reshape(shape))


def defects_features(sigma, tau, target: str) -> np.ndarray:
    """(B, 2) features of (σ, τ) [m]: (σ/nm, τ/nm) for "nm", (ln σ/nm, ln(1 + τ/nm)) for "log"."""
    s, t = np.asarray(sigma, float) / NM, np.asarray(tau, float) / NM
    if target == "nm":
        return np.stack([s, t], axis=-1)
    return np.stack([np.log(s), np.log1p(t)], axis=-1)


def defects_from_features(y, target: str):
    """Inverse of :func:`defects_features`: (σ, τ) in metres."""
    y = np.asarray(y, dtype=np.float64)
    if target == "nm":
        return y[..., 0] * NM, y[..., 1] * NM
    return np.exp(y[..., 0]) * NM, np.expm1(y[..., 1]) * NM


@dataclass
class Normalization:
    """Statistics of the training split: ``target`` ("nm" or "log") and one Standardizer per field."""

    target: str
    fields: dict = field(default_factory=dict)

    def state_dict(self) -> dict:
        return {"target": self.target, "fields": {k: v.state_dict() for k, v in self.fields.items()}}

    @classmethod
    def from_state_dict(cls, d):
        return cls(target=d["target"], fields={k: Standardizer.from_state_dict(v) for k, v in d["fields"].items()})

    def __getitem__(self, name) -> Standardizer:
        return self.fields[name]


class _StoreDataset(Dataset, abc.ABC):
    """Loads the needed arrays of one split of a store into memory (float32 tensors)."""

    kind = None

    def __init__(self, path, split="train", *, target="nm", split_seed=0, fractions=(0.8, 0.1, 0.1),
                 normalization=None, allow_incomplete=False):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
        data, info = read_store(path, names=self._names())
        if info["kind"] != self.kind:
            raise StoreError(f"{path} holds {info['kind']}, {type(self).__name__} needs a {self.kind} store")
        n = int(info["n"])
        if info["n_done"] < n and not allow_incomplete:
            raise StoreError(f"{path} is incomplete ({info['n_done']} of {n} samples done); finish it by rerunning "
                             f"the same generate command, or pass allow_incomplete=True")
        self.path, self.split, self.target, self.info = str(path), split, target, info
        # Rows of `data` are the done samples, in index order; map split indices onto them.
        pos = np.full(n, -1)
        pos[data["index"]] = np.arange(data["index"].size)
        ok = self._finite(data)
        rows, dropped = {}, {}
        for name, idx in split_indices(n, split_seed, fractions).items():
            r = pos[idx]
            r = r[r >= 0]  # done samples of this split
            dropped[name] = int(np.sum(~ok[r]))
            rows[name] = r[ok[r]]
        self.n_dropped = dropped[split]
        if normalization is None:
            if rows["train"].size < 2:
                raise StoreError(f"{path}: the training split has {rows['train'].size} usable samples; need >= 2 "
                                 f"to compute the normalisation")
            normalization = self._fit(data, rows["train"])
        elif isinstance(normalization, dict):
            normalization = Normalization.from_state_dict(normalization)
        if normalization.target != target:
            raise ValueError(f"normalization was computed with target={normalization.target!r}, this dataset "
                             f"uses target={target!r}")
        self.normalization = normalization
        r = rows[split]
        self.index = data["index"][r]
        self.sigma, self.tau = data["sigma"][r], data["tau"][r]
        self._load(data, r)

    # -- provided by each direction
    @abc.abstractmethod
    def _names(self) -> list:
        """Per-sample datasets of the store this dataset reads (besides sigma and tau)."""

    @abc.abstractmethod
    def _finite(self, data) -> np.ndarray:
        """Per done sample: all values this dataset uses are finite."""

    @abc.abstractmethod
    def _fit(self, data, rows) -> Normalization:
        """Statistics of the training rows."""

    @abc.abstractmethod
    def _load(self, data, rows):
        """Keep the tensors of this split's rows."""

    # -- shared helpers
    def _defects(self, data, rows):
        return defects_features(data["sigma"][rows], data["tau"][rows], self.target)

    def defects_to_si(self, y):
        """Network outputs for (σ, τ) (normalised features) → (sigma, tau) in metres."""
        if isinstance(y, torch.Tensor):
            y = y.detach().cpu().numpy()
        return defects_from_features(self.normalization["defects"].invert(y), self.target)

    def __len__(self):
        return int(self.index.size)


def _t(x):
    return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32)


class _DispersionStore(_StoreDataset):
    """Datasets over a "dispersions" store: finiteness and statistics of the 1-D dispersion [THz] and (σ, τ)."""

    kind = "dispersions"

    def _names(self):
        return ["peak_frequency"]

    def _finite(self, data):
        return np.isfinite(data["peak_frequency"]).all(axis=1)

    def _fit(self, data, rows):
        return Normalization(self.target, {
            "dispersion": Standardizer.fit(data["peak_frequency"][rows] / THZ, floor_fraction=0.01),
            "defects": Standardizer.fit(self._defects(data, rows))})


class DispersionToDefects(_DispersionStore):
    """Items ``(x, y)``: x (1, N) standardised 1-D dispersion (a channel for Conv1d), y (2,) normalised (σ, τ).

    Store kind "dispersions".  ``k`` [rad/m] is the wavenumber axis of x."""

    def _load(self, data, rows):
        self.k = data["k"]
        self.x = _t(self.normalization["dispersion"].apply(data["peak_frequency"][rows] / THZ))[:, None, :]
        self.y = _t(self.normalization["defects"].apply(self._defects(data, rows)))

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class DefectsToDispersion(_DispersionStore):
    """Items ``(x, y)``: x (2,) normalised (σ, τ), y (N,) 1-D dispersion in THz (standardised per k
    with ``standardize_dispersion=True``).  :meth:`dispersion_to_si` returns Hz.  Store kind "dispersions"."""

    def __init__(self, path, split="train", *, standardize_dispersion=False, **kw):
        self.standardize_dispersion = bool(standardize_dispersion)
        super().__init__(path, split, **kw)

    def _load(self, data, rows):
        self.k = data["k"]
        f = data["peak_frequency"][rows] / THZ
        self.y = _t(self.normalization["dispersion"].apply(f) if self.standardize_dispersion else f)
        self.x = _t(self.normalization["defects"].apply(self._defects(data, rows)))

    def dispersion_to_si(self, y):
        """Network outputs for the dispersion → frequencies in Hz."""
        if isinstance(y, torch.Tensor):
            y = y.detach().cpu().numpy()
        y = self.normalization["dispersion"].invert(y) if self.standardize_dispersion else np.asarray(y, float)
        return y * THZ

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class WallToDefects(_StoreDataset):
    """Items ``((profile, width), y)``: profile (1, N) relaxed m_z, width (1,) standardised wall width
    (``width="cosine"``, paper Eq. 10, or ``"tanh"``), y (2,) normalised (σ, τ).  Store kind "walls"."""

    kind = "walls"

    def _names(self):
        return ["m", self.width_name]

    def __init__(self, path, split="train", *, width="cosine", **kw):
        if width not in ("cosine", "tanh"):
            raise ValueError(f"width must be 'cosine' or 'tanh', got {width!r}")
        self.width_name = "width" if width == "cosine" else "width_tanh"
        super().__init__(path, split, **kw)

    def _finite(self, data):
        return np.isfinite(data[self.width_name]) & np.isfinite(data["m"]).all(axis=(1, 2))

    def _fit(self, data, rows):
        return Normalization(self.target, {
            "width": Standardizer.fit(data[self.width_name][rows, None] / NM),
            "defects": Standardizer.fit(self._defects(data, rows))})

    def _load(self, data, rows):
        self.x_axis = data["x"]
        self.profile = _t(data["m"][rows, 2])[:, None, :]
        self.width = _t(self.normalization["width"].apply(data[self.width_name][rows, None] / NM))
        self.y = _t(self.normalization["defects"].apply(self._defects(data, rows)))

    def __getitem__(self, i):
        return (self.profile[i], self.width[i]), self.y[i]


def load_splits(cls, path, **kw) -> dict:
    """{"train", "val", "test"} datasets of class ``cls`` over one store, sharing the training normalisation."""
    train = cls(path, "train", **kw)
    kw["normalization"] = train.normalization
    return {"train": train, "val": cls(path, "val", **kw), "test": cls(path, "test", **kw)}


def normalization_json(ds) -> str:
    """The dataset's normalisation as a JSON string (e.g. to print or to store beside a model)."""
    return json.dumps(ds.normalization.state_dict())
