"""The documentation site's API reference covers every public name, without running Sphinx.

``docs/apigen.py`` writes the reference's pages from each public module's ``__all__`` when Sphinx
starts (``docs/conf.py``); these tests run the same generation and look for every name in its
output, so a name added to an ``__all__`` is either documented automatically or fails here.
Building the site itself (``python -m sphinx -W docs docs/_build/html``) is a step of ``.ci/run``.
"""

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))
import apigen  # noqa: E402

PUBLIC_MODULES = [
    "sparseid",
    "sparseid.libraries",
    "sparseid.differentiation",
    "sparseid.optimizers",
    "sparseid.models",
    "sparseid.ode",
    "sparseid.systems",
    "sparseid.switched",
    "sparseid.dynamics",
    "sparseid.datasets",
    "sparseid.io",
    "sparseid.plotting",
    "sparseid.exceptions",
]


def test_every_public_module_has_a_page():
    assert set(PUBLIC_MODULES) <= set(apigen.MODULES)
    pages = apigen.api_pages()
    for module in apigen.MODULES:
        assert f"{module}.rst" in pages
        assert f"   {module}\n" in pages["index.rst"]


def _entries(page):
    """Names of a page's autosummary entries and of its links to entries elsewhere."""
    listed = set(re.findall(r"^   (\w+)$", page.split(".. autosummary::")[-1], re.MULTILINE))
    linked = set(re.findall(r":obj:`[\w.]+\.(\w+) <([\w.]+)>`", page))
    return listed if ".. autosummary::" in page else set(), linked


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_name_in_all_is_in_the_reference(module_name):
    module = importlib.import_module(module_name)
    page = apigen.api_pages()[f"{module_name}.rst"]
    listed, linked = _entries(page)
    linked_names = {name for name, _ in linked}
    all_pages = apigen.api_pages()
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            assert f":doc:`{obj.__name__}`" in page or obj.__name__ in PUBLIC_MODULES
            continue
        if name == "__version__":
            continue
        assert name in listed or name in linked_names, f"{module_name}.{name} is not documented"
        for linked_name, path in linked:
            if linked_name == name:
                # the link goes to an entry that exists on its module's page
                target_module, _, target = path.rpartition(".")
                assert target in _entries(all_pages[f"{target_module}.rst"])[0]
                assert getattr(importlib.import_module(target_module), target) is obj


def test_each_object_has_one_entry():
    """Re-exports link to their submodule's entry: two entries would be duplicate descriptions."""
    seen = {}
    for module_name in apigen.MODULES:
        module = importlib.import_module(module_name)
        for name in apigen.documented_names(module_name)[0]:
            obj = getattr(module, name)
            if isinstance(obj, (type, type(len))) or inspect.isfunction(obj):
                assert id(obj) not in seen, f"{module_name}.{name} and {seen[id(obj)]}"
                seen[id(obj)] = f"{module_name}.{name}"


def test_generated_pages_are_written_and_rewritten_only_when_changed(tmp_path):
    apigen.write_api_pages(tmp_path)
    written = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert set(written) == set(apigen.api_pages())
    apigen.write_api_pages(tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == written


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_example_has_a_gallery_title(path):
    """sphinx-gallery takes an example's title from a heading at the top of its docstring."""
    match = re.match(r'"""(.+)\n(=+)\n\n', path.read_text())
    assert match, f"{path.name} must start with a docstring heading (title, then a line of =)"
    assert len(match.group(2)) == len(match.group(1))


def test_the_guide_pages_are_in_a_toctree():
    """Every hand-written page is reachable (Sphinx would warn, but only when it is run)."""
    pages = {
        p.relative_to(DOCS).with_suffix("").as_posix()
        for p in DOCS.rglob("*.rst")
        if p.relative_to(DOCS).parts[0] not in {"_build", "_templates", "api", "auto_examples"}
        and p.name != "sg_execution_times.rst"
    }
    text = {p: (DOCS / f"{p}.rst").read_text() for p in pages}
    reachable = {"index"}
    for page, body in text.items():
        folder = str(Path(page).parent)
        for entry in re.findall(r"^   ([\w/]+)$", body, re.MULTILINE):
            reachable.add(entry if folder == "." else f"{folder}/{entry}")
    assert pages <= reachable, pages - reachable


def test_the_readme_says_how_to_build_the_site():
    readme = (ROOT / "README.md").read_text()
    assert "python -m sphinx docs docs/_build/html" in readme
    assert "docs/pysindy.rst" in readme
