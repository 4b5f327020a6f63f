"""Issue 15: bad input and faults give a named error, the documented exit status, untouched files.

Crafted stores are built here with h5py from a small valid store; Ctrl-C is a real SIGINT to a
real ``spsll generate`` process.  Exit statuses (spsll.cli): 2 usage, 3 unusable store, 130
interrupted.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import spsll.cli as cli
from conftest import default_sigint
from spsll.cli import exit_status as run, main
from spsll.data.datasets import WallToDefects
from spsll.data.generate import generate
from spsll.data.store import StoreError, StoreLock, read_store

N = 6
GEN = ["generate", "walls", "--n", str(N), "--chunk", "3", "--n-cells", "16", "--seed", "0", "--no-progress"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("base") / "walls.h5")
    generate("walls", N, p, chunk=3, n_cells=16, seed=0, progress=False)
    return p


def _replace(name, data):
    def edit(f):
        del f[name]
        f.create_dataset(name, data=data)
    return edit


def _attr(name, value):
    def edit(f):
        f.attrs[name] = value
    return edit


def _external_storage(f, tmp):
    raw = tmp / "unrelated.bin"
    raw.write_bytes(np.arange(N, dtype=np.float64).tobytes())
    del f["width"]
    f.create_dataset("width", shape=(N,), dtype="f8", external=[(str(raw), 0, 8 * N)])


def _external_link(f, tmp):
    with h5py.File(tmp / "other.h5", "w") as g:
        g["width"] = np.arange(float(N))
    del f["width"]
    f["width"] = h5py.ExternalLink(str(tmp / "other.h5"), "width")


# (case, edit of a valid store, field the StoreError must name, words it must contain)
CRAFTED = [
    ("chunk 1e11 (a 93 GiB mask before)", _attr("chunk", np.int64(10**11)), "chunk", "1..6"),
    ("chunk 0", _attr("chunk", np.int64(0)), "chunk", "1..6"),
    ("per_sample of 5 M names (a hang before)",
     _attr("per_sample", json.dumps(["sigma", "tau", *(f"n{i}" for i in range(5_000_000))])),
     "per_sample", "characters"),
    ("per_sample with a missing name", _attr("per_sample", json.dumps(["sigma", "tau", "m", "nope"])),
     "per_sample", "nope"),
    ("per_sample with a name twice", _attr("per_sample", json.dumps(["sigma", "tau", "m", "m"])),
     "per_sample", "twice"),
    ("n inconsistent with sigma", _attr("n", np.int64(7)), "n", "len(sigma)"),
    ("n a float", _attr("n", 6.0), "n", "integer"),
    ("short sigma", _replace("sigma", np.full(4, 1e-8)), "n", "(4,)"),
    ("short width", _replace("width", np.full(4, 1e-9)), "width", "(4,)"),
    ("float done", _replace("done", np.ones(2)), "done", "bool"),
    ("missing x", lambda f, t: f.__delitem__("x"), "x", "x"),
    ("scalar m", _replace("m", 1.0), "m", "shape ()"),
    ("negative sigma", _replace("sigma", np.full(N, -1e-8)), "sigma", "> 0"),
    ("negative tau", _replace("tau", np.full(N, -1e-9)), "tau", ">= 0"),
    ("complex m", _replace("m", np.ones((N, 3, 16), complex)), "m", "complex128"),
    ("int8 m", _replace("m", np.ones((N, 3, 16), np.int8)), "m", "int8"),
    ("HDF5 external storage", _external_storage, "width", "external storage"),
    ("HDF5 external link", _external_link, "width", "ExternalLink"),
    ("a group", lambda f, t: f.create_group("extra"), "extra", "group"),
    ("settings not JSON", _attr("settings_json", "{oops"), "settings_json", "JSON"),
]


def _craft(store, tmp, edit):
    p = tmp / "crafted.h5"
    shutil.copy(store, p)
    with h5py.File(p, "r+") as f:
        try:
            edit(f)
        except TypeError:
            edit(f, tmp)
    return p


@pytest.mark.parametrize("case,edit,field,words", CRAFTED, ids=[c[0] for c in CRAFTED])
def test_crafted_store_is_refused_naming_the_field(store, tmp_path, capsys, case, edit, field, words):
    p = _craft(store, tmp_path, edit)
    before = p.read_bytes()
    for read in (read_store, lambda q: WallToDefects(q, "train")):
        with pytest.raises(StoreError) as e:
            read(p)
        assert f": {field}:" in str(e.value) and words in str(e.value), str(e.value)
    # generate refuses to resume it (it used to call such a store complete, rc 0)
    assert run(GEN + ["--out", str(p)]) == cli.EXIT_STORE
    err = capsys.readouterr().err
    assert err.startswith("spsll: error:") and f": {field}:" in err and "Traceback" not in err
    assert p.read_bytes() == before  # untouched


def test_truncated_store_hint_checks_the_lock_first(store, tmp_path):
    p = tmp_path / "trunc.h5"
    p.write_bytes(open(store, "rb").read()[:2000])
    with pytest.raises(StoreError, match="no spsll run is writing it.*damaged or truncated"):
        read_store(p)
    with StoreLock(p), pytest.raises(StoreError, match=f"being written by process {os.getpid()}"):
        read_store(p)


def test_generate_creates_missing_folders_and_checks_out_first(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(GEN + ["--out", "data/sub/w.h5"]) == 0  # the README's command on a fresh clone
    assert read_store("data/sub/w.h5")[1]["n_done"] == N
    calls = []
    monkeypatch.setattr("spsll.data.generate.compute_chunk", lambda *a, **k: calls.append(a))
    (tmp_path / "afile").write_text("keep")
    for out, words in (("data", "is a folder"), ("afile/w.h5", "a parent of this path is a file")):
        assert run(GEN + ["--out", out]) == cli.EXIT_USAGE
        err = capsys.readouterr().err
        assert err.startswith("spsll: error:") and words in err and out in err
    assert calls == [] and (tmp_path / "afile").read_text() == "keep"


@pytest.mark.parametrize("command", ["dispersion", "wall"])
def test_out_is_checked_before_the_computation(tmp_path, monkeypatch, capsys, command):
    def must_not_run(*a, **k):
        raise AssertionError("the solver ran before --out was checked")
    monkeypatch.setattr(f"spsll.physics.{'magnons.dispersion' if command == 'dispersion' else 'domainwall.domain_wall'}",
                        must_not_run)
    (tmp_path / "afile").write_text("keep")
    for out, words in ((tmp_path, "is a folder"), (tmp_path / "afile" / "r.json", "is a file")):
        assert run([command, "--out", str(out)]) == cli.EXIT_USAGE
        err = capsys.readouterr().err
        assert err.startswith("spsll: error:") and words in err and "Traceback" not in err
    assert (tmp_path / "afile").read_text() == "keep"


@pytest.mark.parametrize("argv", [["dispersion"], ["wall"], GEN + ["--out", "x.h5"],
                                  GEN + ["--out", "x.h5", "--workers", "2"]])
def test_device_banana_is_a_named_usage_error(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    assert run(argv + ["--device", "banana"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("spsll: error: --device must be a torch device: one of 'cpu', 'cuda'") and "'banana'" in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv", [["info"], ["dispersion"], ["wall"], GEN + ["--out", "x.h5"]])
def test_unknown_material_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv + ["--material", "Fe"])
    assert e.value.code == cli.EXIT_USAGE and "--material: invalid choice: 'Fe'" in capsys.readouterr().err


def test_os_errors_name_the_path(tmp_path, capsys):
    assert run(["inspect", str(tmp_path / "missing.h5")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("spsll: error:") and "missing.h5" in err and "does not exist" in err


def test_sigint_during_generate_keeps_chunks_and_says_how_to_resume(tmp_path):
    """A real Ctrl-C (SIGINT) to a real process: exit 130, no traceback, the chunks are kept.

    The job has 2000 chunks (about 30 s of work) and is interrupted after its second, so a
    loaded CI machine cannot let it finish before the signal arrives (with 200 chunks it once
    did: the signal then landed during interpreter shutdown and the run, complete, exited 0).
    """
    p = tmp_path / "w.h5"
    argv = ["generate", "walls", "--n", "4000", "--chunk", "2", "--n-cells", "64", "--out", str(p), "--no-progress"]
    proc = subprocess.Popen([sys.executable, "-m", "spsll", *argv], stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if p.exists():
                with h5py.File(p, "r", locking=False) as f:
                    if f["done"][...].sum() >= 2:
                        break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == cli.EXIT_INTERRUPTED and "Traceback" not in err, err
    kept = read_store(p)[1]["n_done"] // 2
    assert 2 <= kept < 2000
    assert f"spsll: interrupted: {kept} of 2000 chunks are complete and kept in {p}" in err
    assert "rerun the same command to resume" in err
    with StoreLock(p):  # the lock went with the process
        pass


def test_keyboard_interrupt_in_any_subcommand_exits_130(monkeypatch, capsys):
    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr("spsll.physics.domainwall.domain_wall", interrupted)
    assert run(["wall"]) == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "spsll: interrupted\n"


def test_missing_extras_are_named(tmp_path):
    code = ("import sys; sys.modules['plotly'] = None; sys.modules['distributed'] = None\n"
            "try:\n    import spsll.plots\nexcept ImportError as e:\n    print(e)\n"
            "try:\n    import spsll.widgets\nexcept ImportError as e:\n    print(e)\n"
            "from spsll.cli import exit_status as run\n"
            f"print(run(['generate', 'walls', '--n', '2', '--out', {str(tmp_path / 'w.h5')!r}, '--workers', '1']))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    assert "pip install 'spsll[book]'" in lines[0] and "pip install 'spsll[book]'" in lines[1], r.stderr
    assert lines[2] == "2" and "pip install 'spsll[dask]'" in r.stderr
    assert not (tmp_path / "w.h5").exists()


def test_files_written_honour_the_umask(tmp_path):
    import torch
    import spsll
    from spsll._files import write_json
    from spsll.learn.train import save_checkpoint
    old = os.umask(0o027)
    try:
        write_json(tmp_path / "a.json", {"a": 1})
        save_checkpoint({"w": torch.zeros(2)}, tmp_path / "c.pt")
        generate("walls", 2, str(tmp_path / "s.h5"), n_cells=16, progress=False)
        w = spsll.domain_wall(spsll.FePt, 10e-9, 5e-9, n_cells=16)
        spsll.save(w, tmp_path / "r.h5")
    finally:
        os.umask(old)
    for name in ("a.json", "c.pt", "s.h5", "r.h5"):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o640, name


def test_folder_outputs_are_checked_without_creating_anything(tmp_path):
    from spsll._files import prepare_output
    target = tmp_path / "runs" / "cnn"
    assert prepare_output(target, directory=True) == str(target)
    assert os.listdir(tmp_path) == []  # the train command creates its folder when it starts
    (tmp_path / "f").write_text("keep")
    with pytest.raises(ValueError, match="is a file; give a folder"):
        prepare_output(tmp_path / "f", directory=True)
    with pytest.raises(NotADirectoryError, match="a parent of this path is a file"):
        prepare_output(tmp_path / "f" / "run", directory=True)


def test_ctrl_c_during_a_write_is_held_until_the_file_is_in_place(tmp_path):
    """SIGINT in the middle of ``atomic_write`` (a checkpoint's torch.save, seen in CI): the file
    is finished and renamed into place, then the KeyboardInterrupt arrives; the handler is back."""
    from spsll._files import atomic_write
    p = tmp_path / "x.bin"

    def write(fh):
        fh.write(b"a" * 1000)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the writer is half-way
        time.sleep(0.05)                      # the signal is handled by now
        fh.write(b"b" * 1000)

    old = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a plain `python`
    try:
        with pytest.raises(KeyboardInterrupt):
            atomic_write(p, write)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, old)
    assert p.read_bytes() == b"a" * 1000 + b"b" * 1000
    assert [q.name for q in tmp_path.iterdir()] == ["x.bin"]  # no temporary left
