"""The book: papermill regression of the ci profile and a real-browser test of the built HTML.

The book is built once per test session (``book/build.py --profile ci``: papermill executes every
page, then ``jupyter-book build -W -n --keep-going``).  Set ``SPSLL_BOOK_BUILT=1`` to reuse an
existing ``_build/html`` and ``results/ci/metrics.json`` instead.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
RESULTS = ROOT / "results" / "ci"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def built_book():
    if os.environ.get("SPSLL_BOOK_BUILT") != "1":
        subprocess.run([sys.executable, str(ROOT / "book" / "build.py"), "--profile", "ci", "--jobs", "2"],
                       check=True, cwd=ROOT)
    assert (HTML / "index.html").exists() and (RESULTS / "metrics.json").exists()
    return HTML


def _lookup(d, path):
    for key in path.split("."):
        d = d[key]
    return d


def test_metrics_match_baselines(built_book):
    metrics = json.loads((RESULTS / "metrics.json").read_text())
    spec = yaml.safe_load((ROOT / "tests" / "baselines" / "ci.yml").read_text())
    failures = []
    for path, b in spec["metrics"].items():
        got = _lookup(metrics, path)
        if "equals" in b:
            ok = got == b["equals"]
        elif "max" in b or "min" in b:
            ok = b.get("min", -float("inf")) <= got <= b.get("max", float("inf"))
        else:
            tol = b.get("abs", 0.0) + b.get("rel", 0.0) * abs(b["value"])
            ok = abs(got - b["value"]) <= tol
        if not ok:
            failures.append(f"{path}: got {got!r}, baseline {b}")
    assert not failures, "metrics moved beyond their tolerances:\n" + "\n".join(failures)


def _html_pages():
    pages = sorted(p for p in HTML.rglob("*.html")
                   if p.parent.name in ("book", "notebooks") and p.name not in ("genindex.html", "search.html"))
    return pages


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(built_book):
    handler = functools.partial(_Quiet, directory=str(built_book))
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _open(browser, url):
    """Open url; return (page, console errors, page errors, external requests)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    errors, page_errors, external = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith("data:") or host == "127.0.0.1":
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(500)
    return ctx, page, errors, page_errors, external


def _drag(page, grip, dx):
    """Drag a plotly slider's grip ``dx`` pixels to the right, as a reader's mouse would."""
    box = grip.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + dx, box["y"] + box["height"] / 2, steps=10)
    page.mouse.up()
    page.wait_for_timeout(500)


def test_every_page_renders_offline_with_figures(built_book, server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = _html_pages()
    assert len(pages) >= 6
    n_figs = 0
    for p in pages:
        rel = p.relative_to(built_book).as_posix()
        ctx, page, errors, page_errors, external = _open(browser, f"{server}/{rel}")
        try:
            assert not external, f"{rel}: requests left 127.0.0.1: {external[:5]}"
            assert not page_errors, f"{rel}: JavaScript errors: {page_errors[:5]}"
            assert not errors, f"{rel}: console errors: {errors[:5]}"
            figs = page.locator("div.plotly-graph-div")
            for i in range(figs.count()):
                fig = figs.nth(i)
                fig.scroll_into_view_if_needed()
                # a drawn plotly figure has its SVG layers and at least one trace group or a 3-D scene
                drawn = fig.evaluate("el => !!el.querySelector('svg.main-svg') && "
                                     "(el.querySelectorAll('g.trace, g.heatmaplayer image, .gl-container canvas, g.scatterlayer g').length > 0)")
                assert drawn, f"{rel}: plotly figure {i} did not draw"
            n_figs += figs.count()
            page.screenshot(path=str(SHOTS / (rel.replace("/", "__").replace(".html", ".png"))), full_page=False)
        finally:
            ctx.close()
    assert n_figs >= 10


def test_math_is_typeset_locally(built_book, server, browser):
    ctx, page, errors, page_errors, external = _open(browser, f"{server}/book/model.html")
    try:
        page.wait_for_selector("mjx-container", state="attached", timeout=15000)
        assert page.locator("mjx-container").count() > 5
        assert not external and not page_errors
    finally:
        ctx.close()


def test_dragging_a_plotly_slider_changes_the_figure(built_book, server, browser):
    ctx, page, errors, page_errors, external = _open(browser, f"{server}/notebooks/01_rtn_psd.html")
    try:
        grip = page.locator("rect.slider-grip-rect").first
        grip.scroll_into_view_if_needed()
        fig = page.locator("div.plotly-graph-div", has=page.locator("rect.slider-grip-rect")).first
        before = fig.evaluate("el => el.data.map(t => t.visible)")
        _drag(page, grip, 250)
        after = fig.evaluate("el => el.data.map(t => t.visible)")
        assert before != after, "dragging the slider did not change which trace is shown"
        assert sum(1 for v in after if v is True) == 1
        assert not page_errors
    finally:
        ctx.close()


def test_moving_the_skyrmion_explorers_d_slider_changes_the_picture(built_book, server, browser):
    """Chapter 9's explorer has three coupled sliders (σ, τ, D; spsll.plots.COUPLED_SLIDERS_JS):
    dragging D alone must show the films of another point (other traces, other images, a title
    naming the new D) and leave σ and τ where they were."""
    ctx, page, errors, page_errors, external = _open(browser, f"{server}/notebooks/09_skyrmions.html")
    try:
        figs = page.locator("div.plotly-graph-div")
        found = [i for i in range(figs.count())
                 if figs.nth(i).evaluate("el => !!(el.layout.meta && el.layout.meta.coupled_sliders)")]
        assert len(found) == 1, "chapter 9 should have one explorer with coupled sliders"
        fig = figs.nth(found[0])
        fig.scroll_into_view_if_needed()
        state = ("el => [el.layout.sliders.map(s => s.active), el.data.map(t => t.visible === true), "
                 "el.layout.title.text, Array.from(el.querySelectorAll('g.heatmaplayer image'))"
                 ".map(i => i.getAttribute('href'))]")
        active0, vis0, title0, images0 = fig.evaluate(state)
        grip = fig.locator("rect.slider-grip-rect").nth(2)  # sliders σ, τ, D in this order
        _drag(page, grip, 250)
        active1, vis1, title1, images1 = fig.evaluate(state)
        per_point = fig.evaluate("el => el.layout.meta.coupled_sliders.traces_per_point")
        d_label = fig.evaluate(f"el => el.layout.sliders[2].steps[{active1[2]}].label")
        assert active0 == [0, 0, 0] and active1[:2] == [0, 0] and active1[2] > 0
        assert vis1 != vis0 and sum(vis1) == per_point
        assert f"D = {d_label} mJ/m²" in title1 and title1 != title0
        assert images1 != images0, "the films drawn did not change"
        assert not page_errors and not errors
    finally:
        ctx.close()


def test_no_machine_path_or_injected_parameters_on_any_page(built_book):
    import importlib.util
    spec = importlib.util.spec_from_file_location("book_build", ROOT / "book" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for p in _html_pages():
        text = p.read_text()
        for path in build.machine_paths():
            assert path not in text, f"{p.name} shows the machine path {path}"
        assert "injected-parameters" not in text, f"{p.name} still has papermill's injected cell"


# ---- the reader's view, without building the book -------------------------------------------

#: Pages whose code follows the book's reading rules (≤ 88 columns, no function definitions,
#: committed without outputs, boilerplate folded).
READER_PAGES = ["book/model", "book/scorecard", "notebooks/01_rtn_psd", "notebooks/02_dispersions",
                "notebooks/03_domain_walls", "notebooks/04_cnn_inverse", "notebooks/05_tfc_pinn",
                "notebooks/06_width_prediction", "notebooks/07_statistical_vs_explicit",
                "notebooks/08_two_dimensions", "notebooks/09_skyrmions"]


def _build_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("book_build", ROOT / "book" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("page", READER_PAGES)
def test_pages_read_well(page):
    import re
    nb = json.loads((ROOT / f"{page}.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    tags = [c.get("metadata", {}).get("tags", []) for c in code]
    assert sum("parameters" in t for t in tags) == 1, f"{page}: one cell tagged parameters"
    assert any("hide-input" in t for t in tags), f"{page}: boilerplate folded (hide-input)"
    lines = [line for c in code for line in "".join(c["source"]).splitlines()]
    long = [line for line in lines if len(line) > 88]
    assert not long, f"{page}: code lines wider than 88 columns: {long[:3]}"
    funcs = re.compile(r"(^|\s)def\s|\blambda\b(?!_)")
    assert not any(funcs.search(line) for line in lines), f"{page}: functions belong in spsll"
    assert sum(1 for line in lines if line.strip()) <= 120, f"{page}: more than 120 code lines"
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), \
        f"{page}: committed with outputs"
    # nbformat ≥ 4.5 cells carry ids (papermill and future nbformat versions insist)
    assert all(c.get("id") for c in nb["cells"]), f"{page}: cells without an id"


def test_tidy_removes_the_injected_cell_and_machine_paths(tmp_path):
    import nbformat
    build = _build_module()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("profile = 'ci'")
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell(f"results_dir = '{ROOT}/results/ci'")
    injected.metadata["tags"] = ["injected-parameters"]
    out = nbformat.v4.new_code_cell("print(1)")
    out.outputs = [nbformat.v4.new_output("stream", text=f"warning in {ROOT}/spsll/x.py and {sys.prefix}/lib\n")]
    nb.cells = [params, injected, out]
    f = tmp_path / "page.ipynb"
    nb.metadata["papermill"] = {"input_path": str(f), "output_path": str(f)}
    nbformat.write(nb, str(f))
    build.tidy(f, {"profile": "paper", "results_dir": "../results/paper", "n_values": [1, 2]})
    text = f.read_text()
    got = nbformat.read(str(f), as_version=4)
    assert len(got.cells) == 2 and str(ROOT) not in text and sys.prefix not in text
    assert str(tmp_path) not in text and got.metadata["papermill"]["input_path"] == "page.ipynb"
    assert "./spsll/x.py" in got.cells[1].outputs[0]["text"]
    assert "n_values = [1, 2]" in got.cells[0].source and "results_dir" not in got.cells[0].source


def test_parallel_pages_run_longest_first_and_after_their_dataset(tmp_path, monkeypatch):
    import threading
    import time as _time
    build = _build_module()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)  # run_pages sets them; restored after the test
    events, lock = [], threading.Lock()

    def fake_execute(nb, params):
        with lock:
            events.append(("start", nb.stem, os.environ.get("OMP_NUM_THREADS")))
        _time.sleep(0.2 if nb.stem == "04_cnn_inverse" else 0.05)
        with lock:
            events.append(("end", nb.stem, None))
        if nb.stem == "broken":
            raise RuntimeError("cell failed")

    monkeypatch.setattr(build, "execute", fake_execute)
    todo = ["notebooks/01_rtn_psd", "notebooks/05_tfc_pinn", "notebooks/04_cnn_inverse",
            "notebooks/06_width_prediction"]
    build.run_pages(tmp_path, todo, 2, lambda page: {})
    starts = [e[1] for e in events if e[0] == "start"]
    assert sorted(starts) == sorted(p.split("/")[1] for p in todo)
    assert starts[:2] == ["04_cnn_inverse", "06_width_prediction"]  # longest first
    # the TFC chapter reads the CNN chapter's store: it starts only once that page is done
    assert events.index(("end", "04_cnn_inverse", None)) < events.index(("start", "05_tfc_pinn", "1"))
    assert all(e[2] == "1" for e in events if e[0] == "start")  # one thread per kernel
    events.clear()
    with pytest.raises(RuntimeError, match="cell failed"):
        build.run_pages(tmp_path, ["notebooks/broken", "notebooks/01_rtn_psd"], 2, lambda page: {})
    with pytest.raises(SystemExit):
        build.main(["--jobs", "0"])


def test_workflow_publishes_the_book_and_passes_actionlint():
    wf = ROOT / ".github" / "workflows" / "book.yml"
    spec = yaml.safe_load(wf.read_text())
    steps = spec["jobs"]["build"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    envs = " ".join(str(s.get("env", {})) for s in steps)
    assert "book/build.py" in runs and "--repository-url" in runs and "github.repository" in envs
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in spec["jobs"]["deploy"]["steps"])
    exe = shutil.which("actionlint") or shutil.which("actionlint", path=os.path.dirname(sys.executable))
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is not installed; the test extra installs it")
        pytest.skip("actionlint not installed (pip install -e '.[test]')")
    r = subprocess.run([exe, str(wf)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_repository_url_has_one_place(tmp_path):
    build = _build_module()
    cfg = tmp_path / "_config.yml"
    shutil.copy2(ROOT / "_config.yml", cfg)
    before = yaml.safe_load(cfg.read_text())
    build.set_repository(cfg, "https://github.com/someone/spsll-fork")
    after = yaml.safe_load(cfg.read_text())
    assert after["repository"]["url"] == "https://github.com/someone/spsll-fork"
    after["repository"]["url"] = before["repository"]["url"]
    assert after == before                     # nothing else changed
    with pytest.raises(ValueError, match="repository url"):
        build.set_repository(cfg, "https://example.com/x")
    # the launch buttons read repository.url only: no other GitHub URL in the configuration
    assert (ROOT / "_config.yml").read_text().count("github.com") == 1


def test_every_metric_the_scorecard_reads_was_recorded(built_book):
    """A renamed metric would silently turn a scorecard cell into "not measured": every path the
    scorecard's rows read must exist in the ci build's metrics."""
    from spsll import scorecard

    class Tracking(scorecard.Metrics):
        missing = []

        def __getitem__(self, path):
            v = super().__getitem__(path)
            if v is None:
                self.missing.append(path)
            return v

    m = Tracking(json.loads((RESULTS / "metrics.json").read_text()))
    scorecard.reproduction(m)
    scorecard.beyond(m)
    assert not m.missing, f"the scorecard reads metrics that no chapter records: {sorted(set(m.missing))}"
