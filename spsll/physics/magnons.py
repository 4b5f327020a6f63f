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
from .problem import check_alpha, setup, subfield


@dataclass
class DispersionResult:
    """Output of :func:`spsll.dispersion` (SI units).

    k : (N,) wavenumbers [rad/m], ascending (fftshifted), the FBZ [−π/a, π/a)
    f : (F,) frequencies [Hz], 0 … 1/(2 dt_sample)
    power : (B, F, N) or (F, N) spectral power abs(FFT₂ m_x)² (arbitrary units); None if not kept
    peak_frequency : (B, N) or (N,) peak frequency per k [Hz], sub-bin refined
    sigma, tau : (B,) or scalars [m]
    stats : integrator statistics (steps, rejected steps, RHS evaluations, seconds simulating and analysing)
    """

    k: np.ndarray
    f: np.ndarray
    power: np.ndarray | None
    peak_frequency: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    stats: dict = dc_field(default_factory=dict)


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
    """Power spectrum of recorded m_x(x, t) and its 1-D dispersion.

    mx: (B, T, N) array or tensor (sample, time, cell).  Returns (k, f, power, peak_frequency):
    k (N,) [rad/m] ascending, f (T//2+1,) [Hz], power (B, F, N) = abs(FFT_x rfft_t (w(t) δm_x))²
    with δm_x the deviation from the time mean and w a Hann window, and the refined peak
    frequency per k (B, N) [Hz].  Used for spsll's runs and for peer programs alike.
    """
    x = torch.as_tensor(mx, dtype=torch.float64)
    B, T, N = x.shape
    # one weight (T, N) applied in one pass: the Hann window in t and, for even N, (−1)^j in x,
    # which shifts the spatial FFT by N/2 (FFT{(−1)^j u_j}_q = U_{q+N/2}): the fftshift for free
    w = (torch.hann_window(T, periodic=False, dtype=x.dtype, device=x.device) if window
         else torch.ones(T, dtype=x.dtype, device=x.device)).view(T, 1)
    shift_in = N % 2 == 0
    if shift_in:
        w = w * (1.0 - 2.0 * (torch.arange(N, device=x.device) % 2)).to(x.dtype).view(1, N)
    y = (x - x.mean(dim=1, keepdim=True)).mul_(w)
    X = torch.fft.rfftn(y, dim=(2, 1))          # rfft over t (dim 1), then fft over x (dim 2)
    P = torch.view_as_real(X).square().sum(-1)
    if not shift_in:
        P = torch.fft.fftshift(P, dim=2)
    P = P.cpu().numpy()
    f = np.fft.rfftfreq(T, d=dt_sample)
    k = np.fft.fftshift(2 * math.pi * np.fft.fftfreq(N, d=a))
    return k, f, P, refine_peaks(P, f)


def dispersion(material, sigma, tau, *, n_cells=500, duration=10e-12, dt_sample=10e-15,
               alpha=1e-3, amplitude=0.1, width=None, position=None, scheme="parseval",
               envelope_offset=0.0, H_ext=None, method="dopri5", rtol=1e-5, atol=None, dt=None,
               exchange="stencil", window=True, keep_power=True, batch_size=128,
               component="x", dtype="float64", device=None, progress=False, compile=False) -> DispersionResult:
    """Simulate the dispersion relation of chains with RTN defects (σ, τ) [m].

    sigma, tau: scalars or equal-length arrays (batched).  ``method``: "dopri5" (adaptive,
    ``rtol``/``atol``; atol defaults to 1e-9 in either precision) or "rk4" (fixed step ``dt`` [s], default dt_sample/2).  ``scheme``: the
    grid discretisation of S(k) (:func:`spsll.rtn.spectrum_on_grid`).  ``position``: centre of the
    Gaussian [m from cell 0], default the middle of the chain.  ``batch_size`` bounds memory:
    the samples are simulated in chunks of this size.  ``component``: the recorded component
    ("x", the default and the right choice for a z-magnetised chain; "z" reproduces the paper's
    text and shows why it misplaces the peaks).  ``compile=True`` fuses the right-hand side with
    ``torch.compile`` (worth it for large batches on GPUs and CPUs with a C++ compiler).
    """
    s, t, batched, env, field, tdt, dev = setup(
        material, sigma, tau, n_cells, offset=envelope_offset, scheme=scheme, H_ext=H_ext,
        exchange=exchange, dtype=dtype, device=device)
    a = material.a
    n = n_cells
    duration = finite_scalar("duration", duration, low=0, low_open=True, unit="s")
    dt_sample = finite_scalar("dt_sample", dt_sample, low=0, high=duration / 4, low_open=True, unit="s")
    alpha = check_alpha(alpha)
    amplitude = finite_scalar("amplitude", amplitude, low=0, high=1, low_open=True)
    width = a if width is None else finite_scalar("width", width, low=0, low_open=True, unit="m")
    L = n * a
    position = L / 2 if position is None else finite_scalar("position", position, low=0, high=L, unit="m")
    batch_size = positive_int("batch_size", batch_size)
    comps = {"x": 0, "y": 1, "z": 2}
    if component not in comps:
        raise ValueError(f"component must be one of {list(comps)}, got {component!r}")
    ci = comps[component]
    if method not in ("dopri5", "rk4"):
        raise ValueError(f"method must be 'dopri5' or 'rk4', got {method!r}")
    if dt is not None:
        dt = finite_scalar("dt", dt, low=0, low_open=True, unit="s")
        if method != "rk4":
            raise ValueError("dt is the fixed step of method='rk4'; dopri5 chooses its own steps "
                             "(set rtol/atol), so leave dt=None")

    n_t = int(round(duration / dt_sample))
    check_memory(f"dispersion: {n_t} time samples of {n} cells in batches of {min(s.size, batch_size)}",
                 24.0 * min(s.size, batch_size) * n_t * n + (4.0 * s.size * (n_t // 2 + 1) * n if keep_power else 0),
                 "lower batch_size, duration/dt_sample or n_cells, or pass keep_power=False")
    t_eval = np.arange(n_t) * dt_sample
    x = np.arange(n) * a
    d = (x - position + L / 2) % L - L / 2  # periodic distance to the centre
    mx0 = amplitude * np.exp(-d**2 / (2 * width**2))
    m0 = np.stack([mx0, np.zeros(n), np.sqrt(1 - mx0**2)])

    B = s.size
    peaks = np.empty((B, n))
    power = np.empty((B, n_t // 2 + 1, n), dtype=np.float32) if keep_power else None
    stats = {"n_steps": np.zeros(B, int), "n_rejected": np.zeros(B, int), "n_evals": 0,
             "simulate_s": 0.0, "analyse_s": 0.0}
    f_axis = np.fft.rfftfreq(n_t, d=dt_sample)
    k_axis = np.fft.fftshift(2 * math.pi * np.fft.fftfreq(n, d=a))
    chunks = range(0, B, batch_size)
    if progress:
        from tqdm.auto import tqdm
        chunks = tqdm(chunks, desc="dispersion", unit="chunk")
    for lo in chunks:
        hi = min(B, lo + batch_size)
        sub = subfield(field, lo, hi)
        rhs = LandauLifshitz(sub, alpha)
        if compile:
            # one fused kernel for field + LL right-hand side (inductor, needs a C++ compiler;
            # compiles once per batch shape, ~15 s); the batch then stays whole (compact=False)
            rhs = torch.compile(rhs, dynamic=False)
        t0 = time.perf_counter()
        y0 = torch.as_tensor(np.broadcast_to(m0, (hi - lo, 3, n)).copy(), dtype=tdt, device=dev)
        observe = lambda m: m[:, ci, :]
        if method == "dopri5":
            if atol is None:
                atol = 1e-9
            sol = dopri5(rhs, y0, t_eval, rtol=rtol, atol=atol, observe=observe, compact=not compile,
                         linear_observe=True)
        else:
            step = dt_sample / 2 if dt is None else dt
            sol = rk4(rhs, y0, t_eval, step, observe=observe)
        t1 = time.perf_counter()
        _, _, P, peaks[lo:hi] = spectrum(sol.y, dt_sample, a, window)
        stats["analyse_s"] += time.perf_counter() - t1
        stats["simulate_s"] += t1 - t0
        if keep_power:
            power[lo:hi] = P
        stats["n_steps"][lo:hi] = sol.n_steps
        stats["n_rejected"][lo:hi] = sol.n_rejected
        stats["n_evals"] += sol.n_evals
    if not batched:
        peaks = peaks[0]
        power = power[0] if keep_power else None
        s, t = s[0], t[0]
    return DispersionResult(k=k_axis, f=f_axis, power=power, peak_frequency=peaks, sigma=s, tau=t,
                            stats=stats)
