"""Random telegraph noise (RTN): the statistical defect model (paper Eq. 3 and SI 1).

A chain of material (state 1, mean length σ) and vacancies (state 0, mean length τ), with
exponentially distributed segment lengths, is a stationary RTN with

    p = σ / (σ + τ)          mean  ⟨RTN⟩ = ⟨RTN²⟩  (fraction of material)
    v = στ / (σ + τ)²        variance
    T = στ / (σ + τ)         correlation length, autocovariance C(x) = v exp(-abs(x)/T)

and two-sided power spectral density (Machlup 1954)

    S(k) = p² δ(k) + v (1/π) T / (1 + (kT)²)       [m/rad],   ∫ S dk = p² + v = p.

All lengths in metres, wavenumbers in rad/m.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import check_memory, defect_params, finite_scalar, positive_int

#: Names of the grid discretisations of S(k) understood by :func:`spectrum_on_grid`.
SCHEMES = ("parseval", "normalized", "mean_field")


@dataclass(frozen=True)
class Moments:
    """p (mean), v (variance), T (correlation length [m]) of the RTN, as arrays over the batch."""

    p: np.ndarray
    v: np.ndarray
    T: np.ndarray


def moments(sigma, tau) -> Moments:
    """p = σ/(σ+τ), v = στ/(σ+τ)², T = στ/(σ+τ) [m] (T = 0 for the ideal material τ = 0)."""
    s, t, batched = defect_params(sigma, tau)
    p, v, T = s / (s + t), s * t / (s + t) ** 2, s * t / (s + t)
    if not batched:
        p, v, T = p[0], v[0], T[0]
    return Moments(p=p, v=v, T=T)


def machlup(k, sigma, tau):
    """Continuous part of Eq. 3, v (1/π) T / (1 + (kT)²) [m/rad].

    k: wavenumbers [rad/m] (any shape).  With batched (σ, τ) of length B the result has shape
    (B,) + k.shape.  The δ(k) term of weight p² is not included (see :func:`moments`).
    """
    m = moments(sigma, tau)
    k = np.asarray(k, dtype=float)
    T = np.atleast_1d(m.T).reshape((-1,) + (1,) * k.ndim)
    v = np.atleast_1d(m.v).reshape((-1,) + (1,) * k.ndim)
    out = v * (T / math.pi) / (1 + (k * T) ** 2)
    return out if np.ndim(m.T) else out[0]


def machlup_sampled(k, sigma, tau, dx):
    """Expected two-sided PSD [m/rad] of the RTN *point-sampled* on a grid of spacing dx.

    Sampling aliases the Lorentzian; the sampled autocovariance v r^abs(n) (r = exp(-dx/T)) has
    the exact discrete-time spectrum

        S_dx(k) = v dx/(2π) (1 - r²) / (1 - 2 r cos(k dx) + r²),     abs(k) ≤ π/dx,

    which tends to :func:`machlup` for dx ≪ T.  This is the reference for :func:`psd` estimates.
    """
    dx = finite_scalar("dx", dx, low=0, low_open=True, unit="m")
    m = moments(sigma, tau)
    k = np.asarray(k, dtype=float)
    T = np.atleast_1d(m.T).reshape((-1,) + (1,) * k.ndim)
    v = np.atleast_1d(m.v).reshape((-1,) + (1,) * k.ndim)
    r = np.exp(-dx / np.where(T > 0, T, np.inf))  # r = 0 for the ideal material (no fluctuation)
    out = v * dx / (2 * math.pi) * (1 - r**2) / (1 - 2 * r * np.cos(k * dx) + r**2)
    return out if np.ndim(m.T) else out[0]


def sample(sigma, tau, length, dx, seed=None):
    """Sample RTN traces by exponentially distributed segment lengths (paper SI 1).

    Segments alternate between state 1 (length ~ Exp(mean σ)) and state 0 (~ Exp(mean τ));
    the initial state is drawn from the stationary distribution (1 with probability p), and by
    memorylessness the first segment is again exponential, so the trace is stationary from x=0.
    The trace is read at the cell centres x_i = (i + ½) dx, i = 0 … n−1, n = round(length/dx).

    Returns an int8 array of 0/1 of shape (n,) or, for batched (σ, τ), (B, n).
    """
    s, t, batched = defect_params(sigma, tau)
    length = finite_scalar("length", length, low=0, low_open=True, unit="m")
    dx = finite_scalar("dx", dx, low=0, low_open=True, unit="m")
    n = int(round(length / dx))
    if n < 1:
        raise ValueError(f"length must be at least one cell dx={dx} m, got length={length} m")
    check_memory(f"rtn.sample: length/dx = {n} cells for {s.size} trace(s)", (s.size + 24) * float(n),
                 "use a shorter length or a larger dx")
    rng = np.random.default_rng(seed)
    out = np.ones((s.size, n), dtype=np.int8)
    x = (np.arange(n) + 0.5) * dx
    for b in range(s.size):
        if t[b] == 0:
            continue
        start = 1 if rng.random() < s[b] / (s[b] + t[b]) else 0
        means = (s[b], t[b]) if start == 1 else (t[b], s[b])
        # Expected number of segments over the length is 2 L/(σ+τ); draw with margin, extend if short.
        m = int(2 * length / (s[b] + t[b]) * 1.2) + 16
        lengths = np.empty(0)
        while lengths.sum() <= length:
            chunk = rng.exponential(1.0, size=2 * m).reshape(m, 2) * np.array(means)
            lengths = np.concatenate([lengths, chunk.reshape(-1)])
        edges = np.cumsum(lengths)
        seg = np.searchsorted(edges, x, side="right")  # index of the segment containing x
        state = (seg % 2 == 0) if start == 1 else (seg % 2 == 1)
        out[b] = state.astype(np.int8)
    return out if batched else out[0]


@dataclass(frozen=True)
class PSD:
    """Two-sided PSD estimate: continuous part ``S`` [m/rad] at ``k`` [rad/m] and the DC weight ``dc`` = mean²."""

    k: np.ndarray
    S: np.ndarray
    dc: np.ndarray
    mean: np.ndarray
    variance: np.ndarray


def psd(signal, dx) -> PSD:
    """Wiener–Khinchin PSD estimate of RTN traces (paper Eq. SI 1), averaged over a batch.

    The autocovariance of the fluctuation δ = x − ⟨x⟩ is estimated with the biased estimator
    R(ℓ) = (1/n) Σ_i δ_i δ_{i+ℓ}; its Fourier transform (dx/2π) Σ_ℓ R(ℓ) e^{-ikℓdx} is the
    continuous part of the two-sided PSD in m/rad (then ∫ S dk ≈ variance).  The mean is
    treated separately: the DC weight ⟨x⟩² multiplies δ(k).  Traces in a batch (rows) are
    averaged, which is the ensemble average of the paper's figure.

    signal: (n,) or (B, n) array; dx: sampling step [m].  Returns k ≥ 0 (rfft grid, k=0 excluded
    from S by construction since the mean is removed).
    """
    dx = finite_scalar("dx", dx, low=0, low_open=True, unit="m")
    x = np.atleast_2d(np.asarray(signal, dtype=float))
    if x.ndim != 2 or x.shape[-1] < 2:
        raise ValueError(f"signal must have shape (n,) or (B, n) with n >= 2, got {np.shape(signal)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("signal must be finite")
    n = x.shape[-1]
    mean = x.mean(axis=-1)
    d = x - mean[:, None]
    # Linear (not circular) autocorrelation by zero-padded FFT; the Fourier transform of the
    # biased estimate sampled at the rfft grid of the original length equals the periodogram.
    nfft = 2 * n
    D = np.fft.rfft(d, n=nfft, axis=-1)
    R = np.fft.irfft(np.abs(D) ** 2, n=nfft, axis=-1)[:, :n] / n  # R(ℓ), ℓ = 0..n-1
    lags = np.concatenate([R, np.zeros((R.shape[0], 1)), R[:, :0:-1]], axis=-1)  # circularly symmetric, length 2n
    spec = np.fft.rfft(lags, axis=-1).real * dx / (2 * math.pi)  # on the 2n-point grid
    k = 2 * math.pi * np.fft.rfftfreq(nfft, d=dx)
    # Keep the original-length grid (every second point) so bins are independent.
    k, spec = k[::2], spec[:, ::2]
    return PSD(k=k, S=spec.mean(axis=0), dc=np.mean(mean) ** 2, mean=mean, variance=d.var(axis=-1))


# ---- discretisation on the simulation grid -----------------------------------------------

def grid_wavenumbers(n: int, a: float) -> np.ndarray:
    """FFT wavenumbers k_j = 2π j/(n a) in numpy ``fftfreq`` order [rad/m]."""
    return 2 * math.pi * np.fft.fftfreq(n, d=a)


def spectrum_on_grid(n, a, sigma, tau, scheme: str = "parseval") -> np.ndarray:
    """Discrete spectrum S_j on the n-point FFT grid of spacing a (fftfreq order), shape (B, n).

    The paper does not fix how the density S(k) [m/rad] becomes a dimensionless array on the
    grid.  The schemes are:

    ``parseval`` (default)
        S_j = p² δ_j0 + v L_T(k_j) Δk, with Δk = 2π/(n a) and L_T(k) = (T/π)/(1 + (kT)²).
        Each bin carries the spectral weight of its width, so Σ_j S_j ≈ p = ⟨RTN²⟩ (Parseval);
        the ideal material gives S_j = δ_j0.
    ``normalized``
        As ``parseval``, then the Lorentzian part is rescaled so Σ_j S_j = p exactly (restores the
        weight of the tails beyond the first Brillouin zone that the grid cannot hold).
    ``mean_field``
        S_j = p² δ_j0 only: the defects just scale the exchange by p (the Lorentzian is dropped).
        A reference that isolates what the Lorentzian does.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    n = positive_int("n", n, low=2)
    a = finite_scalar("a", a, low=0, low_open=True, unit="m")
    m = moments(sigma, tau)
    check_memory(f"the defect spectrum of a chain of {n} cells (n_cells) for {np.size(m.p)} sample(s)",
                 40.0 * np.size(m.p) * n, "use fewer cells or fewer samples per call")
    p, v, T = (np.atleast_1d(q)[:, None] for q in (m.p, m.v, m.T))
    k = grid_wavenumbers(n, a)[None, :]
    dk = 2 * math.pi / (n * a)
    S = np.zeros((p.shape[0], n))
    if scheme != "mean_field":
        S = v * (T / math.pi) / (1 + (k * T) ** 2) * dk
        if scheme == "normalized":
            tot = S.sum(axis=1, keepdims=True)
            S = np.where(tot > 0, S * v / np.where(tot > 0, tot, 1.0), 0.0)
    S[:, 0] += p[:, 0] ** 2
    return S


def spectrum_on_grid_2d(shape, a, sigma, tau, scheme: str = "parseval") -> np.ndarray:
    """Discrete 2-D spectrum S_ij on the (nx, ny) FFT grid of spacing a (fftfreq order), shape (B, nx, ny).

    The 2-D defect field is a Poisson line tessellation (:mod:`spsll.physics.defects2d`) with
    two-point function p² + v exp(−r/T); in the 1-D code's convention S = (2π)^−2 ∫ C e^{−ik·r} d²r,

        S(k) = p² δ(k) + v T² / (2π (1 + k²T²)^{3/2})        [m²/rad²],

    whose continuous part integrates to v over the plane.  The schemes are those of
    :func:`spectrum_on_grid` with the bin area Δk_x Δk_y = (2π)²/(nx ny a²) in place of Δk.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    nx, ny = (positive_int("n", v, low=2) for v in shape)
    a = finite_scalar("a", a, low=0, low_open=True, unit="m")
    m = moments(sigma, tau)
    p, v, T = (np.atleast_1d(q)[:, None, None] for q in (m.p, m.v, m.T))
    kx, ky = np.meshgrid(grid_wavenumbers(nx, a), grid_wavenumbers(ny, a), indexing="ij")
    k2 = (kx**2 + ky**2)[None]
    dk2 = (2 * math.pi) ** 2 / (nx * ny * a * a)
    S = np.zeros((p.shape[0], nx, ny))
    if scheme != "mean_field":
        S = v * T**2 / (2 * math.pi * (1 + k2 * T**2) ** 1.5) * dk2
        if scheme == "normalized":
            tot = S.sum(axis=(1, 2), keepdims=True)
            S = np.where(tot > 0, S * v / np.where(tot > 0, tot, 1.0), 0.0)
    S[:, 0, 0] += p[:, 0, 0] ** 2
    return S


def envelope(n, a, sigma, tau, scheme: str = "parseval", offset: float = 0.0) -> np.ndarray:
    """Real-space defect envelope s(x_j) = N · IFFT(√S_j), shape (B, n) or, for n = (nx, ny), (B, nx, ny).

    A circular convolution in k is a product in real space,

        √S ⊛ m̂ = N · FFT( IFFT(√S) · m ) = FFT( s · m ),

    so W(k) of paper Eq. 4 is the FFT of s(x) m(x) (N = number of cells, IFFT over every axis).
    s is real and even (S is even in k), it peaks at x = 0 (cell 0; the grid is periodic) with
    s(0) = Σ_j √S_j ∝ √N, its mean is √S_0 ≈ p and far from the origin it tends to p from below;
    its minimum is at x = n a/2 (the film's centre in 2-D).  The ideal material gives s ≡ 1.
    Films use :func:`spectrum_on_grid_2d`.

    ``offset`` (in cells along x, may be fractional) moves the peak to x = offset · a: the
    trigonometric interpolant s(x) = Σ_j √S_j cos(k_j (x − offset a)) is evaluated on the cells.
    """
    if np.ndim(n) == 1 and len(n) == 1:
        n = n[0]
    film = np.ndim(n) == 1
    S = spectrum_on_grid_2d(n, a, sigma, tau, scheme) if film else spectrum_on_grid(n, a, sigma, tau, scheme)
    sq = np.sqrt(S)
    off = finite_scalar("offset", offset)
    if off:
        k = grid_wavenumbers(S.shape[1], 1.0)
        sq = sq * np.exp(-1j * k * off).reshape((-1,) + (1,) * (S.ndim - 2))
    axes = tuple(range(1, S.ndim))
    return np.fft.ifftn(sq, axes=axes).real * math.prod(S.shape[1:])
