"""client_secret_jwt (RFC 7523 §2.2, OpenID Connect Core §9): an HMAC keyed with the
client secret. It needs the secret in clear, so it works with clients of callbacks
(which keep it, as Flask-OAuthlib did) and never with the bundled models (digests)."""

from __future__ import annotations

import time
import uuid

import pytest

from flask_oauth_provider.core import jose
from tests.client_jwt.conftest import ASSERTION_TYPE, assertion_form, key_client
from tests.flask.flask_support import SCOPES, create_app
from tests.helpers import error_of

SECRET = "s3cr3t-" + "x" * 60  # HS512 needs 64 bytes (RFC 7518 §3.2)
TOKEN_URL = "http://localhost/oauth/token"


@pytest.fixture
def callback_app():
    app = create_app("callbacks", GRANT_TYPES=("authorization_code", "client_credentials"))
    client = app.store.add_client("HS1", SECRET, ["https://client.example/cb"], SCOPES)
    client.token_endpoint_auth_method = "client_secret_jwt"
    client.allowed_grant_types = ["client_credentials"]
    app.store.add_client("B1", SECRET, ["https://client.example/cb"], SCOPES)
    return app


def hmac_assertion(client_id="HS1", secret=SECRET, alg="HS256", **claims):
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": TOKEN_URL, "iat": now,
            "exp": now + 60, "jti": str(uuid.uuid4()), **claims}
    return jose.sign_with_secret(body, secret, alg)


def post(app, token):
    return app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "scope": "read",
        "client_assertion_type": ASSERTION_TYPE, "client_assertion": token})


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_a_client_secret_jwt_client_authenticates(callback_app, alg):
    response = post(callback_app, hmac_assertion(alg=alg))
    assert response.status_code == 200, response.get_json()


def test_metadata_offers_client_secret_jwt_with_callbacks(callback_app):
    document = callback_app.test_client().get("/.well-known/oauth-authorization-server")
    document = document.get_json()
    assert "client_secret_jwt" in document["token_endpoint_auth_methods_supported"]
    assert "HS256" in document["token_endpoint_auth_signing_alg_values_supported"]


def test_a_wrong_secret_is_refused(callback_app):
    response = post(callback_app, hmac_assertion(secret="w" * 47))
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_a_secret_shorter_than_the_hash_is_refused():
    """RFC 7518 §3.2: the HMAC key is at least as long as the hash output."""
    app = create_app("callbacks", GRANT_TYPES=("authorization_code", "client_credentials"))
    client = app.store.add_client("HS1", "short-secret", ["https://client.example/cb"],
                                  SCOPES)
    client.token_endpoint_auth_method = "client_secret_jwt"
    assert post(app, hmac_assertion(secret="short-secret")).status_code == 401


def test_a_replayed_hmac_assertion_is_refused(callback_app):
    token = hmac_assertion()
    assert post(callback_app, token).status_code == 200
    assert post(callback_app, token).status_code == 401


def test_a_client_secret_basic_client_cannot_use_client_secret_jwt(callback_app):
    """Same secret, but registered for client_secret_basic (RFC 7591 §2 default)."""
    assert post(callback_app, hmac_assertion(client_id="B1")).status_code == 401


def test_a_client_secret_jwt_client_cannot_use_basic(callback_app):
    response = callback_app.test_client().post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "HS1",
                              "client_secret": SECRET})
    assert response.status_code == 401


def test_an_hmac_algorithm_off_the_list_is_refused():
    app = create_app("callbacks", GRANT_TYPES=("authorization_code", "client_credentials"),
                     TOKEN_ENDPOINT_AUTH_SIGNING_ALGS=("HS512",))
    client = app.store.add_client("HS1", SECRET, ["https://client.example/cb"], SCOPES)
    client.token_endpoint_auth_method = "client_secret_jwt"
    assert post(app, hmac_assertion(alg="HS256")).status_code == 401
    assert post(app, hmac_assertion(alg="HS512")).status_code == 200


def test_the_bundled_store_never_offers_client_secret_jwt(app, client_key):
    """Its clients' secrets are digests: an HMAC assertion from one is refused."""
    client_id = key_client(app, client_key)
    now = int(time.time())
    token = jose.sign_with_secret({"iss": client_id, "sub": client_id, "exp": now + 60,
                                   "aud": "https://as.example", "jti": "j"}, SECRET)
    response = app.test_client().post("/oauth/token", data=assertion_form(
        token, grant_type="client_credentials"))
    assert response.status_code == 401
