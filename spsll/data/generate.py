"""Generate dispersion and domain-wall datasets into resumable HDF5 stores, serially or on Dask.

Python::

    from spsll.data.generate import generate
    generate("dispersions", 1000, "dispersions.h5", seed=0)          # paper: 1,000 dispersions
    generate("walls", 12000, "walls.h5", seed=0, chunk=500)           # paper: 12,000 relaxed walls

Command line (same options)::

    spsll generate dispersions --n 1000 --out dispersions.h5 [--seed 0 --chunk 32 --plan uniform]
    spsll generate walls --n 12000 --out walls.h5 [--device cuda --dtype float32]

Also "film_dispersions": SPS-LL films, ``generate("film_dispersions", n, out,
n_cells=(nx, ny))`` or ``--n-cells NX NY``.  Every kind, the agreement map's explicit 2-D
ensembles (:mod:`spsll.data.film_stiffness`) included, runs through :func:`run_job`: the
same resume, lock, validation and Dask paths.

What is computed: the plan (:mod:`spsll.data.plans`, fixed by ``seed``) gives every sample its (σ, τ);
the samples are cut into chunks of ``chunk`` (chunk k = samples k·chunk … k·chunk + chunk − 1)
and each chunk is one batched call of :func:`spsll.dispersion` or :func:`spsll.domain_wall`
(:func:`compute_chunk`, :mod:`spsll.data.solver_kinds`).  The layout of the store is
documented in :mod:`spsll.data.store`.

Resume and safety: stopping a run at any moment (Ctrl-C, a batch system's time limit, SIGKILL)
and running the same command again computes only the chunks not yet marked done, and the store
ends with every sample once and exactly the values of an uninterrupted run: chunk k depends only
on (seed, plan, chunk, k) and the settings, and the solvers' results do not depend on the other
chunks.  A run with other settings on an existing store is refused with a message naming each
setting that differs (:class:`spsll.data.store.StoreMismatchError`); a second run on a store in use is
refused by its lock file (:class:`spsll.data.store_lock.StoreLockedError`).

Dask: ``dask="tcp://host:8786"`` (``--dask ADDRESS``) sends chunks to the workers of a running
scheduler, ``workers=N`` (``--workers N``) starts a local cluster of N single-threaded worker
processes.  Each worker computes whole chunks and returns numpy arrays; the calling process
alone writes the store, which ends bit for bit equal to the serial run's.  On an HPC batch
system, with dask-jobqueue (``pip install dask-jobqueue``; spsll must be importable on the
compute nodes)::

    from dask_jobqueue import SLURMCluster
    from distributed import Client
    from spsll.data.generate import generate

    cluster = SLURMCluster(cores=1, processes=1, memory="4GB", walltime="02:00:00",
                           job_extra_directives=["--gres=gpu:1"])      # one GPU per worker job
    cluster.scale(jobs=8)                                              # eight worker jobs
    with Client(cluster) as client:
        generate("walls", 12000, "walls.h5", chunk=500, device="cuda", dask=client)

Run it from a login node or a small job of its own, keep the store on a shared file system, and
rerun the same script if the allocation ends early: done chunks are kept.  Without Python,
start ``dask scheduler --scheduler-file sched.json`` in one job, ``dask worker --scheduler-file
sched.json --nthreads 1`` in an array of jobs, and pass the scheduler's address (printed by the
scheduler, and in sched.json) to ``spsll generate ... --dask tcp://HOST:8786``.
"""
from __future__ import annotations

import inspect
import json
import os
import platform
import time
from dataclasses import dataclass

import h5py
import numpy as np
import torch

from .. import __version__
from .._files import prepare_output
from .dask_run import client_for, distributed_module, run_chunks
from ..physics.material import FePt, Material
from .plans import SIGMA_RANGE, TAU_RANGE, Plan, chunk_bounds
from ..physics.problem import resolve_device, resolve_dtype
from .store import (SIGMA_TAU, StoreError, StoreLock, check_settings, create_store, mark_done,
                    open_store, remove_stale_temporaries, write_chunk)
from .solver_kinds import (DEFAULT_CHUNK, FILM_CELLS, KINDS, PROGRESS_BATCH,  # noqa: F401
                           SOLVERS, axes_and_layout, check_kind, compute_chunk)

#: Solver keywords that do not change results or that generate sets itself.
# set by generate itself, or not a setting of a statistical store (explicit masks, callbacks)
_NOT_SETTINGS = ("progress", "batch_size", "device", "dtype", "mask", "on_chunk")


@dataclass
class GenerateReport:
    """What :func:`generate` did: chunks computed now, chunks already done before, wall time [s]."""

    path: str
    kind: str
    n: int
    chunk: int
    n_chunks: int
    computed: int
    skipped: int
    seconds: float


def _jsonable(name, value):
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        value = value.item()
    try:
        json.dumps(value)
    except TypeError:
        raise TypeError(f"option {name} must be a number, string, None or a list of numbers "
                        f"(it is stored in the dataset), got {type(value).__name__}") from None
    return value


def solver_options(kind, options) -> dict:
    """Every keyword of the solver that changes results: its defaults updated with ``options``.

    Unknown keywords are refused, naming the allowed ones.  ``progress``, ``batch_size``,
    ``device`` and ``dtype`` are not options here (generate sets them)."""
    params = inspect.signature(SOLVERS[check_kind(kind)]).parameters
    allowed = {k: p.default for k, p in params.items()
               if p.kind is p.KEYWORD_ONLY and k not in _NOT_SETTINGS}
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"unknown {kind} option(s) {unknown}; allowed: {sorted(allowed)} "
                        f"(plus device, dtype, chunk, seed, plan, sigma_range, tau_range)")
    out = dict(allowed)
    out.update({k: _jsonable(k, v) for k, v in options.items()})
    return {k: _jsonable(k, v) for k, v in out.items()}


def _layout_text(axes, layout, samples):
    """The ``layout`` attribute: one line per dataset (axes, results, the plan's samples, done)."""
    rows = [f"/{name} {tuple(np.shape(arr))} [{units}] {desc}" for name, (arr, units, desc) in axes.items()]
    rows += [f"/{name} (n, {', '.join(map(str, shape))}) {np.dtype(dt).name} [{units}] {desc}".replace("(n, )", "(n,)")
             for name, (shape, dt, units, desc, _) in layout.items()]
    rows += [f"/{name} (n,) {np.asarray(arr).dtype.name} [{units}] {desc}"
             for name, (arr, units, desc) in samples.items()]
    rows += ["/done (n_chunks,) bool: samples of chunk k are data only where done[k]"]
    return "\n".join(rows)


class GenerateInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during :func:`generate`: the chunks done so far are kept in the store.

    ``path``, ``done`` (chunks complete, including this run's), ``n_chunks``; rerunning the same
    call resumes.  A KeyboardInterrupt, so code that stops on Ctrl-C still does."""

    def __init__(self, path, done, n_chunks):
        self.hint = (f"{done} of {n_chunks} chunks are complete and kept in {path}; rerun the same "
                     f"command to resume")
        super().__init__(self.hint)
        self.path, self.done, self.n_chunks = path, done, n_chunks


@dataclass
class Job:
    """Everything a run derives from its arguments before touching the store (every kind).

    ``samples``: the plan's per-sample arrays {name: (array (n,), units, description)}, written
    at creation and compared on resume; ``compute(spec, *arrays[lo:hi], report=None)`` computes
    one chunk from them (a module-level function, so that Dask can ship it); ``defaults``: see
    :func:`spsll.data.store.settings_differences`."""

    kind: str
    n: int
    chunk: int
    bounds: list
    samples: dict
    spec: dict
    settings: dict
    axes: dict
    layout: dict
    attrs: dict
    compute: object
    defaults: dict


def _job(kind, n, material, plan, seed, chunk, sigma_range, tau_range, device, dtype, local,
         options) -> Job:
    """Validate the arguments of :func:`generate` and derive the plan, settings and layout."""
    kind = check_kind(kind)
    if not isinstance(material, Material):
        raise TypeError(f"material must be a spsll.Material, got {type(material).__name__}")
    the_plan = Plan(n=n, plan=plan, seed=seed, sigma_range=sigma_range, tau_range=tau_range)
    chunk = DEFAULT_CHUNK[kind] if chunk is None else chunk
    bounds = chunk_bounds(the_plan.n, chunk)  # validates chunk
    chunk = min(int(chunk), the_plan.n)  # a store's chunk is in 1..n (same chunks, same values)
    tdt = resolve_dtype(dtype)
    # With Dask the device must exist on the workers, not here (a login node may have no GPU).
    dev = resolve_device(device, check_available=local)
    dtype_name = "float64" if tdt == torch.float64 else "float32"
    if kind != "walls":
        options.setdefault("keep_power", False)
    if kind == "film_dispersions":
        options.setdefault("n_cells", FILM_CELLS)
    opts = solver_options(kind, options)
    settings = {"format_version": 1, "kind": kind, "spsll_version": __version__, "plan": the_plan.to_dict(),
                "chunk": int(chunk), "material": material.to_dict(), "solver": opts, "dtype": dtype_name,
                "device_type": dev.type}
    spec = {"kind": kind, "material": material.to_dict(),
            "options": {**opts, "dtype": dtype_name, "device": str(dev), "batch_size": int(chunk)}}
    sigma, tau = the_plan.sample()
    axes, layout = axes_and_layout(kind, material, opts, tdt)
    attrs = {"seed": the_plan.seed, "plan": the_plan.plan, "sigma_range_m": list(the_plan.sigma_range),
             "tau_range_m": list(the_plan.tau_range), "material_json": json.dumps(material.to_dict()),
             "solver_json": json.dumps(opts, sort_keys=True), "dtype": dtype_name, "device_type": dev.type,
             "units_json": json.dumps({"sigma": "m", "tau": "m", **{k: v[1] for k, v in axes.items()},
                                       **{k: v[2] for k, v in layout.items()}}),
             "spsll_version": __version__, "torch_version": torch.__version__,
             "numpy_version": np.__version__, "h5py_version": h5py.__version__,
             "python_version": platform.python_version(),
             "description": f"spsll {kind} dataset: see the 'layout' attribute and spsll.data.store; only "
                            f"samples of chunks with done[k] true are data"}
    attrs.update({f"material_{k}": v for k, v in material.to_dict().items()})
    samples = {name: (arr, *SIGMA_TAU[name]) for name, arr in (("sigma", sigma), ("tau", tau))}
    return Job(kind=kind, n=the_plan.n, chunk=int(chunk), bounds=bounds, samples=samples, spec=spec,
               settings=settings, axes=axes, layout=layout, attrs=attrs, compute=compute_chunk,
               defaults={"solver": solver_options(kind, {})})


def generate(kind, n, out, *, material=FePt, plan="uniform", seed=0, chunk=None, sigma_range=SIGMA_RANGE,
             tau_range=TAU_RANGE, device="cpu", dtype="float64", dask=None, workers=None, progress=True,
             fsync=True, **options) -> GenerateReport:
    """Compute ``n`` samples of ``kind`` ("dispersions", "walls" or "film_dispersions": SPS-LL
    films, ``n_cells=(nx, ny)``, default (64, 64)) into the HDF5 store ``out``.

    material: a :class:`spsll.Material` (default FePt).  plan, seed, sigma_range, tau_range [m]:
    the sampling plan (:mod:`spsll.data.plans`).  chunk: samples per chunk, also the batch of one
    solver call (default 32 dispersions or 500 walls).  device, dtype: torch device and
    "float64"/"float32".  dask: a scheduler address or a ``distributed.Client``; workers: start a
    local cluster of that many processes (one thread each).  fsync: sync each chunk to disk
    before marking it done (leave on).  Other keywords go to the solver (e.g. ``n_cells``,
    ``scheme``, ``keep_power`` for dispersions, ``mode`` for walls) and are stored.

    Missing folders of ``out`` are created and its folder is checked writable before any
    computation.  Resumes an existing store written with the same settings; returns a
    :class:`GenerateReport`.  Ctrl-C raises :class:`GenerateInterrupted` (done chunks kept).
    """
    t0 = time.perf_counter()
    local = check_where(dask, workers)
    job = _job(kind, n, material, plan, seed, chunk, sigma_range, tau_range, device, dtype, local, options)
    return run_job(job, out, dask=dask, workers=workers, progress=progress, fsync=fsync, t0=t0)


def check_where(dask, workers) -> bool:
    """Validate where a run computes; True when it runs serially in this process."""
    if dask is not None and workers is not None:
        raise ValueError("give either dask (a scheduler address or Client) or workers (a local cluster), not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be an integer >= 1 (local Dask worker processes), got {workers!r}")
    return dask is None and workers is None


def run_job(job: Job, out, *, dask=None, workers=None, progress=True, fsync=True, t0=None) -> GenerateReport:
    """Create or resume the store ``out`` of ``job`` under its lock and compute its missing chunks
    (serially, or on Dask: ``dask``/``workers`` as in :func:`generate`).  Every kind's run."""
    t0 = time.perf_counter() if t0 is None else t0
    if not check_where(dask, workers):
        distributed_module()  # the missing extra is named before the store is created
    out = prepare_output(out)
    count = {"done": 0, "computed": 0}
    try:
        with StoreLock(out):
            remove_stale_temporaries(out)
            _fill(out, job, count, dask, workers, progress, fsync)
    except KeyboardInterrupt:
        raise GenerateInterrupted(out, count["done"], len(job.bounds)) from None
    return GenerateReport(path=out, kind=job.kind, n=job.n, chunk=job.chunk, n_chunks=len(job.bounds),
                          computed=count["computed"], skipped=count["done"] - count["computed"],
                          seconds=time.perf_counter() - t0)


def _fill(out, job: Job, count: dict, dask, workers, progress, fsync):
    """Create the store if needed (under the lock), check it, and compute its missing chunks."""
    created = not os.path.exists(out)
    if created:
        create_store(out, kind=job.kind, samples=job.samples, chunk=job.chunk, axes=job.axes,
                     per_sample=job.layout, attrs=job.attrs, settings=job.settings,
                     layout_text=_layout_text(job.axes, job.layout, job.samples))
    f = open_store(out, "r+")
    arrays = [arr for arr, _, _ in job.samples.values()]
    try:
        check_settings(f, job.settings, out, defaults=job.defaults)
        for name, (arr, _, _) in job.samples.items():
            if not np.array_equal(f[name][...], arr, equal_nan=True):
                raise StoreError(f"{out}: {name}: the stored plan differs from the plan of its own settings")
        done = f["done"][...]
        pending = [k for k in range(len(job.bounds)) if not done[k]]
        count["done"] = len(job.bounds) - len(pending)
        from tqdm.auto import tqdm
        bar = tqdm(total=job.n, initial=sum(hi - lo for k, (lo, hi) in enumerate(job.bounds) if done[k]),
                   unit="sample", desc=job.kind, disable=not progress)
        serial = dask is None and workers is None

        def write(k, res):
            for name, arr in res["axes"].items():
                if not np.array_equal(f[name][...], arr):
                    raise StoreError(f"chunk {k}: the solver's {name} axis differs from the store's")
            lo, hi = job.bounds[k]
            write_chunk(f, k, lo, hi, res["data"], fsync=fsync)
            mark_done(f, k, fsync=fsync)
            count["done"] += 1
            count["computed"] += 1
            if not serial:
                bar.update(hi - lo)

        try:
            if serial:
                for k in pending:
                    lo, hi = job.bounds[k]
                    write(k, job.compute(job.spec, *(a[lo:hi] for a in arrays), report=bar.update))
            elif pending:
                client, owned = client_for(dask, workers)
                try:
                    run_chunks(client, job.compute, job.spec, arrays, job.bounds, pending, write)
                finally:
                    for obj in owned:
                        obj.close()
        finally:
            bar.close()
    except (ValueError, TypeError):
        # Invalid options surface in the solver: a store created by this run that holds no data
        # is removed, so that the corrected command is not refused as "other settings".
        if created and not f["done"][...].any():
            f.close()
            os.unlink(out)
        raise
    finally:
        if f.id.valid:
            f.close()
