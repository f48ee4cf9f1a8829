"""A public client of a ported app that sends a ``client_secret``.

Flask-OAuthlib's sample ``Client`` is public unless ``is_confidential`` is set, and
has a ``client_secret`` column, so many ported clients send a secret although the
server treats them as public. RFC 6749 §2.3 only says the server MUST NOT rely on such
a secret. By default the request is refused with ``invalid_client`` and a description
that says what to do; ``OAUTH2_PROVIDER_IGNORE_PUBLIC_CLIENT_SECRET = True`` lets
these clients through as public clients (the secret is not checked; PKCE is still
required, RFC 9700 §2.1.1).
"""

from __future__ import annotations

import pytest

from tests.compat.flask_oauthlib.documented_app import (
    CHALLENGE,
    PUBLIC,
    VERIFIER,
    basic,
    code_for,
    exchange,
    make_app,
)

SWITCH = "OAUTH2_PROVIDER_IGNORE_PUBLIC_CLIENT_SECRET"


def public_code(client) -> str:
    return code_for(client, PUBLIC[0], code_challenge=CHALLENGE, code_challenge_method="S256")


@pytest.mark.parametrize("how", ["basic", "post"])
def test_public_client_sending_a_secret_is_refused_with_a_reason(how):
    client = make_app().test_client()
    code = public_code(client)
    if how == "basic":
        response = exchange(client, code, auth=basic(PUBLIC), code_verifier=VERIFIER)
    else:
        response = exchange(client, code, auth={}, client_id=PUBLIC[0],
                            client_secret=PUBLIC[1], code_verifier=VERIFIER)
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    description = response.json["error_description"]
    assert "public" in description and SWITCH in description


@pytest.mark.parametrize("secret", [PUBLIC[1], "anything"])
def test_switch_lets_a_public_client_through_without_checking_the_secret(secret):
    client = make_app({SWITCH: True}).test_client()
    response = exchange(client, public_code(client), auth={}, client_id=PUBLIC[0],
                        client_secret=secret, code_verifier=VERIFIER)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_switch_keeps_pkce_required_for_the_public_client():
    client = make_app({SWITCH: True}).test_client()
    response = exchange(client, public_code(client), auth=basic(PUBLIC))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_switch_changes_nothing_for_confidential_clients():
    from tests.compat.flask_oauthlib.documented_app import CONFIDENTIAL

    client = make_app({SWITCH: True}).test_client()
    response = exchange(client, code_for(client), auth=basic((CONFIDENTIAL[0], "wrong")))
    assert response.status_code == 401


def test_switch_must_be_a_bool():
    with pytest.raises(ValueError, match=SWITCH):
        make_app({SWITCH: "yes"})
