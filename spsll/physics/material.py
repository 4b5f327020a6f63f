"""Material parameters, derived quantities and analytic references (SI units throughout).

The Landau–Lifshitz equation solved by spsll (paper Eq. 1) is

    dm/dt = -γμ0 [ m × H + α m × (m × H) ],   ‖m‖ = 1,

with γ = 1.76086e11 rad s⁻¹ T⁻¹, so γμ0 ≈ 2.2128e5 m A⁻¹ s⁻¹.  All fields are in A/m, lengths
in m, frequencies in Hz.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import numpy as np

MU0 = 4e-7 * math.pi  #: vacuum permeability [T m/A] (pre-2019 exact value, as micromagnetic codes use)
GAMMA = 1.76086e11  #: gyromagnetic ratio [rad s⁻¹ T⁻¹]
GAMMA_MU0 = GAMMA * MU0  #: γμ0 [m A⁻¹ s⁻¹]


def _check_positive(name: str, value: float, unit: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0 {unit}, got {value!r}")
    return value


@dataclass(frozen=True)
class Material:
    """A uniaxial ferromagnetic chain.

    Parameters
    ----------
    Ms : float
        saturation magnetisation [A/m], > 0
    A : float
        exchange stiffness [J/m], > 0
    Hk : float
        uniaxial anisotropy field [A/m], > Ms so that the thin film is perpendicular
    a : float
        lattice constant (cell size) [m], > 0
    name : str
        label used in stores and plots
    """

    Ms: float
    A: float
    Hk: float
    a: float
    name: str = "custom"

    def __post_init__(self):
        _check_positive("Ms", self.Ms, "A/m")
        _check_positive("A", self.A, "J/m")
        _check_positive("Hk", self.Hk, "A/m")
        _check_positive("a", self.a, "m")
        if self.Hk <= self.Ms:
            raise ValueError(
                f"Hk must exceed Ms (perpendicular film: K_eff = μ0 Ms (Hk - Ms)/2 > 0); "
                f"got Hk={self.Hk!r} A/m, Ms={self.Ms!r} A/m"
            )

    # ---- derived quantities -------------------------------------------------------------
    @property
    def lambda_ex(self) -> float:
        """Exchange length λex = sqrt(2A / (μ0 Ms²)) [m]."""
        return math.sqrt(2 * self.A / (MU0 * self.Ms**2))

    @property
    def H_eff_anis(self) -> float:
        """Effective perpendicular anisotropy field Hk − Ms [A/m] (uniaxial + thin-film shape)."""
        return self.Hk - self.Ms

    @property
    def K_eff(self) -> float:
        """Effective anisotropy K_eff = μ0 Ms (Hk − Ms) / 2 [J/m³]."""
        return MU0 * self.Ms * (self.Hk - self.Ms) / 2

    @property
    def wall_parameter(self) -> float:
        """Bloch/Néel wall parameter Δ = sqrt(A / K_eff) [m]; m_z = tanh(x/Δ)."""
        return math.sqrt(self.A / self.K_eff)

    @property
    def wall_width(self) -> float:
        """Continuum wall width w = π sqrt(A / K_eff) [m] (Lilley/paper definition)."""
        return math.pi * self.wall_parameter

    @property
    def exchange_prefactor(self) -> float:
        """2 (λex / a)², the dimensionless amplitude of ω(k) (paper Eq. 6)."""
        return 2 * (self.lambda_ex / self.a) ** 2

    @property
    def k_zone_edge(self) -> float:
        """First-Brillouin-zone edge π / a [rad/m]."""
        return math.pi / self.a

    def omega(self, k):
        """Dimensionless magnon dispersion ω(k) = 2 (λex/a)² [1 − cos(a k)] (paper Eq. 6); k in rad/m."""
        return self.exchange_prefactor * (1 - np.cos(self.a * np.asarray(k, dtype=float)))

    def ideal_frequency(self, k):
        """Ideal-chain magnon frequency f(k) = (γμ0/2π) [Hk − Ms + Ms ω(k)] [Hz]; k in rad/m."""
        return GAMMA_MU0 / (2 * math.pi) * (self.H_eff_anis + self.Ms * self.omega(k))

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> dict:
        """Parameters and derived quantities in display units (nm, THz, MJ/m³)."""
        return {
            "name": self.name,
            "Ms [kA/m]": self.Ms / 1e3,
            "A [pJ/m]": self.A * 1e12,
            "Hk [MA/m]": self.Hk / 1e6,
            "a [nm]": self.a * 1e9,
            "lambda_ex [nm]": self.lambda_ex * 1e9,
            "K_eff [MJ/m^3]": self.K_eff / 1e6,
            "wall width pi*sqrt(A/K_eff) [nm]": self.wall_width * 1e9,
            "gap f(0) [THz]": float(self.ideal_frequency(0.0)) / 1e12,
            "zone-edge f(pi/a) [THz]": float(self.ideal_frequency(self.k_zone_edge)) / 1e12,
        }


#: L1₀ FePt (paper Methods): Ms = 950 kA/m, A = 5.1 pJ/m, Hk = 7 MA/m, a = 0.339 nm.
FePt = Material(Ms=950e3, A=5.1e-12, Hk=7e6, a=0.339e-9, name="FePt")
