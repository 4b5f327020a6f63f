"""Shared set-up of a batched SPS-LL run: validated options, envelope, field, dtype and device."""
from __future__ import annotations

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
_DEVICE_ERROR = f"device must be a torch device: one of {_DEVICES_TEXT}"


def resolve_device(device, *, check_available=True) -> torch.device:
    """The one device resolver of spsll: ``device`` (None, a string or a torch.device) as a torch.device.

    None is the CPU.  Allowed: 'cpu', 'cuda', 'cuda:N', 'mps'; anything else is a ValueError naming
    ``device`` and the allowed values.  ``check_available``: also refuse a device this machine does
    not have (off for devices that only Dask workers must have)."""
    if device is None:
        return torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{_DEVICE_ERROR} (a string), got {type(device).__name__} {device!r}")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ValueError(f"{_DEVICE_ERROR}, got {device!r}") from None
    if dev.type not in DEVICE_TYPES:
        raise ValueError(f"{_DEVICE_ERROR}, got {device!r}")
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
          exchange="stencil", dtype="float64", device=None, mask=None):
    """Validate inputs and build (sigma[B], tau[B], batched, envelope[B, *grid], field, dtype, device).

    ``n_cells``: n (a chain) or (nx, ny) (a film).  The defect envelope is computed for a grid of
    ``period`` cells along x (default the whole grid) with its peak at cell ``offset`` along x
    (fractional allowed) and tiled periodically along x (the grid's x size must be a multiple of
    ``period``).  ``mask`` (B, *grid) of 0/1: explicit vacancies instead of the statistical envelope
    (``envelope`` is then None and σ, τ only label the samples; its batch must match theirs).
    """
    material = check_material(material)
    s, t, batched = defect_params(sigma, tau)
    shape = _grid(n_cells)
    n = shape[0]
    period = n if period is None else positive_int("period", period, low=8)
    if n % period:
        raise ValueError(f"n_cells={n} must be a multiple of the envelope period {period}")
    if scheme not in rtn.SCHEMES:
        raise ValueError(f"scheme must be one of {rtn.SCHEMES}, got {scheme!r}")
    dt = resolve_dtype(dtype)
    dev = resolve_device(device)
    if mask is None:
        env = rtn.envelope((period,) + shape[1:], material.a, s, t, scheme, offset)
        env = np.tile(env, (1, n // period) + (1,) * (len(shape) - 1))
    else:
        env = None
        mask = np.asarray(mask)
        if mask.shape != (s.size,) + shape:
            raise ValueError(f"mask must have shape {(s.size,) + shape} (one 0/1 grid per sample), got {mask.shape}")
    field = build_field(material, shape, env, H_ext=H_ext, method=exchange, dtype=dt, device=dev, mask=mask)
    return s, t, batched, env, field, dt, dev


def _grid(n_cells) -> tuple:
    if np.ndim(n_cells) == 0:
        return (positive_int("n_cells", n_cells, low=8),)
    if len(n_cells) != 2:
        raise ValueError(f"n_cells must be n (a chain) or (nx, ny) (a film), got {n_cells!r}")
    return tuple(positive_int("n_cells", v, low=8) for v in n_cells)


def check_alpha(alpha, low_open=False):
    return finite_scalar("alpha", alpha, low=0.0, high=10.0, low_open=low_open)
