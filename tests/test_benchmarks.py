"""The benchmark scripts run end to end at a tiny scale (their timings are not checked here:
speed is measured by running them, see benchmarks/README.md)."""
import importlib.util
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

import spsll

ROOT = Path(__file__).resolve().parents[1]
PEER_PY = ROOT / "benchmarks" / ".peer-venv" / "bin" / "python"
# two integrators of the same equation at tolerance 1e-7, a 16² film over 0.2 ps: 5× the
# largest measured difference of their peaks (0.2 GHz), 1/5000 of the 5 THz bin
MAE_AGREE_GHZ = 1.0


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_surrogates_prints_a_ratio_for_every_query(capsys):
    bench = _load("bench_surrogates")
    bench.main(["--dispersions", "2", "--walls", "4", "--fit-dispersions", "1", "--fit-walls", "2",
                "--iterations", "1", "--predictions", "64", "--threads", "2"])
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index(next(l for l in lines if l.startswith("network"))) + 1:]
    assert [l.split("  ")[0].strip() for l in table] == ["TFC dispersion", "InverseCNN", "InverseCNN compact", "WallNet",
                                                         "WallNet", "WallNet compact", "WallNet compact"]
    for line in table:
        predictions, solver, ratio = (float(v) for v in line.split()[-3:])
        # all three printed to 3 significant figures: each rounding is at most 0.5 % (leading digit 1),
        # so the quotient of the rounded rates is within 1.5 % of the printed ratio
        assert predictions > 0 and solver > 0 and math.isclose(ratio, predictions / solver, rel_tol=1.5e-2)


# ---- 2-D films: bench_film.py speed and bench_film_peer.py ---------------------------

def test_bench_film_speed_reports_time_and_memory_per_configuration(capsys):
    bench = _load("bench_film")
    # one configuration, run in its own process as every configuration is
    bench.main(["speed", "--sizes", "16", "--batch", "2", "--dtypes", "float32",
                "--kinds", "site", "--duration", "0.1e-12"])
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (row["n"], row["batch"], row["kind"], row["dtype"], row["threads"]) \
        == (16, 2, "site", "float32", 1)
    assert row["state_MB"] == 2 * 3 * 16 * 16 * 4 / 2**20  # one float32 (B, 3, n, n)
    assert row["steps"] > 0 and row["s_per_film_per_10ps"] > 0
    assert row["cpu_s_per_film_per_10ps"] > 0
    assert row["peak_rss_MB"] >= row["rss_before_MB"] > 0


def test_bench_film_percolation_prints_a_row_per_family_and_parameter(capsys):
    bench = _load("bench_film")
    bench.main(["percolation", "--sizes", "16", "24", "--realisations", "8"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["family"] for r in rows] == ["site"] * 7 + ["tessellation"] * 6
    assert [r["params"] for r in rows[:7]] == [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65]
    for r in rows:
        values = [r["D_over_D0"], r["D_se"], r["sigma_over_p_largest_L"]]
        assert np.isfinite(values).all()
        assert r["D_se"] > 0 and len(r["finite_k"]) == 2  # one finite-k ratio per size


def test_bench_film_map_prints_both_maps_and_the_summary(capsys):
    bench = _load("bench_film")
    bench.main(["map", "--sizes", "16", "24", "--coarse-sizes", "24", "32",
                "--realisations", "8"])
    out = capsys.readouterr().out
    points = [json.loads(ln) for ln in out.splitlines() if ln.startswith('{"map"')]
    # 4 T/a × 5 p + 4 site p (calibration), 5 T/a × 4 p + 4 site p (validation)
    assert [p["map"] for p in points] == ["calibration"] * 24 + ["validation"] * 24
    summary = json.loads(out[out.index("\n{\n") + 1:])
    assert summary["speedup"] > 0 and "sps_ll" in summary["validation_errors"]


def test_front_cost_interpolates_the_pareto_front_log_log():
    front_cost = _load("bench_film_peer").front_cost
    pts = [(1.0, 100.0), (10.0, 10.0), (5.0, 200.0)]  # (1, 100) dominates (5, 200)
    # log-log interpolation: the middle in log MAE costs the middle in log cost
    assert math.isclose(front_cost(pts, math.sqrt(10)), math.sqrt(1000))
    assert math.isclose(front_cost(pts, 1.0), 100.0) and front_cost(pts, 0.5) is None
    assert front_cost(pts, 50.0) == 10.0  # less accurate than asked: the cheapest run


def test_bench_film_peer_times_the_dispersion_recipe():
    """spsll's side runs the recipe of spsll.dispersion: the same peak frequencies."""
    bench = _load("bench_film_peer")
    _, _, pk, evals = bench.spsll_point(16, 2, 1e-5, "float64", 0.2e-12)
    r = spsll.dispersion(spsll.FePt, 10e-9, 0.0, n_cells=(16, 16), duration=0.2e-12,
                         rtol=1e-5)
    np.testing.assert_array_equal(pk, r.peak_frequency)  # same operations: bit for bit
    assert evals == r.stats["n_evals"]


@pytest.mark.skipif(not PEER_PY.exists() and not os.environ.get("CI"),
                    reason="magnum.np's benchmarks/.peer-venv is missing (make peer)")
def test_bench_film_peer_sweeps_both_programs_end_to_end(capsys):
    bench = _load("bench_film_peer")
    rows, out = bench.main([
        "--sizes", "16", "--batch", "1", "2", "--rtols", "1e-7", "--tols", "1e-7",
        "--batch-rtols", "1e-5", "--batch-tols", "1e-5", "--solvers", "RKF45",
        "dopri5-atol", "--duration", "0.2e-12", "--targets", "100", "1000"])
    solvers = ("RKF45", "dopri5-atol")
    knobs = {(r["batch"], r["program"], r["knob"]) for r in rows}
    assert knobs == {(1, "spsll", f"{d} rtol=1e-07") for d in ("float64", "float32")} \
        | {(1, "magnum.np", f"{s} tol=1e-07") for s in solvers} \
        | {(2, "spsll", f"{d} rtol=1e-05") for d in ("float64", "float32")} \
        | {(2, "magnum.np", f"{s} tol=1e-05") for s in solvers}
    by = {(r["batch"], r["program"], r["knob"]): r for r in rows}
    assert by[(1, "spsll", "float64 rtol=1e-07")]["mae_vs_ref_GHz"] == 0  # the ref.
    # an independent integration of the same equation at tolerance 1e-7: magnum.np's
    # peaks agree with spsll's reference far below the 5 THz bin of a 0.2 ps record
    # (measured 0.20 GHz RKF45, 0.0015 GHz dopri5-atol; 64² over 10 ps: RKF45 at 1e-8
    # 0.07 GHz, dopri5-atol at 1e-7 0.004 GHz)
    for s in solvers:
        assert by[(1, "magnum.np", f"{s} tol=1e-07")]["mae_vs_ref_GHz"] < MAE_AGREE_GHZ
    assert all(r["cpu_s_per_film"] > 0 and r["rhs_evals"] > 0 for r in rows)
    assert [(o["batch"], o["target_mae_GHz"]) for o in out] \
        == [(1, 100.0), (1, 1000.0), (2, 100.0), (2, 1000.0)]
    assert "magnum.np" in capsys.readouterr().out
