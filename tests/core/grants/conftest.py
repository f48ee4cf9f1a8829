"""Fixtures for the grant tests."""

from __future__ import annotations

import pytest

from tests.core.grants.grant_support import RecordingValidator


@pytest.fixture
def validator() -> RecordingValidator:
    return RecordingValidator()
