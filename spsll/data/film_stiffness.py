"""The 2-D ensembles of the agreement map as a resumable store, ``film_stiffness``.

Python::

    from spsll.data.film_stiffness import generate_film_stiffness
    generate_film_stiffness("film.h5", sigma=[4.67 * a], tau=[0.82 * a], site_p=[0.9],
                            sizes=(24, 32, 48), n_realisations=24, seed=7, workers=4)

Command line (the same options; lengths in nm)::

    spsll generate film_stiffness --out film.h5 --tessellation-nm 1.58 0.28 \\
        --site-p 0.9 --sizes 24 32 48 --realisations 24 --seed 7 [--workers 4]

The plan is the map's grid, not a random draw: the points are the tessellation pairs
(σ, τ) [m] (family 0), then the site-dilution fractions p (family 1).  A point's film
sides L are ``sizes``, or ``coarse_sizes`` for a tessellation with T = στ/(σ+τ) > 2a
(the rule of :func:`spsll.physics.agreement.agreement_map`).  One sample is one L × L
mask, realisation r of one point, in the order point, L (ascending), r.  The mask draws
from ``numpy.random.default_rng([seed + L, r])``:
:func:`spsll.physics.defects2d.tessellation` with p = σ/(σ+τ) and T, or
``rng.random((L, L)) < p``.  These are the masks of
:func:`spsll.physics.stiffness.tessellation_stiffness` and ``site_dilution_stiffness``
for the same seed, so a store reduces to the in-process map's numbers bit for bit
(``spsll.data.film_ensembles``).  Per sample the store holds the three numbers of
:func:`spsll.physics.stiffness.finite_k_stiffness`: D(k)/D₀ at k = 2π/(L a) (``ratio``,
NaN when nothing spans), P∞ (``p_inf``) and the conductivity Σ (``conductivity``).

Layout (n samples; besides /done and the root attributes of :mod:`spsll.data.store`)::

    /point        (n,) int64          index of the map point (tessellations first)
    /family       (n,) int8           0: Poisson line tessellation, 1: site dilution
    /sigma, /tau  (n,) float64  m     σ, τ of a tessellation (NaN for site dilution)
    /p            (n,) float64        material fraction: σ/(σ+τ), or site dilution's p
    /size         (n,) int64          L: the film is L × L cells of side a (a torus)
    /realisation  (n,) int64          r: the mask draws from default_rng([seed + L, r])
    /ratio, /p_inf, /conductivity  (n,) float64   finite_k_stiffness of that mask

Runs, resume after any kill, Dask and the lock are those of
``spsll.data.generate.run_job``, the one pipeline of every kind: a map that outgrows
one machine runs unchanged on a Dask cluster (``dask=client`` or ``--dask ADDRESS``; the
dask-jobqueue recipe of ``spsll.data.generate`` applies as it stands).
"""
from __future__ import annotations

import json
import math
import platform

import h5py
import numpy as np

from .. import __version__
from .._validate import SEED_MAX, check_seed, defect_params, positive_int
from ..physics.defects2d import tessellation
from ..physics.material import FePt, Material
from ..physics.stiffness import finite_k_stiffness
from .generate import GenerateReport, Job, check_where, run_job
from .plans import chunk_bounds

KIND = "film_stiffness"
#: Samples per chunk when none is given (the unit of resume and of a Dask task).
DEFAULT_CHUNK = 16
#: Tessellations with T above this many lattice constants use ``coarse_sizes``
#: (the rule of agreement_map: the finite-k excess decays like (kT)²).
COARSE_T = 2
#: Largest film side accepted: a 4096² mask is 17 M cells, whose sparse LU already needs
#: gigabytes; a typo (40960) is refused by name instead of failing for memory mid-run.
MAX_SIDE = 4096
_RESULTS = {
    "ratio": ("1", "D(k)/D0 at k = 2 pi/(L a), NaN when nothing spans"),
    "p_inf": ("1", "P_inf: fraction of the cells in the spanning cluster"),
    "conductivity": ("1", "Sigma: conductivity in bond units (1: no vacancy)"),
}
_SAMPLES = {
    "point": ("", "index of the map point (tessellations first, then site dilution)"),
    "family": ("", "0: Poisson line tessellation, 1: site dilution"),
    "sigma": ("m", "mean material length sigma of a tessellation (NaN: site dilution)"),
    "tau": ("m", "mean vacancy length tau of a tessellation (NaN: site dilution)"),
    "p": ("1", "material fraction: sigma/(sigma+tau), or the site-dilution p"),
    "size": ("", "L: the film is L x L cells (a torus)"),
    "realisation": ("", "r: the mask draws from numpy default_rng([seed + L, r])"),
}
_DTYPES = (np.int64, np.int8, np.float64, np.float64, np.float64, np.int64, np.int64)


def _sizes(name, sizes) -> list:
    """Two or more distinct film sides >= 3 cells, ascending."""
    if np.ndim(sizes) != 1 or len(sizes) < 2:
        raise ValueError(f"{name} must list at least two film sides L, got {sizes!r}")
    out = sorted({positive_int(name, L, low=3, high=MAX_SIDE) for L in sizes})
    if len(out) < 2:
        raise ValueError(f"{name} must hold at least two different film sides L, "
                         f"got {sizes!r}")
    return out


def _site_p(site_p) -> list:
    p = np.zeros(0)
    if np.size(site_p):
        p = np.atleast_1d(np.asarray(site_p, dtype=float))
    if p.ndim != 1 or not np.all(np.isfinite(p) & (p > 0) & (p <= 1)):
        raise ValueError("site_p must list material fractions p in (0, 1], "
                         f"got {site_p!r}")
    return p.tolist()


def film_plan(sigma=(), tau=(), site_p=(), *, a, sizes, coarse_sizes, n_realisations,
              seed) -> dict:
    """The samples of a film_stiffness store, {name: (n,) array} (module docstring), and
    ``settings``: the plan as stored and compared on resume.  σ, τ, a in metres."""
    if np.size(sigma) or np.size(tau):
        s, t, _ = defect_params(sigma, tau)
    else:
        s = t = np.zeros(0)
    ps = _site_p(site_p)
    if s.size + len(ps) == 0:
        raise ValueError("give at least one tessellation point (sigma, tau) "
                         "or one site_p")
    sizes, coarse = _sizes("sizes", sizes), _sizes("coarse_sizes", coarse_sizes)
    # the fit needs 3 spanning masks per size
    R = positive_int("n_realisations", n_realisations, low=3)
    seed = check_seed(seed)
    top = max(sizes + coarse)
    if seed + top >= SEED_MAX:
        raise ValueError(f"seed must be below 2**63 - {top} (L is added to it), "
                         f"got {seed}")
    points = [(0, si, ti, si / (si + ti), coarse if si * ti / (si + ti) > COARSE_T * a
               else sizes) for si, ti in zip(s, t)]
    points += [(1, math.nan, math.nan, p, sizes) for p in ps]
    rows = [(j, fam, si, ti, p, L, r) for j, (fam, si, ti, p, Ls) in enumerate(points)
            for L in Ls for r in range(R)]
    cols = zip(_SAMPLES, zip(*rows), _DTYPES)
    out = {name: np.array(col, dtype=dt) for name, col, dt in cols}
    out["settings"] = {"sigma": s.tolist(), "tau": t.tolist(), "site_p": ps,
                       "sizes": sizes, "coarse_sizes": coarse,
                       "coarse_above_T_over_a": COARSE_T,
                       "n_realisations": R, "seed": seed}
    return out


def film_mask(family, sigma, tau, p, L, r, a, seed) -> np.ndarray:
    """Mask (L, L) int8 of realisation r: as :mod:`spsll.physics.stiffness` draws it."""
    L, rng = int(L), np.random.default_rng([seed + int(L), int(r)])
    if family == 0:
        p, T = sigma / (sigma + tau), sigma * tau / (sigma + tau)
        return tessellation(p, T, (L, L), a, rng)
    return (rng.random((L, L)) < p).astype(np.int8)


def compute_film_chunk(spec, point, family, sigma, tau, p, size, realisation,
                       report=None) -> dict:
    """One chunk: finite_k_stiffness of each sample's mask; ``spec``: {"a" [m], "seed"}.

    A pure function of its arguments (what Dask workers run); ``report(1)`` after each
    sample.  ``point`` is part of the plan's arrays, not needed here."""
    out = np.empty((len(family), 3))
    for i in range(len(family)):
        mask = film_mask(family[i], sigma[i], tau[i], p[i], size[i], realisation[i],
                         spec["a"], spec["seed"])
        out[i] = finite_k_stiffness(mask)
        if report:
            report(1)
    return {"data": {name: out[:, j] for j, name in enumerate(_RESULTS)}, "axes": {}}


def _attrs(settings, material) -> dict:
    mat = material.to_dict()
    units = {k: v[0] for k, v in {**_SAMPLES, **_RESULTS}.items()}
    attrs = {"seed": settings["seed"], "a_m": material.a,
             "material_json": json.dumps(mat),
             "plan_json": json.dumps(settings, sort_keys=True),
             "units_json": json.dumps(units), "spsll_version": __version__,
             "numpy_version": np.__version__, "h5py_version": h5py.__version__,
             "python_version": platform.python_version(),
             "description": "spsll film_stiffness store: finite-k stiffness, P_inf "
                            "and Sigma of one 2-D mask per sample; see the 'layout' "
                            "attribute and spsll.data.film_stiffness; only chunks "
                            "with done[k] are data"}
    attrs.update({f"material_{k}": v for k, v in mat.items()})
    return attrs


def film_job(sigma=(), tau=(), site_p=(), *, material=FePt, sizes=(32, 48, 64),
             coarse_sizes=(64, 96, 128), n_realisations=16, seed=0, chunk=None) -> Job:
    """Validate the arguments of :func:`generate_film_stiffness`; its :class:`Job`."""
    if not isinstance(material, Material):
        raise TypeError("material must be a spsll.Material, "
                        f"got {type(material).__name__}")
    plan = film_plan(sigma, tau, site_p, a=material.a, sizes=sizes,
                     coarse_sizes=coarse_sizes, n_realisations=n_realisations,
                     seed=seed)
    settings = plan.pop("settings")
    n = plan["point"].size
    chunk = DEFAULT_CHUNK if chunk is None else chunk
    bounds = chunk_bounds(n, chunk)  # validates chunk
    chunk = min(int(chunk), n)
    stored = {"format_version": 1, "kind": KIND, "spsll_version": __version__,
              "plan": settings, "chunk": chunk, "material": material.to_dict()}
    layout = {k: ((), np.float64, *v, True) for k, v in _RESULTS.items()}
    return Job(kind=KIND, n=n, chunk=chunk, bounds=bounds,
               samples={name: (plan[name], *_SAMPLES[name]) for name in _SAMPLES},
               spec={"kind": KIND, "a": material.a, "seed": settings["seed"]},
               settings=stored, axes={}, layout=layout,
               attrs=_attrs(settings, material), compute=compute_film_chunk,
               defaults={})


def generate_film_stiffness(out, sigma=(), tau=(), site_p=(), *, material=FePt,
                            sizes=(32, 48, 64), coarse_sizes=(64, 96, 128),
                            n_realisations=16, seed=0, chunk=None, dask=None,
                            workers=None, progress=True, fsync=True) -> GenerateReport:
    """Compute the explicit ensembles of an agreement map into the store ``out``.

    sigma, tau [m]: tessellation points; site_p: site-dilution fractions in (0, 1];
    sizes, coarse_sizes, n_realisations, seed: as
    :func:`spsll.physics.agreement.agreement_map` (its lattice constant a is
    ``material.a``).  chunk: samples per chunk (default 16).
    dask, workers, progress, fsync: as :func:`spsll.data.generate.generate`.  Resumes an
    existing store of the same settings; returns a :class:`GenerateReport`.
    """
    check_where(dask, workers)
    job = film_job(sigma, tau, site_p, material=material, sizes=sizes,
                   coarse_sizes=coarse_sizes, n_realisations=n_realisations, seed=seed,
                   chunk=chunk)
    return run_job(job, out, dask=dask, workers=workers, progress=progress, fsync=fsync)
