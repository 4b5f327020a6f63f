import json
import subprocess
import sys

import pytest

from spsll.cli import main


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
    with pytest.raises(SystemExit) as e:
        main(["wall", "--sigma-nm", "-3"])
    assert e.value.code == 2
    assert "sigma must be > 0" in capsys.readouterr().err
