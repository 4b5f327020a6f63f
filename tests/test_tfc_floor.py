"""spsll.learn.nets.tfc_least_squares: the least-squares floor of each TFC form."""
import numpy as np
import pytest
import torch

import spsll
from spsll.learn.nets import THZ, TFCDispersion, tfc_least_squares


@pytest.mark.parametrize("form", ["harmonic", "paper"])
def test_recovers_curves_inside_the_form(form):
    model = TFCDispersion(form=form, n_k=64)
    rng = np.random.default_rng(0)
    n = model.coeff_head.out_features
    if form == "paper":
        c = np.column_stack([rng.uniform(1, 5, 3), rng.uniform(-0.09, 0.09, (3, n - 1))])
    else:
        c = np.column_stack([rng.uniform(1, 5, 3), rng.uniform(-0.4, 0.4, (3, n - 1))])
    f = model.expression(torch.as_tensor(c), k=model.k).numpy() * THZ
    coeffs, fit = tfc_least_squares(model, f)
    assert coeffs.shape == (3, n) and fit.shape == f.shape
    np.testing.assert_allclose(fit, f, atol=1e-6 * THZ)
    np.testing.assert_allclose(coeffs, c, atol=1e-4)


def test_ideal_dispersion_floor_per_form():
    mat = spsll.FePt
    h = TFCDispersion(mat, form="harmonic", n_k=100)
    p = TFCDispersion(mat, form="paper", n_k=100)
    f = mat.ideal_frequency(h.k.numpy())
    _, fit_h = tfc_least_squares(h, f)
    assert np.abs(fit_h - f).max() < 1e-6 * THZ                 # contained exactly (b_1 = X_ideal)
    coeffs_p, fit_p = tfc_least_squares(p, f)
    assert coeffs_p[0] == pytest.approx(p.x_max)                # the paper's bound X ≤ 5.1 THz is active
    assert np.abs(fit_p - f).max() > 1e-3 * THZ
    _, fit_free = tfc_least_squares(p, f, bounded=False)        # unbounded: the cosine alone fits it
    assert np.abs(fit_free - f).max() < 1e-6 * THZ


def test_bad_input_is_refused():
    model = TFCDispersion(n_k=32)
    with pytest.raises(ValueError, match="shape"):
        tfc_least_squares(model, np.zeros((2, 31)))
    with pytest.raises(ValueError, match="finite"):
        tfc_least_squares(model, np.full(32, np.nan))
    with pytest.raises(TypeError, match="TFCDispersion"):
        tfc_least_squares(torch.nn.Linear(2, 2), np.zeros(32))
