"""The package's layering, read from its source with ``ast``.

The core is framework-free: core/ imports no Flask, Werkzeug, SQLAlchemy, WTForms or
Flask-Login (the docstring of ``flask_oauth_provider/core/__init__.py``), only the standard
library and its own modules. Across the package, only ``flask_oauth_provider/__init__.py``
imports ``provider`` and no import cycle exists. Imports through a name table (the lazy
``importlib.import_module(_LAZY[name], __name__)`` of ``core/__init__.py``) are not edges: only
a constant module name is read.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import flask_oauth_provider
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


# -- the whole package: who may import ``provider``, no import cycle, core's dependencies ----
#
# The graph counts every import statement of a module, at module level or inside a function:
# a function-level import still ties the two modules together, it only hides the cycle.

PACKAGE = Path(flask_oauth_provider.__file__).parent
PROVIDER = "flask_oauth_provider.provider"
#: Outside the standard library, core/ may import only this library, from this module only
#: (the JOSE library of a later issue).
JOSE_LIBRARY, JOSE_MODULE = "joserfc", "flask_oauth_provider.core.jose"


def module_name(path: Path, root: Path, package: str) -> str:
    """``pkg/a/b.py`` -> ``pkg.a.b``; ``pkg/a/__init__.py`` -> ``pkg.a``."""
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_targets(path: Path, name: str, modules: set) -> set:
    """The modules of ``modules`` that ``path`` (module ``name``) imports, at any depth of
    its code. ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module;
    relative imports are resolved against the module's own package."""
    own_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own_package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # a submodule, or else a name of the module ``source``
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in modules else source)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id == "__import__"))):
            targets.add(node.args[0].value)
    return {target for target in targets if target in modules and target != name}


def import_graph(root: Path, package: str) -> dict:
    """``{module: {modules of the package it imports}}`` for every module under ``root``."""
    paths = {module_name(path, root, package): path for path in sorted(root.rglob("*.py"))}
    return {name: import_targets(path, name, set(paths)) for name, path in paths.items()}


def import_cycles(graph: dict) -> list:
    """Every strongly connected group of two or more modules (Tarjan), each reported as one
    closed path through it, e.g. ``['a', 'b', 'a']``."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [closed_path(graph, group) for group in groups]


def closed_path(graph: dict, group: set) -> list:
    """A path from the group's first module back to itself, through the group only."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    raise AssertionError(f"{sorted(group)} is not strongly connected")


GRAPH = import_graph(PACKAGE, "flask_oauth_provider")


def test_the_graph_sees_the_package():
    assert "flask_oauth_provider" in GRAPH and "flask_oauth_provider.core.servers" in GRAPH
    assert PROVIDER in GRAPH["flask_oauth_provider"]
    assert sum(len(targets) for targets in GRAPH.values()) > 30
    assert any("flask_oauth_provider.core.errors" in GRAPH[name] for name in GRAPH
               if not name.startswith("flask_oauth_provider.core"))


def test_only_the_package_init_imports_provider():
    importers = sorted(name for name, targets in GRAPH.items()
                       if PROVIDER in targets and name != "flask_oauth_provider")
    assert importers == []


def test_the_package_has_no_import_cycle():
    cycles = [" -> ".join(cycle) for cycle in import_cycles(GRAPH)]
    assert cycles == []


def third_party_imports(path: Path) -> set:
    """Top-level names ``path`` imports that are neither the standard library nor this
    package (relative imports stay in the package)."""
    return imported_top_level_modules(path) - set(sys.stdlib_module_names) - {
        "flask_oauth_provider"}


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_only_the_standard_library_and_the_core(path):
    allowed = set()
    if module_name(path, PACKAGE, "flask_oauth_provider") == JOSE_MODULE:
        allowed = {JOSE_LIBRARY}
    assert third_party_imports(path) - allowed == set()


# -- the checkers catch what they look for -----------------------------------------------


def write_package(root: Path, files: dict) -> Path:
    for relative, text in files.items():
        target = root / "pkg" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root / "pkg"


def test_a_function_level_import_cycle_is_reported(tmp_path):
    package = write_package(tmp_path, {
        "__init__.py": "from . import provider\n",
        "provider.py": "def init():\n    from . import views\n",
        "views.py": "from .provider import State\n",
        "other.py": "from pkg.sub import leaf\n",
        "sub/__init__.py": "",
        "sub/leaf.py": "import pkg.other\n",
    })
    graph = import_graph(package, "pkg")
    assert graph["pkg.provider"] == {"pkg.views"}
    assert graph["pkg.views"] == {"pkg.provider"}
    assert sorted(import_cycles(graph)) == [["pkg.other", "pkg.sub.leaf", "pkg.other"],
                                            ["pkg.provider", "pkg.views", "pkg.provider"]]


def test_an_acyclic_package_has_no_cycle(tmp_path):
    package = write_package(tmp_path, {
        "__init__.py": "from .provider import Provider\n",
        "provider.py": "from . import state\n\ndef f():\n    from .core import servers\n",
        "state.py": "import json\n",
        "core/__init__.py": "",
        "core/servers.py": "from ..state import x\nfrom . import __name__ as n\n",
    })
    graph = import_graph(package, "pkg")
    assert graph["pkg.provider"] == {"pkg.state", "pkg.core.servers"}
    assert graph["pkg.core.servers"] == {"pkg.state", "pkg.core"}
    assert import_cycles(graph) == []


def test_the_checker_sees_a_third_party_import_in_the_core(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import json, hmac\nfrom joserfc import jwt\nfrom . import errors\n"
                      "def f():\n    import requests\n")
    assert third_party_imports(sample) == {"joserfc", "requests"}
