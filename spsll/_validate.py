"""Input validation shared by the public API: clear errors naming the parameter and its range.

Types are checked before values: a string, complex number, None or boolean where a real number
is expected is a ``TypeError`` naming the parameter (``'5e-9'`` is not silently converted), a
value outside its range a ``ValueError`` naming the parameter and the range.
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np

#: Seeds are stored as int64 in the HDF5 stores and fed to numpy/torch generators.
SEED_MAX = 2**63


def _real_type_error(name, value, unit=""):
    u = f" in {unit}" if unit else ""
    return TypeError(f"{name} must be a real number{u}, got {type(value).__name__} {value!r}")


def real_scalar(name: str, value, *, unit="") -> float:
    """``value`` as float if it is a real number: not a string (``'5e-9'`` included), bytes,
    boolean, complex number or None (TypeError naming ``name``).  numpy/torch scalars pass."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)) or (
            isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real)):
        raise _real_type_error(name, value, unit)
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        raise _real_type_error(name, value, unit) from None


def finite_scalar(name: str, value, *, low=None, high=None, low_open=False, unit="") -> float:
    """Return ``value`` as float after checking it is finite and inside [low, high] (or (low, high])."""
    v = real_scalar(name, value, unit=unit)
    rng = _range_text(low, high, low_open, unit)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite{rng}, got {v!r}")
    if low is not None and (v < low or (low_open and v <= low)):
        raise ValueError(f"{name} must be{rng}, got {v!r}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be{rng}, got {v!r}")
    return v


def _integer(name, value, low, high):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if not (isinstance(value, numbers.Real) and float(value).is_integer()):
            raise TypeError(f"{name} must be an integer >= {low}, got {type(value).__name__} {value!r}")
    v = int(value)
    if v < low or (high is not None and v > high):
        hi = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be an integer >= {low}{hi}, got {v}")
    return v


def positive_int(name: str, value, *, low=1, high=None) -> int:
    """``value`` as int, an integer >= ``low`` (default 1; ``low`` must be >= 1) and <= ``high``.

    Integral floats (``500.0``) are accepted, other types are a TypeError."""
    if low < 1:
        raise ValueError(f"positive_int needs low >= 1, got {low}; use non_negative_int")
    return _integer(name, value, low, high)


def non_negative_int(name: str, value, *, high=None) -> int:
    """``value`` as int, an integer >= 0 (and <= ``high``)."""
    return _integer(name, value, 0, high)


def check_seed(seed, name: str = "seed") -> int:
    """The one seed check: an int (not a float or bool) in [0, 2**63), so that it can be stored
    as int64 in a store and compared on resume, and numpy and torch accept it."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an integer in [0, 2**63), got {type(seed).__name__} {seed!r}")
    if not 0 <= int(seed) < SEED_MAX:
        raise ValueError(f"{name} must be an integer in [0, 2**63), got {seed}")
    return int(seed)


def _range_text(low, high, low_open, unit):
    u = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}]{u}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}{u}"
    if high is not None:
        return f" <= {high}{u}"
    return ""


# ---- memory guard -----------------------------------------------------------------------

def memory_limit() -> int:
    """Bytes one array of spsll may take: ``SPSLL_MAX_BYTES`` if set, else half the physical memory.

    Half the RAM: an array that large cannot be allocated next to the solver's other arrays of
    the same size (state, stages, field) without swapping or the OOM killer, so refusing it
    early with a message is better than a crash minutes later.  Where the memory size is
    unknown (Windows without ``SPSLL_MAX_BYTES``) the limit is 16 GiB.
    """
    env = os.environ.get("SPSLL_MAX_BYTES")
    if env:
        try:
            return int(float(env))
        except ValueError:
            raise ValueError(f"SPSLL_MAX_BYTES must be a number of bytes, got {env!r}") from None
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return 16 * 2**30


def check_memory(what: str, n_bytes: float, hint: str = "") -> None:
    """Raise ``ValueError`` before allocating ``n_bytes`` for ``what`` if above :func:`memory_limit`."""
    limit = memory_limit()
    if n_bytes > limit:
        why = "SPSLL_MAX_BYTES" if os.environ.get("SPSLL_MAX_BYTES") else \
            "half the memory; set SPSLL_MAX_BYTES to change it"
        raise ValueError(f"{what} needs {n_bytes / 2**30:.3g} GiB, above spsll's limit of "
                         f"{limit / 2**30:.3g} GiB ({why})" + (f"; {hint}" if hint else ""))


# ---- defect parameters -------------------------------------------------------------------

def _real_array(name, value):
    """``value`` (a real scalar or 1-D sequence of reals) as a float array; TypeError otherwise."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        raise _real_type_error(name, value, "m")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise _real_type_error(name, value, "m") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real number or an array of real numbers in m, got "
                        f"{type(value).__name__} with {arr.dtype.name} values: {value!r}"[:300])
    return arr.astype(float)


def defect_params(sigma, tau):
    """Validate the RTN parameters and broadcast them to a batch.

    sigma: mean length of the material (state 1) [m], > 0.  tau: mean vacancy length (state 0)
    [m], >= 0 (0 is the ideal material).  Scalars or 1-D arrays of equal length; a scalar is
    broadcast against an array.  Returns (sigma[B], tau[B], batched).
    """
    s = _real_array("sigma", sigma)
    t = _real_array("tau", tau)
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
