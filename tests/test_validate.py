"""Input validation (issue 15 item 5, issue 12): types named, ranges named, memory guarded before allocating."""
import numpy as np
import pytest
import torch

import spsll
from spsll._validate import (check_memory, check_seed, defect_params, finite_scalar, non_negative_int,
                             positive_int)
from spsll.physics.problem import resolve_device

NM = 1e-9


@pytest.mark.parametrize("bad", ["abc", "5e-9", 1j, np.complex128(1e-8), None, True, b"1e-8", ["1e-8"],
                                 [1e-8, 2j]])
@pytest.mark.parametrize("name", ["sigma", "tau"])
def test_sigma_tau_of_a_wrong_type_are_a_type_error_naming_the_parameter(name, bad):
    args = {"sigma": 10 * NM, "tau": 5 * NM, name: bad}
    with pytest.raises(TypeError, match=f"^{name} must be a real number"):
        defect_params(args["sigma"], args["tau"])
    with pytest.raises(TypeError, match=f"^{name} must be a real number"):
        spsll.domain_wall(spsll.FePt, args["sigma"], args["tau"], n_cells=16)


def test_real_numbers_of_every_kind_are_accepted():
    s, t, batched = defect_params(np.float32(1e-8), 0)
    assert s.tolist() == [float(np.float32(1e-8))] and t.tolist() == [0.0] and not batched
    s, t, batched = defect_params([1e-8, 2e-8], np.array(5e-9))
    assert batched and t.tolist() == [5e-9, 5e-9]
    assert finite_scalar("x", torch.tensor(2.0)) == 2.0 and finite_scalar("x", np.int64(3)) == 3.0
    with pytest.raises(TypeError, match="x must be a real number"):
        finite_scalar("x", "2.0")


def test_dt_is_checked_and_refused_with_dopri5():
    with pytest.raises(ValueError, match="dt must be > 0 s, got -1e-15"):
        spsll.dispersion(spsll.FePt, 10 * NM, 5 * NM, n_cells=16, duration=1e-13, dt=-1e-15)
    with pytest.raises(ValueError, match="dt is the fixed step of method='rk4'"):
        spsll.dispersion(spsll.FePt, 10 * NM, 5 * NM, n_cells=16, duration=1e-13, dt=1e-15)
    with pytest.raises(TypeError, match="dt must be a real number"):
        spsll.dispersion(spsll.FePt, 10 * NM, 5 * NM, n_cells=16, duration=1e-13, dt="1e-15", method="rk4")


def test_memory_guard_refuses_before_allocating(monkeypatch):
    # 4 GiB: far above these tests' needs, far below the refused requests; fixed so the test
    # does not depend on the machine's memory (the default is half the physical memory).
    monkeypatch.setenv("SPSLL_MAX_BYTES", str(4 * 2**30))
    with pytest.raises(ValueError, match=r"1000000000 cells \(n_cells\).*37.3 GiB.*4 GiB \(SPSLL_MAX_BYTES\)"):
        spsll.dispersion(spsll.FePt, 10 * NM, 5 * NM, n_cells=10**9)
    with pytest.raises(ValueError, match=r"rtn.sample: length/dx = 1000000000000 cells"):
        spsll.rtn.sample(10 * NM, 5 * NM, 1e-3, 1e-15)
    with pytest.raises(ValueError, match="lower batch_size"):  # 24 B x 1e6 steps x 500 cells = 11 GiB
        spsll.dispersion(spsll.FePt, 10 * NM, 5 * NM, duration=1e-8, dt_sample=1e-14)
    check_memory("a small array", 2**20)
    monkeypatch.setenv("SPSLL_MAX_BYTES", "lots")
    with pytest.raises(ValueError, match="SPSLL_MAX_BYTES must be a number"):
        check_memory("x", 1)


def test_one_device_resolver():
    assert resolve_device(None) == torch.device("cpu") and resolve_device("cpu") == torch.device("cpu")
    for bad in ("banana", "meta", "cuda:x"):
        with pytest.raises(ValueError, match=r"^device must be a torch device: one of 'cpu', 'cuda', 'cuda:N' or 'mps'"):
            resolve_device(bad)
    with pytest.raises(TypeError, match="device must be a torch device.*a string"):
        resolve_device(3)
    assert resolve_device("cuda:1", check_available=False) == torch.device("cuda:1")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="torch.cuda.is_available"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="device must be a torch device: one of"):
        spsll.domain_wall(spsll.FePt, 10 * NM, 0.0, n_cells=16, device="banana")


def test_one_seed_check_and_integer_checks():
    from spsll.data.plans import Plan, check_seed as plans_check_seed
    assert plans_check_seed is check_seed and check_seed(np.int64(7)) == 7
    for bad in (1.0, True, "3", None):
        with pytest.raises(TypeError, match="seed must be an integer"):
            check_seed(bad)
    for bad in (-1, 2**63):
        with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\)"):
            check_seed(bad)
    with pytest.raises(TypeError, match="seed"):
        Plan(n=4, seed=1.5)
    assert non_negative_int("k", 0) == 0 and non_negative_int("k", 4.0) == 4
    with pytest.raises(ValueError, match="k must be an integer >= 0"):
        non_negative_int("k", -1)
    with pytest.raises(TypeError, match="k must be an integer >= 1"):
        positive_int("k", "3")
    with pytest.raises(ValueError, match="use non_negative_int"):
        positive_int("k", 0, low=0)
