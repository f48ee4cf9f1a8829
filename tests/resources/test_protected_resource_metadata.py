"""RFC 9728 on the provider: its documents, the challenges that point at them, and the
introspection answer resource servers rely on (RFC 7662 §2.2)."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core.resource_metadata import bearer_challenge, metadata_url
from tests.helpers import bearer
from tests.resources.resources_support import (
    ISSUER,
    MCP,
    ORDERS,
    Browser,
    make_provider_app,
    register_client,
)

MCP_METADATA = "https://as.example/.well-known/oauth-protected-resource/mcp"


def test_document_of_a_resource_with_a_path(provider_app):
    answer = provider_app.test_client().get("/.well-known/oauth-protected-resource/mcp")
    assert answer.status_code == 200
    assert answer.json == {
        "resource": MCP,
        "authorization_servers": [ISSUER],
        "scopes_supported": ["profile", "tools"],
        "bearer_methods_supported": ["header", "body"],
        # RFC 9728 §2: the resource accepts DPoP proofs (RFC 9449) signed with these.
        "dpop_signing_alg_values_supported": ["ES256", "EdDSA", "PS256", "RS256"],
    }


def test_resources_of_other_hosts_and_unknown_paths_are_404(provider_app):
    http = provider_app.test_client()
    assert http.get("/.well-known/oauth-protected-resource/api").status_code == 404
    # ORDERS and BILLING live elsewhere; the provider serves no root resource here.
    assert http.get("/.well-known/oauth-protected-resource").status_code == 404


def test_without_configured_resources_the_root_document_describes_the_issuer(
        test_database, tables):
    app = make_provider_app(test_database, ALLOW_QUERY_TOKEN=True)
    answer = app.test_client().get("/.well-known/oauth-protected-resource")
    assert answer.json == {"resource": ISSUER, "authorization_servers": [ISSUER],
                           "bearer_methods_supported": ["header", "body", "query"],
                           "dpop_signing_alg_values_supported": [
                               "ES256", "EdDSA", "PS256", "RS256"]}
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_401_without_token_points_at_the_resource_metadata(provider_app):
    answer = provider_app.test_client().get("/mcp/tools")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{MCP_METADATA}"'


def test_metadata_url_of_the_challenge_serves_the_document(provider_app):
    # What the MCP client does after a 401: follow resource_metadata.
    http = provider_app.test_client()
    challenge = http.get("/mcp/tools").headers["WWW-Authenticate"]
    url = challenge.split('resource_metadata="')[1].rstrip('"')
    assert http.get(url.removeprefix(ISSUER)).json["resource"] == MCP


def test_insufficient_scope_names_the_scope_and_the_metadata(browser):
    token = browser.login(scope="tools", resources=(MCP,))
    answer = browser.http.get("/mcp/tools", headers=bearer(token["access_token"]))
    assert answer.status_code == 200
    token = browser.login(scope="profile", resources=(MCP,))
    answer = browser.http.get("/mcp/tools", headers=bearer(token["access_token"]))
    assert answer.status_code == 403
    assert answer.headers["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", scope="tools", resource_metadata="{MCP_METADATA}"')


def test_invalid_token_on_a_view_of_no_listed_resource_has_no_metadata(provider_app):
    # /api/me belongs to no resource of OAUTH2_PROVIDER_RESOURCES on this host.
    answer = provider_app.test_client().get("/api/me", headers=bearer("nope"))
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize("resource, expected", [
    ("https://r.example", "https://r.example/.well-known/oauth-protected-resource"),
    ("https://r.example/", "https://r.example/.well-known/oauth-protected-resource"),
    ("https://r.example/a/b/", "https://r.example/.well-known/oauth-protected-resource/a/b"),
    ("https://r.example:8443/a?x=1", "https://r.example:8443/.well-known/oauth-protected-resource/a?x=1"),
])
def test_metadata_url_inserts_the_well_known_path(resource, expected):
    assert metadata_url(resource) == expected


def test_challenge_values_cannot_break_the_header():
    header = bearer_challenge("invalid_token", 'bad" , x="1\\', ["a\r\nb"],
                              'https://r.example/"x')
    # Scopes lose what RFC 6749 §3.3 leaves out of a scope-token (issue 17: stripped);
    # the other values have such characters replaced.
    assert header == ('Bearer error="invalid_token", error_description="bad? , x=?1?", '
                      'scope="ab", resource_metadata="https://r.example/?x"')


# -- introspection as resource servers read it (RFC 7662 §2.2) ----------------------------


def test_introspection_names_aud_iss_token_type_sub_and_username(browser):
    claims = browser.introspect(browser.login(resources=(MCP,), scope="tools")["access_token"])
    assert claims["active"] is True
    assert (claims["aud"], claims["iss"], claims["token_type"]) == (MCP, ISSUER, "Bearer")
    assert claims["username"] == "alice"
    assert claims["sub"]


def test_resource_server_client_introspects_any_token(provider_app, browser):
    token = browser.login()["access_token"]
    rs_id, rs_secret = register_client(provider_app, name="API", resource_server=True,
                                       grant_types=["client_credentials"])
    assert browser.introspect(token, rs_id, rs_secret)["active"] is True


def test_other_client_sees_another_clients_token_inactive(provider_app, browser):
    token = browser.login()["access_token"]
    other_id, other_secret = register_client(provider_app, name="Other")
    assert browser.introspect(token, other_id, other_secret) == {"active": False}


def test_introspection_names_the_request_issuer_when_none_is_configured(
        test_database, tables):
    app = make_provider_app(test_database, ISSUER=None)
    browser = Browser(app, *register_client(app))
    claims = browser.introspect(browser.login()["access_token"])
    assert claims["iss"] == "http://localhost"
    assert claims["aud"] == "http://localhost"
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


# -- the provider's own views check the audience (RFC 8707, RFC 9068 §4) -------------------


def test_provider_view_refuses_a_token_for_another_resource(browser):
    token = browser.login(scope="orders:read", resources=(ORDERS,))["access_token"]
    answer = browser.http.get("/mcp/tools", headers=bearer(token))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == (
        f'Bearer error="invalid_token", resource_metadata="{MCP_METADATA}"')


def test_provider_view_outside_every_resource_does_not_check_the_audience(browser):
    token = browser.login(scope="profile", resources=(ORDERS,))["access_token"]
    assert browser.http.get("/api/me", headers=bearer(token)).status_code == 200
