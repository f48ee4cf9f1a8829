"""Reading the Python code blocks of README.rst and docs/*.rst, and running them.

Every Python block (``.. code-block:: python`` and ``::`` literal blocks, which Sphinx
highlights as Python) is preceded by one marker, an rst comment that the rendered page
does not show::

    .. snippet: complete NAME              the block is program NAME, whole
    .. snippet: complete NAME after BASE   program NAME is program BASE's code, then this
    .. snippet: continue NAME              the block is appended to program NAME
    .. snippet: fragment: REASON           not run, for the reason given

A marker belongs to the next code block after it (blank lines and prose may sit between;
inside a ``list-table`` cell it opens the cell). Programs are assembled in page order, the
pages in the order of :data:`PAGES`; ``after`` may name a program of another page.
``tests/docs/test_snippets.py`` runs each program in a fresh module in a temporary
folder and then drives the flow its page describes.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.rst", *sorted((ROOT / "docs").glob("*.rst"))]

# ".. code-block:: python" at the start of a line or of a list-table cell ("* - ", "- ").
_CODE_BLOCK = re.compile(r"^(?P<lead>\s*(?:\* - |- )?)\.\. code-block::\s*(?P<lang>\S+)\s*$")
_MARKER = re.compile(r"^\s*(?:\* - |- )?\.\. snippet:\s*(?P<text>.*?)\s*$")
_PYTHON = {"python", "python3", "py", "pycon"}


@dataclasses.dataclass
class Block:
    """One Python code block of a page, with the marker that says what to do with it."""

    page: str
    line: int  # 1-based line of the directive (or of the paragraph ending in "::")
    code: str
    marker: Optional[str]

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclasses.dataclass
class Program:
    """Code blocks run as one module: ``base``'s blocks first, then its own, in order."""

    name: str
    blocks: list[Block]
    base: Optional[str] = None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _body(lines: list[str], start: int, min_indent: int) -> tuple[str, int]:
    """The indented body after ``lines[start]``, dedented (options dropped), and its end."""
    body: list[str] = []
    i = start + 1
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > min_indent):
        body.append(lines[i])
        i += 1
    text = textwrap.dedent("\n".join(body)).strip("\n")
    kept = [ln for ln in text.splitlines() if not re.match(r"^:[\w-]+:", ln)]
    return "\n".join(kept).strip("\n") + "\n", i


def read_blocks(page: Path, name: Optional[str] = None) -> list[Block]:
    """Every Python block of ``page``, each with its marker (or ``None``)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    name = name or str(page.relative_to(ROOT))
    blocks: list[Block] = []
    marker: Optional[str] = None
    after_body = 0
    for i, line in enumerate(lines):
        if i < after_body:  # inside a code block's body
            continue
        m = _MARKER.match(line)
        if m:
            if marker is not None:
                raise AssertionError(f"{name}:{i + 1}: two snippet markers for one block")
            marker = m.group("text")
            continue
        m = _CODE_BLOCK.match(line)
        literal = line.rstrip().endswith("::") and not line.lstrip().startswith("..")
        if m and m.group("lang") not in _PYTHON:
            if marker is not None:
                raise AssertionError(f"{name}:{i + 1}: a snippet marker before a "
                                     f"{m.group('lang')} block: markers are for Python")
            continue
        if m or literal:
            column = len(m.group("lead")) if m else _indent(line)
            code, after_body = _body(lines, i, column)
            blocks.append(Block(name, i + 1, code, marker))
            marker = None
    if marker is not None:
        raise AssertionError(f"{name}: a snippet marker with no Python block after it")
    return blocks


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in read_blocks(page)]


def programs(blocks: list[Block]) -> tuple[dict[str, Program], list[str]]:
    """Assemble the programs the markers describe; also return what is wrong with them."""
    found: dict[str, Program] = {}
    problems: list[str] = []
    for block in blocks:
        marker = block.marker
        words = (marker or "").split()
        if marker is None:
            problems.append(f"{block.where}: a Python block without a '.. snippet:' marker; "
                            "mark it 'complete NAME', 'continue NAME' or 'fragment: REASON'")
        elif marker.startswith("fragment:"):
            if len(marker[len("fragment:"):].strip()) < 10:
                problems.append(f"{block.where}: a fragment needs a reason")
        elif len(words) in (2, 4) and words[0] == "complete" and (
                len(words) == 2 or words[2] == "after"):
            if words[1] in found:
                problems.append(f"{block.where}: program {words[1]!r} defined twice")
            found[words[1]] = Program(words[1], [block], words[3] if len(words) == 4 else None)
        elif len(words) == 2 and words[0] == "continue":
            if words[1] in found:
                found[words[1]].blocks.append(block)
            else:
                problems.append(f"{block.where}: 'continue {words[1]}' before its "
                                "'complete' block")
        else:
            problems.append(f"{block.where}: cannot read marker {marker!r}")
    for program in list(found.values()):
        if program.base is not None and program.base not in found:
            problems.append(f"program {program.name!r} runs after unknown {program.base!r}")
            del found[program.name]
    return found, problems


def source(program: Program, found: dict[str, Program]) -> str:
    """The module text of ``program``: each block headed by where it comes from."""
    parts: list[str] = []
    if program.base is not None:
        parts.append(source(found[program.base], found))
    for block in program.blocks:
        parts.append(f"# ---- {block.where} ----\n{block.code}")
    return "\n\n".join(parts)


def load(program: Program, found: dict[str, Program], folder: Path) -> ModuleType:
    """Write ``program`` into ``folder`` as a module and import it (run it) from there.

    The caller has made ``folder`` the working directory and put it on ``sys.path``; the
    module is removed from ``sys.modules`` by :func:`unload`.
    """
    module_name = "docs_snippet_" + re.sub(r"\W", "_", program.name)
    (folder / f"{module_name}.py").write_text(source(program, found), encoding="utf-8")
    sys.modules.pop(module_name, None)
    importlib.invalidate_caches()
    return importlib.import_module(module_name)


def unload(module: ModuleType) -> None:
    sys.modules.pop(module.__name__, None)
