"""The console command: version, help, fit, and compare's files and overwrite protection."""

import subprocess
import sys

import pandas as pd
import pytest

from sparseid import __version__
from sparseid.cli import main, markdown_table


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sparseid {__version__}"
    assert main([]) == 0
    assert "compare" in capsys.readouterr().out


def test_python_dash_m_runs_the_same_command():
    out = subprocess.run(
        [sys.executable, "-m", "sparseid", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"sparseid {__version__}"


def test_fit_prints_the_lorenz_equations(capsys):
    assert main(["fit", "--dataset", "lorenz", "--precision", "2"]) == 0
    out = capsys.readouterr().out
    assert "(x)' = -10.00 x + 10.00 y" in out
    assert "(y)' = 28.00 x - 1.00 y - 1.00 x z" in out


def test_compare_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "results"
    args = ["compare", "--quick", "--dataset", "rotating_linear", "--out", str(out)]
    assert main([*args, "--models", "linear,sindy", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "lecture: [[-0.1001, -1.0005], [1.0004, -0.0993]]" in printed
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 6 and set(table.model) == {"linear", "sindy"}
    assert (out / "results.md").read_text().startswith("| dataset | model |")
    assert (out / "rotating_linear_trajectories.png").stat().st_size > 5000


def test_compare_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["compare", "--quick", "--dataset", "rotating_linear", "--models", "linear"]
    with pytest.raises(SystemExit, match="--overwrite"):
        main([*args, "--out", str(out), "--no-progress"])
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert main([*args, "--out", str(out), "--overwrite", "--no-progress"]) == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "results.csv").exists()


def test_markdown_table():
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1.23456789, float("nan")]})
    assert markdown_table(frame, digits=3) == "| a | b |\n|---|---|\n| x | 1.23 |\n| y |  |\n"
