"""A straight wall across films with explicit vacancies (explicit_domain_wall, n_cells=(n, ny)),
checked against the 1-D walls it must reduce to and against masks whose fate is known."""
import warnings

import numpy as np
import pytest

import spsll
from spsll.physics.explicit import explicit_domain_wall

NM = 1e-9
MAT = spsll.FePt
N, NY = 48, 6


def test_vacancy_free_film_equals_the_ideal_chain_wall():
    # an independent solver path: the 1-D SPS-LL wall of the ideal chain
    ref = spsll.domain_wall(MAT, 10 * NM, 0.0, n_cells=N)
    w = explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_realisations=2, n_cells=(N, NY),
                             masks=np.ones((2, N, NY)))
    assert w.m.shape == (2, 3, N, NY) and w.masks.shape == (2, N, NY)
    # every column of the film is the chain (y-uniform exchange vanishes); both relax to
    # 1e-6 Ms torque, which moves the width by < 1e-4 nm (walls chapter), so 1e-4 nm
    np.testing.assert_allclose(w.width, ref.width, rtol=0, atol=1e-4 * NM)
    np.testing.assert_allclose(w.m[:, 2], np.repeat(ref.m[2][None, :, None], NY, -1)[[0, 0]],
                               atol=1e-6)
    assert not w.pinned.any() and w.converged.all() and w.n_defined == 2


def test_a_column_of_vacancies_at_the_wall_pins_it_and_one_far_away_does_not():
    masks = np.ones((2, N, NY))
    masks[0, N // 2 - 1:N // 2 + 1] = 0          # two vacant columns where the ansatz sits
    masks[1, 4:6] = 0                              # 18 cells (5 Δ) from the wall
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the far gap pulls: the wall creeps
        w = explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_realisations=2, n_cells=(N, NY),
                                 masks=masks, max_iter=800)
    assert w.pinned.tolist() == [True, False] and w.converged[0]
    # the pinned wall's centre is the middle of the gap, x = 0 (cells 23, 24 of 48)
    assert w.center[0] == pytest.approx(0.0, abs=1e-15) and np.isnan(w.width[0])
    ref = spsll.domain_wall(MAT, 10 * NM, 0.0, n_cells=N)
    # the far gap pulls with ~exp(−2d/Δ) ≈ 5e-5 of the wall's field: it stays in material, its
    # width a few 1e-3 nm from ideal (measured 0.003 nm after 20 000 iterations, 8e-5 nm after
    # 800); bound 0.01 nm
    assert w.width[1] == pytest.approx(ref.width, abs=0.01 * NM)
    assert abs(w.center[1]) < MAT.a


def test_y_uniform_masks_reduce_the_film_to_the_explicit_chain():
    # a film whose mask does not vary along y is the chain with the same mask, column by column
    chain = np.ones((3, N), np.int8)
    chain[0, 10:13] = 0
    chain[1, 30:33] = 0
    chain[2, 20:26] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # creeping walls are classified, not errors
        kw = dict(n_realisations=3, max_iter=3000)
        c = explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_cells=N, masks=chain, **kw)
        f = explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_cells=(N, NY),
                                 masks=np.repeat(chain[:, :, None], NY, -1), **kw)
    for name in ("pinned", "creeping", "converged"):
        assert getattr(f, name).tolist() == getattr(c, name).tolist(), name
    # the same relaxation on NY identical copies: round-off differences only
    np.testing.assert_allclose(f.center, c.center, rtol=0, atol=1e-6 * NM)
    np.testing.assert_allclose(f.width, c.width, rtol=0, atol=1e-6 * NM)


def test_sampled_film_masks_are_tessellations_and_every_wall_is_classified():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        w = explicit_domain_wall(MAT, np.array([10, 3]) * NM, np.array([1, 1]) * NM,
                                 n_realisations=2, n_cells=(N, NY), max_iter=500, seed=3)
    assert w.masks.shape == (2, 2, N, NY) and 0 < w.masks.mean() < 1
    states = w.pinned.astype(int) + w.creeping + (w.converged & ~w.pinned)
    assert (states <= 1).all()
    assert np.all(w.n_defined == (w.converged & ~w.pinned & np.isfinite(w.width)).sum(1))


def test_bad_masks_and_film_sizes_are_named():
    with pytest.raises(ValueError, match="masks"):
        explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_realisations=2, n_cells=(N, NY),
                             masks=np.ones((2, N, NY + 1)))
    with pytest.raises(ValueError, match="masks"):
        explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_realisations=1, n_cells=(N, NY),
                             masks=np.full((1, N, NY), 2))
    with pytest.raises(ValueError, match="ny"):
        explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_cells=(N, 2))
    with pytest.raises(ValueError, match="n_cells"):
        explicit_domain_wall(MAT, 10 * NM, 1 * NM, n_cells=(N, NY, 2))
