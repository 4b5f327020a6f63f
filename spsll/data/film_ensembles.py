"""Reduce a ``film_stiffness`` store to the agreement map.

::

    from spsll.data.film_ensembles import agreement_map_from_store
    m = agreement_map_from_store("film.h5", n_cells=32)   # an AgreementMap

Per point and film side L, the store's rows (ratio, P∞, Σ) of the realisations
(:mod:`spsll.data.film_stiffness`), in order, are what
:func:`spsll.physics.stiffness.extrapolated_stiffness` computes from the masks, so the
fit over L (:func:`spsll.physics.stiffness.stiffness_fit`) is the in-process fit, value
for value.  :class:`StoreEnsembles` hands these fits to
:func:`spsll.physics.agreement.agreement_map` (``ensembles=``), which adds the labels
and the models as for ensembles computed in-process.
"""
from __future__ import annotations

import numpy as np

from ..physics.agreement import agreement_map
from ..physics.stiffness import StiffnessFit, stiffness_fit
from .store import read_store

__all__ = ["StoreEnsembles", "store_fits", "agreement_map_from_store"]
_ROWS = ("ratio", "p_inf", "conductivity")


def store_fits(path) -> tuple[list, dict]:
    """(points, info): one dict per map point, in the store's order, with ``family``
    ("tessellation" or "site"), ``sigma``, ``tau`` [m] (NaN for site dilution), ``p``,
    ``sizes`` and the ``fit`` (:class:`~spsll.physics.stiffness.StiffnessFit`); info as
    :func:`spsll.data.store.read_store`.  An incomplete store is refused, saying how
    many samples are missing."""
    data, info = read_store(path)
    if info["kind"] != "film_stiffness":
        raise ValueError(f"{path} holds {info['kind']}; "
                         "a film_stiffness store is needed")
    missing = int(info["n"]) - info["n_done"]
    if missing:
        raise ValueError(f"{path} is incomplete ({missing} of {info['n']} samples "
                         "missing); rerun its spsll generate film_stiffness command "
                         "to finish it")
    points = []
    for j in np.unique(data["point"]):
        sel = np.flatnonzero(data["point"] == j)
        size, table = data["size"][sel], np.stack([data[k][sel] for k in _ROWS], axis=1)
        Ls = np.unique(size)
        i = sel[0]
        points.append({"family": "tessellation" if data["family"][i] == 0 else "site",
                       "sigma": float(data["sigma"][i]), "tau": float(data["tau"][i]),
                       "p": float(data["p"][i]), "sizes": [int(L) for L in Ls],
                       "fit": stiffness_fit({int(L): table[size == L] for L in Ls})})
    return points, info


class StoreEnsembles:
    """The fits of a complete film_stiffness store for ``agreement_map(ensembles=)``.

    :meth:`tessellation` and :meth:`site` take the arguments of
    :func:`~spsll.physics.stiffness.tessellation_stiffness` and
    :func:`~spsll.physics.stiffness.site_dilution_stiffness` and return the stored fits.
    Asking for a point, sizes, lattice constant, realisation count or seed that the
    store was not computed with is a KeyError or ValueError naming it (it never
    recomputes)."""

    def __init__(self, path):
        self.path = str(path)
        self.points, info = store_fits(path)
        self.plan = info["settings"]["plan"]
        self.a = float(info["a_m"])

    def _check(self, a, n_realisations, seed):
        R = self.plan["n_realisations"]
        for name, want, have in (("a", a, self.a), ("seed", seed, self.plan["seed"]),
                                 ("n_realisations", n_realisations, R)):
            if want != have:
                raise ValueError(f"{self.path} was computed with {name} = {have!r}, "
                                 f"the map asks {want!r}")

    def _find(self, family, key, sizes) -> StiffnessFit:
        for pt in self.points:
            if pt["family"] == family and all(pt[k] == v for k, v in key.items()):
                if pt["sizes"] != sorted(int(L) for L in sizes):
                    raise ValueError(f"{self.path}: {family} point {key} has sizes "
                                     f"{pt['sizes']}, the map asks {sorted(sizes)}")
                return pt["fit"]
        raise KeyError(f"{self.path} holds no {family} point {key}")

    def tessellation(self, sigma, tau, a, sizes, n_realisations, seed) -> list:
        """Fits of the tessellation points (σ, τ) [m], as ``tessellation_stiffness``."""
        self._check(a, n_realisations, seed)
        return [self._find("tessellation", {"sigma": float(s), "tau": float(t)}, sizes)
                for s, t in zip(np.atleast_1d(sigma), np.atleast_1d(tau))]

    def site(self, ps, sizes, n_realisations, seed) -> list:
        """Fits of the site-dilution fractions p, as ``site_dilution_stiffness``."""
        self._check(self.a, n_realisations, seed)
        return [self._find("site", {"p": float(p)}, sizes) for p in np.atleast_1d(ps)]


def agreement_map_from_store(path, n_cells=64, calibration=None):
    """:func:`spsll.physics.agreement.agreement_map` of the points, sizes, realisations
    and seed of the store ``path``, its explicit ensembles read from the store
    (``explicit_s`` is then the seconds to look a point up, not to compute it).
    ``n_cells``, ``calibration``: as agreement_map.  The map needs at least one
    tessellation point."""
    ens = StoreEnsembles(path)
    plan = ens.plan
    if not plan["sigma"]:
        raise ValueError(f"{path} holds no tessellation point; agreement_map needs one "
                         f"(read its site-dilution fits with store_fits)")
    return agreement_map(np.array(plan["sigma"]), np.array(plan["tau"]), ens.a,
                         site_p=plan["site_p"], sizes=plan["sizes"],
                         coarse_sizes=plan["coarse_sizes"],
                         n_realisations=plan["n_realisations"], seed=plan["seed"],
                         n_cells=n_cells, calibration=calibration, ensembles=ens)
