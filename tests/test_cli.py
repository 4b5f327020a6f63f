import json
import subprocess
import sys

import pytest

from spsll.cli import exit_status as run, main


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("info", "dispersion", "wall"):
        assert cmd in out


def test_console_script_help():
    r = subprocess.run([sys.executable, "-m", "spsll.cli", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "SPS-LL" in r.stdout


def test_wall_command_writes_json(tmp_path, capsys):
    out = tmp_path / "w.json"
    main(["wall", "--sigma-nm", "10", "--tau-nm", "5", "--n-cells", "100", "--out", str(out)])
    data = json.loads(out.read_text())
    assert 2.0e-9 < data["width_m"] < 3.5e-9
    assert "width (cosine series)" in capsys.readouterr().out


def test_bad_input_is_a_clear_error(capsys):
    assert run(["wall", "--sigma-nm", "-3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("spsll: error: sigma must be > 0") and err.count("\n") == 1


def test_python_dash_m_spsll_is_the_cli():
    r = subprocess.run([sys.executable, "-m", "spsll", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("spsll ")


def _all_parsers():
    import argparse
    from spsll.cli import build_parser
    todo, seen = [build_parser()], []
    while todo:
        p = todo.pop()
        if p.prog.startswith("spsll train"):
            continue  # the train subcommand's parser is spsll/cli_train.py's (tested there)
        seen.append(p)
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                todo += list(a.choices.values())
    return seen


def test_every_option_has_help_and_required_ones_no_default_none():
    parsers = _all_parsers()
    assert {p.prog for p in parsers} >= {"spsll generate walls", "spsll inspect", "spsll wall"}
    for p in parsers:
        text = p.format_help()
        assert "(default: None)" not in text, p.prog
        for a in p._actions:
            if isinstance(a, __import__("argparse")._SubParsersAction):
                continue
            assert a.help, f"{p.prog} {a.option_strings or a.dest} has no help"
            if a.choices and a.option_strings and a.dest in ("scheme", "dtype", "plan", "material", "mode"):
                assert all(str(c) in a.help or str(c) in text for c in a.choices), (p.prog, a.dest)
    walls = next(p for p in parsers if p.prog == "spsll generate walls")
    helps = {a.dest: a.help for a in walls._actions}
    assert "parseval, normalized, mean_field" in helps["scheme"] and "float64 or float32" in helps["dtype"]
    assert " ".join(walls.format_help().split()).count("(default: 0)") >= 1


def test_info_prints_no_float_noise(capsys):
    assert run(["info"]) == 0
    out = capsys.readouterr().out
    assert "gap f(0) [THz]                       0.213064\n" in out and "0.21306405999" not in out


def test_inspect_shows_layout_settings_and_completeness(tmp_path, capsys):
    from spsll.data.generate import generate
    p = str(tmp_path / "w.h5")
    generate("walls", 5, p, chunk=2, n_cells=16, progress=False)
    with __import__("h5py").File(p, "r+") as f:
        f["done"][2] = False  # the last chunk (1 sample) not done
    assert run(["inspect", p]) == 0
    out = capsys.readouterr().out
    assert "spsll walls store" in out and "samples: 4 of 5 done (2 of 3 chunks of 2); incomplete" in out
    assert "solver.n_cells = 16" in out and "/m " in out and "(5, 3, 16)" in out and "[m]" in out
