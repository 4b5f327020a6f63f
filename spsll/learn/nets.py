"""Neural networks of the paper (plain ``torch.nn`` modules, float32 by default, any device).

Three models, one convention:

* :class:`InverseCNN` — 1-D dispersion (peak frequency per k, length L, Hz) → (σ, τ) [m]
  (paper, "CNN for dispersion relation feature extraction").
* :class:`TFCDispersion` — (σ, τ) [m] (optionally + the features of a CNN over a dispersion, as
  the paper's Fig. 2 feeds) → coefficients → a dispersion f(k) [Hz] built by a constrained
  expression (theory of functional connections, paper Eqs. 7–9 and Methods "Implementation of
  TFC"), in the paper's form or in an improved, exactly constrained form.
* :class:`WallNet` — two branches: m_z profile (4 conv blocks) + wall width (scalar MLP) →
  fused → (σ, τ) [m] (paper, "Prediction of domain-wall widths", Fig. 4).

Convention shared by all models (and relied on by :mod:`spsll.learn.train`):

* ``model(*inputs)`` takes inputs in **physical SI units** (Hz, m, dimensionless m_z) and
  returns the output in the **loss space**: standardised targets for the inverse models,
  THz for the TFC dispersion.  Normalisation statistics are registered buffers
  (:class:`Normalization`, fixed shapes), so they travel with ``state_dict`` and checkpoints.
* ``model.encode_target(y)`` maps a physical target to the loss space, ``model.decode_output(z)``
  maps back; ``model.predict(*inputs)`` = eval mode, no grad, physical units.
* ``model.config`` is a plain dict of the constructor's arguments, so
  ``build_model(type(model).__name__, model.config)`` rebuilds it (checkpoints store both).
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from .._validate import finite_scalar, positive_int
from ..physics.material import FePt, Material
from ..units import NM, THZ


__all__ = [
    "Normalization", "ConvTrunk", "InverseCNN", "TFCDispersion", "WallNet", "MODELS", "build_model",
    "dispersion_k_grid", "fold_even", "tfc_least_squares", "THZ", "NM",
]


# ------------------------------------------------------------------------------------------
# building blocks
# ------------------------------------------------------------------------------------------
class Normalization(nn.Module):
    """Affine standardisation z = (x − mean) / std with fixed-shape buffers.

    ``shape`` is the per-sample feature shape (e.g. ``(500,)`` for a dispersion, ``(2,)`` for
    (σ, τ)).  :meth:`set` accepts scalars or arrays broadcastable to ``shape``.
    """

    def __init__(self, shape, mean=0.0, std=1.0):
        super().__init__()
        shape = tuple(int(s) for s in shape)
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("std", torch.ones(shape))
        self.set(mean, std)

    @torch.no_grad()
    def set(self, mean=None, std=None, *, name: str = "normalization"):
        for what, value, buf in (("mean", mean, self.mean), ("std", std, self.std)):
            if value is None:
                continue
            v = torch.as_tensor(value, dtype=torch.float64)
            try:
                v = torch.broadcast_to(v, buf.shape)
            except RuntimeError:
                raise ValueError(f"{name} {what} has shape {tuple(v.shape)}, which does not broadcast "
                                 f"to the feature shape {tuple(buf.shape)}") from None
            if not torch.isfinite(v).all():
                raise ValueError(f"{name} {what} must be finite")
            if what == "std" and not (v > 0).all():
                raise ValueError(f"{name} std must be > 0 everywhere, got min {v.min().item()!r}")
            buf.copy_(v.to(buf.dtype))
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.std + self.mean

    def extra_repr(self) -> str:
        return f"shape={tuple(self.mean.shape)}"


class ConvTrunk(nn.Module):
    """Stack of 1-D conv blocks: Conv1d('same' padding) → BatchNorm1d → ReLU → MaxPool1d(pool),
    then adaptive average pooling to ``pool_size`` and flattening.

    ``channels = [c0, c1, ..., cB]`` (c0 input channels), ``kernels`` and ``pools`` per block
    (pool 1 = no pooling).  Output: ``(batch, cB * pool_size)``.
    """

    def __init__(self, channels, kernels, pools, pool_size=4):
        super().__init__()
        if not (len(channels) - 1 == len(kernels) == len(pools)):
            raise ValueError("channels must have one more entry than kernels and pools")
        layers = []
        for cin, cout, k, p in zip(channels[:-1], channels[1:], kernels, pools):
            layers += [nn.Conv1d(cin, cout, k, padding=k // 2), nn.BatchNorm1d(cout), nn.ReLU()]
            if p > 1:
                layers.append(nn.MaxPool1d(p))
        self.blocks = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool1d(pool_size)
        self.out_features = channels[-1] * pool_size
        self.min_length = math.prod(pools)

    def forward(self, x):
        return self.pool(self.blocks(x)).flatten(1)


def _mlp(sizes, dropout=0.0, act=nn.ReLU, final_act=False):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or final_act:
            layers.append(act())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _as_batch(x: torch.Tensor, length: int, name: str) -> torch.Tensor:
    """(B, L) or (B, 1, L) or (L,) → (B, L); checks L."""
    x = torch.as_tensor(x)
    if x.ndim == 3 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[-1] != length:
        raise ValueError(f"{name} must have shape (batch, {length}) (or (batch, 1, {length})), got {tuple(x.shape)}")
    return x


class _Net(nn.Module):
    """Base: normalisation buffers in ``self.norms`` and the conventions of the module docstring."""

    target_name = "target"

    def __init__(self):
        super().__init__()
        self.norms = nn.ModuleDict()
        self.config: dict = {}

    @property
    def _ref(self) -> torch.Tensor:
        return next(iter(self.parameters()))

    def _in(self, x) -> torch.Tensor:
        p = self._ref
        return torch.as_tensor(x).to(device=p.device, dtype=p.dtype)

    def set_normalization(self, name: str, mean=None, std=None):
        """Set the statistics of normaliser ``name`` (one of ``self.norms``) in physical units."""
        if name not in self.norms:
            raise ValueError(f"unknown normalization {name!r} for {type(self).__name__}; "
                             f"available: {sorted(self.norms)}")
        self.norms[name].set(mean, std, name=name)
        return self

    def normalization_state(self) -> dict:
        """{name: {"mean": tensor, "std": tensor}} (CPU copies) — stored in checkpoints."""
        return {k: {"mean": m.mean.detach().cpu().clone(), "std": m.std.detach().cpu().clone()}
                for k, m in self.norms.items()}

    def load_normalization_state(self, state: dict):
        for k, v in state.items():
            self.set_normalization(k, v["mean"], v["std"])
        return self

    def encode_target(self, y: torch.Tensor) -> torch.Tensor:
        return self.norms[self.target_name].encode(y)

    def decode_output(self, z: torch.Tensor) -> torch.Tensor:
        return self.norms[self.target_name].decode(z)

    @torch.no_grad()
    def predict(self, *inputs) -> torch.Tensor:
        """Eval-mode forward pass in physical units (restores the previous train/eval mode)."""
        was = self.training
        self.eval()
        try:
            return self.decode_output(self(*inputs))
        finally:
            self.train(was)


# ------------------------------------------------------------------------------------------
# 1. inverse CNN: dispersion → (σ, τ)
# ------------------------------------------------------------------------------------------
class InverseCNN(_Net):
    """Dispersion f(k) (peak frequency per k, length ``length``, Hz) → (σ, τ) [m].

    Paper architecture (Methods): four conv blocks, 1→64 (k=5), 64→128 (k=5), 128→256 (k=3),
    256→128 (k=3), each Conv1d → BatchNorm → ReLU, max-pooling by 2 in the first three blocks;
    adaptive average pooling to ``pool_size`` positions (4 × 128 channels = the paper's 512
    features); dense 512 → 256 → 64 → 2 with ReLU and ``dropout`` (30 %).

    ``fold_k=True`` (not in the paper) uses that a lattice dispersion is even, f(−k) = f(k): the
    (standardised) curve on spsll's fftshifted grid (:func:`dispersion_k_grid`, k = 0 at index
    L // 2) is folded onto ``|k|`` — f(0), the mean of the values at ±k, and for even L the zone edge
    −π/a — so the convolutions see L // 2 + 1 values: half the arithmetic, and each value
    averages two independently measured peaks.

    Normalisers: ``input`` (shape (L,), default mean 0, std 1 THz) and ``target`` (shape (2,),
    default mean 0, std 10 nm); set them from training data (:func:`spsll.learn.train.fit_normalization`).
    ``forward`` returns standardised (σ, τ).
    """

    def __init__(self, length: int = 500, dropout: float = 0.3, pool_size: int = 4,
                 channels=(64, 128, 256, 128), kernels=(5, 5, 3, 3), pools=(2, 2, 2, 1),
                 hidden=(256, 64), fold_k: bool = False):
        super().__init__()
        length = positive_int("length", length, low=8)
        dropout = finite_scalar("dropout", dropout, low=0.0, high=0.95)
        pool_size = positive_int("pool_size", pool_size)
        self.fold_k = bool(fold_k)
        self.config = dict(length=length, dropout=dropout, pool_size=pool_size, channels=list(channels),
                           kernels=list(kernels), pools=list(pools), hidden=list(hidden), fold_k=self.fold_k)
        self.length = length
        self.features = ConvTrunk([1, *channels], kernels, pools, pool_size)
        seen = length // 2 + 1 if self.fold_k else length
        if seen < self.features.min_length:
            raise ValueError(f"length must be >= {self.features.min_length} for pools {list(pools)}"
                             f"{' (after folding: length // 2 + 1)' if self.fold_k else ''}, got {length}")
        self.head = nn.Sequential(nn.Dropout(dropout),
                                  _mlp([self.features.out_features, *hidden, 2], dropout=dropout))
        self.norms["input"] = Normalization((length,), 0.0, THZ)
        self.norms["target"] = Normalization((2,), 0.0, 10 * NM)

    def forward(self, dispersion):
        x = _as_batch(self._in(dispersion), self.length, "dispersion")
        x = self.norms["input"].encode(x)
        if self.fold_k:
            x = fold_even(x)
        return self.head(self.features(x[:, None, :]))


def fold_even(x: torch.Tensor) -> torch.Tensor:
    """Values (B, L) on the fftshifted k grid → (B, L // 2 + 1) on ``|k|`` = 0, 1, …: f(0), then
    ½[f(k) + f(−k)], then (even L) the zone-edge value f(−π/a), which has no partner."""
    c = x.shape[-1] // 2
    n = x.shape[-1] - c - 1                                  # positive wavenumbers
    parts = [x[:, c:c + 1], 0.5 * (x[:, c + 1:] + x[:, c - n:c].flip(-1))]
    if x.shape[-1] % 2 == 0:
        parts.append(x[:, :1])
    return torch.cat(parts, -1)


# ------------------------------------------------------------------------------------------
# 2. TFC dispersion: (σ, τ) → f(k)
# ------------------------------------------------------------------------------------------
def dispersion_k_grid(n: int = 500, a: float = FePt.a) -> torch.Tensor:
    """The k grid of :func:`spsll.dispersion` [rad/m]: fftshifted, ascending, k_j ∈ [−π/a, π/a)."""
    n = positive_int("n", n, low=2)
    return 2 * math.pi * torch.fft.fftshift(torch.fft.fftfreq(n, d=float(a), dtype=torch.float64))


class TFCDispersion(_Net):
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

    def __init__(self, material: Material = FePt, form: str = "harmonic", n_k: int = 500, k=None,
                 n_harmonics: int = 6, x_max: float = 5.1, c_max: float = 0.1, b_max: float = 0.5,
                 hidden=(64, 64, 64), use_dispersion: bool = False, dispersion_length: int = 500,
                 dropout: float = 0.0, gap_thz: float | None = None, a: float | None = None,
                 x_ideal_thz: float | None = None):
        super().__init__()
        if form not in self.FORMS:
            raise ValueError(f"form must be one of {self.FORMS}, got {form!r}")
        if not isinstance(material, Material):
            raise TypeError(f"material must be a spsll.Material, got {type(material).__name__}")
        a = finite_scalar("a", material.a if a is None else a, low=0, low_open=True, unit="m")
        gap = finite_scalar("gap_thz", material.ideal_frequency(0.0) / THZ if gap_thz is None else gap_thz,
                            low=0, unit="THz")
        x_ideal = (material.ideal_frequency(math.pi / material.a) / THZ - material.ideal_frequency(0.0) / THZ) / 2
        x_ideal = finite_scalar("x_ideal_thz", x_ideal if x_ideal_thz is None else x_ideal_thz, low=0,
                                low_open=True, unit="THz")
        x_max = finite_scalar("x_max", x_max, low=0, low_open=True, unit="THz")
        c_max = finite_scalar("c_max", c_max, low=0, low_open=True, unit="THz")
        b_max = finite_scalar("b_max", b_max, low=0, low_open=True, unit="THz")
        n_harmonics = positive_int("n_harmonics", n_harmonics)
        dropout = finite_scalar("dropout", dropout, low=0.0, high=0.95)
        if k is None:
            k_t = dispersion_k_grid(n_k, a)
        else:
            k_t = torch.as_tensor(k, dtype=torch.float64).reshape(-1)
            if k_t.numel() < 1 or not torch.isfinite(k_t).all():
                raise ValueError("k must be a non-empty 1-D array of finite wavenumbers [rad/m]")
        n_k = int(k_t.numel())
        self.form, self.a, self.gap, self.x_max, self.c_max, self.b_max = form, a, gap, x_max, c_max, b_max
        self.n_harmonics = n_harmonics if form == "harmonic" else 5
        self.use_dispersion = bool(use_dispersion)
        self.config = dict(form=form, n_k=n_k, k=None if k is None else k_t.tolist(), n_harmonics=n_harmonics,
                           x_max=x_max, c_max=c_max, b_max=b_max, hidden=list(hidden),
                           use_dispersion=self.use_dispersion, dispersion_length=int(dispersion_length),
                           dropout=dropout, gap_thz=gap, a=a, x_ideal_thz=x_ideal)
        # κ = k a / π; kept in float64 until the module dtype is chosen (buffer follows .to()).
        self.register_buffer("kappa", (k_t * a / math.pi).float())
        n_out = 1 + (self.n_harmonics - 1 if form == "harmonic" else 5)
        self.norms["input"] = Normalization((2,), 0.0, 10 * NM)
        self.param_net = _mlp([2, *hidden], dropout=dropout, act=nn.SiLU, final_act=True) if hidden else nn.Identity()
        if self.use_dispersion:
            self.dispersion_length = positive_int("dispersion_length", dispersion_length, low=8)
            self.norms["dispersion"] = Normalization((self.dispersion_length,), 0.0, THZ)
            self.disp_net = ConvTrunk([1, 64, 128, 256, 128], [5, 5, 3, 3], [2, 2, 2, 1], 4)
            self.disp_proj = nn.Sequential(nn.Linear(self.disp_net.out_features, 64), nn.ReLU())
        n_feat = (hidden[-1] if hidden else 2) + (64 if self.use_dispersion else 0)
        self.coeff_head = nn.Linear(n_feat, n_out)
        with torch.no_grad():  # start at the ideal dispersion
            self.coeff_head.weight.zero_()
            self.coeff_head.bias.zero_()
            if form == "harmonic":
                self.coeff_head.bias[0] = x_ideal + math.log(-math.expm1(-x_ideal))  # softplus⁻¹
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
            raise ValueError(f"params must have shape (batch, 2) = (sigma, tau) in metres, got {tuple(p.shape)}")
        h = self.param_net(self.norms["input"].encode(p))
        if self.use_dispersion:
            if dispersion is None:
                raise ValueError("this TFCDispersion was built with use_dispersion=True: pass a dispersion")
            d = _as_batch(self._in(dispersion), self.dispersion_length, "dispersion")
            d = self.norms["dispersion"].encode(d)
            h = torch.cat([h, self.disp_proj(self.disp_net(d[:, None, :]))], dim=-1)
        elif dispersion is not None:
            raise ValueError("this TFCDispersion was built with use_dispersion=False: do not pass a dispersion")
        return self.constrain(self.coeff_head(h))

    def constrain(self, z: torch.Tensor) -> torch.Tensor:
        """Bounded activations z → coefficients [THz] (the TFC constraints on the coefficients)."""
        if self.form == "paper":
            return torch.cat([self.x_max * torch.sigmoid(z[..., :1]), self.c_max * torch.tanh(z[..., 1:])], -1)
        return torch.cat([F.softplus(z[..., :1]), self.b_max * torch.tanh(z[..., 1:])], -1)

    def expression(self, coeffs: torch.Tensor, k: torch.Tensor | None = None) -> torch.Tensor:
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
        n = torch.arange(1, coeffs.shape[-1] + 1, dtype=coeffs.dtype, device=coeffs.device)
        basis = 1 - torch.cos(n[:, None] * ka)  # (N, K)
        return self.gap + coeffs @ basis      # a (B, N) x (N, K) product, no (B, K, N) temporary

    def forward(self, params, dispersion=None):
        """(σ, τ) [m] (B, 2) [+ dispersion (B, L) Hz] → f(k) on the model grid [THz], (B, n_k)."""
        return self.expression(self.coefficients(params, dispersion))

    @property
    def k(self) -> torch.Tensor:
        """Output grid [rad/m]."""
        return self.kappa.double() * math.pi / self.a

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
    f = f.detach().cpu().double().numpy() if torch.is_tensor(f) else np.asarray(f, dtype=float)
    single = f.ndim == 1
    F2 = f[None] if single else f
    n_k = int(model.kappa.numel())
    if F2.ndim != 2 or F2.shape[-1] != n_k:
        raise ValueError(f"f must have shape (K,) or (B, K) with K = {n_k} (the model's k grid), "
                         f"got {tuple(f.shape)}")
    if not np.isfinite(F2).all():
        raise ValueError("f must be finite")
    n = model.coeff_head.out_features
    k = model.kappa.detach().cpu().double() * math.pi / model.a
    with torch.no_grad():
        basis = (model.expression(torch.eye(n, dtype=torch.float64), k=k) - model.gap).numpy().T  # (K, n)
    inf = np.inf
    if not bounded:
        lo, hi = [-inf] * n, [inf] * n
    elif model.form == "paper":
        lo, hi = [0.0] + [-model.c_max] * (n - 1), [model.x_max] + [model.c_max] * (n - 1)
    else:
        lo, hi = [0.0] + [-model.b_max] * (n - 1), [inf] + [model.b_max] * (n - 1)
    coeffs = np.stack([lsq_linear(basis, row / THZ - model.gap, bounds=(lo, hi),
                                  method="bvls").x for row in F2])
    fit = (coeffs @ basis.T + model.gap) * THZ
    return (coeffs[0], fit[0]) if single else (coeffs, fit)


# ------------------------------------------------------------------------------------------
# 3. WallNet: m_z profile + width → (σ, τ)
# ------------------------------------------------------------------------------------------
class WallNet(_Net):
    """Two-branch network: m_z profile (length L) and wall width [m] → (σ, τ) [m] (paper Fig. 4).

    Profile branch: 4 conv blocks 1→32 (k=7), 32→64 (k=5), 64→128 (k=5), 128→128 (k=3), each
    Conv1d → BatchNorm → ReLU, max-pooling by 2 in the first three, adaptive average pooling to
    4 positions, dense 512 → 128.  Width branch: MLP 1 → 32 → 32.  Fusion: concatenation →
    128 → 64 → 2 with ReLU and ``dropout``.

    ``window`` (cells, default None = the whole profile, as in the paper): the profile branch
    sees only the ``window`` cells centred on the wall.  The centre is found per profile as
    c = number of cells on the side of the first cell (sign of m_z − ½(m_z[0] + m_z[−1])), so
    a wall at any position and of either polarity is read the same way; the window is clamped
    to the profile.  A relaxed FePt wall (a = 0.339 nm, width ≈ 3.7 nm) is within half a float32
    ulp of ±1 about 30 cells from its centre, so a 64-cell window drops nothing a float32
    network sees, while the convolutions cost about L / window times less.

    ``forward(profile, width)`` or ``forward(x)`` with x of length L + 1 (profile, then width).
    Normalisers: ``profile`` (L,), default mean 0, std 1; ``width`` (1,), default mean 0, std
    1 nm; ``target`` (2,), default mean 0, std 10 nm.  Loss choices: see :mod:`spsll.learn.train`
    (``"mse"`` on standardised targets by default, ``"paper_wall"`` = MSE(σ) + 5 MSE(τ) in nm).
    """

    def __init__(self, length: int = 500, dropout: float = 0.3, channels=(32, 64, 128, 128),
                 kernels=(7, 5, 5, 3), pools=(2, 2, 2, 1), pool_size: int = 4, width_hidden: int = 32,
                 fusion=(128, 64), window: int | None = None):
        super().__init__()
        length = positive_int("length", length, low=8)
        if window is not None:
            window = positive_int("window", window, low=8)
            if window > length:
                raise ValueError(f"window must be between 8 and length = {length} cells, got {window}")
        dropout = finite_scalar("dropout", dropout, low=0.0, high=0.95)
        pool_size = positive_int("pool_size", pool_size)
        width_hidden = positive_int("width_hidden", width_hidden)
        if len(channels) != 4:
            raise ValueError(f"channels must list 4 conv blocks, got {list(channels)}")
        self.config = dict(length=length, dropout=dropout, channels=list(channels), kernels=list(kernels),
                           pools=list(pools), pool_size=pool_size, width_hidden=width_hidden, fusion=list(fusion),
                           window=window)
        self.length = length
        self.window = window
        self.profile_net = ConvTrunk([1, *channels], kernels, pools, pool_size)
        seen = length if window is None else window
        if seen < self.profile_net.min_length:
            raise ValueError(f"{'length' if window is None else 'window'} must be >= {self.profile_net.min_length} "
                             f"for pools {list(pools)}, got {seen}")
        self.profile_proj = nn.Sequential(nn.Linear(self.profile_net.out_features, 128), nn.ReLU(), nn.Dropout(dropout))
        self.width_net = _mlp([1, width_hidden, width_hidden], final_act=True)
        self.fusion = _mlp([128 + width_hidden, *fusion, 2], dropout=dropout)
        self.norms["profile"] = Normalization((length,), 0.0, 1.0)
        self.norms["width"] = Normalization((1,), 0.0, NM)
        self.norms["target"] = Normalization((2,), 0.0, 10 * NM)

    def forward(self, profile, width=None):
        p = self._in(profile)
        if width is None:
            p = _as_batch(p, self.length + 1, "profile+width input")
            p, w = p[:, :-1], p[:, -1:]
        else:
            p = _as_batch(p, self.length, "profile")
            w = self._in(width).reshape(-1, 1)
            if w.shape[0] != p.shape[0]:
                raise ValueError(f"width must have one value per profile: got {w.shape[0]} widths "
                                 f"for {p.shape[0]} profiles")
        if self.window is None:
            p = self.norms["profile"].encode(p)
        else:                                       # cut the window first, then encode it with its cells' statistics
            idx = self.window_index(p)
            norm = self.norms["profile"]
            p = (p.gather(-1, idx) - norm.mean[idx]) / norm.std[idx]
        w = self.norms["width"].encode(w)
        h = torch.cat([self.profile_proj(self.profile_net(p[:, None, :])), self.width_net(w)], dim=-1)
        return self.fusion(h)

    def window_index(self, profile: torch.Tensor) -> torch.Tensor:
        """Cell indices (B, window) of the ``window`` cells of each profile (B, L) centred on its wall.

        Centre c = number of cells on the first cell's side of the midpoint ½(m_z[0] + m_z[−1]);
        the window starts at c − window/2, clamped to [0, L − window]."""
        if self.window is None:
            raise ValueError("window_index needs a WallNet built with window=<cells>")
        n = profile.shape[-1]
        mid = 0.5 * (profile[:, :1] + profile[:, -1:])
        first_side = torch.sign(profile[:, :1] - mid)
        c = ((profile - mid) * first_side > 0).sum(-1, keepdim=True)
        start = (c - self.window // 2).clamp(0, n - self.window)
        return start + torch.arange(self.window, device=profile.device)


# ------------------------------------------------------------------------------------------
MODELS = {"InverseCNN": InverseCNN, "TFCDispersion": TFCDispersion, "WallNet": WallNet}


def build_model(name: str, config: dict | None = None) -> _Net:
    """Rebuild a model from its class name and ``model.config`` (as stored in checkpoints).

    ``TFCDispersion`` configs carry gap, a and the ideal amplitude explicitly, so the material
    is not needed.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; available: {sorted(MODELS)}")
    return MODELS[name](**dict(config or {}))
