"""The cycloid and Néel-wall closed forms (spsll.physics.cycloid) against direct
minimisations of independently discretised chains (scipy L-BFGS; torch only for
automatic gradients)."""
import math

import numpy as np
import pytest
import torch
from scipy.optimize import minimize, minimize_scalar

from spsll.physics.cycloid import (critical_dmi, cycloid_energy_density,
                                   cycloid_modulus, cycloid_period, cycloid_profile,
                                   neel_wall_energy)

MU0 = 4e-7 * math.pi
A, MS, KU = 15e-12, 580e3, 0.8e6
K = KU - MU0 * MS**2 / 2  # CoPt (Sampaio et al. 2013) with local thin-film demag
DELTA = math.sqrt(A / K)


def test_copt_threshold_and_wall():
    # by hand: √(A K) = √(15e-12 × 588633.65) = 2.97146e-3 J/m², D_c = 4√(AK)/π
    assert critical_dmi(A, K) == pytest.approx(3.78337e-3, rel=1e-5)
    sigma = 4 * 2.971448e-3 - math.pi * 3e-3
    assert neel_wall_energy(A, 3e-3, K) == pytest.approx(sigma, rel=1e-5)
    assert neel_wall_energy(A, critical_dmi(A, K), K) == pytest.approx(0, abs=1e-18)
    with pytest.raises(ValueError, match="must exceed D_c"):
        cycloid_period(A, 3e-3, K)  # CoPt is below D_c: no cycloid, walls cost energy
    with pytest.raises(ValueError, match="A must be"):
        critical_dmi(-1, K)


def _chain_energy(m, D, h):
    """Energy per unit area (units √(A K), lengths in Δ) of a chain of unit vectors m
    (3, n), spacing h: bonds A|m_{i+1} − m_i|²/h + D ŷ·(m_i × m_{i+1}) (the bond form of
    D(m_z ∂x m_x − m_x ∂x m_z)), sites K h (1 − m_z²) on the interior sites."""
    a, b = m[:, :-1], m[:, 1:]
    return (((b - a) ** 2).sum() / h + D * (a[2] * b[0] - a[0] * b[2]).sum()
            + h * (1 - m[2, 1:-1] ** 2).sum())


def _relax_wall(d, h, L=16.0):
    """A wall from −z (x = −L/2) to +z (x = +L/2) on a chain of spacing h, interior
    spins free (m = p/|p|), started as a Bloch wall (m_x = 0) tilted by 0.1 rad towards
    +x."""
    x = np.arange(-L / 2, L / 2 + h / 2, h)
    th = 2 * np.arctan(np.exp(-x))
    ph = math.pi / 2 - 0.1
    p0 = np.stack([np.sin(th) * math.cos(ph), np.sin(th) * math.sin(ph), np.cos(th)])
    ends = torch.tensor(p0[:, [0, -1]])
    ends[:, 0], ends[:, 1] = torch.tensor([0, 0, -1.0]), torch.tensor([0, 0, 1.0])

    def f(q):
        t = torch.tensor(q.reshape(3, -1), requires_grad=True)
        m = torch.cat([ends[:, :1], t / t.norm(dim=0), ends[:, 1:]], dim=1)
        e = _chain_energy(m, d, h)
        e.backward()
        return e.item(), t.grad.numpy().ravel()

    res = minimize(f, p0[:, 1:-1].ravel(), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-11, "ftol": 1e-15, "maxiter": 20000})
    m = res.x.reshape(3, -1)
    m = m / np.linalg.norm(m, axis=0)
    wall = np.abs(m[2]) < 0.9  # the cells inside the wall
    return res.fun, m[0, np.argmin(np.abs(m[2]))], np.abs(m[1, wall]).max()


@pytest.mark.parametrize("d", [0.5, -0.5, 1.2])
def test_relaxed_wall_is_neel_with_the_closed_form_energy(d):
    # a Bloch start relaxes to a Néel wall (m_y → 0) with m_x of sign +sign(D) where θ
    # goes from π to 0 along +x; its energy tends to 4 − π|d| (units √(A K)) at O(h²):
    # errors fall ~4× per halving (measured: 1.4e-3 → 3.6e-4 at d = ±0.5, 5.9e-3 →
    # 1.5e-3 at d = 1.2; m_y < 3e-7)
    errs = []
    for h in (0.2, 0.1):
        e, mx_mid, my_max = _relax_wall(d, h)
        errs.append(abs(e - (4 - math.pi * abs(d))))
        assert np.sign(mx_mid) == np.sign(d) and abs(mx_mid) > 0.99 and my_max < 1e-4
    assert errs[1] < 5e-3 and 3 < errs[0] / errs[1] < 5


def _min_energy_at_period(L, d, n=200):
    """Mean energy density (units K) of the best winding-one texture of period L (units
    Δ) on n points: exchange + anisotropy minimised by L-BFGS; the DMI sum telescopes to
    −2π d/L."""
    h = L / n

    def f(t):
        dl = np.diff(np.concatenate([t, [t[0] - 2 * math.pi]]))
        e = np.sum(dl**2) / h + h * np.sum(np.sin(t) ** 2)
        gb = 2 * dl / h
        return e, np.roll(gb, 1) - gb + h * np.sin(2 * t)

    t0 = -2 * math.pi * np.arange(n) / n
    res = minimize(f, t0, jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15})
    return (res.fun - 2 * math.pi * d) / L


@pytest.mark.parametrize("ratio", [1.3, 3.0])
def test_period_and_energy_match_direct_minimisation(ratio):
    d = ratio * 4 / math.pi
    L_th = cycloid_period(1.0, d, 1.0)
    opt = minimize_scalar(lambda L: _min_energy_at_period(L, d),
                          bounds=(0.5 * L_th, 2 * L_th), method="bounded",
                          options={"xatol": 1e-6 * L_th})
    # n = 200 points per period: O((L/n)²) discretisation error (measured: energy 7e-5
    # and period 3e-5 relative at 1.3 D_c, 9e-7 and 8e-7 at 3 D_c)
    assert opt.fun == pytest.approx(cycloid_energy_density(1.0, d, 1.0), rel=1e-3)
    assert opt.x == pytest.approx(L_th, rel=1e-3)
    # at a fixed, non-optimal period the closed form ε(L) holds too
    for L in (0.7 * L_th, 1.6 * L_th):
        assert _min_energy_at_period(L, d) == pytest.approx(
            cycloid_energy_density(1.0, d, 1.0, period=L), rel=1e-3)


def test_limits_of_the_period():
    Dc = critical_dmi(A, K)
    # D → D_c⁺: k → 1 and L diverges like 4Δ ln(4/√(1 − k²))
    Ls = [cycloid_period(A, Dc * (1 + e), K) for e in (1e-1, 1e-2, 1e-4, 1e-8)]
    assert all(a < b for a, b in zip(Ls, Ls[1:]))
    k = cycloid_modulus(A, Dc * (1 + 1e-8), K)
    asymptote = 4 * DELTA * math.log(4 / math.sqrt(1 - k * k))
    assert Ls[-1] == pytest.approx(asymptote, rel=1e-3)
    # D ≫ D_c: L → 4πA/D (measured: 1.0123 at 2 D_c, 1.0000012 at 20 D_c)
    for f, tol in [(20, 2e-6), (200, 2e-8)]:
        D = f * Dc
        assert cycloid_period(A, D, K) == pytest.approx(4 * math.pi * A / D, rel=tol)
    # the energy tends to 0⁻ at D_c⁺ and is negative above
    es = [cycloid_energy_density(A, Dc * (1 + e), K) for e in (1e-1, 1e-2, 1e-4)]
    assert all(e < 0 for e in es) and abs(es[-1]) < 1e-3 * abs(es[0])


def test_profile_turns_once_per_period_and_keeps_its_first_integral():
    D = -2 * critical_dmi(A, K)
    L = cycloid_period(A, D, K)
    x = np.linspace(0, L, 20001)
    th = cycloid_profile(x, A, D, K)
    assert th[-1] - th[0] == pytest.approx(2 * math.pi, rel=1e-10)  # θ' > 0 for D < 0
    tp = np.gradient(th, x)
    first = A * tp**2 - K * np.sin(th) ** 2
    k = cycloid_modulus(A, D, K)
    # central differences on 20000 points: relative error ~(h/Δ)² ~ 1e-7
    assert np.allclose(first[1:-1], K * (1 - k * k) / (k * k), rtol=1e-5)


def test_uniform_state_hessian_does_not_depend_on_d():
    # small deviations m = (u, v, √(1 − u² − v²)) on a periodic chain: the DMI enters at
    # first order only as a telescoping sum, so the Hessian at u = v = 0 is the same for
    # every D and positive definite (lowest eigenvalue 2K h: the uniform mode)
    n, h = 32, 0.25

    def energy(p, D):
        u, v = p[:n], p[n:]
        m = torch.stack([u, v, torch.sqrt(1 - u**2 - v**2)])
        a, b = m, torch.roll(m, -1, dims=1)
        return (((b - a) ** 2).sum() / h + D * (a[2] * b[0] - a[0] * b[2]).sum()
                + h * (1 - m[2] ** 2).sum())

    z = torch.zeros(2 * n, dtype=torch.float64)
    H0 = torch.autograd.functional.hessian(lambda p: energy(p, 0.0), z)
    H3 = torch.autograd.functional.hessian(lambda p: energy(p, 3 * 4 / math.pi), z)
    assert torch.allclose(H0, H3, atol=1e-12)
    assert torch.linalg.eigvalsh(H3).min().item() == pytest.approx(2 * h, rel=1e-12)
