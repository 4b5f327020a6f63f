"""Chunks of :func:`spsll.data.generate.generate` on a Dask cluster (the optional ``distributed`` package).

Install with ``pip install 'spsll[dask]'``; without it, asking for Dask is an ImportError naming
that extra.  Workers compute whole chunks and return numpy arrays; the calling process alone
writes the store.
"""
from __future__ import annotations

import uuid
from itertools import islice


def distributed_module():
    """The ``distributed`` package, or an ImportError naming the extra that installs it."""
    try:
        import distributed
    except ImportError as e:
        raise ImportError("generating on Dask (dask=..., workers=..., --dask, --workers) needs the "
                          "'distributed' package: pip install 'spsll[dask]'") from e
    return distributed


def client_for(dask, workers):
    """(client, owned objects to close) for an address, an existing Client, or a LocalCluster of N workers."""
    distributed = distributed_module()
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if workers is not None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        return client, [client, cluster]
    if hasattr(dask, "submit"):
        return dask, []
    client = Client(dask)
    return client, [client]


def run_chunks(client, compute, spec, arrays, bounds, pending, write):
    """Keep a window of chunks in flight on the cluster and write each result as it arrives.

    Chunk k is ``compute(spec, *(a[lo:hi] for a in arrays))`` with (lo, hi) = ``bounds[k]``."""
    as_completed = distributed_module().as_completed
    n_workers = max(1, sum(client.nthreads().values()))  # worker threads known to the scheduler now
    token = uuid.uuid4().hex[:8]
    todo = iter(pending)
    index = {}

    def submit(k):
        lo, hi = bounds[k]
        fut = client.submit(compute, spec, *(a[lo:hi] for a in arrays), pure=False,
                            key=f"spsll-{spec['kind']}-chunk{k}-{token}")
        index[fut.key] = k
        return fut

    ac = as_completed([submit(k) for k in islice(todo, max(4, 2 * n_workers))])
    try:
        for fut in ac:
            k = index.pop(fut.key)
            write(k, fut.result())
            fut.release()
            nxt = next(todo, None)
            if nxt is not None:
                ac.add(submit(nxt))
    except BaseException:
        for f in list(ac.futures):
            f.cancel()
        raise
