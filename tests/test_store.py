"""HDF5 store: layout and attributes, round trip, done flags, settings checks, lock file."""
import json
import os
import socket
import subprocess
import sys

import h5py
import numpy as np
import pytest

from spsll.data.store import (StoreError, StoreLock, StoreLockedError, StoreMismatchError, check_settings,
                         create_store, done_mask, mark_done, open_store, read_store, write_chunk)

N, CHUNK, CELLS = 10, 4, 6
OTHER = ("width_error", "width_tanh", "width_tanh_error", "center", "torque")  # the rest of the layout


def _make(path, settings=None):
    sigma = np.linspace(1e-9, 1e-7, N)
    tau = np.linspace(0, 2e-8, N)
    create_store(str(path), kind="walls", sigma=sigma, tau=tau, chunk=CHUNK,
                 axes={"x": (np.arange(CELLS) * 1e-10, "m", "cells")},
                 per_sample={"m": ((3, CELLS), np.float64, "1", "magnetisation", True),
                             "width": ((), np.float64, "m", "width", True),
                             "iterations": ((), np.int64, "", "steps", True),
                             **{name: ((), np.float64, "m", name, True) for name in OTHER},
                             "converged": ((), np.bool_, "", "flag", True)},
                 attrs={"seed": 5, "material_json": json.dumps({"Ms": 1.0})},
                 settings=settings or {"kind": "walls", "solver": {"dtype": "float64", "n_cells": CELLS}})
    return sigma, tau


def _chunk(lo, hi, value):
    return {"m": np.full((hi - lo, 3, CELLS), value), "width": np.full(hi - lo, value),
            "iterations": np.arange(lo, hi)}


def test_layout_is_readable_with_plain_h5py(tmp_path):
    p = tmp_path / "s.h5"
    sigma, tau = _make(p)
    with h5py.File(p, "r") as f:
        assert f.attrs["format"] == "spsll-dataset" and f.attrs["kind"] == "walls"
        assert f.attrs["n"] == N and f.attrs["chunk"] == CHUNK and f.attrs["n_chunks"] == 3
        assert f.attrs["seed"] == 5
        assert np.array_equal(f["sigma"][...], sigma) and f["sigma"].attrs["units"] == "m"
        assert f["m"].shape == (N, 3, CELLS) and f["x"].attrs["units"] == "m"
        assert np.isnan(f["m"][...]).all() and (f["iterations"][...] == -1).all()  # fill values
        assert not f["done"][...].any()
        # preallocated: later writes touch raw data only
        assert f["m"].id.get_storage_size() == N * 3 * CELLS * 8
        assert json.loads(f.attrs["per_sample"])[:5] == ["sigma", "tau", "m", "width", "iterations"]
    assert not any(name.startswith("s.h5.creating") for name in os.listdir(tmp_path))


def test_round_trip_only_done_chunks_are_data(tmp_path):
    p = tmp_path / "s.h5"
    sigma, _ = _make(p)
    with open_store(p, "r+") as f:
        write_chunk(f, 0, 0, 4, _chunk(0, 4, 1.0))
        mark_done(f, 0)
        write_chunk(f, 2, 8, 10, _chunk(8, 10, 3.0))
        mark_done(f, 2)
        write_chunk(f, 1, 4, 8, _chunk(4, 8, 2.0))  # written, never marked done: a half-written chunk
        assert done_mask(f).tolist() == [True] * 4 + [False] * 4 + [True] * 2
    data, info = read_store(p)
    assert data["index"].tolist() == [0, 1, 2, 3, 8, 9]
    assert np.array_equal(data["width"], [1, 1, 1, 1, 3, 3]) and data["m"].shape == (6, 3, CELLS)
    assert np.array_equal(data["sigma"], sigma[data["index"]])
    assert np.array_equal(data["iterations"], [0, 1, 2, 3, 8, 9])
    assert info["n_done"] == 6 and info["settings"]["solver"]["n_cells"] == CELLS
    assert info["material"] == {"Ms": 1.0}


def test_chunk_of_wrong_shape_is_refused(tmp_path):
    p = tmp_path / "s.h5"
    _make(p)
    with open_store(p, "r+") as f, pytest.raises(StoreError, match="width"):
        write_chunk(f, 0, 0, 4, {"width": np.zeros(3)})


def test_other_settings_are_refused_naming_the_setting(tmp_path):
    p = tmp_path / "s.h5"
    _make(p)
    with open_store(p) as f:
        check_settings(f, {"kind": "walls", "solver": {"dtype": "float64", "n_cells": CELLS}})
        with pytest.raises(StoreMismatchError) as e:
            check_settings(f, {"kind": "walls", "solver": {"dtype": "float32", "n_cells": CELLS}}, path=str(p))
    msg = str(e.value)
    assert "solver.dtype" in msg and "'float64'" in msg and "'float32'" in msg and "n_cells" not in msg


def test_existing_file_is_never_overwritten_and_foreign_files_are_refused(tmp_path):
    p = tmp_path / "s.h5"
    p.write_bytes(b"not hdf5")
    with pytest.raises(FileExistsError):
        _make(p)
    assert p.read_bytes() == b"not hdf5"
    with pytest.raises(StoreError, match="HDF5"):
        open_store(p)
    q = tmp_path / "other.h5"
    with h5py.File(q, "w") as f:
        f["a"] = 1
    with pytest.raises(StoreError, match="not an spsll dataset store"):
        open_store(q)


def test_lock_is_exclusive_and_released(tmp_path):
    p = str(tmp_path / "s.h5")
    with StoreLock(p):
        owner = json.loads(open(p + ".lock.owner").read())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        with pytest.raises(StoreLockedError, match=f"process {os.getpid()} on host"):
            StoreLock(p).acquire()
    assert not os.path.exists(p + ".lock.owner")
    with StoreLock(p):
        pass


_HOLD = "import sys, time; from spsll.data.store import StoreLock; l = StoreLock(sys.argv[1]).acquire(); " \
        "print('held', flush=True); time.sleep(60)"


def test_lock_of_a_live_process_is_refused_and_dies_with_it(tmp_path):
    """The OS lock names its live owner and is free once the owner is SIGKILLed (no stale locks)."""
    p = str(tmp_path / "s.h5")
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, p], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(StoreLockedError, match=f"process {proc.pid} on host {socket.gethostname()}"):
            StoreLock(p).acquire()
    finally:
        proc.kill()
        proc.wait()
    with StoreLock(p) as lock:  # the killed owner left its files; the lock itself died with it
        assert json.loads(open(lock.owner_path).read())["pid"] == os.getpid()


def test_store_module_imports_no_posix_only_module():
    """``fcntl`` exists only on POSIX: nothing of spsll may import it (filelock picks the OS lock)."""
    code = ("import sys; sys.modules['fcntl'] = None; import spsll, spsll.data.store, spsll.data.generate, "
            "spsll.cli; print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    # filelock imports fcntl itself on POSIX and falls back without it; spsll never imports it
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
