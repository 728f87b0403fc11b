"""Every example runs from another folder in quick mode and writes only into that folder;
every docstring example imports what it uses.

An example is run as a user would run it, with the current folder a fresh temporary one. The
listings of that folder, of the repository's root and of ``examples/`` are taken before and
after: the example must create exactly the files it documents in the current folder and
nothing in the repository (a path built from ``__file__`` or a fixed relative path would show
up in one of the two other listings).
"""

import doctest
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import sparseid

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

#: What each example writes into the current folder (relative paths of the files).
WRITES = {
    "bifurcation_from_data.py": {"bifurcation_from_data.png"},
    "compare_models.py": None,  # a folder of results; checked separately below
    "filippov_sliding.py": {"filippov_sliding.png"},
    "identify_piecewise_linear.py": {"identify_piecewise_linear.png"},
    "identify_sigmoid_map.py": {"identify_sigmoid_map.png"},
    "neural_ode_activations.py": {"neural_ode_activations.png"},
    "neural_ode_rotating.py": {"neural_ode_rotating.png"},
    "noisy_lorenz_weak_ensemble.py": {"noisy_lorenz_weak_ensemble.png"},
    "pandas_input.py": set(),
    "piecewise_linear_flows.py": {"piecewise_linear_flows.png"},
    "quickstart_lorenz.py": set(),
    "resnet_as_euler.py": {"resnet_as_euler.png"},
    "rotating_linear_table.py": set(),
    "sigmoid_map_bifurcations.py": {"sigmoid_map_bifurcations.png"},
    "topology_separation.py": {"topology_arc.png", "topology_flows.png"},
    "training_near_bifurcation.py": {"training_near_bifurcation.png"},
}


def listing(folder, *, recursive=True):
    """Relative paths under ``folder``, without dot-files and caches.

    Dot-entries (``.hypothesis``, ``.coverage.*`` written by the test run itself) and
    ``__pycache__`` folders belong to the tools, not to the examples.
    """
    paths = folder.rglob("*") if recursive else folder.iterdir()
    keep = set()
    for path in paths:
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        keep.add(path.relative_to(folder).as_posix())
    return keep


def run_watched(script, cwd, watched):
    """Run ``script`` in ``cwd``; return its result and the paths new in each watched folder."""
    before = {folder: listing(folder, recursive=rec) for folder, rec in watched}
    env = {**os.environ, "SPARSEID_QUICK": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    new = {folder: listing(folder, recursive=rec) - before[folder] for folder, rec in watched}
    return result, new


def test_there_are_examples():
    assert {path.name for path in EXAMPLES} == set(WRITES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_quickly_and_writes_only_into_the_current_folder(path, tmp_path):
    cwd = tmp_path / "work"
    cwd.mkdir()
    # The root non-recursively: other tests and tools may write below it (caches, results
    # of a concurrent run); a stray file of an example lands at the top or in examples/.
    watched = [(ROOT, False), (ROOT / "examples", True), (cwd, True)]
    result, new = run_watched(path, cwd, watched)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert new[ROOT] == set(), f"{path.name} wrote into the repository root"
    assert new[ROOT / "examples"] == set(), f"{path.name} wrote into examples/"
    expected = WRITES[path.name]
    if expected is None:  # compare_models.py: results.csv and figures in compare_results/
        assert {p.split("/")[0] for p in new[cwd]} == {"compare_results"}
        assert "compare_results/results.csv" in new[cwd]
        assert any(p.endswith(".png") for p in new[cwd])
    else:
        assert new[cwd] == expected


def test_the_check_catches_a_stray_write(tmp_path):
    """The listing comparison fails for a script writing beside itself or above the cwd."""
    folder = tmp_path / "examples"
    folder.mkdir()
    cwd = tmp_path / "work"
    cwd.mkdir()
    script = folder / "rogue.py"
    script.write_text(
        "from pathlib import Path\n"
        "Path(__file__).with_name('beside.txt').write_text('x')\n"
        "Path('..', 'above.txt').write_text('x')\n"
        "print('done')\n"
    )
    result, new = run_watched(script, cwd, [(tmp_path, False), (folder, True), (cwd, True)])
    assert result.returncode == 0, result.stderr
    assert new[folder] == {"beside.txt"}
    assert new[tmp_path] == {"above.txt"}
    assert new[cwd] == set()


# --- docstring examples ---------------------------------------------------------------------
def _docstring_examples():
    """Every docstring example of the package, with the module's own definitions as globals.

    pytest's ``--doctest-modules`` runs an example with its module's globals, so an example
    that uses ``np`` without importing it passes there (the module imported numpy) but fails
    when a reader copies it. Here only what the module itself defines (the functions and
    classes a docstring documents) is available; everything else must be imported.
    """
    found = []
    for info in pkgutil.walk_packages(sparseid.__path__, "sparseid."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        own = {
            name: value
            for name, value in vars(module).items()
            if getattr(value, "__module__", None) == module.__name__
        }
        finder = doctest.DocTestFinder()
        for test in finder.find(module, module.__name__, module=module, globs={}):
            if test.examples:
                test.globs = {"__name__": module.__name__, **own}
                found.append(test)
    return found


DOCTESTS = _docstring_examples()

#: Examples known to use a name they do not import (real documentation bugs, to be fixed).
KNOWN_BAD = {}


def test_there_are_docstring_examples():
    assert len(DOCTESTS) >= 50 and "sparseid.ode._mlp.MLP" in {t.name for t in DOCTESTS}


@pytest.mark.parametrize(
    "test",
    [
        pytest.param(
            t,
            id=t.name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BAD[t.name])]
            if t.name in KNOWN_BAD
            else [],
        )
        for t in DOCTESTS
    ],
)
def test_docstring_example_imports_what_it_uses(test):
    output = []
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=output.append, clear_globs=False)
    assert result.failed == 0, "".join(output)
