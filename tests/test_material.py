import math

import pytest

import spsll
from spsll.physics.material import MU0


def test_fept_derived_quantities_match_paper_and_design():
    m = spsll.FePt
    # Values computed by hand from the paper's parameters, listed with their formulas on the
    # book's "Reference values" page (book/reference_values.md); 6 printed digits → rel 1e-5.
    assert m.lambda_ex == pytest.approx(2.99897e-9, rel=1e-5)      # the paper's "≈ 3.1 nm" is off
    assert m.lambda_ex / m.a == pytest.approx(8.84651, rel=1e-5)
    assert m.K_eff == pytest.approx(3.61126e6, rel=1e-5)
    assert m.wall_width == pytest.approx(3.73341e-9, rel=1e-5)     # the paper: 3.73 nm
    assert spsll.GAMMA_MU0 == pytest.approx(2.21276e5, rel=1e-5)


def test_ideal_frequency_limits():
    m = spsll.FePt
    g = spsll.GAMMA_MU0 / (2 * math.pi)
    assert m.ideal_frequency(0.0) == pytest.approx(213.064e9, rel=1e-5)   # reference_values.md
    assert m.ideal_frequency(math.pi / m.a) == pytest.approx(10.6863e12, rel=1e-5)
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


def test_copt_derived_quantities_match_reference_values():
    from spsll.physics.material import CoPt
    # hand-computed on book/reference_values.md ("Skyrmion film"); 6 digits → rel 1e-5
    assert CoPt.Hk == pytest.approx(2.19524e6, rel=1e-5)
    assert CoPt.K_eff == pytest.approx(0.588634e6, rel=1e-5)
    assert CoPt.K_eff == pytest.approx(0.8e6 - MU0 * CoPt.Ms**2 / 2, rel=1e-12)
    assert CoPt.wall_parameter == pytest.approx(5.04804e-9, rel=1e-5)
    assert CoPt.lambda_ex == pytest.approx(8.42418e-9, rel=1e-5)
    assert CoPt.D_c == pytest.approx(3.78337e-3, rel=1e-5)
    assert CoPt.dmi_length == pytest.approx(10e-9, rel=1e-12)
    assert CoPt.with_cell(0.5e-9).a == 0.5e-9 and CoPt.with_cell(0.5e-9).D == CoPt.D


def test_D_is_recorded_only_when_nonzero():
    """Stores record material.to_dict() (attributes, settings, fingerprint): a D = 0
    material must give exactly the dict it gave before D existed."""
    assert spsll.FePt.to_dict() == {"Ms": 950e3, "A": 5.1e-12, "Hk": 7e6, "a": 0.339e-9,
                                    "name": "FePt"}
    assert spsll.FePt.D == 0.0
    from spsll.physics.material import CoPt
    d = CoPt.to_dict()
    assert d["D"] == 3e-3
    assert spsll.Material(**d) == CoPt
    neg = spsll.Material(Ms=580e3, A=15e-12, Hk=2.2e6, a=1e-9, D=-1e-3)
    assert neg.D == -1e-3 and neg.dmi_length == pytest.approx(30e-9)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "x"])
def test_D_validation_names_parameter(bad):
    with pytest.raises((ValueError, TypeError), match="D"):
        spsll.Material(Ms=950e3, A=5.1e-12, Hk=7e6, a=0.339e-9, D=bad)
