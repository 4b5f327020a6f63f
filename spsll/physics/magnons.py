"""Magnon dispersion of the (defective) chain by the paper's Gaussian-excitation recipe (Methods).

A chain of N cells of size a (default 500) starts from a narrow Gaussian in m_x,

    m_x(x, 0) = A₀ exp(−(x − x₀)² / (2 w²)),  m_y = 0,  m_z = sqrt(1 − m_x²),   w = a,

and evolves under the LL equation with α = 0.001 for 10 ps; m_x is recorded every 10 fs.  The
spectrum is the power of the 2-D FFT of the recorded m_x(x, t) (a Hann window in time), and the
1-D dispersion is the frequency of the spectral maximum at each k, refined below one frequency
bin by Gaussian (log-parabolic) interpolation.

We record the *transverse* component m_x, not m_z as the paper's text states: for a film
magnetised along z, m_z = sqrt(1 − m_x² − m_y²) is second order in the precession amplitude and
oscillates at sums and differences of the mode frequencies, which puts spectral peaks at wrong
frequencies.  Resolution: Δk = 2π/(N a) ≈ 37 rad/µm, Δf = 1/duration = 100 GHz, f_max = 50 THz.

Where the excitation sits: the defect envelope s(x) peaks at cell 0 (``envelope_offset`` moves
it) and has its minimum at cell N/2, where the Gaussian is centred (unless ``position`` says
otherwise): the excitation sits in the region where s(x) is flat and close to p, as do the walls
of :mod:`spsll.physics.domainwall`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field as dc_field

import numpy as np
import torch

from .._validate import check_memory, finite_scalar, positive_int
from .integrate import LandauLifshitz, dopri5, rk4
from .problem import check_alpha, setup


@dataclass
class DispersionResult:
    """Output of :func:`spsll.dispersion` (SI units).

    k : (N,) wavenumbers [rad/m], ascending (fftshifted), the FBZ [−π/a, π/a)
    f : (F,) frequencies [Hz], 0 … 1/(2 dt_sample)
    power : (B, F, N) or (F, N) spectral power abs(FFT₂ m_x)² (arbitrary units); None if not kept
    peak_frequency : (B, N) or (N,) peak frequency per k [Hz], sub-bin refined
    sigma, tau : (B,) or scalars [m]
    ky : (Ny,) ky axis [rad/m] of a film (then ``k`` is the kx axis and the last two axes of
    power and peak_frequency are (kx, ky)); None for a chain
    stats : integrator statistics (steps, rejected steps, RHS evaluations, seconds simulating and analysing)
    """

    k: np.ndarray
    f: np.ndarray
    power: np.ndarray | None
    peak_frequency: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    stats: dict = dc_field(default_factory=dict)
    ky: np.ndarray | None = None


def refine_peaks(power: np.ndarray, f: np.ndarray, fmin_bin: int = 1):
    """Peak frequency along axis −2 of ``power`` (…, F, N) with log-parabolic sub-bin refinement.

    For a Gaussian-like peak ln P is a parabola; the vertex of the parabola through bins
    i−1, i, i+1 is at i + δ, δ = ½ (ln P₋ − ln P₊)/(ln P₋ − 2 ln P₀ + ln P₊), abs(δ) ≤ ½.
    Bins below ``fmin_bin`` (the DC bin by default) are excluded.
    """
    P = np.asarray(power, dtype=float)
    F = P.shape[-2]
    sub = P[..., fmin_bin:, :]
    i = np.argmax(sub, axis=-2) + fmin_bin
    i = np.clip(i, 1, F - 2)
    take = lambda j: np.take_along_axis(P, j[..., None, :], axis=-2)[..., 0, :]
    tiny = np.finfo(float).tiny
    lm, l0, lp = (np.log(np.maximum(take(j), tiny)) for j in (i - 1, i, i + 1))
    den = lm - 2 * l0 + lp
    delta = np.where(den < 0, 0.5 * (lm - lp) / np.where(den < 0, den, -1.0), 0.0)
    delta = np.clip(delta, -0.5, 0.5)
    df = f[1] - f[0]
    return f[0] + (i + delta) * df


def spectrum(mx, dt_sample: float, a: float, window: bool = True):
    """Power spectrum of recorded m_x(x, t) and its dispersion, on a chain or a film.

    mx: (B, T, N) or (B, T, Nx, Ny) array or tensor (sample, time, cells).  Returns (k, f, power,
    peak_frequency): k [rad/m] ascending, (N,) for a chain or the pair (kx (Nx,), ky (Ny,)) for a
    film; f (T//2+1,) [Hz]; power ``(B, F, *grid)`` = abs(FFT_x rfft_t (w(t) δm_x))² with δm_x the
    deviation from the time mean and w a Hann window; and the refined peak frequency per k
    ``(B, *grid)`` [Hz].  Used for spsll's runs and for peer programs alike.
    """
    x = torch.as_tensor(mx, dtype=torch.float64)
    B, T = x.shape[:2]
    grid = tuple(x.shape[2:])
    d = len(grid)
    # one weight ``(T, *grid)`` applied in one pass: the Hann window in t and, along each axis of even
    # length, (−1)^j, which shifts that axis' FFT by N/2 (FFT{(−1)^j u_j}_q = U_{q+N/2}): the
    # fftshift for free
    w = (torch.hann_window(T, periodic=False, dtype=x.dtype, device=x.device) if window
         else torch.ones(T, dtype=x.dtype, device=x.device)).view((T,) + (1,) * d)
    odd = []
    for ax, N in enumerate(grid):
        if N % 2 == 0:
            sign = (1.0 - 2.0 * (torch.arange(N, device=x.device) % 2)).to(x.dtype)
            w = w * sign.view((1,) + tuple(N if i == ax else 1 for i in range(d)))
        else:
            odd.append(2 + ax)
    y = (x - x.mean(dim=1, keepdim=True)).mul_(w)
    X = torch.fft.rfftn(y, dim=tuple(range(2, 2 + d)) + (1,))  # rfft over t (dim 1), fft over the cells
    P = torch.view_as_real(X).square().sum(-1)
    if odd:
        P = torch.fft.fftshift(P, dim=odd)
    P = P.cpu().numpy()
    f = np.fft.rfftfreq(T, d=dt_sample)
    ks = [np.fft.fftshift(2 * math.pi * np.fft.fftfreq(N, d=a)) for N in grid]
    peaks = refine_peaks(P.reshape(B, P.shape[1], -1), f).reshape((B,) + grid)
    return (ks[0] if d == 1 else tuple(ks)), f, P, peaks


def gaussian_state(shape, a, amplitude, width, position) -> np.ndarray:
    """The recipe's initial state ``(3, *grid)``: m_x = A₀ exp(−d²/(2w²)), m_y = 0, m_z = sqrt(1 − m_x²),

    d the periodic distance of each cell (x_j = j a per axis) to ``position`` (one coordinate per
    axis [m]).  Tails below 1e-60 A₀ are set to 0: behind a vacancy they would stay tiny for ever
    and fall into the subnormal range (< 2.2e-308), where CPU arithmetic is ~10-100x slower.
    """
    d2 = 0.0
    for ax, (n, x0) in enumerate(zip(shape, position)):
        L = n * a
        d = (np.arange(n) * a - x0 + L / 2) % L - L / 2
        d2 = d2 + (d**2).reshape(tuple(n if i == ax else 1 for i in range(len(shape))))
    mx0 = amplitude * np.exp(-d2 / (2 * width**2))
    mx0 = np.where(mx0 < amplitude * 1e-60, 0.0, mx0)
    return np.stack([mx0, np.zeros_like(mx0), np.sqrt(1 - mx0**2)])


def simulate_spectra(field, m0, t_eval, a, on_chunk, *, alpha, method="dopri5", rtol=1e-5, atol=1e-9,
                     dt=None, window=True, batch_size=128, component=0, compile=False, progress=False,
                     desc="dispersion"):
    """The recipe's run: integrate m0 ``(B, 3, *grid)`` under ``field`` in chunks of ``batch_size``,
    record m_[component] at ``t_eval`` and hand each chunk's :func:`spectrum` to
    ``on_chunk(lo, hi, power, peaks)``.  Returns the integrator statistics.
    """
    B = m0.shape[0]
    dt_sample = float(t_eval[1] - t_eval[0])
    stats = {"n_steps": np.zeros(B, int), "n_rejected": np.zeros(B, int), "n_evals": 0,
             "simulate_s": 0.0, "analyse_s": 0.0}
    chunks = range(0, B, batch_size)
    if progress:
        from tqdm.auto import tqdm
        chunks = tqdm(chunks, desc=desc, unit="chunk")
    observe = lambda m: m[:, component]
    for lo in chunks:
        hi = min(B, lo + batch_size)
        rhs = LandauLifshitz(field.subset(lo, hi), alpha)
        if compile:
            # one fused kernel for field + LL right-hand side (inductor, needs a C++ compiler;
            # compiles once per batch shape, ~15 s); the batch then stays whole (compact=False)
            rhs = torch.compile(rhs, dynamic=False)
        t0 = time.perf_counter()
        y0 = m0[lo:hi]
        if method == "dopri5":
            sol = dopri5(rhs, y0, t_eval, rtol=rtol, atol=atol, observe=observe, compact=not compile,
                         linear_observe=True)
        else:
            sol = rk4(rhs, y0, t_eval, dt_sample / 2 if dt is None else dt, observe=observe)
        t1 = time.perf_counter()
        _, _, P, peaks = spectrum(sol.y, dt_sample, a, window)
        on_chunk(lo, hi, P, peaks)
        stats["analyse_s"] += time.perf_counter() - t1
        stats["simulate_s"] += t1 - t0
        stats["n_steps"][lo:hi] = sol.n_steps
        stats["n_rejected"][lo:hi] = sol.n_rejected
        stats["n_evals"] += sol.n_evals
    return stats


COMPONENTS = {"x": 0, "y": 1, "z": 2}


def _excitation_position(position, shape, a):
    """Centre of the Gaussian excitation [m] per grid axis; default the middle of the grid."""
    if position is None:
        return [n * a / 2 for n in shape]
    pos = np.atleast_1d(np.asarray(position, dtype=float))
    if pos.shape != (len(shape),):
        raise ValueError(f"position must hold {len(shape)} coordinate(s) [m], got {position!r}")
    return [finite_scalar("position", q, low=0, high=n * a, unit="m") for q, n in zip(pos, shape)]


def _check_method(method, dt):
    """The integrator's name and, for rk4 only, its fixed step dt [s] (None: dt_sample/2)."""
    if method not in ("dopri5", "rk4"):
        raise ValueError(f"method must be 'dopri5' or 'rk4', got {method!r}")
    if dt is None:
        return None
    dt = finite_scalar("dt", dt, low=0, low_open=True, unit="s")
    if method != "rk4":
        raise ValueError("dt is the fixed step of method='rk4'; dopri5 chooses its own steps "
                         "(set rtol/atol), so leave dt=None")
    return dt


def dispersion(material, sigma, tau, *, n_cells=500, duration=10e-12, dt_sample=10e-15,
               alpha=1e-3, amplitude=0.1, width=None, position=None, scheme="parseval",
               envelope_offset=0.0, H_ext=None, method="dopri5", rtol=1e-5, atol=None, dt=None,
               exchange="stencil", window=True, keep_power=True, batch_size=128,
               component="x", dtype="float64", device=None, progress=False, compile=False,
               mask=None, on_chunk=None) -> DispersionResult:
    """Simulate the dispersion relation of chains (or films) with RTN defects (σ, τ) [m].

    sigma, tau: scalars or equal-length arrays (batched).  ``n_cells``: n (a chain) or (nx, ny)
    (a film; then ``k`` is the kx axis, ``ky`` the ky axis and the results carry both grid axes).
    ``method``: "dopri5" (adaptive, ``rtol``/``atol``; atol defaults to 1e-9 in either precision)
    or "rk4" (fixed step ``dt`` [s], default dt_sample/2).  ``scheme``: the grid discretisation of
    S(k) (:func:`spsll.rtn.spectrum_on_grid`).  ``position``: centre of the Gaussian [m from cell
    0; a pair for a film], default the middle of the grid.  ``batch_size`` bounds memory: the
    samples are simulated in chunks of this size.  ``component``: the recorded component ("x",
    the default and the right choice for a z-magnetised chain; "z" reproduces the paper's text and
    shows why it misplaces the peaks).  ``compile=True`` fuses the right-hand side with
    ``torch.compile`` (worth it for large batches on GPUs and CPUs with a C++ compiler).
    ``mask`` ``(B, *grid)`` of 0/1: explicit vacancies (:mod:`spsll.physics.explicit`): each sample
    carries its own vacancies, the Gaussian is multiplied by its mask, and the statistical envelope
    is not used (σ, τ then only label the samples).  ``on_chunk(lo, hi, power, peaks)``, if
    given, also receives each chunk's float64 power ``(B_chunk, F, *grid)`` (ensemble reductions).
    """
    s, t, batched, env, field, tdt, dev = setup(
        material, sigma, tau, n_cells, offset=envelope_offset, scheme=scheme, H_ext=H_ext,
        exchange=exchange, dtype=dtype, device=device, mask=mask)
    a = material.a
    shape = field.exchange.shape
    duration = finite_scalar("duration", duration, low=0, low_open=True, unit="s")
    dt_sample = finite_scalar("dt_sample", dt_sample, low=0, high=duration / 4, low_open=True, unit="s")
    alpha = check_alpha(alpha)
    amplitude = finite_scalar("amplitude", amplitude, low=0, high=1, low_open=True)
    width = a if width is None else finite_scalar("width", width, low=0, low_open=True, unit="m")
    position = _excitation_position(position, shape, a)
    batch_size = positive_int("batch_size", batch_size)
    if component not in COMPONENTS:
        raise ValueError(f"component must be one of {list(COMPONENTS)}, got {component!r}")
    dt = _check_method(method, dt)

    n_t = int(round(duration / dt_sample))
    cells = math.prod(shape)
    check_memory(f"dispersion: {n_t} time samples of {cells} cells in batches of {min(s.size, batch_size)}",
                 24.0 * min(s.size, batch_size) * n_t * cells
                 + (4.0 * s.size * (n_t // 2 + 1) * cells if keep_power else 0),
                 "lower batch_size, duration/dt_sample or n_cells, or pass keep_power=False")
    t_eval = np.arange(n_t) * dt_sample
    m0 = gaussian_state(shape, a, amplitude, width, position)
    B = s.size
    m0 = np.broadcast_to(m0, (B,) + m0.shape)
    if mask is not None:
        m0 = m0 * np.asarray(mask)[:, None]
    y0 = torch.as_tensor(np.array(m0), dtype=tdt, device=dev)
    peaks = np.empty((B,) + shape)
    power = np.empty((B, n_t // 2 + 1) + shape, dtype=np.float32) if keep_power else None

    def store(lo, hi, P, pk):
        peaks[lo:hi] = pk
        if keep_power:
            power[lo:hi] = P
        if on_chunk is not None:
            on_chunk(lo, hi, P, pk)

    stats = simulate_spectra(field, y0, t_eval, a, store, alpha=alpha, method=method, rtol=rtol,
                             atol=1e-9 if atol is None else atol, dt=dt, window=window, batch_size=batch_size,
                             component=COMPONENTS[component], compile=compile, progress=progress)
    f_axis = np.fft.rfftfreq(n_t, d=dt_sample)
    ks = [np.fft.fftshift(2 * math.pi * np.fft.fftfreq(n, d=a)) for n in shape]
    if not batched:
        peaks = peaks[0]
        power = power[0] if keep_power else None
        s, t = s[0], t[0]
    return DispersionResult(k=ks[0], f=f_axis, power=power, peak_frequency=peaks, sigma=s, tau=t,
                            stats=stats, ky=ks[1] if len(shape) == 2 else None)
