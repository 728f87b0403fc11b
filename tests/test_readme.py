"""Every fenced Python block of the README (and of the docs' pages) runs as written.

Each block runs in a fresh interpreter in an empty temporary folder, so whatever it saves lands
there, and a README that drifts from the code fails here.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(page):
    return FENCE.findall(page.read_text())


BLOCKS = [
    pytest.param(code, id=f"{page.relative_to(ROOT)}[{i}]")
    for page in PAGES
    for i, code in enumerate(python_blocks(page))
]


def test_the_readme_has_a_python_example():
    assert python_blocks(ROOT / "README.md")


@pytest.mark.parametrize("code", BLOCKS)
def test_block_runs(code, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
