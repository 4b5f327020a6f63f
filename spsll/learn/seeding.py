"""Seeds and the RNG states a checkpoint saves: torch (CPU/CUDA), numpy, python and the loaders'."""

from __future__ import annotations

import random

import numpy as np
import torch

from .._validate import non_negative_int

__all__ = ["seed_everything", "rng_state", "set_rng_state"]


def seed_everything(seed: int) -> None:
    """Seed python ``random``, numpy's global RNG and torch (CPU and CUDA)."""
    seed = non_negative_int("seed", seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state(loader_gens: dict) -> dict:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, pystate, gauss_next = random.getstate()
    out = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "python": {
            "version": int(version),
            "state": torch.tensor(pystate, dtype=torch.int64),
            "gauss_next": gauss_next,
        },
        "loaders": {k: g.get_state() for k, g in loader_gens.items() if g is not None},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        out["cuda"] = torch.cuda.get_rng_state_all()
    return out


def set_rng_state(state: dict, loader_gens: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(
        (
            n["kind"],
            n["keys"].numpy().astype(np.uint32),
            n["pos"],
            n["has_gauss"],
            n["cached_gaussian"],
        )
    )
    p = state["python"]
    random.setstate(
        (p["version"], tuple(int(v) for v in p["state"].tolist()), p["gauss_next"])
    )
    for k, g in loader_gens.items():
        if g is not None and k in state.get("loaders", {}):
            g.set_state(state["loaders"][k])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
