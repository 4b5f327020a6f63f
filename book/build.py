"""Build the book: execute every page with papermill for a profile, gather metrics, render HTML.

    python book/build.py [--profile ci|paper] [--only NAME ...] [--no-html]

Steps (the committed notebooks stay free of outputs):
1. copy the book sources (``_config.yml``, ``_toc.yml``, ``book/``, ``notebooks/``) to
   ``_build/src`` and put plotly.js (from the installed plotly) into its ``_static``;
2. execute each notebook page in ``_toc.yml`` order with papermill, in place in ``_build/src``,
   with the profile's parameters (``PROFILES``) plus ``profile`` and ``results_dir``; any failing
   cell stops the build;
3. merge the chapters' metrics into ``results/<profile>/metrics.json`` and execute the scorecard;
4. run ``jupyter-book build`` with ``-W -n --keep-going`` (warnings are errors) and move the
   HTML to ``_build/html`` (or ``_build/html-<profile>`` for other profiles than ci).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
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
        "notebooks/02_dispersions": {"n_tau": 21, "n_sigma": 4},
        "notebooks/03_domain_walls": {"n_sigma": 40, "n_tau": 41},
        "book/model": {"n_values": [250, 500, 1000, 2000]},
    },
}
LAST = "book/scorecard"  # executed after the metrics are gathered


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


def copy_sources(src: Path):
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, src / name)
    for d in ("book", "notebooks"):
        shutil.copytree(ROOT / d, src / d, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "build.py"))
    import plotly
    static = src / "_static"
    static.mkdir()
    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", static / "plotly.min.js")


def execute(nb: Path, parameters: dict):
    import papermill as pm
    t0 = time.time()
    pm.execute_notebook(str(nb), str(nb), parameters=parameters, cwd=str(nb.parent), kernel_name="python3",
                        progress_bar=False, request_save_on_cell_execute=False)
    print(f"  executed {nb.relative_to(nb.parents[1])} in {time.time() - t0:.1f} s", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    ap.add_argument("--only", nargs="*", help="execute only these pages (e.g. notebooks/01_rtn_psd)")
    ap.add_argument("--no-html", action="store_true", help="execute and gather metrics, skip the HTML")
    ap.add_argument("--html-only", action="store_true", help="render the pages executed by the previous run")
    args = ap.parse_args(argv)
    from spsll import metrics

    build = ROOT / "_build"
    src = build / "src"
    results = ROOT / "results" / args.profile
    if args.html_only:
        return render(build, src, args.profile)
    copy_sources(src)
    if not args.only:
        shutil.rmtree(results / "chapters", ignore_errors=True)
    results.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    order = [p for p in pages(src / "_toc.yml") if (src / f"{p}.ipynb").exists()]
    todo = [p for p in order if p != LAST and (not args.only or p in args.only)]
    print(f"profile {args.profile}: executing {len(todo)} pages", flush=True)
    for page in todo:
        params = {"profile": args.profile, "results_dir": str(results), **PROFILES[args.profile].get(page, {})}
        execute(src / f"{page}.ipynb", params)
    metrics.gather(results)
    if LAST in order:
        execute(src / f"{LAST}.ipynb", {"profile": args.profile, "results_dir": str(results)})
    print(f"executed in {time.time() - t0:.0f} s; metrics in {results / 'metrics.json'}", flush=True)
    if args.no_html:
        return 0
    return render(build, src, args.profile)


def render(build: Path, src: Path, profile: str) -> int:
    """jupyter-book build of the executed sources; the HTML replaces the previous one at the end."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, src / name)
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
