"""Errors that must not go back to the client, in a ported app.

A missing or unknown ``client_id`` or a bad ``redirect_uri`` is never redirected to the
client (RFC 6749 §4.1.2.1). Flask-OAuthlib sent the browser to the app's error view,
``OAUTH2_PROVIDER_ERROR_URI`` or ``url_for(OAUTH2_PROVIDER_ERROR_ENDPOINT)``, with
``error`` and ``error_description`` in the query; both keys do that here. Without them
the provider shows its own error page.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.compat.flask_oauthlib.documented_app import REDIRECT_URI, authorize_url, log_in, make_app


def error_view_app(**config):
    app = make_app(config)

    @app.route("/oauth/errors")
    def oauth_errors():
        return "error view"

    return app


def location(response):
    parts = urlsplit(response.headers["Location"])
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


@pytest.mark.parametrize("config", [
    {"OAUTH2_PROVIDER_ERROR_URI": "/oauth/errors"},
    {"OAUTH2_PROVIDER_ERROR_ENDPOINT": "oauth_errors"},
], ids=["error_uri", "error_endpoint"])
@pytest.mark.parametrize("url, description", [
    (authorize_url("no-such-client"), "Invalid client_id parameter value."),
    ("/oauth/authorize?response_type=code&scope=email", "Missing client_id parameter."),
    (authorize_url(redirect_uri="https://attacker.example/cb"),
     "Mismatching redirect URI."),
])
def test_fatal_error_goes_to_the_apps_error_view(config, url, description):
    client = error_view_app(**config).test_client()
    log_in(client)
    response = client.get(url)
    assert response.status_code == 302
    path, params = location(response)
    assert path == "/oauth/errors"
    assert params == {"error": "invalid_request", "error_description": description}
    assert "attacker" not in response.headers["Location"]


def test_error_uri_wins_over_error_endpoint():
    client = error_view_app(OAUTH2_PROVIDER_ERROR_URI="https://app.example/problem",
                            OAUTH2_PROVIDER_ERROR_ENDPOINT="oauth_errors").test_client()
    log_in(client)
    response = client.get(authorize_url("no-such-client"))
    assert response.headers["Location"].startswith("https://app.example/problem?error=")


def test_error_that_may_go_back_to_the_client_still_goes_there():
    client = error_view_app(OAUTH2_PROVIDER_ERROR_URI="/oauth/errors").test_client()
    log_in(client)
    response = client.get(authorize_url(response_type="foo"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI)
    assert "error=unsupported_response_type" in response.headers["Location"]


def test_without_the_keys_the_error_page_is_shown():
    client = make_app().test_client()
    log_in(client)
    response = client.get(authorize_url("no-such-client"))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "Invalid client_id parameter value." in response.get_data(as_text=True)


@pytest.mark.parametrize("key, value", [
    ("OAUTH2_PROVIDER_ERROR_URI", 42),
    ("OAUTH2_PROVIDER_ERROR_URI", "javascript:alert(1)"),
    ("OAUTH2_PROVIDER_ERROR_ENDPOINT", ""),
])
def test_a_wrong_value_is_refused_at_init_app(key, value):
    with pytest.raises(ValueError, match=key):
        make_app({key: value})
