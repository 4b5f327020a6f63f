"""``spsll train`` and ``spsll predict`` end to end on real (tiny) stores of spsll.data.generate:
generate → train → Ctrl-C → resume → predict, and the refusals of bad options and inputs."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from spsll import cli
from spsll.data.generate import generate
from spsll.learn import train as T
from conftest import default_sigint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL = ["--channels", "4", "8", "8", "4", "--no-progress"]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    d = tmp_path_factory.mktemp("stores")
    opts = dict(n_cells=64, progress=False)
    paths = {"disp": str(d / "disp.h5"), "other": str(d / "other.h5"), "walls": str(d / "walls.h5")}
    generate("dispersions", 30, paths["disp"], chunk=10, duration=1e-12, seed=2, **opts)
    generate("dispersions", 30, paths["other"], chunk=10, duration=1e-12, seed=3, **opts)
    generate("walls", 30, paths["walls"], chunk=10, seed=1, **opts)
    return paths


def train(kind, data, out, *extra):
    """argv of ``spsll train KIND --data DATA --out OUT EXTRA...``."""
    return ["train", kind, "--data", data, "--out", str(out), *extra]


def run(argv, capsys):
    """(exit status, stdout, stderr) of ``spsll ARGV`` in this process."""
    try:
        code = cli.main(argv)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_train_resume_predict_end_to_end(stores, tmp_path, capsys):
    out = str(tmp_path / "inv")
    argv = train("inverse", stores["disp"], out, "--epochs", "2", *SMALL)
    code, stdout, _ = run(argv, capsys)
    assert code == 0, stdout
    summary = json.loads(open(os.path.join(out, "summary.json")).read())
    assert summary["n"] == {"train": 18, "val": 6, "test": 6}      # the recipe's 0.6 / 0.2 / 0.2
    assert summary["config"]["lr"] == T.InverseConfig().lr and summary["config"]["channels"] == [4, 8, 8, 4]
    assert set(summary["test"]) >= {"r2_sigma", "r2_smin", "rmse_tau_nm"}
    # an existing run is not overwritten; --resume continues it to the new total
    code, _, err = run(argv, capsys)
    assert code == 2 and "already holds a run" in err
    argv[argv.index("--epochs") + 1] = "3"
    assert run(argv + ["--resume"], capsys)[0] == 0
    assert json.loads(open(os.path.join(out, "history.json")).read())["epoch"] == [1, 2, 3]
    # predict: the store (with metrics), a JSON curve and a CSV of curves give the model's numbers
    model = T.load_model(os.path.join(out, "model.pt"))
    ds = T.InverseConfig().load_splits(stores["disp"])["test"]
    expect = T.predict(model, ds.peak_frequency[:2].astype(np.float32))
    code, stdout, _ = run(["predict", out, stores["disp"], "--out", str(tmp_path / "p.json")], capsys)
    assert code == 0 and "r2_sigma" in stdout
    assert len(json.loads((tmp_path / "p.json").read_text())["sigma_m"]) == 30
    (tmp_path / "c.json").write_text(json.dumps({"peak_frequency_Hz": ds.peak_frequency[0].tolist()}))
    (tmp_path / "c.csv").write_text(",".join(f"f{j}" for j in range(64)) + "\n"
                                    + "\n".join(",".join(repr(float(v)) for v in r) for r in ds.peak_frequency[:2]))
    for name, rows in (("c.json", 1), ("c.csv", 2)):
        code, _, err = run(["predict", out, str(tmp_path / name), "--out", str(tmp_path / "q.json")], capsys)
        assert code == 0, err
        got = json.loads((tmp_path / "q.json").read_text())
        np.testing.assert_allclose(np.c_[got["sigma_m"], got["tau_m"]], expect[:rows], rtol=1e-6)


def test_walls_and_tfc_train_and_predict(stores, tmp_path, capsys):
    w, f = str(tmp_path / "w"), str(tmp_path / "f")
    extra = ["--epochs", "1", "--window", "16", "--ensemble", "2", *SMALL]
    assert run(train("walls", stores["walls"], w, *extra), capsys)[0] == 0
    assert sorted(os.listdir(w)) == ["member_0", "member_1", "summary.json"]
    assert len(T.load_ensemble(w)) == 2 and T.load_ensemble(w).members[0].window == 16
    ds = T.WallConfig().load_splits(stores["walls"])["test"]
    (tmp_path / "wall.json").write_text(json.dumps({"m_z": ds.mz[0].tolist(), "width_m": float(ds.width[0])}))
    code, stdout, err = run(["predict", w, str(tmp_path / "wall.json")], capsys)
    assert code == 0 and "2 members" in stdout, err
    assert run(train("tfc", stores["disp"], f, "--epochs", "2", "--no-progress"), capsys)[0] == 0
    (tmp_path / "pairs.csv").write_text("sigma_m,tau_m\n1e-8,5e-9\n2e-8,0\n")
    code, _, err = run(["predict", f, str(tmp_path / "pairs.csv"), "--out", str(tmp_path / "d.csv")], capsys)
    assert code == 0, err
    rows = (tmp_path / "d.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[0].startswith("sigma_m,tau_m,f_0_Hz")


def test_resume_refuses_another_store_kind_or_settings(stores, tmp_path, capsys):
    out = str(tmp_path / "r")
    base = train("inverse", stores["disp"], out, "--epochs", "1")
    assert run(base + SMALL, capsys)[0] == 0
    cases = [(["--lr", "1e-2"] + SMALL, "lr: 0.0003 (checkpoint) != 0.01 (now)"),
             (["--batch-size", "4"] + SMALL, "batch_size: 8 (checkpoint) != 4 (now)"),
             (["--channels", "4", "8", "8", "8", "--no-progress"], "channels"),
             (["--seed", "1"] + SMALL, "seed: 0 (checkpoint) != 1 (now)")]
    for extra, msg in cases:
        code, _, err = run(base + extra + ["--resume"], capsys)
        assert code == 2 and msg in err and "cannot resume" in err, (extra, err)
    other = train("inverse", stores["other"], out, "--epochs", "1", "--resume", *SMALL)
    code, _, err = run(other, capsys)
    assert code == 2 and "fingerprint" in err
    walls = str(tmp_path / "wr")
    assert run(train("walls", stores["walls"], walls, "--epochs", "1", *SMALL), capsys)[0] == 0
    code, _, err = run(train("inverse", stores["disp"], walls, "--resume", *SMALL), capsys)
    assert code == 2 and "WallNet run ('spsll train walls')" in err and "train inverse" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("extra, msg", [
    (["--channels", "0", "0", "0", "0"], "channels must be 4 positive integers"),
    (["--device", "banana"], "device must be a torch device"),
    (["--lr", "-1"], "lr"), (["--epochs", "0"], "epochs"), (["--ensemble", "0"], "--ensemble"),
    (["--window", "4"], "window"), (["--fractions", "0.8", "0.3", "0.1"], "fractions")])
def test_bad_train_options_are_named_errors(stores, tmp_path, capsys, extra, msg):
    kind = "walls" if "--window" in extra else "inverse"
    data = stores["walls" if kind == "walls" else "disp"]
    code, _, err = run(train(kind, data, tmp_path / "x", "--no-progress", *extra), capsys)
    assert code == 2 and msg in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()                      # refused before any work


def test_bad_predict_inputs_are_named_errors(stores, tmp_path, capsys):
    out = str(tmp_path / "m")
    assert run(train("inverse", stores["disp"], out, "--epochs", "1", *SMALL), capsys)[0] == 0
    f = T.InverseConfig().load_splits(stores["disp"])["test"].peak_frequency[0]
    cases = {"thz.json": ({"peak_frequency_Hz": (f / 1e12).tolist()}, "did you pass THz"),
             "short.json": ({"peak_frequency_Hz": f[:10].tolist()}, "64 values per curve"),
             "text.json": ({"peak_frequency_Hz": ["a"] * 64}, "real numbers"),
             "bool.json": ({"peak_frequency_Hz": [True] * 64}, "real numbers"),
             "key.json": ({"f": f.tolist()}, "missing key 'peak_frequency_Hz'"),
             "list.json": ([1, 2], "must be an object")}
    for name, (content, msg) in cases.items():
        (tmp_path / name).write_text(json.dumps(content))
        code, _, err = run(["predict", out, str(tmp_path / name)], capsys)
        assert code == 2 and msg in err and "Traceback" not in err, (name, err)
    (tmp_path / "x.pt").write_bytes(b"\x80\x04not a pickle you want")
    code, _, err = run(["predict", out, str(tmp_path / "x.pt")], capsys)
    assert code == 2 and ".h5 store, a .json or a .csv" in err
    code, _, err = run(["predict", str(tmp_path / "nowhere"), str(tmp_path / "thz.json")], capsys)
    assert code == 2 and "neither a run folder" in err
    tfc = str(tmp_path / "t")
    assert run(train("tfc", stores["disp"], tfc, "--epochs", "1", "--no-progress"), capsys)[0] == 0
    (tmp_path / "nm.json").write_text(json.dumps({"sigma_m": 10.0, "tau_m": 5.0}))
    code, _, err = run(["predict", tfc, str(tmp_path / "nm.json")], capsys)
    assert code == 2 and "did you pass nanometres" in err


def test_ctrl_c_keeps_the_checkpoint_and_says_how_to_resume(stores, tmp_path):
    """SIGINT to a real ``spsll train`` process: exit 130, no traceback, the epochs kept, a resumable run."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "spsll.cli", "train", "inverse", "--data", stores["disp"], "--out", str(out),
           "--epochs", "100000"] + SMALL
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=default_sigint)
    ck = out / "checkpoint.pt"
    t0 = time.monotonic()
    while not ck.exists() and time.monotonic() - t0 < 120 and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)                                   # a few more epochs
    proc.send_signal(signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    kept = T.load_checkpoint(ck)["epoch"]
    assert kept >= 1 and f"{ck}: {kept} epoch" in stderr and "--resume" in stderr
    code = subprocess.run(cmd[:cmd.index("--epochs") + 1] + [str(kept + 1)] + SMALL + ["--resume"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert code.returncode == 0, code.stderr
    assert json.loads((out / "history.json").read_text())["epoch"] == list(range(1, kept + 2))
