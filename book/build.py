"""Build the book: execute every page with papermill for a profile, gather metrics, render HTML.

    python book/build.py [--profile ci|paper] [--only NAME ...] [--jobs N] [--no-html] [--repository-url URL]

Steps (the committed notebooks stay free of outputs):
1. copy the book sources (``_config.yml``, ``_toc.yml``, ``book/``, ``notebooks/``) to
   ``_build/src`` (``_build/src-<profile>`` for other profiles than ci; with ``--only``, the other
   pages keep their executed copies from the previous run) and put plotly.js (from the installed plotly) into its ``_static``;
2. execute each notebook page with papermill, in place in that copy (``--jobs N``: N pages at a
   time, each kernel on one thread, the longest pages first; pages that share a dataset run in
   ``_toc.yml`` order, ``AFTER``),
   with the profile's parameters (``PROFILES``) plus ``profile``, ``results_dir`` and, for the pages
   that declare it, ``data_dir`` (``data/<profile>``, created here: the network chapters keep their
   generated datasets there and reuse them in the next build); any failing cell stops the build.
   Folders are passed relative to the page; papermill's injected-parameters cell is then removed
   (the values it set, other than folders, are noted in the page's own parameters cell) and
   machine paths are scrubbed from the outputs and the notebook metadata (``tidy``);
3. merge the chapters' metrics into ``results/<profile>/metrics.json`` and execute the scorecard
   (with ``paper_results_dir``: the committed paper-scale record, shown beside when present);
4. run ``jupyter-book build`` with ``-W -n --keep-going`` (warnings are errors) and move the
   HTML to ``_build/html`` (or ``_build/html-<profile>`` for other profiles than ci);
   ``--repository-url`` sets ``repository.url`` of the copied ``_config.yml`` first (the
   publishing workflow passes the repository it runs in).
"""
from __future__ import annotations

import argparse
import os
import shutil
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Parameters per profile and page: ``ci`` runs the whole book in minutes on 2 cores,
#: ``paper`` at the paper's scale.  Pages not listed run on their embedded defaults (= ci).
PROFILES = {
    "ci": {},
    "paper": {
        "notebooks/01_rtn_psd": {"n_traces": 4000},
        "notebooks/02_dispersions": {"n_tau": 21, "n_sigma": 4, "n_box": 200},
        "notebooks/03_domain_walls": {"n_sigma": 40, "n_tau": 41},
        "book/model": {"n_values": [250, 500, 1000, 2000, 4000, 8000]},
        # explicit vacancies: the paper's 500-cell, 10-ps recipe and more (σ, τ) points and realisations
        "notebooks/07_statistical_vs_explicit": {
            "grid": [[10, 2], [10, 5], [10, 10], [25, 5], [50, 5], [50, 20], [100, 5], [100, 20]],
            "n_realisations": 32, "n_wall_realisations": 64, "n_cells": 500, "duration_ps": 10.0,
            "wall_cells": 500, "wall_max_iter": 20000},
        # films: 64² dispersions over the paper's 10 ps, 16 explicit films; stiffness on 32-64² tori
        "notebooks/08_two_dimensions": {
            "film": 64, "duration_ps": 10.0, "n_realisations": 16, "sizes": [32, 48, 64],
            # the explicit ensemble the issue sizes: 32 films of 256² (~5 CPU-min, 3.7 GB measured)
            "speed_film": 256, "speed_realisations": 32,
            "coarse_sizes": [64, 96, 128], "n_stiff": 24,
            "p_values": [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.67, 0.65, 0.63],
            "tess_grid": [[1.36, 0.51], [2.7, 0.68], [2.0, 1.0], [4.0, 1.36], [6.8, 1.7],
                          [10.2, 1.8], [6.8, 3.4], [13.6, 3.4], [5.0, 5.0]],
            # the whole-dispersion map on 64² films, 16 realisations, 10 ps (100-GHz bins)
            "disp_points": [[3.0, 1.0], [2.0, 1.0], [4.0, 1.36], [6.8, 1.7], [13.6, 3.4]],
            "disp_site_p": [0.95, 0.9, 0.8, 0.75, 0.7]},
        # skyrmions: 6 x 6 (σ, τ) over the paper's box where survival changes x 3 D (mJ/m²,
        # CoPt's 3 and ±0.4), 12 tessellated 64² films per point (1,296 explicit
        # relaxations; cost in spsll/physics/skyrmion_map.py and benchmarks/README.md)
        "notebooks/09_skyrmions": {
            "sigma_grid": [5, 10, 20, 40, 70, 100], "tau_grid": [0.5, 1, 2, 4, 8, 16],
            "D_grid": [2.6, 3.0, 3.4], "film": 64, "n_realisations": 12, "degree": 2},
        # the paper's data sizes: 1,000 dispersions (Methods) and 12,000 walls; its 30 % dropout and
        # 200 epochs (the epoch range of its training description); 100 test dispersions
        "notebooks/04_cnn_inverse": {"n_dispersions": 1000, "fractions": [0.8, 0.1, 0.1], "epochs": 200,
                                     "dropout": 0.3, "batch_size": 32, "n_solver_fits": 30},
        "notebooks/05_tfc_pinn": {"n_dispersions": 1000, "fractions": [0.8, 0.1, 0.1], "epochs": 2000,
                                  "patience": 100},
        # 12,000 walls as in the paper; at most 60 epochs rather than its 200, with early stopping
        # after 15 epochs without improvement: one epoch over 9,600 walls costs ~13 s on one CPU
        # thread, and the validation loss was lowest at epoch 11 of 60 (measured; the trainer
        # restores the best weights, so stopping after epoch 26 changes nothing); 3 seeds; 30
        # test walls inverted through the solver
        "notebooks/06_width_prediction": {"n_walls": 12000, "epochs": 60, "patience": 15, "batch_size": 256,
                                          "n_seeds": 3, "n_solver_fits": 30},
    },
}
LAST = "book/scorecard"  # executed after the metrics are gathered
#: pages that read a dataset another page generates (in ``data/<profile>``) start after it
AFTER = {"notebooks/05_tfc_pinn": "notebooks/04_cnn_inverse"}
#: ci seconds per page on one thread (measured; only the order of ``--jobs`` uses them: the
#: longest first, so that the last page to start is a short one)
CI_SECONDS = {"notebooks/04_cnn_inverse": 100, "notebooks/06_width_prediction": 76,
              "notebooks/08_two_dimensions": 42, "notebooks/09_skyrmions": 40}


def pages(toc_path: Path):
    """Files of the table of contents in reading order (without extension)."""
    toc = yaml.safe_load(toc_path.read_text())
    out = [toc["root"]]

    def walk(entries):
        for e in entries:
            if "file" in e:
                out.append(e["file"])
            walk(e.get("sections", []))
            for part in e.get("parts", []):
                walk(part.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return out


def copy_sources(src: Path, keep_executed=()):
    """Fresh copy of the book sources into ``src``.

    ``keep_executed``: pages (e.g. ``notebooks/01_rtn_psd``) whose executed copy already in ``src``
    is kept (``--only`` re-executes some pages and renders them with the others from before).
    """
    kept = {}
    for page in keep_executed:
        f = src / f"{page}.ipynb"
        if f.exists():
            kept[page] = f.read_bytes()
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, src / name)
    for d in ("book", "notebooks"):
        shutil.copytree(ROOT / d, src / d, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "build.py"))
    for page, data in kept.items():
        (src / f"{page}.ipynb").write_bytes(data)
    import plotly
    static = src / "_static"
    static.mkdir()
    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", static / "plotly.min.js")


PATH_PARAMETERS = ("results_dir", "data_dir", "paper_results_dir")


def execute(nb: Path, parameters: dict):
    import papermill as pm
    t0 = time.time()
    if "data_dir" not in pm.inspect_notebook(str(nb)):
        # pages without datasets do not declare data_dir; leaving it out keeps papermill's
        # "Passed unknown parameter" warning for what it is for: a misspelt PROFILES entry
        parameters = {k: v for k, v in parameters.items() if k != "data_dir"}
    # folders relative to the page (papermill runs it there): no machine path in the notebook
    parameters = {k: (os.path.relpath(v, nb.parent) if k in PATH_PARAMETERS else v)
                  for k, v in parameters.items()}
    pm.execute_notebook(str(nb), str(nb), parameters=parameters, cwd=str(nb.parent), kernel_name="python3",
                        progress_bar=False, request_save_on_cell_execute=False)
    tidy(nb, parameters)
    print(f"  executed {nb.relative_to(nb.parents[1])} in {time.time() - t0:.1f} s", flush=True)


def run_pages(src: Path, todo: list, jobs: int, params_of):
    """Execute ``todo`` (pages without extension) in ``src``: in order with ``jobs=1``, else
    ``jobs`` kernels at a time, longest first (``CI_SECONDS``), each page of ``AFTER`` once the
    page it reads from is done.  The first failure stops the build (pages already running finish)."""
    if jobs == 1:
        for page in todo:
            execute(src / f"{page}.ipynb", params_of(page))
        return
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
    # kernels inherit the environment: one thread each, or jobs kernels fight over the cores
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    order = sorted(todo, key=lambda p: -CI_SECONDS.get(p, 0))
    done, running, failed = set(), {}, None
    with ThreadPoolExecutor(jobs) as pool:
        while order or running:
            ready = [p for p in order if AFTER.get(p) not in todo or AFTER[p] in done]
            while ready and len(running) < jobs and failed is None:
                page = ready.pop(0)
                order.remove(page)
                running[pool.submit(execute, src / f"{page}.ipynb", params_of(page))] = page
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_EXCEPTION)
            for fut in finished:
                page = running.pop(fut)
                if fut.exception() is not None and failed is None:
                    failed = fut.exception()
                done.add(page)
            if failed is not None and not running:
                break
    if failed is not None:
        raise failed


def machine_paths():
    """Absolute folders of this machine that must not appear on a page (longest first)."""
    paths = {str(ROOT), sys.prefix, sys.base_prefix, str(Path.home())}
    return sorted((p for p in paths if len(p) > 1), key=len, reverse=True)


def scrub(text: str, paths=None) -> str:
    """``text`` with every machine path replaced by a neutral name (the repository root by ``.``)."""
    for p in machine_paths() if paths is None else paths:
        name = "." if p == str(ROOT) else ("~" if p == str(Path.home()) else "<python>")
        text = text.replace(p + "/", name + "/").replace(p, name)
    return text


def tidy(nb: Path, parameters: dict):
    """The executed page as a reader sees it: papermill's injected-parameters cell removed (the
    values this build set, other than folders, are noted in the page's own parameters cell),
    and machine paths scrubbed from every output."""
    import nbformat
    book = nbformat.read(str(nb), as_version=4)
    cells = []
    for cell in book.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        if "parameters" in tags:
            set_here = {k: v for k, v in parameters.items() if k not in PATH_PARAMETERS}
            if set_here:
                note = ["# set by the book build:"] + [
                    line for k, v in set_here.items() for line in textwrap.wrap(
                        f"{k} = {v!r}", 86, initial_indent="#   ", subsequent_indent="#     ")]
                cell.source = cell.source.rstrip("\n") + "\n" + "\n".join(note)
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = scrub(out["text"])
            for mime, val in out.get("data", {}).items():
                if isinstance(val, str) and mime.startswith("text/"):
                    out["data"][mime] = scrub(val)
            if "traceback" in out:
                out["traceback"] = [scrub(t) for t in out["traceback"]]
        cells.append(cell)
    book.cells = cells
    pm_meta = book.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if key in pm_meta:
            pm_meta[key] = os.path.relpath(pm_meta[key], nb.parent)
    nbformat.write(book, str(nb))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    ap.add_argument("--only", nargs="*", help="execute only these pages (e.g. notebooks/01_rtn_psd)")
    ap.add_argument("--jobs", type=int, default=1, help="pages executed at a time (each kernel on "
                    "one thread when more than one; default 1)")
    ap.add_argument("--no-html", action="store_true", help="execute and gather metrics, skip the HTML")
    ap.add_argument("--html-only", action="store_true", help="render the pages executed by the previous run")
    ap.add_argument("--repository-url", help="https://github.com/OWNER/NAME for the launch and "
                    "repository buttons (default: repository.url of _config.yml)")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error(f"--jobs must be >= 1, got {args.jobs}")
    from spsll import book

    build = ROOT / "_build"
    # one executed copy of the sources per profile: builds of two profiles can run side by side
    src = build / ("src" if args.profile == "ci" else f"src-{args.profile}")
    results = ROOT / "results" / args.profile
    if args.html_only:
        return render(build, src, args.profile, args.repository_url)
    # the scorecard is re-executed in every run, from its current source
    keep = [p for p in pages(ROOT / "_toc.yml") if p not in args.only and p != LAST] if args.only else []
    copy_sources(src, keep_executed=keep)
    if not args.only:
        shutil.rmtree(results / "chapters", ignore_errors=True)
    results.mkdir(parents=True, exist_ok=True)
    data = ROOT / "data" / args.profile
    data.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    order = [p for p in pages(src / "_toc.yml") if (src / f"{p}.ipynb").exists()]
    todo = [p for p in order if p != LAST and (not args.only or p in args.only)]
    print(f"profile {args.profile}: executing {len(todo)} pages"
          + (f", {args.jobs} at a time" if args.jobs > 1 else ""), flush=True)
    run_pages(src, todo, args.jobs, lambda page: {
        "profile": args.profile, "results_dir": str(results), "data_dir": str(data),
        **PROFILES[args.profile].get(page, {})})
    book.gather(results)
    if LAST in order:
        execute(src / f"{LAST}.ipynb", {"profile": args.profile, "results_dir": str(results),
                                        "paper_results_dir": str(ROOT / "results" / "paper")})
    print(f"executed in {time.time() - t0:.0f} s; metrics in {results / 'metrics.json'}", flush=True)
    if args.no_html:
        return 0
    return render(build, src, args.profile, args.repository_url)


REPOSITORY_URL = re.compile(r"https://github\.com/[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+")


def set_repository(config: Path, url: str):
    """Set ``repository.url`` of the book's ``_config.yml`` (the one place the launch buttons and
    the repository button read) to ``url``, keeping the rest of the file as it is."""
    if not REPOSITORY_URL.fullmatch(url):
        raise ValueError(f"repository url must look like https://github.com/OWNER/NAME, got {url!r}")
    text = config.read_text()
    new, n = re.subn(r"(?m)^(repository:\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*)\S+", rf"\g<1>{url}", text)
    if n != 1:
        raise ValueError(f"{config} has no repository.url entry to set")
    config.write_text(new)


def render(build: Path, src: Path, profile: str, repository_url: str | None = None) -> int:
    """jupyter-book build of the executed sources; the HTML replaces the previous one at the end."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, src / name)
    if repository_url:
        set_repository(src / "_config.yml", repository_url)
    shutil.rmtree(src / "book" / "_ext", ignore_errors=True)
    shutil.copytree(ROOT / "book" / "_ext", src / "book" / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    cmd = [sys.executable, "-m", "jupyter_book", "build", str(src), "--builder", "html", "-W", "-n", "--keep-going"]
    jb = shutil.which("jupyter-book", path=os.path.dirname(sys.executable))
    if jb:
        cmd = [jb, "build", str(src), "--builder", "html", "-W", "-n", "--keep-going"]
    subprocess.run(cmd, check=True)
    target = build / ("html" if profile == "ci" else f"html-{profile}")
    tmp = build / f".{target.name}.old"
    shutil.rmtree(tmp, ignore_errors=True)
    if target.exists():
        target.rename(tmp)
    (src / "_build" / "html").rename(target)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"book in {target / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
