"""The console command: version, help, fit, and compare's files and overwrite protection."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sparseid import LinearModel, SINDy, __version__, datasets
from sparseid.cli import main, markdown_table
from sparseid.optimizers import STLSQ
from sparseid.systems import RotatingLinear


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


def test_fit_prints_the_equations_fitted_to_the_data(capsys):
    assert main(["fit", "--dataset", "lorenz", "--precision", "2", "--threshold", "0.1"]) == 0
    out = capsys.readouterr().out.splitlines()
    data = datasets.load("lorenz")
    sindy = SINDy(optimizer=STLSQ(threshold=0.1)).fit(data)
    linear = LinearModel().fit(data)
    expected = [
        f"== lorenz: {len(data)} samples of x, y, z",
        "SINDy (degree-2 polynomial library, STLSQ):",
        *(f"({v})' = {eq}" for v, eq in zip("xyz", sindy.equations(precision=2))),
        "Linear model dx/dt = B x:",
        *(f"({v})' = {eq}" for v, eq in zip("xyz", linear.equations(precision=2))),
        "",
    ]
    assert out == expected
    # and those are Lorenz's equations
    assert out[2:5] == [
        "(x)' = -10.00 x + 10.00 y",
        "(y)' = 28.00 x - 1.00 y - 1.00 x z",
        "(z)' = -2.67 z + 1.00 x y",
    ]


def _printed_matrices(printed):
    """{(model, points): B} from the lines ``linear    100 points: B = [[a b] [c d]] ...``."""
    pattern = re.compile(r"^(\w+) +(\d+) points: B = \[\[(\S+) +(\S+)\] \[ *(\S+) +(\S+)\]\]")
    found = {}
    for line in printed.splitlines():
        match = pattern.match(line)
        if match:
            values = [float(v) for v in match.groups()[2:]]
            found[match[1], int(match[2])] = np.reshape(values, (2, 2))
    return found


def test_compare_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "results"
    args = ["compare", "--quick", "--dataset", "rotating_linear", "--out", str(out)]
    assert main([*args, "--models", "linear,sindy", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 6 and set(table.model) == {"linear", "sindy"}
    assert (out / "results.md").read_text().startswith("| dataset | model |")
    assert (out / "rotating_linear_trajectories.png").stat().st_size > 5000
    # The numbers come from fits on the data: fit the same models here and compare.
    data = datasets.load("rotating_linear")
    truth = RotatingLinear().true_coefficients
    matrices = _printed_matrices(printed)
    assert set(matrices) == {(m, n) for m in ("linear", "sindy") for n in (100, 400, 2000)}
    for n in (100, 400, 2000):
        linear = LinearModel().fit(data.iloc[:n])
        sindy = SINDy(optimizer=STLSQ(threshold=0.05, alpha=0.0)).fit(data.iloc[:n])
        for name, model in (("linear", linear), ("sindy", sindy)):
            row = table[(table.model == name) & (table.train_points == n)].iloc[0]
            coef = model.coef_
            error = np.max(np.abs(coef - truth(model.get_feature_names()).to_numpy()))
            # results.csv keeps 10 significant digits; the errors are rounding (~1e-13)
            assert row.coef_error == pytest.approx(error, rel=1e-9, abs=0)
            B = model.coefficients_frame()[["x", "y"]].to_numpy()
            np.testing.assert_allclose(matrices[name, n], B, rtol=0, atol=5e-7)  # 6 decimals
            # the printed summary shows the same error, to 3 digits
            assert f"{error:.3g}" in printed
    assert "lecture: [[-0.1001, -1.0005], [1.0004, -0.0993]]" in printed


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
