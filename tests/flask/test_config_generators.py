"""``OAUTH2_PROVIDER_TOKEN_GENERATOR`` and ``..._REFRESH_TOKEN_GENERATOR`` are checked at
``init_app``: a callable that cannot take the request fails there, with a fix, instead of
answering every token request with ``500 server_error``."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask

from flask_oauth_provider import OAuth2Provider
from flask_oauth_provider.config import ProviderConfig
from tests.flask.flask_support import create_app
from tests.helpers import basic_auth


@pytest.mark.parametrize("key", ["TOKEN_GENERATOR", "REFRESH_TOKEN_GENERATOR"])
@pytest.mark.parametrize("generator", ["secrets.token_hex", secrets.token_urlsafe])
def test_a_function_of_a_byte_count_is_refused_at_init_app(key, generator):
    app = Flask(__name__)
    app.config["OAUTH2_PROVIDER_" + key] = generator
    with pytest.raises(ValueError) as refused:
        OAuth2Provider(app)
    message = str(refused.value)
    assert message.startswith("OAUTH2_PROVIDER_" + key)
    assert "'nbytes'" in message and "lambda request: secrets.token_urlsafe(32)" in message


@pytest.mark.parametrize("generator", [lambda: "x", lambda request, size: "x"])
def test_a_callable_that_cannot_take_just_the_request_is_refused(generator):
    with pytest.raises(ValueError, match="cannot take one argument, the request"):
        ProviderConfig.from_mapping({"OAUTH2_PROVIDER_TOKEN_GENERATOR": generator})


@pytest.mark.parametrize("generator", [
    lambda request: "fixed-" + "x" * 40,
    lambda request, *args, **kwargs: "fixed-" + "x" * 40,
    "flask_oauth_provider.core.tokens.random_token_generator",
])
def test_callables_of_the_request_are_accepted_and_used(generator):
    client = create_app("callbacks", TOKEN_GENERATOR=generator).test_client()
    answer = client.post("/oauth/token", headers=basic_auth("C2", "C2-secret"),
                         data={"grant_type": "client_credentials"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    if not isinstance(generator, str):
        assert answer.get_json()["access_token"] == "fixed-" + "x" * 40
