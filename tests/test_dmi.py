"""Interfacial DMI: field against its energy and the continuum formula; walls, cycloids,
the uniform state's spin waves and free edges against analytic results."""
import dataclasses
import math

import numpy as np
import pytest
import torch
from scipy.optimize import brentq
from scipy.special import ellipe, ellipk

import spsll
from spsll.physics.dmi import InterfacialDMI
from spsll.physics.energy import NoEnergyError, energy_terms
from spsll.physics.fields import build_field
from spsll.physics.integrate import relax
from spsll.physics.material import MU0, CoPt

NM = 1e-9


def _mat(a=CoPt.a, D=CoPt.D):
    return dataclasses.replace(CoPt, a=a, D=D)


def _fd_field(mat, m, mask, H_ext, eps=1e-6):
    """−(1/(μ0 Ms a^d)) ∂E/∂m by central differences of the total energy."""
    g = np.zeros_like(m)
    for idx in np.ndindex(m.shape):
        mp, mm = m.copy(), m.copy()
        mp[idx] += eps
        mm[idx] -= eps
        b = idx[0]
        g[idx] = (energy_terms(mat, mp, mask, H_ext)["total"][b]
                  - energy_terms(mat, mm, mask, H_ext)["total"][b]) / (2 * eps)
    return -g / (MU0 * mat.Ms * mat.a ** (m.ndim - 2))


@pytest.mark.parametrize("shape", [(7,), (6, 5)])
@pytest.mark.parametrize("masked", [True, False])
def test_field_is_minus_the_energy_gradient(shape, masked):
    """Every term of build_field (exchange, anisotropy, DMI, Zeeman) is
    −(1/μ0 Ms a^d) ∂E/∂m of energy_terms, on a random (unnormalised) state of a randomly
    masked or ideal periodic grid."""
    rng = np.random.default_rng(3)
    B = 2
    mask = (rng.random((B,) + shape) < 0.7).astype(float) if masked else None
    m = rng.normal(size=(B, 3) + shape) * (1 if mask is None else mask[:, None])
    H_ext = (1e4, -2e4, 3e4)
    H = build_field(CoPt, shape, mask=mask, H_ext=H_ext)(torch.tensor(m)).numpy()
    H_fd = _fd_field(CoPt, m, mask, H_ext)
    # The energy is quadratic in m, so the central difference has no truncation error;
    # what is left is round-off: |E| ~ 1e-19 J/m to 16 digits over eps = 1e-6 gives
    # ~1e-9 of max|H| (measured 1.5e-9).
    assert np.abs(H - H_fd).max() < 1e-7 * np.abs(H).max()
    if masked:
        assert np.all(H[np.broadcast_to(mask[:, None] == 0, H.shape)] == 0)


def test_field_matches_the_continuum_formula_and_sign():
    """H = (2D/μ0 Ms)(∂x m_z, ∂y m_z, −∂x m_x − ∂y m_y) (MuMax3 / magnum.np convention).

    For one Fourier mode per axis the central difference is exactly sin(ka)/(ka) times
    the derivative, so the lattice field is the analytic one times that factor, to
    round-off."""
    nx, ny = 16, 12
    a = CoPt.a
    kx, ky = 2 * math.pi / (nx * a), 2 * 2 * math.pi / (ny * a)
    X, Y = np.meshgrid((np.arange(nx) + 0.5) * a, (np.arange(ny) + 0.5) * a,
                       indexing="ij")
    m = np.stack([np.sin(kx * X), np.cos(ky * Y),
                  0.3 * np.cos(kx * X) + 0.5 * np.sin(ky * Y)])
    fx, fy = math.sin(kx * a) / (kx * a), math.sin(ky * a) / (ky * a)
    c = 2 * CoPt.D / (MU0 * CoPt.Ms)
    ref = c * np.stack([
        fx * (-0.3 * kx * np.sin(kx * X)),                            # ∂x m_z
        fy * (0.5 * ky * np.cos(ky * Y)),                             # ∂y m_z
        -(fx * kx * np.cos(kx * X) + fy * (-ky * np.sin(ky * Y))),    # −∂x m_x − ∂y m_y
    ])
    H = InterfacialDMI(CoPt, 2).h(torch.tensor(m[None]))[0].numpy()
    assert np.abs(H - ref).max() < 1e-12 * np.abs(ref).max()


def test_chain_is_a_film_uniform_along_y():
    """A chain has only x-derivatives: its field is a y-uniform film's."""
    rng = np.random.default_rng(0)
    m = rng.normal(size=(2, 3, 9))
    film = np.repeat(m[..., None], 4, axis=-1)
    Hc = build_field(CoPt, 9)(torch.tensor(m)).numpy()
    Hf = build_field(CoPt, (9, 4))(torch.tensor(film)).numpy()
    assert np.abs(Hf - Hc[..., None]).max() < 1e-9 * np.abs(Hc).max()


def test_envelope_weights_bonds_like_removing_sites():
    """With the envelope s equal to a 0/1 mask, the statistical DMI field (on s·m)
    equals the explicit-vacancy field on every present cell: both drop exactly the bonds
    to vacancies."""
    rng = np.random.default_rng(1)
    c = (rng.random((3, 8, 7)) < 0.6).astype(float)
    m = torch.tensor(rng.normal(size=(3, 3, 8, 7)))
    stat = InterfacialDMI(CoPt, 2, s=torch.tensor(c).unsqueeze(1)).h(m).numpy()
    expl = InterfacialDMI(CoPt, 2, c=torch.tensor(c).unsqueeze(1)).h(m).numpy()
    present = np.broadcast_to(c[:, None] == 1, stat.shape)
    assert np.array_equal(stat[present], expl[present])


def test_energy_of_the_statistical_model_is_refused():
    env = np.full((1, 8), 0.7)
    with pytest.raises(NoEnergyError, match="envelope"):
        energy_terms(CoPt, np.zeros((1, 3, 8)), envelope=env)


def test_build_field_adds_dmi_only_when_D_is_nonzero():
    def has_dmi(field):
        return any(isinstance(t, InterfacialDMI) for t in field.local)

    assert not has_dmi(build_field(spsll.FePt, 8))
    assert has_dmi(build_field(CoPt, (8, 8)))


# ---- 1-D walls -----------------------------------------------------------------------

def _two_wall_energy(mat):
    """Relax two walls (from Bloch walls, m in the y–z plane: no chirality imposed) in a
    periodic chain of 40 Δ; return the energy per wall [J/m²] and the state (3, N)."""
    delta = mat.wall_parameter
    n = int(round(40 * delta / mat.a))
    x = (np.arange(n) + 0.5) * mat.a
    L = n * mat.a
    th = sum(2 * np.arctan(np.exp((x - x0) / delta)) for x0 in (L / 4, 3 * L / 4))
    m0 = np.stack([1e-3 * np.sin(th), np.sin(th), np.cos(th)])[None]  # m_x hint: D = 0
    r = relax(build_field(mat, n), torch.tensor(m0), mat.Ms, tol=1e-9, max_iter=100_000)
    assert r.converged.all()
    return energy_terms(mat, r.m)["total"][0] / 2, r.m[0].numpy()


def test_neel_wall_energy_chirality_and_critical_D():
    """σ = 4 sqrt(A K_eff) − π|D| (walls 10 Δ apart: interaction ~e^−20), Néel with the
    chirality of sign(D), and D_c = 4 sqrt(A K_eff)/π where σ changes sign."""
    sigma0 = 4 * math.sqrt(CoPt.A * CoPt.K_eff)
    Ds = [0.0, 1.5e-3, 3e-3, -3e-3]
    extrapolated = []
    for D in Ds:
        s_a, (mx, my, mz) = _two_wall_energy(_mat(0.5 * NM, D))
        s_h, _ = _two_wall_energy(_mat(0.25 * NM, D))
        # lattice error O((a/Δ)²) (measured ratio 4.0 per halving): Richardson drops it
        s_r = (4 * s_h - s_a) / 3
        extrapolated.append(s_r)
        # leftover O((a/Δ)⁴), a/Δ = 0.1 at a = 0.5 nm: 1e-4 of σ0 (measured ≤ 4e-7)
        assert s_r == pytest.approx(sigma0 - math.pi * abs(D), abs=1e-4 * sigma0)
        if D != 0:  # at D = 0 Bloch and Néel walls are degenerate (local demag only)
            assert np.abs(my).max() < 1e-6  # Néel: no m_y left
            # chirality: ŷ·(m × ∂x m) = θ' has the sign of −D (DMI energy D θ' < 0)
            rot = mz * np.gradient(mx) - mx * np.gradient(mz)
            assert np.all(np.sign(rot[np.abs(mz) < 0.9]) == -np.sign(D))
            assert abs(mx[np.argmin(np.abs(mz))]) > 0.99
    # σ is linear in D (the 1-D Néel profile does not depend on D): its zero is D_c
    slope, icpt = np.polyfit(Ds[:3], extrapolated[:3], 1)
    assert -icpt / slope == pytest.approx(CoPt.D_c, rel=1e-4)  # measured 5e-8
    assert CoPt.D_c == pytest.approx(3.78337e-3, rel=1e-5)  # book/reference_values.md


# ---- cycloid above D_c ---------------------------------------------------------------

def _cycloid_reference(mat):
    """Analytic cycloid of a uniaxial film, energy density A θ'² + D θ' + K sin²θ with
    K = K_eff.  First integral A θ'² − K sin²θ = C ≥ 0; with k² = K/(C + K) one turn
    takes L = 4 Δ k K(k), and the energy density relative to the uniform state is

        ε(L) = [8 sqrt(A K) E(k)/k − 2π|D|] / L − K (1/k² − 1).

    dε/dC = 0 gives E(k)/k = |D|/D_c: the optimal period L* = 4 Δ k* K(k*), ε* = −C*."""
    K, A, delta = mat.K_eff, mat.A, mat.wall_parameter

    def eps(L):
        m = brentq(lambda q: 4 * delta * math.sqrt(q) * ellipk(q) - L, 1e-14, 1 - 1e-16)
        turn = 8 * math.sqrt(A * K) * ellipe(m) / math.sqrt(m) - 2 * math.pi * abs(
            mat.D)
        return turn / L - K * (1 / m - 1)

    m_star = brentq(lambda q: ellipe(q) / math.sqrt(q) - abs(mat.D) / mat.D_c,
                    1e-12, 1 - 1e-15)
    return eps, 4 * delta * math.sqrt(m_star) * ellipk(m_star)


def _cycloid_energy_density(mat, n):
    x = (np.arange(n) + 0.5) * mat.a
    th = -np.sign(mat.D) * 2 * math.pi * x / (n * mat.a)  # one turn, the favoured sense
    m0 = np.stack([np.sin(th), 0 * th, np.cos(th)])[None]
    r = relax(build_field(mat, n), torch.tensor(m0), mat.Ms, tol=1e-9, max_iter=100_000)
    assert r.converged.all()
    return energy_terms(mat, r.m)["total"][0] / (n * mat.a)


def test_cycloid_above_critical_D_has_the_analytic_energy_and_period():
    D = 4.5e-3  # D/D_c = 1.19
    coarse, fine = _mat(0.5 * NM, D), _mat(0.25 * NM, D)
    eps_an, L_star = _cycloid_reference(coarse)
    assert L_star == pytest.approx(47.5726 * NM, rel=1e-5)  # book/reference_values.md
    fractions = np.array([0.94, 0.97, 1.0, 1.03, 1.06])
    ns = np.round(L_star / coarse.a * fractions).astype(int)
    L = ns * coarse.a
    # Richardson: the lattice error is O((a/Δ)²)
    num = np.array([(4 * _cycloid_energy_density(fine, 2 * n)
                     - _cycloid_energy_density(coarse, n)) / 3 for n in ns])
    ref = np.array([eps_an(v) for v in L])
    assert np.all(num < 0)  # lower than the uniform state (energy 0)
    # leftover O((a/Δ)⁴) = 1e-4 relative at a = 0.5 nm (measured 1.2e-6)
    assert np.abs(num / ref - 1).max() < 1e-4
    # the minimum over these periods, by a parabola through the five points, is where
    # the same parabola through the analytic ε puts it (measured: 2e-7 apart), and
    # within the parabola's own bias (0.41 %, measured on the analytic ε) of exact L*
    fit_num, fit_an = np.polyfit(L, num, 2), np.polyfit(L, ref, 2)
    L_num, L_an = -fit_num[1] / (2 * fit_num[0]), -fit_an[1] / (2 * fit_an[0])
    assert L_num == pytest.approx(L_an, rel=1e-4)
    assert L_num == pytest.approx(L_star, rel=1e-2)


def test_uniform_state_is_not_linearly_unstable_above_critical_D():
    """DMI drops out of small deviations about m = ẑ (the field they make is along ẑ or
    second order): a perturbed uniform film relaxes back to ẑ even at D = 1.2 D_c."""
    mat = _mat(D=1.2 * CoPt.D_c)
    rng = np.random.default_rng(0)
    m0 = np.zeros((2, 3, 24, 24))
    m0[:, :2] = 0.05 * rng.normal(size=(2, 2, 24, 24))
    m0[:, 2] = 1
    r = relax(build_field(mat, (24, 24)), torch.tensor(m0), mat.Ms, tol=1e-8,
              max_iter=50_000)
    assert r.converged.all()
    assert r.m[:, :2].abs().max() < 1e-6


def test_magnon_dispersion_does_not_depend_on_D():
    """Through the chain dispersion recipe: the uniform state's spin waves at
    D = 3 mJ/m² are those of D = 0 up to nonlinear effects, which vanish with the
    excitation amplitude (a linear DMI term would shift them by the same amount at any
    amplitude), and follow the D-free analytic f(k) = (γμ0/2π)[Hk − Ms + Ms ω(k)]."""
    diff = []
    for amp in (0.1, 0.01):
        r = [spsll.dispersion(mat, 10 * NM, 0.0, n_cells=128, keep_power=False,
                              amplitude=amp) for mat in (CoPt, _mat(D=0.0))]
        diff.append(np.abs(r[0].peak_frequency - r[1].peak_frequency).max())
    assert diff[1] < diff[0] / 5  # measured 15.2 → 2.2 GHz
    assert diff[1] < 5e9
    # k = 0 excluded: CoPt's gap (56.9 GHz) lies below the recipe's first 100-GHz bin.
    # Bound of the ideal-chain recipe (test_dispersion): 10 GHz mean absolute error.
    err = np.abs(r[0].peak_frequency - CoPt.ideal_frequency(r[0].k))[r[0].k != 0]
    assert err.mean() < 10e9


# ---- free edges ----------------------------------------------------------------------

@pytest.mark.parametrize("D", [3e-4, -3e-4, 3e-3])
@pytest.mark.parametrize("axis", [0, 1])
def test_free_edge_tilt_satisfies_the_boundary_condition(D, axis):
    """At a free edge 2A ∂m/∂n = −D (ẑ × n) × m (the natural boundary condition of this
    sign convention), i.e. θ' = −D/(2A) at both ends of a strip.  The continuum edge
    profile solves A θ'² = K sin²θ: tan(θ/2) = tan(θ_e/2) e^(−x/Δ), sin θ_e = D Δ/(2A)
    (θ_e ≈ D Δ/(2A) at small D), x the distance from the cell face.  Edges across x
    (axis 0, tilt in the x–z plane) and across y (axis 1, tilt in the y–z plane)."""
    mat = _mat(0.25 * NM, D)
    delta = mat.wall_parameter
    n = int(round(30 * delta / mat.a))
    shape = (n, 3) if axis == 0 else (3, n)
    c = np.ones((1,) + shape)
    c[(0,) + ((-1, slice(None)) if axis == 0 else (slice(None), -1))] = 0
    m0 = np.zeros((1, 3) + shape)
    m0[:, 2] = c
    r = relax(build_field(mat, shape, mask=c), torch.tensor(m0), mat.Ms, tol=1e-10,
              max_iter=100_000)
    assert r.converged.all()
    m = r.m[0].numpy()
    prof = m[:, :-1, 1] if axis == 0 else m[:, 1, :-1]
    th = np.arctan2(prof[axis], prof[2])  # tilt towards +x (axis 0) or +y (axis 1)
    x = (np.arange(n - 1) + 0.5) * mat.a
    th_e = math.asin(D * delta / (2 * mat.A))
    left = 2 * np.arctan(math.tan(th_e / 2) * np.exp(-x / delta))
    cont = left - left[::-1]  # the far edge tilts the other way (θ' < 0 at both ends)
    # lattice error O((a/Δ)²) = 2.5e-3 of θ_e at a = 0.25 nm (measured 1.2e-3)
    assert np.abs(th - cont).max() < 5e-3 * abs(th_e)
    # the slope between the first two cells approximates θ'(a) = −sin θ(a)/Δ (first
    # integral; at the face x = 0 it is −sin θ_e/Δ = −D/(2A), the boundary condition)
    th_a = 2 * math.atan(math.tan(th_e / 2) * math.exp(-mat.a / delta))
    assert (th[1] - th[0]) / mat.a == pytest.approx(-math.sin(th_a) / delta, rel=1e-2)
