"""spsll.save / spsll.load: round trip, and xarray sees real dimension names and coordinates."""
import subprocess
import sys

import numpy as np
import pytest

import spsll

NM = 1e-9


@pytest.fixture(scope="module")
def results():
    d = spsll.dispersion(spsll.FePt, [10 * NM, 20 * NM], [5 * NM, 0.0], n_cells=32, duration=5e-13)
    w = spsll.domain_wall(spsll.FePt, 10 * NM, 5 * NM, n_cells=32)
    return d, w


def test_round_trip_is_exact(results, tmp_path):
    d, w = results
    d2 = spsll.load(spsll.save(d, tmp_path / "sub" / "d.h5"))  # missing folder created
    assert type(d2) is spsll.DispersionResult
    for name in ("k", "f", "power", "peak_frequency", "sigma", "tau"):
        a, b = getattr(d, name), getattr(d2, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert np.array_equal(d2.stats["n_steps"], d.stats["n_steps"])
    w2 = spsll.load(spsll.save(w, tmp_path / "w.h5"))
    assert type(w2) is spsll.DomainWallResult and np.array_equal(w2.m, w.m)
    assert w2.width == w.width and w2.converged == w.converged and w2.sigma == w.sigma


def test_xarray_opens_with_dimension_names(results, tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    d, w = results
    spsll.save(d, tmp_path / "d.h5")
    spsll.save(w, tmp_path / "w.h5")
    with xr.open_dataset(tmp_path / "d.h5", engine="h5netcdf") as ds:
        assert ds["peak_frequency"].dims == ("sample", "k") and ds["power"].dims == ("sample", "f", "k")
        assert np.array_equal(ds["k"].values, d.k) and ds["k"].attrs["units"] == "rad/m"
        assert np.array_equal(ds["peak_frequency"].values, d.peak_frequency)
    with xr.open_dataset(tmp_path / "w.h5", engine="h5netcdf") as ds:
        assert ds["m"].dims == ("component", "x") and list(ds["component"].values) == ["x", "y", "z"]
        assert float(ds["width"]) == w.width


def test_save_refuses_other_objects_and_load_other_files(tmp_path):
    with pytest.raises(TypeError, match="DispersionResult or DomainWallResult"):
        spsll.save({"a": 1}, tmp_path / "x.h5")
    import h5py
    with h5py.File(tmp_path / "y.h5", "w") as f:
        f["a"] = 1
    with pytest.raises(ValueError, match="not a result saved by spsll.save"):
        spsll.load(tmp_path / "y.h5")


def test_import_spsll_does_not_import_h5py():
    r = subprocess.run([sys.executable, "-c", "import sys, spsll; print('h5py' in sys.modules)"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == "False", r.stderr
