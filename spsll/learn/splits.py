"""A chapter's data in one call: the store (written or reused) and a configuration's splits.

:func:`book_splits` is what every learning chapter of the book does first: generate (or
reuse, or resume) the HDF5 store of ``kind`` under ``data_dir`` with
:func:`spsll.data.generate.generate` and cut it into the seeded train/validation/test
splits of a training configuration (``TrainConfig.load_splits``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["STORES", "book_splits", "data_chain"]

#: the store file of each kind of data under a book's ``data_dir``
STORES = {"dispersions": "dispersions.h5", "walls": "walls.h5"}


def book_splits(config, kind: str, n: int, data_dir, *, seed: int = 0):
    """``(splits, report)``: the store ``data_dir/STORES[kind]`` of ``n`` samples written with
    sampling seed ``seed`` (reused if it exists with the same settings), and ``config``'s
    ``{"train", "val", "test"}`` datasets over it.  ``report``: the
    :class:`spsll.data.generate.GenerateReport` (samples, chunks computed and reused, seconds).
    """
    from ..data.generate import generate

    if kind not in STORES:
        raise ValueError(f"kind must be one of {sorted(STORES)}, got {kind!r}")
    store = Path(data_dir) / STORES[kind]
    store.parent.mkdir(parents=True, exist_ok=True)
    report = generate(kind, n, store, seed=seed, progress=False)
    return config.load_splits(store), report


def data_chain(info: dict) -> dict:
    """The chain of a dispersion store (``dataset.info``): ``n_cells``, ``a`` [m] and the
    envelope ``scheme``, the keywords of :func:`spsll.learn.metrics.inverse_scores`."""
    try:
        settings = info["settings"]
        return dict(n_cells=settings["solver"]["n_cells"], a=settings["material"]["a"],
                    scheme=settings["solver"]["scheme"])
    except KeyError as e:
        raise ValueError(
            f"info has no stored chain setting {e}: not a dispersion store"
        ) from None
