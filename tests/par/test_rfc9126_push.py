"""RFC 9126 §2: the pushed authorization request endpoint, through HTTP."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import select

from tests.helpers import basic_auth, pkce_pair
from tests.helpers.sqla_models import PushedRequest
from tests.par.par_app import CB, PAR, URN, make_app, push

# -- §2.1, §2.2: the request and the answer ------------------------------------------------


def test_push_answers_201_with_request_uri_and_expires_in(client, web):
    answer = push(client, web)
    assert answer.status_code == 201
    body = answer.get_json()
    assert set(body) == {"request_uri", "expires_in"}
    assert body["request_uri"].startswith(URN)
    assert body["expires_in"] == 60
    assert answer.headers["Cache-Control"] == "no-store"


def test_each_push_gets_its_own_request_uri(client, web):
    first = push(client, web).get_json()["request_uri"]
    second = push(client, web).get_json()["request_uri"]
    assert first != second
    # §2.2 / §7.1: the reference carries enough randomness not to be guessed.
    assert len(first) - len(URN) >= 43


def test_lifetime_is_configurable(test_database, tables):
    from tests.par.par_app import dispose

    app = make_app(test_database, OAUTH2_PROVIDER_PAR_LIFETIME=90)
    try:
        answer = push(app.test_client(), app.config["TEST_CLIENTS"]["web"])
        assert answer.get_json()["expires_in"] == 90
    finally:
        dispose(app)


def test_request_uri_is_stored_as_a_digest_only(app, client, web):
    request_uri = push(client, web).get_json()["request_uri"]
    reference = request_uri[len(URN):]
    with app.app_context():
        db = app.extensions["test_db"]
        row = db.session.scalars(select(PushedRequest)).one()
        stored = " ".join(str(getattr(row, c.key)) for c in PushedRequest.__table__.columns)
    assert reference not in stored
    assert row.client_id == web[0]


def test_client_secret_is_not_kept_with_the_parameters(app, client, web):
    client_id, secret = web
    answer = client.post(PAR, data={"response_type": "code", "client_id": client_id,
                                    "client_secret": secret, "redirect_uri": CB,
                                    "scope": "openid"})
    assert answer.status_code == 201
    with app.app_context():
        row = app.extensions["test_db"].session.scalars(select(PushedRequest)).one()
    assert secret not in row.parameters


# -- §2.1: client authentication, as at the token endpoint ---------------------------------


def test_confidential_client_without_credentials_is_invalid_client(client, web):
    answer = push(client, (web[0], None))
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_client"


def test_confidential_client_with_a_wrong_secret_is_invalid_client(client, web):
    answer = push(client, (web[0], "not-the-secret"))
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_client"
    assert answer.headers["WWW-Authenticate"].startswith("Basic")


def test_public_client_pushes_with_client_id_only(client, spa):
    _, challenge = pkce_pair()
    answer = push(client, spa, code_challenge=challenge, code_challenge_method="S256")
    assert answer.status_code == 201


def test_client_secret_post_is_accepted(client, web):
    client_id, secret = web
    answer = client.post(PAR, data={"response_type": "code", "client_id": client_id,
                                    "client_secret": secret, "redirect_uri": CB,
                                    "scope": "openid"})
    assert answer.status_code == 201


def test_client_id_of_another_client_than_the_authenticated_one_is_refused(client, web,
                                                                            strict):
    answer = client.post(PAR, data={"response_type": "code", "client_id": strict[0],
                                    "redirect_uri": CB, "scope": "openid"},
                         headers=basic_auth(*web))
    assert answer.status_code in (400, 401)
    assert answer.get_json()["error"] in ("invalid_request", "invalid_client")


def test_client_id_is_taken_from_basic_authentication_when_absent(client, web):
    answer = push(client, web, client_id=None)
    assert answer.status_code == 201


# -- §2.1: the parameters are validated as at the authorization endpoint ---------------------


def test_request_uri_in_the_push_is_refused(client, web):
    answer = push(client, web, request_uri=URN + "x")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_unregistered_redirect_uri_is_invalid_request(client, web):
    answer = push(client, web, redirect_uri="https://attacker.example/cb")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"
    assert "Location" not in answer.headers


def test_unknown_scope_is_invalid_scope(client, web):
    answer = push(client, web, scope="openid admin")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_scope"


def test_unsupported_response_type_is_refused(client, web):
    answer = push(client, web, response_type="token")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "unsupported_response_type"


def test_missing_response_type_is_invalid_request(client, web):
    answer = push(client, web, response_type=None)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_public_client_without_pkce_is_invalid_request(client, spa):
    """RFC 9700 §2.1.1: PKCE for public clients, checked at the push already."""
    answer = push(client, spa)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_repeated_parameter_is_invalid_request(client, web):
    client_id, secret = web
    body = urlencode([("response_type", "code"), ("client_id", client_id),
                      ("redirect_uri", CB), ("scope", "openid"), ("scope", "profile")])
    answer = client.post(PAR, data=body, content_type="application/x-www-form-urlencoded",
                         headers=basic_auth(client_id, secret))
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_malformed_openid_parameter_is_refused_at_the_push(client, web):
    answer = push(client, web, max_age="soon")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_prompt_none_is_accepted_without_a_user(client, web):
    """§2.1: validated "without user interaction"; prompt=none is the authorization
    endpoint's business once a browser arrives (OpenID Connect Core §3.1.2.1)."""
    answer = push(client, web, prompt="none")
    assert answer.status_code == 201


def test_query_parameters_on_the_push_are_refused(client, web):
    client_id, secret = web
    answer = client.post(PAR + "?scope=openid", data={"response_type": "code",
                                                      "redirect_uri": CB},
                         headers=basic_auth(client_id, secret))
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_json_body_is_refused(client, web):
    answer = client.post(PAR, json={"response_type": "code", "redirect_uri": CB},
                         headers=basic_auth(*web))
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_get_is_not_allowed(client):
    assert client.get(PAR).status_code == 405


def test_endpoint_is_absent_without_storage(test_database, tables):
    """Without somewhere to keep pushed requests the route answers 404 and the metadata
    names no PAR endpoint."""
    from tests.oidc.oidc_app import make_app as make_plain_app

    app = make_plain_app(test_database)
    try:
        client = app.test_client()
        assert client.post(PAR, data={"response_type": "code"}).status_code == 404
        metadata = client.get("/.well-known/oauth-authorization-server").get_json()
        assert "pushed_authorization_request_endpoint" not in metadata
    finally:
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()
