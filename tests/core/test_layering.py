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


# -- the package as a whole: who imports whom -------------------------------------------

PACKAGE = CORE.parent
PACKAGE_FILES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = ["flask_oauth_provider", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in PACKAGE_FILES}


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def package_imports(path: Path, name: str = "") -> set:
    """The package modules ``path`` imports, at module level or inside functions alike
    (a lazy import is still a dependency), leaving out ``if TYPE_CHECKING:`` blocks."""
    name = name or module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()

    def visit(node: ast.AST) -> None:
        if is_type_checking_block(node):
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    found.add(f"{target}.{alias.name}")
                elif target in MODULES:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


GRAPH = {name: package_imports(path) for name, path in MODULES.items()}


def test_only_the_package_init_imports_the_provider_module():
    importers = sorted(name for name, deps in GRAPH.items()
                       if "flask_oauth_provider.provider" in deps)
    assert importers == ["flask_oauth_provider"]


def find_cycle(graph: dict) -> list:
    """One import cycle of ``graph`` as a list of module names, or ``[]``."""
    done: set = set()

    def walk(node: str, trail: list) -> list:
        if node in trail:
            return trail[trail.index(node):] + [node]
        if node in done:
            return []
        for dep in sorted(graph.get(node, ())):
            cycle = walk(dep, trail + [node])
            if cycle:
                return cycle
        done.add(node)
        return []

    for start in sorted(graph):
        cycle = walk(start, [])
        if cycle:
            return cycle
    return []


def test_the_package_has_no_import_cycle():
    assert find_cycle(GRAPH) == []


def test_the_cycle_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_lazy_imports_and_skips_type_checking(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import state\n"
        "from .core import errors\n"
        "if TYPE_CHECKING:\n"
        "    from .provider import OAuth2Provider\n"
        "def f():\n"
        "    from .cli import oauth_cli\n"
    )
    assert package_imports(sample, "flask_oauth_provider.sample") == {
        "flask_oauth_provider.state", "flask_oauth_provider.core.errors",
        "flask_oauth_provider.cli"}
