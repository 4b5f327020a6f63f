"""Input validation shared by the public API: clear errors naming the parameter and its range."""
from __future__ import annotations

import math

import numpy as np


def finite_scalar(name: str, value, *, low=None, high=None, low_open=False, unit="") -> float:
    """Return ``value`` as float after checking it is finite and inside [low, high] (or (low, high])."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number{(' in ' + unit) if unit else ''}, got {value!r}") from None
    rng = _range_text(low, high, low_open, unit)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite{rng}, got {v!r}")
    if low is not None and (v < low or (low_open and v <= low)):
        raise ValueError(f"{name} must be{rng}, got {v!r}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be{rng}, got {v!r}")
    return v


def positive_int(name: str, value, *, low=1, high=None) -> int:
    if isinstance(value, bool) or int(value) != value:
        raise TypeError(f"{name} must be an integer >= {low}, got {value!r}")
    v = int(value)
    if v < low or (high is not None and v > high):
        hi = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be an integer >= {low}{hi}, got {v}")
    return v


def _range_text(low, high, low_open, unit):
    u = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}]{u}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}{u}"
    if high is not None:
        return f" <= {high}{u}"
    return ""


def defect_params(sigma, tau):
    """Validate the RTN parameters and broadcast them to a batch.

    sigma: mean length of the material (state 1) [m], > 0.  tau: mean vacancy length (state 0)
    [m], >= 0 (0 is the ideal material).  Scalars or 1-D arrays of equal length; a scalar is
    broadcast against an array.  Returns (sigma[B], tau[B], batched).
    """
    s = np.asarray(sigma, dtype=float)
    t = np.asarray(tau, dtype=float)
    for name, arr in (("sigma", s), ("tau", t)):
        if arr.ndim > 1:
            raise ValueError(f"{name} must be a scalar or a 1-D array, got shape {arr.shape}")
    batched = s.ndim == 1 or t.ndim == 1
    if s.ndim == 1 and t.ndim == 1 and s.shape != t.shape:
        raise ValueError(
            f"sigma and tau must have equal lengths when both are arrays, got {s.shape[0]} and {t.shape[0]}"
        )
    s, t = np.broadcast_arrays(np.atleast_1d(s), np.atleast_1d(t))
    if s.size == 0:
        raise ValueError("sigma and tau must not be empty")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"sigma must be finite and > 0 m, got non-finite values at indices {_bad(~np.isfinite(s))}")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"tau must be finite and >= 0 m, got non-finite values at indices {_bad(~np.isfinite(t))}")
    if np.any(s <= 0):
        raise ValueError(f"sigma must be > 0 m (sigma -> 0 is no material), got {s[s <= 0][:5].tolist()} at indices {_bad(s <= 0)}")
    if np.any(t < 0):
        raise ValueError(f"tau must be >= 0 m (0 is the ideal material), got {t[t < 0][:5].tolist()} at indices {_bad(t < 0)}")
    if np.any(s > 1e-3) or np.any(t > 1e-3):
        raise ValueError("sigma and tau are lengths in metres and must be <= 1e-3 m; did you pass nanometres?")
    return s.copy(), t.copy(), batched


def _bad(mask, limit=10):
    idx = np.flatnonzero(mask)
    txt = ", ".join(str(i) for i in idx[:limit])
    return txt + (" ..." if idx.size > limit else "")
