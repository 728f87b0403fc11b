"""Sphinx configuration of sparseid's documentation site.

Build with ``python -m sphinx docs docs/_build/html`` (``pip install -e ".[docs]"`` first). The API
reference is generated from each public module's ``__all__`` (``docs/apigen.py``, written into
``docs/api/``), the gallery from ``examples/`` by sphinx-gallery, in quick mode.
"""

import os
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

# The gallery runs the examples in their quick mode and without a display.
os.environ["SPARSEID_QUICK"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

from apigen import write_api_pages  # noqa: E402

import sparseid  # noqa: E402

project = "sparseid"
author = "The sparseid developers"
copyright = "The sparseid developers"
version = release = sparseid.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "images", "**/*.ipynb", "**/*.py.md5", "**/*.zip", "**/*.json"]
templates_path = ["_templates"]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
default_role = "literal"
suppress_warnings = ["config.cache", "ref.citation"]

intersphinx_mapping = {}

html_theme = "pydata_sphinx_theme"
html_title = f"sparseid {release}"
html_static_path = []
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

GALLERY_OUT = HERE / "auto_examples"
OUTPUTS = GALLERY_OUT / "_outputs"


def reset_argv(gallery_conf, script_vars):
    """Give the examples that take an output path one inside the gallery's folder.

    sphinx-gallery runs each example with ``examples/`` as the current folder; the examples write
    their figures into the current folder unless given a path, and the repository's folders
    must stay clean.
    """
    name = Path(script_vars["src_file"]).name
    takes_path = {
        "compare_models.py": "compare_results",
        "filippov_sliding.py": "filippov_sliding.png",
        "neural_ode_rotating.py": "neural_ode_rotating.png",
        "piecewise_linear_flows.py": "piecewise_linear_flows.png",
    }
    if name not in takes_path:
        return []
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    target = OUTPUTS / takes_path[name]
    if target.is_dir():
        shutil.rmtree(target)  # compare_models refuses an existing folder
    return [str(target)]


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(GALLERY_OUT),
    "filename_pattern": r".*\.py",
    "reset_argv": "conf.reset_argv",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "min_reported_time": 1000,
    "plot_gallery": "True",
}

_examples_before = set()


def _snapshot_examples(app):
    _examples_before.clear()
    _examples_before.update(p.name for p in (ROOT / "examples").iterdir())


def _move_example_outputs(app):
    """Move what an example wrote into ``examples/`` (no path argument) to the gallery's folder."""
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "examples").iterdir():
        if path.name in _examples_before or path.name == "__pycache__":
            continue
        target = OUTPUTS / path.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(str(path), str(target))


def setup(app):
    write_api_pages(HERE / "api")
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)
    app.connect("autodoc-skip-member", _skip_member)
    # sphinx-gallery runs the examples at builder-inited (priority 500): snapshot, run, tidy.
    app.connect("builder-inited", _snapshot_examples, priority=100)
    app.connect("builder-inited", _move_example_outputs, priority=900)


# --- docstring fixes at render time -------------------------------------------------------------
# The docstrings are written for ``help()`` as much as for Sphinx; a few plain-text habits are
# reStructuredText markup (``|x|`` is a substitution, ``name_`` a link target, `` ... `` inside a
# literal ends autosummary's first sentence). Escape them here instead of uglifying the source.
_LITERAL = re.compile(r"(``.*?``|:\w+:`[^`]*`|`[^`]*`)")
_TRAILING_UNDERSCORE = re.compile(r"(?<=[\s(\[,])([A-Za-z]\w*_)(?=[\s,.;:)\]]|$)")
_BARS = re.compile(r"(?<!\\)\|(?=\S)([^|\n]*?\S)\|")
_REF = re.compile(r":ref:`([^`<]*?)\s*<[^`>]*>`")


def _escape_segment(text):
    # a star inside parentheses, as in "(n + 1, *broadcast shape)", is not emphasis
    text = re.sub(r"(\([^()*]*?)\*(\w[^()*]*\))", r"\1\\*\2", text)
    text = _TRAILING_UNDERSCORE.sub(r"``\1``", text)
    return _BARS.sub(r"\\|\1\\|", text)


def _escape_line(line):
    stripped = line.lstrip()
    if stripped.startswith((">>>", "...", "..", "|", "+")) or not stripped:
        return line
    # A numpydoc "name_ : type" line keeps its name (numpydoc escapes it itself).
    named = re.match(r"(\s*\w+_)(\s*:.*|\s*)$", line)
    head, line = (named.group(1), named.group(2)) if named else ("", line)
    parts = _LITERAL.split(line)
    parts[::2] = [_escape_segment(part) for part in parts[::2]]  # outside literals and roles
    return head + "".join(parts)


def _skip_member(app, what, name, obj, skip, options):
    """Leave out members that scikit-learn or Python define (documented there, not here)."""
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] in {"sklearn", "builtins"}:
        return True
    if name.startswith("set_") and name.endswith("_request"):
        return True  # scikit-learn's generated metadata-routing setters
    return None


def _process_docstring(app, what, name, obj, options, lines):
    in_summary = True
    for i, line in enumerate(lines):
        if in_summary and not line.strip() and i > 0:
            in_summary = False
        if in_summary:
            line = re.sub(r"(?<=\S) \.\.\.? (?=\S)", " … ", line)
        line = _REF.sub(r"\1", line)
        lines[i] = _escape_line(line)
    # A citation defined elsewhere (the module's docstring) is not on this page: plain text.
    defined = {m.group(1) for line in lines for m in [re.match(r"\s*\.\. \[(\w+)\]", line)] if m}
    for i, line in enumerate(lines):
        lines[i] = re.sub(
            r"\[(\w+)\]_",
            lambda m: m.group(0) if m.group(1) in defined else f"[{m.group(1)}]",
            line,
        )
