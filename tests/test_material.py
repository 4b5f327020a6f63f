import math

import numpy as np
import pytest

import spsll
from spsll.physics.material import MU0


def test_fept_derived_quantities_match_paper_and_design():
    m = spsll.FePt
    # λex = sqrt(2A/(μ0 Ms²)) ≈ 3.0 nm (DESIGN.md; the paper rounds to 3.1 nm)
    assert m.lambda_ex == pytest.approx(math.sqrt(2 * 5.1e-12 / (MU0 * 950e3**2)), rel=1e-15)
    assert 2.9e-9 < m.lambda_ex < 3.1e-9
    # K_eff = μ0 Ms (Hk − Ms)/2 and π sqrt(A/K_eff) = 3.73 nm as the paper states (3 digits)
    assert m.K_eff == pytest.approx(MU0 * 950e3 * (7e6 - 950e3) / 2, rel=1e-15)
    assert round(m.wall_width * 1e9, 2) == 3.73
    # γμ0 ≈ 2.2128e5 m A⁻¹ s⁻¹ (DESIGN.md, 5 digits)
    assert spsll.GAMMA_MU0 == pytest.approx(2.2128e5, rel=5e-5)


def test_ideal_frequency_limits():
    m = spsll.FePt
    g = spsll.GAMMA_MU0 / (2 * math.pi)
    assert m.ideal_frequency(0.0) == pytest.approx(g * (m.Hk - m.Ms), rel=1e-14)
    # zone edge: 1 − cos(π) = 2
    assert m.ideal_frequency(math.pi / m.a) == pytest.approx(g * (m.Hk - m.Ms + 4 * (m.lambda_ex / m.a) ** 2 * m.Ms), rel=1e-14)
    # small k: quadratic with the continuum exchange stiffness 2A/(μ0 Ms) k²
    k = 1e7
    assert m.ideal_frequency(k) - m.ideal_frequency(0) == pytest.approx(g * 2 * m.A / (MU0 * m.Ms) * k**2, rel=1e-4)


@pytest.mark.parametrize("kw,name", [
    (dict(Ms=-1.0), "Ms"), (dict(A=0.0), "A"), (dict(a=float("nan")), "a"), (dict(Hk=900e3), "Hk"),
])
def test_material_validation_names_parameter(kw, name):
    params = dict(Ms=950e3, A=5.1e-12, Hk=7e6, a=0.339e-9)
    params.update(kw)
    with pytest.raises(ValueError, match=name):
        spsll.Material(**params)
