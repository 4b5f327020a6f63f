"""A Néel skyrmion in a defective film: radius, survival and pinning over (σ, τ).

Defect models (σ, τ [m] the paper's mean material and vacancy lengths, p = σ/(σ+τ),
T = στ/(σ+τ); the film's cell is the material's a, 1 nm for ``CoPt``, so a length of
σ nm spans σ/a cells):

* ``"explicit"``: Poisson line tessellation masks (:mod:`spsll.physics.defects2d`,
  every straight transect an RTN(σ, τ)); m = 0 on vacant cells, exchange and DMI only
  between present neighbours, so the DMI boundary condition 2A ∂m/∂n = −D(ẑ × n) × m
  holds at every vacancy edge (:mod:`spsll.physics.dmi`).  One film per realisation.
* ``"envelope"``: the statistical 2-D SPS-LL envelope s = N IFFT2(√S)
  (``spsll.physics.rtn.envelope``), acting on the bond terms (exchange and DMI)
  alike; deterministic, one film per (σ, τ).  The skyrmion starts at the film's
  centre, where s has its flat value s_min.
* ``"mean_field"``: s ≡ p.  Exchange and DMI act on s·m, the anisotropy does not, so
  this is exactly the ideal material with A → pA, D → pD: Δ = √(A/K_eff) → √p Δ and
  d = D/√(A K_eff) → √p d (``tests/test_skyrmion_defects.py`` checks it against the
  radial ODE with the scaled constants).

Every film starts from the same ansatz (:func:`spsll.physics.skyrmion.neel_skyrmion`,
radius ``radius0``, at the film's centre) and relaxes with
:func:`spsll.physics.integrate.relax` (batched, in chunks).

Classification of a relaxed state (:func:`classify`).  Masked films are first
*filled*: every vacant cell takes the m of its nearest present cell (periodic
distance), which extends the texture of the material into the holes without adding
any winding (a fill is piecewise constant, its triangles span ~no solid angle).  The
Berg–Lüscher charge of the filled periodic film is then an integer and counts the
winding of the material's texture around each hole too: a skyrmion whose core sits in
a hole but whose surrounding moments still wind keeps Q = −1 (D > 0).  (The charge
summed over the triangles of three present cells alone, :func:`masked_charge`, misses
the solid angle spanned across holes; it is reported as a diagnostic.)  The radius is
measured on the filled film with :func:`spsll.physics.skyrmion.skyrmion_radius`.

* ``survived``: abs(Q − Q₀) < ½ (Q₀ = −sign D) and r_min ≤ R ≤ r_max;
* ``collapsed``: no core left (m_z ≥ 0 everywhere, R = 0) and abs(Q) < ½;
* ``expanded``: R beyond r_max or no m_z = 0 crossing within half the film (a stripe,
  or a domain through the periodic film);
* ``unwound``: anything else: a core is left but it lost its charge (unwound through
  a vacancy edge), or R < r_min with the charge kept;
* ``isolated`` (masked films): a texture that would count as survived, but most of the
  core's present cells (m_z < 0) are not on the spanning cluster
  (:func:`spsll.physics.percolation.percolation`), or no cluster spans the film.  Below
  percolation the material is disconnected islands that keep whatever m they started
  with (an island inside the start core stays down with no exchange to undo it): a
  frozen pattern, not a skyrmion of a magnet.

Defaults r_min = a (one cell: below it the lattice has no core), r_max = L/4 (a
quarter of the film side: beyond it the skyrmion meets its periodic images).

The minimiser matters for marginal films.  :func:`spsll.physics.integrate.relax` takes
non-monotone Barzilai–Borwein steps (capped at 1000 ``step0``); on a tessellated film
at (σ, τ) = (30, 1) nm, 48² cells, one of three films that collapsed with the default
cap kept its skyrmion (unconverged after 20 000 iterations) with a cap 1000 times
smaller (measured).  The survival probabilities are those of this minimiser; a
skyrmion near its stability limit may sit behind a barrier smaller than one step.  Over
chapter 9's ci grid (36 films of 48²) a cap 100 times smaller leaves 33 films in the same
state, 12 survivors against 11 (``benchmarks/bench_skyrmion.py minimiser``).

Pinning: the distance [m] the core's centre moved from the film's centre during the
relaxation (periodic circular means of max(−m_z, 0), present cells only), and the
vacancy fraction inside the relaxed radius divided by the film's vacancy fraction
(``core_enrichment``: > 1 when cores settle on vacancy clusters).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage

from .. import _validate
from . import rtn
from .defects2d import tessellation_masks
from .fields import build_field
from .integrate import relax
from .material import Material
from .percolation import percolation
from .problem import check_material
from .skyrmion import core_centre, neel_skyrmion, skyrmion_radius
from .topology import berg_luscher_charge

__all__ = ["MODELS", "STATES", "DefectSkyrmions", "fill_vacancies", "core_centre",
           "classify", "masked_charge", "relax_films", "defect_skyrmions"]

MODELS = ("explicit", "envelope", "mean_field")
#: state codes 0 … 4
STATES = ("survived", "collapsed", "expanded", "unwound", "isolated")


def fill_vacancies(m: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """m (B, 3, nx, ny) with every vacant cell (mask 0) set to the m of its nearest
    present cell (periodic distance); films without a present cell stay as they are."""
    m = np.array(m, dtype=float)
    mask = np.asarray(mask)
    B, _, nx, ny = m.shape
    for b in range(B):
        c = mask[b]
        if c.all() or not c.any():
            continue
        tiled = np.tile(c, (3, 3))  # nearest present cell on the torus
        _, (ix, iy) = ndimage.distance_transform_edt(tiled == 0, return_indices=True)
        ix, iy = ix[nx:2 * nx, ny:2 * ny] % nx, iy[nx:2 * nx, ny:2 * ny] % ny
        m[b] = m[b][:, ix, iy]
    return m


def masked_charge(m, mask) -> np.ndarray:
    """Berg–Lüscher charge (B,) over the triangles of three present cells only."""
    return berg_luscher_charge(m, mask=mask, periodic=True)


def classify(m, a: float, mask=None, D_sign: float = 1.0, r_min=None, r_max=None):
    """Charge, radius, spread, state and centre of relaxed films m (B, 3, nx, ny).

    Returns a dict of arrays (B,): ``charge`` (integer Berg–Lüscher charge of the
    filled film), ``radius`` and ``radius_spread`` [m] (0 collapsed, NaN no crossing),
    ``state`` (index into ``STATES``), ``centre`` (B, 2) [cells].  ``mask`` (B, nx,
    ny) 0/1 or None; r_min, r_max [m] default a and a quarter of the film side.
    """
    m = np.asarray(m, dtype=float)
    _, _, nx, ny = m.shape
    r_min = a if r_min is None else r_min
    r_max = min(nx, ny) * a / 4 if r_max is None else r_max
    filled = m if mask is None else fill_vacancies(m, mask)
    charge = berg_luscher_charge(filled, periodic=True)
    radius, spread = skyrmion_radius(filled, a)  # periodic; the fill left no vacancy
    q0 = -1.0 if D_sign >= 0 else 1.0
    mz = filled[:, 2] if mask is None else np.where(np.asarray(mask) > 0, m[:, 2], 1.0)
    no_core = mz.min(axis=(1, 2)) >= 0
    ok = (np.abs(charge - q0) < 0.5) & (radius >= r_min) & (radius <= r_max)
    collapsed = ~ok & (np.abs(charge) < 0.5) & (no_core | (radius == 0))
    expanded = ~ok & ~collapsed & ~(radius <= r_max)  # NaN: no crossing
    state = np.where(ok, 0, np.where(collapsed, 1, np.where(expanded, 2, 3)))
    if mask is not None:
        for b in np.flatnonzero(ok):
            span = percolation(np.asarray(mask[b])).spanning
            core = (np.asarray(mask[b]) > 0) & (m[b, 2] < 0)
            if not span.any() or span[core].mean() < 0.5:
                state[b] = STATES.index("isolated")
    return {"charge": charge, "radius": radius, "radius_spread": spread,
            "state": state, "centre": core_centre(mz)}


def relax_films(material: Material, shape, radius0: float, *, mask=None, envelope=None,
                tol: float = 1e-4, max_iter: int = 20_000, chunk: int = 16,
                step0=None, dtype=torch.float64, device="cpu"):
    """Relax B skyrmions (the ansatz of radius ``radius0`` [m] at the film centre) with
    masks or envelopes (B, nx, ny), in chunks of ``chunk`` films.  ``step0`` [m/A]: of
    :func:`spsll.physics.integrate.relax` (its Barzilai–Borwein steps are capped at
    1000 step0; the default cap lets marginal skyrmions jump a small barrier: module
    doc).

    Returns (m (B, 3, nx, ny), converged (B,), iterations (B,)).
    """
    weights = mask if mask is not None else envelope
    B = np.shape(weights)[0]
    m0 = neel_skyrmion(material, shape, radius0)
    out, conv, iters = [], [], []
    for lo in range(0, B, chunk):
        w = np.asarray(weights[lo:lo + chunk])
        start = np.repeat(m0[None], w.shape[0], axis=0)
        if mask is not None:
            start = start * w[:, None]
        field = build_field(material, shape, None if mask is not None else w,
                            dtype=dtype, device=device,
                            mask=w if mask is not None else None)
        res = relax(field, torch.as_tensor(np.ascontiguousarray(start), dtype=dtype,
                                           device=device), material.Ms, tol=tol,
                    max_iter=max_iter, step0=step0)
        m = res.m.cpu().numpy()
        if mask is not None:
            m = m * w[:, None]  # vacancies carry m = 0
        out.append(m)
        conv.append(np.asarray(res.converged))
        iters.append(np.asarray(res.iterations))
    return np.concatenate(out), np.concatenate(conv), np.concatenate(iters)


@dataclass
class DefectSkyrmions:
    """Relaxed skyrmions over P (σ, τ) points × R realisations (R = 1 for the
    deterministic statistical models).  Arrays (P, R) unless noted; lengths [m].

    ``state`` indexes ``STATES``; ``shift``: distance of the core's centre from
    its start (NaN if collapsed); ``core_enrichment``: vacancy fraction inside the
    relaxed radius / the film's vacancy fraction (NaN without vacancies or core);
    ``masked_charge``: charge over present triangles only (explicit) or = charge;
    ``p_film``: material fraction of each film (the envelope's value at the start
    centre for ``"envelope"``); ``mz`` (P, R, nx, ny) float32: the relaxed m_z (0 on
    vacancies); ``seconds``: wall time of the relaxations.
    """

    model: str
    sigma: np.ndarray
    tau: np.ndarray
    shape: tuple
    a: float
    radius0: float
    radius: np.ndarray
    radius_spread: np.ndarray
    charge: np.ndarray
    masked_charge: np.ndarray
    state: np.ndarray
    shift: np.ndarray
    core_enrichment: np.ndarray
    p_film: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    mz: np.ndarray
    seconds: float

    @property
    def p(self) -> np.ndarray:
        return self.sigma / (self.sigma + self.tau)

    @property
    def T(self) -> np.ndarray:
        return self.sigma * self.tau / (self.sigma + self.tau)


def _weights(model, material, sigma, tau, shape, n_realisations, seed):
    if model == "explicit":
        return tessellation_masks(sigma, tau, shape, material.a, n_realisations, seed)
    if model == "envelope":
        return rtn.envelope(shape, material.a, sigma, tau)[:, None]
    p = sigma / (sigma + tau)
    return np.broadcast_to(p[:, None, None, None], (p.size, 1) + shape).copy()


def _pinning(mask, centre, radius, shape, a):
    """Centre shift [m] from the film centre and core vacancy enrichment (flat)."""
    nx, ny = shape
    d = centre - np.array([nx / 2, ny / 2])
    d = (d + np.array([nx, ny]) / 2) % np.array([nx, ny]) - np.array([nx, ny]) / 2
    shift = np.hypot(d[:, 0], d[:, 1]) * a
    enrich = np.full(len(radius), np.nan)
    if mask is None:
        return shift, enrich
    x, y = np.arange(nx) + 0.5, np.arange(ny) + 0.5
    for b, (c, r) in enumerate(zip(centre, radius)):
        vac = 1 - mask[b].mean()
        if not (np.isfinite(r) and r > 0 and np.all(np.isfinite(c)) and vac > 0):
            continue
        dx = (x - c[0] + nx / 2) % nx - nx / 2
        dy = (y - c[1] + ny / 2) % ny - ny / 2
        inside = np.hypot(dx[:, None], dy[None, :]) <= r / a
        if inside.any():
            enrich[b] = (1 - mask[b][inside].mean()) / vac
    return shift, enrich


def defect_skyrmions(material: Material, sigma, tau, *, model: str = "explicit",
                     n: int = 64, n_realisations: int = 8, radius0=None, seed: int = 0,
                     tol: float = 1e-4, max_iter: int = 20_000, chunk: int = 16,
                     step0=None, dtype=torch.float64,
                     device="cpu") -> DefectSkyrmions:
    """Relax a skyrmion on an n × n periodic film at every (σ, τ) point [m] and classify
    it (module doc).  ``radius0`` [m]: the start radius (default the relaxed radius of
    the ideal film, which the caller should pass to avoid recomputing it: here the
    ansatz radius 7 a is used when None); ``model`` one of ``MODELS``;
    ``n_realisations``: tessellations per point (explicit only).  Seeded (realisation r
    draws from ``default_rng([seed, r])`` at every point)."""
    material = check_material(material)
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    s, t, _ = _validate.defect_params(sigma, tau)
    s, t = np.atleast_1d(s).astype(float), np.atleast_1d(t).astype(float)
    n = _validate.positive_int("n", n, low=16)
    R = _validate.positive_int("n_realisations", n_realisations, low=1)
    r0 = 7 * material.a if radius0 is None else _validate.finite_scalar(
        "radius0", radius0, low=0, low_open=True, unit="m")
    if r0 > n * material.a / 4:
        raise ValueError(f"radius0 must be at most a quarter of the film side "
                         f"({n * material.a / 4:g} m), got {r0!r}")
    shape = (n, n)
    w = _weights(model, material, s, t, shape, R, seed)
    P, R = w.shape[:2]
    flat = w.reshape((P * R,) + shape)
    is_mask = model == "explicit"
    t0 = time.perf_counter()
    m, conv, iters = relax_films(material, shape, r0, mask=flat if is_mask else None,
                                 envelope=None if is_mask else flat, tol=tol,
                                 max_iter=max_iter, chunk=chunk, step0=step0,
                                 dtype=dtype,
                                 device=device)
    seconds = time.perf_counter() - t0
    cls = classify(m, material.a, flat if is_mask else None, np.sign(material.D))
    shift, enrich = _pinning(flat if is_mask else None, cls["centre"], cls["radius"],
                             shape, material.a)
    mq = masked_charge(m, flat) if is_mask else cls["charge"]
    p_film = flat.mean(axis=(1, 2)) if is_mask else flat[:, n // 2, n // 2]
    rs = (P, R)
    return DefectSkyrmions(
        model=model, sigma=s, tau=t, shape=shape, a=material.a, radius0=r0,
        radius=cls["radius"].reshape(rs),
        radius_spread=cls["radius_spread"].reshape(rs),
        charge=cls["charge"].reshape(rs), masked_charge=mq.reshape(rs),
        state=cls["state"].reshape(rs), shift=shift.reshape(rs),
        core_enrichment=enrich.reshape(rs), p_film=p_film.reshape(rs),
        converged=conv.reshape(rs), iterations=iters.reshape(rs),
        mz=m[:, 2].astype(np.float32).reshape(rs + shape), seconds=seconds)
