"""Fixtures for the OpenID Connect core tests."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core.openid import Server
from tests.core.openid.openid_support import openid_validator_class


@pytest.fixture
def validator(kit):
    return openid_validator_class(kit.RecordingValidator)()


@pytest.fixture
def server(validator, kit):
    return Server(validator, token_generator=kit.counting_generator("tok"),
                  refresh_token_generator=kit.counting_generator("ref"))
