"""The documentation names what the code has: every configuration key, every CLI command."""

from __future__ import annotations

from pathlib import Path

from flask_oauth_provider.cli import oauth_cli
from flask_oauth_provider.config import DEFAULTS, PREFIX

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_configuration_key_is_documented():
    text = (DOCS / "configuration.rst").read_text(encoding="utf-8")
    missing = [PREFIX + key for key in DEFAULTS if f"``{PREFIX}{key}``" not in text]
    assert missing == []


def test_every_cli_command_is_documented():
    text = (DOCS / "cli.rst").read_text(encoding="utf-8")
    missing = [name for name in oauth_cli.commands if f"``{name}``" not in text]
    assert missing == []
