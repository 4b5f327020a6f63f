"""Benchmark of the dataset pipeline: generation, storage and read throughput.

Times :func:`spsll.data.generate.generate` for N dispersions and M relaxed walls (default: the paper's
1,000 + 12,000 at 500 cells), and prints for each part the wall time in seconds and per sample,
the bytes per sample on disk (file size and blocks actually allocated), the time to load a
training split into a torch Dataset (h5py → tensors), and the read throughput in samples/s
through a DataLoader.  Stores go to a temporary directory (``--out-dir`` to keep them).

    python benchmarks/bench_datasets.py                                  # paper scale (minutes)
    python benchmarks/bench_datasets.py --dispersions 64 --walls 1024    # reduced scale

At a reduced scale it also prints the paper-scale times extrapolated linearly from the measured
time per sample (marked "extrapolated").
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time

import torch
from torch.utils.data import DataLoader

from spsll.data.datasets import DispersionToDefects, WallToDefects
from spsll.data.generate import DEFAULT_CHUNK, generate

PAPER = {"dispersions": 1000, "walls": 12000}
DATASET = {"dispersions": DispersionToDefects, "walls": WallToDefects}


def storage(path, n):
    st = os.stat(path)
    return st.st_size / n, st.st_blocks * 512 / n


def read_throughput(kind, path, batch_size, epochs):
    t0 = time.perf_counter()
    ds = DATASET[kind](path, "train")
    load = time.perf_counter() - t0
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True)
    count = 0
    t0 = time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            count += batch[1].shape[0]
    return len(ds), load, count / (time.perf_counter() - t0)


def run(kind, n, args, out_dir):
    path = os.path.join(out_dir, f"{kind}.h5")
    options = dict(n_cells=args.n_cells, device=args.device, dtype=args.dtype, progress=not args.quiet,
                   chunk=args.chunk_dispersions if kind == "dispersions" else args.chunk_walls)
    if kind == "dispersions":
        options["keep_power"] = args.power
    if args.workers:
        options["workers"] = args.workers
    t0 = time.perf_counter()
    rep = generate(kind, n, path, seed=args.seed, **options)
    sec = time.perf_counter() - t0
    if rep.skipped:
        print(f"  note: {rep.skipped} chunks were already in {path}; the time covers only the rest")
    size, alloc = storage(path, n)
    n_train, load, rate = read_throughput(kind, path, args.batch_size, args.epochs)
    print(f"{kind:12s} n={n:6d} chunk={rep.chunk:4d}  generate {sec:9.2f} s  {sec / n * 1e3:9.2f} ms/sample  "
          f"| {size / 1e3:8.2f} kB/sample on disk ({alloc / 1e3:8.2f} kB allocated)  "
          f"| load train split ({n_train}) {load:6.3f} s  | read {rate:10.0f} samples/s "
          f"(DataLoader, batch {args.batch_size})")
    if n != PAPER[kind]:
        print(f"{'':12s} extrapolated to the paper's {PAPER[kind]}: {sec / n * PAPER[kind]:9.1f} s "
              f"(linear in n from the measured time per sample)")
    return sec


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dispersions", type=int, default=PAPER["dispersions"], help="number of dispersions (0: skip)")
    p.add_argument("--walls", type=int, default=PAPER["walls"], help="number of walls (0: skip)")
    p.add_argument("--n-cells", type=int, default=500)
    p.add_argument("--chunk-dispersions", type=int, default=DEFAULT_CHUNK["dispersions"])
    p.add_argument("--chunk-walls", type=int, default=DEFAULT_CHUNK["walls"])
    p.add_argument("--power", action="store_true", help="also store the 2-D spectra")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default: serial)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--batch-size", type=int, default=64, help="DataLoader batch for the read test")
    p.add_argument("--epochs", type=int, default=3, help="passes over the training split in the read test")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", help="keep the stores here (default: a temporary directory, removed)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"spsll dataset benchmark: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__} with {torch.get_num_threads()} threads, device {args.device}, "
          f"{args.dtype}, {args.n_cells} cells")
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="spsll-bench-")
    os.makedirs(out_dir, exist_ok=True)
    try:
        for kind in ("dispersions", "walls"):
            n = getattr(args, kind)
            if n:
                run(kind, n, args, out_dir)
    finally:
        if not args.out_dir:
            shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
