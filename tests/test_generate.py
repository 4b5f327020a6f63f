"""Chunked generation: values, determinism, resume after SIGKILL, crash mid-chunk, lock, Dask equality, CLI."""
import filecmp
import os
import signal
import subprocess
import sys
import textwrap
import time

import json
import shutil
import h5py
import numpy as np
import pytest

import spsll
import spsll.data.generate as gen
from spsll.cli import exit_status as run
from spsll.data.generate import generate
from spsll.data.plans import make_plan
from spsll.data.store import StoreLockedError, StoreMismatchError, read_store

WALLS = dict(chunk=4, n_cells=64, seed=3, progress=False)
DISP = dict(chunk=3, n_cells=64, duration=1e-12, seed=4, keep_power=True, progress=False)


def assert_same_store(a, b):
    """Every dataset and attribute equal bit for bit, and the files byte-identical."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        assert sorted(fa) == sorted(fb)
        for name in fa:
            x, y = fa[name][...], fb[name][...]
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert x.tobytes() == y.tobytes(), name
        assert fa.attrs.keys() == fb.attrs.keys()
        for key in fa.attrs:
            assert np.array_equal(fa.attrs[key], fb.attrs[key]), key
    assert filecmp.cmp(a, b, shallow=False)


@pytest.fixture(scope="module")
def walls_ref(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("ref") / "walls.h5")
    generate("walls", 30, p, **WALLS)
    return p


@pytest.fixture(scope="module")
def disp_ref(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("ref") / "disp.h5")
    generate("dispersions", 7, p, **DISP)
    return p


def test_walls_store_holds_the_plan_and_the_solvers_values(walls_ref):
    data, info = read_store(walls_ref)
    sigma, tau = make_plan(30, seed=3)
    assert info["n_done"] == 30 and np.array_equal(data["sigma"], sigma) and np.array_equal(data["tau"], tau)
    r = spsll.domain_wall(spsll.FePt, sigma[4:8], tau[4:8], n_cells=64)  # chunk 1
    assert np.array_equal(data["m"][4:8], r.m) and np.array_equal(data["width"][4:8], r.width)
    assert np.array_equal(data["width_tanh"][4:8], r.width_tanh) and np.array_equal(data["x"], r.x)
    assert info["settings"]["solver"]["n_cells"] == 64 and info["settings"]["solver"]["mode"] == "relax"
    assert info["material_Ms"] == spsll.FePt.Ms and info["spsll_version"] == spsll.__version__
    assert np.all(np.isfinite(data["width"])) and data["converged"].all()


def test_dispersion_store_holds_axes_power_and_peaks(disp_ref):
    data, info = read_store(disp_ref)
    sigma, tau = make_plan(7, seed=4)
    r = spsll.dispersion(spsll.FePt, sigma[6:], tau[6:], n_cells=64, duration=1e-12)  # last chunk, 1 sample
    assert np.array_equal(data["peak_frequency"][6:], r.peak_frequency)
    assert np.array_equal(data["power"][6:], r.power) and data["power"].dtype == np.float32
    assert np.array_equal(data["k"], r.k) and np.array_equal(data["f"], r.f)
    assert data["peak_frequency"].shape == (7, 64) and info["units"]["peak_frequency"] == "Hz"


def test_rerun_is_a_no_op_and_other_settings_are_refused(walls_ref):
    before = open(walls_ref, "rb").read()
    rep = generate("walls", 30, walls_ref, **WALLS)
    assert rep.computed == 0 and rep.skipped == 8
    assert open(walls_ref, "rb").read() == before
    for change, setting in ((dict(n_cells=32), "solver.n_cells"), (dict(seed=4), "plan.seed"),
                            (dict(chunk=5), "chunk"), (dict(dtype="float32"), "dtype"),
                            (dict(plan="lhs"), "plan.plan"), (dict(mode="dynamics"), "solver.mode")):
        with pytest.raises(StoreMismatchError, match=setting.replace(".", r"\.")):
            generate("walls", 30, walls_ref, **{**WALLS, **change})
    assert open(walls_ref, "rb").read() == before


def test_a_store_from_before_an_option_existed_resumes_with_its_default(tmp_path, walls_ref):
    """A solver option added after a store was written (here mirror_envelope) is absent from its
    settings: the store meant the default behaviour, so asking the default resumes it, asking
    anything else is refused by name."""
    p = str(tmp_path / "old.h5")
    shutil.copy(walls_ref, p)
    with h5py.File(p, "r+") as f:
        settings = json.loads(f.attrs["settings_json"])
        del settings["solver"]["mirror_envelope"]
        f.attrs["settings_json"] = json.dumps(settings, sort_keys=True)
    assert generate("walls", 30, p, **WALLS).computed == 0
    with pytest.raises(StoreMismatchError, match=r"solver\.mirror_envelope: not in the store"):
        generate("walls", 30, p, **WALLS, mirror_envelope="whole")


def test_explicit_masks_and_callbacks_are_not_store_options(tmp_path):
    for opt in ("mask", "on_chunk"):
        with pytest.raises(TypeError, match=f"unknown dispersions option.*{opt}"):
            generate("dispersions", 3, str(tmp_path / "d.h5"), **DISP, **{opt: None})


def test_crash_after_writing_a_chunk_before_its_flag(tmp_path, monkeypatch, walls_ref):
    p = str(tmp_path / "w.h5")
    real = gen.mark_done
    calls = []

    def crash_on_third(f, k, fsync=True):
        calls.append(k)
        if len(calls) == 3:
            raise KeyboardInterrupt("simulated crash between the data and the done flag")
        real(f, k, fsync)

    monkeypatch.setattr(gen, "mark_done", crash_on_third)
    with pytest.raises(KeyboardInterrupt) as e:
        generate("walls", 30, p, **WALLS)
    assert isinstance(e.value, gen.GenerateInterrupted) and e.value.done == 2 and e.value.n_chunks == 8
    monkeypatch.setattr(gen, "mark_done", real)
    half = calls[-1]
    with h5py.File(p, "r") as f:
        assert np.isfinite(f["width"][4 * half:4 * half + 4]).all()  # the data were written ...
        assert not f["done"][half]
    data, info = read_store(p)
    assert info["n_done"] == 8 and not np.isin(np.arange(4 * half, 4 * half + 4), data["index"]).any()  # ... not data
    assert not os.path.exists(p + ".lock.owner")  # the lock was released
    rep = generate("walls", 30, p, **WALLS)
    assert rep.computed == 6 and rep.skipped == 2
    assert_same_store(p, walls_ref)


def test_sigkill_mid_run_then_rerun_equals_uninterrupted_run(tmp_path):
    kw = dict(WALLS, chunk=2)
    n = 120
    ref = str(tmp_path / "ref.h5")
    p = str(tmp_path / "killed.h5")
    script = textwrap.dedent(f"""
        import sys, torch
        torch.set_num_threads(1)
        from spsll.data.generate import generate
        generate("walls", {n}, sys.argv[1], **{kw!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, p], stderr=subprocess.PIPE)
    done = 0
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if os.path.exists(p):
                with h5py.File(p, "r", locking=False) as f:
                    done = int(f["done"][...].sum())
                if done >= 3:
                    break
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read().decode()
        with pytest.raises(StoreLockedError, match=str(proc.pid)):  # a second generator is refused
            generate("walls", n, p, **kw)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with h5py.File(p, "r") as f:
        done = int(f["done"][...].sum())
    assert 3 <= done < n // 2, "the kill came too late to test a resume"
    assert os.path.exists(p + ".lock.owner")  # the killed run's owner record; its OS lock died with it
    rep = generate("walls", n, p, **kw)
    assert rep.skipped == done and rep.computed == n // 2 - done
    generate("walls", n, ref, **kw)
    assert_same_store(p, ref)


def test_dask_local_cluster_writes_the_serial_store_bit_for_bit(tmp_path, walls_ref, disp_ref):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            generate("walls", 30, str(tmp_path / "w.h5"), dask=client, **WALLS)
        generate("dispersions", 7, str(tmp_path / "d.h5"), dask=cluster.scheduler_address, **DISP)
    assert_same_store(str(tmp_path / "w.h5"), walls_ref)
    assert_same_store(str(tmp_path / "d.h5"), disp_ref)


def test_invalid_options_are_refused_without_leaving_a_store(tmp_path):
    p = str(tmp_path / "w.h5")
    with pytest.raises(TypeError, match="unknown walls option.*'n_cels'.*allowed"):
        generate("walls", 4, p, n_cels=64)
    with pytest.raises(ValueError, match="n_cells"):
        generate("walls", 4, p, n_cells=4, progress=False)
    with pytest.raises(ValueError, match="kind"):
        generate("magnons", 4, p)
    with pytest.raises(ValueError, match="workers"):
        generate("walls", 4, p, workers=0)
    assert os.listdir(tmp_path) == []


def test_command_line(tmp_path, walls_ref, capsys):
    p = str(tmp_path / "w.h5")
    args = ["generate", "walls", "--n", "30", "--out", p, "--chunk", "4", "--n-cells", "64", "--seed", "3",
            "--no-progress"]
    assert run(args) == 0
    assert "30 walls in 8 chunks" in capsys.readouterr().out
    assert_same_store(p, walls_ref)  # the CLI and the Python API write the same store
    assert run(args + ["--dtype", "float32"]) == 2
    assert "dtype" in capsys.readouterr().err


def test_command_line_local_cluster_of_worker_processes(tmp_path, walls_ref):
    pytest.importorskip("distributed")
    p = str(tmp_path / "w.h5")
    args = ["generate", "walls", "--n", "30", "--out", p, "--chunk", "4", "--n-cells", "64", "--seed", "3",
            "--no-progress", "--workers", "2"]
    assert run(args) == 0
    assert_same_store(p, walls_ref)


def test_walls_report_progress_inside_a_chunk_with_the_same_values():
    """A chunk of relaxed walls is solved in pieces of PROGRESS_BATCH, each reported; relaxation
    stops per sample, so the values equal one solver call on the whole chunk bit for bit."""
    sigma, tau = make_plan(gen.PROGRESS_BATCH + 7, seed=9)
    spec = {"kind": "walls", "material": spsll.FePt.to_dict(),
            "options": {"n_cells": 16, "mode": "relax", "dtype": "float64", "device": "cpu", "batch_size": 500}}
    seen = []
    res = gen.compute_chunk(spec, sigma, tau, report=seen.append)
    assert seen == [gen.PROGRESS_BATCH, 7]
    whole = gen.compute_chunk(spec, sigma, tau)
    for name, arr in whole["data"].items():
        assert np.array_equal(res["data"][name], arr), name
