"""Generate the API reference's reStructuredText from each public module's ``__all__``.

``conf.py`` calls :func:`write_api_pages` at build time, so a name added to a module's
``__all__`` appears in the reference without editing any page. ``tests/test_docs.py`` checks
that the generated pages cover every public name without running Sphinx.
"""

import importlib
import inspect
from pathlib import Path

#: The public modules documented, in the order of the reference's table of contents.
MODULES = [
    "sparseid",
    "sparseid.models",
    "sparseid.libraries",
    "sparseid.differentiation",
    "sparseid.optimizers",
    "sparseid.weak",
    "sparseid.ode",
    "sparseid.systems",
    "sparseid.switched",
    "sparseid.dynamics",
    "sparseid.datasets",
    "sparseid.io",
    "sparseid.plotting",
    "sparseid.exceptions",
]


def public_names(module_name):
    """The names of ``module_name.__all__`` that get an entry of their own (no submodules)."""
    module = importlib.import_module(module_name)
    names = []
    for name in module.__all__:
        if inspect.ismodule(getattr(module, name)) or name == "__version__":
            continue  # submodules have their own page; the version is in the text
        names.append(name)
    return names


def canonical_path(module_name, name):
    """Where ``module_name.name`` is documented: the first other listed module exporting it.

    The top level re-exports names of the submodules; each object gets one page (two would be
    duplicate descriptions), under the submodule, and the top-level page links to it.
    """
    obj = getattr(importlib.import_module(module_name), name)
    for other in MODULES:
        if other == module_name:
            continue
        module = importlib.import_module(other)
        if name in getattr(module, "__all__", ()) and getattr(module, name) is obj:
            if other.startswith(module_name + "."):
                return f"{other}.{name}"
    return f"{module_name}.{name}"


def documented_names(module_name):
    """``(names with an entry on this page, {name: path of its entry elsewhere})``."""
    here, elsewhere = [], {}
    for name in public_names(module_name):
        path = canonical_path(module_name, name)
        if path == f"{module_name}.{name}":
            here.append(name)
        else:
            elsewhere[name] = path
    return here, elsewhere


def module_page(module_name):
    """reStructuredText of one module's page: its docstring and an autosummary of ``__all__``."""
    title = f"``{module_name}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {module_name}", "   :no-members:", ""]
    submodules = [m for m in MODULES if m.startswith(module_name + ".")]
    if submodules:
        lines += ["Submodules: " + ", ".join(f":doc:`{m}`" for m in submodules) + ".", ""]
    names, elsewhere = documented_names(module_name)
    if elsewhere:
        lines += [
            "Also available here, documented in their submodule:",
            "",
            *(f"- :obj:`{module_name}.{name} <{path}>`" for name, path in elsewhere.items()),
            "",
        ]
    if names:
        lines += [
            f".. currentmodule:: {module_name}",
            "",
            ".. autosummary::",
            "   :toctree: generated/",
            "",
        ]
        lines += [f"   {name}" for name in names]
        lines.append("")
    return "\n".join(lines)


def api_pages():
    """``{file name: reStructuredText}`` of the reference: an index and one page per module."""
    pages = {f"{name}.rst": module_page(name) for name in MODULES}
    index = [
        "API reference",
        "=============",
        "",
        "Generated from each public module's ``__all__`` and the numpydoc docstrings.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    index += [f"   {name}" for name in MODULES]
    pages["index.rst"] = "\n".join(index) + "\n"
    return pages


def write_api_pages(folder):
    """Write :func:`api_pages` into ``folder``, leaving unchanged files alone (no rebuilds)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in api_pages().items():
        path = folder / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
