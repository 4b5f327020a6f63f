"""2-D stores (film_stiffness): the agreement map's ensembles through spsll generate.

The store's numbers are checked against an independent path (the in-process
``agreement_map`` and the masks of ``spsll.physics.defects2d``); resume after SIGKILL,
the local Dask cluster and ``--workers`` against an uninterrupted serial run, bit for
bit.
"""
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import spsll
from spsll.cli import EXIT_STORE, EXIT_USAGE, exit_status as run
from spsll.data.film_ensembles import (StoreEnsembles, agreement_map_from_store,
                                       store_fits)
from spsll.data.film_stiffness import generate_film_stiffness
from spsll.data.generate import generate
from spsll.data.plans import make_plan
from spsll.data.store import (StoreError, StoreLockedError, StoreMismatchError,
                              read_store)
from spsll.physics.agreement import agreement_map
from spsll.physics.defects2d import site_dilution_masks, tessellation_masks
from spsll.physics.stiffness import finite_k_stiffness
from spsll.units import NM
from test_generate import assert_same_store

A = spsll.FePt.a
# Two tessellation points (T = 0.70a: sizes; T = 3.0a: coarse_sizes) and one site
# dilution; in nm as the command line takes them: CLI and Python share the plan exactly.
SIGMA_NM, TAU_NM, SITE = (1.58309, 4.068), (0.27798, 1.356), (0.9,)
SIGMA, TAU = np.array(SIGMA_NM) * NM, np.array(TAU_NM) * NM
TESS_ARGS = [x for s, t in zip(SIGMA_NM, TAU_NM)
             for x in ("--tessellation-nm", str(s), str(t))]
PLAN = dict(sizes=(8, 12), coarse_sizes=(12, 16), n_realisations=4, seed=5)
# 3 points x 2 sizes x 20 = 120 masks of 8-16 cells (about 20 ms each), 60 chunks of 2
KILL = dict(sizes=(8, 12), coarse_sizes=(12, 16), n_realisations=20, seed=1, chunk=2)
CLI_KILL = ["generate", "film_stiffness", *TESS_ARGS, "--site-p", "0.9", "--sizes", "8",
            "12", "--coarse-sizes", "12", "16", "--realisations", "20", "--seed", "1",
            "--chunk", "2", "--no-progress"]
# the small store's plan on the command line
CLI_SMALL = ["generate", "film_stiffness", "--no-progress", "--seed", "5", "--site-p",
             "0.9", "--sizes", "8", "12", "--coarse-sizes", "12", "16",
             "--realisations", "4", "--chunk", "3"]
KILL_POINTS = (SIGMA, TAU, SITE)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("small") / "film.h5")
    generate_film_stiffness(p, SIGMA, TAU, SITE, chunk=3, progress=False, **PLAN)
    return p


@pytest.fixture(scope="module")
def kill_ref(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("ref") / "ref.h5")
    generate_film_stiffness(p, *KILL_POINTS, progress=False, **KILL)
    return p


def test_store_reduces_to_the_in_process_agreement_map_bit_for_bit(small):
    want = agreement_map(SIGMA, TAU, A, site_p=SITE, n_cells=16, **PLAN)
    got = agreement_map_from_store(small, n_cells=16)
    assert got.label == want.label
    for name in ("p", "T", "D", "D_se", "sigma_over_p", "sigma_over_p_se", "excess",
                 "excess_se"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    for name, v in want.models.items():
        assert np.array_equal(got.models[name], v), name
    # the coarse point used coarse_sizes, as agreement_map does for T > 2a
    assert [pt["sizes"] for pt in store_fits(small)[0]] == [[8, 12], [12, 16], [8, 12]]


def test_each_sample_is_the_mask_the_physics_layer_draws(small):
    """Sample (point, L, r) is finite_k_stiffness of realisation r of the physics
    layer's own generators (tessellation_masks / site_dilution_masks with seed + L)."""
    data, info = read_store(small)
    assert info["n_done"] == info["n"] == (2 + 2 + 2) * 4
    for i in (0, 9, 21):  # tessellation fine, tessellation coarse, site dilution
        L, r = int(data["size"][i]), int(data["realisation"][i])
        seed = PLAN["seed"] + L
        if data["family"][i] == 0:
            s, t = data["sigma"][i], data["tau"][i]
            mask = tessellation_masks(s, t, (L, L), A, r + 1, seed)[0, r]
        else:
            mask = site_dilution_masks(data["p"][i], (L, L), r + 1, seed)[0, r]
        want = finite_k_stiffness(mask)
        assert (data["ratio"][i], data["p_inf"][i], data["conductivity"][i]) == want
    assert np.isnan(data["sigma"][data["family"] == 1]).all()


def test_rerun_is_a_no_op_and_other_settings_are_refused_by_name(small):
    before = open(small, "rb").read()
    kw = dict(PLAN, chunk=3, progress=False)
    rep = generate_film_stiffness(small, SIGMA, TAU, SITE, **kw)
    assert rep.computed == 0 and rep.skipped == rep.n_chunks
    for change, setting in ((dict(seed=6), "plan.seed"),
                            (dict(sizes=(8, 16)), "plan.sizes"),
                            (dict(n_realisations=5), "plan.n_realisations"),
                            (dict(chunk=4), "chunk")):
        with pytest.raises(StoreMismatchError, match=setting.replace(".", r"\.")):
            generate_film_stiffness(small, SIGMA, TAU, SITE, **{**kw, **change})
    assert open(small, "rb").read() == before


def test_store_ensembles_refuse_what_the_store_was_not_computed_with(small):
    ens = StoreEnsembles(small)
    with pytest.raises(ValueError, match="seed = 5, the map asks 6"):
        agreement_map(SIGMA, TAU, A, site_p=SITE, **{**PLAN, "seed": 6}, ensembles=ens)
    with pytest.raises(KeyError, match="no site point"):
        ens.site([0.8], PLAN["sizes"], PLAN["n_realisations"], PLAN["seed"])
    with pytest.raises(ValueError, match=r"sizes \[8, 12\], the map asks \[8, 16\]"):
        ens.site([0.9], (8, 16), PLAN["n_realisations"], PLAN["seed"])


def _chunks_done(path) -> int:
    """Chunks marked done in a store that a run may be writing (0 before it exists)."""
    if not os.path.exists(path):
        return 0
    with h5py.File(path, "r", locking=False) as f:
        return int(f["done"][...].sum())


def _wait_for_chunks(proc, path, count, timeout=60):
    """Poll until the running ``proc`` has finished ``count`` chunks of ``path``."""
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline and _chunks_done(path) < count:
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read().decode()


def test_sigkill_mid_run_then_rerun_equals_uninterrupted_run(tmp_path, kill_ref):
    p = str(tmp_path / "killed.h5")
    proc = subprocess.Popen([sys.executable, "-m", "spsll", *CLI_KILL, "--out", p],
                            stderr=subprocess.PIPE)
    try:
        _wait_for_chunks(proc, p, 3)
        # a second run is refused while the first holds the lock
        with pytest.raises(StoreLockedError, match=str(proc.pid)):
            generate_film_stiffness(p, *KILL_POINTS, progress=False, **KILL)
    finally:
        proc.send_signal(signal.SIGKILL)  # also when an assertion above failed
        proc.wait()
    done, n_chunks = _chunks_done(p), int(read_store(p)[1]["n_chunks"])
    assert 3 <= done < n_chunks // 2, "the kill came too late to test a resume"
    q = str(tmp_path / "killed_copy.h5")
    shutil.copy(p, q)
    rep = generate_film_stiffness(p, *KILL_POINTS, progress=False, **KILL)
    assert rep.skipped == done and rep.computed == n_chunks - done
    assert_same_store(p, kill_ref)  # CLI (nm) and Python (m) runs and the resume agree
    if importlib.util.find_spec("distributed"):  # the same resume on worker processes
        assert run(CLI_KILL + ["--out", q, "--workers", "2"]) == 0
        assert_same_store(q, kill_ref)


def test_dask_writes_the_serial_store_bit_for_bit(tmp_path, small):
    """A scheduler address, as a cluster's (--workers: in the SIGKILL test above)."""
    distributed = pytest.importorskip("distributed")
    q = str(tmp_path / "dask.h5")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        generate_film_stiffness(q, SIGMA, TAU, SITE, progress=False, chunk=3,
                                dask=cluster.scheduler_address, **PLAN)
    assert_same_store(q, small)


def _set(name, fn):
    def edit(f):
        v = f[name][...]
        v = fn(v)
        del f[name]
        f.create_dataset(name, data=v)
    return edit


def _row(name, row, value):
    def fn(v):
        v[row] = value
        return v
    return _set(name, fn)


# (case, edit, field the StoreError names, words); row 0 tessellation, 16 site dilution
CRAFTED = [
    ("family 2", _row("family", 0, 2), "family", "0 (tessellation) or 1"),
    ("site p 1.5", _row("p", 16, 1.5), "p", "(0, 1]"),
    ("size 2", _row("size", 3, 2), "size", ">= 3"),
    ("negative sigma of a tessellation", _row("sigma", 0, -1e-9), "sigma", "> 0"),
    ("negative realisation", _row("realisation", 1, -1), "realisation", ">= 0"),
    ("float family", _set("family", lambda v: v.astype(float)), "family", "integer"),
    ("short ratio", _set("ratio", lambda v: v[:4]), "ratio", "(4,)"),
    ("missing p_inf", lambda f: f.__delitem__("p_inf"), "p_inf", "missing"),
]


@pytest.mark.parametrize("case,edit,field,words", CRAFTED, ids=[c[0] for c in CRAFTED])
def test_crafted_2d_store_is_refused_naming_the_field(small, tmp_path, capsys, case,
                                                      edit, field, words):
    p = tmp_path / "crafted.h5"
    shutil.copy(small, p)
    with h5py.File(p, "r+") as f:
        edit(f)
    before = p.read_bytes()
    for read in (read_store, StoreEnsembles):
        with pytest.raises(StoreError) as e:
            read(p)
        assert f": {field}:" in str(e.value) and words in str(e.value), str(e.value)
    assert run(CLI_SMALL + TESS_ARGS + ["--out", str(p)]) == EXIT_STORE
    err = capsys.readouterr().err
    assert err.startswith("spsll: error:") and f": {field}:" in err
    assert "Traceback" not in err
    assert p.read_bytes() == before


BAD = [
    (["--site-p", "0.9", "--sizes", "2", "12"], "sizes must be an integer >= 3"),
    (["--site-p", "0.9", "--sizes", "12"], "sizes must list at least two film sides"),
    (["--site-p", "0.9", "--sizes", "12", "12"], "sizes must hold at least two"),
    (["--site-p", "0.9", "--sizes", "8", "40960"], "sizes must be an integer >= 3 and"),
    (["--site-p", "0.9", "--coarse-sizes", "2", "8"],
     "coarse_sizes must be an integer >= 3"),
    (["--site-p", "0"], "site_p must list material fractions p in (0, 1]"),
    (["--site-p", "1.5"], "site_p must list material fractions p in (0, 1]"),
    (["--site-p", "0.9", "--realisations", "2"],
     "n_realisations must be an integer >= 3"),
    (["--tessellation-nm", "-1", "0.3"], "sigma must be > 0 m"),
    (["--sizes", "8", "12"], "give at least one tessellation point (sigma, tau)"),
    (["--site-p", "0.9", "--workers", "0"], "workers must be an integer >= 1"),
]


@pytest.mark.parametrize("args,words", BAD, ids=[b[1][:30] for b in BAD])
def test_bad_input_is_a_named_usage_error_and_writes_nothing(tmp_path, capsys, args,
                                                             words):
    out = str(tmp_path / "x.h5")
    argv = ["generate", "film_stiffness", "--no-progress", "--out", out]
    assert run(argv + args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("spsll: error:") and words in err, err
    assert os.listdir(tmp_path) == []


# ---- film_dispersions: SPS-LL films, n_cells = (nx, ny) ---------------------------

FILM = dict(n_cells=(12, 8), chunk=2, duration=1e-12, keep_power=True, seed=2,
            progress=False)


@pytest.fixture(scope="module")
def film_disp(tmp_path_factory):
    """A film_dispersions store of three 12 x 8 films in chunks of 2: its path."""
    out = tmp_path_factory.mktemp("fd") / "fd.h5"
    return generate("film_dispersions", 3, out, **FILM).path


def test_film_dispersion_store_holds_the_solvers_films(film_disp):
    data, info = read_store(film_disp)
    sigma, tau = make_plan(3, seed=2)
    r = spsll.dispersion(spsll.FePt, sigma[2:], tau[2:], n_cells=(12, 8),
                         duration=1e-12)  # chunk 1 alone, an independent solver call
    assert data["peak_frequency"].shape == (3, 12, 8)
    assert data["power"].shape[2:] == (12, 8)
    assert np.array_equal(data["peak_frequency"][2:], r.peak_frequency)
    assert np.array_equal(data["power"][2:], r.power)
    assert np.array_equal(data["k"], r.k) and np.array_equal(data["ky"], r.ky)
    assert info["settings"]["solver"]["n_cells"] == [12, 8]
    assert info["units"]["ky"] == "rad/m"


def test_film_dispersion_crafted_store_and_bad_n_cells_are_named(film_disp, tmp_path,
                                                                 capsys):
    p = tmp_path / "crafted.h5"
    shutil.copy(film_disp, p)
    with h5py.File(p, "r+") as f:
        _set("peak_frequency", lambda v: v[:, :, 0])(f)
    with pytest.raises(StoreError, match=r": peak_frequency: has shape \(3, 12\)"):
        read_store(p)
    with pytest.raises(ValueError, match=r"n_cells must be a pair \(nx, ny\)"):
        generate("film_dispersions", 3, str(tmp_path / "x.h5"),
                 **{**FILM, "n_cells": 16})
    with pytest.raises(ValueError, match="generate_film_stiffness"):
        generate("film_stiffness", 3, str(tmp_path / "z.h5"))
    argv = ["generate", "film_dispersions", "--n", "2", "--n-cells", "16", "2",
            "--no-progress", "--out", str(tmp_path / "y.h5")]
    assert run(argv) == EXIT_USAGE
    assert "n_cells must be an integer >= 8, got 2" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["crafted.h5"]
