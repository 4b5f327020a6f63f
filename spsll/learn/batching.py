"""Batches on their way to a model: device and dtype, the call convention, dataset checks."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

__all__ = ["to_device", "call", "encode", "check_data"]


def to_device(x, device, dtype=None):
    if isinstance(x, (tuple, list)):
        return type(x)(to_device(v, device, dtype) for v in x)
    x = torch.as_tensor(x)
    if dtype is not None and x.is_floating_point():
        x = x.to(dtype)
    return x.to(device)


def call(model, x):
    return model(*x) if isinstance(x, (tuple, list)) else model(x)


def encode(model, y):
    return model.encode_target(y) if hasattr(model, "encode_target") else y


def check_data(name, data, required=True):
    if data is None:
        if required:
            raise ValueError(f"{name} must be a torch Dataset or DataLoader, got None")
        return None
    if not isinstance(data, (Dataset, DataLoader)):
        raise TypeError(
            f"{name} must be a torch Dataset or DataLoader yielding (input, target), "
            f"got {type(data).__name__}"
        )
    try:
        n = len(data.dataset if isinstance(data, DataLoader) else data)
    except TypeError:
        raise TypeError(f"{name} must be a map-style dataset with a length") from None
    if n == 0:
        raise ValueError(f"{name} is empty")
    return data
