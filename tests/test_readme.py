"""Every command and Python snippet of README.md runs, in the README's order, in a fresh folder.

The README is parsed, so the test follows it when its lines change.  Python snippets run as
written, in one namespace (the second uses the first's variables).  Shell lines run through
``spsll.cli.main`` (the ``spsll`` console script's entry point) with only these changes, which
keep the sizes small and the commands otherwise as written:

* ``--n N`` -> ``--n 20`` (20 samples: the smallest that leaves every 80/10/10 split non-empty
  with room for the training statistics);
* ``spsll train``: ``--epochs 1`` (replacing or adding ``--epochs``);
* ``--workers N`` is dropped (a local Dask cluster of worker processes; tested on its own in
  test_generate.py::test_command_line_local_cluster_of_worker_processes).

``make`` and ``pip`` lines install or build and are not run here (``make test`` runs this test).
"""
import re
import shlex
from pathlib import Path

import pytest
import torch

from spsll.cli import exit_status as run

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_RUN = ("make", "pip", "conda")


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def shell_commands():
    out = []
    for block in blocks("bash"):
        for line in block.splitlines():
            argv = shlex.split(line, comments=True)
            if argv and argv[0] not in NOT_RUN:
                out.append(argv)
    return out


def scaled(argv):
    """The README's command with the documented scale-downs applied."""
    if argv[:3] == ["python", "-m", "spsll"]:
        argv = ["spsll", *argv[3:]]
    assert argv[0] == "spsll", f"the README runs {argv[0]!r}; teach this test how to run it"
    args, i = [], 1
    while i < len(argv):
        a = argv[i]
        if a == "--n":
            args += ["--n", "20"]
            i += 2
        elif a == "--workers":
            i += 2
        elif a == "--epochs":
            i += 2
        else:
            args.append(a)
            i += 1
    if args[:1] == ["train"]:
        args += ["--epochs", "1"]
    if args[:1] == ["generate"]:
        args += ["--no-progress"]
    return args


def test_readme_has_what_this_test_runs():
    cmds = [" ".join(c[:3]) for c in shell_commands()]
    assert any(c.startswith("spsll generate dispersions") for c in cmds)
    assert any(c.startswith("spsll train") for c in cmds)
    assert len(blocks("python")) == 2


@pytest.fixture
def one_thread():
    """One torch thread: on a shared two-core machine two threads per process thrash (the
    README's dispersion took 7.8 s with two threads under load against 0.7 s with one)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_every_readme_snippet_and_command_runs(tmp_path, monkeypatch, capsys, one_thread):
    monkeypatch.chdir(tmp_path)  # relative paths (data/, runs/) land here; data/ does not exist yet
    ns = {}
    for i, code in enumerate(blocks("python")):
        exec(compile(code, f"README.md python block {i + 1}", "exec"), ns)
    assert Path("dispersion.h5").exists() and ns["d2"].peak_frequency.shape == ns["d"].peak_frequency.shape
    failed = []
    for argv in shell_commands():
        args = scaled(argv)
        rc = run(args)
        err = capsys.readouterr().err
        if rc != 0:
            failed.append(f"{' '.join(argv)}  ->  spsll {' '.join(args)}: exit {rc}: {err.strip()[-500:]}")
    assert not failed, "README commands failed:\n" + "\n".join(failed)
    assert Path("data/dispersions.h5").exists() and Path("data/walls.h5").exists()
