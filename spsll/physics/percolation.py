"""Percolation of a 2-D mask on the periodic a-grid: the random resistor network and the spanning cluster.

The present cells of a 0/1 mask (nx, ny) are nodes; two present nearest neighbours (periodic)
are joined by a unit conductance (the bonds of the masked exchange,
:class:`spsll.physics.fields.DefectExchange`).  With L the network's graph Laplacian (the same
matrix as the masked exchange: H = −Ms (λex/a)² L m on present cells, tested):

* **Effective conductivity** Σ_x: a unit potential drop per cell along x, imposed by a twisted
  boundary, φ_j − φ_i + 1 across every x-bond (i → j), φ_j − φ_i across y-bonds.  The node
  potentials minimise the dissipated power E = ½ Σ_bonds (Δφ + d)² (Kirchhoff's laws), i.e.
  L φ = b with b_i = (x-bonds leaving i) − (x-bonds entering i), solved by a sparse LU with one
  node of every connected component grounded.  Σ_x = 2 E_min/(nx ny): the conductance per unit
  area in units of the bond conductance, 1 for the full lattice.  Σ_y likewise; Σ = (Σ_x + Σ_y)/2.
* **Spanning cluster**: a component wraps around the torus along x iff it dissipates power under
  the x-drop (a component that does not wrap absorbs the drop with φ = −x at no cost).  The
  spanning cluster is the largest component wrapping along x or y; P∞ = its cells / (nx ny).

Kirkpatrick (Rev. Mod. Phys. 45, 574 (1973)) and Harris & Kirkpatrick (Phys. Rev. B 16, 542 (1977)):
the long-wavelength spin-wave stiffness of the diluted ferromagnet is D/D₀ = Σ/P∞ (Einstein's
relation: the conductivity is the density of the carrying cluster times its diffusion constant),
:mod:`spsll.physics.stiffness` measures D independently.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph
import scipy.sparse.linalg

__all__ = ["Network", "network", "Percolation", "percolation", "percolation_stats"]


@dataclass
class Network:
    """Present cells and bonds of a mask: ``index`` (nx, ny) node number or −1; ``bx``/``by``
    (2, M) node pairs (i, j) with j the +x (+y) neighbour of i; ``laplacian`` (n, n) CSR;
    ``component`` (n,) connected-component label of each node."""

    index: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    laplacian: sp.csr_matrix
    component: np.ndarray


def network(mask) -> Network:
    """The resistor network (graph of present nearest neighbours, periodic) of one mask (nx, ny)."""
    c = np.asarray(mask).astype(bool)
    if c.ndim != 2 or min(c.shape) < 3:
        raise ValueError(f"mask must be a 2-D 0/1 array with at least 3 cells per axis, got shape {c.shape}")
    index = np.full(c.shape, -1, np.int64)
    index[c] = np.arange(int(c.sum()))
    bonds = []
    for axis in (0, 1):
        nb = np.roll(index, -1, axis=axis)  # the +axis neighbour of each cell
        ok = (index >= 0) & (nb >= 0)
        bonds.append(np.stack([index[ok], nb[ok]]))
    n = int(c.sum())
    i, j = np.concatenate(bonds, axis=1)
    adj = sp.coo_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    lap = (sp.diags(np.asarray(adj.sum(axis=1)).ravel()) - adj).tocsr()
    _, comp = scipy.sparse.csgraph.connected_components(adj, directed=False)
    return Network(index=index, bx=bonds[0], by=bonds[1], laplacian=lap, component=comp)


@dataclass
class Percolation:
    """Σ_x, Σ_y, Σ = (Σ_x + Σ_y)/2, P∞ and the spanning cluster (nx, ny) bool of one mask."""

    sigma_x: float
    sigma_y: float
    sigma: float
    P_inf: float
    spanning: np.ndarray


def percolation(mask) -> Percolation:
    """Effective conductivity and spanning cluster of one mask (module docstring)."""
    net = network(mask)
    n = net.laplacian.shape[0]
    nx, ny = net.index.shape
    if n == 0:
        return Percolation(0.0, 0.0, 0.0, 0.0, np.zeros((nx, ny), bool))
    comp = net.component
    ground = np.unique(comp, return_index=True)[1]  # one node per component
    g = np.zeros(n)
    g[ground] = 1.0
    lu = scipy.sparse.linalg.splu((net.laplacian + sp.diags(g)).tocsc())
    sig, wraps = [], []
    for k, bonds in enumerate((net.bx, net.by)):
        b = np.bincount(bonds[0], minlength=n) - np.bincount(bonds[1], minlength=n)
        phi = lu.solve(b.astype(float))
        drop = [np.zeros(net.bx.shape[1]), np.zeros(net.by.shape[1])]
        drop[k] += 1.0
        power = np.zeros(comp.max() + 1)
        for (i, j), d in zip((net.bx, net.by), drop):
            np.add.at(power, comp[i], 0.5 * (phi[j] - phi[i] + d) ** 2)
        sig.append(2 * power.sum() / (nx * ny))
        sizes = np.bincount(comp)
        wraps.append(power > 1e-9 * sizes)  # a non-wrapping component dissipates only round-off
    sizes = np.bincount(comp)
    wrapping = np.flatnonzero(wraps[0] | wraps[1])
    spanning = np.zeros((nx, ny), bool)
    P = 0.0
    if wrapping.size:
        big = wrapping[np.argmax(sizes[wrapping])]
        spanning[net.index >= 0] = comp == big
        P = sizes[big] / (nx * ny)
    return Percolation(sig[0], sig[1], 0.5 * (sig[0] + sig[1]), P, spanning)


def percolation_stats(masks):
    """Σ and P∞ of every mask of a stack (..., nx, ny): two arrays of shape (...)."""
    m = np.asarray(masks)
    flat = m.reshape((-1,) + m.shape[-2:])
    res = [percolation(x) for x in flat]
    shape = m.shape[:-2]
    return (np.array([r.sigma for r in res]).reshape(shape), np.array([r.P_inf for r in res]).reshape(shape))
