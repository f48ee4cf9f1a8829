"""The core is framework-free (DESIGN.md: core/ imports no Flask, Werkzeug,
SQLAlchemy, WTForms or Flask-Login)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import flask_oauth_provider.core

FORBIDDEN = {"flask", "werkzeug", "sqlalchemy", "wtforms", "flask_login", "flask_sqlalchemy",
             "flask_wtf"}
CORE = Path(flask_oauth_provider.core.__file__).parent
CORE_FILES = sorted(CORE.rglob("*.py"))


def imported_top_level_modules(path: Path) -> set:
    """Every module name an import statement of ``path`` names (absolute imports;
    relative imports stay inside the package and cannot leave the core)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value).split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "__import__" and node.args
              and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def test_core_has_python_files():
    assert len(CORE_FILES) > 10


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_web_or_database_framework(path):
    assert imported_top_level_modules(path) & FORBIDDEN == set()


def resolved_package_imports(path: Path) -> list:
    """The dotted names of this package's modules that ``path`` imports, with
    relative imports resolved against the file's own package."""
    package = ["flask_oauth_provider", "core", *path.relative_to(CORE).parent.parts]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                names.append(".".join(base + ([node.module] if node.module else [])))
            elif node.module and node.module.startswith("flask_oauth_provider"):
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names if a.name.startswith("flask_oauth_provider"))
    return names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_does_not_reach_up_into_the_flask_layer(path):
    """Data flows down the layers: core never imports the extension around it."""
    for name in resolved_package_imports(path):
        assert name == "flask_oauth_provider.core" or name.startswith(
            "flask_oauth_provider.core."), name


def test_relative_import_above_the_core_is_resolved():
    path = CORE / "endpoints" / "base.py"
    assert "flask_oauth_provider.core" in resolved_package_imports(path)


def test_the_checker_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom werkzeug.datastructures import Headers\n")
    assert "werkzeug" in imported_top_level_modules(sample)
