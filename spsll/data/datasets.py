"""PyTorch datasets over the HDF5 stores of :mod:`spsll.data.generate` (read with h5py only, never pickle).

Three directions, as the paper's networks need them; every item is in **SI units** (float32
tensors), and normalisation is the model's job (``model.fit_normalization(train_split)``):

* :class:`DispersionToDefects` — x: the 1-D dispersion, peak frequency per k [Hz], shape (N,);
  y: (σ, τ) [m] (the CNN of "Prediction of dispersion relations").
* :class:`DefectsToDispersion` — x: (σ, τ) [m]; y: the 1-D dispersion [Hz] (the TFC network).
* :class:`WallToDefects` — x: (m_z profile, shape (N,), wall width [m], shape ()); y: (σ, τ) [m]
  (the dual-branch CNN of Fig. 4).

Besides the tensors each split keeps float64 numpy copies for analysis: ``sigma``, ``tau``,
``targets`` ((σ, τ), shape (B, 2)), ``peak_frequency`` or ``mz`` and ``width``, the store's
``index`` of each sample, its ``info`` and ``fingerprint`` (:func:`store_fingerprint`).

Splits: the store's sample indices 0 … n−1 are permuted with ``split_seed`` and cut into
train/val/test by ``fractions``: fixed by (n, split_seed, fractions) alone, whatever else
happens.  Samples of incomplete chunks and samples with non-finite values are then left out
(``n_dropped`` counts the latter).
"""

from __future__ import annotations

import abc
import hashlib
import json

import numpy as np
import torch
from torch.utils.data import Dataset

from .store import StoreError, read_store

__all__ = [
    "SPLITS",
    "split_indices",
    "store_fingerprint",
    "DispersionToDefects",
    "DefectsToDispersion",
    "WallToDefects",
    "load_splits",
    "StoreError",
]

SPLITS = ("train", "val", "test")


def split_indices(n: int, split_seed: int = 0, fractions=(0.8, 0.1, 0.1)) -> dict:
    """Sorted sample indices of each split {"train", "val", "test"} of n samples (fixed by the seed)."""
    fr = np.asarray(fractions, dtype=float)
    if fr.shape != (3,) or np.any(fr < 0) or not np.isclose(fr.sum(), 1.0):
        raise ValueError(
            f"fractions must be three numbers >= 0 (train, val, test) summing to 1, got {fractions!r}"
        )
    perm = np.random.default_rng(split_seed).permutation(int(n))
    n_train = int(round(fr[0] * n))
    n_val = int(round(fr[1] * n))
    parts = (perm[:n_train], perm[n_train : n_train + n_val], perm[n_train + n_val :])
    return {name: np.sort(p) for name, p in zip(SPLITS, parts)}


def store_fingerprint(info: dict) -> str:
    """SHA-256 (16 hex digits) of a store's kind and settings (plan, solver, material): two stores
    with the same fingerprint hold the same samples.  ``info`` as returned by ``read_store``.
    """
    settings = info.get("settings", {})
    text = json.dumps(
        {"kind": info.get("kind"), "settings": settings}, sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _t(x):
    return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32)


class _StoreDataset(Dataset, abc.ABC):
    """Loads the needed arrays of one split of a store into memory."""

    kind = None

    def __init__(
        self,
        path,
        split="train",
        *,
        split_seed=0,
        fractions=(0.8, 0.1, 0.1),
        allow_incomplete=False,
    ):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        data, info = read_store(path, names=self._names())
        if info["kind"] != self.kind:
            raise StoreError(
                f"{path} holds {info['kind']}, {type(self).__name__} needs a {self.kind} store"
            )
        n = int(info["n"])
        if info["n_done"] < n and not allow_incomplete:
            raise StoreError(
                f"{path} is incomplete ({info['n_done']} of {n} samples done); finish it by rerunning "
                f"the same generate command, or pass allow_incomplete=True"
            )
        self.path, self.split, self.info = str(path), split, info
        self.fingerprint = store_fingerprint(info)
        # Rows of `data` are the done samples, in index order; map split indices onto them.
        pos = np.full(n, -1)
        pos[data["index"]] = np.arange(data["index"].size)
        ok = self._finite(data)
        r = pos[split_indices(n, split_seed, fractions)[split]]
        r = r[r >= 0]  # done samples of this split
        self.n_dropped = int(np.sum(~ok[r]))
        r = r[ok[r]]
        self.index = data["index"][r]
        self.sigma = np.asarray(data["sigma"][r], float)
        self.tau = np.asarray(data["tau"][r], float)
        self.targets = np.stack([self.sigma, self.tau], -1)
        self._load(data, r)

    @abc.abstractmethod
    def _names(self) -> list:
        """Per-sample datasets of the store this dataset reads (besides sigma and tau)."""

    @abc.abstractmethod
    def _finite(self, data) -> np.ndarray:
        """Per done sample: all values this dataset uses are finite."""

    @abc.abstractmethod
    def _load(self, data, rows):
        """Keep the arrays and tensors of this split's rows."""

    def __len__(self):
        return int(self.index.size)


class _DispersionStore(_StoreDataset):
    kind = "dispersions"

    def _names(self):
        return ["peak_frequency"]

    def _finite(self, data):
        return np.isfinite(data["peak_frequency"]).all(axis=1)

    def _load(self, data, rows):
        self.k = np.asarray(data["k"], float)
        self.peak_frequency = np.asarray(data["peak_frequency"][rows], float)
        self._f = _t(self.peak_frequency)
        self._st = _t(self.targets)


class DispersionToDefects(_DispersionStore):
    """Items ``(f, (σ, τ))``: the dispersion [Hz] (N,) on the wavenumbers ``k`` [rad/m], and (σ, τ) [m].
    Store kind "dispersions"."""

    def __getitem__(self, i):
        return self._f[i], self._st[i]


class DefectsToDispersion(_DispersionStore):
    """Items ``((σ, τ), f)``: (σ, τ) [m] and the dispersion [Hz] (N,).  Store kind "dispersions"."""

    def __getitem__(self, i):
        return self._st[i], self._f[i]


class WallToDefects(_StoreDataset):
    """Items ``((m_z, width), (σ, τ))``: the relaxed m_z profile (N,) on the cell centres ``x``
    [m], the wall width [m] (``width="cosine"``, paper Eq. 10, or ``"tanh"``) and (σ, τ) [m].
    Store kind "walls"."""

    kind = "walls"

    def __init__(self, path, split="train", *, width="cosine", **kw):
        if width not in ("cosine", "tanh"):
            raise ValueError(f"width must be 'cosine' or 'tanh', got {width!r}")
        self.width_name = "width" if width == "cosine" else "width_tanh"
        super().__init__(path, split, **kw)

    def _names(self):
        return ["m", self.width_name]

    def _finite(self, data):
        return np.isfinite(data[self.width_name]) & np.isfinite(data["m"]).all(
            axis=(1, 2)
        )

    def _load(self, data, rows):
        self.x = np.asarray(data["x"], float)
        self.mz = np.asarray(data["m"][rows, 2], float)
        self.width = np.asarray(data[self.width_name][rows], float)
        self.profile = _t(self.mz)
        self._w = _t(self.width)
        self._st = _t(self.targets)

    def __getitem__(self, i):
        return (self.profile[i], self._w[i]), self._st[i]


def load_splits(cls, path, **kw) -> dict:
    """{"train", "val", "test"} datasets of class ``cls`` over one store (keywords: ``split_seed``,
    ``fractions``, ``allow_incomplete`` and the class's own, e.g. ``width``)."""
    return {split: cls(path, split, **kw) for split in SPLITS}
