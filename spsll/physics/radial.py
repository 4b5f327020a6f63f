"""The isolated axisymmetric Néel skyrmion from its radial Euler–Lagrange equation (a
continuum reference for the 2-D solver; numpy/scipy only, independent of the field
code).

Energy.  With the interfacial (Cnv) DMI density w = D (m_z ∇·m − (m·∇) m_z) and m =
(sinθ cos(ψ + ψ0), sinθ sin(ψ + ψ0), cosθ) in polar coordinates (r, ψ), θ = θ(r):

    ∇·m = cosψ0 (cosθ θ' + sinθ/r),   (m·∇) m_z = −cosψ0 sinθ² θ',
    w = D cosψ0 (θ' + sinθ cosθ / r).

A skyrmion with θ(0) = π (core along −z) in a +z background has θ' < 0 and a negative
DMI integral for cosψ0 = +1, so the energy is lowest for ψ0 = 0 (in-plane m pointing
radially outwards, from the core towards the background) when D > 0, and ψ0 = π
(inwards) when D < 0; in both cases the energy below holds with abs(D).  The energy per
unit film thickness relative to the uniform state m = +z (external field H along +z) is

    E/t = 2π ∫ [A(θ'² + sin²θ/r²) + abs(D)(θ' + sinθ cosθ/r) + K_eff sin²θ
               + μ0 Ms H (1 − cosθ)] r dr            [J/m],

with K_eff = Ku − μ0 Ms²/2 for a thin film with local demag.  Its Euler–Lagrange
equation is

    A(θ'' + θ'/r − sinθ cosθ/r²) − K_eff sinθ cosθ + abs(D) sin²θ/r − (μ0 Ms H/2) sinθ = 0.

Dimensionless form: ρ = r/Δ, Δ = √(A/K_eff), d = abs(D)/√(A K_eff), h = μ0 Ms H/(2 K_eff);
E/(A t) = 2π ∫ [θ'² + s²/ρ² + d(θ' + s c/ρ) + s² + 2h(1 − c)] ρ dρ.  The uniform state
is the ground state for d < d_c = 4/π (the cycloid threshold,
:mod:`spsll.physics.cycloid`).

Stretched coordinate.  The skyrmion has three scales: a Belavin–Polyakov core (radius R,
which → 0 as d → 0), the wall (width ~Δ) and an exponential tail θ ∝ K₁(κρ), κ = √(1 +
h).  In u = ln ρ the equation is regular:

    θ_uu = s c (1 + ρ²) − d ρ s² + h ρ² s,     ρ = e^u,

and all three scales get nodes.  It is solved with ``scipy.integrate.solve_bvp`` on u ∈
[ln ρ_min, ln ρ_max] with Robin conditions from the linearised ends: near the core π − θ
∝ ρ (so θ_u = θ − π; the next term is O(ρ³), ρ_min = 1e-5 makes it 1e-10 relative), and
in the tail θ ∝ K₁(κρ) (θ_u = −θ (1 + κρ K₀(κρ)/K₁(κρ))), exact for the linear tail, so
the truncation error is set by the neglected nonlinearity θ³ ~ e^{−3κ(ρ_max − R)}.  The
default ρ_max = R_guess + 30/κ; ``tests/test_radial.py`` shows R and E unchanged to 1e-9
when ρ_max and the tolerance change.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import simpson, solve_bvp, trapezoid
from scipy.optimize import brentq
from scipy.special import k0e, k1e

#: vacuum permeability [T m/A] (same value as spsll.physics.material)
MU0 = 4e-7 * math.pi
#: d_c = D_c/√(A K_eff): the uniform state stops being the ground state
D_CRITICAL = 4 / math.pi

__all__ = ["RadialSkyrmion", "radial_skyrmion", "radial_skyrmion_for",
           "thin_film_k_eff", "energy_parts", "euler_lagrange_residual",
           "wall_model_radius", "texture_radius", "D_CRITICAL"]


def _finite(name, value, low=None, low_open=False, unit=""):
    v = float(value)
    below = low is not None and (v <= low if low_open else v < low)
    bad = not math.isfinite(v) or below
    if bad:
        rel = ">" if low_open else ">="
        rng = "" if low is None else f" {rel} {low}"
        raise ValueError(f"{name} must be a finite number{rng} {unit}, got {value!r}")
    return v


def thin_film_k_eff(Ku, Ms):
    """K_eff = Ku − μ0 Ms²/2 [J/m³]: uniaxial anisotropy Ku [J/m³] plus local thin-film
    demag."""
    Ms = _finite("Ms", Ms, 0, True, "A/m")
    return _finite("Ku", Ku, 0, True, "J/m^3") - MU0 * Ms**2 / 2


def wall_model_radius(d):
    """Radius R/Δ of a large skyrmion modelled as a thin circular wall (no relaxation of
    the wall profile): E/(2πA t) = R (4 − π d) + 2/R, minimal at R = √(2/(4 − π d)). The
    estimate πd/√(16 − π²d²) often quoted for large skyrmions has the same limit as d →
    4/π."""
    d = float(d)
    if not 0 <= d < D_CRITICAL:
        raise ValueError(f"d must be in [0, 4/π) for an isolated skyrmion, got {d!r}")
    return math.sqrt(2 / (4 - math.pi * d))


@dataclass(frozen=True)
class RadialSkyrmion:
    """An isolated Néel skyrmion (SI units).

    - ``r`` (n,) [m] and ``theta`` (n,) [rad]: the profile on the solver's nodes, θ(0⁺)
      ≈ π; ``theta_at(r)`` evaluates the dense solution anywhere in (0, r_max]
    - ``radius`` [m]: θ(R) = π/2 (m_z = 0)
    - ``energy`` [J/m]: energy per unit thickness relative to the uniform state
    - ``parts``: its exchange, DMI, anisotropy and Zeeman parts [J/m]
    - ``Delta`` [m], ``d``, ``h``: the scales √(A/K_eff), abs(D)/√(A K_eff), μ0MsH/(2K_eff)
    - ``chirality``: +1 (in-plane m radially outward, D > 0) or −1 (inward, D < 0)
    - ``max_residual``: solve_bvp's largest relative collocation residual
    """

    r: np.ndarray
    theta: np.ndarray
    radius: float
    energy: float
    parts: dict
    Delta: float
    d: float
    h: float
    chirality: int
    max_residual: float
    _sol: object = None

    def theta_at(self, r):
        """θ at radii r [m] from the dense collocation solution: π at r = 0, the linear
        core π − θ ∝ r below the first node, the K₁ tail beyond the last."""
        rho = np.asarray(r, float) / self.Delta
        u0, u1 = self._sol.x[0], self._sol.x[-1]
        u = np.log(np.clip(rho, math.exp(u0), math.exp(u1)))
        th = self._sol.sol(u)[0]
        core = rho < math.exp(u0)
        th = np.where(core, math.pi - (math.pi - th) * rho / math.exp(u0), th)
        far = rho > math.exp(u1)
        if np.any(far):
            kappa = math.sqrt(1 + self.h)
            tail = _tail(np.log(rho[far]), th[far], math.exp(u1), kappa)[0]
            th = th.copy()
            th[far] = tail
        return th

    def on_grid(self, shape, a, centre=None):
        """The skyrmion sampled at the cell centres of an (nx, ny) grid of spacing a
        [m]: array (3, nx, ny), axis 1 along x; ``centre`` (x, y) [m] defaults to the
        middle of the grid.  m = (sinθ cos ψ, sinθ sin ψ, cosθ)·(chirality for the
        in-plane part)."""
        nx, ny = shape
        cx, cy = (nx * a / 2, ny * a / 2) if centre is None else centre
        x, y = np.meshgrid((np.arange(nx) + 0.5) * a - cx,
                           (np.arange(ny) + 0.5) * a - cy, indexing="ij")
        r, psi = np.hypot(x, y), np.arctan2(y, x)
        th = self.theta_at(r)
        s = self.chirality * np.sin(th)
        return np.stack([s * np.cos(psi), s * np.sin(psi), np.cos(th)])


def _rhs(d, h):
    def f(u, y):
        rho = np.exp(u)
        s, c = np.sin(y[0]), np.cos(y[0])
        return np.vstack([y[1], s * c * (1 + rho**2) - d * rho * s**2 + h * rho**2 * s])
    return f


def _bc(rho_a, rho_b, kappa):
    x = kappa * rho_b
    ratio = k0e(x) / k1e(x)  # K0/K1 without underflow

    def bc(ya, yb):
        return np.array([ya[1] - (ya[0] - math.pi), yb[1] + yb[0] * (1 + x * ratio)])
    return bc


def _density_parts(u, theta, theta_u, d, h):
    """Dimensionless energy densities per du (2π ∫ … ρ dρ = 2π ∫ … ρ² du)."""
    rho = np.exp(u)
    s, c = np.sin(theta), np.cos(theta)
    return {"exchange": theta_u**2 + s**2, "dmi": d * rho * (theta_u + s * c),
            "anisotropy": rho**2 * s**2, "zeeman": 2 * h * rho**2 * (1 - c)}


def _radius_guess(d, h):
    """R/Δ to start from: the thin-wall model with the Zeeman term, E/(2πA t) = R(4 −
    πd) + 2/R + 2hR² (its local minimum), or for d < 0.6 the Belavin–Polyakov estimate R
    ≈ d/(4 ln(1/d)) (E = 8π − 4πdR + 8πR² ln(1/R) to leading order)."""
    if d < 0.6:
        return d / (4 * math.log(1 / d)) / math.sqrt(1 + h)
    R = np.geomspace(0.1, 100, 2000)
    e = R * (4 - math.pi * d) + 2 / R + 2 * h * R**2
    # the first local minimum (h < 0: e → −∞ as R → ∞)
    up = np.flatnonzero(np.diff(e) > 0)
    return float(R[up[0]]) if up.size and up[0] > 0 else wall_model_radius(d)


def _tail(u, theta1, rho1, kappa):
    """θ and θ_u of the linear tail θ ∝ K₁(κρ) through θ(ρ1) = theta1, at u = ln ρ ≥ ln
    ρ1."""
    rho = np.exp(u)
    x, x1 = kappa * rho, kappa * rho1
    th = theta1 * k1e(x) / k1e(x1) * np.exp(x1 - x)
    return np.vstack([th, -th * (1 + x * k0e(x) / k1e(x))])


def _ladder(f, bc, u, y, tol):
    """solve_bvp with a tolerance ladder 1e-3, 1e-4, … → tol (decades), each step
    starting from the previous solution: a strict tolerance from a rough guess often
    sends Newton astray."""
    for t in [10.0**-k for k in range(3, 16) if 10.0**-k > tol] + [tol]:
        sol = solve_bvp(f, bc, u, y, tol=t, max_nodes=50000)
        if not sol.success:
            return sol
        u, y = sol.x, sol.y
    return sol


def _solve(d, h, rho_max, tol, R0):
    """Two stages: from the wall-like guess θ = 2 atan(sinh R0 / sinh ρ) (θ(R0) = π/2)
    on a short domain ρ ≤ R0 + 12/κ (Newton converges far more reliably there: the ρ²
    stiffness of the tail is milder), then on the full domain, started from that
    solution continued by its K₁ tail."""
    kappa = math.sqrt(1 + h)
    f = _rhs(d, h)
    ua = math.log(min(1e-5, 1e-3 * R0))
    rho1 = min(rho_max, R0 + 12 / kappa)
    u = np.linspace(ua, math.log(rho1), 400)
    rho = np.minimum(np.exp(u), 300.0)
    th = 2 * np.arctan(math.sinh(min(R0, 300.0)) / np.sinh(rho))
    y = np.vstack([th, np.gradient(th, u)])
    sol = _ladder(f, _bc(math.exp(ua), rho1, kappa), u, y, max(tol, 1e-6))
    if not sol.success or rho1 >= rho_max:
        return sol if not sol.success or tol >= 1e-6 else _ladder(
            f, _bc(math.exp(ua), rho1, kappa), sol.x, sol.y, tol)
    ext = np.linspace(sol.x[-1], math.log(rho_max), 200)[1:]
    u = np.concatenate([sol.x, ext])
    y = np.hstack([sol.y, _tail(ext, sol.y[0, -1], rho1, kappa)])
    return _ladder(f, _bc(math.exp(ua), rho_max, kappa), u, y, tol)


def radial_skyrmion(A, D, K_eff, *, Ms=None, H=0.0, rho_max=None, tol=1e-8,
                    R_guess=None):
    """Solve the radial Euler–Lagrange equation of an isolated Néel skyrmion (see the
    module).

    A [J/m] > 0, D [J/m²] (its sign sets the chirality), K_eff [J/m³] > 0, Ms [A/m]
    (needed when H ≠ 0), H [A/m] along +z (the background direction; H > 0 shrinks the
    skyrmion, −2K_eff/(μ0Ms) < H), ``rho_max``: domain length in units of Δ (default
    R_guess + 30/κ), ``tol``: solve_bvp's relative residual tolerance, ``R_guess`` [m]:
    initial radius. Requires 0 < abs(D) < D_c = 4√(A K_eff)/π.  Returns a
    :class:`RadialSkyrmion`.
    """
    A = _finite("A", A, 0, True, "J/m")
    K_eff = _finite("K_eff", K_eff, 0, True, "J/m^3")
    D = _finite("D", D, unit="J/m^2")
    H = _finite("H", H, unit="A/m")
    Delta, d = math.sqrt(A / K_eff), abs(D) / math.sqrt(A * K_eff)
    if not 0 < d < D_CRITICAL:
        Dc = D_CRITICAL * math.sqrt(A * K_eff)
        raise ValueError(f"abs(D) must be in (0, D_c = 4√(A K_eff)/π = {Dc:.6g} "
                         f"J/m^2), got D = {D!r}")
    if H != 0 and Ms is None:
        raise ValueError("Ms [A/m] is needed for a field H != 0")
    h = 0.0 if H == 0 else MU0 * _finite("Ms", Ms, 0, True, "A/m") * H / (2 * K_eff)
    if h <= -1:
        raise ValueError(f"H must exceed −2K_eff/(μ0 Ms) (the uniform +z state must be "
                         f"stable), got {H!r}")
    tol = _finite("tol", tol, 0, True)
    R0 = (_radius_guess(d, h) if R_guess is None
          else _finite("R_guess", R_guess, 0, True, "m") / Delta)
    kappa = math.sqrt(1 + h)
    if rho_max is None:
        rho_max = R0 + 30 / kappa
    rho_max = _finite("rho_max", rho_max, 0, True)
    sol = _solve(d, h, rho_max, tol, R0)
    # from the default guess solve_bvp misses the odd d ("maximum number of mesh nodes" at
    # d = 0.78 and 0.7826, h = 0; measured); from 0.9 or 1.1 times it, it converges
    for f in (0.9, 1.1, 1.25) if R_guess is None else ():
        if sol.success:
            break
        sol = _solve(d, h, rho_max, tol, f * R0)
    if not sol.success:
        raise RuntimeError(f"solve_bvp did not converge (d = {d:.4g}, h = {h:.4g}): "
                           f"{sol.message} "
                           "(tested for 0.15 <= d < 4/π; try R_guess)")
    u = np.linspace(sol.x[0], sol.x[-1], 40001)
    th, thu = sol.sol(u)
    if not (np.all(np.diff(th) < 0) and th[0] > 3 and th[-1] < 0.1):
        raise RuntimeError(f"solve_bvp found no monotone skyrmion (d = {d:.4g}, "
                           f"h = {h:.4g}): with H < 0 (against the background) a "
                           "skyrmion near d_c expands into a stripe")
    i = int(np.searchsorted(-th, -math.pi / 2))
    uR = brentq(lambda x: sol.sol(x)[0] - math.pi / 2, u[i - 1], u[i], xtol=1e-14)
    dens = _density_parts(u, th, thu, d, h)
    parts = {k: 2 * math.pi * A * simpson(v, x=u) for k, v in dens.items()}
    return RadialSkyrmion(
        r=Delta * np.exp(sol.x), theta=sol.y[0].copy(), radius=Delta * math.exp(uR),
        energy=sum(parts.values()), parts=parts, Delta=Delta, d=d, h=h,
        chirality=1 if D > 0 else -1, max_residual=float(np.max(sol.rms_residuals)),
        _sol=sol)


def radial_skyrmion_for(material, H=0.0, **kw):
    """:func:`radial_skyrmion` for a material with attributes A, D, K_eff, Ms (SI
    units)."""
    return radial_skyrmion(material.A, material.D, material.K_eff, Ms=material.Ms, H=H,
                           **kw)


def energy_parts(r, theta, A, D, K_eff, Ms=0.0, H=0.0):
    """Exchange, DMI, anisotropy and Zeeman energies per unit thickness [J/m] of any
    profile θ(r) sampled on a grid r [m] (trapezoid rule on the given grid, θ' by
    np.gradient; DMI with abs(D), the favourable chirality)."""
    r, th = np.asarray(r, float), np.asarray(theta, float)
    tp = np.gradient(th, r)
    s, c = np.sin(th), np.cos(th)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_r = np.where(r > 0, s / r, -tp)  # sinθ/r → −θ'(0) at the centre (θ(0) = π)
    dens = {"exchange": A * (tp**2 + s_r**2), "dmi": abs(D) * (tp + s_r * c),
            "anisotropy": K_eff * s**2, "zeeman": MU0 * Ms * H * (1 - c)}
    return {k: 2 * math.pi * trapezoid(v * r, x=r) for k, v in dens.items()}


def euler_lagrange_residual(r, theta, A, D, K_eff, Ms=0.0, H=0.0):
    """Residual of the radial Euler–Lagrange equation (module docstring) [J/m³] at the
    interior points of a profile sampled on a uniform grid r [m], with second-order
    central differences."""
    r, th = np.asarray(r, float), np.asarray(theta, float)
    dr = r[1] - r[0]
    t1 = (th[2:] - th[:-2]) / (2 * dr)
    t2 = (th[2:] - 2 * th[1:-1] + th[:-2]) / dr**2
    x, s, c = r[1:-1], np.sin(th[1:-1]), np.cos(th[1:-1])
    return (A * (t2 + t1 / x - s * c / x**2) - K_eff * s * c + abs(D) * s**2 / x
            - MU0 * Ms * H / 2 * s)


def texture_radius(mz, a, centre=None, n_rays=64, periodic=True):
    """Radius [m] of the m_z = 0 contour of a 2-D texture mz (nx, ny) on cells of size a
    [m] (cell centres at (i + ½) a), for comparing a lattice skyrmion with
    :func:`radial_skyrmion`.

    The centre (x, y) [m] defaults to the centroid of max(−m_z, 0); m_z is interpolated
    along ``n_rays`` rays by cubic splines (``scipy.ndimage.map_coordinates``, wrapping
    if ``periodic``); each ray's first zero is located to 1e-4 a; the mean over rays is
    returned.
    """
    from scipy.ndimage import map_coordinates
    mz = np.asarray(mz, float)
    if mz.ndim != 2:
        raise ValueError(f"mz must have shape (nx, ny), got {mz.shape}")
    if centre is None:
        w = np.maximum(-mz, 0)
        if w.sum() == 0:
            raise ValueError("mz has no cell with m_z < 0: no skyrmion core to measure")
        i, j = np.indices(mz.shape)
        W = w.sum()
        centre = ((i * w).sum() / W + 0.5) * a, ((j * w).sum() / W + 0.5) * a
    cx, cy = centre[0] / a - 0.5, centre[1] / a - 0.5  # in index units
    step = np.arange(0, min(mz.shape) / 2, 0.05)
    mode = "grid-wrap" if periodic else "nearest"
    radii = []
    for phi in np.arange(n_rays) * 2 * math.pi / n_rays:
        xi, yi = cx + step * math.cos(phi), cy + step * math.sin(phi)
        v = map_coordinates(mz, [xi, yi], order=3, mode=mode)
        k = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
        if k.size == 0:
            raise ValueError("no m_z = 0 crossing along a ray: not a skyrmion-like "
                             "texture")
        k = k[0]

        def f(t):
            xy = [[cx + t * math.cos(phi)], [cy + t * math.sin(phi)]]
            return map_coordinates(mz, xy, order=3, mode=mode)[0]

        radii.append(brentq(f, step[k], step[k + 1], xtol=1e-4))
    return float(np.mean(radii)) * a
