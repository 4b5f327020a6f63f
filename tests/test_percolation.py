"""Resistor network, spanning cluster and the stiffness of explicit films against D/D₀ = Σ/P∞."""
import math

import numpy as np
import pytest
import torch

import spsll
from spsll.physics.defects2d import site_dilution_masks, tessellation_masks
from spsll.physics.explicit import ExplicitField
from spsll.physics.material import MU0
from spsll.physics.percolation import network, percolation, percolation_stats
from spsll.physics.stiffness import extrapolated_stiffness, finite_k_stiffness

MAT = spsll.FePt
A = MAT.a


def test_full_lattice_and_hand_made_networks():
    r = percolation(np.ones((12, 10)))
    assert r.sigma_x == pytest.approx(1, abs=1e-12) and r.sigma_y == pytest.approx(1, abs=1e-12) and r.P_inf == 1
    assert finite_k_stiffness(np.ones((16, 16)))[0] == pytest.approx(1.0, abs=1e-12)
    m = np.ones((10, 8))
    m[0, :] = 0  # a vacant line across x: no current along x; the 9 columns carry y-current
    r = percolation(m)
    assert r.sigma_x == pytest.approx(0, abs=1e-12) and r.sigma_y == pytest.approx(0.9, abs=1e-12)
    assert r.P_inf == pytest.approx(0.9)
    line = np.zeros((10, 8))
    line[3] = 1  # one chain along y: Σ_y = ny bonds / (nx ny) = 1/nx; P∞ = 1/nx
    r = percolation(line)
    assert (r.sigma_x, r.sigma_y, r.P_inf) == pytest.approx((0, 0.1, 0.1), abs=1e-12)
    assert percolation(np.zeros((5, 5))).P_inf == 0
    assert math.isnan(finite_k_stiffness(np.eye(8))[0])  # nothing spans a diagonal of isolated cells


def test_kirchhoff_solve_against_dense_least_squares(rng):
    """Σ_x = 2 min_φ ½‖Bφ + d‖² /(nx ny), B the bond-incidence matrix, by numpy lstsq (independent of
    the grounded sparse LU)."""
    mask = (rng.random((9, 7)) < 0.7).astype(int)
    net = network(mask)
    n = net.laplacian.shape[0]
    bonds = np.concatenate([net.bx, net.by], axis=1)
    B = np.zeros((bonds.shape[1], n))
    B[np.arange(bonds.shape[1]), bonds[1]] = 1
    B[np.arange(bonds.shape[1]), bonds[0]] = -1
    d = np.concatenate([np.ones(net.bx.shape[1]), np.zeros(net.by.shape[1])])
    phi = np.linalg.lstsq(B, -d, rcond=None)[0]
    assert percolation(mask).sigma_x == pytest.approx(np.sum((B @ phi + d) ** 2) / mask.size, rel=1e-10)


def test_masked_exchange_is_minus_J_times_the_network_laplacian(rng):
    mask = (rng.random((1, 9, 8)) < 0.65).astype(np.int8)
    lap = network(mask[0]).laplacian.toarray()
    m = rng.normal(size=(1, 3, 9, 8)) * mask[:, None]
    H = ExplicitField(MAT, mask).exchange(torch.as_tensor(m)).numpy()[0]
    J = 2 * MAT.A / (MU0 * MAT.Ms * A**2)
    present = mask[0].astype(bool)
    for c in range(3):
        np.testing.assert_allclose(H[c][present], -J * lap @ m[0, c][present], rtol=0, atol=1e-13 * J)


def test_site_dilution_sigma_over_p_against_the_reference():
    """book/reference_values.md: an independent numpy/scipy reference on 96² tori (24 realisations) gives
    Σ/P∞ ≈ 0.89 / 0.78 / 0.53 / 0.27 at p = 0.95 / 0.90 / 0.80 / 0.70 (two digits).  Here 64²,
    10 realisations: allowed 4 of our standard errors plus 0.01 (the reference's rounding,
    its own error and the finite-size shift between 64² and 96²)."""
    ps = [0.95, 0.90, 0.80, 0.70]
    S, P = percolation_stats(site_dilution_masks(ps, (64, 64), 10, seed=4))
    for i, ref in enumerate((0.89, 0.78, 0.53, 0.27)):
        r = S[i] / P[i]
        assert abs(r.mean() - ref) < 4 * r.std(ddof=1) / math.sqrt(r.size) + 0.01, (ps[i], r.mean())
    assert np.all(np.diff(S.mean(1)) < 0)  # and below mean field: Σ/P∞ < p
    assert np.all((S / P).mean(1) < np.array(ps) - 0.05)


@pytest.mark.parametrize("family", ["site p=0.9", "site p=0.75", "tessellation (4a, 1.5a)"])
def test_stiffness_extrapolates_to_sigma_over_p_inf(family):
    """k → 0 intercept of the paired difference D(k)/D₀ − Σ/P∞ (16 realisations per size) is zero
    within 3 standard errors of the fit; the finite-k excess is positive.  Site dilution: L = 16,
    24, 32.  Tessellation with T = 1.1 a: L = 32, 48, 64, since the excess decays like (kT)² only
    once kT ≪ 1 (coarser tessellations, T = 3a, keep an excess of 0.035 ± 0.010 at L = 32-64: the
    sizes do not reach the k → 0 regime, see the report of issue 13)."""
    if family.startswith("site"):
        p = float(family.split("=")[1])
        sizes, gen = (16, 24, 32), lambda L: site_dilution_masks(p, (L, L), 16, seed=L)[0]
    else:
        sizes, gen = (32, 48, 64), lambda L: tessellation_masks(4 * A, 1.5 * A, (L, L), A, 16, seed=L)[0]
    fit = extrapolated_stiffness({L: gen(L) for L in sizes})
    assert abs(fit.excess) < 3 * fit.excess_se, (fit.excess, fit.excess_se)
    assert fit.ratio_mean[0] > fit.sigma_over_p[0]  # D(k) above Σ/P∞ at the smallest L
    assert abs(fit.D - fit.sigma_over_p[-1]) < 3 * math.hypot(fit.D_se, fit.sigma_over_p_se[-1])


def test_stiffness_falls_towards_zero_at_the_percolation_threshold():
    """Site dilution near p_c = 0.5927: D(k)/D₀ at L = 32 is far below mean field (s = p)."""
    ratios = [np.nanmean([finite_k_stiffness(m)[0] for m in site_dilution_masks(p, (32, 32), 8, seed=1)[0]])
              for p in (0.8, 0.7, 0.62)]
    assert ratios[0] > ratios[1] > ratios[2] and ratios[2] < 0.15
