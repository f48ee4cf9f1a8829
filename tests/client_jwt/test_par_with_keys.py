"""RFC 9126 §2.1 / §3 with RFC 7523 and RFC 9101: a private_key_jwt client pushes its
authorization request as a signed request object, then sends only client_id and the
request_uri through the browser (the FAPI 2.0 shape)."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.client_jwt.conftest import ISSUER, REDIRECT, assertion, assertion_form, key_client
from tests.client_jwt.test_rfc9101_request_objects import request_object
from tests.helpers import location_params


def push(app, client_id, key, **fields):
    return app.test_client().post("/oauth/par", data=assertion_form(
        assertion(client_id, key, aud=ISSUER), **fields))


def test_a_pushed_signed_request_object_completes_the_code_flow(app, client_key):
    app.config["TEST_SKIP_CONSENT"] = True
    client_id = key_client(app, client_key)
    token, verifier = request_object(client_id, client_key, state="pushed-state")
    pushed = push(app, client_id, client_key, request=token)
    assert pushed.status_code == 201, pushed.get_json()
    request_uri = pushed.get_json()["request_uri"]
    browser = app.test_client()
    browser.post("/login", data={"username": "carol"})
    answer = browser.get("/oauth/authorize?" + urlencode(
        {"client_id": client_id, "request_uri": request_uri}))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    params = location_params(answer.headers["Location"])
    assert answer.headers["Location"].startswith(REDIRECT)
    assert params["state"] == "pushed-state"
    exchanged = app.test_client().post("/oauth/token", data=assertion_form(
        assertion(client_id, client_key), grant_type="authorization_code",
        code=params["code"], redirect_uri=REDIRECT, code_verifier=verifier))
    assert exchanged.status_code == 200, exchanged.get_json()


def test_only_the_objects_parameters_are_pushed(app, client_key):
    """RFC 9101 §5 via RFC 9126 §3: form fields beside the object are not used."""
    app.config["TEST_SKIP_CONSENT"] = True
    client_id = key_client(app, client_key)
    token, _ = request_object(client_id, client_key, state="object-state")
    pushed = push(app, client_id, client_key, request=token, state="form-state",
                  redirect_uri="https://evil.example/cb")
    assert pushed.status_code == 201, pushed.get_json()
    browser = app.test_client()
    browser.post("/login", data={"username": "dave"})
    answer = browser.get("/oauth/authorize?" + urlencode(
        {"client_id": client_id, "request_uri": pushed.get_json()["request_uri"]}))
    assert answer.headers["Location"].startswith(REDIRECT)
    assert location_params(answer.headers["Location"])["state"] == "object-state"


def test_a_pushed_request_object_of_another_key_is_refused(app, client_key, other_key):
    client_id = key_client(app, client_key)
    token, _ = request_object(client_id, other_key)
    pushed = push(app, client_id, client_key, request=token)
    assert pushed.status_code == 400
    assert pushed.get_json()["error"] == "invalid_request_object"
    assert "Location" not in pushed.headers


def test_a_pushed_request_object_for_another_client_is_refused(app, client_key):
    client_id = key_client(app, client_key)
    other_id = key_client(app, client_key)
    token, _ = request_object(other_id, client_key)
    pushed = push(app, client_id, client_key, request=token)
    assert pushed.status_code == 400
    assert pushed.get_json()["error"] == "invalid_request_object"


def test_the_push_refuses_a_bad_assertion(app, client_key, other_key):
    client_id = key_client(app, client_key)
    token, _ = request_object(client_id, client_key)
    pushed = app.test_client().post("/oauth/par", data=assertion_form(
        assertion(client_id, other_key, aud=ISSUER), request=token))
    assert pushed.status_code == 401 and pushed.get_json()["error"] == "invalid_client"


def test_the_push_accepts_the_par_endpoint_as_audience(app, client_key):
    client_id = key_client(app, client_key)
    token, _ = request_object(client_id, client_key)
    pushed = app.test_client().post("/oauth/par", data=assertion_form(
        assertion(client_id, client_key, aud=ISSUER + "/oauth/par"), request=token))
    assert pushed.status_code == 201, pushed.get_json()
