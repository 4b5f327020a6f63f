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


def resolve_device(device) -> torch.device:
    dev = torch.device(device if device is not None else "cpu")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but torch.cuda.is_available() is False")
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
