"""Fetch oauthlib's source distribution and run its server-side tests on our core.

oauthlib's sdist on the package index ships its test suite. Nothing of it is kept in
this repository: :func:`fetch_sdist` downloads the pinned version with ``pip download``
(verified against :data:`OAUTHLIB_SHA256`, reused from the system temp folder when a
verified copy is there), :func:`extract_server_tests` unpacks the server-side tests,
and :func:`run_suite` runs them in a child pytest whose ``oauthlib`` imports resolve to
``flask_oauth_provider.core`` (see ``oauthlib_shim.py``).

``OAUTHLIB_SDIST=/path/to/oauthlib-<version>.tar.gz`` uses a local copy instead of the
download (it must still have the pinned digest).

Run as a script to print the counts and every failure with its first error line::

    python tests/compat/oauthlib_suite/oauthlib_suite.py
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Dict

OAUTHLIB_VERSION = "4.0.1"
OAUTHLIB_SHA256 = "3d73febdb6faa00f277c81fb04be7b7586fb96fc3b7f0b9c772dada69a25ede7"
SDIST_NAME = f"oauthlib-{OAUTHLIB_VERSION}.tar.gz"

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[2]
EXPECTED_FAILURES = HERE / "expected_failures.txt"

#: The server side of oauthlib's RFC 6749 tests (the client tests, test_parameters.py
#: and test_utils.py test oauthlib's client helpers and utilities).
SERVER_SIDE = (
    "tests/oauth2/rfc6749/endpoints",
    "tests/oauth2/rfc6749/grant_types",
    "tests/oauth2/rfc6749/test_server.py",
    "tests/oauth2/rfc6749/test_tokens.py",
    "tests/oauth2/rfc6749/test_request_validator.py",
)
#: What the server-side tests import besides oauthlib itself.
_SUPPORT = ("tests/__init__.py", "tests/unittest/", "tests/oauth2/__init__.py",
            "tests/oauth2/rfc6749/__init__.py")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path: Path) -> Path:
    actual = _sha256(path)
    if actual != OAUTHLIB_SHA256:
        raise RuntimeError(f"{path} has sha256 {actual}, expected {OAUTHLIB_SHA256} "
                           f"(oauthlib {OAUTHLIB_VERSION})")
    return path


def fetch_sdist() -> Path:
    """The verified sdist: ``$OAUTHLIB_SDIST``, a cached copy, or a fresh download."""
    local = os.environ.get("OAUTHLIB_SDIST")
    if local:
        return _verified(Path(local))
    cache = Path(tempfile.gettempdir()) / "flask-oauth-provider-compat" / SDIST_NAME
    if cache.is_file() and _sha256(cache) == OAUTHLIB_SHA256:
        return cache
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", f"oauthlib=={OAUTHLIB_VERSION}", "--dest", download],
            check=True, stdin=subprocess.DEVNULL)
        _verified(Path(download) / SDIST_NAME)
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(Path(download) / SDIST_NAME, partial)
        os.replace(partial, cache)
    return cache


def _wanted(relative: PurePosixPath) -> bool:
    text = str(relative)
    return any(text == part or text.startswith(part.rstrip("/") + "/")
               for part in (*SERVER_SIDE, *_SUPPORT))


def extract_server_tests(sdist: Path, destination: Path) -> Path:
    """Unpack the server-side tests (and their helpers) of ``sdist`` under
    ``destination``; return the folder that holds ``tests/``."""
    prefix = PurePosixPath(f"oauthlib-{OAUTHLIB_VERSION}")
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive.getmembers():
            path = PurePosixPath(member.name)
            if not member.isfile() or path.parts[:1] != prefix.parts or ".." in path.parts:
                continue
            relative = path.relative_to(prefix)
            if not _wanted(relative):
                continue
            target = destination.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
    (destination / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return destination


def run_suite(root: Path, *, verbose: bool = False) -> Dict:
    """Run the unpacked tests in a child pytest with the shim; return its results."""
    results = root / "results.json"
    env = dict(os.environ)
    env["OAUTHLIB_SUITE_RESULTS"] = str(results)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE), str(REPOSITORY), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "-p", "oauthlib_suite_plugin",
               "-p", "no:cacheprovider", "--rootdir", str(root), "-q",
               "--tb=line" if verbose else "--tb=no", "-rN", *SERVER_SIDE]
    completed = subprocess.run(command, cwd=root, env=env, stdin=subprocess.DEVNULL,
                               capture_output=not verbose, text=True, check=False)
    if not results.is_file():
        raise RuntimeError("oauthlib's suite did not run:\n"
                           f"{completed.stdout}\n{completed.stderr}")
    return json.loads(results.read_text(encoding="utf-8"))


def load_expected_failures(path: Path = EXPECTED_FAILURES) -> Dict[str, str]:
    """``{test id: reason}`` from the list: a test id at the start of a line, its
    reason on the indented lines below it; ``#`` starts a comment line."""
    expected: Dict[str, str] = {}
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = line.strip()
            if current in expected:
                raise ValueError(f"{path.name}:{number}: {current} is listed twice")
            expected[current] = ""
        elif current is None:
            raise ValueError(f"{path.name}:{number}: a reason before any test id")
        else:
            expected[current] = f"{expected[current]} {line.strip()}".strip()
    return expected


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = extract_server_tests(fetch_sdist(), Path(folder))
        results = run_suite(root, verbose="-v" in sys.argv)
    outcomes = results["outcomes"]
    failed = sorted(node for node, outcome in outcomes.items() if outcome == "failed")
    passed = sum(outcome == "passed" for outcome in outcomes.values())
    print(f"oauthlib {OAUTHLIB_VERSION} server-side tests on our core: "
          f"{passed} of {len(outcomes)} pass, {len(failed)} fail; "
          f"collection errors: {results['collection_errors']}; "
          f"real oauthlib modules loaded: {results['foreign_modules']}")
    expected = load_expected_failures()
    for node in failed:
        print(("  expected " if node in expected else "  NEW      ") + node)
    for node in sorted(set(expected) - set(failed)):
        print(f"  PASSES BUT LISTED {node} ({outcomes.get(node, 'not collected')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
