"""Berg–Lüscher lattice charge (spsll.physics.topology) on analytic textures."""
import math

import numpy as np
import pytest
import torch

from spsll.physics.topology import (berg_luscher_charge, finite_difference_charge,
                                    triangle_solid_angles)


def ansatz(n=64, R=6.0, w=2.0, centre=None, polarity=-1, vorticity=1, helicity=0.0):
    """(3, n, n): θ(r) = 2 atan(sinh(R/w)/sinh(r/w)) (θ(0) = π, θ(R) = π/2), φ =
    vorticity·ψ + helicity; core along polarity·ẑ in a −polarity·ẑ background; lengths
    in cells."""
    # off the lattice sites
    cx, cy = (n / 2 - 0.3, n / 2 + 0.2) if centre is None else centre
    x, y = np.meshgrid(np.arange(n) - cx, np.arange(n) - cy, indexing="ij")
    r, psi = np.hypot(x, y), np.arctan2(y, x)
    th = 2 * np.arctan(math.sinh(R / w) / np.sinh(np.maximum(r, 1e-12) / w))
    phi = vorticity * psi + helicity
    m = np.stack([np.sin(th) * np.cos(phi), np.sin(th) * np.sin(phi), np.cos(th)])
    return m if polarity == -1 else -m


def is_integer(q, tol=1e-10):
    # the sum of ~2n² solid angles of order 1 in double precision: round-off ~1e-13
    return np.all(np.abs(q - np.round(q)) < tol)


def test_uniform_is_exactly_zero():
    m = np.zeros((2, 3, 16, 16))
    m[:, 2] = 1
    m[1] = -m[1]
    assert np.all(berg_luscher_charge(m) == 0.0)


def test_random_texture_on_a_periodic_lattice_has_an_integer_charge():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(8, 3, 16, 16))
    q = berg_luscher_charge(m)
    # rough textures wind too (measured: non-zero ones)
    assert is_integer(q) and np.any(q != 0)


@pytest.mark.parametrize("R", [0.8, 1.5, 3.0, 6.0, 12.0])
# Néel out, Bloch, Néel in
@pytest.mark.parametrize("helicity", [0.0, math.pi / 2, math.pi])
def test_skyrmion_ansatz_is_minus_one(R, helicity):
    q = berg_luscher_charge(ansatz(R=R, w=min(2.0, R), helicity=helicity))
    assert abs(q[0] + 1) < 1e-10


@pytest.mark.parametrize("polarity, vorticity, expected",
                         [(-1, 1, -1), (1, 1, 1), (-1, -1, 1), (1, -1, -1),
                          (-1, 2, -2)])
def test_sign_conventions(polarity, vorticity, expected):
    # Q = −polarity·vorticity for a texture whose core points along polarity·ẑ
    q = berg_luscher_charge(ansatz(R=5, polarity=polarity, vorticity=vorticity))
    assert abs(q[0] - expected) < 1e-10


def test_skyrmion_antiskyrmion_pair_is_zero_and_two_skyrmions_minus_two():
    a = ansatz(n=96, R=5, centre=(30.3, 48.2))
    for vort, expected in [(-1, 0), (1, -2)]:
        b = ansatz(n=96, R=5, centre=(66.7, 47.9), vorticity=vort)
        x = np.arange(96)[:, None] * np.ones(96)
        m = np.where(x < 48.5, a, b)  # both ≈ +z at the seam (θ ~ 1e-7)
        assert abs(berg_luscher_charge(m)[0] - expected) < 1e-10


def test_global_rotation_leaves_every_solid_angle_unchanged():
    rng = np.random.default_rng(2)
    q_, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rot = q_ * np.sign(np.linalg.det(q_))  # proper rotation
    m = ansatz(R=4)
    mr = np.einsum("ij,jxy->ixy", rot, m)
    w0, w1 = triangle_solid_angles(m), triangle_solid_angles(mr)
    assert np.abs(w0 - w1).max() < 1e-13
    assert abs(berg_luscher_charge(mr)[0] + 1) < 1e-10


def test_naive_finite_difference_charge_is_not_an_integer():
    # the continuum density with central differences misses the charge on coarse
    # textures and only tends to −1 as the texture widens; the lattice formula is exact
    # at every size
    errs = {}
    for R, w in [(1.5, 1.0), (3.0, 1.5), (12.0, 4.0)]:
        m = ansatz(n=96, R=R, w=w)
        errs[R] = abs(finite_difference_charge(m)[0] + 1)
        assert abs(berg_luscher_charge(m)[0] + 1) < 1e-10
    assert errs[1.5] > 0.05 and errs[1.5] > errs[3.0] > errs[12.0] > 1e-5


def test_vacancies_are_excluded_and_break_integrality():
    m = ansatz(R=5)
    mask = np.ones((64, 64), dtype=int)
    mask[40, 33] = 0  # in the skyrmion's tail, 8.3 cells from the centre (R = 5)
    full = triangle_solid_angles(m)
    q = berg_luscher_charge(m, mask=mask)[0]
    # the deficit is exactly the solid angle of the six triangles that touch the vacancy
    assert q == pytest.approx(-1 - _touching(full, 40, 33) / (4 * math.pi), abs=1e-14)
    assert 1e-5 < abs(q + 1) < 1e-2
    m0 = m * mask  # m = 0 at the vacancy: the same as the mask
    assert berg_luscher_charge(m0)[0] == pytest.approx(q, abs=1e-15)
    core = np.ones((64, 64), dtype=int)
    # the core on a vacant region: far from an integer (measured +0.048)
    core[31:34, 31:34] = 0
    assert abs(berg_luscher_charge(m, mask=core)[0] + 1) > 0.01


def test_a_texture_smaller_than_a_cell_falls_through_the_lattice():
    # R = 0.3 cells: no triangle spans the core, the lattice charge is 0 (exactly an
    # integer)
    assert abs(berg_luscher_charge(ansatz(R=0.3, w=0.3))[0]) < 1e-10


def _touching(omega, i, j):
    """Σ Ω of the triangles with corner (i, j): lower (00,10,11) and upper (00,11,01)
    triangles of the plaquettes whose corners include it."""
    lo, up = omega[0, 0], omega[0, 1]
    return (lo[i, j] + up[i, j] + lo[i - 1, j] + lo[i - 1, j - 1] + up[i - 1, j - 1]
            + up[i, j - 1])


def test_torch_input_and_open_boundaries():
    m = ansatz(R=5)
    assert berg_luscher_charge(torch.as_tensor(m))[0] == berg_luscher_charge(m)[0]
    # open boundaries drop the wrap-around plaquettes: nearly −1 for a well-contained
    # texture
    assert abs(berg_luscher_charge(m, periodic=False)[0] + 1) < 1e-6


@pytest.mark.parametrize("bad", [np.zeros((3, 8)), np.zeros((2, 2, 8, 8)),
                                 np.full((3, 4, 4), np.nan)])
def test_bad_input(bad):
    with pytest.raises(ValueError, match="m must"):
        berg_luscher_charge(bad)
    with pytest.raises(ValueError, match="mask must"):
        berg_luscher_charge(np.ones((3, 8, 8)), mask=np.full((8, 8), 2))
