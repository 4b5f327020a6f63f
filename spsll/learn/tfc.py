"""The TFC dispersion network: (σ, τ) → f(k) by a constrained expression, and its least-squares floor."""

from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from .._validate import finite_scalar, positive_int
from ..physics.material import FePt, Material
from ..units import NM, THZ
from .blocks import ConvTrunk, Net, Normalization, _as_batch, _mlp, mean_std

__all__ = ["TFCDispersion", "dispersion_k_grid", "tfc_least_squares"]


def dispersion_k_grid(n: int = 500, a: float = FePt.a) -> torch.Tensor:
    """The k grid of :func:`spsll.dispersion` [rad/m]: fftshifted, ascending, k_j ∈ [−π/a, π/a)."""
    n = positive_int("n", n, low=2)
    return (
        2
        * math.pi
        * torch.fft.fftshift(torch.fft.fftfreq(n, d=float(a), dtype=torch.float64))
    )


def _k_grid(k, n_k, a) -> torch.Tensor:
    """The output grid [rad/m], float64: ``k`` as given, or :func:`dispersion_k_grid` (n_k, a)."""
    if k is None:
        return dispersion_k_grid(n_k, a)
    k_t = torch.as_tensor(k, dtype=torch.float64).reshape(-1)
    if k_t.numel() < 1 or not torch.isfinite(k_t).all():
        raise ValueError(
            "k must be a non-empty 1-D array of finite wavenumbers [rad/m]"
        )
    return k_t


class TFCDispersion(Net):
    r"""(σ, τ) → dispersion f(k) by a constrained expression (theory of functional connections).

    A coefficient network maps the standardised (σ, τ) — and, with ``use_dispersion=True``,
    CNN features of a dispersion (paper Fig. 2) — to free outputs z; bounded activations turn
    them into coefficients, and a fixed expression builds f(k).  All frequencies are in **THz**
    inside the model (``forward`` returns THz; ``predict`` returns Hz).  k enters through the
    dimensionless κ = k a / π (κ = ±1 at the zone edge), so the corrections are O(1).

    ``form="paper"`` (Eq. 8, Methods "Implementation of TFC")::

        f(k) = X [1 − cos(k a)] + gap + Σ_{n=1}^{5} c_n |κ|^{n+1},
        X = x_max · sigmoid(z_0)  (x_max = 5.1 THz),   c_n = c_max · tanh(z_n)  (c_max = 0.1 THz).

    The paper writes the fixed term as γμ0 Hk; we use the material's gap
    gap = γμ0 (Hk − Ms) / 2π (0.213 THz for FePt), the k = 0 value of the ideal dispersion.
    The paper writes k^{n+1}; we use ``|κ|^{n+1}``, identical for k ≥ 0 and even in k.  This form
    holds the gap at k = 0, evenness, zero slope at k = 0 and the bounds on X and c_n, but not
    zero slope at the zone edge nor Brillouin-zone periodicity.  Note that the FePt ideal
    amplitude X = γμ0 Ms (λex/a)² · 2/2π = 5.24 THz lies just above the paper's bound 5.1 THz.

    ``form="harmonic"`` (default, improved)::

        f(k) = gap + Σ_{n=1}^{N} b_n [1 − cos(n k a)],
        b_1 = softplus(z_1) ≥ 0,   b_n = b_max · tanh(z_n)  (n ≥ 2, b_max = 0.5 THz).

    For ANY coefficients this holds f(0) = gap exactly, f(−k) = f(k), f'(0) = f'(±π/a) = 0 and
    f(k + 2π/a) = f(k) — the symmetries of a lattice dispersion — and it contains the ideal
    dispersion exactly (N = 1, b_1 = X).  Evidence for the basis: least-squares fits to SPS-LL
    dispersions (500 cells, 10 ps; 16 pairs: (10, 5), (22.9, 3.0), (15.1, 12.4) nm and 13 random
    with σ ≤ 100 nm, τ ≤ 20 nm) give a mean absolute error ≤ 1 GHz with N = 4 (≤ 18 GHz with N = 1) and ``|b_n| ≤ 0.03 THz`` for n ≥ 2, while the paper's polynomial basis
    is nearly collinear with 1 − cos(ka) (unbounded least-squares c_n reach ±100 THz).  The
    final layer starts with zero weights and a bias such that an untrained model predicts the
    material's ideal dispersion whatever its input (b_1 = X_ideal, the other coefficients 0; for
    the paper form X = min(X_ideal, 0.99 x_max)); training learns the departures from it.

    Parameters: ``material`` (gap, a and the ideal amplitude), ``n_k`` (length of the output
    grid, :func:`dispersion_k_grid`) or an explicit ``k`` [rad/m]; ``n_harmonics`` (N);
    ``hidden`` sizes of the coefficient MLP; ``use_dispersion`` with ``dispersion_length``.
    Normalisers: ``input`` (σ, τ; default std 10 nm) and, with ``use_dispersion``, ``dispersion``.
    The target is not standardised (that would break the constraints): encode_target = Hz → THz.
    """

    FORMS = ("harmonic", "paper")

    def __init__(
        self,
        material: Material = FePt,
        form: str = "harmonic",
        n_k: int = 500,
        k=None,
        n_harmonics: int = 6,
        x_max: float = 5.1,
        c_max: float = 0.1,
        b_max: float = 0.5,
        hidden=(64, 64, 64),
        use_dispersion: bool = False,
        dispersion_length: int = 500,
        dropout: float = 0.0,
        gap_thz: float | None = None,
        a: float | None = None,
        x_ideal_thz: float | None = None,
    ):
        super().__init__()
        if form not in self.FORMS:
            raise ValueError(f"form must be one of {self.FORMS}, got {form!r}")
        if not isinstance(material, Material):
            raise TypeError(
                f"material must be a spsll.Material, got {type(material).__name__}"
            )
        a = finite_scalar(
            "a", material.a if a is None else a, low=0, low_open=True, unit="m"
        )
        gap = finite_scalar(
            "gap_thz",
            material.ideal_frequency(0.0) / THZ if gap_thz is None else gap_thz,
            low=0,
            unit="THz",
        )
        x_ideal = (
            material.ideal_frequency(math.pi / material.a) / THZ
            - material.ideal_frequency(0.0) / THZ
        ) / 2
        x_ideal = finite_scalar(
            "x_ideal_thz",
            x_ideal if x_ideal_thz is None else x_ideal_thz,
            low=0,
            low_open=True,
            unit="THz",
        )
        x_max = finite_scalar("x_max", x_max, low=0, low_open=True, unit="THz")
        c_max = finite_scalar("c_max", c_max, low=0, low_open=True, unit="THz")
        b_max = finite_scalar("b_max", b_max, low=0, low_open=True, unit="THz")
        n_harmonics = positive_int("n_harmonics", n_harmonics)
        dropout = finite_scalar("dropout", dropout, low=0.0, high=0.95)
        k_t = _k_grid(k, n_k, a)
        n_k = int(k_t.numel())
        self.form, self.a, self.gap, self.x_max, self.c_max, self.b_max = (
            form,
            a,
            gap,
            x_max,
            c_max,
            b_max,
        )
        self.n_harmonics = n_harmonics if form == "harmonic" else 5
        self.use_dispersion = bool(use_dispersion)
        # fmt: off
        self.config = dict(form=form, n_k=n_k, k=None if k is None else k_t.tolist(),
                           n_harmonics=n_harmonics, x_max=x_max, c_max=c_max, b_max=b_max,
                           hidden=list(hidden), use_dispersion=self.use_dispersion,
                           dispersion_length=int(dispersion_length), dropout=dropout,
                           gap_thz=gap, a=a, x_ideal_thz=x_ideal)
        # fmt: on
        # κ = k a / π; kept in float64 until the module dtype is chosen (buffer follows .to()).
        self.register_buffer("kappa", (k_t * a / math.pi).float())
        n_out = 1 + (self.n_harmonics - 1 if form == "harmonic" else 5)
        self.norms["input"] = Normalization((2,), 0.0, 10 * NM)
        self._build_layers(hidden, dropout, dispersion_length, n_out, x_ideal)

    def _build_layers(self, hidden, dropout, dispersion_length, n_out, x_ideal):
        """Coefficient network (and the dispersion branch); the last layer starts at the
        material's ideal dispersion (zero weights, bias b_1 = X_ideal or X = X_ideal).
        """
        form, x_max = self.form, self.x_max
        self.param_net = (
            _mlp([2, *hidden], dropout=dropout, act=nn.SiLU, final_act=True)
            if hidden
            else nn.Identity()
        )
        if self.use_dispersion:
            self.dispersion_length = positive_int(
                "dispersion_length", dispersion_length, low=8
            )
            self.norms["dispersion"] = Normalization(
                (self.dispersion_length,), 0.0, THZ
            )
            self.disp_net = ConvTrunk(
                [1, 64, 128, 256, 128], [5, 5, 3, 3], [2, 2, 2, 1], 4
            )
            self.disp_proj = nn.Sequential(
                nn.Linear(self.disp_net.out_features, 64), nn.ReLU()
            )
        n_feat = (hidden[-1] if hidden else 2) + (64 if self.use_dispersion else 0)
        self.coeff_head = nn.Linear(n_feat, n_out)
        with torch.no_grad():  # start at the ideal dispersion
            self.coeff_head.weight.zero_()
            self.coeff_head.bias.zero_()
            if form == "harmonic":
                self.coeff_head.bias[0] = x_ideal + math.log(
                    -math.expm1(-x_ideal)
                )  # softplus⁻¹
            else:
                r = min(x_ideal / x_max, 0.99)
                self.coeff_head.bias[0] = math.log(r / (1 - r))

    # -- the constrained expression ---------------------------------------------------------
    def coefficients(self, params, dispersion=None) -> torch.Tensor:
        """Constrained coefficients [THz], shape (B, n): paper (X, c_1..c_5); harmonic (b_1..b_N)."""
        p = self._in(params)
        if p.ndim == 1:
            p = p[None]
        if p.ndim != 2 or p.shape[-1] != 2:
            raise ValueError(
                f"params must have shape (batch, 2) = (sigma, tau) in metres, got {tuple(p.shape)}"
            )
        h = self.param_net(self.norms["input"].encode(p))
        if self.use_dispersion:
            if dispersion is None:
                raise ValueError(
                    "this TFCDispersion was built with use_dispersion=True: pass a dispersion"
                )
            d = _as_batch(self._in(dispersion), self.dispersion_length, "dispersion")
            d = self.norms["dispersion"].encode(d)
            h = torch.cat([h, self.disp_proj(self.disp_net(d[:, None, :]))], dim=-1)
        elif dispersion is not None:
            raise ValueError(
                "this TFCDispersion was built with use_dispersion=False: do not pass a dispersion"
            )
        return self.constrain(self.coeff_head(h))

    def constrain(self, z: torch.Tensor) -> torch.Tensor:
        """Bounded activations z → coefficients [THz] (the TFC constraints on the coefficients)."""
        if self.form == "paper":
            return torch.cat(
                [
                    self.x_max * torch.sigmoid(z[..., :1]),
                    self.c_max * torch.tanh(z[..., 1:]),
                ],
                -1,
            )
        return torch.cat(
            [F.softplus(z[..., :1]), self.b_max * torch.tanh(z[..., 1:])], -1
        )

    def expression(
        self, coeffs: torch.Tensor, k: torch.Tensor | None = None
    ) -> torch.Tensor:
        """f(k) [THz] for coefficients (B, n) at wavenumbers k [rad/m] (default: the model grid).

        Returns (B, K).  Differentiable in k (the constraint tests use autograd).
        """
        if k is None:
            kappa = self.kappa.to(coeffs.dtype)
        else:
            kappa = torch.as_tensor(k).to(coeffs.dtype) * (self.a / math.pi)
        kappa = kappa.reshape(1, -1)
        ka = math.pi * kappa  # k a
        if self.form == "paper":
            X, c = coeffs[:, :1], coeffs[:, 1:]
            ak = kappa.abs()
            powers = torch.cat([ak ** (n + 1) for n in range(1, 6)], dim=0)  # (5, K)
            return X * (1 - torch.cos(ka)) + self.gap + c @ powers
        n = torch.arange(
            1, coeffs.shape[-1] + 1, dtype=coeffs.dtype, device=coeffs.device
        )
        basis = 1 - torch.cos(n[:, None] * ka)  # (N, K)
        return (
            self.gap + coeffs @ basis
        )  # a (B, N) x (N, K) product, no (B, K, N) temporary

    def forward(self, params, dispersion=None):
        """(σ, τ) [m] (B, 2) [+ dispersion (B, L) Hz] → f(k) on the model grid [THz], (B, n_k)."""
        return self.expression(self.coefficients(params, dispersion))

    @property
    def k(self) -> torch.Tensor:
        """Output grid [rad/m]."""
        return self.kappa.double() * math.pi / self.a

    def _fit_stats(self, x, y) -> None:
        """Fits ``input`` (per component of (σ, τ)) and, with ``use_dispersion``, ``dispersion``
        (one mean and std over all values); the target is not standardised."""
        params = x[0] if isinstance(x, tuple) else x
        self.set_normalization("input", *mean_std(params.reshape(-1, 2), 0))
        if self.use_dispersion:
            self.set_normalization("dispersion", *mean_std(x[1]))

    def encode_target(self, y):
        return y / THZ

    def decode_output(self, z):
        return z * THZ


def tfc_least_squares(model: TFCDispersion, f, *, bounded: bool = True):
    """Best least-squares fit of dispersions by a :class:`TFCDispersion`'s constrained expression.

    The floor of a form: no coefficient network, however well trained, can get closer (in the
    least-squares sense) to a curve than the best coefficients of its expression.  The expression
    is linear in its coefficients, f(k) = gap + Σ_n c_n φ_n(k), so each curve is one bounded
    linear least-squares problem (``scipy.optimize.lsq_linear``).

    ``f``: dispersions [Hz] on the model's grid, shape (K,) or (B, K) (without a dispersion input:
    ``use_dispersion`` plays no role here).  ``bounded=True`` applies the bounds that the
    activations reach (their closure): paper form ``0 ≤ X ≤ x_max``, ``abs(c_n) ≤ c_max``; harmonic
    form ``b_1 ≥ 0``, ``abs(b_n) ≤ b_max`` (n ≥ 2).  ``bounded=False`` fits the unconstrained basis.

    Returns ``(coefficients, fit)``: coefficients [THz], shape (B, n) in the order of
    ``TFCDispersion.coefficients``, and the fitted dispersions [Hz], shape (B, K) (leading
    axis dropped for a 1-D ``f``).  Computed in float64 whatever the model's dtype.
    """
    import numpy as np
    from scipy.optimize import lsq_linear

    if not isinstance(model, TFCDispersion):
        raise TypeError(f"model must be a TFCDispersion, got {type(model).__name__}")
    f = (
        f.detach().cpu().double().numpy()
        if torch.is_tensor(f)
        else np.asarray(f, dtype=float)
    )
    single = f.ndim == 1
    F2 = f[None] if single else f
    n_k = int(model.kappa.numel())
    if F2.ndim != 2 or F2.shape[-1] != n_k:
        raise ValueError(
            f"f must have shape (K,) or (B, K) with K = {n_k} (the model's k grid), "
            f"got {tuple(f.shape)}"
        )
    if not np.isfinite(F2).all():
        raise ValueError("f must be finite")
    n = model.coeff_head.out_features
    k = model.kappa.detach().cpu().double() * math.pi / model.a
    with torch.no_grad():
        basis = (
            (model.expression(torch.eye(n, dtype=torch.float64), k=k) - model.gap)
            .numpy()
            .T
        )  # (K, n)
    inf = np.inf
    if not bounded:
        lo, hi = [-inf] * n, [inf] * n
    elif model.form == "paper":
        lo, hi = [0.0] + [-model.c_max] * (n - 1), [model.x_max] + [model.c_max] * (
            n - 1
        )
    else:
        lo, hi = [0.0] + [-model.b_max] * (n - 1), [inf] + [model.b_max] * (n - 1)
    coeffs = np.stack(
        [
            lsq_linear(basis, row / THZ - model.gap, bounds=(lo, hi), method="bvls").x
            for row in F2
        ]
    )
    fit = (coeffs @ basis.T + model.gap) * THZ
    return (coeffs[0], fit[0]) if single else (coeffs, fit)
