"""Every example runs from another folder in quick mode and writes only into that folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_there_are_examples():
    names = {path.name for path in EXAMPLES}
    assert {
        "quickstart_lorenz.py",
        "pandas_input.py",
        "rotating_linear_table.py",
        "neural_ode_rotating.py",
        "compare_models.py",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_quickly_from_any_folder(path, tmp_path):
    env = {**os.environ, "SPARSEID_QUICK": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(tmp_path in p.parents for p in written)
