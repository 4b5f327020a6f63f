"""Explicit vacancies: each sample carries its own RTN realisation as a 0/1 mask on the grid.

The paper replaces a chain with random vacancies by one deterministic statistical kernel (SPS-LL,
Eqs. 3–6) and notes that "in a direct simulation, the RTN can be multiplied directly to the
magnetisation vector, so that a vacancy describes a numerical cell without magnetisation".  This
module is that direct simulation, to test the statistical model against it.

Mask.  Realisation r of an ensemble with base seed ``seed`` at (σ, τ) is

    c = rtn.sample(σ, τ, n a, a, seed=[seed, r])          (0/1 at the cell centres (i + ½) a)

so a realisation is fully named by (σ, τ, seed, r).  The same (seed, r) is used at every (σ, τ)
point of a batch: the ensembles at different points share their random numbers (common random
numbers; differences across the grid are less noisy, but the points are not independent).

Field.  Vacant cells (c_j = 0) carry no magnetisation (m_j = 0) and feel no field; a present cell
feels nearest-neighbour exchange from its present neighbours only (free ends at a vacancy) and the
local field of :class:`spsll.physics.fields.UniaxialAnisotropy`:

    H_j = c_j [ (2A/(μ0 Ms a²)) Σ_{i = j±1} c_i (m_i − m_j) + (Hk − Ms) m_z,j ẑ  (+ H_ext) ].

The exchange is the gradient of the bond energy (2A/a) Σ_bonds c_j c_{j+1} (1 − m_j·m_{j+1}) per
unit area, so it is conservative and symmetric.  Applying the ideal stencil to c·m (the paper's
"RTN multiplied to m") instead gives Σ_{i=j±1} (c_i m_i − m_j), which differs from the free-end
field only by −(number of vacant neighbours) m_j, a term parallel to m_j: it exerts no torque, so
both forms have the same dynamics and equilibria (tested).  The free-end form is implemented.
With no vacancy (τ = 0) the field is the ideal SPS-LL field to the last bit (same operations).

Since m_j = 0 *and* H_j = 0 at vacancies, the LL right-hand side there is exactly 0 in any of its
algebraically equivalent forms (the damping written as α(H − m(m·H)) would otherwise give αH), and
``spsll.physics.integrate.normalize_`` leaves such cells at 0, so the existing integrators work
unchanged and vacancies stay exactly empty.

Physics of 1-D explicit vacancies (what the comparison shows).  A vacancy cuts the exchange, so a
chain with vacancies is a set of decoupled segments of mean length σ: a spin wave cannot cross a
vacancy (the paper's remark that wave scattering is precluded in 1-D), and the modes of a segment
of L cells with free ends are m_j ∝ cos(k (j + ½) a), k = nπ/(L a), with exactly the ideal
frequencies f(k).  A wall is not pinned inside a segment (the free ends attract it): it either sits
in a segment long enough that the force on it is below the relaxation tolerance, or it ends at a
vacancy, where the magnetisation flips across the gap with no width at all.

Observables (same recipes and analysis as :func:`spsll.dispersion` and :func:`spsll.domain_wall`):

* :func:`explicit_dispersion` — the paper's Gaussian excitation (masked: vacant cells stay empty),
  the same integrator and :func:`spsll.physics.magnons.spectrum` per realisation; the ensemble spectrum
  is the *power* averaged over realisations, and its 1-D dispersion the refined peak of that mean
  power (power averaged before peak finding).
* :func:`explicit_domain_wall` — the paper's ansatz on the mirrored domain with the mask mirrored
  too, relaxed with :func:`spsll.physics.integrate.relax`.  Widths are defined in two ways:

  - per realisation, where defined: the wall centre is the m_z sign change between consecutive
    *present* cells nearest the middle of the chain.  If those two cells are neighbours the wall
    sits in material and has a width: the tanh fit over the present cells within
    ±``fit_halfwidth`` of the centre, and the paper's Eq. 10 on the mirrored domain with m_z at
    vacant cells filled by linear interpolation between present cells (the cosine series needs a
    value in every cell; where the wall sits in material the fill only touches the uniform
    domains).  If a vacancy separates them, the wall ends at a vacancy (``pinned``): the
    magnetisation flips across the gap and no width is defined (NaN; counted in ``pinned_fraction``).
  - on the ensemble-averaged profile m̄_z(x) = Σ_r c_r m_z,r / Σ_r c_r (the mean over the
    realisations in which the cell is present; cells present in none are interpolated), which
    includes the scatter of the wall positions: the counterpart of the paper's statement that an
    SPS-LL wall is "analogous to that of an ensemble of domain walls".  Same centre finder, Eq. 10
    and tanh fit as :func:`spsll.domain_wall`.

All lengths in metres, frequencies in Hz.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field

import numpy as np

from .._validate import defect_params, finite_scalar, positive_int
from .explicit_masks import ExplicitField, check_seed, sample_masks
from .explicit_walls import ExplicitDomainWallResult, explicit_domain_wall, present_wall_center
from .magnons import dispersion, gaussian_state, refine_peaks
from .problem import check_material

# masks and field (explicit_masks) and walls (explicit_walls) are re-exported: this module is
# the face of explicit vacancies, and keeps the dispersion half.
__all__ = ["ExplicitField", "sample_masks", "explicit_dispersion", "explicit_domain_wall",
           "ExplicitDispersionResult", "ExplicitDomainWallResult", "present_wall_center"]


# ---- dispersion -------------------------------------------------------------------------

@dataclass
class ExplicitDispersionResult:
    """Output of :func:`explicit_dispersion` (SI units); P points, R realisations each.

    - ``k`` (N,) [rad/m] ascending; ``f`` (F,) [Hz]
    - ``power`` (P, F, N) or (F, N): ensemble-averaged power (mean over realisations of abs(FFT₂ m_x)²)
    - ``peak_frequency`` (P, N) or (N,): refined peak per k of the ensemble-averaged power [Hz]
    - ``realisation_peak_frequency`` (P, R, N) or (R, N): peak per k of each realisation's own power [Hz]
    - ``realisation_power`` (P, R, F, N) float32, or None unless ``keep_power=True``
    - ``masks`` (P, R, N) or (R, N) int8 0/1; ``seed``: base seed (realisation r used seed=[seed, r])
    - ``present_fraction`` (P, R) or (R,): fraction of present cells of each mask
    - ``excited_fraction`` (P, R) or (R,): Σ (c m_x,0)² / Σ m_x,0², how much of the Gaussian
      excitation fell on material (it is lost where its centre falls on a vacancy)
    """

    k: np.ndarray
    f: np.ndarray
    power: np.ndarray
    peak_frequency: np.ndarray
    realisation_peak_frequency: np.ndarray
    realisation_power: np.ndarray | None
    masks: np.ndarray
    present_fraction: np.ndarray
    excited_fraction: np.ndarray
    sigma: np.ndarray
    tau: np.ndarray
    seed: int
    n_realisations: int
    stats: dict = dc_field(default_factory=dict)
    ky: np.ndarray | None = None


def explicit_dispersion(material, sigma, tau, *, n_realisations=16, seed=0, n_cells=500, duration=10e-12,
                        dt_sample=10e-15, alpha=1e-3, amplitude=0.1, width=None, position=None, H_ext=None,
                        rtol=1e-5, atol=None, window=True, keep_power=False, batch_size=128,
                        dtype="float64", device=None, progress=False) -> ExplicitDispersionResult:
    """The paper's dispersion recipe on chains (or films) with explicit vacancies, ``n_realisations`` per (σ, τ).

    Same initial state as :func:`spsll.dispersion` (Gaussian in m_x of standard deviation
    ``width`` = a at ``position`` = middle of the chain, m_z = sqrt(1 − m_x²)) multiplied by the
    mask, the same adaptive integrator (dopri5, ``rtol``/``atol``), the same recording of m_x
    every ``dt_sample`` for ``duration`` and the same analysis (:func:`spsll.physics.magnons.spectrum`).
    sigma, tau [m]: scalars or equal-length arrays.  The ensemble dispersion is the refined peak
    of the realisation-averaged power.  With τ = 0 every realisation equals
    :func:`spsll.dispersion` to round-off.  ``n_cells = (nx, ny)``: films with tessellation masks
    (:func:`sample_masks`); k is then the kx axis, ``ky`` the ky axis, and the grid axes follow.
    """
    material = check_material(material)
    s, t, batched = defect_params(sigma, tau)
    grid = tuple(positive_int("n_cells", v, low=8) for v in np.atleast_1d(n_cells))
    R = positive_int("n_realisations", n_realisations)
    seed = check_seed(seed)
    if not isinstance(keep_power, bool):
        raise TypeError(f"keep_power must be True or False, got {keep_power!r}")
    n_arg = grid if len(grid) == 2 else grid[0]
    masks = sample_masks(s, t, n_arg, material.a, R, seed)  # (P, R, *grid)
    P, B = s.size, s.size * R
    flat = masks.reshape((B,) + grid)
    duration = finite_scalar("duration", duration, low=0, low_open=True, unit="s")
    n_t = int(round(duration / finite_scalar("dt_sample", dt_sample, low=0, low_open=True, unit="s")))
    F = n_t // 2 + 1
    mean_power = np.zeros((P, F) + grid)
    peaks = np.empty((B,) + grid)
    real_power = np.empty((B, F) + grid, dtype=np.float32) if keep_power else None

    def accumulate(lo, hi, Pw, pk):
        peaks[lo:hi] = pk
        for j in range(lo, hi):
            mean_power[j // R] += Pw[j - lo]
        if keep_power:
            real_power[lo:hi] = Pw

    # the recipe of spsll.dispersion with each realisation's mask (one sample per realisation)
    run = dispersion(material, np.repeat(s, R), np.repeat(t, R), mask=flat, n_cells=n_arg, duration=duration,
                     dt_sample=dt_sample, alpha=alpha, amplitude=amplitude, width=width, position=position,
                     H_ext=H_ext, rtol=rtol, atol=atol, window=window, batch_size=batch_size, dtype=dtype,
                     device=device, progress=progress, keep_power=False, on_chunk=accumulate)
    mean_power /= R
    centre = [n * material.a / 2 for n in grid] if position is None else np.atleast_1d(position)
    mx0 = gaussian_state(grid, material.a, amplitude, material.a if width is None else width, centre)[0]
    axes = tuple(range(1, 1 + len(grid)))
    excited = (mx0[None] ** 2 * flat).sum(axis=axes) / (mx0**2).sum()
    ens = refine_peaks(mean_power.reshape(P, F, -1), run.f).reshape((P,) + grid)
    res = ExplicitDispersionResult(
        k=run.k, f=run.f, power=mean_power, peak_frequency=ens,
        realisation_peak_frequency=peaks.reshape((P, R) + grid),
        realisation_power=None if real_power is None else real_power.reshape((P, R, F) + grid),
        masks=masks, present_fraction=masks.reshape(P, R, -1).mean(-1), excited_fraction=excited.reshape(P, R),
        sigma=s, tau=t, seed=seed, n_realisations=R, stats=run.stats, ky=run.ky)
    if not batched:
        for name in ("power", "peak_frequency", "realisation_peak_frequency", "realisation_power", "masks",
                     "present_fraction", "excited_fraction", "sigma", "tau"):
            v = getattr(res, name)
            if v is not None:
                setattr(res, name, v[0])
    return res
