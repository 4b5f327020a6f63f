"""spsll — the statistical pseudospectral Landau–Lifshitz (SPS-LL) model of defective spin chains.

Public API (SI units: m, s, A/m, Hz)::

    import spsll
    spsll.FePt, spsll.CoPt, spsll.Material(Ms=..., A=..., Hk=..., a=..., D=...)
    spsll.dispersion(material, sigma, tau, **options)   # -> .k [rad/m], .f [Hz], .power, .peak_frequency [Hz]
    spsll.domain_wall(material, sigma, tau, **options)  # -> .x [m], .m (..., 3, N), .width [m], .width_error [m]
    spsll.rtn.sample(sigma, tau, length, dx, seed=...), spsll.rtn.psd(signal, dx), spsll.rtn.machlup(k, sigma, tau)
    spsll.save(result, "r.h5"), spsll.load("r.h5")      # HDF5 that xarray opens with named dimensions

sigma (mean material length) and tau (mean vacancy length) are in metres; scalars or equal-length
arrays (batched).  tau = 0 is the ideal material.
"""
from .physics import rtn
from .physics.magnons import DispersionResult, dispersion
from .physics.domainwall import DomainWallResult, domain_wall
from .physics.integrate import RelaxationError, SolverDivergedError
from .physics.material import CoPt, FePt, GAMMA, GAMMA_MU0, MU0, Material

__version__ = "0.1.0"

__all__ = [
    "FePt", "CoPt", "Material", "MU0", "GAMMA", "GAMMA_MU0", "rtn", "dispersion", "DispersionResult",
    "domain_wall", "DomainWallResult", "SolverDivergedError", "RelaxationError", "save", "load",
    "__version__",
]


def __getattr__(name):
    # save/load live in the data layer (h5py); imported on first use so `import spsll` stays fast.
    if name in ("save", "load"):
        from .data import results_io
        return getattr(results_io, name)
    raise AttributeError(f"module 'spsll' has no attribute {name!r}")
