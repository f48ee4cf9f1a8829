"""The FAPI 2.0 profile end to end: the example app with ``OAUTH2_PROVIDER_PROFILE =
"fapi2"`` on a real server on 127.0.0.1, driven by requests-oauth2client (a client no
one here wrote) through PAR + PKCE + private_key_jwt + DPoP, the real login and consent
pages, the token, and a DPoP-protected call; then what the profile refuses over the same
wire: a plain authorization request, a client secret, a bearer call with the bound token,
an assertion addressed to the token endpoint rather than the issuer."""

from __future__ import annotations

import secrets
import time
import uuid
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import sqlalchemy

from flask_oauth_provider.core import jose
from tests.e2e.e2e_support import submit
from tests.helpers import LiveServer
from tests.helpers.database import env_database_url, make_test_database

requests_oauth2client = pytest.importorskip("requests_oauth2client")

from requests_oauth2client import (  # noqa: E402
    DPoPKey,
    DPoPToken,
    OAuth2Client,
    PrivateKeyJwt,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: RFC 7636 Appendix B's S256 challenge.
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.fixture(scope="module")
def fapi_server(tmp_path_factory):
    from example_app import create_app
    from example_app.models import db

    database = make_test_database(
        env_database_url(), str(tmp_path_factory.mktemp("fapi-db") / "fapi.sqlite"))
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database.url,
        "SQLALCHEMY_ENGINE_OPTIONS": database.engine_options,
        "SECRET_KEY": secrets.token_hex(32),
        "OAUTH2_PROVIDER_PROFILE": "fapi2",
    }, instance_path=str(tmp_path_factory.mktemp("fapi-instance")))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        live = LiveServer(app).start()
        try:
            yield app, live.url
        finally:
            live.stop()
            with app.app_context():
                db.drop_all()
                with db.engine.begin() as conn:
                    conn.execute(sqlalchemy.text("DROP TABLE IF EXISTS alembic_version"))
                db.engine.dispose()
            database.close()


@pytest.fixture(scope="module")
def key_client(fapi_server):
    """A private_key_jwt client registered with its public key: ``(client_id, key)``."""
    app, url = fapi_server
    key = jose.generate_key("ES256")
    with app.app_context():
        client, secret = app.extensions["oauth2_provider"].create_client(
            name="FAPI client", redirect_uris=[url + "/demo/callback"],
            grant_types=["authorization_code", "refresh_token"], scopes=["openid", "profile"],
            token_endpoint_auth_method="private_key_jwt", jwks=jose.public_jwk_set([key]))
        assert secret is None
        return client.client_id, key


def _client(url, client_id, key):
    return OAuth2Client.from_discovery_endpoint(
        url + "/.well-known/oauth-authorization-server", issuer=url,
        auth=PrivateKeyJwt(client_id, key, alg="ES256", aud=url),
        redirect_uri=url + "/demo/callback", testing=True)


def _log_in_and_consent(url, authorization_uri):
    person = requests.Session()
    login_page = person.get(authorization_uri, timeout=30)
    assert urlsplit(login_page.url).path == "/login"
    logged_in = submit(person, login_page, "password", {"username": "demo", "password": "demo"})
    consent_page = person.get(urljoin(url, logged_in.headers["Location"]), timeout=30)
    assert consent_page.status_code == 200 and "FAPI client" in consent_page.text
    answer = submit(person, consent_page, "allow", button="allow")
    assert answer.status_code in (302, 303)
    return answer.headers["Location"]


def test_par_pkce_private_key_jwt_dpop_through_login_and_consent(fapi_server, key_client):
    _, url = fapi_server
    client_id, key = key_client
    client = _client(url, client_id, key)
    metadata = requests.get(url + "/.well-known/oauth-authorization-server", timeout=30).json()
    assert metadata["require_pushed_authorization_requests"] is True
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert set(metadata["dpop_signing_alg_values_supported"]) <= {"PS256", "ES256", "EdDSA"}

    dpop_key = DPoPKey.generate(alg="ES256")
    request = client.authorization_request(scope="profile", nonce=None, dpop_key=dpop_key)
    assert request.code_challenge_method == "S256"
    pushed = client.pushed_authorization_request(request)
    assert pushed.request_uri.startswith("urn:ietf:params:oauth:request_uri:")

    callback = _log_in_and_consent(url, pushed.uri)
    response = request.validate_callback(callback)  # checks state and iss (RFC 9207)
    token = client.authorization_code(response, dpop_key=dpop_key)
    assert isinstance(token, DPoPToken) and token.token_type.lower() == "dpop"
    assert "refresh_token" in token.as_dict()

    me = requests.get(url + "/api/me", auth=token, timeout=30)
    assert me.status_code == 200, me.text
    assert me.json()["user"]["username"] == "demo"
    # The bound token presented as a bearer token (stolen) is refused.
    stolen = requests.get(url + "/api/me", timeout=30,
                          headers={"Authorization": f"Bearer {token.access_token}"})
    assert stolen.status_code == 401
    # Refreshing with the same key works, without rotation (FAPI 2.0 discourages it).
    refreshed = client.refresh_token(token, dpop_key=dpop_key)
    assert isinstance(refreshed, DPoPToken)
    assert refreshed.refresh_token in (None, token.refresh_token)
    assert requests.get(url + "/api/me", auth=refreshed, timeout=30).status_code == 200


def test_a_plain_authorization_request_is_refused_without_redirect(fapi_server, key_client):
    _, url = fapi_server
    client_id, _ = key_client
    answer = requests.get(url + "/oauth/authorize", allow_redirects=False, timeout=30, params={
        "response_type": "code", "client_id": client_id, "redirect_uri": url + "/demo/callback",
        "scope": "profile", "state": "s", "code_challenge": CHALLENGE,
        "code_challenge_method": "S256"})
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_a_push_without_redirect_uri_is_refused(fapi_server, key_client):
    _, url = fapi_server
    client_id, key = key_client
    answer = requests.post(url + "/oauth/par", timeout=30, data={
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": _assertion(client_id, key, url),
        "response_type": "code", "scope": "profile", "code_challenge": CHALLENGE,
        "code_challenge_method": "S256"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert "redirect_uri" in answer.json()["error_description"]


def _assertion(client_id, key, aud):
    now = int(time.time())
    return jose.sign({"iss": client_id, "sub": client_id, "aud": aud, "iat": now,
                      "exp": now + 60, "jti": str(uuid.uuid4())}, key)


def test_an_assertion_for_the_token_endpoint_rather_than_the_issuer_is_refused(
        fapi_server, key_client):
    _, url = fapi_server
    client_id, key = key_client
    form = {"client_assertion_type": ASSERTION_TYPE,
            "response_type": "code", "redirect_uri": url + "/demo/callback", "scope": "profile",
            "code_challenge": CHALLENGE,
            "code_challenge_method": "S256"}
    to_endpoint = requests.post(url + "/oauth/par", timeout=30, data={
        **form, "client_assertion": _assertion(client_id, key, url + "/oauth/token")})
    assert to_endpoint.status_code == 401
    assert to_endpoint.json()["error"] == "invalid_client"
    to_issuer = requests.post(url + "/oauth/par", timeout=30, data={
        **form, "client_assertion": _assertion(client_id, key, url)})
    assert to_issuer.status_code == 201, to_issuer.text


def test_a_client_secret_is_refused(fapi_server):
    app, url = fapi_server
    with app.app_context():
        with pytest.raises(ValueError, match="token_endpoint_auth_method"):
            app.extensions["oauth2_provider"].create_client(
                name="secret client", redirect_uris=[url + "/demo/callback"],
                grant_types=["authorization_code"], scopes=["profile"])


def test_registration_admits_only_private_key_jwt_clients(fapi_server):
    _, url = fapi_server
    document = {"client_name": "registered", "redirect_uris": [url + "/demo/callback"],
                "grant_types": ["authorization_code"], "scope": "profile"}
    with_secret = requests.post(url + "/oauth/register", json=document, timeout=30)
    assert with_secret.status_code == 400
    assert with_secret.json()["error"] == "invalid_client_metadata"
    assert "private_key_jwt" in with_secret.json()["error_description"]
    public = requests.post(url + "/oauth/register", timeout=30,
                           json={**document, "token_endpoint_auth_method": "none"})
    assert public.status_code == 400
    key = jose.generate_key("ES256")
    with_key = requests.post(url + "/oauth/register", timeout=30, json={
        **document, "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jose.public_jwk_set([key])})
    assert with_key.status_code == 201, with_key.text
    assert "client_secret" not in with_key.json()


def test_id_tokens_are_signed_with_es256_under_the_profile(fapi_server, key_client):
    """FAPI 2.0 allows PS256, ES256 and EdDSA: a client that registered no
    id_token_signed_response_alg gets ES256, not OpenID Connect's default RS256."""
    _, url = fapi_server
    client_id, key = key_client
    discovery = requests.get(url + "/.well-known/openid-configuration", timeout=30).json()
    assert "RS256" not in discovery["id_token_signing_alg_values_supported"]
    client = OAuth2Client.from_discovery_endpoint(
        url + "/.well-known/oauth-authorization-server", issuer=url,
        auth=PrivateKeyJwt(client_id, key, alg="ES256", aud=url),
        redirect_uri=url + "/demo/callback", id_token_signed_response_alg="ES256",
        testing=True)
    dpop_key = DPoPKey.generate(alg="EdDSA")
    request = client.authorization_request(scope="openid profile", dpop_key=dpop_key)
    pushed = client.pushed_authorization_request(request)
    callback = _log_in_and_consent(url, pushed.uri)
    # validate=False: requests-oauth2client 1.8 fails to rebuild a DPoPToken after checking
    # its id_token (a TypeError of its own); the ID token is verified here instead.
    token = client.authorization_code(request.validate_callback(callback), dpop_key=dpop_key,
                                      validate=False)
    id_token = str(token.as_dict()["id_token"])
    assert jose.unverified_header(id_token)["alg"] == "ES256"
    jwks = requests.get(discovery["jwks_uri"], timeout=30).json()
    _, claims = jose.verify(id_token, jwks["keys"], algorithms=["ES256"])
    assert claims["aud"] == client_id and claims["iss"] == url
    assert claims["nonce"] == request.nonce
