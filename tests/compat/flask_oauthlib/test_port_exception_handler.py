"""``@oauth.exception_handler``: a ported app decides how refused authorizations answer.

Flask-OAuthlib called ``f(error, redirect_content)`` where it would otherwise redirect
an authorization error, and returned what ``f`` returned. Here it is called for every
refused authorization request: ``redirect_content`` is the client's redirect URI with
the error (errors that may go back to the client, and a denied consent), the app's
error URI with the error (errors that must not, when ``OAUTH2_PROVIDER_ERROR_URI`` or
``_ENDPOINT`` is set), or ``None`` (errors that must not, with no error URI: the
default then shows the error page).
"""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import errors
from tests.compat.flask_oauthlib.documented_app import REDIRECT_URI, authorize_url, log_in, make_app


def app_with_handler(**config):
    app = make_app(config)
    app.seen = []

    @app.oauth.exception_handler
    def handle(error, redirect_content):
        app.seen.append((error, redirect_content))
        return "handled", 418

    return app


def test_handler_gets_the_redirect_for_an_error_that_goes_back_to_the_client():
    app = app_with_handler()
    client = app.test_client()
    log_in(client)
    response = client.get(authorize_url(response_type="foo"))
    assert (response.status_code, response.get_data(as_text=True)) == (418, "handled")
    [(error, redirect_content)] = app.seen
    assert isinstance(error, errors.UnsupportedResponseTypeError)
    assert redirect_content.startswith(REDIRECT_URI + "?")
    assert "error=unsupported_response_type" in redirect_content
    assert "state=s1" in redirect_content


def test_handler_gets_the_error_uri_for_a_fatal_error():
    app = app_with_handler(OAUTH2_PROVIDER_ERROR_URI="/oauth/errors")
    client = app.test_client()
    log_in(client)
    assert client.get(authorize_url("no-such-client")).status_code == 418
    [(error, redirect_content)] = app.seen
    assert isinstance(error, errors.FatalClientError)
    assert redirect_content.startswith("/oauth/errors?error=invalid_request")


def test_handler_gets_none_for_a_fatal_error_without_error_uri():
    app = app_with_handler()
    client = app.test_client()
    log_in(client)
    assert client.get(authorize_url("no-such-client")).status_code == 418
    [(error, redirect_content)] = app.seen
    assert error.error == "invalid_request"
    assert redirect_content is None


def test_handler_gets_a_denied_consent():
    app = app_with_handler()
    client = app.test_client()
    log_in(client)
    assert client.post(authorize_url(), data={"confirm": "no"}).status_code == 418
    [(error, redirect_content)] = app.seen
    assert isinstance(error, errors.AccessDeniedError)
    assert "error=access_denied" in redirect_content


def test_handler_is_not_called_when_nothing_is_refused():
    app = app_with_handler()
    client = app.test_client()
    log_in(client)
    assert client.post(authorize_url(), data={"confirm": "yes"}).status_code in (302, 303)
    assert app.seen == []


def test_exception_handler_returns_the_function_for_stacking():
    app = make_app()

    def handle(error, redirect_content):
        return "x"

    assert app.oauth.exception_handler(handle) is handle


@pytest.mark.parametrize("value", [None, "not callable"])
def test_exception_handler_needs_a_callable(value):
    with pytest.raises(TypeError):
        make_app().oauth.exception_handler(value)
