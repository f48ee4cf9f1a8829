"""Sphinx configuration for flask-oauth-provider's documentation."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import flask_oauth_provider  # noqa: E402

project = "flask-oauth-provider"
author = "the flask-oauth-provider authors"
copyright = "2026, the flask-oauth-provider authors"  # noqa: A001
release = flask_oauth_provider.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

html_theme = "furo"
html_title = f"flask-oauth-provider {release}"
exclude_patterns = ["_build"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
# Overridden methods of SQLAlchemy types would otherwise carry SQLAlchemy's own
# docstrings, with links into its documentation that do not resolve here.
autodoc_inherit_docstrings = False

