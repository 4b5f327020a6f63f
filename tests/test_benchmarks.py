"""The benchmark scripts run end to end at a tiny scale (their timings are not checked here:
speed is measured by running them, see benchmarks/README.md)."""
import importlib.util
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
