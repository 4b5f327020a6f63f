"""Shared set-up of a batched SPS-LL run: validated options, envelope, field, dtype and device."""
from __future__ import annotations

import copy

import numpy as np
import torch

from . import rtn
from .._validate import defect_params, finite_scalar, positive_int
from .fields import build_field
from .material import Material

DTYPES = {"float64": torch.float64, "float32": torch.float32}


def resolve_dtype(dtype) -> torch.dtype:
    if isinstance(dtype, torch.dtype):
        if dtype not in DTYPES.values():
            raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype}")
        return dtype
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")
    return DTYPES[dtype]


#: Device types spsll runs on ("cuda" also stands for ROCm builds of torch).
DEVICE_TYPES = ("cpu", "cuda", "mps")
_DEVICES_TEXT = "'cpu', 'cuda', 'cuda:N' or 'mps'"


def resolve_device(device, *, check_available=True) -> torch.device:
    """The one device resolver of spsll: ``device`` (None, a string or a torch.device) as a torch.device.

    None is the CPU.  Allowed: 'cpu', 'cuda', 'cuda:N', 'mps'; anything else is a ValueError naming
    ``device`` and the allowed values.  ``check_available``: also refuse a device this machine does
    not have (off for devices that only Dask workers must have)."""
    if device is None:
        return torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a string such as {_DEVICES_TEXT}, got {type(device).__name__} {device!r}")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must be one of {_DEVICES_TEXT}, got {device!r}") from None
    if dev.type not in DEVICE_TYPES:
        raise ValueError(f"device must be one of {_DEVICES_TEXT}, got {device!r}")
    if not check_available:
        return dev
    if dev.type == "cuda":
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0:
            raise ValueError(f"device={device!r}: torch.cuda.is_available() is False on this machine; use 'cpu'")
        if dev.index is not None and dev.index >= n:
            raise ValueError(f"device={device!r}: this machine has {n} CUDA device(s), cuda:0 ... cuda:{n - 1}")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r}: torch.backends.mps.is_available() is False on this machine")
    return dev


def check_material(material) -> Material:
    if not isinstance(material, Material):
        raise TypeError(f"material must be a spsll.Material, got {type(material).__name__}")
    return material


def setup(material, sigma, tau, n_cells, *, period=None, offset=0.0, scheme="parseval", H_ext=None,
          exchange="stencil", dtype="float64", device=None):
    """Validate inputs and build (sigma[B], tau[B], batched, envelope[B,N], field, dtype, device).

    The defect envelope is computed for a chain of ``period`` cells (default ``n_cells``) with its
    peak at cell ``offset`` (fractional allowed) and tiled periodically over the ``n_cells`` of the
    simulated domain (``n_cells`` must be a multiple of ``period``).
    """
    material = check_material(material)
    s, t, batched = defect_params(sigma, tau)
    n = positive_int("n_cells", n_cells, low=8)
    period = n if period is None else positive_int("period", period, low=8)
    if n % period:
        raise ValueError(f"n_cells={n} must be a multiple of the envelope period {period}")
    if scheme not in rtn.SCHEMES:
        raise ValueError(f"scheme must be one of {rtn.SCHEMES}, got {scheme!r}")
    dt = resolve_dtype(dtype)
    dev = resolve_device(device)
    env = np.tile(rtn.envelope(period, material.a, s, t, scheme, offset), (1, n // period))
    field = build_field(material, n, env, H_ext=H_ext, method=exchange, dtype=dt, device=dev)
    return s, t, batched, env, field, dt, dev


def check_alpha(alpha, low_open=False):
    return finite_scalar("alpha", alpha, low=0.0, high=10.0, low_open=low_open)


def subfield(field, lo, hi):
    """The effective field restricted to samples lo:hi of the batch (shares the tensors)."""
    ex = field.exchange
    if ex.s is None:
        return field
    sub = copy.copy(field)
    sub.exchange = copy.copy(ex)
    sub.exchange.s = ex.s[lo:hi]
    return sub
