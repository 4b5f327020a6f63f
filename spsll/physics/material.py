"""Material parameters, derived quantities and analytic references (SI units throughout).

The Landau–Lifshitz equation solved by spsll (paper Eq. 1) is

    dm/dt = -γμ0 [ m × H + α m × (m × H) ],   ‖m‖ = 1,

with γ = 1.76086e11 rad s⁻¹ T⁻¹, so γμ0 ≈ 2.2128e5 m A⁻¹ s⁻¹.  All fields are in A/m, lengths
in m, frequencies in Hz.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict, replace

import numpy as np

MU0 = 4e-7 * math.pi  #: vacuum permeability [T m/A] (pre-2019 exact value, as micromagnetic codes use)
GAMMA = 1.76086e11  #: gyromagnetic ratio [rad s⁻¹ T⁻¹]
GAMMA_MU0 = GAMMA * MU0  #: γμ0 [m A⁻¹ s⁻¹]


def _check_positive(name: str, value: float, unit: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0 {unit}, got {value!r}")
    return value


def _check_real(name: str, value, unit: str) -> float:
    try:
        ok = not isinstance(value, bool) and math.isfinite(float(value))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a finite real number [{unit}], got {value!r}")
    return float(value)


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
    D : float
        interfacial Dzyaloshinskii–Moriya constant [J/m²], any finite real; 0 (the
        default) is no DMI.  Its sign sets the chirality (:mod:`spsll.physics.dmi`:
        energy density D (m_z ∇·m − (m·∇) m_z)).  Omitted from ``to_dict()`` when 0,
        so stores of materials without DMI keep their recorded attributes and
        fingerprints.
    """

    Ms: float
    A: float
    Hk: float
    a: float
    name: str = "custom"
    D: float = 0.0

    def __post_init__(self):
        _check_positive("Ms", self.Ms, "A/m")
        _check_positive("A", self.A, "J/m")
        _check_positive("Hk", self.Hk, "A/m")
        _check_positive("a", self.a, "m")
        object.__setattr__(self, "D", _check_real("D", self.D,
                                                  "J/m² (its sign sets the chirality)"))
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

    @property
    def D_c(self) -> float:
        """Critical DMI of the spin cycloid D_c = 4 sqrt(A K_eff) / π [J/m²]: a Néel
        wall's energy 4 sqrt(A K_eff) − π|D| per unit area changes sign there."""
        return 4 * math.sqrt(self.A * self.K_eff) / math.pi

    @property
    def dmi_length(self) -> float:
        """ξ = 2A / |D| [m] (inf at D = 0): a free edge tilts with θ' = −D/(2A)."""
        return math.inf if self.D == 0 else 2 * self.A / abs(self.D)

    def with_cell(self, a: float) -> "Material":
        """The same material on another cell size a [m] (convergence studies)."""
        return replace(self, a=a)

    def to_dict(self) -> dict:
        """The constructor's arguments; D only when it is not 0 (stores of D = 0
        materials record exactly what they did before D existed)."""
        d = asdict(self)
        if d["D"] == 0:
            del d["D"]
        return d

    def summary(self) -> dict:
        """Parameters and derived quantities in display units (nm, THz, MJ/m³)."""
        out = {
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
        if self.D != 0:
            out["D [mJ/m^2]"] = self.D * 1e3
            out["D_c = 4 sqrt(A K_eff)/pi [mJ/m^2]"] = self.D_c * 1e3
        return out


#: L1₀ FePt (paper Methods): Ms = 950 kA/m, A = 5.1 pJ/m, Hk = 7 MA/m, a = 0.339 nm.
FePt = Material(Ms=950e3, A=5.1e-12, Hk=7e6, a=0.339e-9, name="FePt")


def _uniaxial_field(Ku: float, Ms: float) -> float:
    """Hk = 2 Ku / (μ0 Ms) [A/m] from the uniaxial anisotropy constant Ku [J/m³]."""
    return 2 * Ku / (MU0 * Ms)


#: Co/Pt-type skyrmion film of Sampaio, Cros, Rohart, Thiaville & Fert, Nat.
#: Nanotechnol. 8, 839 (2013): Ms = 580 kA/m, A = 15 pJ/m, Ku = 0.8 MJ/m³
#: (Hk = 2Ku/(μ0 Ms) = 2.19524 MA/m), D = 3 mJ/m².  The local thin-film demag
#: (Hk − Ms) m_z gives K_eff = Ku − μ0 Ms²/2 = 0.588634 MJ/m³, wall parameter
#: Δ = sqrt(A/K_eff) = 5.04804 nm and D_c = 4 sqrt(A K_eff)/π = 3.78337 mJ/m² > D
#: (isolated skyrmions are metastable; no cycloid ground state).  Cell a = 1 nm: the
#: lengths it must resolve are Δ ≈ 5.0 a and the DMI length 2A/D = 10 a, so a wall
#: (πΔ ≈ 16 cells) is smooth on the grid and a free edge tilts by a D/(2A) = 0.1 rad
#: per cell.  Lattice errors are O((a/Δ)²): measured 0.46 % of a Néel wall's energy
#: and 0.6 % of a skyrmion's radius at a = 1 nm; convergence studies refine a
#: (``CoPt.with_cell(a)``).  Exchange length sqrt(2A/(μ0 Ms²)) = 8.42418 nm.
CoPt = Material(Ms=580e3, A=15e-12, Hk=_uniaxial_field(0.8e6, 580e3), a=1e-9,
                name="CoPt", D=3e-3)
