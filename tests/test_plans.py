"""Sampling plans of (σ, τ): ranges, units, seeding, Latin-hypercube stratification, validation."""
import numpy as np
import pytest

from spsll.data.plans import PLANS, SIGMA_RANGE, TAU_RANGE, Plan, chunk_bounds, make_plan

NM = 1e-9


def test_default_ranges_are_the_papers_in_metres():
    # The paper's box (its text: "0 ≤ σ ≤ 100 and 0 ≤ τ ≤ 20", nm), with σ ≥ 1 nm because σ = 0
    # is no material at all (the RTN model needs σ > 0).
    assert SIGMA_RANGE == (1 * NM, 100 * NM)
    assert TAU_RANGE == (0.0, 20 * NM)
    for plan in PLANS:
        s, t = make_plan(2000, plan=plan, seed=3)
        assert s.shape == t.shape == (2000,) and s.dtype == t.dtype == np.float64
        assert s.min() >= 1 * NM and s.max() <= 100 * NM
        assert t.min() >= 0 and t.max() <= 20 * NM
        # they fill the range (not, e.g., nanometres squeezed near 0)
        assert s.max() > 95 * NM and s.min() < 6 * NM and t.max() > 19 * NM and t.min() < 1 * NM


@pytest.mark.parametrize("plan", PLANS)
def test_same_seed_same_plan_other_seed_other_plan(plan):
    a = make_plan(100, plan=plan, seed=7)
    b = make_plan(100, plan=plan, seed=7)
    c = make_plan(100, plan=plan, seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_uniform_is_prefix_stable_and_custom_ranges_hold():
    s_small, t_small = make_plan(10, seed=1, sigma_range=(5 * NM, 6 * NM), tau_range=(1 * NM, 2 * NM))
    s_big, t_big = make_plan(50, seed=1, sigma_range=(5 * NM, 6 * NM), tau_range=(1 * NM, 2 * NM))
    assert np.array_equal(s_small, s_big[:10]) and np.array_equal(t_small, t_big[:10])
    assert 5 * NM <= s_big.min() and s_big.max() <= 6 * NM and 1 * NM <= t_big.min() and t_big.max() <= 2 * NM


def test_lhs_puts_one_sample_in_each_stratum_of_each_axis():
    n = 64
    s, t = make_plan(n, plan="lhs", seed=11)
    for x, (lo, hi) in ((s, SIGMA_RANGE), (t, TAU_RANGE)):
        strata = np.floor((x - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n))
    # uniform draws of the same size almost surely leave strata empty
    su, _ = make_plan(n, plan="uniform", seed=11)
    assert len(set(np.floor((su - SIGMA_RANGE[0]) / (SIGMA_RANGE[1] - SIGMA_RANGE[0]) * n).astype(int))) < n


@pytest.mark.parametrize("kwargs, words", [
    (dict(sigma_range=(0.0, 1e-7)), ["sigma_range", "> 0"]),
    (dict(sigma_range=(-1e-9, 1e-7)), ["sigma_range", "> 0"]),
    (dict(tau_range=(-1e-9, 2e-8)), ["tau_range", ">= 0"]),
    (dict(sigma_range=(1.0, 100.0)), ["sigma_range", "metres"]),
    (dict(tau_range=(2e-8, 1e-8)), ["tau_range", "low < high"]),
    (dict(sigma_range=(1e-9, float("nan"))), ["sigma_range", "finite"]),
    (dict(plan="sobol"), ["plan", "uniform", "lhs"]),
    (dict(n=0), ["n must", ">= 1"]),
    (dict(seed=-1), ["seed", "2**63"]),
])
def test_invalid_inputs_name_the_parameter_and_range(kwargs, words):
    args = dict(n=10)
    args.update(kwargs)
    with pytest.raises(ValueError) as e:
        Plan(**args)
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize("kwargs", [dict(n=2.5), dict(seed=1.5), dict(seed=None), dict(sigma_range=1e-9)])
def test_wrong_types_are_type_errors(kwargs):
    args = dict(n=10)
    args.update(kwargs)
    with pytest.raises(TypeError):
        Plan(**args)


def test_chunk_bounds_cover_every_sample_once():
    b = chunk_bounds(10, 4)
    assert b == [(0, 4), (4, 8), (8, 10)]
    assert np.array_equal(np.concatenate([np.arange(lo, hi) for lo, hi in chunk_bounds(1001, 32)]), np.arange(1001))
    with pytest.raises(ValueError, match="chunk"):
        chunk_bounds(10, 0)
