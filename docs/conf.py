"""Sphinx configuration of the linregions documentation.

Build the site with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` and run
every example of the pages (and of the docstrings they include) with ``python -m sphinx -b
doctest docs docs/_build/doctest``. Both import the *installed* package
(``pip install ".[docs]"``), not the source tree.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import sys
from pathlib import Path

from docutils import nodes
from matplotlib.sphinxext.plot_directive import PlotDirective
from sphinx.util.docutils import SphinxDirective

import linregions

# The figures of the pages import docs/_figures.py (small networks trained at build time).
sys.path.insert(0, str(Path(__file__).parent))

project = "linregions"
author = "the linregions authors"
copyright = "2026, the linregions authors"
release = linregions.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "matplotlib.sphinxext.plot_directive",
]

# The study reports under docs/study-*/ are Markdown read in the repository; the pages show
# their figures.
exclude_patterns = ["_build", "study-*"]
root_doc = "index"

# -- API reference from the numpydoc-style docstrings -------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
add_module_names = False

# -- doctests: every example on the pages and in the docstrings they include ------------------
doctest_default_flags = (
    doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.DONT_ACCEPT_TRUE_FOR_1
)

# -- figures drawn at build time by ``.. plot::`` (tiny networks, seconds) -----------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# -- HTML -----------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"linregions {release}"

#: Width of the command-line help shown by ``.. cli-help::``.
CLI_HELP_COLUMNS = "90"


class CliHelp(SphinxDirective):
    """``.. cli-help:: SUBCOMMAND``: the ``--help`` text of ``linregions SUBCOMMAND``, as the
    installed command line prints it now."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from linregions.cli import main

        out = io.StringIO()
        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = CLI_HELP_COLUMNS
        try:
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                main([self.arguments[0], "--help"])
        finally:
            if old is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = old
        text = out.getvalue().rstrip()
        return [nodes.literal_block(text, text, language="text")]


class NoPlot(SphinxDirective):
    """Stands in for ``.. plot::`` under the doctest builder: the figures' code already ran
    (and failed the build on any error) in the HTML build, and drawing them again would only
    double the doctest run's time."""

    has_content = True
    optional_arguments = 3
    final_argument_whitespace = True
    option_spec = PlotDirective.option_spec

    def run(self) -> list[nodes.Node]:
        return []


def _skip_plots_in_doctest(app) -> None:
    if app.builder.name == "doctest":
        app.add_directive("plot", NoPlot, override=True)


def setup(app):  # Sphinx's extension hook
    app.add_directive("cli-help", CliHelp)
    app.connect("builder-inited", _skip_plots_in_doctest)
    return {"parallel_read_safe": True}
