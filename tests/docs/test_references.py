"""The repository cites only what a reader of it has: RFC sections and its own files.

Documents that lived beside the repository while it was written (the design notes, the
founding document and its flow graph, the reference notes and their security checklist)
are not named in tests/, benchmarks/, scripts/, docs/ or example_app/; and
``benchmarks/results.md`` names no path of the machine it ran on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.report import without_machine_paths

ROOT = Path(__file__).resolve().parents[2]
#: Folders whose text files are read. The package (flask_oauth_provider/) joins this list
#: once issue 10's restructuring has rewritten its references.
FOLDERS = ("tests", "benchmarks", "scripts", "docs", "example_app")
SUFFIXES = {".py", ".md", ".rst", ".txt", ".html", ".cfg", ".toml"}
OUTSIDE_DOCUMENT = re.compile(
    r"DESIGN\.md|STYLE\.md|creating-a-provider|oauthlib-interface|security-checklist"
    r"|reference/\S+\.md|\bthe seed\b|\bseed (graph|document)|\bseed's\b|reference §",
    re.IGNORECASE)


def text_files() -> list:
    files = []
    for folder in FOLDERS:
        files += [path for path in sorted((ROOT / folder).rglob("*"))
                  if path.suffix in SUFFIXES and "_build" not in path.parts
                  and "__pycache__" not in path.parts]
    return files


def outside_references(text: str) -> list:
    return [match.group(0) for match in OUTSIDE_DOCUMENT.finditer(text)]


def test_the_scan_reads_the_folders():
    names = {path.relative_to(ROOT).as_posix() for path in text_files()}
    assert {"tests/core/test_layering.py", "benchmarks/results.md", "docs/index.rst"} <= names


@pytest.mark.parametrize("path", text_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_reference_to_a_document_outside_the_repository(path):
    if path == Path(__file__).resolve():
        return  # this file spells the names it looks for
    assert outside_references(path.read_text(encoding="utf-8")) == []


def test_the_scan_sees_an_outside_reference():
    text = "as DESIGN.md says; the seed graph's green flow; security-checklist RU-01"
    assert outside_references(text) == ["DESIGN.md", "the seed", "security-checklist"]
    assert outside_references("hypothesis @seed(3); RFC 6749 §4.1; docs/security.rst") == []


def test_benchmark_results_name_no_path_of_the_machine():
    text = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    assert without_machine_paths(text, str(ROOT)) == text


def test_machine_paths_are_rewritten(tmp_path):
    root = str(tmp_path / "repo")
    text = (f"at {root}/benchmarks/x.py, ({tmp_path}/site-packages/oauthlib/common.py), "
            f"from `{tmp_path}/side`, POST /oauth/token")
    assert without_machine_paths(text, root) == (
        "at benchmarks/x.py, (<site-packages>/oauthlib/common.py), from `<...>/side`, "
        "POST /oauth/token")
